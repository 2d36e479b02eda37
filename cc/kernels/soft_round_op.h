// What the op kernels ask of each device: compute one quantity of the
// soft-round family (softround::Spec) over a flat tensor, and with
// spec.with_alpha also alpha's gradient, reduced to alpha's shape. Each
// device's file defines and instantiates its function for half, bfloat16,
// float and double.
#ifndef SOFTROUND_KERNELS_SOFT_ROUND_OP_H_
#define SOFTROUND_KERNELS_SOFT_ROUND_OP_H_

#include <cstdint>

#include "cc/kernels/alpha_input.h"
#include "softround/soft_round_math.h"
#include "tensorflow/core/framework/op_kernel.h"

namespace tensorflow {

// out[i] = F(x[i]) or dy[i] * dF(x[i]) for i in [0, n), element i using
// the alpha value that broadcasting gives it (alpha.values is alpha's own
// layout, in host memory); dy is nullptr for
// kValue. out may be x or dy. With spec.with_alpha, dalpha (alpha's shape,
// in device memory) receives the sum of the alpha terms over the elements
// that each alpha element broadcasts to.
template <typename T>
absl::Status RunSoftRoundOnCpu(OpKernelContext* ctx,
                               const softround::Spec& spec, const T* dy,
                               const T* x, const AlphaInput<T>& alpha, T* out,
                               int64_t n, T* dalpha);

template <typename T>
absl::Status RunSoftRoundOnGpu(OpKernelContext* ctx,
                               const softround::Spec& spec, const T* dy,
                               const T* x, const AlphaInput<T>& alpha, T* out,
                               int64_t n, T* dalpha);

// Explicit instantiations of a device's function for every dtype.
#define SOFTROUND_INSTANTIATE_RUN_FOR(FUNCTION, T)                            \
  template absl::Status FUNCTION<T>(OpKernelContext*, const softround::Spec&, \
                                    const T*, const T*, const AlphaInput<T>&, \
                                    T*, int64_t, T*);
#define SOFTROUND_INSTANTIATE_RUN(FUNCTION)                \
  SOFTROUND_INSTANTIATE_RUN_FOR(FUNCTION, Eigen::half)     \
  SOFTROUND_INSTANTIATE_RUN_FOR(FUNCTION, Eigen::bfloat16) \
  SOFTROUND_INSTANTIATE_RUN_FOR(FUNCTION, float)           \
  SOFTROUND_INSTANTIATE_RUN_FOR(FUNCTION, double)

// Device tags for the op kernel templates. kLoopsCheckAlpha: the device's
// run checks an alpha as large as x as it reads it (PrepareAlpha).
struct OnCpu {
  static constexpr bool kLoopsCheckAlpha = true;
  template <typename T, typename... Args>
  static absl::Status Run(Args... args) {
    return RunSoftRoundOnCpu<T>(args...);
  }
};
struct OnGpu {
  static constexpr bool kLoopsCheckAlpha = false;
  template <typename T, typename... Args>
  static absl::Status Run(Args... args) {
    return RunSoftRoundOnGpu<T>(args...);
  }
};

}  // namespace tensorflow

#endif  // SOFTROUND_KERNELS_SOFT_ROUND_OP_H_
