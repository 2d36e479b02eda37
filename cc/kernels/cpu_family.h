// The soft-round family over a whole flat array on the CPU: the work split
// over a caller's thread pool, each piece run by the vectorized loops, and
// alpha's gradient reduced in fixed tiles of whole alpha periods, so that no
// result depends on the thread count. No TensorFlow include: the op kernel
// passes TensorFlow's intra-op pool, the NumPy binding its own threads, and
// both get the same bits.
#ifndef SOFTROUND_KERNELS_CPU_FAMILY_H_
#define SOFTROUND_KERNELS_CPU_FAMILY_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cc/kernels/alpha_layout.h"
#include "cc/kernels/float16_bits.h"
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

// Whether RunFamily needs n entries of scratch for alpha's terms: alpha's
// gradient with one alpha element per x element (alpha's own, tiled to x's
// size or expanded).
inline bool NeedsTerms(const Spec& spec, const AlphaLayout& layout, int64_t n) {
  return spec.with_alpha && n > 0 && layout.period == n &&
         layout.source != AlphaLayout::Source::kRuns;
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
template <typename S, typename ParallelFor>
void RunFamily(const Spec& spec, const S* dy, const S* x, const S* alpha,
               const AlphaLayout& layout, S* out, int64_t n, S* dalpha,
               typename AccumulatorOf<S>::Type* terms,
               ParallelFor&& parallel_for) {
  using A = typename AccumulatorOf<S>::Type;
  if (n == 0) {
    if (dalpha != nullptr) std::fill_n(dalpha, layout.elements, S{});
    return;
  }
  if (layout.source == AlphaLayout::Source::kRuns) {
    RunAlphaRuns(spec, dy, x, alpha, layout, out, n, dalpha,
                 CyclesPerElement(spec, false), parallel_for);
    return;
  }
  const int64_t period = layout.period;
  const bool per_element = period > 1;
  const int streams = (dy != nullptr ? 3 : 2) + (per_element ? 1 : 0);
  const double cycles = CyclesPerElement(spec, per_element);
  // Runs [start, start + length) with alpha read from alpha + offset.
  auto run = [&](int64_t start, int64_t length, int64_t offset, A* products) {
    RunLoop(spec, dy == nullptr ? nullptr : dy + start, x + start,
            alpha + offset, per_element, out + start, products, length);
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
    return;
  }

  if (period == n) {
    // One alpha element per x element (alpha's own, or expanded): the
    // terms themselves, summed only where alpha was tiled or expanded.
    A* products = terms;
    const WorkCost cost{double(sizeof(S) * (streams - 1)),
                        double(sizeof(S) + sizeof(A)), cycles};
    parallel_for(n, cost, [&](int64_t begin, int64_t end) {
      run(begin, end - begin, begin, products + begin);
    });
    if (layout.source == AlphaLayout::Source::kOwn) {
      for (int64_t i = 0; i < n; ++i) dalpha[i] = FromDouble<S>(products[i]);
    } else {
      store_totals(products);
    }
    return;
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
}

}  // namespace cpu
}  // namespace softround

#endif  // SOFTROUND_KERNELS_CPU_FAMILY_H_
