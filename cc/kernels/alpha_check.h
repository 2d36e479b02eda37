// alpha's values checked against their mode's range at vector speed. The op
// kernels and the NumPy binding check a small alpha before the loops run;
// the loops check an alpha as large as x piece by piece as they read it
// (cpu_family.h), so that the check costs no pass over memory of its own.
// No TensorFlow include.
#ifndef SOFTROUND_KERNELS_ALPHA_CHECK_H_
#define SOFTROUND_KERNELS_ALPHA_CHECK_H_

#include <cstdint>

#include "cc/kernels/float16_bits.h"
#include "softround/soft_round_math.h"

namespace softround {
namespace cpu {

// The index of the first of alpha's n values that mode does not accept
// (AlphaInRange in softround/modes.h), or -1 if it accepts them all.
int64_t FirstAlphaOutOfRange(Mode mode, const float* alpha, int64_t n);
int64_t FirstAlphaOutOfRange(Mode mode, const double* alpha, int64_t n);
int64_t FirstAlphaOutOfRange(Mode mode, const Float16Bits* alpha, int64_t n);
int64_t FirstAlphaOutOfRange(Mode mode, const BFloat16Bits* alpha, int64_t n);

}  // namespace cpu
}  // namespace softround

#endif  // SOFTROUND_KERNELS_ALPHA_CHECK_H_
