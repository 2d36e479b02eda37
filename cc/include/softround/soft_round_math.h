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

template <typename T>
SOFTROUND_HD T Abs(T x) {
  return x < T(0) ? -x : x;
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

// exp(z) and exp(z) - 1 for z <= 0, both to a few ulp (expm1 also for tiny
// z); exp is exactly 0 below kExpArgMin. Cody-Waite reduction z = k ln2 + r
// with the rounding done by the 1.5 * 2^mantissa trick (no float-to-int
// conversion), then 2^k built from its bits.
template <typename T>
struct ExpResult {
  T exp;
  T expm1;
};

template <typename T>
SOFTROUND_HD ExpResult<T> ExpOfNonPositive(T z) {
  using Int = typename Traits<T>::Int;
  constexpr int kMant = Traits<T>::kMantissaBits;
  constexpr T kRoundMagic = T(1.5) * T(Int(1) << kMant);
  constexpr T kLog2e = T(1.4426950408889634074);
  // ln2 split so that k * kLn2Hi is exact for every k that occurs.
  constexpr T kLn2Hi = T(0.693145751953125);
  constexpr T kLn2Lo = T(1.42860682030941723212e-6);
  const bool underflow = z < T(Traits<T>::kExpArgMin);
  z = underflow ? T(Traits<T>::kExpArgMin) : z;
  const T shifted = z * kLog2e + kRoundMagic;
  const T k = shifted - kRoundMagic;
  const T r = (z - k * kLn2Hi) - k * kLn2Lo;
  const Int k_int = BitCast<Int>(shifted) - BitCast<Int>(kRoundMagic);
  const T scale = BitCast<T>((k_int + Traits<T>::kExponentBias) << kMant);
  const T p = r * ExpSeriesTail<T, 1, Traits<T>::kExpDegree>(r);  // e^r - 1
  ExpResult<T> result;
  result.exp = underflow ? T(0) : scale * p + scale;
  // scale (1 + p) - 1, arranged to be exact for k = 0 and tiny z.
  result.expm1 = underflow ? T(-1) : scale * p + (scale - T(1));
  return result;
}

// sin(v) for 0 <= v <= pi/2 by its Taylor series.
template <typename T>
SOFTROUND_HD T SinToHalfPi(T v) {
  return v * AlternatingSeriesTail<T, 1, Traits<T>::kSinDegree>(v * v);
}

template <typename T>
SOFTROUND_HD bool IsFinite(T x) {
  // False for NaN and +-inf; a comparison, so it vectorizes.
  return Abs(x) <= std::numeric_limits<T>::max();
}

}  // namespace detail

// Per-mode constants derived from alpha once per alpha value (once per call
// for a scalar alpha), and c(u), c'(u) for u = |r| in [0, 1/2]. T is the
// compute type, float or double.
template <Mode M, typename T>
struct ModeParams;

// tanh: c(f) = 0.5 + 0.5 tanh(alpha (f - 1/2)) / tanh(alpha / 2). On [0, 1/2],
// with g = e^{-alpha}, E = e^{-2 alpha u} and s = g / (E + g) in [0, 1/2],
//   c(u)  = s (1 - E) / (1 - g),
//   c'(u) = 2 alpha (1 + g) / (1 - g) * s (1 - s),
// one exponential per element, no cancellation, no overflow. Once g is no
// longer a normal number (alpha > -kExpArgMin), 1 - E and 1 - g are 1 to
// working precision wherever c is not negligible, and s = q / (1 + q) with
// q = e^{-alpha (1 - 2u)} instead.
template <typename T>
struct ModeParams<Mode::kTanh, T> {
  T alpha;
  T exp_minus_alpha;  // g (0 for a large alpha)
  T inv_one_minus_g;  // 1 / (1 - g)
  T slope_scale;      // 2 alpha (1 + g) / (1 - g)
  bool large;         // alpha > -kExpArgMin: the q form
  bool identity;      // alpha below kTanhIdentityAlpha: y = x

  SOFTROUND_HD explicit ModeParams(T a) {
    identity = !(a >= T(kTanhIdentityAlpha));
    // A safe alpha in the identity case keeps the unused values finite.
    alpha = identity ? T(1) : a;
    large = alpha > -T(detail::Traits<T>::kExpArgMin);
    const detail::ExpResult<T> g = detail::ExpOfNonPositive(-alpha);
    exp_minus_alpha = large ? T(0) : g.exp;
    const T one_minus_g = large ? T(1) : -g.expm1;
    inv_one_minus_g = T(1) / one_minus_g;
    slope_scale = T(2) * alpha * (T(2) - one_minus_g) / one_minus_g;
  }

  // s and 1 - E of the comment above.
  SOFTROUND_HD void Parts(T u, T* s, T* rise) const {
    const T z = large ? -alpha * (T(1) - T(2) * u) : T(-2) * alpha * u;
    const detail::ExpResult<T> e = detail::ExpOfNonPositive(z);
    *s = large ? e.exp / (T(1) + e.exp)
               : exp_minus_alpha / (e.exp + exp_minus_alpha);
    *rise = large ? T(1) : -e.expm1;
  }
  // Exactly 0 at u = 0 and exactly 1/2 at u = 1/2 (integers and
  // half-integers stay fixed).
  SOFTROUND_HD T Fraction(T u) const {
    T s, rise;
    Parts(u, &s, &rise);
    return u == T(0.5) ? T(0.5) : s * rise * inv_one_minus_g;
  }
  SOFTROUND_HD T Slope(T u) const {
    T s, rise;
    Parts(u, &s, &rise);
    return slope_scale * (s * (T(1) - s));
  }
};

// sigmoid: c(f) = sigmoid(alpha (f - 1/2)). On [0, 1/2], with
// p = exp(-alpha (1/2 - u)): c(u) = p / (1 + p), c'(u) = alpha p / (1 + p)^2.
template <typename T>
struct ModeParams<Mode::kSigmoid, T> {
  T alpha;
  static constexpr bool identity = false;

  SOFTROUND_HD explicit ModeParams(T a) : alpha(a) {}

  SOFTROUND_HD T Fraction(T u) const {
    const T p = detail::ExpOfNonPositive(-alpha * (T(0.5) - u)).exp;
    return p / (T(1) + p);
  }
  SOFTROUND_HD T Slope(T u) const {
    const T p = detail::ExpOfNonPositive(-alpha * (T(0.5) - u)).exp;
    return alpha * p / ((T(1) + p) * (T(1) + p));
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
struct ModeParams<Mode::kSine, T> {
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
struct ModeParams<Mode::kSte, T> {
  static constexpr bool identity = false;
  SOFTROUND_HD explicit ModeParams(T) {}
};

// y = m + sign(r) c(|r|); +-inf and NaN pass through; identity returns x.
template <Mode M, typename T>
SOFTROUND_HD T SoftRound(T x, const ModeParams<M, T>& params) {
  const T m = std::rint(x);
  if constexpr (M == Mode::kSte) {
    return m;
  } else {
    const bool finite = detail::IsFinite(x);
    // Sanitized so that no NaN or inf reaches the series.
    const T r = finite ? x - m : T(0);
    const T c = params.Fraction(detail::Abs(r));
    const T y = r < T(0) ? m - c : m + c;
    return (finite && !params.identity) ? y : x;
  }
}

// dy/dx: 0 at non-finite x; else 1 in the identity case and for ste (whose
// gradient passes dy even at non-finite x), c'(|r|) otherwise.
template <Mode M, typename T>
SOFTROUND_HD T SoftRoundSlope(T x, const ModeParams<M, T>& params) {
  if constexpr (M == Mode::kSte) {
    return T(1);
  } else {
    const bool finite = detail::IsFinite(x);
    const T r = finite ? x - std::rint(x) : T(0);
    const T slope = params.identity ? T(1) : params.Slope(detail::Abs(r));
    return finite ? slope : T(0);
  }
}

}  // namespace softround

#endif  // SOFTROUND_SOFT_ROUND_MATH_H_
