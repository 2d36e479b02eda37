// Array conversions between the 16-bit storage formats and float for the CPU
// loops, which compute 16-bit tensors in float: F16C instructions for half
// where the CPU has them, the branch-free bit code of float16_bits.h
// elsewhere (both round to nearest even and agree bit for bit, NaN payloads
// aside). Out-of-place; no TensorFlow include.
#ifndef SOFTROUND_KERNELS_FLOAT16_ARRAYS_H_
#define SOFTROUND_KERNELS_FLOAT16_ARRAYS_H_

#include <cstdint>

#include "cc/kernels/float16_bits.h"

namespace softround {
namespace cpu {

void Widen(const Float16Bits* in, float* out, int64_t n);
void Widen(const BFloat16Bits* in, float* out, int64_t n);
void Narrow(const float* in, Float16Bits* out, int64_t n);
void Narrow(const float* in, BFloat16Bits* out, int64_t n);

}  // namespace cpu
}  // namespace softround

#endif  // SOFTROUND_KERNELS_FLOAT16_ARRAYS_H_
