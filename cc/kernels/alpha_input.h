// Validation and layout of the alpha input shared by both op kernels.
#ifndef SOFTROUND_KERNELS_ALPHA_INPUT_H_
#define SOFTROUND_KERNELS_ALPHA_INPUT_H_

#include <cstdint>

#include "cc/kernels/alpha_check.h"
#include "cc/kernels/alpha_layout.h"
#include "cc/kernels/cpu_family.h"
#include "cc/kernels/storage.h"
#include "softround/modes.h"
#include "tensorflow/core/framework/tensor.h"

namespace tensorflow {

// alpha's own values (host memory on every device) and how the CPU loops
// lay them out (softround::AlphaLayout); scalar: alpha has rank 0.
template <typename T>
struct AlphaInput {
  const T* values = nullptr;
  softround::AlphaLayout layout;
  bool scalar = true;
};

// The error for alpha's value at index, which its mode does not accept.
template <typename T>
absl::Status AlphaValueError(const char* op, softround::Mode mode,
                             const AlphaInput<T>& alpha, int64_t index) {
  return absl::InvalidArgumentError(softround::AlphaRangeError(
      op, mode, static_cast<double>(alpha.values[index]),
      alpha.scalar ? -1 : index));
}

// Checks alpha's shape and plans its layout; checks its values too, unless
// loops_check_values and the CPU loops check them as they read them
// (softround::cpu::ChecksAlphaValues: alpha as large as x).
template <typename T>
absl::Status PrepareAlpha(const char* op, const softround::Spec& spec,
                          const TensorShape& x_shape, const Tensor& alpha,
                          bool loops_check_values, AlphaInput<T>* out) {
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
  out->values = alpha.template flat<T>().data();
  out->scalar = alpha.dims() == 0;
  if (loops_check_values &&
      softround::cpu::ChecksAlphaValues(spec, layout, x_shape.num_elements())) {
    return absl::OkStatus();
  }
  const int64_t bad = softround::cpu::FirstAlphaOutOfRange(
      spec.mode, AsStorage(out->values), layout.elements);
  return bad < 0 ? absl::OkStatus() : AlphaValueError(op, spec.mode, *out, bad);
}

}  // namespace tensorflow

#endif  // SOFTROUND_KERNELS_ALPHA_INPUT_H_
