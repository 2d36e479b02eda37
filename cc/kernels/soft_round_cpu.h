// Vectorized CPU loops of the soft-round family over flat arrays.
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

using LoopSpec = Spec;

// The type in which the loops hand out the terms of alpha's gradient.
template <typename S>
struct AccumulatorOf {
  using Type = float;
};
template <>
struct AccumulatorOf<double> {
  using Type = double;
};

// Element i uses alpha[alpha_per_element ? i : 0]; out may be x or dy.
// With spec.with_alpha, alpha_products[i] receives element i's alpha term,
// or, for a scalar alpha (!alpha_per_element), alpha_products[0] their sum;
// float for the float and 16-bit types, double for double (nullptr
// otherwise).
#define SOFTROUND_DECLARE_CPU_LOOPS(T, A)                                      \
  void RunLoop(const LoopSpec& spec, const T* dy, const T* x, const T* alpha,  \
               bool alpha_per_element, T* out, A* alpha_products, int64_t n);  \
  /* SoftRound and SoftRoundGrad (dx = dy * dy/dx). */                         \
  inline void SoftRoundForward(Mode mode, const T* x, const T* alpha,          \
                               bool alpha_per_element, T* y, int64_t n) {      \
    RunLoop(LoopSpec{mode}, nullptr, x, alpha, alpha_per_element, y, nullptr,  \
            n);                                                                \
  }                                                                            \
  inline void SoftRoundBackward(Mode mode, const T* dy, const T* x,            \
                                const T* alpha, bool alpha_per_element, T* dx, \
                                int64_t n) {                                   \
    RunLoop(LoopSpec{mode, Function::kForward, Quantity::kDx}, dy, x, alpha,   \
            alpha_per_element, dx, nullptr, n);                                \
  }

// tanh's constants of count per-element alphas for spec's loop, written to
// table (TanhTableColumns(spec) columns of count entries), which RunLoop
// then reads in alpha's place with spec.tanh_table_stride = count; false if
// some alpha takes another form (table is then unspecified).
bool BuildTanhTable(const Spec& spec, const float* alpha, int64_t count,
                    float* table);
bool BuildTanhTable(const Spec& spec, const double* alpha, int64_t count,
                    double* table);

// The columns of BuildTanhTable's table for spec.
template <typename T>
int TanhTableColumns(const Spec& spec) {
  if (spec.function != Function::kForward) return TanhInverse<T>::kColumns;
  return spec.with_alpha ? TanhDerivatives<T>::kColumns
                         : tanh_form::Moderate<T>::kColumns;
}

SOFTROUND_DECLARE_CPU_LOOPS(float, float)
SOFTROUND_DECLARE_CPU_LOOPS(double, double)
SOFTROUND_DECLARE_CPU_LOOPS(Float16Bits, float)
SOFTROUND_DECLARE_CPU_LOOPS(BFloat16Bits, float)
#undef SOFTROUND_DECLARE_CPU_LOOPS

}  // namespace cpu
}  // namespace softround

#endif  // SOFTROUND_KERNELS_SOFT_ROUND_CPU_H_
