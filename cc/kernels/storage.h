// The bit layout the TensorFlow-free loops and launchers take for each
// TensorFlow element type (Eigen::half and Eigen::bfloat16 are 16-bit
// patterns), and the casts to it.
#ifndef SOFTROUND_KERNELS_STORAGE_H_
#define SOFTROUND_KERNELS_STORAGE_H_

#include "cc/kernels/float16_bits.h"
#include "cc/kernels/soft_round_cpu.h"
#include "tensorflow/core/framework/numeric_types.h"

namespace tensorflow {

template <typename T>
struct StorageOf {
  using Type = T;
};
template <>
struct StorageOf<Eigen::half> {
  using Type = softround::Float16Bits;
};
template <>
struct StorageOf<Eigen::bfloat16> {
  using Type = softround::BFloat16Bits;
};

// The type in which the loops hand out the terms of alpha's gradient.
template <typename T>
using AccumulatorOf =
    softround::cpu::AccumulatorOf<typename StorageOf<T>::Type>;

template <typename T>
const typename StorageOf<T>::Type* AsStorage(const T* p) {
  static_assert(sizeof(typename StorageOf<T>::Type) == sizeof(T), "layout");
  return reinterpret_cast<const typename StorageOf<T>::Type*>(p);
}

template <typename T>
typename StorageOf<T>::Type* AsStorage(T* p) {
  return reinterpret_cast<typename StorageOf<T>::Type*>(p);
}

}  // namespace tensorflow

#endif  // SOFTROUND_KERNELS_STORAGE_H_
