// CUDA kernels of SoftRound and SoftRoundGrad: the math of soft_round_math.h,
// half and bfloat16 through CUDA's native conversions, 16-byte vector loads
// and stores where the pointers allow, launch sizes from the occupancy API.
#include "cc/kernels/soft_round_gpu.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace softround {
namespace gpu {
namespace {

template <typename S>
struct Storage {
  using Compute = S;
  __device__ static S Load(S v) { return v; }
  __device__ static S Store(S v) { return v; }
};
template <>
struct Storage<Float16Bits> {
  using Compute = float;
  __device__ static float Load(Float16Bits v) {
    return __half2float(__ushort_as_half(v.bits));
  }
  __device__ static Float16Bits Store(float v) {
    return Float16Bits{__half_as_ushort(__float2half_rn(v))};
  }
};
template <>
struct Storage<BFloat16Bits> {
  using Compute = float;
  __device__ static float Load(BFloat16Bits v) {
    return __bfloat162float(__ushort_as_bfloat16(v.bits));
  }
  __device__ static BFloat16Bits Store(float v) {
    return BFloat16Bits{__bfloat16_as_ushort(__float2bfloat16_rn(v))};
  }
};

// Elements per 16-byte vector access.
template <typename S>
constexpr int kPacket = 16 / sizeof(S);

template <typename S>
struct alignas(16) Packet {
  S v[kPacket<S>];
};

template <Mode M, typename S>
struct Arguments {
  const S* dy;
  const S* x;
  const S* alpha;  // nullptr: use params
  int64_t alpha_period;
  S* out;
  int64_t n;
  ModeParams<M, typename Storage<S>::Compute> params;
};

template <Mode M, bool kBackward, typename S>
__device__ S Element(const Arguments<M, S>& a, int64_t i, S x, S dy) {
  using IO = Storage<S>;
  using Params = ModeParams<M, typename IO::Compute>;
  const Params params = a.alpha == nullptr
                            ? a.params
                            : Params(IO::Load(a.alpha[i % a.alpha_period]));
  if constexpr (kBackward) {
    return IO::Store(IO::Load(dy) * SoftRoundSlope<M>(IO::Load(x), params));
  } else {
    return IO::Store(SoftRound<M>(IO::Load(x), params));
  }
}

// Grid-stride over 16-byte packets when every pointer is 16-byte aligned;
// the remaining elements (or all, unaligned) one by one.
template <Mode M, bool kBackward, typename S>
__global__ void SoftRoundKernel(Arguments<M, S> a, bool vectorized) {
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  const int64_t first = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  int64_t scalar_start = 0;
  if (vectorized) {
    const int64_t packets = a.n / kPacket<S>;
    for (int64_t p = first; p < packets; p += stride) {
      const Packet<S> x = reinterpret_cast<const Packet<S>*>(a.x)[p];
      Packet<S> dy;
      if constexpr (kBackward) dy = reinterpret_cast<const Packet<S>*>(a.dy)[p];
      Packet<S> out;
#pragma unroll
      for (int k = 0; k < kPacket<S>; ++k) {
        out.v[k] = Element<M, kBackward>(a, p * kPacket<S> + k, x.v[k],
                                         kBackward ? dy.v[k] : x.v[k]);
      }
      reinterpret_cast<Packet<S>*>(a.out)[p] = out;
    }
    scalar_start = packets * kPacket<S>;
  }
  for (int64_t i = scalar_start + first; i < a.n; i += stride) {
    a.out[i] =
        Element<M, kBackward>(a, i, a.x[i], kBackward ? a.dy[i] : a.x[i]);
  }
}

bool Aligned16(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % 16 == 0;
}

// Block size for full occupancy and the grid that fills the device once
// (the kernel strides over the rest), cached per kernel and device.
template <typename Kernel>
cudaError_t LaunchShape(Kernel kernel, int64_t items, int* grid, int* block) {
  constexpr int kMaxDevices = 64;
  static int block_size[kMaxDevices] = {};
  static int min_grid[kMaxDevices] = {};
  int device = 0;
  cudaError_t status = cudaGetDevice(&device);
  if (status != cudaSuccess) return status;
  const int slot = device < kMaxDevices ? device : kMaxDevices - 1;
  if (block_size[slot] == 0 || device >= kMaxDevices) {
    status = cudaOccupancyMaxPotentialBlockSize(&min_grid[slot],
                                                &block_size[slot], kernel);
    if (status != cudaSuccess) return status;
  }
  *block = block_size[slot];
  const int64_t needed = (items + *block - 1) / *block;
  *grid = static_cast<int>(needed < min_grid[slot] ? needed : min_grid[slot]);
  if (*grid < 1) *grid = 1;
  return cudaSuccess;
}

template <Mode M, bool kBackward, typename S>
int LaunchMode(const Launch<S>& launch) {
  using Compute = typename Storage<S>::Compute;
  Arguments<M, S> a{launch.dy,
                    launch.x,
                    launch.alpha_device,
                    launch.alpha_period,
                    launch.out,
                    launch.n,
                    ModeParams<M, Compute>(static_cast<Compute>(launch.alpha))};
  const bool vectorized = Aligned16(launch.x) && Aligned16(launch.out) &&
                          (!kBackward || Aligned16(launch.dy));
  const int64_t items =
      vectorized ? launch.n / kPacket<S> + kPacket<S> : launch.n;
  auto kernel = SoftRoundKernel<M, kBackward, S>;
  int grid = 0, block = 0;
  cudaError_t status = LaunchShape(kernel, items, &grid, &block);
  if (status != cudaSuccess) return status;
  kernel<<<grid, block, 0, static_cast<cudaStream_t>(launch.stream)>>>(
      a, vectorized);
  return cudaGetLastError();
}

template <bool kBackward, typename S>
int LaunchAnyMode(const Launch<S>& launch) {
  if (launch.n == 0) return cudaSuccess;
  switch (launch.mode) {
    case Mode::kTanh:
      return LaunchMode<Mode::kTanh, kBackward>(launch);
    case Mode::kSigmoid:
      return LaunchMode<Mode::kSigmoid, kBackward>(launch);
    case Mode::kSine:
      return LaunchMode<Mode::kSine, kBackward>(launch);
    case Mode::kSte:
      return LaunchMode<Mode::kSte, kBackward>(launch);
  }
  return cudaErrorInvalidValue;
}

}  // namespace

#define SOFTROUND_DEFINE_GPU_LAUNCHERS(T)            \
  int LaunchSoftRound(const Launch<T>& launch) {     \
    return LaunchAnyMode<false>(launch);             \
  }                                                  \
  int LaunchSoftRoundGrad(const Launch<T>& launch) { \
    return LaunchAnyMode<true>(launch);              \
  }

SOFTROUND_DEFINE_GPU_LAUNCHERS(float)
SOFTROUND_DEFINE_GPU_LAUNCHERS(double)
SOFTROUND_DEFINE_GPU_LAUNCHERS(Float16Bits)
SOFTROUND_DEFINE_GPU_LAUNCHERS(BFloat16Bits)
#undef SOFTROUND_DEFINE_GPU_LAUNCHERS

const char* ErrorString(int error) {
  return cudaGetErrorString(static_cast<cudaError_t>(error));
}

int CopyToDevice(void* stream, void* device, const void* host, int64_t bytes) {
  const auto cuda_stream = static_cast<cudaStream_t>(stream);
  const cudaError_t status =
      cudaMemcpyAsync(device, host, bytes, cudaMemcpyHostToDevice, cuda_stream);
  // Waits, so that the host buffer (pinned or not) may be freed at once.
  return status != cudaSuccess ? status : cudaStreamSynchronize(cuda_stream);
}

}  // namespace gpu
}  // namespace softround
