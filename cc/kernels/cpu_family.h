// The soft-round family over a whole flat array on the CPU: the work split
// over a caller's thread pool, each piece run by the vectorized loops, and
// alpha's gradient reduced in fixed tiles of whole alpha periods, so that no
// result depends on the thread count. No TensorFlow include: the op kernel
// passes TensorFlow's intra-op pool, the NumPy binding its own threads, and
// both get the same bits.
#ifndef SOFTROUND_KERNELS_CPU_FAMILY_H_
#define SOFTROUND_KERNELS_CPU_FAMILY_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "cc/kernels/alpha_check.h"
#include "cc/kernels/alpha_layout.h"
#include "cc/kernels/float16_bits.h"
#include "cc/kernels/lookup_table.h"
#include "cc/kernels/soft_round_cpu.h"
#include "softround/soft_round_math.h"

namespace softround {
namespace cpu {

// A storage value from a double (16-bit types through float, as Eigen does).
template <typename S>
S FromDouble(double value) {
  return static_cast<S>(value);
}
template <>
inline Float16Bits FromDouble<Float16Bits>(double value) {
  return FloatToFloat16(static_cast<float>(value));
}
template <>
inline BFloat16Bits FromDouble<BFloat16Bits>(double value) {
  return FloatToBFloat16(static_cast<float>(value));
}

// The cost of one unit of work, in the terms of Eigen's TensorOpCost.
struct WorkCost {
  double bytes_loaded;
  double bytes_stored;
  double cycles;
};

// Estimated vectorized cycles per element: small arrays run inline, large
// ones use every thread.
inline double CyclesPerElement(const Spec& spec, bool alpha_per_element) {
  if (spec.mode == Mode::kSte && spec.function == Function::kForward) {
    return 0.5;
  }
  const double base = spec.function == Function::kForward &&
                              spec.quantity <= Quantity::kDx && !spec.with_alpha
                          ? 4.0
                          : 8.0;
  return alpha_per_element ? 2 * base : base;
}

// Tiles of the alpha-gradient reduction: at most this many, whole periods.
constexpr int64_t kMaxTiles = 64;
// Elements per piece whose alpha terms are summed from a stack buffer.
constexpr int64_t kSegment = 1024;
// Elements per piece of a scalar alpha's in-register sum.
constexpr int64_t kScalarPiece = 1 << 16;

// Elements per piece of an alpha as large as x that is checked and then
// computed while it is in L1.
constexpr int64_t kCheckedPiece = 4096;

// Whether RunFamily checks alpha's values itself: alpha's own buffer, one
// value per element of x, checked piece by piece as the loops read it
// (callers check every other alpha with FirstAlphaOutOfRange first).
inline bool ChecksAlphaValues(const Spec& spec, const AlphaLayout& layout,
                              int64_t n) {
  return spec.mode != Mode::kSte && n > 1 && layout.period == n &&
         layout.source == AlphaLayout::Source::kOwn;
}

// Periods of per-element alphas whose tanh constants RunFamily builds
// once per call (BuildTanhTable): at most this many (the table stays near
// the cache), repeated at least kMinTableRepeats times over x.
constexpr int64_t kMaxTablePeriod = 1 << 16;
constexpr int64_t kMinTableRepeats = 4;

// Whether RunFamily reads a periodic alpha through a table of tanh's
// constants (the soft round's value, or x's gradient with or without
// alpha's terms; the inverse's and the conditional mean's value or y's
// gradient; float or double): each element then costs about what a scalar
// alpha's does.
template <typename S>
bool UsesTanhTable(const Spec& spec, const AlphaLayout& layout, int64_t n) {
  constexpr bool kFloatOrDouble =
      std::is_same<S, float>::value || std::is_same<S, double>::value;
  const bool forward = spec.function == Function::kForward;
  const bool quantity = spec.with_alpha
                            ? forward && spec.quantity == Quantity::kDx
                            : spec.quantity <= Quantity::kDx;
  return kFloatOrDouble && spec.mode == Mode::kTanh && quantity &&
         layout.period > 1 && layout.period <= kMaxTablePeriod &&
         n / layout.period >= kMinTableRepeats;
}

// Whether alpha's terms go straight into dalpha: one per x element, alpha's
// own, and of dalpha's type (float and double).
template <typename S>
bool WritesTermsToDalpha(const AlphaLayout& layout, int64_t n) {
  return std::is_same<S, typename AccumulatorOf<S>::Type>::value &&
         layout.period == n && layout.source == AlphaLayout::Source::kOwn;
}

// Whether RunFamily needs n entries of scratch for alpha's terms: alpha's
// gradient with one alpha element per x element (alpha's own in a 16-bit
// type, or tiled to x's size or expanded).
template <typename S>
bool NeedsTerms(const Spec& spec, const AlphaLayout& layout, int64_t n) {
  return spec.with_alpha && n > 0 && layout.period == n &&
         layout.source != AlphaLayout::Source::kRuns &&
         !WritesTermsToDalpha<S>(layout, n);
}

// RunFamily for alpha constant over runs (AlphaLayout::Source::kRuns): each
// run, cut into pieces of at most kScalarPiece at fixed places, is a
// scalar-alpha loop; alpha's gradient sums the pieces' own sums in order.
template <typename S, typename ParallelFor>
void RunAlphaRuns(const Spec& spec, const S* dy, const S* x, const S* alpha,
                  const AlphaLayout& layout, S* out, int64_t n, S* dalpha,
                  double cycles, ParallelFor&& parallel_for) {
  using A = typename AccumulatorOf<S>::Type;
  const int64_t run = layout.run;
  const int64_t pieces_per_run = (run + kScalarPiece - 1) / kScalarPiece;
  const int64_t piece = (run + pieces_per_run - 1) / pieces_per_run;
  const int64_t units = n / run * pieces_per_run;
  std::vector<double> sums(spec.with_alpha ? units : 0);
  const int streams = dy != nullptr ? 3 : 2;
  const WorkCost cost{double(sizeof(S) * (streams - 1) * piece),
                      double(sizeof(S) * piece), cycles * piece};
  parallel_for(units, cost, [&](int64_t first, int64_t last) {
    for (int64_t unit = first; unit < last; ++unit) {
      const int64_t row = unit / pieces_per_run;
      const int64_t begin = row * run + unit % pieces_per_run * piece;
      const int64_t length = std::min(piece, (row + 1) * run - begin);
      A sum = 0;
      RunLoop(spec, dy == nullptr ? nullptr : dy + begin, x + begin,
              alpha + row % layout.elements, false, out + begin,
              spec.with_alpha ? &sum : nullptr, length);
      if (spec.with_alpha) sums[unit] = sum;
    }
  });
  if (!spec.with_alpha) return;
  std::vector<double> totals(layout.elements, 0.0);
  for (int64_t unit = 0; unit < units; ++unit) {
    totals[unit / pieces_per_run % layout.elements] += sums[unit];
  }
  for (int64_t j = 0; j < layout.elements; ++j) {
    dalpha[j] = FromDouble<S>(totals[j]);
  }
}

// out[i] = F(x[i]) or dy[i] * dF(x[i]) for i in [0, n) (dy is nullptr for a
// value), element i reading alpha[i % layout.period] (for kRuns, alpha's own
// value at (i / layout.run) % layout.elements); out may be x or dy.
// With spec.with_alpha, dalpha (layout.elements entries) receives the sum of
// the alpha terms over the elements each alpha element broadcasts to.
// parallel_for(units, const WorkCost& per_unit, body) runs body(begin, end)
// over a partition of [0, units). terms: scratch of n entries that the
// caller allocates where NeedsTerms says so (nullptr otherwise).
// Returns the index of the first alpha value out of range where
// ChecksAlphaValues (out and dalpha are then unspecified), else -1.
template <typename S, typename ParallelFor>
int64_t RunFamily(const Spec& spec, const S* dy, const S* x, const S* alpha,
                  const AlphaLayout& layout, S* out, int64_t n, S* dalpha,
                  typename AccumulatorOf<S>::Type* terms,
                  ParallelFor&& parallel_for) {
  using A = typename AccumulatorOf<S>::Type;
  if (n == 0) {
    if (dalpha != nullptr) std::fill_n(dalpha, layout.elements, S{});
    return -1;
  }
  if (layout.source == AlphaLayout::Source::kRuns) {
    RunAlphaRuns(spec, dy, x, alpha, layout, out, n, dalpha,
                 CyclesPerElement(spec, false), parallel_for);
    return -1;
  }
  const int64_t period = layout.period;
  const bool per_element = period > 1;
  const int streams = (dy != nullptr ? 3 : 2) + (per_element ? 1 : 0);
  // A 16-bit tensor's results from a table of the loops' own, where there is
  // one (then about a copy's cost per element).
  std::shared_ptr<const LookupTable> lookup;
  if constexpr (kIs16Bit<S>) {
    if (UsesLookupTable<S>(spec, layout, n)) {
      constexpr int64_t kFillPiece = 4096;
      const WorkCost fill_cost{0.0, double(sizeof(float) * kFillPiece),
                               CyclesPerElement(spec, false) * kFillPiece};
      lookup = LookupTableFor(spec, alpha, n, [&](LookupTable* table) {
        parallel_for(kLookupEntries / kFillPiece, fill_cost,
                     [&](int64_t first, int64_t last) {
                       FillLookupTable(spec, alpha, first * kFillPiece,
                                       last * kFillPiece, table);
                     });
      });
    }
  }
  const double cycles =
      lookup != nullptr ? 1.0 : CyclesPerElement(spec, per_element);
  // What the loops read for alpha: its values, or tanh's constants of them.
  Spec loop_spec = spec;
  const S* loop_alpha = alpha;
  std::vector<S> table;
  if constexpr (std::is_same<S, float>::value ||
                std::is_same<S, double>::value) {
    if (UsesTanhTable<S>(spec, layout, n)) {
      table.resize(TanhTableColumns<S>(spec) * period);
      if (BuildTanhTable(spec, alpha, period, table.data())) {
        loop_spec.tanh_table_stride = period;
        loop_alpha = table.data();
      }
    }
  }
  // Runs [start, start + length) with alpha read from alpha + offset.
  auto run_loop = [&](int64_t start, int64_t length, int64_t offset,
                      A* products) {
    if constexpr (kIs16Bit<S>) {
      if (lookup != nullptr) {
        return RunLookup(loop_spec, *lookup,
                         dy == nullptr ? nullptr : dy + start, x + start,
                         out + start, products, length);
      }
    }
    RunLoop(loop_spec, dy == nullptr ? nullptr : dy + start, x + start,
            loop_alpha + offset, per_element, out + start, products, length);
  };
  // The same, checking alpha first where ChecksAlphaValues (alpha's offset
  // is then the element's own, and products per element).
  const bool checks = ChecksAlphaValues(spec, layout, n);
  std::atomic<int64_t> first_bad{n};
  auto run = [&](int64_t start, int64_t length, int64_t offset, A* products) {
    if (!checks) return run_loop(start, length, offset, products);
    for (int64_t i = start; i < start + length; i += kCheckedPiece) {
      const int64_t piece = std::min(kCheckedPiece, start + length - i);
      const int64_t bad = FirstAlphaOutOfRange(spec.mode, alpha + i, piece);
      int64_t first = first_bad.load();
      while (bad >= 0 && i + bad < first &&
             !first_bad.compare_exchange_weak(first, i + bad)) {
      }
      run_loop(i, piece, i,
               products == nullptr ? nullptr : products + i - start);
    }
  };
  auto result = [&] {
    const int64_t first = first_bad.load();
    return first == n ? int64_t{-1} : first;
  };
  // Splits [begin, end) so that each piece reads alpha contiguously.
  auto for_each_piece = [&](int64_t begin, int64_t end, int64_t limit,
                            auto&& piece) {
    for (int64_t i = begin; i < end;) {
      const int64_t offset = per_element ? i % period : 0;
      const int64_t length = std::min<int64_t>(
          std::min(limit, (per_element ? period - offset : end - i)), end - i);
      piece(i, length, offset);
      i += length;
    }
  };
  auto store_totals = [&](const auto* sums) {
    std::vector<double> totals(layout.elements);
    FoldAlphaSums(layout, sums, totals.data());
    for (int64_t j = 0; j < layout.elements; ++j) {
      dalpha[j] = FromDouble<S>(totals[j]);
    }
  };

  if (!spec.with_alpha) {
    const WorkCost cost{double(sizeof(S) * (streams - 1)), double(sizeof(S)),
                        cycles};
    parallel_for(n, cost, [&](int64_t begin, int64_t end) {
      for_each_piece(begin, end, end - begin,
                     [&](int64_t i, int64_t length, int64_t offset) {
                       run(i, length, offset, nullptr);
                     });
    });
    return result();
  }

  if (period == n) {
    // One alpha element per x element (alpha's own, or expanded): the
    // terms themselves, summed only where alpha was tiled or expanded.
    A* products = terms;
    if constexpr (std::is_same<S, A>::value) {
      if (WritesTermsToDalpha<S>(layout, n)) products = dalpha;
    }
    const WorkCost cost{double(sizeof(S) * (streams - 1)),
                        double(sizeof(S) + sizeof(A)), cycles};
    parallel_for(n, cost, [&](int64_t begin, int64_t end) {
      run(begin, end - begin, begin, products + begin);
    });
    if (WritesTermsToDalpha<S>(layout, n)) return result();
    if (layout.source == AlphaLayout::Source::kOwn) {
      for (int64_t i = 0; i < n; ++i) dalpha[i] = FromDouble<S>(products[i]);
    } else {
      store_totals(products);
    }
    return result();
  }

  // Whole periods per tile; each tile sums its terms per alpha element.
  const int64_t rows = (n + period - 1) / period;
  const int64_t tiles = std::min(rows, kMaxTiles);
  std::vector<double> partial(tiles * period, 0.0);
  const WorkCost tile_cost{double(sizeof(S) * (streams - 1) * n / tiles),
                           double(sizeof(S) * n / tiles), cycles * n / tiles};
  parallel_for(tiles, tile_cost, [&](int64_t first, int64_t last) {
    for (int64_t tile = first; tile < last; ++tile) {
      const int64_t begin = tile * rows / tiles * period;
      const int64_t end = std::min(n, (tile + 1) * rows / tiles * period);
      double* sums = partial.data() + tile * period;
      // A scalar alpha's loop sums in registers (in A); short pieces keep
      // that sum short before it joins the double one.
      for_each_piece(begin, end, per_element ? kSegment : kScalarPiece,
                     [&](int64_t i, int64_t length, int64_t offset) {
                       A products[kSegment];
                       run(i, length, offset, products);
                       if (per_element) {
                         for (int64_t j = 0; j < length; ++j) {
                           sums[offset + j] += products[j];
                         }
                       } else {
                         sums[0] += products[0];  // the loop's own sum
                       }
                     });
    }
  });
  for (int64_t tile = 1; tile < tiles; ++tile) {
    for (int64_t j = 0; j < period; ++j) {
      partial[j] += partial[tile * period + j];
    }
  }
  store_totals(partial.data());
  return -1;
}

}  // namespace cpu
}  // namespace softround

#endif  // SOFTROUND_KERNELS_CPU_FAMILY_H_
