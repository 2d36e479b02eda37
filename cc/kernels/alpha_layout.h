// How an alpha that broadcasts to x is laid out for the loops, and how
// alpha's gradient folds back to alpha's shape. No TensorFlow include: the op
// kernels and the NumPy binding share it, and tests reach the index math
// without TensorFlow. Every count and offset is 64-bit.
#ifndef SOFTROUND_KERNELS_ALPHA_LAYOUT_H_
#define SOFTROUND_KERNELS_ALPHA_LAYOUT_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "softround/soft_round_math.h"

namespace softround {

// Element i of x reads alpha's value at data[i % period], where data is
// alpha's own buffer (kOwn) or one of `period` elements that the caller
// fills with FillAlpha: alpha repeated (kTiled) or broadcast to x's full
// size (kExpanded, when alpha is not a trailing block of x). kRuns: alpha
// is constant over runs of `run` consecutive elements of x (a per-row or
// NCHW per-channel alpha), and element i reads alpha's own value at
// (i / run) % elements; each run is a scalar-alpha loop.
struct AlphaLayout {
  enum class Source { kOwn, kTiled, kExpanded, kRuns };
  std::vector<int64_t> dims;    // alpha's dimensions, 1-padded to x's rank
  std::vector<int64_t> x_dims;  // x's dimensions
  int64_t elements = 1;         // alpha's element count
  int64_t period = 1;           // kRuns: alpha's element count
  int64_t run = 1;              // kRuns: x elements per alpha value
  Source source = Source::kOwn;
};

// Whether the loops read a buffer that FillAlpha writes (not alpha's own).
inline bool FillsAlpha(const AlphaLayout& layout) {
  return layout.source == AlphaLayout::Source::kTiled ||
         layout.source == AlphaLayout::Source::kExpanded;
}

// Rows shorter than this are tiled so that each loop call has enough work.
constexpr int64_t kMinAlphaPeriod = 1024;
// Runs of one alpha value at least this long are each a scalar-alpha loop;
// shorter ones are cheaper expanded than as that many loop calls.
constexpr int64_t kMinAlphaRun = 256;

inline int64_t ElementCount(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// alpha's dimensions left-padded with 1 to x's rank; false if alpha does not
// broadcast to x without enlarging it.
inline bool PaddedAlphaDims(const std::vector<int64_t>& x_dims,
                            const std::vector<int64_t>& alpha_dims,
                            std::vector<int64_t>* dims) {
  if (alpha_dims.size() > x_dims.size()) return false;
  dims->assign(x_dims.size() - alpha_dims.size(), 1);
  dims->insert(dims->end(), alpha_dims.begin(), alpha_dims.end());
  for (size_t i = 0; i < x_dims.size(); ++i) {
    if ((*dims)[i] != 1 && (*dims)[i] != x_dims[i]) return false;
  }
  return true;
}

// True if alpha's non-1 dimensions are exactly x's trailing ones, so that
// alpha repeats with period alpha's element count along x's flat index.
inline bool IsTrailingBlock(const std::vector<int64_t>& x_dims,
                            const std::vector<int64_t>& dims) {
  size_t first = 0;
  while (first < dims.size() && dims[first] == 1) ++first;
  for (size_t i = first; i < dims.size(); ++i) {
    if (dims[i] != x_dims[i]) return false;
  }
  return true;
}

// The layout of alpha over x; false if alpha does not broadcast to x.
inline bool PlanAlphaLayout(const std::vector<int64_t>& x_dims,
                            const std::vector<int64_t>& alpha_dims,
                            AlphaLayout* layout) {
  if (!PaddedAlphaDims(x_dims, alpha_dims, &layout->dims)) return false;
  layout->x_dims = x_dims;
  layout->elements = ElementCount(alpha_dims);
  layout->period = std::max<int64_t>(layout->elements, 1);
  layout->source = AlphaLayout::Source::kOwn;
  const int64_t n = ElementCount(x_dims);
  if (layout->period == 1 || n == 0) return true;
  // alpha's trailing 1s over x's axes: the run over which it is constant.
  size_t kept = layout->dims.size();
  int64_t run = 1;
  while (kept > 0 && layout->dims[kept - 1] == 1) run *= x_dims[--kept];
  const std::vector<int64_t> x_outer(x_dims.begin(), x_dims.begin() + kept);
  const std::vector<int64_t> alpha_outer(layout->dims.begin(),
                                         layout->dims.begin() + kept);
  if (run >= kMinAlphaRun && IsTrailingBlock(x_outer, alpha_outer)) {
    layout->run = run;
    layout->source = AlphaLayout::Source::kRuns;
    return true;
  }
  if (!IsTrailingBlock(x_dims, layout->dims)) {
    layout->period = n;
    layout->source = AlphaLayout::Source::kExpanded;
  } else if (layout->period < kMinAlphaPeriod && layout->period < n) {
    const int64_t copies =
        (kMinAlphaPeriod + layout->period - 1) / layout->period;
    layout->period *= copies;
    layout->source = AlphaLayout::Source::kTiled;
  }
  return true;
}

// visit(i, offset) for every flat index i of x in [begin, end), with offset
// the flat index of the alpha element that i reads (numpy broadcasting).
template <typename Visit>
void ForEachAlphaOffset(const std::vector<int64_t>& dims,
                        const std::vector<int64_t>& x_dims, int64_t begin,
                        int64_t end, Visit&& visit) {
  const int rank = static_cast<int>(x_dims.size());
  std::vector<int64_t> stride(rank, 0), index(rank, 0);
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; --d) {
    stride[d] = dims[d] == 1 ? 0 : s;
    s *= dims[d];
  }
  // The multi-index and alpha offset of begin.
  int64_t offset = 0, remainder = begin;
  for (int d = rank - 1; d >= 0; --d) {
    index[d] = x_dims[d] == 0 ? 0 : remainder % x_dims[d];
    remainder = x_dims[d] == 0 ? 0 : remainder / x_dims[d];
    offset += stride[d] * index[d];
  }
  for (int64_t i = begin; i < end; ++i) {
    visit(i, offset);
    // Advance the multi-index like an odometer.
    for (int d = rank - 1; d >= 0; --d) {
      offset += stride[d];
      if (++index[d] < x_dims[d]) break;
      offset -= stride[d] * index[d];
      index[d] = 0;
    }
  }
}

template <typename Visit>
void ForEachAlphaOffset(const AlphaLayout& layout, Visit&& visit) {
  ForEachAlphaOffset(layout.dims, layout.x_dims, 0, ElementCount(layout.x_dims),
                     visit);
}

// Writes the `period` values the loops read for a kTiled or kExpanded layout.
template <typename T>
void FillAlpha(const AlphaLayout& layout, const T* values, T* buffer) {
  if (layout.source == AlphaLayout::Source::kExpanded) {
    ForEachAlphaOffset(
        layout, [&](int64_t i, int64_t offset) { buffer[i] = values[offset]; });
  } else {
    for (int64_t j = 0; j < layout.period; ++j) {
      buffer[j] = values[j % layout.elements];
    }
  }
}

// Sums over the period's entries (x's elements when expanded) folded back
// to alpha's elements: totals has layout.elements entries.
template <typename Sum>
void FoldAlphaSums(const AlphaLayout& layout, const Sum* sums, double* totals) {
  std::fill_n(totals, layout.elements, 0.0);
  if (layout.source == AlphaLayout::Source::kExpanded) {
    ForEachAlphaOffset(
        layout, [&](int64_t i, int64_t offset) { totals[offset] += sums[i]; });
  } else {
    for (int64_t j = 0; j < layout.period; ++j) {
      totals[j % layout.elements] += sums[j];
    }
  }
}

// alpha's offset as arithmetic on x's flat index, for kernels that read
// alpha where it is (the GPU's): x's axes merged into runs that alpha keeps
// or broadcasts alike; for each kept run g, offset += (i / inner[g] %
// size[g]) * stride[g]. No run: a scalar; one run with inner 1: a trailing
// block (i % size).
constexpr int kMaxAlphaRuns = 4;
struct AlphaIndex {
  int runs = 0;
  int64_t inner[kMaxAlphaRuns] = {};
  int64_t size[kMaxAlphaRuns] = {};
  int64_t stride[kMaxAlphaRuns] = {};
};

template <typename Index>
SOFTROUND_HD Index AlphaOffset(const AlphaIndex& index, Index i) {
  Index offset = 0;
  for (int g = 0; g < index.runs; ++g) {
    offset += i / Index(index.inner[g]) % Index(index.size[g]) *
              Index(index.stride[g]);
  }
  return offset;
}

// The AlphaIndex of padded alpha dims over x_dims; false if alpha keeps more
// than kMaxAlphaRuns separate runs of axes (then expand it instead).
inline bool MakeAlphaIndex(const std::vector<int64_t>& dims,
                           const std::vector<int64_t>& x_dims,
                           AlphaIndex* index) {
  *index = AlphaIndex{};
  int64_t inner = 1, stride = 1;
  bool in_kept_run = false;
  for (int d = static_cast<int>(x_dims.size()) - 1; d >= 0; --d) {
    if (x_dims[d] == 1) continue;  // neither kept nor broadcast
    const bool kept = dims[d] != 1;
    if (kept && !in_kept_run) {
      if (index->runs == kMaxAlphaRuns) return false;
      index->inner[index->runs] = inner;
      index->size[index->runs] = 1;
      index->stride[index->runs] = stride;
      ++index->runs;
    }
    if (kept) {
      index->size[index->runs - 1] *= x_dims[d];
      stride *= dims[d];
    }
    in_kept_run = kept;
    inner *= x_dims[d];
  }
  return true;
}

// The index of alpha[i % period] (period 1: a scalar).
inline AlphaIndex PeriodicAlphaIndex(int64_t period) {
  AlphaIndex index;
  if (period > 1) {
    index.runs = 1;
    index.inner[0] = 1;
    index.size[0] = period;
    index.stride[0] = 1;
  }
  return index;
}

// True if index reads alpha as a trailing block (or a scalar) of `period`.
inline bool IsTrailingIndex(const AlphaIndex& index) {
  return index.runs == 0 || (index.runs == 1 && index.inner[0] == 1);
}

}  // namespace softround

#endif  // SOFTROUND_KERNELS_ALPHA_LAYOUT_H_
