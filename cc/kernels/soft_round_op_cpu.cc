// SoftRound on the CPU: the flat tensor sharded over TensorFlow's intra-op
// thread pool, each shard run by the vectorized loops of soft_round_cpu.cc.
#define EIGEN_USE_THREADS

#include <algorithm>

#include "cc/kernels/soft_round_cpu.h"
#include "cc/kernels/soft_round_op.h"
#include "cc/kernels/storage.h"
#include "unsupported/Eigen/CXX11/Tensor"

namespace tensorflow {
namespace {

// Estimated vectorized cycles per element, for the sharding cost model:
// small tensors run inline, large ones use every intra-op thread.
double CyclesPerElement(softround::Mode mode, bool alpha_per_element) {
  switch (mode) {
    case softround::Mode::kTanh:
    case softround::Mode::kSigmoid:
    case softround::Mode::kSine:
      return alpha_per_element ? 8.0 : 4.0;
    case softround::Mode::kSte:
      return 0.5;
  }
  return 4.0;
}

}  // namespace

template <typename T>
absl::Status RunSoftRoundOnCpu(OpKernelContext* ctx, softround::Mode mode,
                               const T* dy, const T* x,
                               const AlphaInput<T>& alpha, T* out, int64_t n) {
  const bool per_element = alpha.period > 1;
  const int streams = (dy != nullptr ? 3 : 2) + (per_element ? 1 : 0);
  const Eigen::TensorOpCost cost(sizeof(T) * (streams - 1), sizeof(T),
                                 CyclesPerElement(mode, per_element));
  // Runs [start, start + length) with alpha read from alpha.data + offset.
  auto run = [&](int64_t start, int64_t length, int64_t offset) {
    const auto* a = AsStorage(alpha.data + offset);
    if (dy == nullptr) {
      softround::cpu::SoftRoundForward(mode, AsStorage(x + start), a,
                                       per_element, AsStorage(out + start),
                                       length);
    } else {
      softround::cpu::SoftRoundBackward(mode, AsStorage(dy + start),
                                        AsStorage(x + start), a, per_element,
                                        AsStorage(out + start), length);
    }
  };
  const auto& device = ctx->eigen_device<Eigen::ThreadPoolDevice>();
  device.parallelFor(n, cost, [&](Eigen::Index begin, Eigen::Index end) {
    if (!per_element) return run(begin, end - begin, 0);
    // Split further so that each piece reads alpha contiguously.
    for (int64_t i = begin; i < end;) {
      const int64_t offset = i % alpha.period;
      const int64_t length = std::min<int64_t>(alpha.period - offset, end - i);
      run(i, length, offset);
      i += length;
    }
  });
  return absl::OkStatus();
}

SOFTROUND_INSTANTIATE_RUN(RunSoftRoundOnCpu)

}  // namespace tensorflow
