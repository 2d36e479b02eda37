// The CPU loops: one always-inlined template per (function, mode, quantity,
// alpha layout) for float and double, instantiated inside entry points
// compiled per x86-64 level (cpu_levels.h). Half and bfloat16 run the float
// loops on L1-resident chunks widened to float, and are rounded back once
// (values and slopes computed to the precision of the 16-bit type).
#include "cc/kernels/soft_round_cpu.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

#include "cc/kernels/cpu_levels.h"
#include "cc/kernels/float16_arrays.h"
#include "cc/kernels/lookup_table.h"

namespace softround {
namespace cpu {
namespace {

// A loop in a lambda must be inlined into the clone that calls it, or it
// would be compiled for the baseline architecture only.
#define SOFTROUND_LAMBDA_INLINE __attribute__((always_inline))

// Per-element alphas in blocks, each with the form that all its alphas
// take where there is one (VisitElementForms): loop(begin, end, form_type).
constexpr int64_t kFormBlock = 256;

template <Mode M, Precision P, typename T, typename Loop>
SOFTROUND_HD void ForEachFormBlock(const T* alpha, int64_t n, Loop&& loop) {
  for (int64_t begin = 0; begin < n; begin += kFormBlock) {
    const int64_t end = std::min(n, begin + kFormBlock);
    ModeParams<M, T, P>::VisitElementForms(
        alpha + begin, end - begin,
        [&](auto form_type)
            SOFTROUND_LAMBDA_INLINE { loop(begin, end, form_type); });
  }
}

// The forward value and slope, with tanh's form chosen once per scalar alpha.
// Per-element alphas: no omp simd there, which would keep the per-lane forms
// in memory and fail to vectorize; the auto-vectorizer scalarizes them.
template <Mode M, Precision P, bool kAlphaPerElement, typename T>
SOFTROUND_HD void ForwardLoop(const T* x, const T* alpha, T* y, int64_t n) {
  using Params = ModeParams<M, T, P>;
  if constexpr (kAlphaPerElement) {
    ForEachFormBlock<M, P>(alpha, n,
                           [&](int64_t begin, int64_t end,
                               auto form_type) SOFTROUND_LAMBDA_INLINE {
                             using Form = typename decltype(form_type)::Type;
                             for (int64_t i = begin; i < end; ++i) {
                               y[i] = SoftRound<M>(x[i], Form(alpha[i]));
                             }
                           });
  } else {
    Params(alpha[0]).VisitForm([&](const auto& form) SOFTROUND_LAMBDA_INLINE {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) {
        y[i] = SoftRound<M>(x[i], form);
      }
    });
  }
}

// tanh's value (kSlope: false) or dy times its slope for per-element alphas
// whose moderate-form constants were built once (BuildTanhTable): the
// arithmetic of a scalar alpha, plus loads of the table.
template <bool kSlope, Precision P, typename T>
SOFTROUND_HD void TanhFormsLoop(const T* dy, const T* x, const T* forms,
                                int64_t stride, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const tanh_form::Moderate<T, P> form(forms + i, stride);
    if constexpr (kSlope) {
      out[i] = dy[i] * SoftRoundSlope<Mode::kTanh>(x[i], form);
    } else {
      out[i] = SoftRound<Mode::kTanh>(x[i], form);
    }
  }
}

// dy times tanh's slope and alpha's terms per element, for per-element
// alphas whose TanhDerivatives were built once (none the identity).
template <typename T, typename A>
SOFTROUND_HD void TanhDerivativesLoop(const T* dy, const T* x, const T* table,
                                      int64_t stride, T* dx, A* alpha_products,
                                      int64_t n) {
  // omp simd: without it, checking the ten streams for overlap exceeds the
  // vectorizer's limit on alias checks, and the loop runs scalar.
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const TanhDerivatives<T> derivatives(table + i, stride);
    const Quantities<T> q = ForwardDerivatives<Mode::kTanh>(x[i], derivatives);
    dx[i] = dy[i] * q.dx;
    alpha_products[i] = A(dy[i] * q.dalpha);
  }
}

// The inverse's or the conditional mean's (F) value, or dy times its slope
// (Q), for per-element alphas whose TanhInverse was built once
// (BuildTanhTable). omp simd: the table's columns are more streams than the
// vectorizer checks for overlap.
template <Function F, Quantity Q, typename T>
SOFTROUND_HD void InverseTableLoop(const T* dy, const T* x, const T* table,
                                   int64_t stride, T* out, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const TanhInverse<T> inverse(table + i, stride);
    const Quantities<T> q =
        InverseQuantities<F == Function::kConditionalMean>(x[i], inverse);
    if constexpr (Q == Quantity::kValue) {
      out[i] = q.value;
    } else {
      out[i] = dy[i] * q.dx;
    }
  }
}

template <Mode M, Precision P, bool kAlphaPerElement, typename T>
SOFTROUND_HD void BackwardLoop(const T* dy, const T* x, const T* alpha, T* dx,
                               int64_t n) {
  using Params = ModeParams<M, T, P>;
  if constexpr (kAlphaPerElement) {
    ForEachFormBlock<M, P>(
        alpha, n,
        [&](int64_t begin, int64_t end, auto form_type)
            SOFTROUND_LAMBDA_INLINE {
              using Form = typename decltype(form_type)::Type;
              for (int64_t i = begin; i < end; ++i) {
                dx[i] = dy[i] * SoftRoundSlope<M>(x[i], Form(alpha[i]));
              }
            });
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

// visit(p), p() the run-time precision as a constant expression; only float
// computes 16-bit results, every other type its own precision.
template <Precision P>
using PrecisionTag = std::integral_constant<Precision, P>;
template <typename T, typename Visitor>
SOFTROUND_HD void VisitPrecision(Precision precision, Visitor&& visit) {
  if constexpr (std::is_same<T, float>::value) {
    if (precision == Precision::kHalf) {
      return visit(PrecisionTag<Precision::kHalf>());
    }
    if (precision == Precision::kBFloat16) {
      return visit(PrecisionTag<Precision::kBFloat16>());
    }
  }
  visit(PrecisionTag<Precision::kFull>());
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
  if constexpr (!kFastForward) {
    const int64_t stride = spec.tanh_table_stride;
    if (stride > 0 && spec.quantity == Quantity::kValue) {
      return InverseTableLoop<F, Quantity::kValue>(dy, x, alpha, stride, out,
                                                   n);
    }
    if (stride > 0) {
      return InverseTableLoop<F, Quantity::kDx>(dy, x, alpha, stride, out, n);
    }
  }
  if constexpr (kFastForward && M == Mode::kTanh) {
    const int64_t stride = spec.tanh_table_stride;
    if (stride > 0 && spec.with_alpha) {
      return TanhDerivativesLoop(dy, x, alpha, stride, out, alpha_products, n);
    }
    if (stride > 0) {
      return VisitPrecision<T>(
          spec.precision, [&](auto p) SOFTROUND_LAMBDA_INLINE {
            if (spec.quantity == Quantity::kValue) {
              return TanhFormsLoop<false, p()>(dy, x, alpha, stride, out, n);
            }
            TanhFormsLoop<true, p()>(dy, x, alpha, stride, out, n);
          });
    }
  }
  switch (spec.quantity) {
    case Quantity::kValue:
      if constexpr (kFastForward) {
        return VisitPrecision<T>(
            spec.precision, [&](auto p) SOFTROUND_LAMBDA_INLINE {
              if (per_element)
                return ForwardLoop<M, p(), true>(x, alpha, out, n);
              ForwardLoop<M, p(), false>(x, alpha, out, n);
            });
      }
      SOFTROUND_QUANTITY_LOOP(Quantity::kValue, false);
    case Quantity::kDx:
      if (spec.with_alpha) SOFTROUND_QUANTITY_LOOP(Quantity::kDx, true);
      if constexpr (kFastForward && M == Mode::kSte) {
        return PassGradient(dy, out, n);
      } else if constexpr (kFastForward) {
        return VisitPrecision<T>(
            spec.precision, [&](auto p) SOFTROUND_LAMBDA_INLINE {
              if (per_element) {
                return BackwardLoop<M, p(), true>(dy, x, alpha, out, n);
              }
              BackwardLoop<M, p(), false>(dy, x, alpha, out, n);
            });
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
// level, so that each version holds a handful of loops. EXTRA: more
// attributes of the clones (cpu_levels.h).
#define SOFTROUND_FAMILY_ENTRY(NAME, F, M, T, A, EXTRA)                   \
  SOFTROUND_PER_CPU_LEVEL_WITH(                                           \
      void, NAME, EXTRA,                                                  \
      (const LoopSpec& spec, const T* dy, const T* x, const T* alpha,     \
       bool per_element, T bound, T* out, A* alpha_products, int64_t n),  \
      (spec, dy, x, alpha, per_element, bound, out, alpha_products, n)) { \
    DispatchQuantity<F, M>(spec, dy, x, alpha, per_element, bound, out,   \
                           alpha_products, n);                            \
  }
// Sine alone without jump threading: its value loop would evaluate the
// sine twice per element; the inverse's loops run scalar without it.
#define SOFTROUND_FAMILY_ENTRIES(T, A)                                         \
  SOFTROUND_FAMILY_ENTRY(TanhLoop, Function::kForward, Mode::kTanh, T, A, )    \
  SOFTROUND_FAMILY_ENTRY(SigmoidLoop, Function::kForward, Mode::kSigmoid, T,   \
                         A, )                                                  \
  SOFTROUND_FAMILY_ENTRY(SineLoop, Function::kForward, Mode::kSine, T, A,      \
                         SOFTROUND_NO_THREAD_JUMPS)                            \
  SOFTROUND_FAMILY_ENTRY(SteLoop, Function::kForward, Mode::kSte, T, A, )      \
  SOFTROUND_FAMILY_ENTRY(InverseLoop, Function::kInverse, Mode::kTanh, T, A, ) \
  SOFTROUND_FAMILY_ENTRY(ConditionalMeanLoop, Function::kConditionalMean,      \
                         Mode::kTanh, T, A, )
SOFTROUND_FAMILY_ENTRIES(float, float)
SOFTROUND_FAMILY_ENTRIES(double, double)
#undef SOFTROUND_FAMILY_ENTRIES
#undef SOFTROUND_FAMILY_ENTRY

// Writes tanh's constants of count alphas into table (Form::kColumns
// columns of count entries), Form built from each alpha (and more, the
// rest of its constructor's arguments); false, with table unspecified,
// unless every alpha is in [low, high].
template <typename Form, typename T, typename... More>
SOFTROUND_HD bool StoreTanhTable(const T* alpha, int64_t count, T low, T high,
                                 T* table, More... more) {
  if (!detail::AllInRange(alpha, count, low, high)) return false;
  for (int64_t j = 0; j < count; ++j) {
    Form(alpha[j], more...).Store(table + j, count);
  }
  return true;
}

// Moderate forms for values and slopes (alphas that all take that form),
// TanhDerivatives for slopes with alpha's terms (no alpha the identity),
// TanhInverse (every form) for the inverse's and the conditional mean's.
#define SOFTROUND_TANH_TABLE_ENTRY(T)                                       \
  SOFTROUND_PER_CPU_LEVEL(                                                  \
      bool, BuildTanhTableOf,                                               \
      (const Spec& spec, const T* alpha, int64_t count, T* table),          \
      (spec, alpha, count, table)) {                                        \
    constexpr T kIdentity = T(kTanhIdentityAlpha);                          \
    constexpr T kLargest = std::numeric_limits<T>::max();                   \
    if (spec.function != Function::kForward) {                              \
      return StoreTanhTable<TanhInverse<T>>(alpha, count, T(0), kLargest,   \
                                            table, kLargest);               \
    }                                                                       \
    if (spec.with_alpha) {                                                  \
      return StoreTanhTable<TanhDerivatives<T>>(                            \
          alpha, count, kIdentity, std::numeric_limits<T>::max(), table);   \
    }                                                                       \
    return StoreTanhTable<tanh_form::Moderate<T>>(                          \
        alpha, count, kIdentity, -T(detail::Traits<T>::kExpArgMin), table); \
  }
SOFTROUND_TANH_TABLE_ENTRY(float)
SOFTROUND_TANH_TABLE_ENTRY(double)
#undef SOFTROUND_TANH_TABLE_ENTRY

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

// The largest finite half (65504) and bfloat16 ((2 - 2^-7) 2^127), which
// bound what the 16-bit loops return.
template <typename S>
constexpr float kLargestFinite =
    std::is_same<S, Float16Bits>::value ? 65504.0f : 3.38953139e38f;

// spec for a 16-bit type's float loops: values and slopes to its precision.
template <typename S>
LoopSpec SpecOf16Bit(const LoopSpec& spec) {
  LoopSpec of_type = spec;
  of_type.precision = std::is_same<S, Float16Bits>::value
                          ? Precision::kHalf
                          : Precision::kBFloat16;
  return of_type;
}

// 16-bit types: chunk by chunk, widen, run the float loop in place, narrow.
// Every value is computed in float and rounded once; values and slopes with
// polynomials sized for the type's significand (within one ulp of the
// exactly rounded result), the rest of the family at float's precision.
template <typename S>
void ChunkedLoop(const LoopSpec& spec_of_type, const S* dy, const S* x,
                 const S* alpha, bool per_element, S* out,
                 float* alpha_products, int64_t n) {
  const LoopSpec spec = SpecOf16Bit<S>(spec_of_type);
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
                 per_element, kLargestFinite<S>, x_chunk, products, length);
    sum += chunk_sum;
    Narrow(x_chunk, out + start, length);
  }
  if (alpha_products != nullptr && !per_element) alpha_products[0] = sum;
}

// Entries [begin, end) of a lookup table: ChunkedLoop's steps over the
// inputs whose bits are the entries' indices; a slope is the float loop's
// product with dy = 1, the float slope itself, kept unrounded. alpha's terms
// come from the per-element loop (one product per element, not their sum) with
// alpha repeated, which computes what the scalar loop does.
template <typename S>
void FillLookupTableOf(const Spec& spec, const S* alpha, int64_t begin,
                       int64_t end, LookupTable* table) {
  const bool value = spec.quantity == Quantity::kValue;
  S inputs[kChunk];
  float ones[kChunk], x_chunk[kChunk], alpha_chunk[kChunk];
  std::fill_n(ones, kChunk, 1.0f);
  Widen(alpha, alpha_chunk, 1);
  std::fill_n(alpha_chunk + 1, kChunk - 1, alpha_chunk[0]);
  for (int64_t start = begin; start < end; start += kChunk) {
    const int64_t length = std::min(kChunk, end - start);
    for (int64_t i = 0; i < length; ++i) {
      inputs[i].bits = static_cast<uint16_t>(start + i);
    }
    Widen(inputs, x_chunk, length);
    float* results = value ? x_chunk : table->slopes.data() + start;
    float* terms =
        spec.with_alpha ? table->alpha_terms.data() + start : nullptr;
    RunFloatLoop(SpecOf16Bit<S>(spec), value ? nullptr : ones, x_chunk,
                 alpha_chunk, spec.with_alpha, kLargestFinite<S>, results,
                 terms, length);
    if (value) {
      Narrow(x_chunk, reinterpret_cast<S*>(table->values.data()) + start,
             length);
    }
  }
}

}  // namespace

bool BuildTanhTable(const Spec& spec, const float* alpha, int64_t count,
                    float* table) {
  return BuildTanhTableOf(spec, alpha, count, table);
}
bool BuildTanhTable(const Spec& spec, const double* alpha, int64_t count,
                    double* table) {
  return BuildTanhTableOf(spec, alpha, count, table);
}

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

void RunLoop(const LoopSpec& spec, const Float16Bits* dy, const Float16Bits* x,
             const Float16Bits* alpha, bool per_element, Float16Bits* out,
             float* alpha_products, int64_t n) {
  ChunkedLoop(spec, dy, x, alpha, per_element, out, alpha_products, n);
}

void RunLoop(const LoopSpec& spec, const BFloat16Bits* dy,
             const BFloat16Bits* x, const BFloat16Bits* alpha, bool per_element,
             BFloat16Bits* out, float* alpha_products, int64_t n) {
  ChunkedLoop(spec, dy, x, alpha, per_element, out, alpha_products, n);
}

void FillLookupTable(const Spec& spec, const Float16Bits* alpha, int64_t begin,
                     int64_t end, LookupTable* table) {
  FillLookupTableOf(spec, alpha, begin, end, table);
}

void FillLookupTable(const Spec& spec, const BFloat16Bits* alpha, int64_t begin,
                     int64_t end, LookupTable* table) {
  FillLookupTableOf(spec, alpha, begin, end, table);
}

}  // namespace cpu
}  // namespace softround
