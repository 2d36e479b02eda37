// The soft-round family on the CPU: cpu_family.h's runner over TensorFlow's
// intra-op thread pool.
#define EIGEN_USE_THREADS

#include "cc/kernels/cpu_family.h"
#include "cc/kernels/soft_round_op.h"
#include "cc/kernels/storage.h"
#include "unsupported/Eigen/CXX11/Tensor"

namespace tensorflow {

template <typename T>
absl::Status RunSoftRoundOnCpu(OpKernelContext* ctx,
                               const softround::Spec& spec, const T* dy,
                               const T* x, const AlphaInput<T>& alpha, T* out,
                               int64_t n, T* dalpha) {
  const auto& device = ctx->eigen_device<Eigen::ThreadPoolDevice>();
  auto parallel_for = [&](int64_t units, const softround::cpu::WorkCost& cost,
                          auto&& body) {
    device.parallelFor(
        units,
        Eigen::TensorOpCost(cost.bytes_loaded, cost.bytes_stored, cost.cycles),
        [&](Eigen::Index begin, Eigen::Index end) { body(begin, end); });
  };
  softround::cpu::RunFamily(spec, AsStorage(dy), AsStorage(x),
                            AsStorage(alpha.data), alpha.layout, AsStorage(out),
                            n, AsStorage(dalpha), parallel_for);
  return absl::OkStatus();
}

SOFTROUND_INSTANTIATE_RUN(RunSoftRoundOnCpu)

}  // namespace tensorflow
