// GPU check without TensorFlow: runs the CUDA launchers on device memory,
// compares them with the CPU loops (the kernels TensorFlow runs on the CPU)
// for every mode, dtype and alpha layout, special values included (and the
// family: inverse, conditional mean, second and alpha derivatives, and the
// TensorFlow glue's broadcast alpha, staging, stream and in-place use), then
// measures the bandwidth of the forward and backward kernels against a
// device-to-device copy. Prints one summary line last.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "cc/kernels/alpha_layout.h"
#include "cc/kernels/cpu_family.h"
#include "cc/kernels/soft_round_cpu.h"
#include "cc/kernels/soft_round_gpu.h"
#include "softround/modes.h"

using softround::BFloat16Bits;
using softround::Float16Bits;
using softround::Mode;

namespace {

#define CHECK_CUDA(call)                                      \
  do {                                                        \
    cudaError_t status_ = (call);                             \
    if (status_ != cudaSuccess) {                             \
      std::fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, \
                   cudaGetErrorString(status_));              \
      std::exit(2);                                           \
    }                                                         \
  } while (0)

// Conversions between the storage types and double, on the host.
double ToDouble(float v) { return v; }
double ToDouble(double v) { return v; }
double ToDouble(Float16Bits v) { return softround::Float16ToFloat(v); }
double ToDouble(BFloat16Bits v) { return softround::BFloat16ToFloat(v); }
template <typename S>
S FromDouble(double v);
template <>
float FromDouble<float>(double v) {
  return static_cast<float>(v);
}
template <>
double FromDouble<double>(double v) {
  return v;
}
template <>
Float16Bits FromDouble<Float16Bits>(double v) {
  return softround::FloatToFloat16(static_cast<float>(v));
}
template <>
BFloat16Bits FromDouble<BFloat16Bits>(double v) {
  return softround::FloatToBFloat16(static_cast<float>(v));
}

// Tolerance between two correct implementations that differ only in FMA
// contraction: a few ulp of the compute type relative to max(1, |value|);
// for 16-bit types, one unit of the stored type.
template <typename S>
double Tolerance(double value) {
  const double scale = std::max(1.0, std::fabs(value));
  if (std::is_same<S, double>::value) return 16 * 2.2e-16 * scale;
  if (std::is_same<S, float>::value) return 16 * 1.2e-7 * scale;
  const double bits = std::is_same<S, Float16Bits>::value ? 10 : 7;
  return std::ldexp(1.0, static_cast<int>(std::floor(std::log2(scale))) -
                             static_cast<int>(bits));
}

bool Close(double gpu, double cpu, double tolerance) {
  if (std::isnan(cpu)) return std::isnan(gpu);
  if (std::isinf(cpu)) return gpu == cpu;
  return std::fabs(gpu - cpu) <= tolerance;
}

template <typename S>
std::vector<double> Inputs(int64_t n, double largest) {
  std::vector<double> x = {0.0,  0.5,  -0.5,    1.0,     -1.0, 1.5,
                           -1.5, 2.5,  1e-3,    -1e-3,   0.25, 0.75,
                           3.0,  -7.0, largest, -largest};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  x.insert(x.end(), {nan, inf, -inf});
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> spread(-50, 50);
  while (static_cast<int64_t>(x.size()) < n) x.push_back(spread(rng));
  return x;
}

void ExitOnLaunchError(int status) {
  if (status == 0) return;
  std::fprintf(stderr, "launch failed: %s\n",
               softround::gpu::ErrorString(status));
  std::exit(2);
}

// Elements where the GPU and the CPU disagree beyond Tolerance; the first one.
template <typename S>
int64_t CountMismatches(const std::vector<S>& gpu, const std::vector<S>& cpu,
                        int64_t* first_bad) {
  int64_t bad = 0;
  for (size_t i = 0; i < cpu.size(); ++i) {
    const double want = ToDouble(cpu[i]);
    if (!Close(ToDouble(gpu[i]), want, Tolerance<S>(want))) {
      if (bad++ == 0) *first_bad = static_cast<int64_t>(i);
    }
  }
  return bad;
}

struct Counts {
  int passed = 0;
  int failed = 0;
};

void Tally(bool passed, Counts* counts) {
  ++(passed ? counts->passed : counts->failed);
}

template <typename S>
void CheckDtype(const char* dtype, double largest, double largest_alpha,
                Counts* counts) {
  // Odd, so that the vector loop leaves a tail; +1 offset tests unaligned.
  const int64_t n = (1 << 16) + 5;
  std::vector<S> x(n), dy(n);
  const std::vector<double> xs = Inputs<S>(n, largest);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> upstream(0.5, 2.0);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = FromDouble<S>(xs[i]);
    dy[i] = FromDouble<S>(upstream(rng));
  }
  // One spare element so that the data can start unaligned.
  S *d_x, *d_dy, *d_out, *d_alpha;
  CHECK_CUDA(cudaMalloc(&d_x, (n + 1) * sizeof(S)));
  CHECK_CUDA(cudaMalloc(&d_dy, (n + 1) * sizeof(S)));
  CHECK_CUDA(cudaMalloc(&d_out, (n + 1) * sizeof(S)));
  CHECK_CUDA(cudaMalloc(&d_alpha, n * sizeof(S)));

  struct ModeAlphas {
    Mode mode;
    std::vector<double> alphas;
  };
  const std::vector<ModeAlphas> cases = {
      {Mode::kTanh, {0.0, 1e-4, 0.5, 5.0, 40.0, 100.0, largest_alpha}},
      {Mode::kSigmoid, {0.5, 10.0, 300.0}},
      {Mode::kSine, {0.05, 0.5, 1.0}},
      {Mode::kSte, {0.0}}};
  std::vector<S> cpu(n), gpu(n), alpha_full(n);
  for (const ModeAlphas& c : cases) {
    for (double alpha : c.alphas) {
      // Layouts: one alpha; alpha[i % 7] of varying values; then each with
      // aligned and unaligned (offset by one element) data.
      for (int layout = 0; layout < 4; ++layout) {
        const bool per_element = layout % 2 == 1;
        const int offset = layout / 2;
        const int64_t period = per_element ? 7 : 1;
        std::vector<S> alpha_values(period);
        for (int64_t j = 0; j < period; ++j) {
          alpha_values[j] = FromDouble<S>(alpha * (1.0 - 0.05 * j));
        }
        for (int64_t i = 0; i < n; ++i)
          alpha_full[i] = alpha_values[i % period];
        CHECK_CUDA(cudaMemcpy(d_alpha, alpha_values.data(), period * sizeof(S),
                              cudaMemcpyHostToDevice));
        CHECK_CUDA(cudaMemcpy(d_x + offset, x.data(), n * sizeof(S),
                              cudaMemcpyHostToDevice));
        CHECK_CUDA(cudaMemcpy(d_dy + offset, dy.data(), n * sizeof(S),
                              cudaMemcpyHostToDevice));
        for (int backward = 0; backward < 2; ++backward) {
          if (backward) {
            softround::cpu::SoftRoundBackward(c.mode, dy.data(), x.data(),
                                              alpha_full.data(), true,
                                              cpu.data(), n);
          } else {
            softround::cpu::SoftRoundForward(
                c.mode, x.data(), alpha_full.data(), true, cpu.data(), n);
          }
          const softround::gpu::Launch<S> launch{
              nullptr,
              c.mode,
              d_dy + offset,
              d_x + offset,
              ToDouble(alpha_values[0]),
              per_element ? d_alpha : nullptr,
              softround::PeriodicAlphaIndex(period),
              d_out + offset,
              n};
          const int status = backward
                                 ? softround::gpu::LaunchSoftRoundGrad(launch)
                                 : softround::gpu::LaunchSoftRound(launch);
          ExitOnLaunchError(status);
          CHECK_CUDA(cudaMemcpy(gpu.data(), launch.out, n * sizeof(S),
                                cudaMemcpyDeviceToHost));
          int64_t first_bad = -1;
          int64_t bad = CountMismatches(gpu, cpu, &first_bad);
          if (bad == 0) {
            ++counts->passed;
          } else {
            ++counts->failed;
            std::printf(
                "FAIL %s %s alpha=%g %s %s %s: %lld elements differ, first "
                "x=%g gpu=%.17g cpu=%.17g\n",
                dtype, softround::ModeName(c.mode), alpha,
                per_element ? "per-element" : "scalar",
                offset ? "unaligned" : "aligned",
                backward ? "backward" : "forward", static_cast<long long>(bad),
                ToDouble(x[first_bad]), ToDouble(gpu[first_bad]),
                ToDouble(cpu[first_bad]));
          }
        }
      }
    }
  }
  cudaFree(d_x);
  cudaFree(d_dy);
  cudaFree(d_out);
  cudaFree(d_alpha);
  std::printf("%-9s checked\n", dtype);
}

// The family's other kernels (second derivatives, alpha derivatives, the
// inverse and the conditional mean, alpha's terms) against the CPU loops,
// scalar and periodic alpha. largest_finite is S's largest value, where the
// inverse's derivatives saturate.
template <typename S>
void CheckFamily(const char* dtype, double largest_finite, Counts* counts) {
  using softround::Function;
  using softround::Quantity;
  using A = typename std::conditional<std::is_same<S, double>::value, double,
                                      float>::type;
  const int64_t n = (1 << 14) + 5;
  std::vector<S> x(n), dy(n), cpu(n), gpu(n), alpha_full(n);
  const std::vector<double> xs = Inputs<S>(n, 1e3);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = FromDouble<S>(xs[i]);
    dy[i] = FromDouble<S>(0.5 + 1e-4 * (i % 1000));
  }
  S *d_x, *d_dy, *d_out, *d_alpha;
  A* d_products;
  CHECK_CUDA(cudaMalloc(&d_x, n * sizeof(S)));
  CHECK_CUDA(cudaMalloc(&d_dy, n * sizeof(S)));
  CHECK_CUDA(cudaMalloc(&d_out, n * sizeof(S)));
  CHECK_CUDA(cudaMalloc(&d_alpha, n * sizeof(S)));
  CHECK_CUDA(cudaMalloc(&d_products, n * sizeof(A)));
  CHECK_CUDA(cudaMemcpy(d_x, x.data(), n * sizeof(S), cudaMemcpyHostToDevice));
  CHECK_CUDA(
      cudaMemcpy(d_dy, dy.data(), n * sizeof(S), cudaMemcpyHostToDevice));
  struct Case {
    Function function;
    Mode mode;
    double alpha;
  };
  const std::vector<Case> cases = {
      {Function::kForward, Mode::kTanh, 5.0},
      {Function::kForward, Mode::kSigmoid, 10.0},
      {Function::kForward, Mode::kSine, 0.5},
      {Function::kInverse, Mode::kTanh, 0.5},
      {Function::kInverse, Mode::kTanh, 5.0},
      {Function::kInverse, Mode::kTanh, 200.0},
      {Function::kConditionalMean, Mode::kTanh, 5.0}};
  const Quantity quantities[] = {Quantity::kValue, Quantity::kDx,
                                 Quantity::kDxx, Quantity::kDalpha,
                                 Quantity::kDxDalpha};
  std::vector<A> cpu_products(n), gpu_products(n);
  for (const Case& c : cases) {
    for (int per_element = 0; per_element < 2; ++per_element) {
      const int64_t period = per_element ? 7 : 1;
      std::vector<S> alpha_values(period);
      for (int64_t j = 0; j < period; ++j) {
        alpha_values[j] = FromDouble<S>(c.alpha * (1.0 - 0.05 * j));
      }
      for (int64_t i = 0; i < n; ++i) alpha_full[i] = alpha_values[i % period];
      CHECK_CUDA(cudaMemcpy(d_alpha, alpha_values.data(), period * sizeof(S),
                            cudaMemcpyHostToDevice));
      for (Quantity q : quantities) {
        for (int with_alpha = 0; with_alpha < 2; ++with_alpha) {
          if (with_alpha && q != Quantity::kDx && q != Quantity::kDxx) continue;
          const softround::Spec spec{c.mode, c.function, q, with_alpha == 1};
          softround::cpu::RunLoop(
              spec, dy.data(), x.data(),
              per_element ? alpha_full.data() : alpha_values.data(),
              per_element == 1, cpu.data(),
              with_alpha ? cpu_products.data() : nullptr, n);
          softround::gpu::Launch<S> launch{
              nullptr,
              c.mode,
              d_dy,
              d_x,
              ToDouble(alpha_values[0]),
              per_element ? d_alpha : nullptr,
              softround::PeriodicAlphaIndex(period),
              d_out,
              n,
              spec,
              with_alpha ? d_products : nullptr,
              largest_finite};
          const int status = softround::gpu::LaunchFamily(launch);
          ExitOnLaunchError(status);
          CHECK_CUDA(cudaMemcpy(gpu.data(), d_out, n * sizeof(S),
                                cudaMemcpyDeviceToHost));
          int64_t first_bad = -1;
          int64_t bad = CountMismatches(gpu, cpu, &first_bad);
          // alpha's terms: per element, or (scalar alpha) the CPU's sum.
          if (with_alpha) {
            CHECK_CUDA(cudaMemcpy(gpu_products.data(), d_products,
                                  n * sizeof(A), cudaMemcpyDeviceToHost));
            double sum = 0, scale = 0;
            for (int64_t i = 0; i < n; ++i) {
              sum += gpu_products[i];
              scale += std::fabs(gpu_products[i]);
              if (per_element && !Close(gpu_products[i], cpu_products[i],
                                        Tolerance<A>(cpu_products[i]))) {
                ++bad;
              }
            }
            if (!per_element &&
                !Close(sum, cpu_products[0], 1e-4 * std::max(1.0, scale))) {
              ++bad;
            }
          }
          if (bad == 0) {
            ++counts->passed;
          } else {
            ++counts->failed;
            std::printf(
                "FAIL %s %s %s alpha=%g %s quantity %d%s: %lld differ, "
                "first x=%g gpu=%.17g cpu=%.17g\n",
                dtype, softround::FunctionName(c.function),
                softround::ModeName(c.mode), c.alpha,
                per_element ? "per-element" : "scalar", static_cast<int>(q),
                with_alpha ? " with alpha" : "", static_cast<long long>(bad),
                first_bad < 0 ? 0.0 : ToDouble(x[first_bad]),
                first_bad < 0 ? 0.0 : ToDouble(gpu[first_bad]),
                first_bad < 0 ? 0.0 : ToDouble(cpu[first_bad]));
          }
        }
      }
    }
  }
  cudaFree(d_x);
  cudaFree(d_dy);
  cudaFree(d_out);
  cudaFree(d_alpha);
  cudaFree(d_products);
  std::printf("%-9s family checked\n", dtype);
}

// What the TensorFlow glue does around the kernels (soft_round_op_gpu.cc):
// x of shape (N, C, H, W) with alpha per channel (C, 1, 1) read in place by
// index arithmetic, or per column (W); alpha staged through pinned memory
// and copied without waiting; a non-default stream; the output written over
// x; alpha's gradient summed per column on the device, or folded on the host
// for the per-channel alpha. Compared with the CPU op's runner.
template <typename S>
void CheckGlue(const char* dtype, double largest_finite, Counts* counts) {
  using softround::AlphaIndex;
  using softround::AlphaLayout;
  using A = typename softround::cpu::AccumulatorOf<S>::Type;
  const std::vector<int64_t> x_dims = {3, 5, 17, 19};
  const int64_t n = softround::ElementCount(x_dims);
  const std::vector<double> xs = Inputs<S>(n, 50.0);
  std::vector<S> x(n), dy(n);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = FromDouble<S>(xs[i]);
    dy[i] = FromDouble<S>(0.5 + 1e-3 * (i % 997));
  }
  cudaStream_t stream;
  CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  S *d_x, *d_dy, *d_alpha, *d_dalpha;
  A* d_products;
  double *d_partial, *d_sums;
  CHECK_CUDA(cudaMalloc(&d_x, n * sizeof(S)));
  CHECK_CUDA(cudaMalloc(&d_dy, n * sizeof(S)));
  CHECK_CUDA(cudaMalloc(&d_alpha, n * sizeof(S)));
  CHECK_CUDA(cudaMalloc(&d_dalpha, n * sizeof(S)));
  CHECK_CUDA(cudaMalloc(&d_products, n * sizeof(A)));
  CHECK_CUDA(cudaMalloc(&d_partial, (1 << 17) * sizeof(double)));
  CHECK_CUDA(cudaMalloc(&d_sums, n * sizeof(double)));
  const std::vector<std::vector<int64_t>> alpha_shapes = {{5, 1, 1}, {19}};
  for (const std::vector<int64_t>& alpha_dims : alpha_shapes) {
    AlphaLayout layout;
    AlphaIndex index;
    PlanAlphaLayout(x_dims, alpha_dims, &layout);
    softround::MakeAlphaIndex(layout.dims, x_dims, &index);
    std::vector<S> alpha(layout.elements), laid_out(layout.period);
    for (int64_t j = 0; j < layout.elements; ++j) {
      alpha[j] = FromDouble<S>(4.0 + 0.25 * j);
    }
    softround::FillAlpha(layout, alpha.data(), laid_out.data());
    for (int with_alpha = 0; with_alpha < 2; ++with_alpha) {
      const softround::Spec spec{Mode::kTanh, softround::Function::kForward,
                                 softround::Quantity::kDx, with_alpha == 1};
      // The CPU op: its runner, serial.
      std::vector<S> cpu(n), cpu_dalpha(layout.elements);
      std::vector<A> cpu_terms(n);
      softround::cpu::RunFamily(
          spec, dy.data(), x.data(),
          softround::FillsAlpha(layout) ? laid_out.data() : alpha.data(),
          layout, cpu.data(), n, with_alpha ? cpu_dalpha.data() : nullptr,
          cpu_terms.data(),
          [](int64_t units, const softround::cpu::WorkCost&, auto&& body) {
            body(0, units);
          });
      // The GPU op's way: pinned staging, no wait, in place on dy.
      S* pinned;
      CHECK_CUDA(cudaMallocHost(&pinned, layout.elements * sizeof(S)));
      std::copy(alpha.begin(), alpha.end(), pinned);
      CHECK_CUDA(cudaMemcpyAsync(d_x, x.data(), n * sizeof(S),
                                 cudaMemcpyHostToDevice, stream));
      CHECK_CUDA(cudaMemcpyAsync(d_dy, dy.data(), n * sizeof(S),
                                 cudaMemcpyHostToDevice, stream));
      ExitOnLaunchError(softround::gpu::CopyToDeviceAsync(
          stream, d_alpha, pinned, layout.elements * sizeof(S)));
      softround::gpu::Launch<S> launch{stream,
                                       Mode::kTanh,
                                       d_dy,
                                       d_x,
                                       ToDouble(alpha[0]),
                                       d_alpha,
                                       index,
                                       d_dy,
                                       n,
                                       spec,
                                       with_alpha ? d_products : nullptr,
                                       largest_finite};
      ExitOnLaunchError(softround::gpu::LaunchFamily(launch));
      std::vector<S> gpu(n), gpu_dalpha(layout.elements);
      if (with_alpha && softround::IsTrailingIndex(index)) {
        ExitOnLaunchError(softround::gpu::LaunchPeriodSums(
            stream, d_products, sizeof(A) == sizeof(double), n, layout.elements,
            d_partial, d_sums));
        ExitOnLaunchError(softround::gpu::LaunchStoreSums(
            stream, d_sums, layout.elements, d_dalpha));
        CHECK_CUDA(cudaMemcpyAsync(gpu_dalpha.data(), d_dalpha,
                                   layout.elements * sizeof(S),
                                   cudaMemcpyDeviceToHost, stream));
      } else if (with_alpha) {
        std::vector<A> terms(n);
        CHECK_CUDA(cudaMemcpyAsync(terms.data(), d_products, n * sizeof(A),
                                   cudaMemcpyDeviceToHost, stream));
        CHECK_CUDA(cudaStreamSynchronize(stream));
        AlphaLayout expanded = layout;
        expanded.source = AlphaLayout::Source::kExpanded;
        expanded.period = n;
        std::vector<double> totals(layout.elements);
        softround::FoldAlphaSums(expanded, terms.data(), totals.data());
        for (int64_t j = 0; j < layout.elements; ++j) {
          gpu_dalpha[j] = FromDouble<S>(totals[j]);
        }
      }
      CHECK_CUDA(cudaMemcpyAsync(gpu.data(), d_dy, n * sizeof(S),
                                 cudaMemcpyDeviceToHost, stream));
      CHECK_CUDA(cudaStreamSynchronize(stream));
      CHECK_CUDA(cudaFreeHost(pinned));
      int64_t first_bad = -1;
      int64_t bad = CountMismatches(gpu, cpu, &first_bad);
      double scale = 0;
      for (int64_t i = 0; i < n; ++i) scale += std::fabs(ToDouble(dy[i]));
      for (int64_t j = 0; with_alpha && j < layout.elements; ++j) {
        const double want = ToDouble(cpu_dalpha[j]);
        if (!Close(ToDouble(gpu_dalpha[j]), want,
                   1e-4 * scale + Tolerance<S>(want))) {
          ++bad;
        }
      }
      Tally(bad == 0, counts);
      if (bad != 0) {
        std::printf("FAIL %s glue: alpha of %zu axes%s: %lld differ\n", dtype,
                    alpha_dims.size(), with_alpha ? " with its gradient" : "",
                    static_cast<long long>(bad));
      }
    }
  }
  cudaFree(d_x);
  cudaFree(d_dy);
  cudaFree(d_alpha);
  cudaFree(d_dalpha);
  cudaFree(d_products);
  cudaFree(d_partial);
  cudaFree(d_sums);
  CHECK_CUDA(cudaStreamDestroy(stream));
  std::printf("%-9s glue checked\n", dtype);
}

// Median seconds of reps runs of fn on the default stream.
template <typename Fn>
double MedianSeconds(Fn fn, int reps) {
  cudaEvent_t start, stop;
  CHECK_CUDA(cudaEventCreate(&start));
  CHECK_CUDA(cudaEventCreate(&stop));
  fn();  // warm-up
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    CHECK_CUDA(cudaEventRecord(start));
    fn();
    CHECK_CUDA(cudaEventRecord(stop));
    CHECK_CUDA(cudaEventSynchronize(stop));
    float ms = 0;
    CHECK_CUDA(cudaEventElapsedTime(&ms, start, stop));
    times.push_back(ms * 1e-3);
  }
  std::sort(times.begin(), times.end());
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return times[times.size() / 2];
}

struct Bandwidth {
  double forward_ratio = 0;
  double backward_ratio = 0;
  double copy_gbs = 0;
};

Bandwidth Benchmark(int reps) {
  std::printf("\nfloat32 bandwidth, GB/s (ratio to device-to-device copy)\n");
  std::printf("%-8s %12s %-22s %-22s %-22s\n", "size", "copy", "tanh forward",
              "tanh backward", "sine forward");
  Bandwidth at_2_26;
  for (int log2n = 20; log2n <= 28; log2n += 2) {
    const int64_t n = int64_t(1) << log2n;
    float *x, *dy, *out;
    CHECK_CUDA(cudaMalloc(&x, n * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dy, n * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&out, n * sizeof(float)));
    CHECK_CUDA(cudaMemset(x, 0, n * sizeof(float)));
    CHECK_CUDA(cudaMemset(dy, 0, n * sizeof(float)));
    const double bytes2 = 2.0 * n * sizeof(float), bytes3 = 1.5 * bytes2;
    const double copy = MedianSeconds(
        [&] {
          CHECK_CUDA(cudaMemcpyAsync(out, x, n * sizeof(float),
                                     cudaMemcpyDeviceToDevice));
        },
        reps);
    auto run = [&](Mode mode, double alpha, bool backward) {
      softround::gpu::Launch<float> launch{nullptr,
                                           mode,
                                           dy,
                                           x,
                                           alpha,
                                           nullptr,
                                           softround::PeriodicAlphaIndex(1),
                                           out,
                                           n};
      return MedianSeconds(
          [&] {
            backward ? softround::gpu::LaunchSoftRoundGrad(launch)
                     : softround::gpu::LaunchSoftRound(launch);
          },
          reps);
    };
    const double fwd = run(Mode::kTanh, 5.0, false);
    const double bwd = run(Mode::kTanh, 5.0, true);
    const double sine = run(Mode::kSine, 0.5, false);
    const double copy_gbs = bytes2 / copy / 1e9;
    const double fwd_gbs = bytes2 / fwd / 1e9, bwd_gbs = bytes3 / bwd / 1e9;
    const double sine_gbs = bytes2 / sine / 1e9;
    std::printf("2^%-6d %12.0f %8.0f (%.2f)%9s %8.0f (%.2f)%9s %8.0f (%.2f)\n",
                log2n, copy_gbs, fwd_gbs, fwd_gbs / copy_gbs, "", bwd_gbs,
                bwd_gbs / copy_gbs, "", sine_gbs, sine_gbs / copy_gbs);
    if (log2n == 26) {
      at_2_26 = {fwd_gbs / copy_gbs, bwd_gbs / copy_gbs, copy_gbs};
    }
    cudaFree(x);
    cudaFree(dy);
    cudaFree(out);
  }
  return at_2_26;
}

}  // namespace

int main() {
  cudaDeviceProp prop;
  CHECK_CUDA(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s (compute capability %d.%d, %d SMs)\n", prop.name,
              prop.major, prop.minor, prop.multiProcessorCount);
  Counts counts;
  CheckDtype<float>("float32", 1e30, 1e6, &counts);
  CheckDtype<double>("float64", 1e300, 1e6, &counts);
  CheckDtype<Float16Bits>("float16", 6e4, 6e4, &counts);
  CheckDtype<BFloat16Bits>("bfloat16", 1e30, 1e6, &counts);
  CheckFamily<float>("float32", std::numeric_limits<float>::max(), &counts);
  CheckFamily<double>("float64", std::numeric_limits<double>::max(), &counts);
  CheckFamily<Float16Bits>("float16", 65504.0, &counts);
  CheckFamily<BFloat16Bits>("bfloat16", 3.38953139e38, &counts);
  CheckGlue<float>("float32", std::numeric_limits<float>::max(), &counts);
  CheckGlue<double>("float64", std::numeric_limits<double>::max(), &counts);
  CheckGlue<Float16Bits>("float16", 65504.0, &counts);
  CheckGlue<BFloat16Bits>("bfloat16", 3.38953139e38, &counts);
  const Bandwidth bw = Benchmark(20);
  std::printf(
      "gpu_check: %s %d/%d checks passed; float32 2^26 tanh forward %.2f, "
      "backward %.2f of device-to-device copy bandwidth (%.0f GB/s) on %s\n",
      counts.failed == 0 ? "PASS" : "FAIL", counts.passed,
      counts.passed + counts.failed, bw.forward_ratio, bw.backward_ratio,
      bw.copy_gbs, prop.name);
  return counts.failed == 0 ? 0 : 1;
}
