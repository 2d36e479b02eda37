// Op kernels of the soft-round family: SoftRound (a function's value),
// SoftRoundGrad (dy times one partial derivative) and SoftRoundGradWithAlpha
// (the same plus alpha's gradient in one pass). Each reads its attrs into a
// softround::Spec, validates alpha, picks the output buffers and runs on the
// device (soft_round_op_cpu.cc, soft_round_op_gpu.cc). CPU kernels always;
// GPU kernels in a CUDA build.
#include "cc/kernels/soft_round_op.h"

#include <string>

#include "cc/kernels/alpha_input.h"
#include "softround/modes.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/register_types.h"

namespace tensorflow {
namespace {

enum class Kind { kValue, kGrad, kGradWithAlpha };

absl::Status ReadSpec(OpKernelConstruction* ctx, Kind kind,
                      softround::Spec* spec) {
  std::string mode, function, wrt = "x";
  TF_RETURN_IF_ERROR(ctx->GetAttr("mode", &mode));
  TF_RETURN_IF_ERROR(ctx->GetAttr("function", &function));
  if (kind != Kind::kValue) TF_RETURN_IF_ERROR(ctx->GetAttr("wrt", &wrt));
  const std::string op = ctx->def().op();
  if (!softround::ParseMode(mode, &spec->mode)) {
    return absl::InvalidArgumentError(op + ": unknown mode '" + mode + "'");
  }
  if (!softround::ParseFunction(function, &spec->function)) {
    return absl::InvalidArgumentError(op + ": unknown function '" + function +
                                      "'");
  }
  if (!softround::ParseQuantity(wrt, &spec->quantity)) {
    return absl::InvalidArgumentError(op + ": unknown wrt '" + wrt + "'");
  }
  if (kind == Kind::kValue) spec->quantity = softround::Quantity::kValue;
  spec->with_alpha = kind == Kind::kGradWithAlpha;
  if (spec->with_alpha && spec->quantity != softround::Quantity::kDx &&
      spec->quantity != softround::Quantity::kDxx) {
    return absl::InvalidArgumentError(op + ": wrt must be 'x' or 'xx'; got '" +
                                      wrt + "'");
  }
  if (!softround::HasFunction(spec->mode, spec->function)) {
    return absl::InvalidArgumentError(
        softround::FunctionModeError(op.c_str(), spec->function, spec->mode));
  }
  return absl::OkStatus();
}

}  // namespace

// Inputs (x, alpha) for kValue, (dy, x, alpha) otherwise; output 0 has x's
// shape (and may reuse x's or dy's buffer), output 1 (kGradWithAlpha) has
// alpha's shape.
template <typename Device, typename T, Kind kKind>
class SoftRoundFamilyOp : public OpKernel {
 public:
  explicit SoftRoundFamilyOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ReadSpec(ctx, kKind, &spec_));
  }

  void Compute(OpKernelContext* ctx) override {
    constexpr bool kHasDy = kKind != Kind::kValue;
    const int x_index = kHasDy ? 1 : 0;
    const Tensor& x = ctx->input(x_index);
    const Tensor& alpha_tensor = ctx->input(x_index + 1);
    const char* op = type_string().c_str();
    const T* dy = nullptr;
    if constexpr (kHasDy) {
      const Tensor& dy_tensor = ctx->input(0);
      OP_REQUIRES(
          ctx, dy_tensor.shape() == x.shape(),
          absl::InvalidArgumentError(absl::StrCat(
              type_string(), ": dy of shape ", dy_tensor.shape().DebugString(),
              " must have x's shape ", x.shape().DebugString())));
      dy = dy_tensor.flat<T>().data();
    }
    AlphaInput<T> alpha;
    OP_REQUIRES_OK(ctx, PrepareAlpha(op, spec_, x.shape(), alpha_tensor,
                                     Device::kLoopsCheckAlpha, &alpha));
    Tensor* out = nullptr;
    if constexpr (kHasDy) {
      OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(
                              {0, 1}, 0, x.shape(), &out));
    } else {
      OP_REQUIRES_OK(
          ctx, ctx->forward_input_or_allocate_output({0}, 0, x.shape(), &out));
    }
    T* dalpha = nullptr;
    if constexpr (kKind == Kind::kGradWithAlpha) {
      Tensor* dalpha_tensor = nullptr;
      OP_REQUIRES_OK(
          ctx, ctx->allocate_output(1, alpha_tensor.shape(), &dalpha_tensor));
      dalpha = dalpha_tensor->flat<T>().data();
    }
    // An empty x still has alpha's gradient (zeros), which the device writes.
    if (x.NumElements() == 0 && dalpha == nullptr) return;
    OP_REQUIRES_OK(ctx, Device::template Run<T>(
                            ctx, spec_, dy, x.flat<T>().data(), alpha,
                            out->flat<T>().data(), x.NumElements(), dalpha));
  }

 private:
  softround::Spec spec_;
};

#define SOFTROUND_REGISTER(DEVICE_TYPE, TAG, T)                     \
  REGISTER_KERNEL_BUILDER(Name("SoftRound")                         \
                              .Device(DEVICE_TYPE)                  \
                              .TypeConstraint<T>("T")               \
                              .HostMemory("alpha"),                 \
                          SoftRoundFamilyOp<TAG, T, Kind::kValue>); \
  REGISTER_KERNEL_BUILDER(Name("SoftRoundGrad")                     \
                              .Device(DEVICE_TYPE)                  \
                              .TypeConstraint<T>("T")               \
                              .HostMemory("alpha"),                 \
                          SoftRoundFamilyOp<TAG, T, Kind::kGrad>);  \
  REGISTER_KERNEL_BUILDER(Name("SoftRoundGradWithAlpha")            \
                              .Device(DEVICE_TYPE)                  \
                              .TypeConstraint<T>("T")               \
                              .HostMemory("alpha"),                 \
                          SoftRoundFamilyOp<TAG, T, Kind::kGradWithAlpha>);

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
