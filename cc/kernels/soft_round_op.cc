// Op kernels of SoftRound and SoftRoundGrad: read the mode, validate alpha,
// pick the output buffer, call the device functor. Also the CPU functors,
// which shard the flat tensor over TensorFlow's intra-op thread pool.
#define EIGEN_USE_THREADS

#include "cc/kernels/soft_round_op.h"

#include <string>

#include "cc/kernels/alpha_input.h"
#include "cc/kernels/soft_round_cpu.h"
#include "softround/modes.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/register_types.h"
#include "unsupported/Eigen/CXX11/Tensor"

namespace tensorflow {

using CPUDevice = Eigen::ThreadPoolDevice;

namespace functor {
namespace {

// The bit layout the CPU loops take for each TensorFlow type.
template <typename T>
struct CpuStorage {
  using Type = T;
};
template <>
struct CpuStorage<Eigen::half> {
  using Type = softround::Float16Bits;
};
template <>
struct CpuStorage<Eigen::bfloat16> {
  using Type = softround::BFloat16Bits;
};

template <typename T>
const typename CpuStorage<T>::Type* AsStorage(const T* p) {
  static_assert(sizeof(typename CpuStorage<T>::Type) == sizeof(T), "layout");
  return reinterpret_cast<const typename CpuStorage<T>::Type*>(p);
}
template <typename T>
typename CpuStorage<T>::Type* AsStorage(T* p) {
  return reinterpret_cast<typename CpuStorage<T>::Type*>(p);
}

// Estimated vectorized cycles per element, for the sharding cost model:
// small tensors run inline, large ones use every intra-op thread.
double CyclesPerElement(softround::Mode mode, bool alpha_per_element) {
  const double per_tanh = 2.0;
  switch (mode) {
    case softround::Mode::kTanh:
      return alpha_per_element ? 2 * per_tanh : per_tanh;
    case softround::Mode::kSigmoid:
    case softround::Mode::kSine:
      return per_tanh;
    case softround::Mode::kSte:
      return 0.5;
  }
  return per_tanh;
}

// Runs body(begin, end, alpha_offset, alpha_per_element) over [0, n) in
// shards, split further so that each piece reads alpha contiguously.
template <typename T, typename Body>
void ParallelOverAlphaRows(const CPUDevice& device, softround::Mode mode,
                           int streams, int64_t alpha_period, int64_t n,
                           Body body) {
  const bool per_element = alpha_period > 1;
  const Eigen::TensorOpCost cost(
      sizeof(T) * (streams - 1 + (per_element ? 1 : 0)), sizeof(T),
      CyclesPerElement(mode, per_element));
  device.parallelFor(n, cost, [&](Eigen::Index begin, Eigen::Index end) {
    if (!per_element) return body(begin, end - begin, int64_t{0}, false);
    for (int64_t i = begin; i < end;) {
      const int64_t offset = i % alpha_period;
      const int64_t length = std::min<int64_t>(alpha_period - offset, end - i);
      body(i, length, offset, true);
      i += length;
    }
  });
}

}  // namespace

template <typename T>
struct SoftRoundFunctor<CPUDevice, T> {
  void operator()(const CPUDevice& device, softround::Mode mode, const T* x,
                  const T* alpha, int64_t alpha_period, T* y, int64_t n) {
    ParallelOverAlphaRows<T>(
        device, mode, 2, alpha_period, n,
        [&](int64_t start, int64_t length, int64_t offset, bool per_element) {
          softround::cpu::SoftRoundForward(
              mode, AsStorage(x + start), AsStorage(alpha + offset),
              per_element, AsStorage(y + start), length);
        });
  }
};

template <typename T>
struct SoftRoundGradFunctor<CPUDevice, T> {
  void operator()(const CPUDevice& device, softround::Mode mode, const T* dy,
                  const T* x, const T* alpha, int64_t alpha_period, T* dx,
                  int64_t n) {
    ParallelOverAlphaRows<T>(
        device, mode, 3, alpha_period, n,
        [&](int64_t start, int64_t length, int64_t offset, bool per_element) {
          softround::cpu::SoftRoundBackward(
              mode, AsStorage(dy + start), AsStorage(x + start),
              AsStorage(alpha + offset), per_element, AsStorage(dx + start),
              length);
        });
  }
};

}  // namespace functor

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
    functor::SoftRoundFunctor<Device, T>()(
        ctx->eigen_device<Device>(), mode_, x.flat<T>().data(), alpha.data,
        alpha.period, y->flat<T>().data(), x.NumElements());
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
    functor::SoftRoundGradFunctor<Device, T>()(
        ctx->eigen_device<Device>(), mode_, dy.flat<T>().data(),
        x.flat<T>().data(), alpha.data, alpha.period, dx->flat<T>().data(),
        x.NumElements());
  }

 private:
  softround::Mode mode_ = softround::Mode::kTanh;
};

#define SOFTROUND_REGISTER_CPU(T)                                      \
  REGISTER_KERNEL_BUILDER(                                             \
      Name("SoftRound").Device(DEVICE_CPU).TypeConstraint<T>("T"),     \
      SoftRoundOp<CPUDevice, T>);                                      \
  REGISTER_KERNEL_BUILDER(                                             \
      Name("SoftRoundGrad").Device(DEVICE_CPU).TypeConstraint<T>("T"), \
      SoftRoundGradOp<CPUDevice, T>);

TF_CALL_half(SOFTROUND_REGISTER_CPU);
TF_CALL_bfloat16(SOFTROUND_REGISTER_CPU);
TF_CALL_float(SOFTROUND_REGISTER_CPU);
TF_CALL_double(SOFTROUND_REGISTER_CPU);
#undef SOFTROUND_REGISTER_CPU

}  // namespace tensorflow
