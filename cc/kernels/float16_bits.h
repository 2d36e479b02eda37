// Branch-free conversions between float and the 16-bit storage formats
// (IEEE half, bfloat16), rounding to nearest even, written with integer ops
// and selects so that they vectorize. No TensorFlow include: the values are
// passed as their bit patterns, which is how Eigen::half and Eigen::bfloat16
// are laid out.
#ifndef SOFTROUND_KERNELS_FLOAT16_BITS_H_
#define SOFTROUND_KERNELS_FLOAT16_BITS_H_

#include <cstdint>

#include "softround/soft_round_math.h"

namespace softround {

struct Float16Bits {
  uint16_t bits;
};
struct BFloat16Bits {
  uint16_t bits;
};

// Uses only normal-float arithmetic, so it is exact even where TensorFlow
// flushes denormals to zero.
SOFTROUND_HD float Float16ToFloat(Float16Bits h) {
  using detail::BitCast;
  const uint32_t sign = uint32_t(h.bits & 0x8000u) << 16;
  const uint32_t exponent = h.bits & 0x7c00u;
  // Mantissa and exponent moved to float's place, exponent rebiased 15 -> 127.
  const uint32_t rebiased = (uint32_t(h.bits & 0x7fffu) << 13) + (112u << 23);
  // Subnormal half: add 2^-14's exponent bit, then subtract 2^-14.
  const float subnormal =
      BitCast<float>(rebiased + (1u << 23)) - BitCast<float>(113u << 23);
  const uint32_t inf_or_nan = rebiased + (112u << 23);
  const uint32_t magnitude =
      exponent == 0x7c00u
          ? inf_or_nan
          : (exponent == 0 ? BitCast<uint32_t>(subnormal) : rebiased);
  return BitCast<float>(magnitude | sign);
}

SOFTROUND_HD Float16Bits FloatToFloat16(float value) {
  using detail::BitCast;
  uint32_t f = BitCast<uint32_t>(value);
  const uint32_t sign = f & 0x80000000u;
  f ^= sign;
  constexpr uint32_t kFloatInf = 255u << 23;
  constexpr uint32_t kOverflow = (127u + 16u) << 23;    // 65536.0f
  constexpr uint32_t kSmallest = 113u << 23;            // 2^-14
  constexpr uint32_t kDenormMagic = (127u - 1u) << 23;  // 0.5f
  // Inf for overflow and inf, quiet NaN for NaN.
  const uint32_t big = f > kFloatInf ? 0x7e00u : 0x7c00u;
  // Subnormal half: the float add aligns the mantissa and rounds it.
  const uint32_t small =
      BitCast<uint32_t>(BitCast<float>(f) + BitCast<float>(kDenormMagic)) -
      kDenormMagic;
  // Normal half: rebias 127 -> 15 and round the 13 dropped bits to even.
  const uint32_t odd = (f >> 13) & 1u;
  const uint32_t normal = (f + ((15u - 127u) << 23) + 0xfffu + odd) >> 13;
  const uint32_t magnitude =
      f >= kOverflow ? big : (f < kSmallest ? small : normal);
  Float16Bits h;
  h.bits = static_cast<uint16_t>(magnitude | (sign >> 16));
  return h;
}

SOFTROUND_HD float BFloat16ToFloat(BFloat16Bits b) {
  return detail::BitCast<float>(uint32_t(b.bits) << 16);
}

SOFTROUND_HD BFloat16Bits FloatToBFloat16(float value) {
  const uint32_t f = detail::BitCast<uint32_t>(value);
  const bool is_nan = (f & 0x7fffffffu) > 0x7f800000u;
  const uint32_t rounded = (f + 0x7fffu + ((f >> 16) & 1u)) >> 16;
  BFloat16Bits b;
  b.bits = static_cast<uint16_t>(is_nan ? (f >> 16) | 0x0040u : rounded);
  return b;
}

}  // namespace softround

#endif  // SOFTROUND_KERNELS_FLOAT16_BITS_H_
