// The CPU loops: one always-inlined template per (mode, alpha layout) for
// float and double, instantiated inside entry points cloned per x86-64 level
// (cpu_clones.h). Half and bfloat16 run the float loops on L1-resident chunks
// widened to float, and are rounded back once.
#include "cc/kernels/soft_round_cpu.h"

#include <algorithm>
#include <cstring>

#include "cc/kernels/cpu_clones.h"
#include "cc/kernels/float16_arrays.h"

namespace softround {
namespace cpu {
namespace {

// A loop in a lambda must be inlined into the clone that calls it, or it
// would be compiled for the baseline architecture only.
#define SOFTROUND_LAMBDA_INLINE __attribute__((always_inline))

template <Mode M, typename T, bool kAlphaPerElement>
SOFTROUND_HD void ForwardLoop(const T* x, const T* alpha, T* y, int64_t n) {
  using Params = ModeParams<M, T>;
  if constexpr (kAlphaPerElement) {
    // No omp simd here: it would keep the per-lane Params (nested forms) in
    // memory and fail to vectorize; the auto-vectorizer scalarizes them.
    for (int64_t i = 0; i < n; ++i) {
      y[i] = SoftRound<M>(x[i], Params(alpha[i]));
    }
  } else {
    Params(alpha[0]).VisitForm([&](const auto& form) SOFTROUND_LAMBDA_INLINE {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) {
        y[i] = SoftRound<M>(x[i], form);
      }
    });
  }
}

template <Mode M, typename T, bool kAlphaPerElement>
SOFTROUND_HD void BackwardLoop(const T* dy, const T* x, const T* alpha, T* dx,
                               int64_t n) {
  using Params = ModeParams<M, T>;
  if constexpr (kAlphaPerElement) {
    // Auto-vectorized, as in ForwardLoop.
    for (int64_t i = 0; i < n; ++i) {
      dx[i] = dy[i] * SoftRoundSlope<M>(x[i], Params(alpha[i]));
    }
  } else {
    Params(alpha[0]).VisitForm([&](const auto& form) SOFTROUND_LAMBDA_INLINE {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) {
        dx[i] = dy[i] * SoftRoundSlope<M>(x[i], form);
      }
    });
  }
}

template <Mode M, typename T>
SOFTROUND_HD void Forward(const T* x, const T* alpha, bool per_element, T* y,
                          int64_t n) {
  if (per_element) {
    ForwardLoop<M, T, true>(x, alpha, y, n);
  } else {
    ForwardLoop<M, T, false>(x, alpha, y, n);
  }
}

template <Mode M, typename T>
SOFTROUND_HD void Backward(const T* dy, const T* x, const T* alpha,
                           bool per_element, T* dx, int64_t n) {
  if (per_element) {
    BackwardLoop<M, T, true>(dy, x, alpha, dx, n);
  } else {
    BackwardLoop<M, T, false>(dy, x, alpha, dx, n);
  }
}

// ste's gradient is dy itself: a copy, unless it is computed in place.
template <typename S>
void PassGradient(const S* dy, S* dx, int64_t n) {
  if (dx != dy) std::memmove(dx, dy, sizeof(S) * n);
}

// Elements per chunk of a 16-bit tensor: its float copies (x, and dy or a
// per-element alpha) stay in L1.
constexpr int64_t kChunk = 1024;

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
#undef SOFTROUND_DEFINE_CPU_LOOPS

namespace {

// 16-bit types: chunk by chunk, widen, run the float loop in place, narrow.
// Every value is computed in float and rounded once, as on the GPU.
template <typename S>
void ChunkedForward(Mode mode, const S* x, const S* alpha, bool per_element,
                    S* y, int64_t n) {
  float x_chunk[kChunk], alpha_chunk[kChunk];
  if (!per_element) Widen(alpha, alpha_chunk, 1);
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t length = std::min(kChunk, n - start);
    Widen(x + start, x_chunk, length);
    if (per_element) Widen(alpha + start, alpha_chunk, length);
    SoftRoundForward(mode, x_chunk, alpha_chunk, per_element, x_chunk, length);
    Narrow(x_chunk, y + start, length);
  }
}

template <typename S>
void ChunkedBackward(Mode mode, const S* dy, const S* x, const S* alpha,
                     bool per_element, S* dx, int64_t n) {
  if (mode == Mode::kSte) return PassGradient(dy, dx, n);
  float dy_chunk[kChunk], x_chunk[kChunk], alpha_chunk[kChunk];
  if (!per_element) Widen(alpha, alpha_chunk, 1);
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t length = std::min(kChunk, n - start);
    Widen(dy + start, dy_chunk, length);
    Widen(x + start, x_chunk, length);
    if (per_element) Widen(alpha + start, alpha_chunk, length);
    SoftRoundBackward(mode, dy_chunk, x_chunk, alpha_chunk, per_element,
                      x_chunk, length);
    Narrow(x_chunk, dx + start, length);
  }
}

}  // namespace

#define SOFTROUND_DEFINE_CHUNKED_CPU_LOOPS(S)                                \
  void SoftRoundForward(Mode mode, const S* x, const S* alpha,               \
                        bool per_element, S* y, int64_t n) {                 \
    ChunkedForward(mode, x, alpha, per_element, y, n);                       \
  }                                                                          \
  void SoftRoundBackward(Mode mode, const S* dy, const S* x, const S* alpha, \
                         bool per_element, S* dx, int64_t n) {               \
    ChunkedBackward(mode, dy, x, alpha, per_element, dx, n);                 \
  }

SOFTROUND_DEFINE_CHUNKED_CPU_LOOPS(Float16Bits)
SOFTROUND_DEFINE_CHUNKED_CPU_LOOPS(BFloat16Bits)
#undef SOFTROUND_DEFINE_CHUNKED_CPU_LOOPS

}  // namespace cpu
}  // namespace softround
