// Functors of SoftRound and SoftRoundGrad, one per device. Only Eigen and
// the math header are included, so that a CUDA file can implement them.
#ifndef SOFTROUND_KERNELS_SOFT_ROUND_OP_H_
#define SOFTROUND_KERNELS_SOFT_ROUND_OP_H_

#include <cstdint>

#include "softround/soft_round_math.h"

namespace tensorflow {
namespace functor {

// Element i of x uses alpha[i % alpha_period]: a scalar alpha has period 1,
// a per-channel alpha the channel count, a full-shape alpha the size of x.
template <typename Device, typename T>
struct SoftRoundFunctor {
  // y[i] = SoftRound(x[i], alpha) for i in [0, n); y may be x.
  void operator()(const Device& device, softround::Mode mode, const T* x,
                  const T* alpha, int64_t alpha_period, T* y, int64_t n);
};

template <typename Device, typename T>
struct SoftRoundGradFunctor {
  // dx[i] = dy[i] * dy/dx(x[i], alpha) for i in [0, n); dx may be dy or x.
  void operator()(const Device& device, softround::Mode mode, const T* dy,
                  const T* x, const T* alpha, int64_t alpha_period, T* dx,
                  int64_t n);
};

}  // namespace functor
}  // namespace tensorflow

#endif  // SOFTROUND_KERNELS_SOFT_ROUND_OP_H_
