// Scalar math of every soft-round mode: the single source of the formulas.
//
// No TensorFlow include: the CPU kernels, the CUDA kernels and the NumPy
// binding all compile this header. Every function is branch-free (selects,
// not jumps) so that a loop calling it vectorizes, and uses only +, -, *, /,
// floor, rint and bit casts, so that the scalar and vector code give
// bit-identical results when FP contraction is off.
//
// Notation as in DESIGN.md: n = floor(x), f = x - n, y = n + c(f).
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

// Integer type of the same width, for bit casts.
template <typename T>
struct Bits;
template <>
struct Bits<float> {
  using Int = int32_t;
  static constexpr int kMantissaBits = 23;
  static constexpr int kExponentBias = 127;
  // Past this |z|, tanh(z) rounds to +-1 and 1 - |tanh(z)| = 2 / (e^{2z} + 1)
  // is still a normal number (denormals may be flushed to zero).
  static constexpr float kTanhArgMax = 40.0f;
  // Taylor degree of exp(r) - 1 on |r| <= ln2/2 for full precision.
  static constexpr int kExpDegree = 7;
  // Taylor degree of sin on [-pi/2, pi/2] for full precision.
  static constexpr int kSinDegree = 13;
};
template <>
struct Bits<double> {
  using Int = int64_t;
  static constexpr int kMantissaBits = 52;
  static constexpr int kExponentBias = 1023;
  static constexpr double kTanhArgMax = 350.0;
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

// sum_{j>=0, K+2j<=D} (-v2)^j / (K+2j)!, in Horner form: the sine (K = 1)
// and cosine (K = 0) series in v2 = v^2.
template <typename T, int K, int D>
SOFTROUND_HD T AlternatingSeriesTail(T v2) {
  if constexpr (K + 2 > D) {
    return T(InverseFactorial<K>::value);
  } else {
    return T(InverseFactorial<K>::value) -
           v2 * AlternatingSeriesTail<T, K + 2, D>(v2);
  }
}

// exp(r) - 1 for |r| <= ln2/2 by its Taylor series.
template <typename T>
SOFTROUND_HD T Expm1Reduced(T r) {
  return r * ExpSeriesTail<T, 1, Bits<T>::kExpDegree>(r);
}

// exp(z) - 1 for 0 <= z <= 2 kTanhArgMax, accurate to a few ulp also for
// tiny z. Cody-Waite reduction z = k ln2 + r with the rounding done
// by the 1.5 * 2^mantissa trick, so that no float-to-int conversion is needed.
template <typename T>
SOFTROUND_HD T Expm1(T z) {
  using Int = typename Bits<T>::Int;
  constexpr int kMant = Bits<T>::kMantissaBits;
  constexpr T kRoundMagic = T(1.5) * T(Int(1) << kMant);
  constexpr T kLog2e = T(1.4426950408889634074);
  // ln2 split so that k * kLn2Hi is exact for the k that occur.
  constexpr T kLn2Hi = T(0.693145751953125);
  constexpr T kLn2Lo = T(1.42860682030941723212e-6);
  const T shifted = z * kLog2e + kRoundMagic;
  const T k = shifted - kRoundMagic;
  const T r = (z - k * kLn2Hi) - k * kLn2Lo;
  const Int k_int = BitCast<Int>(shifted) - BitCast<Int>(kRoundMagic);
  const T scale = BitCast<T>((k_int + Bits<T>::kExponentBias) << kMant);
  const T p = Expm1Reduced(r);
  // scale * (1 + p) - 1, arranged to be exact for k = 0 and tiny z.
  return scale * p + (scale - T(1));
}

// tanh(z), 1 - |tanh(z)| and 1 - tanh(z)^2, without overflow or cancellation.
template <typename T>
struct TanhResult {
  T tanh;
  T one_minus_abs;
  T sech2;
};

template <typename T>
SOFTROUND_HD TanhResult<T> TanhAndSech2(T z) {
  T a = z < T(0) ? -z : z;
  a = a > T(Bits<T>::kTanhArgMax) ? T(Bits<T>::kTanhArgMax) : a;
  const T em = Expm1(T(2) * a);
  // s = 1 - |tanh| = 2 / (e^{2a} + 1); tanh = em / (em + 2) = em * s / 2.
  const T s = T(2) / (em + T(2));
  const T t = T(0.5) * em * s;
  TanhResult<T> result;
  result.tanh = z < T(0) ? -t : t;
  result.one_minus_abs = s;
  result.sech2 = s * (T(2) - s);
  return result;
}

// sin(v) and cos(v) for |v| <= pi/2 by their Taylor series.
template <typename T>
SOFTROUND_HD T SinHalfPi(T v) {
  return v * AlternatingSeriesTail<T, 1, Bits<T>::kSinDegree>(v * v);
}

template <typename T>
SOFTROUND_HD T CosHalfPi(T v) {
  return AlternatingSeriesTail<T, 0, Bits<T>::kSinDegree + 1>(v * v);
}

template <typename T>
SOFTROUND_HD bool IsFinite(T x) {
  // False for NaN and +-inf; a comparison, so it vectorizes.
  return (x < T(0) ? -x : x) <= std::numeric_limits<T>::max();
}

}  // namespace detail

// Per-mode constants derived from alpha once per alpha value (once per call
// for a scalar alpha). T is the compute type, float or double.
template <Mode M, typename T>
struct ModeParams;

// tanh: c(f) = 0.5 + 0.5 tanh(alpha (f - 1/2)) / tanh(alpha / 2).
template <typename T>
struct ModeParams<Mode::kTanh, T> {
  T alpha;
  T half_over_tanh_half_alpha;  // 0.5 / tanh(alpha / 2)
  T tanh_half_alpha;
  bool identity;  // alpha below kTanhIdentityAlpha

  SOFTROUND_HD explicit ModeParams(T a) : alpha(a) {
    identity = !(a >= T(kTanhIdentityAlpha));
    // A safe alpha in the identity branch keeps the unused values finite.
    const T safe = identity ? T(1) : a;
    tanh_half_alpha = detail::TanhAndSech2(T(0.5) * safe).tanh;
    half_over_tanh_half_alpha = T(0.5) / tanh_half_alpha;
  }

  // c = (tanh(alpha/2) + t) * 0.5 / tanh(alpha/2): exactly 0 at f = 0.
  SOFTROUND_HD T Fraction(T f) const {
    const T t = detail::TanhAndSech2(alpha * (f - T(0.5))).tanh;
    return (tanh_half_alpha + t) * half_over_tanh_half_alpha;
  }
  SOFTROUND_HD T Slope(T f) const {
    const T sech2 = detail::TanhAndSech2(alpha * (f - T(0.5))).sech2;
    return alpha * sech2 * half_over_tanh_half_alpha;
  }
};

// sigmoid: c(f) = sigmoid(alpha (f - 1/2)) = 0.5 + 0.5 tanh(alpha (f - 1/2) / 2).
template <typename T>
struct ModeParams<Mode::kSigmoid, T> {
  T half_alpha;
  static constexpr bool identity = false;

  SOFTROUND_HD explicit ModeParams(T a) : half_alpha(T(0.5) * a) {}

  SOFTROUND_HD T Fraction(T f) const {
    const T z = half_alpha * (f - T(0.5));
    // 0.5 (1 + tanh(z)), written to keep relative accuracy where c is tiny.
    const T one_minus_abs = detail::TanhAndSech2(z).one_minus_abs;
    return z < T(0) ? T(0.5) * one_minus_abs : T(1) - T(0.5) * one_minus_abs;
  }
  // alpha s (1 - s) = (alpha / 4) sech^2(alpha (f - 1/2) / 2).
  SOFTROUND_HD T Slope(T f) const {
    const T sech2 = detail::TanhAndSech2(half_alpha * (f - T(0.5))).sech2;
    return T(0.5) * half_alpha * sech2;
  }
};

// sine: 0 below the band 0.5 +- w/2, (1 + sin(pi (f - 1/2) / w)) / 2 inside,
// 1 from its upper edge on (where the seed's code slips to 0).
template <typename T>
struct ModeParams<Mode::kSine, T> {
  T width;
  T lower;  // 0.5 - w/2
  T upper;  // 0.5 + w/2
  static constexpr bool identity = false;

  SOFTROUND_HD explicit ModeParams(T w)
      : width(w), lower(T(0.5) - T(0.5) * w), upper(T(0.5) + T(0.5) * w) {}

  SOFTROUND_HD T Phase(T f) const {
    constexpr T kPi = T(3.14159265358979323846);
    T v = kPi * ((f - T(0.5)) / width);
    // Outside the band the value is unused; keep it in the series' range.
    constexpr T kHalfPi = T(0.5) * kPi;
    v = v > kHalfPi ? kHalfPi : v;
    return v < -kHalfPi ? -kHalfPi : v;
  }
  SOFTROUND_HD T Fraction(T f) const {
    const T inside = T(0.5) + T(0.5) * detail::SinHalfPi(Phase(f));
    const T outside = f >= upper ? T(1) : T(0);
    return (f > lower && f < upper) ? inside : outside;
  }
  SOFTROUND_HD T Slope(T f) const {
    constexpr T kPi = T(3.14159265358979323846);
    const T inside = kPi * detail::CosHalfPi(Phase(f)) / (T(2) * width);
    return (f > lower && f < upper) ? inside : T(0);
  }
};

// ste: round half to even forward, identity backward. alpha is ignored.
template <typename T>
struct ModeParams<Mode::kSte, T> {
  static constexpr bool identity = false;
  SOFTROUND_HD explicit ModeParams(T) {}
};

// y = n + c(f); +-inf and NaN pass through; the identity case returns x.
template <Mode M, typename T>
SOFTROUND_HD T SoftRound(T x, const ModeParams<M, T>& params) {
  if constexpr (M == Mode::kSte) {
    return std::rint(x);
  } else {
    const bool finite = detail::IsFinite(x);
    const T n = std::floor(x);
    // Sanitized so that no NaN or inf reaches the polynomials.
    const T f = finite ? x - n : T(0);
    const T y = n + params.Fraction(f);
    return (finite && !params.identity) ? y : x;
  }
}

// dy/dx: dc/df; 0 at non-finite x, else 1 in the identity case and for ste
// (whose gradient passes dy even at non-finite x).
template <Mode M, typename T>
SOFTROUND_HD T SoftRoundSlope(T x, const ModeParams<M, T>& params) {
  if constexpr (M == Mode::kSte) {
    return T(1);
  } else {
    const bool finite = detail::IsFinite(x);
    const T f = finite ? x - std::floor(x) : T(0);
    const T slope = params.identity ? T(1) : params.Slope(f);
    return finite ? slope : T(0);
  }
}

}  // namespace softround

#endif  // SOFTROUND_SOFT_ROUND_MATH_H_
