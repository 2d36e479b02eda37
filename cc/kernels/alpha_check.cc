// FirstAlphaOutOfRange: blocks of alpha reduced to one "any out of range"
// flag by a vector loop (compiled per x86-64 level), and only a block that
// holds a bad value scanned for its index. 16-bit alphas are widened to
// float first, as the loops compute them.
#include "cc/kernels/alpha_check.h"

#include <algorithm>

#include "cc/kernels/cpu_levels.h"
#include "cc/kernels/float16_arrays.h"
#include "softround/modes.h"

namespace softround {
namespace cpu {
namespace {

constexpr int64_t kBlock = 256;

// The mode a template parameter, so that AlphaInRange folds to two
// comparisons that vectorize.
template <Mode M, typename T>
SOFTROUND_HD int64_t FirstInBlock(const T* alpha, int64_t n) {
  int bad = 0;
#pragma omp simd reduction(| : bad)
  for (int64_t i = 0; i < n; ++i) bad |= !AlphaInRange(M, alpha[i]);
  if (!bad) return -1;
  for (int64_t i = 0; i < n; ++i) {
    if (!AlphaInRange(M, alpha[i])) return i;
  }
  return -1;
}

template <Mode M, typename T, typename Widen>
SOFTROUND_HD int64_t FirstOutOfRangeIn(int64_t n, Widen&& widen) {
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t length = std::min(kBlock, n - start);
    const int64_t index = FirstInBlock<M, T>(widen(start, length), length);
    if (index >= 0) return start + index;
  }
  return -1;
}

// widen(start, length) gives a pointer to that block's values in T.
template <typename T, typename Widen>
SOFTROUND_HD int64_t FirstOutOfRange(Mode mode, int64_t n, Widen&& widen) {
  switch (mode) {
    case Mode::kTanh:
      return FirstOutOfRangeIn<Mode::kTanh, T>(n, widen);
    case Mode::kSigmoid:
      return FirstOutOfRangeIn<Mode::kSigmoid, T>(n, widen);
    case Mode::kSine:
      return FirstOutOfRangeIn<Mode::kSine, T>(n, widen);
    case Mode::kSte:
      break;
  }
  return -1;
}

template <typename T>
SOFTROUND_HD int64_t FirstOutOfRangeOf(Mode mode, const T* alpha, int64_t n) {
  return FirstOutOfRange<T>(
      mode, n, [alpha](int64_t start, int64_t) { return alpha + start; });
}

template <typename S>
int64_t FirstWidenedOutOfRange(Mode mode, const S* alpha, int64_t n) {
  float block[kBlock];
  return FirstOutOfRange<float>(mode, n, [&](int64_t start, int64_t length) {
    Widen(alpha + start, block, length);
    return static_cast<const float*>(block);
  });
}

SOFTROUND_PER_CPU_LEVEL(int64_t, FirstFloatOutOfRange,
                        (Mode mode, const float* alpha, int64_t n),
                        (mode, alpha, n)) {
  return FirstOutOfRangeOf(mode, alpha, n);
}
SOFTROUND_PER_CPU_LEVEL(int64_t, FirstDoubleOutOfRange,
                        (Mode mode, const double* alpha, int64_t n),
                        (mode, alpha, n)) {
  return FirstOutOfRangeOf(mode, alpha, n);
}

}  // namespace

int64_t FirstAlphaOutOfRange(Mode mode, const float* alpha, int64_t n) {
  return FirstFloatOutOfRange(mode, alpha, n);
}
int64_t FirstAlphaOutOfRange(Mode mode, const double* alpha, int64_t n) {
  return FirstDoubleOutOfRange(mode, alpha, n);
}
// The widened blocks are in L1; their check at the baseline level costs
// little beside the conversion.
int64_t FirstAlphaOutOfRange(Mode mode, const Float16Bits* alpha, int64_t n) {
  return FirstWidenedOutOfRange(mode, alpha, n);
}
int64_t FirstAlphaOutOfRange(Mode mode, const BFloat16Bits* alpha, int64_t n) {
  return FirstWidenedOutOfRange(mode, alpha, n);
}

}  // namespace cpu
}  // namespace softround
