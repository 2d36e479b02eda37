// softround_ops._numpy_kernels: the op library's CPU loops and runner on
// NumPy buffers, without TensorFlow. The same alpha layout, the same fixed
// reduction tiles and the same loops as the op kernel, so the results are
// the op's bit for bit. python/softround_ops/numpy.py checks types and
// converts; this file checks what the kernels need (mode, shapes, alpha's
// range), releases the GIL and splits large arrays over threads.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "cc/kernels/alpha_layout.h"
#include "cc/kernels/cpu_family.h"
#include "cc/kernels/cpu_levels.h"
#include "cc/kernels/float16_bits.h"
#include "cc/kernels/lookup_table.h"
#include "softround/modes.h"

namespace py = pybind11;

namespace softround {
namespace {

// Work below this many estimated cycles per thread is not worth a thread.
constexpr double kCyclesPerThread = 1 << 17;

Spec ParseSpec(const std::string& op, const std::string& mode,
               const std::string& function, const std::string& wrt,
               bool with_alpha) {
  Spec spec;
  if (!ParseMode(mode, &spec.mode)) {
    throw py::value_error(op + ": unknown mode '" + mode + "'");
  }
  if (!ParseFunction(function, &spec.function)) {
    throw py::value_error(op + ": unknown function '" + function + "'");
  }
  if (!wrt.empty() && !ParseQuantity(wrt, &spec.quantity)) {
    throw py::value_error(op + ": unknown wrt '" + wrt + "'");
  }
  spec.with_alpha = with_alpha;
  if (with_alpha && spec.quantity != Quantity::kDx &&
      spec.quantity != Quantity::kDxx) {
    throw py::value_error(op + ": wrt must be 'x' or 'xx'; got '" + wrt + "'");
  }
  if (!HasFunction(spec.mode, spec.function)) {
    throw py::value_error(
        FunctionModeError(op.c_str(), spec.function, spec.mode));
  }
  return spec;
}

// TensorFlow runs kernels with subnormals flushed to zero (FTZ and DAZ); so
// does the binding, on every thread it computes on, so that subnormal inputs
// give the op's bits too.
class ScopedFlushDenormal {
 public:
#if defined(__SSE__)
  ScopedFlushDenormal() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFlags); }
  ~ScopedFlushDenormal() { _mm_setcsr(saved_); }

 private:
  static constexpr unsigned kFlags = 0x8040;  // FTZ | DAZ
  unsigned saved_;
#endif
};

// Runs body over contiguous blocks of [0, units) on up to max_threads
// threads, the calling one included, as many as the work is worth.
struct ThreadSplitter {
  int max_threads;

  template <typename Body>
  void operator()(int64_t units, const cpu::WorkCost& cost, Body&& body) const {
    const double work =
        units * (cost.cycles + cost.bytes_loaded + cost.bytes_stored);
    const int64_t blocks =
        std::clamp<int64_t>(static_cast<int64_t>(work / kCyclesPerThread), 1,
                            std::min<int64_t>(max_threads, units));
    std::vector<std::thread> threads;
    try {
      for (int64_t b = 1; b < blocks; ++b) {
        threads.emplace_back([&, b] {
          ScopedFlushDenormal flush;
          body(b * units / blocks, (b + 1) * units / blocks);
        });
      }
    } catch (...) {  // no thread to spare: the calling one does the rest
      const int64_t started = static_cast<int64_t>(threads.size()) + 1;
      body(started * units / blocks, units);
    }
    body(0, units / blocks);
    for (std::thread& thread : threads) thread.join();
  }
};

std::string ShapeText(const std::vector<int64_t>& dims) {
  std::string text = "(";
  for (size_t i = 0; i < dims.size(); ++i) {
    text += (i ? ", " : "") + std::to_string(dims[i]);
  }
  return text + (dims.size() == 1 ? ",)" : ")");
}

template <typename S>
double ToDouble(S value) {
  return static_cast<double>(value);
}
template <>
double ToDouble<Float16Bits>(Float16Bits value) {
  return Float16ToFloat(value);
}
template <>
double ToDouble<BFloat16Bits>(BFloat16Bits value) {
  return BFloat16ToFloat(value);
}

// A C-contiguous buffer of itemsize bytes per element, or an error naming it.
struct Array {
  py::buffer_info info;
  std::vector<int64_t> dims;

  Array(const std::string& op, const char* name, const py::buffer& buffer,
        size_t itemsize)
      : info(buffer.request()), dims(info.shape.begin(), info.shape.end()) {
    int64_t stride = static_cast<int64_t>(itemsize);
    for (int d = static_cast<int>(dims.size()) - 1; d >= 0; --d) {
      if (dims[d] > 1 && info.strides[d] != stride) {
        throw py::value_error(op + ": " + name + " must be C-contiguous");
      }
      stride *= dims[d];
    }
    if (static_cast<size_t>(info.itemsize) != itemsize) {
      throw py::type_error(
          op + ": " + name + " has " + std::to_string(info.itemsize) +
          "-byte elements; expected " + std::to_string(itemsize));
    }
  }
  template <typename S>
  S* data() const {
    return static_cast<S*>(info.ptr);
  }
};

template <typename S>
void Run(const std::string& op, const Spec& spec, const py::object& dy,
         const py::buffer& x, const py::buffer& alpha, const py::buffer& out,
         const py::object& dalpha, int threads) {
  // From here on as in TensorFlow's kernels: alpha's check too sees a
  // subnormal alpha as 0.
  ScopedFlushDenormal flush;
  const Array x_array(op, "x", x, sizeof(S));
  const Array alpha_array(op, "alpha", alpha, sizeof(S));
  const Array out_array(op, "out", out, sizeof(S));
  AlphaLayout layout;
  if (!PlanAlphaLayout(x_array.dims, alpha_array.dims, &layout)) {
    throw py::value_error(AlphaShapeError(op.c_str(), ShapeText(x_array.dims),
                                          ShapeText(alpha_array.dims)));
  }
  const int64_t n = ElementCount(x_array.dims);
  if (out_array.dims != x_array.dims) {
    throw py::value_error(op + ": out must have x's shape");
  }
  const S* values = alpha_array.data<S>();
  auto alpha_error = [&, own = values](int64_t index) {
    return py::value_error(
        AlphaRangeError(op.c_str(), spec.mode, ToDouble(own[index]),
                        alpha_array.dims.empty() ? -1 : index));
  };
  if (!cpu::ChecksAlphaValues(spec, layout, n)) {
    const int64_t bad =
        cpu::FirstAlphaOutOfRange(spec.mode, values, layout.elements);
    if (bad >= 0) throw alpha_error(bad);
  }
  // Held to the end: their buffers stay exported while the loops run.
  std::optional<Array> dy_array, dalpha_array;
  if (!dy.is_none()) {
    dy_array.emplace(op, "dy", dy, sizeof(S));
    if (dy_array->dims != x_array.dims) {
      throw py::value_error(op + ": dy of shape " + ShapeText(dy_array->dims) +
                            " must have x's shape " + ShapeText(x_array.dims));
    }
  }
  if (spec.with_alpha) {
    dalpha_array.emplace(op, "dalpha", dalpha, sizeof(S));
    if (ElementCount(dalpha_array->dims) != layout.elements) {
      throw py::value_error(op + ": dalpha must have alpha's size");
    }
  }
  std::vector<S> laid_out;
  if (FillsAlpha(layout)) {
    laid_out.resize(layout.period);
    FillAlpha(layout, values, laid_out.data());
    values = laid_out.data();
  }
  std::vector<typename cpu::AccumulatorOf<S>::Type> terms;
  if (cpu::NeedsTerms<S>(spec, layout, n)) terms.resize(n);
  int64_t bad;
  {
    py::gil_scoped_release release;
    bad = cpu::RunFamily(spec, dy_array ? dy_array->data<S>() : nullptr,
                         x_array.data<S>(), values, layout, out_array.data<S>(),
                         n, dalpha_array ? dalpha_array->data<S>() : nullptr,
                         terms.empty() ? nullptr : terms.data(),
                         ThreadSplitter{std::max(threads, 1)});
  }
  if (bad >= 0) throw alpha_error(bad);
}

// out (x's shape) = the function's value (no dy) or dy times one of its
// partial derivatives; with_alpha also fills dalpha (alpha's size).
void RunFamilyOnBuffers(const std::string& op, const std::string& dtype,
                        const std::string& mode, const std::string& function,
                        const std::string& wrt, bool with_alpha,
                        const py::object& dy, const py::buffer& x,
                        const py::buffer& alpha, const py::buffer& out,
                        const py::object& dalpha, int threads) {
  Spec spec = ParseSpec(op, mode, function, wrt, with_alpha);
  if (dy.is_none()) spec.quantity = Quantity::kValue;
  if (dtype == "float16") {
    Run<Float16Bits>(op, spec, dy, x, alpha, out, dalpha, threads);
  } else if (dtype == "bfloat16") {
    Run<BFloat16Bits>(op, spec, dy, x, alpha, out, dalpha, threads);
  } else if (dtype == "float32") {
    Run<float>(op, spec, dy, x, alpha, out, dalpha, threads);
  } else if (dtype == "float64") {
    Run<double>(op, spec, dy, x, alpha, out, dalpha, threads);
  } else {
    throw py::type_error(op + ": unsupported dtype '" + dtype + "'");
  }
}

// The index math alone, for tests: how alpha is laid out over x, and the
// alpha offsets of x's flat indices [begin, end).
py::tuple LayoutOf(const std::vector<int64_t>& x_dims,
                   const std::vector<int64_t>& alpha_dims) {
  AlphaLayout layout;
  if (!PlanAlphaLayout(x_dims, alpha_dims, &layout)) {
    throw py::value_error(AlphaShapeError("alpha_layout", ShapeText(x_dims),
                                          ShapeText(alpha_dims)));
  }
  const char* names[] = {"own", "tiled", "expanded", "runs"};
  return py::make_tuple(names[static_cast<int>(layout.source)], layout.period);
}

py::array_t<int64_t> AlphaOffsets(const std::vector<int64_t>& x_dims,
                                  const std::vector<int64_t>& alpha_dims,
                                  int64_t begin, int64_t end) {
  std::vector<int64_t> dims;
  if (!PaddedAlphaDims(x_dims, alpha_dims, &dims)) {
    throw py::value_error(AlphaShapeError("alpha_offsets", ShapeText(x_dims),
                                          ShapeText(alpha_dims)));
  }
  if (begin < 0 || end < begin || end > ElementCount(x_dims)) {
    throw py::value_error("alpha_offsets: need 0 <= begin <= end <= x's size");
  }
  py::array_t<int64_t> offsets(end - begin);
  int64_t* data = offsets.mutable_data();
  ForEachAlphaOffset(dims, x_dims, begin, end, [&](int64_t i, int64_t offset) {
    data[i - begin] = offset;
  });
  return offsets;
}

// The same offsets by the GPU kernels' arithmetic (AlphaIndex), in 32-bit
// where the kernels would use it; None where they expand alpha instead.
py::object AlphaIndexOffsets(const std::vector<int64_t>& x_dims,
                             const std::vector<int64_t>& alpha_dims,
                             int64_t begin, int64_t end) {
  std::vector<int64_t> dims;
  AlphaIndex index;
  if (!PaddedAlphaDims(x_dims, alpha_dims, &dims)) {
    throw py::value_error(AlphaShapeError(
        "alpha_index_offsets", ShapeText(x_dims), ShapeText(alpha_dims)));
  }
  if (begin < 0 || end < begin || end > ElementCount(x_dims)) {
    throw py::value_error(
        "alpha_index_offsets: need 0 <= begin <= end <= x's size");
  }
  if (!MakeAlphaIndex(dims, x_dims, &index)) return py::none();
  // The kernels' own rule (soft_round_gpu.cu.cc: NarrowIndex).
  const bool narrow = ElementCount(x_dims) <= int64_t(UINT32_MAX);
  py::array_t<int64_t> offsets(std::max<int64_t>(end - begin, 0));
  int64_t* data = offsets.mutable_data();
  for (int64_t i = begin; i < end; ++i) {
    data[i - begin] =
        narrow ? AlphaOffset<uint32_t>(index, static_cast<uint32_t>(i))
               : AlphaOffset<int64_t>(index, i);
  }
  return std::move(offsets);
}

}  // namespace
}  // namespace softround

PYBIND11_MODULE(_numpy_kernels, module) {
  module.doc() = "The soft-round CPU kernels on NumPy buffers (no TensorFlow)";
  module.def("run", &softround::RunFamilyOnBuffers, py::arg("op"),
             py::arg("dtype"), py::arg("mode"), py::arg("function"),
             py::arg("wrt"), py::arg("with_alpha"), py::arg("dy"), py::arg("x"),
             py::arg("alpha"), py::arg("out"), py::arg("dalpha"),
             py::arg("threads"));
  module.def(
      "cpu_level",
      [] {
        return softround::cpu::CpuLevelName(softround::cpu::SelectedCpuLevel());
      },
      "The x86-64 level the loops run (SOFTROUND_OPS_CPU_LEVEL may lower it)");
  module.def(
      "best_cpu_level",
      [] {
        return softround::cpu::CpuLevelName(softround::cpu::BestCpuLevel());
      },
      "The highest x86-64 level this CPU supports");
  module.def("f16c", &softround::cpu::F16cSelected,
             "Whether half conversions use F16C (SOFTROUND_OPS_F16C=0: off)");
  module.def(
      "lookup_table_counts",
      [] {
        const auto counts = softround::cpu::LookupTableCounts();
        return py::make_tuple(counts.fills, counts.lookups);
      },
      "(tables filled, calls looked up) by 16-bit calls in this process");
  module.def("alpha_layout", &softround::LayoutOf, py::arg("x_dims"),
             py::arg("alpha_dims"));
  module.def("alpha_index_offsets", &softround::AlphaIndexOffsets,
             py::arg("x_dims"), py::arg("alpha_dims"), py::arg("begin"),
             py::arg("end"));
  module.def("alpha_offsets", &softround::AlphaOffsets, py::arg("x_dims"),
             py::arg("alpha_dims"), py::arg("begin"), py::arg("end"));
}
