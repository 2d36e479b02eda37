// CUDA launchers of SoftRound and SoftRoundGrad over flat device arrays.
//
// No TensorFlow and no CUDA include: the op kernels, the GPU check harness
// and any other binding call these with a cudaStream_t passed as void*.
#ifndef SOFTROUND_KERNELS_SOFT_ROUND_GPU_H_
#define SOFTROUND_KERNELS_SOFT_ROUND_GPU_H_

#include <cstdint>

#include "cc/kernels/float16_bits.h"
#include "softround/soft_round_math.h"

namespace softround {
namespace gpu {

// Where each element's alpha comes from: a value passed with the launch
// (alpha_device == nullptr), or alpha_device[i % alpha_period] in device
// memory. Pointers are device pointers; out may equal x (and dy).
template <typename T>
struct Launch {
  void* stream;  // cudaStream_t
  Mode mode;
  const T* dy;  // backward only
  const T* x;
  double alpha;
  const T* alpha_device;
  int64_t alpha_period;
  T* out;
  int64_t n;
};

// Each returns a cudaError_t value (0 on success).
#define SOFTROUND_DECLARE_GPU_LAUNCHERS(T)      \
  int LaunchSoftRound(const Launch<T>& launch); \
  int LaunchSoftRoundGrad(const Launch<T>& launch);

SOFTROUND_DECLARE_GPU_LAUNCHERS(float)
SOFTROUND_DECLARE_GPU_LAUNCHERS(double)
SOFTROUND_DECLARE_GPU_LAUNCHERS(Float16Bits)
SOFTROUND_DECLARE_GPU_LAUNCHERS(BFloat16Bits)
#undef SOFTROUND_DECLARE_GPU_LAUNCHERS

// cudaGetErrorString of an error returned above.
const char* ErrorString(int error);

// Copies host -> device on the stream and waits for it (the host buffer may
// be freed when it returns).
int CopyToDevice(void* stream, void* device, const void* host, int64_t bytes);

}  // namespace gpu
}  // namespace softround

#endif  // SOFTROUND_KERNELS_SOFT_ROUND_GPU_H_
