// The CPU loops: one always-inlined template per (function, mode, quantity,
// alpha layout) for float and double, instantiated inside entry points
// compiled per x86-64 level (cpu_levels.h). Half and bfloat16 run the float
// loops on L1-resident chunks widened to float, and are rounded back once.
#include "cc/kernels/soft_round_cpu.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

#include "cc/kernels/cpu_levels.h"
#include "cc/kernels/float16_arrays.h"

namespace softround {
namespace cpu {
namespace {

// A loop in a lambda must be inlined into the clone that calls it, or it
// would be compiled for the baseline architecture only.
#define SOFTROUND_LAMBDA_INLINE __attribute__((always_inline))

// The forward value and slope, with tanh's form chosen once per scalar alpha.
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

// Every quantity of function F through one evaluator per alpha value.
// (Plain structs picked by std::conditional: an evaluator that inherited its
// call operator was not inlined into the cloned loops, which then ran
// scalar.)
template <Mode M, typename T>
struct ForwardEvaluator {
  ModeParams<M, T> params;
  SOFTROUND_HD ForwardEvaluator(T alpha, T) : params(alpha) {}
  SOFTROUND_HD Quantities<T> operator()(T x) const {
    return ForwardQuantities<M>(x, params);
  }
};
template <bool kConditionalMean, typename T>
struct InverseEvaluator {
  TanhInverse<T> inverse;
  SOFTROUND_HD InverseEvaluator(T alpha, T bound) : inverse(alpha, bound) {}
  SOFTROUND_HD Quantities<T> operator()(T y) const {
    return InverseQuantities<kConditionalMean>(y, inverse);
  }
};
template <Function F, Mode M, typename T>
using Evaluator = typename std::conditional<
    F == Function::kForward, ForwardEvaluator<M, T>,
    InverseEvaluator<F == Function::kConditionalMean, T>>::type;

template <Quantity Q, typename T>
SOFTROUND_HD T Pick(const Quantities<T>& q) {
  if constexpr (Q == Quantity::kValue) return q.value;
  if constexpr (Q == Quantity::kDx) return q.dx;
  if constexpr (Q == Quantity::kDxx) return q.dxx;
  if constexpr (Q == Quantity::kDalpha) return q.dalpha;
  if constexpr (Q == Quantity::kDxDalpha) return q.dx_dalpha;
}

// The alpha derivative that accompanies Q (with_alpha).
template <Quantity Q>
constexpr Quantity kAlphaPartner =
    Q == Quantity::kDx ? Quantity::kDalpha : Quantity::kDxDalpha;

// out[i] and, with kWithAlpha, alpha's term: per element into
// alpha_products[i], or for a scalar alpha their sum into alpha_products[0]
// (a register reduction: no second pass).
template <Function F, Mode M, Quantity Q, bool kWithAlpha, typename T,
          typename A>
SOFTROUND_HD void QuantityLoop(const T* dy, const T* x, const T* alpha,
                               bool per_element, T bound, T* out,
                               A* alpha_products, int64_t n) {
  using Eval = Evaluator<F, M, T>;
  // Writes out[i] and returns the alpha term (0 without kWithAlpha).
  auto element = [&](const Eval& eval, int64_t i) SOFTROUND_LAMBDA_INLINE {
    const Quantities<T> q = eval(x[i]);
    if constexpr (Q == Quantity::kValue) {
      out[i] = q.value;
      return A(0);
    } else {
      const T g = dy[i];
      out[i] = g * Pick<Q>(q);
      return kWithAlpha ? A(g * Pick<kAlphaPartner<Q>>(q)) : A(0);
    }
  };
  if (per_element) {
    for (int64_t i = 0; i < n; ++i) {
      const A term = element(Eval(alpha[i], bound), i);
      if constexpr (kWithAlpha) alpha_products[i] = term;
    }
  } else if constexpr (kWithAlpha) {
    const Eval eval(alpha[0], bound);
    A sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < n; ++i) sum += element(eval, i);
    alpha_products[0] = sum;
  } else {
    const Eval eval(alpha[0], bound);
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) element(eval, i);
  }
}

// ste's gradient is dy itself: a copy, unless it is computed in place.
template <typename S>
void PassGradient(const S* dy, S* dx, int64_t n) {
  if (dx != dy) std::memmove(dx, dy, sizeof(S) * n);
}

template <Function F, Mode M, typename T, typename A>
SOFTROUND_HD void DispatchQuantity(const LoopSpec& spec, const T* dy,
                                   const T* x, const T* alpha, bool per_element,
                                   T bound, T* out, A* alpha_products,
                                   int64_t n) {
#define SOFTROUND_QUANTITY_LOOP(Q, WITH_ALPHA)                               \
  return QuantityLoop<F, M, Q, WITH_ALPHA>(dy, x, alpha, per_element, bound, \
                                           out, alpha_products, n)
  constexpr bool kFastForward = F == Function::kForward;
  switch (spec.quantity) {
    case Quantity::kValue:
      if constexpr (kFastForward) {
        if (per_element) return ForwardLoop<M, T, true>(x, alpha, out, n);
        return ForwardLoop<M, T, false>(x, alpha, out, n);
      }
      SOFTROUND_QUANTITY_LOOP(Quantity::kValue, false);
    case Quantity::kDx:
      if (spec.with_alpha) SOFTROUND_QUANTITY_LOOP(Quantity::kDx, true);
      if constexpr (kFastForward && M == Mode::kSte) {
        return PassGradient(dy, out, n);
      } else if constexpr (kFastForward) {
        if (per_element) return BackwardLoop<M, T, true>(dy, x, alpha, out, n);
        return BackwardLoop<M, T, false>(dy, x, alpha, out, n);
      }
      SOFTROUND_QUANTITY_LOOP(Quantity::kDx, false);
    case Quantity::kDxx:
      if (spec.with_alpha) SOFTROUND_QUANTITY_LOOP(Quantity::kDxx, true);
      SOFTROUND_QUANTITY_LOOP(Quantity::kDxx, false);
    case Quantity::kDalpha:
      SOFTROUND_QUANTITY_LOOP(Quantity::kDalpha, false);
    case Quantity::kDxDalpha:
      SOFTROUND_QUANTITY_LOOP(Quantity::kDxDalpha, false);
  }
#undef SOFTROUND_QUANTITY_LOOP
}

// One entry point per (function, mode) and type, each cloned per x86-64
// level, so that each version holds a handful of loops.
#define SOFTROUND_FAMILY_ENTRY(NAME, F, M, T, A)                          \
  SOFTROUND_PER_CPU_LEVEL(                                                \
      void, NAME,                                                         \
      (const LoopSpec& spec, const T* dy, const T* x, const T* alpha,     \
       bool per_element, T bound, T* out, A* alpha_products, int64_t n),  \
      (spec, dy, x, alpha, per_element, bound, out, alpha_products, n)) { \
    DispatchQuantity<F, M>(spec, dy, x, alpha, per_element, bound, out,   \
                           alpha_products, n);                            \
  }
#define SOFTROUND_FAMILY_ENTRIES(T, A)                                       \
  SOFTROUND_FAMILY_ENTRY(TanhLoop, Function::kForward, Mode::kTanh, T, A)    \
  SOFTROUND_FAMILY_ENTRY(SigmoidLoop, Function::kForward, Mode::kSigmoid, T, \
                         A)                                                  \
  SOFTROUND_FAMILY_ENTRY(SineLoop, Function::kForward, Mode::kSine, T, A)    \
  SOFTROUND_FAMILY_ENTRY(SteLoop, Function::kForward, Mode::kSte, T, A)      \
  SOFTROUND_FAMILY_ENTRY(InverseLoop, Function::kInverse, Mode::kTanh, T, A) \
  SOFTROUND_FAMILY_ENTRY(ConditionalMeanLoop, Function::kConditionalMean,    \
                         Mode::kTanh, T, A)
SOFTROUND_FAMILY_ENTRIES(float, float)
SOFTROUND_FAMILY_ENTRIES(double, double)
#undef SOFTROUND_FAMILY_ENTRIES
#undef SOFTROUND_FAMILY_ENTRY

// The entry of spec's (function, mode). Only tanh has an inverse (the op
// kernels refuse the others before any loop runs).
template <typename T, typename A>
void Dispatch(const LoopSpec& spec, const T* dy, const T* x, const T* alpha,
              bool per_element, T bound, T* out, A* alpha_products, int64_t n) {
  using Entry = void (*)(const LoopSpec&, const T*, const T*, const T*, bool, T,
                         T*, A*, int64_t);
  Entry entry = &TanhLoop;
  if (spec.function == Function::kInverse) {
    entry = &InverseLoop;
  } else if (spec.function == Function::kConditionalMean) {
    entry = &ConditionalMeanLoop;
  } else if (spec.mode == Mode::kSigmoid) {
    entry = &SigmoidLoop;
  } else if (spec.mode == Mode::kSine) {
    entry = &SineLoop;
  } else if (spec.mode == Mode::kSte) {
    entry = &SteLoop;
  }
  entry(spec, dy, x, alpha, per_element, bound, out, alpha_products, n);
}

// The float entry with the bound of the tensor's own dtype (the 16-bit
// chunks pass theirs).
void RunFloatLoop(const LoopSpec& spec, const float* dy, const float* x,
                  const float* alpha, bool per_element, float bound, float* out,
                  float* alpha_products, int64_t n) {
  Dispatch(spec, dy, x, alpha, per_element, bound, out, alpha_products, n);
}

// Elements per chunk of a 16-bit tensor: its float copies (x, dy, a
// per-element alpha) stay in L1.
constexpr int64_t kChunk = 1024;

// 16-bit types: chunk by chunk, widen, run the float loop in place, narrow.
// Every value is computed in float and rounded once, as on the GPU.
template <typename S>
void ChunkedLoop(const LoopSpec& spec, const S* dy, const S* x, const S* alpha,
                 bool per_element, float bound, S* out, float* alpha_products,
                 int64_t n) {
  const bool passes_dy = spec.function == Function::kForward &&
                         spec.mode == Mode::kSte &&
                         spec.quantity == Quantity::kDx && !spec.with_alpha;
  if (passes_dy) return PassGradient(dy, out, n);
  float dy_chunk[kChunk], x_chunk[kChunk], alpha_chunk[kChunk];
  if (!per_element) Widen(alpha, alpha_chunk, 1);
  float sum = 0, chunk_sum = 0;
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t length = std::min(kChunk, n - start);
    if (dy != nullptr) Widen(dy + start, dy_chunk, length);
    Widen(x + start, x_chunk, length);
    if (per_element) Widen(alpha + start, alpha_chunk, length);
    float* products = alpha_products == nullptr ? nullptr
                      : per_element             ? alpha_products + start
                                                : &chunk_sum;
    RunFloatLoop(spec, dy != nullptr ? dy_chunk : nullptr, x_chunk, alpha_chunk,
                 per_element, bound, x_chunk, products, length);
    sum += chunk_sum;
    Narrow(x_chunk, out + start, length);
  }
  if (alpha_products != nullptr && !per_element) alpha_products[0] = sum;
}

}  // namespace

void RunLoop(const LoopSpec& spec, const float* dy, const float* x,
             const float* alpha, bool per_element, float* out,
             float* alpha_products, int64_t n) {
  RunFloatLoop(spec, dy, x, alpha, per_element,
               std::numeric_limits<float>::max(), out, alpha_products, n);
}

void RunLoop(const LoopSpec& spec, const double* dy, const double* x,
             const double* alpha, bool per_element, double* out,
             double* alpha_products, int64_t n) {
  Dispatch(spec, dy, x, alpha, per_element, std::numeric_limits<double>::max(),
           out, alpha_products, n);
}

// The largest finite half (65504) and bfloat16 ((2 - 2^-7) 2^127).
void RunLoop(const LoopSpec& spec, const Float16Bits* dy, const Float16Bits* x,
             const Float16Bits* alpha, bool per_element, Float16Bits* out,
             float* alpha_products, int64_t n) {
  ChunkedLoop(spec, dy, x, alpha, per_element, 65504.0f, out, alpha_products,
              n);
}

void RunLoop(const LoopSpec& spec, const BFloat16Bits* dy,
             const BFloat16Bits* x, const BFloat16Bits* alpha, bool per_element,
             BFloat16Bits* out, float* alpha_products, int64_t n) {
  ChunkedLoop(spec, dy, x, alpha, per_element, 3.38953139e38f, out,
              alpha_products, n);
}

}  // namespace cpu
}  // namespace softround
