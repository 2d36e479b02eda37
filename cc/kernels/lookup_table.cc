// RunLookup: the table's gathers, AVX-512 or AVX2 gathers where the selected
// loops' level has them (GCC 12 does not emit gathers under generic tuning),
// one load per element otherwise.
#include "cc/kernels/lookup_table.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "cc/kernels/cpu_levels.h"
#include "cc/kernels/float16_arrays.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SOFTROUND_HAVE_GATHERS 1
#endif

namespace softround {
namespace cpu {
namespace {

// Elements per chunk of a slope's products (float, in L1).
constexpr int64_t kProductChunk = 1024;

void GatherBitsScalar(const uint16_t* table, const uint16_t* index,
                      uint16_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = table[index[i]];
}

// The chunked slope path's two steps, one load per element: they run the
// tails of the one-pass vector functions below, and every element where
// those do not apply (below v3, or half with F16C turned off).
void ScaleByGatherScalar(const float* table, const uint16_t* index,
                         float* products, int64_t n) {
  for (int64_t i = 0; i < n; ++i) products[i] *= table[index[i]];
}

float SumOfLanes(const float* lanes, int count) {
  float sum = 0;
  for (int i = 0; i < count; ++i) sum += lanes[i];
  return sum;
}

float DotWithGatherScalar(const float* table, const uint16_t* index,
                          const float* weights, int64_t n) {
  float sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += weights[i] * table[index[i]];
  return sum;
}

#if SOFTROUND_HAVE_GATHERS
// GCC 12's AVX-512 intrinsics header trips -Wmaybe-uninitialized on its own
// placeholder operands (as in float16_arrays.cc).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// Sixteen 16-bit indices as 32-bit lanes.
__attribute__((target("avx512f"))) inline __m512i IndicesAvx512(
    const uint16_t* index) {
  return _mm512_cvtepu16_epi32(
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(index)));
}

// A 16-bit entry is gathered as the 4 bytes that start at it (hence the
// table's padding entry) and truncated.
__attribute__((target("avx512f"))) void GatherBitsAvx512(const uint16_t* table,
                                                         const uint16_t* index,
                                                         uint16_t* out,
                                                         int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i at = IndicesAvx512(index + i);
    const __m512i entries = _mm512_i32gather_epi32(at, table, 2);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i),
                        _mm512_cvtepi32_epi16(entries));
  }
  GatherBitsScalar(table, index + i, out + i, n - i);
}

// Sixteen 16-bit values to float and back, as Widen and Narrow convert them
// where the AVX-512 loops run: half by F16C's conversions, bfloat16 by
// float16_bits.h's bit code (a NaN keeps its payload, quieted).
__attribute__((target("avx512f"))) inline __m512 WidenAvx512(Float16Bits,
                                                             __m256i bits) {
  return _mm512_cvtph_ps(bits);
}
__attribute__((target("avx512f"))) inline __m256i NarrowAvx512(Float16Bits,
                                                               __m512 value) {
  return _mm512_cvtps_ph(value, _MM_FROUND_TO_NEAREST_INT);
}
__attribute__((target("avx512f"))) inline __m512 WidenAvx512(BFloat16Bits,
                                                             __m256i bits) {
  return _mm512_castsi512_ps(
      _mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
}
__attribute__((target("avx512f"))) inline __m256i NarrowAvx512(BFloat16Bits,
                                                               __m512 value) {
  const __m512i f = _mm512_castps_si512(value);
  const __m512i odd =
      _mm512_and_si512(_mm512_srli_epi32(f, 16), _mm512_set1_epi32(1));
  const __m512i rounded = _mm512_srli_epi32(
      _mm512_add_epi32(_mm512_add_epi32(f, _mm512_set1_epi32(0x7fff)), odd),
      16);
  const __m512i quiet_nan =
      _mm512_or_si512(_mm512_srli_epi32(f, 16), _mm512_set1_epi32(0x0040));
  const __mmask16 is_nan = _mm512_cmpgt_epu32_mask(
      _mm512_and_si512(f, _mm512_set1_epi32(0x7fffffff)),
      _mm512_set1_epi32(0x7f800000));
  return _mm512_cvtepi32_epi16(
      _mm512_mask_blend_epi32(is_nan, rounded, quiet_nan));
}

// dy times the slope in one pass, rounded as the loops round it (where Widen
// and Narrow use the conversions above); with alpha_terms, also the sum of
// dy times alpha's term into *alpha_sum (sixteen partial sums). Returns the
// elements done.
template <typename S>
__attribute__((target("avx512f"))) int64_t SlopeProductsAvx512(
    const float* slopes, const float* alpha_terms, const uint16_t* dy,
    const uint16_t* index, uint16_t* out, float* alpha_sum, int64_t n) {
  __m512 sums = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 g = WidenAvx512(
        S{}, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dy + i)));
    const __m512i at = IndicesAvx512(index + i);
    if (alpha_terms != nullptr) {
      sums = _mm512_fmadd_ps(g, _mm512_i32gather_ps(at, alpha_terms, 4), sums);
    }
    const __m512 slope = _mm512_i32gather_ps(at, slopes, 4);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i),
                        NarrowAvx512(S{}, _mm512_mul_ps(g, slope)));
  }
  if (alpha_terms != nullptr) {
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, sums);
    *alpha_sum = SumOfLanes(lanes, 16);
  }
  return i;
}
#pragma GCC diagnostic pop

// Eight 16-bit indices as 32-bit lanes.
__attribute__((target("avx2"))) inline __m256i IndicesAvx2(
    const uint16_t* index) {
  return _mm256_cvtepu16_epi32(
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(index)));
}

// Eight 32-bit lanes below 2^16 as eight words. packus works within
// 128-bit lanes: the two lanes' four words each land in 64-bit quarters 0
// and 2, which the permute joins.
__attribute__((target("avx2"))) inline __m128i WordsAvx2(__m256i lanes) {
  return _mm256_castsi256_si128(
      _mm256_permute4x64_epi64(_mm256_packus_epi32(lanes, lanes), 0x08));
}

__attribute__((target("avx2"))) void GatherBitsAvx2(const uint16_t* table,
                                                    const uint16_t* index,
                                                    uint16_t* out, int64_t n) {
  const int* base = reinterpret_cast<const int*>(table);
  const __m256i low_half = _mm256_set1_epi32(0xffff);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i at = IndicesAvx2(index + i);
    const __m256i entries =
        _mm256_and_si256(_mm256_i32gather_epi32(base, at, 2), low_half);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), WordsAvx2(entries));
  }
  GatherBitsScalar(table, index + i, out + i, n - i);
}

// Eight 16-bit values to float and back, as Widen and Narrow convert them
// where the AVX2 loops run (F16C for half, the bit code for bfloat16).
__attribute__((target("avx2,f16c"))) inline __m256 WidenAvx2(Float16Bits,
                                                             __m128i bits) {
  return _mm256_cvtph_ps(bits);
}
__attribute__((target("avx2,f16c"))) inline __m128i NarrowAvx2(Float16Bits,
                                                               __m256 value) {
  return _mm256_cvtps_ph(value, _MM_FROUND_TO_NEAREST_INT);
}
__attribute__((target("avx2"))) inline __m256 WidenAvx2(BFloat16Bits,
                                                        __m128i bits) {
  return _mm256_castsi256_ps(
      _mm256_slli_epi32(_mm256_cvtepu16_epi32(bits), 16));
}
__attribute__((target("avx2"))) inline __m128i NarrowAvx2(BFloat16Bits,
                                                          __m256 value) {
  const __m256i f = _mm256_castps_si256(value);
  const __m256i odd =
      _mm256_and_si256(_mm256_srli_epi32(f, 16), _mm256_set1_epi32(1));
  const __m256i rounded = _mm256_srli_epi32(
      _mm256_add_epi32(_mm256_add_epi32(f, _mm256_set1_epi32(0x7fff)), odd),
      16);
  const __m256i quiet_nan =
      _mm256_or_si256(_mm256_srli_epi32(f, 16), _mm256_set1_epi32(0x0040));
  // A signed compare: both sides are below 2^31.
  const __m256i is_nan =
      _mm256_cmpgt_epi32(_mm256_and_si256(f, _mm256_set1_epi32(0x7fffffff)),
                         _mm256_set1_epi32(0x7f800000));
  return WordsAvx2(_mm256_blendv_epi8(rounded, quiet_nan, is_nan));
}

// SlopeProductsAvx512 in eight lanes.
template <typename S>
__attribute__((target("avx2,fma,f16c"))) int64_t SlopeProductsAvx2(
    const float* slopes, const float* alpha_terms, const uint16_t* dy,
    const uint16_t* index, uint16_t* out, float* alpha_sum, int64_t n) {
  __m256 sums = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = WidenAvx2(
        S{}, _mm_loadu_si128(reinterpret_cast<const __m128i*>(dy + i)));
    const __m256i at = IndicesAvx2(index + i);
    if (alpha_terms != nullptr) {
      sums = _mm256_fmadd_ps(g, _mm256_i32gather_ps(alpha_terms, at, 4), sums);
    }
    const __m256 slope = _mm256_i32gather_ps(slopes, at, 4);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     NarrowAvx2(S{}, _mm256_mul_ps(g, slope)));
  }
  if (alpha_terms != nullptr) {
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, sums);
    *alpha_sum = SumOfLanes(lanes, 8);
  }
  return i;
}
#endif

// NAME's version for the selected level: NAME##Avx512, NAME##Avx2 or
// NAME##Scalar.
#if SOFTROUND_HAVE_GATHERS
template <typename Kernel>
Kernel ForLevel(Kernel avx512, Kernel avx2, Kernel scalar) {
  if (SelectedCpuLevel() == kV4) return avx512;
  return SelectedCpuLevel() == kV3 ? avx2 : scalar;
}
#define SOFTROUND_GATHER_KERNEL(NAME) \
  ForLevel(NAME##Avx512, NAME##Avx2, NAME##Scalar)
#else
#define SOFTROUND_GATHER_KERNEL(NAME) NAME##Scalar
#endif

template <typename S>
const uint16_t* BitsOf(const S* values) {
  return reinterpret_cast<const uint16_t*>(values);
}
template <typename S>
uint16_t* BitsOf(S* values) {
  return reinterpret_cast<uint16_t*>(values);
}

template <typename S>
void RunLookupOf(const Spec& spec, const LookupTable& table, const S* dy,
                 const S* x, S* out, float* alpha_sum, int64_t n) {
  if (spec.quantity == Quantity::kValue) {
    return SOFTROUND_GATHER_KERNEL(GatherBits)(table.values.data(), BitsOf(x),
                                               BitsOf(out), n);
  }
  // dy times the slope, rounded once, as the loops compute it.
  int64_t start = 0;
  float sum = 0;
#if SOFTROUND_HAVE_GATHERS
  const bool f16c_or_bit_code =
      F16cSelected() || !std::is_same<S, Float16Bits>::value;
  const float* alpha_terms =
      spec.with_alpha ? table.alpha_terms.data() : nullptr;
  if (SelectedCpuLevel() == kV4 && f16c_or_bit_code) {
    start = SlopeProductsAvx512<S>(table.slopes.data(), alpha_terms, BitsOf(dy),
                                   BitsOf(x), BitsOf(out), &sum, n);
  } else if (SelectedCpuLevel() == kV3 && f16c_or_bit_code) {
    start = SlopeProductsAvx2<S>(table.slopes.data(), alpha_terms, BitsOf(dy),
                                 BitsOf(x), BitsOf(out), &sum, n);
  }
#endif
  float products[kProductChunk];
  for (; start < n; start += kProductChunk) {
    const int64_t length = std::min(kProductChunk, n - start);
    const uint16_t* index = BitsOf(x + start);
    Widen(dy + start, products, length);
    if (spec.with_alpha) {
      sum += DotWithGatherScalar(table.alpha_terms.data(), index, products,
                                 length);
    }
    ScaleByGatherScalar(table.slopes.data(), index, products, length);
    Narrow(products, out + start, length);
  }
  if (spec.with_alpha) *alpha_sum = sum;
}

// This thread's floating-point mode that a table's entries depend on: whether
// it flushes denormal results to zero and reads denormal inputs as zero
// (TensorFlow's threads do; a NumPy caller's need not), and its rounding
// direction.
uint32_t FloatMode() {
#if SOFTROUND_HAVE_GATHERS
  return _mm_getcsr() &
         (_MM_FLUSH_ZERO_MASK | 0x0040u /* DAZ */ | _MM_ROUND_MASK);
#else
  return 0;
#endif
}

// What a table depends on: the thread's float mode, the type (half or
// not), mode, function, quantity, with_alpha and alpha's bits (the CPU level
// and the F16C choice are fixed per process). A tuple, so that equality
// covers every field.
using LookupKey =
    std::tuple<uint32_t, bool, Mode, Function, Quantity, bool, uint16_t>;

// Keys kept: tables of several layers, each with a value and a slope
// table (256 KB at most each), and keys asked for once, without a table.
constexpr size_t kCachedKeys = 24;

// Most recently used first; a key asked for once holds no table.
class LookupCache {
 public:
  using Table = std::shared_ptr<const LookupTable>;

  // key's table, or nullptr after recording that key was asked for (and
  // whether it had been before).
  Table Find(const LookupKey& key, bool* asked_before) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const Entry& e) { return e.first == key; });
    *asked_before = it != entries_.end();
    return Raise(key, it).second;
  }

  // Keeps table as key's, unless a concurrent call kept one first; returns
  // the one kept.
  Table Keep(const LookupKey& key, Table table) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const Entry& e) { return e.first == key; });
    Entry& entry = Raise(key, it);
    if (entry.second == nullptr) entry.second = std::move(table);
    return entry.second;
  }

 private:
  using Entry = std::pair<LookupKey, Table>;

  // it's entry moved to the front, or a new one for key there.
  Entry& Raise(const LookupKey& key, std::vector<Entry>::iterator it) {
    if (it != entries_.end()) {
      std::rotate(entries_.begin(), it, it + 1);
    } else {
      if (entries_.size() == kCachedKeys) entries_.pop_back();
      entries_.insert(entries_.begin(), Entry(key, nullptr));
    }
    return entries_.front();
  }

  std::mutex mutex_;
  std::vector<Entry> entries_;
};

std::atomic<int64_t> fills{0};
std::atomic<int64_t> lookups{0};

// A table is filled outside the lock, so that calls with other keys do not
// wait; two calls that miss the same key both fill it.
template <typename S>
std::shared_ptr<const LookupTable> CachedLookupTable(
    const Spec& spec, const S* alpha, int64_t n,
    const LookupTableFiller& fill) {
  static LookupCache* const cache = new LookupCache;
  const LookupKey key(FloatMode(), std::is_same<S, Float16Bits>::value,
                      spec.mode, spec.function, spec.quantity, spec.with_alpha,
                      alpha->bits);
  bool asked_before = false;
  auto table = cache->Find(key, &asked_before);
  if (table == nullptr) {
    if (!asked_before && n < kMinFillAtFirstCall) return nullptr;
    auto filled = std::make_shared<LookupTable>();
    SizeLookupTable(spec, filled.get());
    fill(filled.get());
    fills.fetch_add(1, std::memory_order_relaxed);
    table = cache->Keep(key, std::move(filled));
  }
  lookups.fetch_add(1, std::memory_order_relaxed);
  return table;
}

}  // namespace

std::shared_ptr<const LookupTable> LookupTableFor(
    const Spec& spec, const Float16Bits* alpha, int64_t n,
    const LookupTableFiller& fill) {
  return CachedLookupTable(spec, alpha, n, fill);
}

std::shared_ptr<const LookupTable> LookupTableFor(
    const Spec& spec, const BFloat16Bits* alpha, int64_t n,
    const LookupTableFiller& fill) {
  return CachedLookupTable(spec, alpha, n, fill);
}

void SizeLookupTable(const Spec& spec, LookupTable* table) {
  if (spec.quantity == Quantity::kValue) {
    table->values.assign(kLookupEntries + 1, 0);
  } else {
    table->slopes.assign(kLookupEntries, 0.0f);
  }
  if (spec.with_alpha) table->alpha_terms.assign(kLookupEntries, 0.0f);
}

LookupCounts LookupTableCounts() {
  LookupCounts counts;
  counts.fills = fills.load();
  counts.lookups = lookups.load();
  return counts;
}

void RunLookup(const Spec& spec, const LookupTable& table,
               const Float16Bits* dy, const Float16Bits* x, Float16Bits* out,
               float* alpha_sum, int64_t n) {
  RunLookupOf(spec, table, dy, x, out, alpha_sum, n);
}

void RunLookup(const Spec& spec, const LookupTable& table,
               const BFloat16Bits* dy, const BFloat16Bits* x, BFloat16Bits* out,
               float* alpha_sum, int64_t n) {
  RunLookupOf(spec, table, dy, x, out, alpha_sum, n);
}

}  // namespace cpu
}  // namespace softround
