// The soft-round family on the CPU: the flat tensor sharded over
// TensorFlow's intra-op thread pool, each shard run by the vectorized loops
// of soft_round_cpu.cc. Alpha's gradient is reduced in fixed tiles of whole
// alpha periods, so that its value does not depend on the thread count.
#define EIGEN_USE_THREADS

#include <algorithm>
#include <vector>

#include "cc/kernels/soft_round_cpu.h"
#include "cc/kernels/soft_round_op.h"
#include "cc/kernels/storage.h"
#include "unsupported/Eigen/CXX11/Tensor"

namespace tensorflow {
namespace {

// Estimated vectorized cycles per element, for the sharding cost model:
// small tensors run inline, large ones use every intra-op thread.
double CyclesPerElement(const softround::Spec& spec, bool alpha_per_element) {
  if (spec.mode == softround::Mode::kSte &&
      spec.function == softround::Function::kForward) {
    return 0.5;
  }
  const double base = spec.function == softround::Function::kForward &&
                              spec.quantity <= softround::Quantity::kDx &&
                              !spec.with_alpha
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

}  // namespace

template <typename T>
absl::Status RunSoftRoundOnCpu(OpKernelContext* ctx,
                               const softround::Spec& spec, const T* dy,
                               const T* x, const AlphaInput<T>& alpha, T* out,
                               int64_t n, T* dalpha) {
  using A = typename AccumulatorOf<T>::Type;
  if (n == 0) {
    if (dalpha != nullptr) std::fill_n(dalpha, alpha.elements, T(0));
    return absl::OkStatus();
  }
  const int64_t period = alpha.period;
  const bool per_element = period > 1;
  const int streams = (dy != nullptr ? 3 : 2) + (per_element ? 1 : 0);
  const double cycles = CyclesPerElement(spec, per_element);
  const auto& device = ctx->eigen_device<Eigen::ThreadPoolDevice>();
  // Runs [start, start + length) with alpha read from alpha.data + offset.
  auto run = [&](int64_t start, int64_t length, int64_t offset, A* products) {
    softround::cpu::RunLoop(
        spec, dy == nullptr ? nullptr : AsStorage(dy + start),
        AsStorage(x + start), AsStorage(alpha.data + offset), per_element,
        AsStorage(out + start), products, length);
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

  if (!spec.with_alpha) {
    const Eigen::TensorOpCost cost(sizeof(T) * (streams - 1), sizeof(T),
                                   cycles);
    device.parallelFor(n, cost, [&](Eigen::Index begin, Eigen::Index end) {
      for_each_piece(begin, end, end - begin,
                     [&](int64_t i, int64_t length, int64_t offset) {
                       run(i, length, offset, nullptr);
                     });
    });
    return absl::OkStatus();
  }

  if (period == n) {
    // One alpha element per x element (alpha's own, or expanded): the
    // terms themselves, summed only where alpha was expanded.
    Tensor terms;
    TF_RETURN_IF_ERROR(
        ctx->allocate_temp(DataTypeToEnum<A>::value, TensorShape({n}), &terms));
    A* products = terms.flat<A>().data();
    const Eigen::TensorOpCost cost(sizeof(T) * (streams - 1),
                                   sizeof(T) + sizeof(A), cycles);
    device.parallelFor(n, cost, [&](Eigen::Index begin, Eigen::Index end) {
      run(begin, end - begin, begin, products + begin);
    });
    if (alpha.elements == n) {  // alpha's own layout: one term each
      for (int64_t i = 0; i < n; ++i) dalpha[i] = T(products[i]);
      return absl::OkStatus();
    }
    // Expanded, or a short alpha tiled to exactly x's size: fold.
    std::vector<double> sums(products, products + n);
    FoldAlphaSums(alpha, sums.data(), dalpha);
    return absl::OkStatus();
  }

  // Whole periods per tile; each tile sums its terms per alpha element.
  const int64_t rows = (n + period - 1) / period;
  const int64_t tiles = std::min(rows, kMaxTiles);
  std::vector<double> partial(tiles * period, 0.0);
  const Eigen::TensorOpCost tile_cost(sizeof(T) * (streams - 1) * n / tiles,
                                      sizeof(T) * n / tiles,
                                      cycles * n / tiles);
  device.parallelFor(
      tiles, tile_cost, [&](Eigen::Index first, Eigen::Index last) {
        for (int64_t tile = first; tile < last; ++tile) {
          const int64_t begin = tile * rows / tiles * period;
          const int64_t end = std::min(n, (tile + 1) * rows / tiles * period);
          double* sums = partial.data() + tile * period;
          // A scalar alpha's loop sums in registers (in A); short pieces
          // keep that sum short before it joins the double one.
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
  FoldAlphaSums(alpha, partial.data(), dalpha);
  return absl::OkStatus();
}

SOFTROUND_INSTANTIATE_RUN(RunSoftRoundOnCpu)

}  // namespace tensorflow
