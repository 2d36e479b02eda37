// CUDA kernels of SoftRound and SoftRoundGrad: the math of soft_round_math.h,
// half and bfloat16 through CUDA's native conversions, 16-byte vector loads
// and stores where the pointers allow, launch sizes from the occupancy API.
#include "cc/kernels/soft_round_gpu.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <map>
#include <type_traits>
#include <utility>

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

// alpha of element i: 32-bit index arithmetic where x's size allows (GPUs
// divide 64-bit integers slowly); the branch is the same for every thread.
template <typename S>
__device__ S AlphaOf(const S* alpha, const AlphaIndex& index, bool narrow,
                     int64_t i) {
  return alpha[narrow ? AlphaOffset<uint32_t>(index, uint32_t(i))
                      : AlphaOffset<int64_t>(index, i)];
}

template <Mode M, typename S>
struct Arguments {
  const S* dy;
  const S* x;
  const S* alpha;  // nullptr: use params
  AlphaIndex alpha_index;
  bool narrow_index;
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
                            : Params(IO::Load(AlphaOf(a.alpha, a.alpha_index,
                                                      a.narrow_index, i)));
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

// Any quantity of the family, element by element (the derivative passes and
// the inverse; the forward value and slope take SoftRoundKernel).
template <typename S>
struct FamilyArguments {
  const S* dy;
  const S* x;
  const S* alpha;  // nullptr: alpha_value
  AlphaIndex alpha_index;
  bool narrow_index;
  typename Storage<S>::Compute alpha_value;
  typename Storage<S>::Compute bound;
  S* out;
  void* alpha_products;
  int64_t n;
};

template <Function F, Mode M, typename C>
__device__ Quantities<C> EvaluateFamily(C x, C alpha, C bound) {
  if constexpr (F == Function::kForward) {
    return ForwardQuantities<M>(x, ModeParams<M, C>(alpha));
  } else {
    return InverseQuantities<F == Function::kConditionalMean>(
        x, TanhInverse<C>(alpha, bound));
  }
}

template <Function F, Mode M, Quantity Q, bool kWithAlpha, typename S>
__global__ void FamilyKernel(FamilyArguments<S> a) {
  using IO = Storage<S>;
  using C = typename IO::Compute;
  using A = typename std::conditional<sizeof(C) == 8, double, float>::type;
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < a.n;
       i += stride) {
    const C alpha =
        a.alpha == nullptr
            ? a.alpha_value
            : IO::Load(AlphaOf(a.alpha, a.alpha_index, a.narrow_index, i));
    const Quantities<C> q =
        EvaluateFamily<F, M>(IO::Load(a.x[i]), alpha, a.bound);
    if constexpr (Q == Quantity::kValue) {
      a.out[i] = IO::Store(q.value);
    } else {
      const C dy = IO::Load(a.dy[i]);
      const C d = Q == Quantity::kDx       ? q.dx
                  : Q == Quantity::kDxx    ? q.dxx
                  : Q == Quantity::kDalpha ? q.dalpha
                                           : q.dx_dalpha;
      if constexpr (kWithAlpha) {
        static_cast<A*>(a.alpha_products)[i] =
            A(dy * (Q == Quantity::kDx ? q.dalpha : q.dx_dalpha));
      }
      a.out[i] = IO::Store(dy * d);
    }
  }
}

// Each thread sums one column j of one group of rows of the period-wide
// matrix of products; then one thread per column sums the groups.
template <typename A>
__global__ void GroupSumsKernel(const A* products, int64_t n, int64_t period,
                                int64_t groups, double* partial) {
  const int64_t rows = (n + period - 1) / period;
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t t = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
       t < groups * period; t += stride) {
    const int64_t group = t / period, column = t % period;
    double sum = 0;
    for (int64_t row = group * rows / groups; row < (group + 1) * rows / groups;
         ++row) {
      const int64_t i = row * period + column;
      if (i < n) sum += products[i];
    }
    partial[t] = sum;
  }
}

__global__ void ColumnSumsKernel(const double* partial, int64_t period,
                                 int64_t groups, double* sums) {
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t j = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; j < period;
       j += stride) {
    double sum = 0;
    for (int64_t group = 0; group < groups; ++group) {
      sum += partial[group * period + j];
    }
    sums[j] = sum;
  }
}

template <typename S>
__global__ void StoreSumsKernel(const double* sums, int64_t count, S* out) {
  using IO = Storage<S>;
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t j = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; j < count;
       j += stride) {
    out[j] = IO::Store(typename IO::Compute(sums[j]));
  }
}

bool NarrowIndex(int64_t n) { return n <= int64_t(UINT32_MAX); }

bool Aligned16(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % 16 == 0;
}

// Block size for full occupancy and the grid that fills the device once
// (the kernel strides over the rest), cached per kernel and device.
// Cached per kernel (its address) and device, per thread (TensorFlow runs
// ops on several threads), so it needs no lock.
template <typename Kernel>
cudaError_t LaunchShape(Kernel kernel, int64_t items, int* grid, int* block) {
  struct Shape {
    int min_grid = 0;
    int block = 0;
  };
  thread_local std::map<std::pair<const void*, int>, Shape> cache;
  int device = 0;
  cudaError_t status = cudaGetDevice(&device);
  if (status != cudaSuccess) return status;
  Shape& shape = cache[{reinterpret_cast<const void*>(kernel), device}];
  if (shape.block == 0) {
    status = cudaOccupancyMaxPotentialBlockSize(&shape.min_grid, &shape.block,
                                                kernel);
    if (status != cudaSuccess) {
      shape.block = 0;
      return status;
    }
  }
  *block = shape.block;
  const int64_t needed = (items + *block - 1) / *block;
  *grid = static_cast<int>(needed < shape.min_grid ? needed : shape.min_grid);
  if (*grid < 1) *grid = 1;
  return cudaSuccess;
}

// The launch's own status: a stale error from an earlier call is cleared
// first, so that it is not reported as this launch's.
template <typename Kernel, typename... Args>
cudaError_t LaunchKernel(Kernel kernel, int64_t items, cudaStream_t stream,
                         Args... args) {
  int grid = 0, block = 0;
  cudaGetLastError();
  cudaError_t status = LaunchShape(kernel, items, &grid, &block);
  if (status != cudaSuccess) return status;
  kernel<<<grid, block, 0, stream>>>(args...);
  return cudaGetLastError();
}

template <Mode M, bool kBackward, typename S>
int LaunchMode(const Launch<S>& launch) {
  using Compute = typename Storage<S>::Compute;
  Arguments<M, S> a{launch.dy,
                    launch.x,
                    launch.alpha_device,
                    launch.alpha_index,
                    NarrowIndex(launch.n),
                    launch.out,
                    launch.n,
                    ModeParams<M, Compute>(static_cast<Compute>(launch.alpha))};
  const bool vectorized = Aligned16(launch.x) && Aligned16(launch.out) &&
                          (!kBackward || Aligned16(launch.dy));
  const int64_t items =
      vectorized ? launch.n / kPacket<S> + kPacket<S> : launch.n;
  return LaunchKernel(SoftRoundKernel<M, kBackward, S>, items,
                      static_cast<cudaStream_t>(launch.stream), a, vectorized);
}

template <Function F, Mode M, Quantity Q, bool kWithAlpha, typename S>
int LaunchFamilyKernel(const Launch<S>& launch) {
  using C = typename Storage<S>::Compute;
  FamilyArguments<S> a{launch.dy,
                       launch.x,
                       launch.alpha_device,
                       launch.alpha_index,
                       NarrowIndex(launch.n),
                       C(launch.alpha),
                       C(launch.bound),
                       launch.out,
                       launch.alpha_products,
                       launch.n};
  return LaunchKernel(FamilyKernel<F, M, Q, kWithAlpha, S>, launch.n,
                      static_cast<cudaStream_t>(launch.stream), a);
}

template <Function F, Mode M, typename S>
int LaunchFamilyQuantity(const Launch<S>& launch) {
  const bool with_alpha = launch.spec.with_alpha;
  switch (launch.spec.quantity) {
    case Quantity::kValue:
      return LaunchFamilyKernel<F, M, Quantity::kValue, false>(launch);
    case Quantity::kDx:
      return with_alpha
                 ? LaunchFamilyKernel<F, M, Quantity::kDx, true>(launch)
                 : LaunchFamilyKernel<F, M, Quantity::kDx, false>(launch);
    case Quantity::kDxx:
      return with_alpha
                 ? LaunchFamilyKernel<F, M, Quantity::kDxx, true>(launch)
                 : LaunchFamilyKernel<F, M, Quantity::kDxx, false>(launch);
    case Quantity::kDalpha:
      return LaunchFamilyKernel<F, M, Quantity::kDalpha, false>(launch);
    case Quantity::kDxDalpha:
      return LaunchFamilyKernel<F, M, Quantity::kDxDalpha, false>(launch);
  }
  return cudaErrorInvalidValue;
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

template <typename S>
int LaunchAnyFamily(const Launch<S>& launch) {
  if (launch.n == 0) return cudaSuccess;
  const Spec& spec = launch.spec;
  const bool plain = spec.function == Function::kForward && !spec.with_alpha;
  if (plain && spec.quantity == Quantity::kValue) {
    return LaunchAnyMode<false>(launch);
  }
  if (plain && spec.quantity == Quantity::kDx) {
    return LaunchAnyMode<true>(launch);
  }
  switch (spec.function) {
    case Function::kInverse:
      return LaunchFamilyQuantity<Function::kInverse, Mode::kTanh>(launch);
    case Function::kConditionalMean:
      return LaunchFamilyQuantity<Function::kConditionalMean, Mode::kTanh>(
          launch);
    case Function::kForward:
      break;
  }
  switch (spec.mode) {
    case Mode::kTanh:
      return LaunchFamilyQuantity<Function::kForward, Mode::kTanh>(launch);
    case Mode::kSigmoid:
      return LaunchFamilyQuantity<Function::kForward, Mode::kSigmoid>(launch);
    case Mode::kSine:
      return LaunchFamilyQuantity<Function::kForward, Mode::kSine>(launch);
    case Mode::kSte:
      return LaunchFamilyQuantity<Function::kForward, Mode::kSte>(launch);
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
  }                                                  \
  int LaunchFamily(const Launch<T>& launch) { return LaunchAnyFamily(launch); }

#define SOFTROUND_DEFINE_STORE_SUMS(T)                                        \
  int LaunchStoreSums(void* stream, const double* sums, int64_t count,        \
                      T* out) {                                               \
    return LaunchKernel(StoreSumsKernel<T>, count,                            \
                        static_cast<cudaStream_t>(stream), sums, count, out); \
  }

SOFTROUND_DEFINE_GPU_LAUNCHERS(float)
SOFTROUND_DEFINE_GPU_LAUNCHERS(double)
SOFTROUND_DEFINE_GPU_LAUNCHERS(Float16Bits)
SOFTROUND_DEFINE_GPU_LAUNCHERS(BFloat16Bits)
SOFTROUND_DEFINE_STORE_SUMS(float)
SOFTROUND_DEFINE_STORE_SUMS(double)
SOFTROUND_DEFINE_STORE_SUMS(Float16Bits)
SOFTROUND_DEFINE_STORE_SUMS(BFloat16Bits)
#undef SOFTROUND_DEFINE_GPU_LAUNCHERS
#undef SOFTROUND_DEFINE_STORE_SUMS

int64_t PeriodSumGroups(int64_t n, int64_t period) {
  const int64_t rows = (n + period - 1) / period;
  // About 2^16 threads in all, never more groups than rows.
  const int64_t wanted = (int64_t(1) << 16) / period;
  return wanted < 1 ? 1 : (wanted < rows ? wanted : rows);
}

int LaunchPeriodSums(void* stream, const void* products, bool double_products,
                     int64_t n, int64_t period, double* partial, double* sums) {
  const auto cuda_stream = static_cast<cudaStream_t>(stream);
  const int64_t groups = PeriodSumGroups(n, period);
  const cudaError_t status =
      double_products
          ? LaunchKernel(GroupSumsKernel<double>, groups * period, cuda_stream,
                         static_cast<const double*>(products), n, period,
                         groups, partial)
          : LaunchKernel(GroupSumsKernel<float>, groups * period, cuda_stream,
                         static_cast<const float*>(products), n, period, groups,
                         partial);
  if (status != cudaSuccess) return status;
  return LaunchKernel(ColumnSumsKernel, period, cuda_stream,
                      static_cast<const double*>(partial), period, groups,
                      sums);
}

int CopyToHost(void* stream, void* host, const void* device, int64_t bytes) {
  const auto cuda_stream = static_cast<cudaStream_t>(stream);
  const cudaError_t status =
      cudaMemcpyAsync(host, device, bytes, cudaMemcpyDeviceToHost, cuda_stream);
  return status != cudaSuccess ? status : cudaStreamSynchronize(cuda_stream);
}

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

int CopyToDeviceAsync(void* stream, void* device, const void* host,
                      int64_t bytes) {
  return cudaMemcpyAsync(device, host, bytes, cudaMemcpyHostToDevice,
                         static_cast<cudaStream_t>(stream));
}

int ZeroOnDevice(void* stream, void* device, int64_t bytes) {
  return cudaMemsetAsync(device, 0, bytes, static_cast<cudaStream_t>(stream));
}

}  // namespace gpu
}  // namespace softround
