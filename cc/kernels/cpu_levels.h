// One function body compiled for several x86-64 levels, the best the CPU runs
// chosen at the first call: a single distributable binary runs AVX-512, AVX2
// or SSE4 code where the CPU has it. For tests and benchmarks on one CPU,
// SOFTROUND_OPS_CPU_LEVEL (baseline, v2, v3 or v4) selects a lower level and
// SOFTROUND_OPS_F16C=0 turns the F16C half conversions off; both are read
// once per process.
#ifndef SOFTROUND_KERNELS_CPU_LEVELS_H_
#define SOFTROUND_KERNELS_CPU_LEVELS_H_

namespace softround {
namespace cpu {

enum CpuLevel : int { kBaseline = 0, kV2 = 1, kV3 = 2, kV4 = 3 };

const char* CpuLevelName(int level);
// The highest level this CPU supports (kBaseline off x86-64).
int BestCpuLevel();
// The level the loops run: the best, or the requested one below it.
int SelectedCpuLevel();
// Whether half conversions use F16C (the CPU has it and it is not turned off).
bool F16cSelected();

}  // namespace cpu
}  // namespace softround

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
// Declares NAME PARAMS, which calls the version of the body that follows
// for SelectedCpuLevel(); ARGS passes PARAMS on. Each version inlines the
// whole body (flatten), so that it is all compiled for that level. EXTRA:
// one more attribute of every version, or nothing.
#define SOFTROUND_PER_CPU_LEVEL_WITH(RET, NAME, EXTRA, PARAMS, ARGS) \
  static inline RET NAME##Body PARAMS;                               \
  __attribute__((target("arch=x86-64-v4"), flatten,                  \
                 EXTRA)) static RET NAME##V4 PARAMS {                \
    return NAME##Body ARGS;                                          \
  }                                                                  \
  __attribute__((target("arch=x86-64-v3"), flatten,                  \
                 EXTRA)) static RET NAME##V3 PARAMS {                \
    return NAME##Body ARGS;                                          \
  }                                                                  \
  __attribute__((target("arch=x86-64-v2"), flatten,                  \
                 EXTRA)) static RET NAME##V2 PARAMS {                \
    return NAME##Body ARGS;                                          \
  }                                                                  \
  __attribute__((flatten, EXTRA)) static RET NAME##Baseline PARAMS { \
    return NAME##Body ARGS;                                          \
  }                                                                  \
  RET NAME PARAMS {                                                  \
    static RET(*const versions[])                                    \
        PARAMS = {NAME##Baseline, NAME##V2, NAME##V3, NAME##V4};     \
    return versions[::softround::cpu::SelectedCpuLevel()] ARGS;      \
  }                                                                  \
  static inline RET NAME##Body PARAMS
// GCC's jump threading, which copies code into the arms of a select that a
// later select tests again; where those arms are a polynomial the loop then
// evaluates it twice per element (sine's value: 1.3x the time).
#define SOFTROUND_NO_THREAD_JUMPS optimize("no-thread-jumps")
#else
#define SOFTROUND_PER_CPU_LEVEL_WITH(RET, NAME, EXTRA, PARAMS, ARGS) \
  RET NAME PARAMS
#define SOFTROUND_NO_THREAD_JUMPS
#endif

#define SOFTROUND_PER_CPU_LEVEL(RET, NAME, PARAMS, ARGS) \
  SOFTROUND_PER_CPU_LEVEL_WITH(RET, NAME, , PARAMS, ARGS)

#endif  // SOFTROUND_KERNELS_CPU_LEVELS_H_
