// Widen and Narrow: F16C for half where the CPU has it (GCC vectorizes the
// bit code of float16_bits.h, but at about ten instructions per element), in
// 512-bit registers where the x86-64-v4 loops run; the bit code in
// x86-64-level versions otherwise and for bfloat16 (a shift and a rounding
// add).
#include "cc/kernels/float16_arrays.h"

#include <type_traits>

#include "cc/kernels/cpu_levels.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SOFTROUND_HAVE_F16C_PATH 1
#endif

namespace softround {
namespace cpu {
namespace {

template <typename S>
SOFTROUND_HD void WidenBits(const S* in, float* out, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (std::is_same<S, Float16Bits>::value) {
      out[i] = Float16ToFloat(in[i]);
    } else {
      out[i] = BFloat16ToFloat(in[i]);
    }
  }
}

template <typename S>
SOFTROUND_HD void NarrowBits(const float* in, S* out, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (std::is_same<S, Float16Bits>::value) {
      out[i] = FloatToFloat16(in[i]);
    } else {
      out[i] = FloatToBFloat16(in[i]);
    }
  }
}

SOFTROUND_PER_CPU_LEVEL(void, WidenHalfBits,
                        (const Float16Bits* in, float* out, int64_t n),
                        (in, out, n)) {
  WidenBits(in, out, n);
}
SOFTROUND_PER_CPU_LEVEL(void, NarrowHalfBits,
                        (const float* in, Float16Bits* out, int64_t n),
                        (in, out, n)) {
  NarrowBits(in, out, n);
}

#if SOFTROUND_HAVE_F16C_PATH
// Eight elements per instruction; the tail by the bit code.
__attribute__((target("avx,f16c"))) void WidenHalfF16c(const Float16Bits* in,
                                                       float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(h));
  }
  WidenBits(in + i, out + i, n - i);
}

__attribute__((target("avx,f16c"))) void NarrowHalfF16c(const float* in,
                                                        Float16Bits* out,
                                                        int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h =
        _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), h);
  }
  NarrowBits(in + i, out + i, n - i);
}

// Sixteen elements per instruction (AVX-512F's form of the same
// conversions); the tail by the F16C versions. GCC 12's intrinsics header
// trips -Wmaybe-uninitialized on its own placeholder operand here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) void WidenHalfAvx512(const Float16Bits* in,
                                                        float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i h =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    _mm512_storeu_ps(out + i, _mm512_cvtph_ps(h));
  }
  WidenHalfF16c(in + i, out + i, n - i);
}

__attribute__((target("avx512f"))) void NarrowHalfAvx512(const float* in,
                                                         Float16Bits* out,
                                                         int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i h =
        _mm512_cvtps_ph(_mm512_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), h);
  }
  NarrowHalfF16c(in + i, out + i, n - i);
}

#pragma GCC diagnostic pop

// The widest of the F16C forms that the selected loops' level runs.
bool Avx512HalfSelected() { return SelectedCpuLevel() == kV4; }
#endif

}  // namespace

void Widen(const Float16Bits* in, float* out, int64_t n) {
#if SOFTROUND_HAVE_F16C_PATH
  if (F16cSelected() && Avx512HalfSelected()) {
    return WidenHalfAvx512(in, out, n);
  }
  if (F16cSelected()) return WidenHalfF16c(in, out, n);
#endif
  WidenHalfBits(in, out, n);
}

void Narrow(const float* in, Float16Bits* out, int64_t n) {
#if SOFTROUND_HAVE_F16C_PATH
  if (F16cSelected() && Avx512HalfSelected()) {
    return NarrowHalfAvx512(in, out, n);
  }
  if (F16cSelected()) return NarrowHalfF16c(in, out, n);
#endif
  NarrowHalfBits(in, out, n);
}

SOFTROUND_PER_CPU_LEVEL(void, Widen,
                        (const BFloat16Bits* in, float* out, int64_t n),
                        (in, out, n)) {
  WidenBits(in, out, n);
}

SOFTROUND_PER_CPU_LEVEL(void, Narrow,
                        (const float* in, BFloat16Bits* out, int64_t n),
                        (in, out, n)) {
  NarrowBits(in, out, n);
}

}  // namespace cpu
}  // namespace softround
