// Scalar math of every soft-round mode: the single source of the formulas.
//
// No TensorFlow include: the CPU kernels, the CUDA kernels and the NumPy
// binding all compile this header. Every function is branch-free (selects,
// not jumps) so that a loop calling it vectorizes, and uses only +, -, *, /,
// rint and bit casts (plus fused multiply-adds where the compiler contracts).
//
// docs/design.md writes every mode as y = n + c(f), n = floor(x), f = x - n.
// Each c is point-symmetric, c(1 - f) = 1 - c(f), so the same y is
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

#include "softround/horner.h"
#include "softround/polynomials.h"
#include "softround/precision.h"

namespace softround {

enum class Mode : int { kTanh = 0, kSigmoid = 1, kSine = 2, kSte = 3 };

// Which function of the family an op computes: y = soft_round(x), its
// inverse x(y) (tanh only), or the conditional mean inverse(y - 1/2) + 1/2.
enum class Function : int { kForward = 0, kInverse = 1, kConditionalMean = 2 };

// What a loop writes per element: the function's value, or dy times one of
// its partial derivatives (x is the function's argument, a is alpha).
enum class Quantity : int {
  kValue = 0,
  kDx = 1,        // dF/dx
  kDxx = 2,       // d2F/dx2
  kDalpha = 3,    // dF/da
  kDxDalpha = 4,  // d2F/dx da
};

// What a kernel computes per element: F(x) for kValue, else dy times the
// partial derivative `quantity` of F at x. With `with_alpha` (kDx or kDxx
// only) it also gives dy times the alpha derivative of the quantity one
// order lower (dF/da beside dF/dx, d2F/dx da beside d2F/dx2): the terms that
// sum to alpha's gradient.
struct Spec {
  Mode mode = Mode::kTanh;
  Function function = Function::kForward;
  Quantity quantity = Quantity::kValue;
  bool with_alpha = false;
  // CPU loops only: > 0 where the alpha they are given is a table of tanh's
  // constants of per-element alphas built once per call, columns this many
  // entries apart, not alpha: tanh_form::Moderate's for a value or slope,
  // TanhDerivatives' for a slope with alpha's terms (cpu::BuildTanhTable).
  int64_t tanh_table_stride = 0;
  // CPU loops only: the precision the values and slopes (kValue, kDx
  // without with_alpha) are computed to; a 16-bit type's where float
  // results are rounded to it. Every other quantity is computed to the
  // compute type's own.
  Precision precision = Precision::kFull;
};

// Every derivative of an element at once; a caller reads the fields it
// needs and the compiler drops the rest (everything here is inlined).
template <typename T>
struct Quantities {
  T value, dx, dxx, dalpha, dx_dalpha;
};

// Below this sharpness the tanh mode is the identity (0/0 otherwise at 0);
// tensorflow-compression uses the same threshold.
constexpr double kTanhIdentityAlpha = 1e-3;

namespace detail {

template <typename T>
struct Traits;
template <>
struct Traits<float> {
  using Int = int32_t;
  using UInt = uint32_t;
  static constexpr int kMantissaBits = 23;
  static constexpr int kExponentBias = 127;
  // exp(z) below this z is taken as 0: e^-80 is still a normal float, so
  // the scaling by 2^k below never meets denormals (which TF flushes).
  static constexpr float kExpArgMin = -80.0f;
};
template <>
struct Traits<double> {
  using Int = int64_t;
  using UInt = uint64_t;
  static constexpr int kMantissaBits = 52;
  static constexpr int kExponentBias = 1023;
  static constexpr double kExpArgMin = -700.0;
};

template <typename To, typename From>
SOFTROUND_HD To BitCast(From from) {
  static_assert(sizeof(To) == sizeof(From), "bit cast needs equal sizes");
  To to;
  memcpy(&to, &from, sizeof(To));
  return to;
}

// exp(z) and exp(z) - 1 for kExpArgMin <= z <= 0, both to a few ulp (expm1
// also for tiny z). Cody-Waite reduction z = k ln2 + r with the rounding done
// by the 1.5 * 2^mantissa trick (no float-to-int conversion), then 2^k built
// from its bits. Bit arithmetic here and below is unsigned: a lane whose
// result is discarded (NaN x, say) may wrap, where signed would be undefined.
template <typename T>
struct ExpResult {
  T exp;
  T expm1;
};

// P: the precision of the results it serves (precision.h).
template <typename T, Precision P = Precision::kFull>
SOFTROUND_HD ExpResult<T> ExpInRange(T z) {
  using UInt = typename Traits<T>::UInt;
  constexpr int kMant = Traits<T>::kMantissaBits;
  constexpr T kRoundMagic = T(1.5) * T(UInt(1) << kMant);
  constexpr T kLog2e = T(1.4426950408889634074);
  // ln2 split so that k * kLn2Hi is exact for every k that occurs.
  constexpr T kLn2Hi = T(0.693145751953125);
  constexpr T kLn2Lo = T(1.42860682030941723212e-6);
  const T shifted = z * kLog2e + kRoundMagic;
  const T k = shifted - kRoundMagic;
  const T r = (z - k * kLn2Hi) - k * kLn2Lo;
  const UInt k_bits = BitCast<UInt>(shifted) - BitCast<UInt>(kRoundMagic);
  const T scale =
      BitCast<T>((k_bits + UInt(Traits<T>::kExponentBias)) << kMant);
  const T p = r * ExpM1OverR<P>(r);  // e^r - 1
  ExpResult<T> result;
  result.exp = scale * p + scale;
  // scale (1 + p) - 1, arranged to be exact for k = 0 and tiny z.
  result.expm1 = scale * p + (scale - T(1));
  return result;
}

// exp(z) for z <= 0, exactly 0 below kExpArgMin.
template <typename T, Precision P = Precision::kFull>
SOFTROUND_HD T ExpOfNonPositive(T z) {
  const bool underflow = z < T(Traits<T>::kExpArgMin);
  const T e = ExpInRange<T, P>(underflow ? T(Traits<T>::kExpArgMin) : z).exp;
  return underflow ? T(0) : e;
}

// sin(v) for 0 <= v <= pi/2.
template <typename T, Precision P = Precision::kFull>
SOFTROUND_HD T SinToHalfPi(T v) {
  return v * SinOverV<P>(v * v);
}

// log(a / b) for positive normal a and b with one division: a = 2^ka ma,
// b = 2^kb mb with ma, mb in [sqrt(1/2), sqrt(2)), log(ma / mb) = 2 atanh(s),
// s = (ma - mb) / (ma + mb). `difference` is a - b computed without
// cancellation by the caller; where ka = kb it gives ma - mb exactly, so
// that log(a / b) keeps its relative accuracy as a / b tends to 1.
template <typename T>
SOFTROUND_HD T LogOfRatio(T a, T b, T difference) {
  using Int = typename Traits<T>::Int;
  using UInt = typename Traits<T>::UInt;
  constexpr int kMant = Traits<T>::kMantissaBits;
  constexpr T kSqrtHalf = T(0.70710678118654752440);
  constexpr T kLn2Hi = T(0.693145751953125);
  constexpr T kLn2Lo = T(1.42860682030941723212e-6);
  // The exponents (arithmetic shifts of the signed differences).
  const Int ka = Int(BitCast<UInt>(a) - BitCast<UInt>(kSqrtHalf)) >> kMant;
  const Int kb = Int(BitCast<UInt>(b) - BitCast<UInt>(kSqrtHalf)) >> kMant;
  const T ma = BitCast<T>(BitCast<UInt>(a) - (UInt(ka) << kMant));
  const T mb = BitCast<T>(BitCast<UInt>(b) - (UInt(kb) << kMant));
  const T unscale =
      BitCast<T>((UInt(Traits<T>::kExponentBias) - UInt(ka)) << kMant);
  const T numerator = ka == kb ? difference * unscale : ma - mb;
  const T s = numerator / (ma + mb);
  const T series = T(2) * s * AtanhOverS<Precision::kFull>(s * s);
  const T k = T(ka - kb);
  return k * kLn2Hi + (k * kLn2Lo + series);
}

// 1 - e^{-a} for a >= 0, without cancellation for small a.
template <typename T>
SOFTROUND_HD T OneMinusExpOfNegative(T a) {
  const bool underflow = -a < T(Traits<T>::kExpArgMin);
  const T e = -ExpInRange(underflow ? T(0) : -a).expm1;
  return underflow ? T(1) : e;
}

// v for r >= 0, -v for r < 0 (unlike copysign, v keeps its own sign).
template <typename T>
SOFTROUND_HD T Signed(T v, T r) {
  return r < T(0) ? -v : v;
}

// 2 alpha g / (1 - g^2), g = e^{-alpha}: the term of tanh's d c'/d alpha that
// comes from tanh(alpha/2) (forward and inverse derivatives share it).
template <typename T>
SOFTROUND_HD T TanhMixedOffset(T alpha, T g, T one_minus_g) {
  return alpha * g * T(2) / (one_minus_g * (T(1) + g));
}

// Whether every one of n values lies in [low, high] (false at a NaN).
template <typename T>
SOFTROUND_HD bool AllInRange(const T* values, int64_t n, T low, T high) {
  int outside = 0;  // a sum, which vectorizes without a pragma
  for (int64_t i = 0; i < n; ++i) {
    outside += !(values[i] >= low && values[i] <= high);
  }
  return outside == 0;
}

template <typename T>
SOFTROUND_HD T Clamp(T v, T bound) {
  return v > bound ? bound : (v < -bound ? -bound : v);
}

template <typename T>
SOFTROUND_HD bool IsFinite(T x) {
  // False for NaN and +-inf; a comparison, so it vectorizes.
  return std::fabs(x) <= std::numeric_limits<T>::max();
}

}  // namespace detail

// Per-mode constants derived from alpha once per alpha value (once per call
// for a scalar alpha), and c(u), c'(u) for u = |r| in [0, 1/2]. T is the
// compute type, float or double; P the precision of the results (a 16-bit
// type's: c and c' with polynomials sized for it; the constants from alpha
// and the other derivatives stay at T's own). A mode whose formula depends
// on the range of alpha splits it into forms; VisitForm hands a loop over a
// scalar alpha the one form that applies, so the loop carries no
// per-element select between forms.
template <Mode M, typename T, Precision P = Precision::kFull>
struct ModeParams;

// The type of the form that a loop over per-element alphas constructs from
// each alpha (VisitElementForms).
template <typename Form>
struct FormType {
  using Type = Form;
};

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
template <typename T, Precision P = Precision::kFull>
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
  // The members as columns of a table, stride entries apart: loops over
  // per-element alphas that repeat read them instead of rebuilding them.
  static constexpr int kColumns = 5;
  SOFTROUND_HD Moderate(const T* column, int64_t stride)
      : minus_two_alpha(column[0]),
        inv_g(column[stride]),
        one_minus_g(column[2 * stride]),
        one_minus_g_inv_g(column[3 * stride]),
        slope_scale(column[4 * stride]) {}
  SOFTROUND_HD void Store(T* column, int64_t stride) const {
    column[0] = minus_two_alpha;
    column[stride] = inv_g;
    column[2 * stride] = one_minus_g;
    column[3 * stride] = one_minus_g_inv_g;
    column[4 * stride] = slope_scale;
  }
  SOFTROUND_HD Moderate(T alpha, detail::ExpResult<T> g)
      : minus_two_alpha(T(-2) * alpha),
        inv_g(T(1) / g.exp),
        one_minus_g(-g.expm1),
        one_minus_g_inv_g(-g.expm1 * (T(1) / g.exp)),  // h computed once
        slope_scale(T(2) * alpha * (T(1) + g.exp) / -g.expm1) {}
  // Exactly 1/2 at u = 1/2, where E = g (half-integers stay fixed).
  SOFTROUND_HD T Fraction(T u) const {
    const detail::ExpResult<T> e =
        detail::ExpInRange<T, P>(minus_two_alpha * u);
    const T c = -e.expm1 / (e.exp * one_minus_g_inv_g + one_minus_g);
    return u == T(0.5) ? T(0.5) : c;
  }
  SOFTROUND_HD T Slope(T u) const {
    const T e = detail::ExpInRange<T, P>(minus_two_alpha * u).exp;
    const T s = T(1) / (e * inv_g + T(1));
    return slope_scale * (s * (T(1) - s));
  }
};

// g not a normal number: 1 - E and 1 - g are 1 to working precision
// wherever c is not negligible, and s = q / (1 + q), q = e^{-alpha (1 - 2u)}.
template <typename T, Precision P = Precision::kFull>
struct Sharp {
  static constexpr bool identity = false;
  T alpha;

  SOFTROUND_HD explicit Sharp(T a) : alpha(a) {}
  // q = 1 at u = 1/2: exactly 1/2 there.
  SOFTROUND_HD T Fraction(T u) const {
    const T q = detail::ExpOfNonPositive<T, P>(-alpha * (T(1) - T(2) * u));
    return q / (T(1) + q);
  }
  SOFTROUND_HD T Slope(T u) const {
    const T q = detail::ExpOfNonPositive<T, P>(-alpha * (T(1) - T(2) * u));
    const T inv = T(1) / (T(1) + q);
    return alpha * (q * inv) * inv * T(2);
  }
};

}  // namespace tanh_form

// c'(u), c''(u), dc/dalpha (u) and d c'(u) / dalpha on [0, 1/2]: what the
// derivative passes need beyond c itself.
template <typename T>
struct LocalDerivatives {
  T slope, curvature, alpha_slope, mixed;
};

// tanh's derivatives from q = e^{-alpha (1 - 2u)} in [g, 1], g = e^{-alpha}:
// with w = 1/2 - u, tau = tanh(alpha w) = (1 - q) / (1 + q) and
// k = (1 - tau^2) / (2 tanh(alpha / 2)) = 2 (1 + g) q / ((1 - g) (1 + q)^2),
//   c'  = alpha k,                c'' = 2 alpha tau c',
//   c_a = -(2 w q (1 - g^2) / (1 + q)^2 - g (1 - q) / (1 + q)) / (1 - g)^2,
//   c'_a = k (1 - 2 alpha w tau - 2 alpha g / (1 - g^2)).
// One exponential and one division; nothing overflows for alpha up to the
// type's range (q and g underflow to 0, which is their limit). The factors 2
// come last, never as 2 alpha: that overflows for alpha beyond half the
// largest float, and inf times a vanishing factor is NaN.
template <typename T>
struct TanhDerivatives {
  T alpha;
  T g;
  T one_minus_g2;  // 1 - g^2
  T slope_factor;  // 2 (1 + g) / (1 - g)
  T mixed_offset;  // 2 alpha g / (1 - g^2)
  T alpha_scale;   // 1 / (1 - g)^2

  SOFTROUND_HD explicit TanhDerivatives(T a)
      : TanhDerivatives(a, detail::ExpOfNonPositive(-a),
                        detail::OneMinusExpOfNegative(a)) {}
  SOFTROUND_HD TanhDerivatives(T a, T g_, T one_minus_g)
      : alpha(a),
        g(g_),
        one_minus_g2(one_minus_g * (T(1) + g_)),
        slope_factor(T(2) * (T(1) + g_) / one_minus_g),
        mixed_offset(detail::TanhMixedOffset(a, g_, one_minus_g)),
        alpha_scale(T(1) / (one_minus_g * one_minus_g)) {}
  // The members as table columns, as tanh_form::Moderate's.
  static constexpr int kColumns = 6;
  SOFTROUND_HD TanhDerivatives(const T* column, int64_t stride)
      : alpha(column[0]),
        g(column[stride]),
        one_minus_g2(column[2 * stride]),
        slope_factor(column[3 * stride]),
        mixed_offset(column[4 * stride]),
        alpha_scale(column[5 * stride]) {}
  SOFTROUND_HD void Store(T* column, int64_t stride) const {
    column[0] = alpha;
    column[stride] = g;
    column[2 * stride] = one_minus_g2;
    column[3 * stride] = slope_factor;
    column[4 * stride] = mixed_offset;
    column[5 * stride] = alpha_scale;
  }

  // q and 1 / (1 + q) at u, shared by the forward and inverse derivatives.
  SOFTROUND_HD T Q(T w) const {
    return detail::ExpOfNonPositive(-(alpha * (w + w)));
  }
  SOFTROUND_HD LocalDerivatives<T> Local(T u) const {
    const T w = T(0.5) - u;
    const T q = Q(w);
    const T inv = T(1) / (T(1) + q);
    const T tau = (T(1) - q) * inv;
    const T k = slope_factor * q * inv * inv;
    LocalDerivatives<T> d;
    d.slope = alpha * k;
    d.curvature = alpha * tau * d.slope * T(2);
    d.alpha_slope = -inv *
                    (T(2) * w * q * one_minus_g2 * inv - g * (T(1) - q)) *
                    alpha_scale;
    d.mixed = k * (T(1) - alpha * w * tau * T(2) - mixed_offset);
    return d;
  }
};

template <typename T, Precision P>
struct ModeParams<Mode::kTanh, T, P> {
  bool identity;
  bool sharp;
  tanh_form::Moderate<T, P> moderate_form;
  tanh_form::Sharp<T, P> sharp_form;
  TanhDerivatives<T> derivatives;

  // Unused forms get a safe alpha, so that every member stays finite.
  SOFTROUND_HD explicit ModeParams(T a)
      : identity(!(a >= T(kTanhIdentityAlpha))),
        sharp(!identity & (a > -T(detail::Traits<T>::kExpArgMin))),
        moderate_form((identity | sharp) ? T(1) : a),
        sharp_form(identity ? T(1) : a),
        derivatives(identity ? T(1) : a) {}

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
  // Whether all n alphas take the moderate form.
  SOFTROUND_HD static bool AllModerate(const T* alpha, int64_t n) {
    return detail::AllInRange(alpha, n, T(kTanhIdentityAlpha),
                              -T(detail::Traits<T>::kExpArgMin));
  }
  // Per-element alphas: visit(FormType<Form>) for a block of n alphas, Form
  // the moderate form where every alpha of the block takes it (the common
  // case: the other forms' arithmetic is saved), else ModeParams itself,
  // which chooses per element.
  template <typename Visitor>
  SOFTROUND_HD static void VisitElementForms(const T* alpha, int64_t n,
                                             Visitor&& visit) {
    if (AllModerate(alpha, n)) {
      visit(FormType<tanh_form::Moderate<T, P>>());
    } else {
      visit(FormType<ModeParams>());
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
  // The identity has slope 1 and no other derivative. Selected member by
  // member: a select of the whole struct (32 bytes in double) kept it in
  // memory and the double loops ran scalar, 10x slower.
  SOFTROUND_HD LocalDerivatives<T> Local(T u) const {
    LocalDerivatives<T> d = derivatives.Local(u);
    d.slope = identity ? T(1) : d.slope;
    d.curvature = identity ? T(0) : d.curvature;
    d.alpha_slope = identity ? T(0) : d.alpha_slope;
    d.mixed = identity ? T(0) : d.mixed;
    return d;
  }
};

// Modes with a single form visit themselves.
template <typename Self>
struct SingleForm {
  template <typename Visitor>
  SOFTROUND_HD void VisitForm(Visitor&& visit) const {
    visit(static_cast<const Self&>(*this));
  }
  template <typename T, typename Visitor>
  SOFTROUND_HD static void VisitElementForms(const T*, int64_t,
                                             Visitor&& visit) {
    visit(FormType<Self>());
  }
};

// sigmoid: c(f) = sigmoid(alpha (f - 1/2)). On [0, 1/2], with
// p = exp(-alpha (1/2 - u)): c(u) = p / (1 + p), c'(u) = alpha p / (1 + p)^2.
template <typename T, Precision P>
struct ModeParams<Mode::kSigmoid, T, P>
    : SingleForm<ModeParams<Mode::kSigmoid, T, P>> {
  T alpha;
  static constexpr bool identity = false;

  SOFTROUND_HD explicit ModeParams(T a) : alpha(a) {}

  SOFTROUND_HD T Fraction(T u) const {
    const T p = detail::ExpOfNonPositive<T, P>(-alpha * (T(0.5) - u));
    return p / (T(1) + p);
  }
  SOFTROUND_HD T Slope(T u) const {
    const T p = detail::ExpOfNonPositive<T, P>(-alpha * (T(0.5) - u));
    const T inv = T(1) / (T(1) + p);
    return alpha * (p * inv) * inv;
  }
  // With s = c(u), w = 1/2 - u: c' = alpha s (1 - s), c'' = alpha c' (1 - 2s),
  // c_a = -w s (1 - s), c'_a = s (1 - s) (1 - alpha w (1 - 2s)).
  SOFTROUND_HD LocalDerivatives<T> Local(T u) const {
    const T w = T(0.5) - u;
    const T p = detail::ExpOfNonPositive(-alpha * w);
    const T inv = T(1) / (T(1) + p);
    const T spread = p * inv * inv;  // s (1 - s)
    const T one_minus_2s = (T(1) - p) * inv;
    LocalDerivatives<T> d;
    d.slope = alpha * spread;
    d.curvature = alpha * d.slope * one_minus_2s;
    d.alpha_slope = -w * spread;
    d.mixed = spread * (T(1) - alpha * w * one_minus_2s);
    return d;
  }
};

// sine: c(f) is 0 below the band 0.5 +- w/2, (1 + sin(pi (f - 1/2) / w)) / 2
// inside, 1 from its upper edge on (where the seed's code slipped to 0). On
// [0, 1/2], inside the band, with phi = (pi / 2) (u - lower) / w:
//   c(u) = sin(phi)^2 = 1/2 - sin(pi (1/2 - u) / w) / 2,  c'(u) = pi sin(2 phi)
//   / (2 w);
// the first form near the edge (no cancellation), the second near u = 1/2
// (exactly 1/2 there, so half-integers stay fixed).
template <typename T, Precision P>
struct ModeParams<Mode::kSine, T, P>
    : SingleForm<ModeParams<Mode::kSine, T, P>> {
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
  // Exactly 1/2 at u = 1/2, also for a width so small that lower rounds to
  // 1/2 (the band then holds no other u).
  SOFTROUND_HD T Fraction(T u) const {
    const T phi = Phase(u);
    const bool near_edge = phi <= kEighthPi;
    const T s = detail::SinToHalfPi<T, P>(
        near_edge ? phi : T(2) * (T(0.5) - u) * half_pi_over_width);
    return u == T(0.5) ? T(0.5) : (near_edge ? s * s : T(0.5) - T(0.5) * s);
  }
  SOFTROUND_HD T Slope(T u) const {
    return half_pi_over_width * detail::SinToHalfPi<T, P>(T(2) * Phase(u));
  }
  // Inside the band, with theta = pi w / width (w = 1/2 - u) and
  // h = pi / (2 width): c' = h cos(theta), c'' = 2 h^2 sin(theta),
  // c_a = h cos(theta) theta / pi, c'_a = 2 h^2 (theta sin(theta) -
  // cos(theta)) / pi; all 0 outside (and on the edge).
  SOFTROUND_HD LocalDerivatives<T> Local(T u) const {
    constexpr T kInvPi = T(0.31830988618379067154);
    const T phi = Phase(u);
    const bool inside = phi > T(0);
    const T theta = T(2) * (T(0.5) - u) * half_pi_over_width;
    const T cos_theta = detail::SinToHalfPi(T(2) * phi);
    const T sin_theta = detail::SinToHalfPi(inside ? theta : T(0));
    const T h2 = T(2) * half_pi_over_width * half_pi_over_width;
    LocalDerivatives<T> d;
    d.slope = half_pi_over_width * cos_theta;
    d.curvature = inside ? h2 * sin_theta : T(0);
    d.alpha_slope = inside ? d.slope * theta * kInvPi : T(0);
    d.mixed = inside ? h2 * (theta * sin_theta - cos_theta) * kInvPi : T(0);
    return d;
  }
};

// ste: round half to even forward (a zero result is +0), identity backward.
// alpha is ignored.
template <typename T, Precision P>
struct ModeParams<Mode::kSte, T, P> : SingleForm<ModeParams<Mode::kSte, T, P>> {
  static constexpr bool identity = false;
  SOFTROUND_HD explicit ModeParams(T) {}
  SOFTROUND_HD LocalDerivatives<T> Local(T) const {
    return {T(1), T(0), T(0), T(0)};
  }
};

// y = m + sign(r) c(|r|); +-inf and NaN pass through; identity returns x.
// Form is a ModeParams or one of its forms.
template <Mode M, typename T, typename Form>
SOFTROUND_HD T SoftRound(T x, const Form& form) {
  const T m = std::rint(x);
  if constexpr (M == Mode::kSte) {
    // + 0 turns rint's -0 (from -0.5 <= x <= -0) into +0, as the
    // straight-through formula x + (round(x) - x) of the reference, XLA and
    // every quantization library gives.
    return m + T(0);
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

// Every derivative of y = SoftRound(x) by the nearest-integer split: with
// y = m + sign(r) c(|r|), dy/dx = c'(|r|), d2y/dx2 = sign(r) c''(|r|), dy/da =
// sign(r) c_a(|r|), d2y/dx da = c'_a(|r|). At an integer (r = +0) the second
// derivative is the right-hand one (tanh's c'' jumps there). 0 at non-finite
// x; ste passes the gradient (dx = 1) and has no other derivative.
// The derivatives alone (value left 0) from any params with Local(u):
// ModeParams, or TanhDerivatives of an alpha that is not the identity.
template <Mode M, typename T, typename Params>
SOFTROUND_HD Quantities<T> ForwardDerivatives(T x, const Params& params) {
  Quantities<T> q;
  q.value = T(0);
  const T r = x - std::rint(x);
  const LocalDerivatives<T> d = params.Local(std::fabs(r));
  const bool finite = M == Mode::kSte || detail::IsFinite(x);
  q.dx = finite ? d.slope : T(0);
  q.dxx = finite ? detail::Signed(d.curvature, r) : T(0);
  q.dalpha = finite ? detail::Signed(d.alpha_slope, r) : T(0);
  q.dx_dalpha = finite ? d.mixed : T(0);
  return q;
}
template <Mode M, typename T>
SOFTROUND_HD Quantities<T> ForwardQuantities(T x,
                                             const ModeParams<M, T>& params) {
  Quantities<T> q = ForwardDerivatives<M>(x, params);
  q.value = SoftRound<M>(x, params);
  return q;
}

// The inverse of tanh's soft round on [0, 1/2]: u = c^{-1}(p), solved in
// closed form as
//   u = log1p(p K / (1 - p (1 - g))) / (2 alpha),  K = (1 - g^2) / g,
// (relative accuracy near p = 0; K overflows for sharp alphas), or, where
// g = e^{-alpha} is not a normal number,
//   u = 1/2 + log((p + g (1 - p)) / (1 - p (1 - g))) / (2 alpha),
// both clipped to [0, 1/2]. Its derivatives need no exponential: with
// H = tanh(alpha/2), tau = tanh(alpha (1/2 - u)) = (1 - 2p) H and
// 1 - tau^2 = ((1 - H) + 2pH) ((1 + H) - 2pH) (no cancellation),
//   du/dp = 2H / (alpha (1 - tau^2)) = 1 / c'(u),
//   d2u/dp2 = -2 alpha tau (du/dp)^2,
//   du/da = (w - (1 - 2p) (1 - H^2) / (2 (1 - tau^2))) / alpha,  w = 1/2 - u,
//   d2u/dp da = -(2 alpha tau du/da + (1 - 2 alpha w tau - 2 alpha g /
//   (1 - g^2)) / alpha) du/dp.
// A derivative whose magnitude exceeds `bound` (the largest finite value of
// the caller's dtype: du/dp is infinite where c' underflows) is `bound`.
template <typename T>
struct TanhInverse {
  bool identity;
  bool sharp;
  T alpha;
  T g;
  T one_minus_g;
  T scale;  // K
  T inv_two_alpha;
  T inv_alpha;
  T bound;
  T half;             // H
  T one_minus_half;   // 1 - H = 2g / (1 + g)
  T one_minus_half2;  // 1 - H^2
  T slope_scale;      // 2H / alpha
  T mixed_offset;     // 2 alpha g / (1 - g^2)

  SOFTROUND_HD TanhInverse(T a, T bound_)
      : TanhInverse(
            a >= T(kTanhIdentityAlpha) ? a : T(1),
            !(a >= T(kTanhIdentityAlpha)), bound_,
            detail::ExpOfNonPositive(a >= T(kTanhIdentityAlpha) ? -a : T(-1))) {
  }
  SOFTROUND_HD TanhInverse(T a, bool identity_, T bound_, T g_)
      : identity(identity_),
        sharp(a > -T(detail::Traits<T>::kExpArgMin)),
        alpha(a),
        g(g_),
        one_minus_g(detail::OneMinusExpOfNegative(a)),
        scale(sharp ? T(1) : one_minus_g * (T(1) + g_) / g_),
        inv_two_alpha(T(0.5) / a),
        inv_alpha(T(1) / a),
        bound(bound_),
        half(one_minus_g / (T(1) + g_)),
        one_minus_half(T(2) * g_ / (T(1) + g_)),
        one_minus_half2(one_minus_half * (T(1) + half)),
        slope_scale(T(2) * half / a),
        mixed_offset(detail::TanhMixedOffset(a, g_, one_minus_g)) {}
  // The members as table columns, as tanh_form::Moderate's (the flags as 0
  // or 1): per-element alphas that repeat are built once per call.
  static constexpr int kColumns = 14;
  SOFTROUND_HD TanhInverse(const T* column, int64_t stride)
      : identity(column[0] != T(0)),
        sharp(column[stride] != T(0)),
        alpha(column[2 * stride]),
        g(column[3 * stride]),
        one_minus_g(column[4 * stride]),
        scale(column[5 * stride]),
        inv_two_alpha(column[6 * stride]),
        inv_alpha(column[7 * stride]),
        bound(column[8 * stride]),
        half(column[9 * stride]),
        one_minus_half(column[10 * stride]),
        one_minus_half2(column[11 * stride]),
        slope_scale(column[12 * stride]),
        mixed_offset(column[13 * stride]) {}
  SOFTROUND_HD void Store(T* column, int64_t stride) const {
    const T members[kColumns] = {
        T(identity),    T(sharp),        alpha,       g,           one_minus_g,
        scale,          inv_two_alpha,   inv_alpha,   bound,       half,
        one_minus_half, one_minus_half2, slope_scale, mixed_offset};
    for (int k = 0; k < kColumns; ++k) column[k * stride] = members[k];
  }

  // log(A / B) by LogOfRatio with B = 1 - p (1 - g) (in [1/2, 1]) and
  // A = B + p K (moderate: A / B = 1 + w) or p + g (1 - p) (sharp).
  SOFTROUND_HD T Fraction(T p) const {
    constexpr T kTiny = std::numeric_limits<T>::min();
    const T b = T(1) - p * one_minus_g;
    const T p_scale = p * scale;
    const T sharp_a = p + g * (T(1) - p);
    const T a = sharp ? (sharp_a > kTiny ? sharp_a : kTiny) : b + p_scale;
    const T difference = sharp ? a - b : p_scale;
    const T u = (sharp ? T(0.5) : T(0)) +
                detail::LogOfRatio(a, b, difference) * inv_two_alpha;
    // p = 0 (an integer; subnormal p are flushed to 0) is a fixed point:
    // log(p + g) would need the g that underflowed in the sharp form.
    const T clipped = u > T(0) ? (u < T(0.5) ? u : T(0.5)) : T(0);
    return p == T(0.5) ? T(0.5) : (p == T(0) ? T(0) : clipped);
  }

  // Derivatives of the inverse at p = |r| and its fraction u, signed by r.
  SOFTROUND_HD Quantities<T> Derivatives(T p, T u, T r) const {
    const T two_p_half = T(2) * p * half;
    const T inv_product =
        T(1) / ((one_minus_half + two_p_half) * ((T(1) + half) - two_p_half));
    const T tau = half - two_p_half;
    // inv_product is inf at integers once g underflows (the slope there is
    // beyond every float); slope_scale may be 0 by then (2 H / alpha).
    const T dx =
        detail::IsFinite(inv_product) ? slope_scale * inv_product : bound;
    // (1 - H^2) / (1 - tau^2), which is 1 at p = 0 (0 / 0 once g underflows).
    const T spread = p == T(0) ? T(1) : one_minus_half2 * inv_product;
    const T w = T(0.5) - u;
    const T du_da = (w - T(0.5) * (T(1) - T(2) * p) * spread) * inv_alpha;
    const T mixed_num =
        alpha * tau * du_da * T(2) +
        (T(1) - alpha * w * tau * T(2) - mixed_offset) * inv_alpha;
    Quantities<T> d;
    d.dx = detail::Clamp(dx, bound);
    d.dxx =
        tau == T(0)
            ? T(0)
            : detail::Clamp(detail::Signed(-(alpha * tau * dx * dx * T(2)), r),
                            bound);
    d.dalpha = detail::Signed(du_da, r);
    d.dx_dalpha =
        mixed_num == T(0) ? T(0) : detail::Clamp(-mixed_num * dx, bound);
    return d;
  }
};

// The inverse (kConditionalMean: false) or the conditional mean of tanh's
// soft round at y, by the same split: the inverse is m + sign(r) u(|r|) with
// m = rint(y), r = y - m; the conditional mean inverse(y - 1/2) + 1/2 is
// n + (1/2 + sign(r) u(|r|)) with n = floor(y), r = (y - n) - 1/2, so that
// no half-integer is ever formed. Non-finite y passes with derivatives 0.
template <bool kConditionalMean, typename T>
SOFTROUND_HD Quantities<T> InverseQuantities(T y, const TanhInverse<T>& inv) {
  T base, r;
  if constexpr (kConditionalMean) {
    base = std::floor(y);
    r = (y - base) - T(0.5);
  } else {
    base = std::rint(y);
    r = y - base;
  }
  // A subnormal distance counts as 0, as on TensorFlow's CPU (which flushes
  // denormals); the GPU does not, and 1 / subnormal would be inf there.
  const T p =
      std::fabs(r) < std::numeric_limits<T>::min() ? T(0) : std::fabs(r);
  const T u = inv.Fraction(p);
  const T signed_u = std::copysign(u, r);
  const T value =
      kConditionalMean ? base + (T(0.5) + signed_u) : base + signed_u;
  const bool finite = detail::IsFinite(y);
  Quantities<T> q = inv.Derivatives(p, u, r);
  q.value = (finite && !inv.identity) ? value : y;
  q.dx = finite ? (inv.identity ? T(1) : q.dx) : T(0);
  const bool curved = finite && !inv.identity;
  q.dxx = curved ? q.dxx : T(0);
  q.dalpha = curved ? q.dalpha : T(0);
  q.dx_dalpha = curved ? q.dx_dalpha : T(0);
  return q;
}

}  // namespace softround

#endif  // SOFTROUND_SOFT_ROUND_MATH_H_
