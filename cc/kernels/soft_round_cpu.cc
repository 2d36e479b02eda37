// The CPU loops: one always-inlined template per (mode, alpha layout),
// instantiated inside entry points that GCC clones per x86-64 level so one
// distributable binary runs AVX-512, AVX2 or SSE4 code where the CPU has it.
#include "cc/kernels/soft_round_cpu.h"

namespace softround {
namespace cpu {
namespace {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SOFTROUND_CPU_CLONES                                       \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", \
                               "arch=x86-64-v2", "default")))
#else
#define SOFTROUND_CPU_CLONES
#endif

// A loop in a lambda must be inlined into the clone that calls it, or it
// would be compiled for the baseline architecture only.
#define SOFTROUND_LAMBDA_INLINE __attribute__((always_inline))

// Loads a stored value into the compute type and rounds it back once.
template <typename S>
struct Storage {
  using Compute = S;
  SOFTROUND_HD static S Load(S v) { return v; }
  SOFTROUND_HD static S Store(S v) { return v; }
};
template <>
struct Storage<Float16Bits> {
  using Compute = float;
  SOFTROUND_HD static float Load(Float16Bits v) { return Float16ToFloat(v); }
  SOFTROUND_HD static Float16Bits Store(float v) { return FloatToFloat16(v); }
};
template <>
struct Storage<BFloat16Bits> {
  using Compute = float;
  SOFTROUND_HD static float Load(BFloat16Bits v) { return BFloat16ToFloat(v); }
  SOFTROUND_HD static BFloat16Bits Store(float v) { return FloatToBFloat16(v); }
};

template <Mode M, typename S, bool kAlphaPerElement>
SOFTROUND_HD void ForwardLoop(const S* x, const S* alpha, S* y, int64_t n) {
  using IO = Storage<S>;
  using Params = ModeParams<M, typename IO::Compute>;
  if constexpr (kAlphaPerElement) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      const Params params(IO::Load(alpha[i]));
      y[i] = IO::Store(SoftRound<M>(IO::Load(x[i]), params));
    }
  } else {
    Params(IO::Load(alpha[0]))
        .VisitForm([&](const auto& form) SOFTROUND_LAMBDA_INLINE {
#pragma omp simd
          for (int64_t i = 0; i < n; ++i) {
            y[i] = IO::Store(SoftRound<M>(IO::Load(x[i]), form));
          }
        });
  }
}

template <Mode M, typename S, bool kAlphaPerElement>
SOFTROUND_HD void BackwardLoop(const S* dy, const S* x, const S* alpha, S* dx,
                               int64_t n) {
  using IO = Storage<S>;
  using Params = ModeParams<M, typename IO::Compute>;
  if constexpr (kAlphaPerElement) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      const Params params(IO::Load(alpha[i]));
      dx[i] = IO::Store(IO::Load(dy[i]) *
                        SoftRoundSlope<M>(IO::Load(x[i]), params));
    }
  } else {
    Params(IO::Load(alpha[0]))
        .VisitForm([&](const auto& form) SOFTROUND_LAMBDA_INLINE {
#pragma omp simd
          for (int64_t i = 0; i < n; ++i) {
            dx[i] = IO::Store(IO::Load(dy[i]) *
                              SoftRoundSlope<M>(IO::Load(x[i]), form));
          }
        });
  }
}

template <Mode M, typename S>
SOFTROUND_HD void Forward(const S* x, const S* alpha, bool per_element, S* y,
                          int64_t n) {
  if (per_element) {
    ForwardLoop<M, S, true>(x, alpha, y, n);
  } else {
    ForwardLoop<M, S, false>(x, alpha, y, n);
  }
}

template <Mode M, typename S>
SOFTROUND_HD void Backward(const S* dy, const S* x, const S* alpha,
                           bool per_element, S* dx, int64_t n) {
  if (per_element) {
    BackwardLoop<M, S, true>(dy, x, alpha, dx, n);
  } else {
    BackwardLoop<M, S, false>(dy, x, alpha, dx, n);
  }
}

// ste's gradient is dy itself: a copy, unless it is computed in place.
template <typename S>
void PassGradient(const S* dy, S* dx, int64_t n) {
  if (dx != dy) {
    for (int64_t i = 0; i < n; ++i) dx[i] = dy[i];
  }
}

}  // namespace

#define SOFTROUND_DEFINE_CPU_LOOPS(T)                                          \
  SOFTROUND_CPU_CLONES void SoftRoundForward(Mode mode, const T* x,            \
                                             const T* alpha, bool per_element, \
                                             T* y, int64_t n) {                \
    switch (mode) {                                                            \
      case Mode::kTanh:                                                        \
        return Forward<Mode::kTanh>(x, alpha, per_element, y, n);              \
      case Mode::kSigmoid:                                                     \
        return Forward<Mode::kSigmoid>(x, alpha, per_element, y, n);           \
      case Mode::kSine:                                                        \
        return Forward<Mode::kSine>(x, alpha, per_element, y, n);              \
      case Mode::kSte:                                                         \
        return ForwardLoop<Mode::kSte, T, false>(x, alpha, y, n);              \
    }                                                                          \
  }                                                                            \
  SOFTROUND_CPU_CLONES void SoftRoundBackward(                                 \
      Mode mode, const T* dy, const T* x, const T* alpha, bool per_element,    \
      T* dx, int64_t n) {                                                      \
    switch (mode) {                                                            \
      case Mode::kTanh:                                                        \
        return Backward<Mode::kTanh>(dy, x, alpha, per_element, dx, n);        \
      case Mode::kSigmoid:                                                     \
        return Backward<Mode::kSigmoid>(dy, x, alpha, per_element, dx, n);     \
      case Mode::kSine:                                                        \
        return Backward<Mode::kSine>(dy, x, alpha, per_element, dx, n);        \
      case Mode::kSte:                                                         \
        return PassGradient(dy, dx, n);                                        \
    }                                                                          \
  }

SOFTROUND_DEFINE_CPU_LOOPS(float)
SOFTROUND_DEFINE_CPU_LOOPS(double)
SOFTROUND_DEFINE_CPU_LOOPS(Float16Bits)
SOFTROUND_DEFINE_CPU_LOOPS(BFloat16Bits)
#undef SOFTROUND_DEFINE_CPU_LOOPS

}  // namespace cpu
}  // namespace softround
