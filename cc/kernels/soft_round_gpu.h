// CUDA launchers of SoftRound and SoftRoundGrad over flat device arrays.
//
// No TensorFlow and no CUDA include: the op kernels, the GPU check harness
// and any other binding call these with a cudaStream_t passed as void*.
#ifndef SOFTROUND_KERNELS_SOFT_ROUND_GPU_H_
#define SOFTROUND_KERNELS_SOFT_ROUND_GPU_H_

#include <cstdint>

#include "cc/kernels/alpha_layout.h"
#include "cc/kernels/float16_bits.h"
#include "softround/soft_round_math.h"

namespace softround {
namespace gpu {

// Where each element's alpha comes from: a value passed with the launch
// (alpha_device == nullptr), or alpha_device[AlphaOffset(alpha_index, i)] in
// device memory (alpha's own layout, broadcast by index arithmetic). Pointers
// are device pointers; out may equal x (and dy). What is computed is spec
// (softround::Spec); with spec.with_alpha, alpha_products (float, or double for
// double) receives each element's alpha term. bound is the largest finite value
// of T (the inverse's derivatives saturate).
template <typename T>
struct Launch {
  void* stream;  // cudaStream_t
  Mode mode;
  const T* dy;  // derivatives only
  const T* x;
  double alpha;
  const T* alpha_device;
  AlphaIndex alpha_index;
  T* out;
  int64_t n;
  Spec spec = Spec{};
  void* alpha_products = nullptr;
  double bound = 0;
};

// Each returns a cudaError_t value (0 on success). LaunchSoftRound and
// LaunchSoftRoundGrad compute the forward value and dy * dy/dx whatever
// launch.spec says; LaunchFamily computes launch.spec.
#define SOFTROUND_DECLARE_GPU_LAUNCHERS(T)          \
  int LaunchSoftRound(const Launch<T>& launch);     \
  int LaunchSoftRoundGrad(const Launch<T>& launch); \
  int LaunchFamily(const Launch<T>& launch);

SOFTROUND_DECLARE_GPU_LAUNCHERS(float)
SOFTROUND_DECLARE_GPU_LAUNCHERS(double)
SOFTROUND_DECLARE_GPU_LAUNCHERS(Float16Bits)
SOFTROUND_DECLARE_GPU_LAUNCHERS(BFloat16Bits)
#undef SOFTROUND_DECLARE_GPU_LAUNCHERS

// sums[j] = sum of products[i] over i = j (mod period), i < n, in double;
// products is float or double (double_products). partial is device scratch
// of PeriodSumGroups(n, period) * period doubles.
int64_t PeriodSumGroups(int64_t n, int64_t period);
int LaunchPeriodSums(void* stream, const void* products, bool double_products,
                     int64_t n, int64_t period, double* partial, double* sums);

// out[j] = sums[j] rounded to T, for j < count (alpha's gradient, on the
// device).
#define SOFTROUND_DECLARE_STORE_SUMS(T) \
  int LaunchStoreSums(void* stream, const double* sums, int64_t count, T* out);
SOFTROUND_DECLARE_STORE_SUMS(float)
SOFTROUND_DECLARE_STORE_SUMS(double)
SOFTROUND_DECLARE_STORE_SUMS(Float16Bits)
SOFTROUND_DECLARE_STORE_SUMS(BFloat16Bits)
#undef SOFTROUND_DECLARE_STORE_SUMS

// cudaGetErrorString of an error returned above.
const char* ErrorString(int error);

// Copies host -> device on the stream and waits for it (the host buffer may
// be freed when it returns).
int CopyToDevice(void* stream, void* device, const void* host, int64_t bytes);
// Enqueues the copy and returns: host must be pinned and stay alive until
// the stream has run the copy.
int CopyToDeviceAsync(void* stream, void* device, const void* host,
                      int64_t bytes);
// Zeroes device memory on the stream (all-zero bits: +0 in every dtype).
int ZeroOnDevice(void* stream, void* device, int64_t bytes);
// Copies device -> host on the stream and waits for it.
int CopyToHost(void* stream, void* host, const void* device, int64_t bytes);

}  // namespace gpu
}  // namespace softround

#endif  // SOFTROUND_KERNELS_SOFT_ROUND_GPU_H_
