// Op kernels of SoftRound and SoftRoundGrad: read the mode, validate alpha,
// pick the output buffer, run on the device (soft_round_op_cpu.cc,
// soft_round_op_gpu.cc). CPU kernels always; GPU kernels in a CUDA build.
#include "cc/kernels/soft_round_op.h"

#include <string>

#include "cc/kernels/alpha_input.h"
#include "softround/modes.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/register_types.h"

namespace tensorflow {
namespace {

absl::Status ReadModeAttr(OpKernelConstruction* ctx, softround::Mode* mode) {
  std::string name;
  TF_RETURN_IF_ERROR(ctx->GetAttr("mode", &name));
  if (softround::ParseMode(name, mode)) return absl::OkStatus();
  return absl::InvalidArgumentError("unknown mode '" + name + "'");
}

}  // namespace

template <typename Device, typename T>
class SoftRoundOp : public OpKernel {
 public:
  explicit SoftRoundOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ReadModeAttr(ctx, &mode_));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    AlphaInput<T> alpha;
    OP_REQUIRES_OK(ctx, PrepareAlpha(ctx, "SoftRound", mode_, x.shape(),
                                     ctx->input(1), &alpha));
    Tensor* y = nullptr;
    OP_REQUIRES_OK(
        ctx, ctx->forward_input_or_allocate_output({0}, 0, x.shape(), &y));
    if (x.NumElements() == 0) return;
    OP_REQUIRES_OK(
        ctx, Device::template Run<T>(ctx, mode_, static_cast<const T*>(nullptr),
                                     x.flat<T>().data(), alpha,
                                     y->flat<T>().data(), x.NumElements()));
  }

 private:
  softround::Mode mode_ = softround::Mode::kTanh;
};

template <typename Device, typename T>
class SoftRoundGradOp : public OpKernel {
 public:
  explicit SoftRoundGradOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ReadModeAttr(ctx, &mode_));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& dy = ctx->input(0);
    const Tensor& x = ctx->input(1);
    OP_REQUIRES(ctx, dy.shape() == x.shape(),
                absl::InvalidArgumentError(absl::StrCat(
                    "SoftRoundGrad: dy of shape ", dy.shape().DebugString(),
                    " must have x's shape ", x.shape().DebugString())));
    AlphaInput<T> alpha;
    OP_REQUIRES_OK(ctx, PrepareAlpha(ctx, "SoftRoundGrad", mode_, x.shape(),
                                     ctx->input(2), &alpha));
    Tensor* dx = nullptr;
    OP_REQUIRES_OK(
        ctx, ctx->forward_input_or_allocate_output({0, 1}, 0, x.shape(), &dx));
    if (x.NumElements() == 0) return;
    OP_REQUIRES_OK(ctx, Device::template Run<T>(
                            ctx, mode_, dy.flat<T>().data(), x.flat<T>().data(),
                            alpha, dx->flat<T>().data(), x.NumElements()));
  }

 private:
  softround::Mode mode_ = softround::Mode::kTanh;
};

#define SOFTROUND_REGISTER(DEVICE_TYPE, TAG, T)       \
  REGISTER_KERNEL_BUILDER(Name("SoftRound")           \
                              .Device(DEVICE_TYPE)    \
                              .TypeConstraint<T>("T") \
                              .HostMemory("alpha"),   \
                          SoftRoundOp<TAG, T>);       \
  REGISTER_KERNEL_BUILDER(Name("SoftRoundGrad")       \
                              .Device(DEVICE_TYPE)    \
                              .TypeConstraint<T>("T") \
                              .HostMemory("alpha"),   \
                          SoftRoundGradOp<TAG, T>);

#define SOFTROUND_REGISTER_CPU(T) SOFTROUND_REGISTER(DEVICE_CPU, OnCpu, T)
TF_CALL_half(SOFTROUND_REGISTER_CPU);
TF_CALL_bfloat16(SOFTROUND_REGISTER_CPU);
TF_CALL_float(SOFTROUND_REGISTER_CPU);
TF_CALL_double(SOFTROUND_REGISTER_CPU);
#undef SOFTROUND_REGISTER_CPU

#if SOFTROUND_WITH_CUDA
// alpha in host memory: see soft_round_op_gpu.cc.
#define SOFTROUND_REGISTER_GPU(T) SOFTROUND_REGISTER(DEVICE_GPU, OnGpu, T)
TF_CALL_half(SOFTROUND_REGISTER_GPU);
TF_CALL_bfloat16(SOFTROUND_REGISTER_GPU);
TF_CALL_float(SOFTROUND_REGISTER_GPU);
TF_CALL_double(SOFTROUND_REGISTER_GPU);
#undef SOFTROUND_REGISTER_GPU
#endif  // SOFTROUND_WITH_CUDA

#undef SOFTROUND_REGISTER

}  // namespace tensorflow
