// Validation and layout of the alpha input shared by both op kernels.
#ifndef SOFTROUND_KERNELS_ALPHA_INPUT_H_
#define SOFTROUND_KERNELS_ALPHA_INPUT_H_

#include <cstdint>

#include "cc/kernels/alpha_layout.h"
#include "softround/modes.h"
#include "tensorflow/core/framework/tensor.h"

namespace tensorflow {

// alpha's own values (host memory on every device) and how the CPU loops
// lay them out (softround::AlphaLayout).
template <typename T>
struct AlphaInput {
  const T* values = nullptr;
  softround::AlphaLayout layout;
};

// Checks alpha's shape and values and plans its layout.
template <typename T>
absl::Status PrepareAlpha(const char* op, softround::Mode mode,
                          const TensorShape& x_shape, const Tensor& alpha,
                          AlphaInput<T>* out) {
  softround::AlphaLayout& layout = out->layout;
  // A scalar alpha (the common case) needs no plan: the default layout, and
  // no dimension vectors allocated on every small eager call.
  const auto x_dims = x_shape.dim_sizes();
  const auto alpha_dims = alpha.shape().dim_sizes();
  if (alpha.dims() != 0 &&
      !softround::PlanAlphaLayout({x_dims.begin(), x_dims.end()},
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
  out->values = values;
  return absl::OkStatus();
}

}  // namespace tensorflow

#endif  // SOFTROUND_KERNELS_ALPHA_INPUT_H_
