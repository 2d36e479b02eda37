// The soft-round family on the GPU: the CUDA launchers of
// soft_round_gpu.cu.cc on the op's stream. alpha arrives in host memory (it
// is a scalar or a per-channel vector in practice): validated there like on
// the CPU, a scalar travels with the launch, anything larger is copied to
// device memory first. Alpha's gradient: each element's term in device
// scratch, summed per alpha period on the device, folded to alpha's shape on
// the host and copied back.
#include <vector>

#include "cc/kernels/soft_round_gpu.h"
#include "cc/kernels/soft_round_op.h"
#include "cc/kernels/storage.h"
#include "tensorflow/core/framework/device_base.h"
#include "xla/stream_executor/stream.h"

namespace tensorflow {
namespace {

absl::Status CudaStatus(const char* what, int status) {
  if (status == 0) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat(what, " failed: ", softround::gpu::ErrorString(status)));
}

// The largest finite value of T, where the inverse's derivatives saturate.
template <typename T>
double LargestFinite() {
  return static_cast<double>(Eigen::NumTraits<T>::highest());
}

}  // namespace

template <typename T>
absl::Status RunSoftRoundOnGpu(OpKernelContext* ctx,
                               const softround::Spec& spec, const T* dy,
                               const T* x, const AlphaInput<T>& alpha, T* out,
                               int64_t n, T* dalpha) {
  using S = typename StorageOf<T>::Type;
  using A = typename AccumulatorOf<T>::Type;
  void* stream =
      ctx->op_device_context()->stream()->platform_specific_handle().stream;
  if (n == 0) {  // alpha's gradient of an empty x: zeros, in device memory
    if (dalpha == nullptr) return absl::OkStatus();
    const std::vector<T> zeros(alpha.layout.elements, T(0));
    return CudaStatus("SoftRoundGradWithAlpha: zeroing alpha's gradient",
                      softround::gpu::CopyToDevice(stream, dalpha, zeros.data(),
                                                   zeros.size() * sizeof(T)));
  }
  softround::gpu::Launch<S> launch{stream,
                                   spec.mode,
                                   AsStorage(dy),
                                   AsStorage(x),
                                   static_cast<double>(alpha.data[0]),
                                   nullptr,
                                   alpha.layout.period,
                                   AsStorage(out),
                                   n,
                                   spec,
                                   nullptr,
                                   LargestFinite<T>()};
  Tensor device_alpha;
  const int64_t period = alpha.layout.period;
  if (period > 1) {
    TF_RETURN_IF_ERROR(ctx->allocate_temp(
        DataTypeToEnum<T>::value, TensorShape({period}), &device_alpha));
    TF_RETURN_IF_ERROR(CudaStatus(
        "SoftRound: copying alpha to the GPU",
        softround::gpu::CopyToDevice(stream, device_alpha.flat<T>().data(),
                                     alpha.data, period * sizeof(T))));
    launch.alpha_device = AsStorage(device_alpha.flat<T>().data());
  }
  Tensor products;
  if (spec.with_alpha) {
    TF_RETURN_IF_ERROR(ctx->allocate_temp(DataTypeToEnum<A>::value,
                                          TensorShape({n}), &products));
    launch.alpha_products = products.flat<A>().data();
  }
  TF_RETURN_IF_ERROR(CudaStatus("SoftRound: CUDA launch",
                                softround::gpu::LaunchFamily(launch)));
  if (!spec.with_alpha) return absl::OkStatus();

  // One sum per alpha period entry (x's size when alpha was expanded).
  std::vector<double> sums(period);
  if (period == n) {
    std::vector<A> terms(n);
    TF_RETURN_IF_ERROR(CudaStatus(
        "SoftRoundGradWithAlpha: copying alpha terms to the host",
        softround::gpu::CopyToHost(stream, terms.data(),
                                   products.flat<A>().data(), n * sizeof(A))));
    sums.assign(terms.begin(), terms.end());
  } else {
    Tensor partial, device_sums;
    const int64_t groups = softround::gpu::PeriodSumGroups(n, period);
    TF_RETURN_IF_ERROR(ctx->allocate_temp(
        DT_DOUBLE, TensorShape({groups * period}), &partial));
    TF_RETURN_IF_ERROR(
        ctx->allocate_temp(DT_DOUBLE, TensorShape({period}), &device_sums));
    TF_RETURN_IF_ERROR(CudaStatus(
        "SoftRoundGradWithAlpha: summing alpha terms",
        softround::gpu::LaunchPeriodSums(stream, products.flat<A>().data(),
                                         sizeof(A) == sizeof(double), n, period,
                                         partial.flat<double>().data(),
                                         device_sums.flat<double>().data())));
    TF_RETURN_IF_ERROR(
        CudaStatus("SoftRoundGradWithAlpha: copying alpha sums to the host",
                   softround::gpu::CopyToHost(stream, sums.data(),
                                              device_sums.flat<double>().data(),
                                              period * sizeof(double))));
  }
  std::vector<double> totals(alpha.layout.elements);
  softround::FoldAlphaSums(alpha.layout, sums.data(), totals.data());
  std::vector<T> folded(totals.begin(), totals.end());
  return CudaStatus("SoftRoundGradWithAlpha: copying alpha's gradient",
                    softround::gpu::CopyToDevice(stream, dalpha, folded.data(),
                                                 folded.size() * sizeof(T)));
}

SOFTROUND_INSTANTIATE_RUN(RunSoftRoundOnGpu)

}  // namespace tensorflow
