// One function body compiled for several x86-64 levels, the best chosen when
// the library loads: a single distributable binary runs AVX-512, AVX2 or
// SSE4 code where the CPU has it.
#ifndef SOFTROUND_KERNELS_CPU_CLONES_H_
#define SOFTROUND_KERNELS_CPU_CLONES_H_

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SOFTROUND_CPU_CLONES                                       \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", \
                               "arch=x86-64-v2", "default")))
#else
#define SOFTROUND_CPU_CLONES
#endif

#endif  // SOFTROUND_KERNELS_CPU_CLONES_H_
