// The soft-round family on the GPU: the CUDA launchers of
// soft_round_gpu.cu.cc on the op's stream, without waiting for the device
// except to fold alpha's gradient for an alpha that is not a trailing block
// of x. alpha arrives in host memory, validated there like on the CPU: a
// scalar travels with the launch (ste needs none), anything larger is
// staged in pinned memory and copied asynchronously, and the kernels read it
// in its own layout by index arithmetic (soft_round_gpu.h).
#include <algorithm>
#include <vector>

#include "cc/kernels/soft_round_gpu.h"
#include "cc/kernels/soft_round_op.h"
#include "cc/kernels/storage.h"
#include "tensorflow/core/common_runtime/device/device_event_mgr.h"
#include "tensorflow/core/framework/device_base.h"
#include "tensorflow/core/framework/tensor_reference.h"
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

// values (count of them, pageable host memory) into a new device tensor
// without waiting: staged in pinned host memory that the device's event
// manager keeps alive until the stream has run the copy.
template <typename T>
absl::Status CopyToDeviceTensor(OpKernelContext* ctx, void* stream,
                                const T* values, int64_t count,
                                Tensor* device) {
  AllocatorAttributes pinned;
  pinned.set_on_host(true);
  pinned.set_gpu_compatible(true);
  Tensor staging;
  TF_RETURN_IF_ERROR(ctx->allocate_temp(
      DataTypeToEnum<T>::value, TensorShape({count}), &staging, pinned));
  std::copy_n(values, count, staging.flat<T>().data());
  TF_RETURN_IF_ERROR(ctx->allocate_temp(DataTypeToEnum<T>::value,
                                        TensorShape({count}), device));
  const int64_t bytes = count * sizeof(T);
  const auto* info = ctx->device()->tensorflow_accelerator_device_info();
  if (info == nullptr || info->event_mgr == nullptr) {  // wait instead
    return CudaStatus("SoftRound: copying alpha to the GPU",
                      softround::gpu::CopyToDevice(
                          stream, device->flat<T>().data(), values, bytes));
  }
  TF_RETURN_IF_ERROR(CudaStatus(
      "SoftRound: copying alpha to the GPU",
      softround::gpu::CopyToDeviceAsync(stream, device->flat<T>().data(),
                                        staging.flat<T>().data(), bytes)));
  TensorReference staged(staging);
  info->event_mgr->ThenExecute(ctx->op_device_context()->stream(),
                               [staged]() { staged.Unref(); });
  return absl::OkStatus();
}

// alpha's gradient from each element's term: summed per alpha element on
// the device for a scalar or trailing-block alpha (element i's alpha is
// i % elements); otherwise (runs, or another broadcast) folded through the
// broadcast on the host (which waits for the device).
template <typename T, typename A>
absl::Status ReduceAlphaTerms(
    OpKernelContext* ctx, void* stream,
    const softround::gpu::Launch<typename StorageOf<T>::Type>& launch,
    const AlphaInput<T>& alpha, int64_t n, T* dalpha) {
  const softround::AlphaLayout& layout = alpha.layout;
  const A* products = static_cast<const A*>(launch.alpha_products);
  if (layout.source == softround::AlphaLayout::Source::kOwn ||
      layout.source == softround::AlphaLayout::Source::kTiled) {
    const int64_t period = std::max<int64_t>(layout.elements, 1);
    Tensor partial, sums;
    const int64_t groups = softround::gpu::PeriodSumGroups(n, period);
    TF_RETURN_IF_ERROR(ctx->allocate_temp(
        DT_DOUBLE, TensorShape({groups * period}), &partial));
    TF_RETURN_IF_ERROR(
        ctx->allocate_temp(DT_DOUBLE, TensorShape({period}), &sums));
    TF_RETURN_IF_ERROR(CudaStatus(
        "SoftRoundGradWithAlpha: summing alpha terms",
        softround::gpu::LaunchPeriodSums(
            stream, products, sizeof(A) == sizeof(double), n, period,
            partial.flat<double>().data(), sums.flat<double>().data())));
    return CudaStatus(
        "SoftRoundGradWithAlpha: storing alpha's gradient",
        softround::gpu::LaunchStoreSums(stream, sums.flat<double>().data(),
                                        period, AsStorage(dalpha)));
  }
  std::vector<A> terms(n);
  TF_RETURN_IF_ERROR(
      CudaStatus("SoftRoundGradWithAlpha: copying alpha terms to the host",
                 softround::gpu::CopyToHost(stream, terms.data(), products,
                                            n * sizeof(A))));
  softround::AlphaLayout broadcast = layout;
  broadcast.source = softround::AlphaLayout::Source::kExpanded;
  broadcast.period = n;
  std::vector<double> totals(layout.elements);
  softround::FoldAlphaSums(broadcast, terms.data(), totals.data());
  const std::vector<T> folded(totals.begin(), totals.end());
  return CudaStatus("SoftRoundGradWithAlpha: copying alpha's gradient",
                    softround::gpu::CopyToDevice(stream, dalpha, folded.data(),
                                                 folded.size() * sizeof(T)));
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
  const softround::AlphaLayout& layout = alpha.layout;
  if (n == 0) {  // alpha's gradient of an empty x: zeros
    if (dalpha == nullptr) return absl::OkStatus();
    return CudaStatus("SoftRoundGradWithAlpha: zeroing alpha's gradient",
                      softround::gpu::ZeroOnDevice(
                          stream, dalpha, layout.elements * sizeof(T)));
  }
  softround::gpu::Launch<S> launch{stream,
                                   spec.mode,
                                   AsStorage(dy),
                                   AsStorage(x),
                                   static_cast<double>(alpha.values[0]),
                                   nullptr,
                                   softround::AlphaIndex{},
                                   AsStorage(out),
                                   n,
                                   spec,
                                   nullptr,
                                   LargestFinite<T>()};
  // The straight-through forward pass reads no alpha.
  const bool reads_alpha =
      !(spec.mode == softround::Mode::kSte &&
        spec.function == softround::Function::kForward && !spec.with_alpha);
  Tensor device_alpha;
  if (layout.elements > 1 && reads_alpha) {
    const T* values = alpha.values;
    int64_t count = layout.elements;
    std::vector<T> expanded;
    if (!softround::MakeAlphaIndex(layout.dims, layout.x_dims,
                                   &launch.alpha_index)) {
      // More separate runs of kept axes than the kernels take: alpha
      // broadcast to x's size on the host, read as a trailing block.
      expanded.resize(n);
      softround::ForEachAlphaOffset(layout, [&](int64_t i, int64_t offset) {
        expanded[i] = values[offset];
      });
      values = expanded.data();
      count = n;
      launch.alpha_index = softround::PeriodicAlphaIndex(n);
    }
    TF_RETURN_IF_ERROR(
        CopyToDeviceTensor(ctx, stream, values, count, &device_alpha));
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
  return ReduceAlphaTerms<T, A>(ctx, stream, launch, alpha, n, dalpha);
}

SOFTROUND_INSTANTIATE_RUN(RunSoftRoundOnGpu)

}  // namespace tensorflow
