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
  // alpha tiled or broadcast to the period the loops read.
  const T* alpha_data = alpha.values;
  Tensor laid_out;
  if (softround::FillsAlpha(alpha.layout) && n > 0) {
    TF_RETURN_IF_ERROR(ctx->allocate_temp(DataTypeToEnum<T>::value,
                                          TensorShape({alpha.layout.period}),
                                          &laid_out));
    softround::FillAlpha(alpha.layout, alpha.values, laid_out.flat<T>().data());
    alpha_data = laid_out.flat<T>().data();
  }
  // alpha's terms, where they need a buffer of x's size: TensorFlow's
  // allocator (accounted, and an error rather than an abort when short).
  using A = typename AccumulatorOf<T>::Type;
  Tensor terms;
  if (softround::cpu::NeedsTerms<T>(spec, alpha.layout, n)) {
    TF_RETURN_IF_ERROR(
        ctx->allocate_temp(DataTypeToEnum<A>::value, TensorShape({n}), &terms));
  }
  const auto& device = ctx->eigen_device<Eigen::ThreadPoolDevice>();
  auto parallel_for = [&](int64_t units, const softround::cpu::WorkCost& cost,
                          auto&& body) {
    device.parallelFor(
        units,
        Eigen::TensorOpCost(cost.bytes_loaded, cost.bytes_stored, cost.cycles),
        [&](Eigen::Index begin, Eigen::Index end) { body(begin, end); });
  };
  A* terms_data = terms.NumElements() > 0 ? terms.flat<A>().data() : nullptr;
  const int64_t bad = softround::cpu::RunFamily(
      spec, AsStorage(dy), AsStorage(x), AsStorage(alpha_data), alpha.layout,
      AsStorage(out), n, AsStorage(dalpha), terms_data, parallel_for);
  return bad < 0 ? absl::OkStatus()
                 : AlphaValueError(ctx->op_kernel().type_string().c_str(),
                                   spec.mode, alpha, bad);
}

SOFTROUND_INSTANTIATE_RUN(RunSoftRoundOnCpu)

}  // namespace tensorflow
