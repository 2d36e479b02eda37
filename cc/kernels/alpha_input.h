// Validation and layout of the alpha input shared by both op kernels.
#ifndef SOFTROUND_KERNELS_ALPHA_INPUT_H_
#define SOFTROUND_KERNELS_ALPHA_INPUT_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "softround/modes.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/tensor.h"

namespace tensorflow {

// alpha as the functors read it: element i of x uses data[i % period].
template <typename T>
struct AlphaInput {
  const T* data = nullptr;
  int64_t period = 1;
  Tensor storage;  // holds data when alpha had to be expanded
  // How the gradient folds back to alpha's own shape: alpha's dimensions
  // padded to x's rank, alpha's element count, and whether data was
  // expanded to x's full size (alpha not a trailing block of x).
  std::vector<int64_t> dims;
  std::vector<int64_t> x_dims;
  int64_t elements = 1;
  bool expanded = false;
};

namespace alpha_input_internal {

// Rows shorter than this are tiled so that each loop call has enough work.
constexpr int64_t kMinPeriod = 1024;

// alpha's dimensions left-padded with 1 to x's rank; false if alpha does not
// broadcast to x without enlarging it.
inline bool PaddedAlphaDims(const TensorShape& x, const TensorShape& alpha,
                            std::vector<int64_t>* dims) {
  if (alpha.dims() > x.dims()) return false;
  dims->assign(x.dims() - alpha.dims(), 1);
  for (int i = 0; i < alpha.dims(); ++i) dims->push_back(alpha.dim_size(i));
  for (int i = 0; i < x.dims(); ++i) {
    if ((*dims)[i] != 1 && (*dims)[i] != x.dim_size(i)) return false;
  }
  return true;
}

// True if alpha's non-1 dimensions are exactly x's trailing ones, so that
// alpha repeats with period alpha.NumElements() along x's flat index.
inline bool IsTrailingBlock(const TensorShape& x,
                            const std::vector<int64_t>& dims) {
  size_t first = 0;
  while (first < dims.size() && dims[first] == 1) ++first;
  for (size_t i = first; i < dims.size(); ++i) {
    if (dims[i] != x.dim_size(i)) return false;
  }
  return true;
}

}  // namespace alpha_input_internal

// visit(i, offset) for every flat index i of x, with offset the flat index
// of the alpha element that i reads (numpy broadcasting; 64-bit throughout).
template <typename XDims, typename Visit>
void ForEachAlphaOffset(const std::vector<int64_t>& dims, const XDims& x_dims,
                        Visit&& visit) {
  const int rank = static_cast<int>(x_dims.size());
  std::vector<int64_t> stride(rank, 0), index(rank, 0);
  int64_t s = 1, n = 1;
  for (int d = rank - 1; d >= 0; --d) {
    stride[d] = dims[d] == 1 ? 0 : s;
    s *= dims[d];
    n *= x_dims[d];
  }
  int64_t offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    visit(i, offset);
    // Advance the multi-index like an odometer.
    for (int d = rank - 1; d >= 0; --d) {
      offset += stride[d];
      if (++index[d] < x_dims[d]) break;
      offset -= stride[d] * index[d];
      index[d] = 0;
    }
  }
}

// Checks alpha's shape and values and lays it out for the functors.
template <typename T>
absl::Status PrepareAlpha(OpKernelContext* ctx, const char* op,
                          softround::Mode mode, const TensorShape& x_shape,
                          const Tensor& alpha, AlphaInput<T>* out) {
  namespace internal = alpha_input_internal;
  std::vector<int64_t> dims;
  if (!internal::PaddedAlphaDims(x_shape, alpha.shape(), &dims)) {
    return absl::InvalidArgumentError(softround::AlphaShapeError(
        op, x_shape.DebugString(), alpha.shape().DebugString()));
  }
  const auto values = alpha.flat<T>();
  if (mode != softround::Mode::kSte) {
    for (int64_t i = 0; i < values.size(); ++i) {
      const double value = static_cast<double>(values(i));
      if (!softround::AlphaInRange(mode, value)) {
        return absl::InvalidArgumentError(softround::AlphaRangeError(
            op, mode, value, alpha.dims() == 0 ? -1 : i));
      }
    }
  }
  const int64_t n = x_shape.num_elements();
  out->dims = dims;
  const auto x_dims = x_shape.dim_sizes();  // a copy: one begin/end pair
  out->x_dims.assign(x_dims.begin(), x_dims.end());
  out->elements = values.size();
  Tensor& storage = out->storage;
  // Host memory on every device: alpha is an input in host memory too.
  AllocatorAttributes on_host;
  on_host.set_on_host(true);
  out->data = values.data();
  out->period = std::max<int64_t>(values.size(), 1);
  if (out->period == 1 || n == 0) return absl::OkStatus();

  if (!internal::IsTrailingBlock(x_shape, dims)) {
    TF_RETURN_IF_ERROR(ctx->allocate_temp(DataTypeToEnum<T>::value, x_shape,
                                          &storage, on_host));
    T* expanded = storage.flat<T>().data();
    ForEachAlphaOffset(
        dims, x_shape.dim_sizes(),
        [&](int64_t i, int64_t offset) { expanded[i] = values(offset); });
    out->data = expanded;
    out->period = n;
    out->expanded = true;
  } else if (out->period < internal::kMinPeriod && out->period < n) {
    const int64_t copies =
        (internal::kMinPeriod + out->period - 1) / out->period;
    TF_RETURN_IF_ERROR(ctx->allocate_temp(DataTypeToEnum<T>::value,
                                          TensorShape({copies * out->period}),
                                          &storage, on_host));
    T* tiled = storage.flat<T>().data();
    for (int64_t c = 0; c < copies; ++c) {
      std::copy_n(values.data(), out->period, tiled + c * out->period);
    }
    out->data = tiled;
    out->period *= copies;
  }
  return absl::OkStatus();
}

}  // namespace tensorflow

#endif  // SOFTROUND_KERNELS_ALPHA_INPUT_H_
