// Validation and layout of the alpha input shared by both op kernels.
#ifndef SOFTROUND_KERNELS_ALPHA_INPUT_H_
#define SOFTROUND_KERNELS_ALPHA_INPUT_H_

#include <cstdint>

#include "cc/kernels/alpha_layout.h"
#include "softround/modes.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/tensor.h"

namespace tensorflow {

// alpha as the loops read it: element i of x uses data[i % layout.period].
template <typename T>
struct AlphaInput {
  const T* data = nullptr;
  softround::AlphaLayout layout;
  Tensor storage;  // holds data when alpha was tiled or expanded
};

// Checks alpha's shape and values and lays it out for the functors.
template <typename T>
absl::Status PrepareAlpha(OpKernelContext* ctx, const char* op,
                          softround::Mode mode, const TensorShape& x_shape,
                          const Tensor& alpha, AlphaInput<T>* out) {
  const auto x_dims = x_shape.dim_sizes();
  const auto alpha_dims = alpha.shape().dim_sizes();
  softround::AlphaLayout& layout = out->layout;
  if (!softround::PlanAlphaLayout({x_dims.begin(), x_dims.end()},
                                  {alpha_dims.begin(), alpha_dims.end()},
                                  &layout)) {
    return absl::InvalidArgumentError(softround::AlphaShapeError(
        op, x_shape.DebugString(), alpha.shape().DebugString()));
  }
  const T* values = alpha.template flat<T>().data();
  if (mode != softround::Mode::kSte) {
    for (int64_t i = 0; i < layout.elements; ++i) {
      const double value = static_cast<double>(values[i]);
      if (!softround::AlphaInRange(mode, value)) {
        return absl::InvalidArgumentError(softround::AlphaRangeError(
            op, mode, value, alpha.dims() == 0 ? -1 : i));
      }
    }
  }
  out->data = values;
  if (layout.source == softround::AlphaLayout::Source::kOwn) {
    return absl::OkStatus();
  }
  // Host memory on every device: alpha is an input in host memory too.
  AllocatorAttributes on_host;
  on_host.set_on_host(true);
  TF_RETURN_IF_ERROR(ctx->allocate_temp(DataTypeToEnum<T>::value,
                                        TensorShape({layout.period}),
                                        &out->storage, on_host));
  T* buffer = out->storage.template flat<T>().data();
  softround::FillAlpha(layout, values, buffer);
  out->data = buffer;
  return absl::OkStatus();
}

}  // namespace tensorflow

#endif  // SOFTROUND_KERNELS_ALPHA_INPUT_H_
