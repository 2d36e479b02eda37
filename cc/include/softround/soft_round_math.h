// Scalar math of every soft-round mode: the single source of the formulas.
//
// No TensorFlow include: the CPU kernels, the CUDA kernels and the NumPy
// binding all compile this header. Every function is branch-free (selects,
// not jumps) so that a loop calling it vectorizes, and uses only +, -, *, /,
// rint and bit casts (plus fused multiply-adds where the compiler contracts).
//
// DESIGN.md writes every mode as y = n + c(f), n = floor(x), f = x - n. Each
// c is point-symmetric, c(1 - f) = 1 - c(f), so the same y is
//   y = m + sign(r) c(|r|),  m = rint(x),  r = x - m,  |r| <= 1/2,
// which we compute instead: r is exact where x - floor(x) is not (x just
// below an integer), c is only needed on [0, 1/2] where it is small and
// kept to full relative accuracy, and y = m + small has no cancellation.
// The slope dy/dx is c'(|r|).
#ifndef SOFTROUND_SOFT_ROUND_MATH_H_
#define SOFTROUND_SOFT_ROUND_MATH_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#if defined(__CUDACC__)
#define SOFTROUND_HD __host__ __device__ __forceinline__
#else
#define SOFTROUND_HD inline __attribute__((always_inline))
#endif

namespace softround {

enum class Mode : int { kTanh = 0, kSigmoid = 1, kSine = 2, kSte = 3 };

// Below this sharpness the tanh mode is the identity (0/0 otherwise at 0);
// tensorflow-compression uses the same threshold.
constexpr double kTanhIdentityAlpha = 1e-3;

namespace detail {

template <typename T>
struct Traits;
template <>
struct Traits<float> {
  using Int = int32_t;
  static constexpr int kMantissaBits = 23;
  static constexpr int kExponentBias = 127;
  // exp(z) below this z is taken as 0: e^-80 is still a normal float, so
  // the scaling by 2^k below never meets denormals (which TF flushes).
  static constexpr float kExpArgMin = -80.0f;
  // Taylor degrees for full precision: exp on |r| <= ln2/2, sin on [0, pi/2].
  static constexpr int kExpDegree = 7;
  static constexpr int kSinDegree = 13;
};
template <>
struct Traits<double> {
  using Int = int64_t;
  static constexpr int kMantissaBits = 52;
  static constexpr int kExponentBias = 1023;
  static constexpr double kExpArgMin = -700.0;
  static constexpr int kExpDegree = 13;
  static constexpr int kSinDegree = 21;
};

template <typename To, typename From>
SOFTROUND_HD To BitCast(From from) {
  static_assert(sizeof(To) == sizeof(From), "bit cast needs equal sizes");
  To to;
  memcpy(&to, &from, sizeof(To));
  return to;
}

// 1 / k!, a compile-time constant, so the series below carry no magic numbers.
template <int K>
struct InverseFactorial {
  static constexpr double value = InverseFactorial<K - 1>::value / K;
};
template <>
struct InverseFactorial<0> {
  static constexpr double value = 1.0;
};

// sum_{k=K..D} r^(k-K) / k!, in Horner form.
template <typename T, int K, int D>
SOFTROUND_HD T ExpSeriesTail(T r) {
  if constexpr (K == D) {
    return T(InverseFactorial<D>::value);
  } else {
    return T(InverseFactorial<K>::value) + r * ExpSeriesTail<T, K + 1, D>(r);
  }
}

// sum_{j>=0, K+2j<=D} (-v2)^j / (K+2j)!, in Horner form: the sine series
// (K = 1) in v2 = v^2.
template <typename T, int K, int D>
SOFTROUND_HD T AlternatingSeriesTail(T v2) {
  if constexpr (K + 2 > D) {
    return T(InverseFactorial<K>::value);
  } else {
    return T(InverseFactorial<K>::value) -
           v2 * AlternatingSeriesTail<T, K + 2, D>(v2);
  }
}

// exp(z) and exp(z) - 1 for kExpArgMin <= z <= 0, both to a few ulp (expm1
// also for tiny z). Cody-Waite reduction z = k ln2 + r with the rounding done
// by the 1.5 * 2^mantissa trick (no float-to-int conversion), then 2^k built
// from its bits.
template <typename T>
struct ExpResult {
  T exp;
  T expm1;
};

template <typename T>
SOFTROUND_HD ExpResult<T> ExpInRange(T z) {
  using Int = typename Traits<T>::Int;
  constexpr int kMant = Traits<T>::kMantissaBits;
  constexpr T kRoundMagic = T(1.5) * T(Int(1) << kMant);
  constexpr T kLog2e = T(1.4426950408889634074);
  // ln2 split so that k * kLn2Hi is exact for every k that occurs.
  constexpr T kLn2Hi = T(0.693145751953125);
  constexpr T kLn2Lo = T(1.42860682030941723212e-6);
  const T shifted = z * kLog2e + kRoundMagic;
  const T k = shifted - kRoundMagic;
  const T r = (z - k * kLn2Hi) - k * kLn2Lo;
  const Int k_int = BitCast<Int>(shifted) - BitCast<Int>(kRoundMagic);
  const T scale = BitCast<T>((k_int + Traits<T>::kExponentBias) << kMant);
  const T p = r * ExpSeriesTail<T, 1, Traits<T>::kExpDegree>(r);  // e^r - 1
  ExpResult<T> result;
  result.exp = scale * p + scale;
  // scale (1 + p) - 1, arranged to be exact for k = 0 and tiny z.
  result.expm1 = scale * p + (scale - T(1));
  return result;
}

// exp(z) for z <= 0, exactly 0 below kExpArgMin.
template <typename T>
SOFTROUND_HD T ExpOfNonPositive(T z) {
  const bool underflow = z < T(Traits<T>::kExpArgMin);
  const T e = ExpInRange(underflow ? T(Traits<T>::kExpArgMin) : z).exp;
  return underflow ? T(0) : e;
}

// sin(v) for 0 <= v <= pi/2 by its Taylor series.
template <typename T>
SOFTROUND_HD T SinToHalfPi(T v) {
  return v * AlternatingSeriesTail<T, 1, Traits<T>::kSinDegree>(v * v);
}

template <typename T>
SOFTROUND_HD bool IsFinite(T x) {
  // False for NaN and +-inf; a comparison, so it vectorizes.
  return std::fabs(x) <= std::numeric_limits<T>::max();
}

}  // namespace detail

// Per-mode constants derived from alpha once per alpha value (once per call
// for a scalar alpha), and c(u), c'(u) for u = |r| in [0, 1/2]. T is the
// compute type, float or double. A mode whose formula depends on the range
// of alpha splits it into forms; VisitForm hands a loop over a scalar alpha
// the one form that applies, so the loop carries no per-element select
// between forms.
template <Mode M, typename T>
struct ModeParams;

// tanh: c(f) = 0.5 + 0.5 tanh(alpha (f - 1/2)) / tanh(alpha / 2). On [0, 1/2],
// with g = e^{-alpha}, E = e^{-2 alpha u} and s = g / (E + g) in [0, 1/2],
//   c(u)  = s (1 - E) / (1 - g),
//   c'(u) = 2 alpha (1 + g) / (1 - g) * s (1 - s),
// one exponential and one division per element, no cancellation, no
// overflow, in one of three forms by alpha.
namespace tanh_form {

// alpha below kTanhIdentityAlpha: y = x.
template <typename T>
struct Identity {
  static constexpr bool identity = true;
  SOFTROUND_HD T Fraction(T u) const { return u; }
  SOFTROUND_HD T Slope(T) const { return T(1); }
};

// g a normal number (alpha <= -kExpArgMin, so -2 alpha u is in exp's range):
// s = 1 / (E h + 1) with h = 1 / g, so c = (1 - E) / (E (1 - g) h + (1 - g))
// with 1 - E from expm1.
template <typename T>
struct Moderate {
  static constexpr bool identity = false;
  T minus_two_alpha;
  T inv_g;              // h
  T one_minus_g;        // 1 - g
  T one_minus_g_inv_g;  // (1 - g) h
  T slope_scale;        // 2 alpha (1 + g) / (1 - g)

  SOFTROUND_HD explicit Moderate(T alpha)
      : Moderate(alpha, detail::ExpInRange(-alpha)) {}
  // Members initialized in the list only: a per-element loop then keeps
  // them in registers (GCC's omp simd does not scalarize stores through
  // this in a constructor body).
  SOFTROUND_HD Moderate(T alpha, detail::ExpResult<T> g)
      : minus_two_alpha(T(-2) * alpha),
        inv_g(T(1) / g.exp),
        one_minus_g(-g.expm1),
        one_minus_g_inv_g(-g.expm1 / g.exp),
        slope_scale(T(2) * alpha * (T(1) + g.exp) / -g.expm1) {}
  // Exactly 1/2 at u = 1/2, where E = g (half-integers stay fixed).
  SOFTROUND_HD T Fraction(T u) const {
    const detail::ExpResult<T> e = detail::ExpInRange(minus_two_alpha * u);
    const T c = -e.expm1 / (e.exp * one_minus_g_inv_g + one_minus_g);
    return u == T(0.5) ? T(0.5) : c;
  }
  SOFTROUND_HD T Slope(T u) const {
    const T e = detail::ExpInRange(minus_two_alpha * u).exp;
    const T s = T(1) / (e * inv_g + T(1));
    return slope_scale * (s * (T(1) - s));
  }
};

// g not a normal number: 1 - E and 1 - g are 1 to working precision
// wherever c is not negligible, and s = q / (1 + q), q = e^{-alpha (1 - 2u)}.
template <typename T>
struct Sharp {
  static constexpr bool identity = false;
  T alpha;

  SOFTROUND_HD explicit Sharp(T a) : alpha(a) {}
  // q = 1 at u = 1/2: exactly 1/2 there.
  SOFTROUND_HD T Fraction(T u) const {
    const T q = detail::ExpOfNonPositive(-alpha * (T(1) - T(2) * u));
    return q / (T(1) + q);
  }
  SOFTROUND_HD T Slope(T u) const {
    const T q = detail::ExpOfNonPositive(-alpha * (T(1) - T(2) * u));
    const T inv = T(1) / (T(1) + q);
    return T(2) * alpha * (q * inv) * inv;
  }
};

}  // namespace tanh_form

template <typename T>
struct ModeParams<Mode::kTanh, T> {
  bool identity;
  bool sharp;
  tanh_form::Moderate<T> moderate_form;
  tanh_form::Sharp<T> sharp_form;

  // Unused forms get a safe alpha, so that every member stays finite.
  SOFTROUND_HD explicit ModeParams(T a)
      : identity(!(a >= T(kTanhIdentityAlpha))),
        sharp(!identity & (a > -T(detail::Traits<T>::kExpArgMin))),
        moderate_form((identity | sharp) ? T(1) : a),
        sharp_form(identity ? T(1) : a) {}

  template <typename Visitor>
  SOFTROUND_HD void VisitForm(Visitor&& visit) const {
    if (identity) {
      visit(tanh_form::Identity<T>());
    } else if (sharp) {
      visit(sharp_form);
    } else {
      visit(moderate_form);
    }
  }
  // Per-element alpha: the form chosen per element (identity is handled by
  // SoftRound and SoftRoundSlope).
  SOFTROUND_HD T Fraction(T u) const {
    return sharp ? sharp_form.Fraction(u) : moderate_form.Fraction(u);
  }
  SOFTROUND_HD T Slope(T u) const {
    return sharp ? sharp_form.Slope(u) : moderate_form.Slope(u);
  }
};

// Modes with a single form visit themselves.
template <typename Self>
struct SingleForm {
  template <typename Visitor>
  SOFTROUND_HD void VisitForm(Visitor&& visit) const {
    visit(static_cast<const Self&>(*this));
  }
};

// sigmoid: c(f) = sigmoid(alpha (f - 1/2)). On [0, 1/2], with
// p = exp(-alpha (1/2 - u)): c(u) = p / (1 + p), c'(u) = alpha p / (1 + p)^2.
template <typename T>
struct ModeParams<Mode::kSigmoid, T>
    : SingleForm<ModeParams<Mode::kSigmoid, T>> {
  T alpha;
  static constexpr bool identity = false;

  SOFTROUND_HD explicit ModeParams(T a) : alpha(a) {}

  SOFTROUND_HD T Fraction(T u) const {
    const T p = detail::ExpOfNonPositive(-alpha * (T(0.5) - u));
    return p / (T(1) + p);
  }
  SOFTROUND_HD T Slope(T u) const {
    const T p = detail::ExpOfNonPositive(-alpha * (T(0.5) - u));
    const T inv = T(1) / (T(1) + p);
    return alpha * (p * inv) * inv;
  }
};

// sine: c(f) is 0 below the band 0.5 +- w/2, (1 + sin(pi (f - 1/2) / w)) / 2
// inside, 1 from its upper edge on (where the seed's code slipped to 0). On
// [0, 1/2], inside the band, with phi = (pi / 2) (u - lower) / w:
//   c(u) = sin(phi)^2 = 1/2 - sin(pi (1/2 - u) / w) / 2,  c'(u) = pi sin(2 phi)
//   / (2 w);
// the first form near the edge (no cancellation), the second near u = 1/2
// (exactly 1/2 there, so half-integers stay fixed).
template <typename T>
struct ModeParams<Mode::kSine, T> : SingleForm<ModeParams<Mode::kSine, T>> {
  T lower;               // 0.5 - w/2
  T half_pi_over_width;  // (pi / 2) / w
  static constexpr bool identity = false;
  static constexpr T kEighthPi = T(0.39269908169872415481);

  SOFTROUND_HD explicit ModeParams(T w)
      : lower(T(0.5) - T(0.5) * w),
        half_pi_over_width(T(1.57079632679489661923) / w) {}

  SOFTROUND_HD T Phase(T u) const {
    const T past_edge = u - lower;
    return past_edge > T(0) ? past_edge * half_pi_over_width : T(0);
  }
  SOFTROUND_HD T Fraction(T u) const {
    const T phi = Phase(u);
    const bool near_edge = phi <= kEighthPi;
    const T s = detail::SinToHalfPi(
        near_edge ? phi : T(2) * (T(0.5) - u) * half_pi_over_width);
    return near_edge ? s * s : T(0.5) - T(0.5) * s;
  }
  SOFTROUND_HD T Slope(T u) const {
    return half_pi_over_width * detail::SinToHalfPi(T(2) * Phase(u));
  }
};

// ste: round half to even forward, identity backward. alpha is ignored.
template <typename T>
struct ModeParams<Mode::kSte, T> : SingleForm<ModeParams<Mode::kSte, T>> {
  static constexpr bool identity = false;
  SOFTROUND_HD explicit ModeParams(T) {}
};

// y = m + sign(r) c(|r|); +-inf and NaN pass through; identity returns x.
// Form is a ModeParams or one of its forms.
template <Mode M, typename T, typename Form>
SOFTROUND_HD T SoftRound(T x, const Form& form) {
  const T m = std::rint(x);
  if constexpr (M == Mode::kSte) {
    return m;
  } else {
    // r is NaN at non-finite x, and that y is discarded.
    const T r = x - m;
    const T y = m + std::copysign(form.Fraction(std::fabs(r)), r);
    return (detail::IsFinite(x) && !form.identity) ? y : x;
  }
}

// dy/dx: 0 at non-finite x; else 1 in the identity case and for ste (whose
// gradient passes dy even at non-finite x), c'(|r|) otherwise.
template <Mode M, typename T, typename Form>
SOFTROUND_HD T SoftRoundSlope(T x, const Form& form) {
  if constexpr (M == Mode::kSte) {
    return T(1);
  } else {
    const T r = x - std::rint(x);
    const T slope = form.identity ? T(1) : form.Slope(std::fabs(r));
    return detail::IsFinite(x) ? slope : T(0);
  }
}

}  // namespace softround

#endif  // SOFTROUND_SOFT_ROUND_MATH_H_
