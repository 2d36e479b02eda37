// What the op kernels ask of each device: compute SoftRound (dy == nullptr)
// or SoftRoundGrad over a flat tensor. Each device's file defines and
// instantiates its function for half, bfloat16, float and double.
#ifndef SOFTROUND_KERNELS_SOFT_ROUND_OP_H_
#define SOFTROUND_KERNELS_SOFT_ROUND_OP_H_

#include <cstdint>

#include "cc/kernels/alpha_input.h"
#include "softround/soft_round_math.h"
#include "tensorflow/core/framework/op_kernel.h"

namespace tensorflow {

// out[i] = SoftRound(x[i]) or dy[i] * dy/dx(x[i]) for i in [0, n), where
// element i uses alpha.data[i % alpha.period] (alpha is in host memory).
// out may be x or dy.
template <typename T>
absl::Status RunSoftRoundOnCpu(OpKernelContext* ctx, softround::Mode mode,
                               const T* dy, const T* x,
                               const AlphaInput<T>& alpha, T* out, int64_t n);

template <typename T>
absl::Status RunSoftRoundOnGpu(OpKernelContext* ctx, softround::Mode mode,
                               const T* dy, const T* x,
                               const AlphaInput<T>& alpha, T* out, int64_t n);

// Explicit instantiations of a device's function for every dtype.
#define SOFTROUND_INSTANTIATE_RUN_FOR(FUNCTION, T)                            \
  template absl::Status FUNCTION<T>(OpKernelContext*, softround::Mode,        \
                                    const T*, const T*, const AlphaInput<T>&, \
                                    T*, int64_t);
#define SOFTROUND_INSTANTIATE_RUN(FUNCTION)                \
  SOFTROUND_INSTANTIATE_RUN_FOR(FUNCTION, Eigen::half)     \
  SOFTROUND_INSTANTIATE_RUN_FOR(FUNCTION, Eigen::bfloat16) \
  SOFTROUND_INSTANTIATE_RUN_FOR(FUNCTION, float)           \
  SOFTROUND_INSTANTIATE_RUN_FOR(FUNCTION, double)

// Device tags for the op kernel templates.
struct OnCpu {
  template <typename T, typename... Args>
  static absl::Status Run(Args... args) {
    return RunSoftRoundOnCpu<T>(args...);
  }
};
struct OnGpu {
  template <typename T, typename... Args>
  static absl::Status Run(Args... args) {
    return RunSoftRoundOnGpu<T>(args...);
  }
};

}  // namespace tensorflow

#endif  // SOFTROUND_KERNELS_SOFT_ROUND_OP_H_
