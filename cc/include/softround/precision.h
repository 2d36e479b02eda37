// How precise a loop's results must be: the compute type's own precision,
// or the significand of the 16-bit type that a float result is rounded to
// once (11 bits for half, 8 for bfloat16), for which the elementary
// functions use polynomials of lower degree (tools/minimax.py).
#ifndef SOFTROUND_PRECISION_H_
#define SOFTROUND_PRECISION_H_

namespace softround {

enum class Precision : int { kFull = 0, kHalf = 1, kBFloat16 = 2 };

}  // namespace softround

#endif  // SOFTROUND_PRECISION_H_
