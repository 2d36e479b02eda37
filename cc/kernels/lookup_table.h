// Large 16-bit tensors with a scalar alpha: the loops compute each of the
// 65536 possible inputs once (FillLookupTable), and every element is then a
// table lookup (RunLookup), a gather as cheap as a copy where the loops cost
// twice a copy's time. The table holds the loops' own results, so a lookup
// returns the bits the loops would have (NaN payloads aside, which the loops'
// own conversions already vary). No TensorFlow include.
#ifndef SOFTROUND_KERNELS_LOOKUP_TABLE_H_
#define SOFTROUND_KERNELS_LOOKUP_TABLE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <vector>

#include "cc/kernels/alpha_layout.h"
#include "cc/kernels/float16_bits.h"
#include "softround/soft_round_math.h"

namespace softround {
namespace cpu {

// One entry per 16-bit pattern.
constexpr int64_t kLookupEntries = 1 << 16;
// Tensors at least this large look their results up where a table is
// cached: a lookup costs less than the loops from here on.
constexpr int64_t kMinLookupElements = 1 << 12;
// Tensors at least this large fill a table at their first call: a fill
// runs the loops over 2^16 inputs and costs 0.1 ms on a two-core Xeon, a
// call at a new alpha from here on still gains (benchmarks/bench.py's "new
// alpha per call" case measures it).
constexpr int64_t kMinFillAtFirstCall = 1 << 20;

// Results by input bits: for Quantity::kValue the result's bits (plus one
// entry of padding, so that a 4-byte gather of the last entry stays inside),
// for Quantity::kDx the float slope that dy is multiplied by before the
// product is rounded to 16 bits, as the loops do; with alpha's gradient also
// the float term that dy is multiplied by and summed.
struct LookupTable {
  std::vector<uint16_t> values;
  std::vector<float> slopes;
  std::vector<float> alpha_terms;
};

template <typename S>
constexpr bool kIs16Bit =
    std::is_same<S, Float16Bits>::value || std::is_same<S, BFloat16Bits>::value;

// Whether RunFamily may look spec's results up (LookupTableFor decides): a
// 16-bit type, a scalar alpha, a value or an x-slope, and x large enough;
// x's slope with alpha's gradient only from kMinFillAtFirstCall (always a
// table there, so that alpha's gradient, summed in the table's order, does
// not depend on what was cached). ste's slope is dy itself, a copy already.
template <typename S>
bool UsesLookupTable(const Spec& spec, const AlphaLayout& layout, int64_t n) {
  if constexpr (!kIs16Bit<S>) {
    return false;
  } else {
    const bool passes_dy = spec.mode == Mode::kSte &&
                           spec.function == Function::kForward &&
                           spec.quantity == Quantity::kDx && !spec.with_alpha;
    const bool quantity = spec.with_alpha ? spec.quantity == Quantity::kDx &&
                                                n >= kMinFillAtFirstCall
                                          : spec.quantity == Quantity::kValue ||
                                                spec.quantity == Quantity::kDx;
    return n >= kMinLookupElements && layout.period == 1 &&
           layout.source != AlphaLayout::Source::kRuns && quantity &&
           !passes_dy;
  }
}

// Fills a table sized by SizeLookupTable (fill(table) calls
// FillLookupTable on pieces of it, on a caller's threads).
using LookupTableFiller = std::function<void(LookupTable*)>;

// The table of spec's results under the scalar alpha[0] for a tensor of n
// elements, or nullptr where the loops are cheaper. Recently used tables
// stay cached (a few MB at most). Below kMinFillAtFirstCall a table is
// filled at the second call with the same alpha (a model whose alpha is
// fixed, step after step), not the first (an alpha annealed step by step
// would pay a fill at every call).
std::shared_ptr<const LookupTable> LookupTableFor(
    const Spec& spec, const Float16Bits* alpha, int64_t n,
    const LookupTableFiller& fill);
std::shared_ptr<const LookupTable> LookupTableFor(
    const Spec& spec, const BFloat16Bits* alpha, int64_t n,
    const LookupTableFiller& fill);

// How often this process filled a table and ran a call through one (for
// tests of the caching policy).
struct LookupCounts {
  int64_t fills = 0;
  int64_t lookups = 0;
};
LookupCounts LookupTableCounts();

// Gives table's vectors spec's sizes (LookupTableFor does, before fill).
void SizeLookupTable(const Spec& spec, LookupTable* table);

// Fills entries [begin, end) (multiples of 1024) of table for spec under
// alpha[0]: RunLoop's own loops over those inputs (soft_round_cpu.cc).
// Disjoint ranges may be filled concurrently.
void FillLookupTable(const Spec& spec, const Float16Bits* alpha, int64_t begin,
                     int64_t end, LookupTable* table);
void FillLookupTable(const Spec& spec, const BFloat16Bits* alpha, int64_t begin,
                     int64_t end, LookupTable* table);

// out[i] = spec's result for x[i] (and dy[i] for a slope) from table; out
// may be x or dy. With spec.with_alpha, *alpha_sum receives the sum of
// dy[i] times alpha's term, in an order fixed by n.
void RunLookup(const Spec& spec, const LookupTable& table,
               const Float16Bits* dy, const Float16Bits* x, Float16Bits* out,
               float* alpha_sum, int64_t n);
void RunLookup(const Spec& spec, const LookupTable& table,
               const BFloat16Bits* dy, const BFloat16Bits* x, BFloat16Bits* out,
               float* alpha_sum, int64_t n);

}  // namespace cpu
}  // namespace softround

#endif  // SOFTROUND_KERNELS_LOOKUP_TABLE_H_
