// SoftRound on the GPU: the CUDA launchers of soft_round_gpu.cu.cc on the
// op's stream. alpha arrives in host memory (it is a scalar or a per-channel
// vector in practice): validated there like on the CPU, a scalar travels
// with the launch, anything larger is copied to device memory first.
#include "cc/kernels/soft_round_gpu.h"
#include "cc/kernels/soft_round_op.h"
#include "cc/kernels/storage.h"
#include "tensorflow/core/framework/device_base.h"
#include "xla/stream_executor/stream.h"

namespace tensorflow {

template <typename T>
absl::Status RunSoftRoundOnGpu(OpKernelContext* ctx, softround::Mode mode,
                               const T* dy, const T* x,
                               const AlphaInput<T>& alpha, T* out, int64_t n) {
  using S = typename StorageOf<T>::Type;
  void* stream =
      ctx->op_device_context()->stream()->platform_specific_handle().stream;
  softround::gpu::Launch<S> launch{stream,
                                   mode,
                                   AsStorage(dy),
                                   AsStorage(x),
                                   static_cast<double>(alpha.data[0]),
                                   nullptr,
                                   alpha.period,
                                   AsStorage(out),
                                   n};
  Tensor device_alpha;
  if (alpha.period > 1) {
    TF_RETURN_IF_ERROR(ctx->allocate_temp(
        DataTypeToEnum<T>::value, TensorShape({alpha.period}), &device_alpha));
    const int copied =
        softround::gpu::CopyToDevice(stream, device_alpha.flat<T>().data(),
                                     alpha.data, alpha.period * sizeof(T));
    if (copied != 0) {
      return absl::InternalError(
          absl::StrCat("SoftRound: copying alpha to the GPU failed: ",
                       softround::gpu::ErrorString(copied)));
    }
    launch.alpha_device = AsStorage(device_alpha.flat<T>().data());
  }
  const int status = dy == nullptr
                         ? softround::gpu::LaunchSoftRound(launch)
                         : softround::gpu::LaunchSoftRoundGrad(launch);
  if (status != 0) {
    return absl::InternalError(absl::StrCat(
        dy == nullptr ? "SoftRound" : "SoftRoundGrad",
        ": CUDA launch failed: ", softround::gpu::ErrorString(status)));
  }
  return absl::OkStatus();
}

SOFTROUND_INSTANTIATE_RUN(RunSoftRoundOnGpu)

}  // namespace tensorflow
