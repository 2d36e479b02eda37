// Vectorized CPU loops of SoftRound and SoftRoundGrad over flat arrays.
//
// No TensorFlow include: soft_round_cpu.cc and float16_arrays.cc are compiled
// with their own flags (FP contraction, no trapping math) and clone their
// entry points per x86-64 level, chosen at load time. Half and bfloat16 are
// computed in float and rounded once. The op kernels call these on shards of
// a tensor.
#ifndef SOFTROUND_KERNELS_SOFT_ROUND_CPU_H_
#define SOFTROUND_KERNELS_SOFT_ROUND_CPU_H_

#include <cstdint>

#include "cc/kernels/float16_bits.h"
#include "softround/soft_round_math.h"

namespace softround {
namespace cpu {

// y[i] = SoftRound(x[i], alpha[alpha_per_element ? i : 0]) for i in [0, n).
// y may be x (in-place).
#define SOFTROUND_DECLARE_CPU_LOOPS(T)                                       \
  void SoftRoundForward(Mode mode, const T* x, const T* alpha,               \
                        bool alpha_per_element, T* y, int64_t n);            \
  /* dx[i] = dy[i] * dy/dx(x[i]); dx may be dy or x. */                      \
  void SoftRoundBackward(Mode mode, const T* dy, const T* x, const T* alpha, \
                         bool alpha_per_element, T* dx, int64_t n);

SOFTROUND_DECLARE_CPU_LOOPS(float)
SOFTROUND_DECLARE_CPU_LOOPS(double)
SOFTROUND_DECLARE_CPU_LOOPS(Float16Bits)
SOFTROUND_DECLARE_CPU_LOOPS(BFloat16Bits)
#undef SOFTROUND_DECLARE_CPU_LOOPS

}  // namespace cpu
}  // namespace softround

#endif  // SOFTROUND_KERNELS_SOFT_ROUND_CPU_H_
