// SOFTROUND_HD (a function for the host and, under nvcc, the device, always
// inlined) and Horner's rule over coefficients given as literals.
#ifndef SOFTROUND_HORNER_H_
#define SOFTROUND_HORNER_H_

#if defined(__CUDACC__)
#define SOFTROUND_HD __host__ __device__ __forceinline__
#else
#define SOFTROUND_HD inline __attribute__((always_inline))
#endif

namespace softround {
namespace detail {

// c0 + t (c1 + t (c2 + ...)): literals, not an array, so that nvcc needs no
// device copy of them and each coefficient is an immediate constant.
template <typename T>
SOFTROUND_HD T Horner(T, T c) {
  return c;
}
template <typename T, typename... Rest>
SOFTROUND_HD T Horner(T t, T c, Rest... rest) {
  return c + t * Horner(t, rest...);
}

}  // namespace detail
}  // namespace softround

#endif  // SOFTROUND_HORNER_H_
