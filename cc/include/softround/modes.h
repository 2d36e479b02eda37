// Mode names, the accepted alpha range of each mode and the error messages
// about them, shared by the op's shape function and the kernels. No
// TensorFlow include; python/softround_ops/_modes.py states the same ranges.
#ifndef SOFTROUND_MODES_H_
#define SOFTROUND_MODES_H_

#include <limits>
#include <sstream>
#include <string>

#include "softround/soft_round_math.h"

namespace softround {

inline const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kTanh:
      return "tanh";
    case Mode::kSigmoid:
      return "sigmoid";
    case Mode::kSine:
      return "sine";
    case Mode::kSte:
      return "ste";
  }
  return "unknown";
}

inline bool ParseMode(const std::string& name, Mode* mode) {
  for (Mode m : {Mode::kTanh, Mode::kSigmoid, Mode::kSine, Mode::kSte}) {
    if (name == ModeName(m)) {
      *mode = m;
      return true;
    }
  }
  return false;
}

inline const char* FunctionName(Function function) {
  switch (function) {
    case Function::kForward:
      return "forward";
    case Function::kInverse:
      return "inverse";
    case Function::kConditionalMean:
      return "conditional_mean";
  }
  return "unknown";
}

inline bool ParseFunction(const std::string& name, Function* function) {
  for (Function f :
       {Function::kForward, Function::kInverse, Function::kConditionalMean}) {
    if (name == FunctionName(f)) {
      *function = f;
      return true;
    }
  }
  return false;
}

// The wrt attr of the gradient ops: which partial derivative dy multiplies.
inline bool ParseQuantity(const std::string& wrt, Quantity* quantity) {
  static const struct {
    const char* name;
    Quantity quantity;
  } kNames[] = {{"x", Quantity::kDx},
                {"xx", Quantity::kDxx},
                {"alpha", Quantity::kDalpha},
                {"x_alpha", Quantity::kDxDalpha}};
  for (const auto& entry : kNames) {
    if (wrt == entry.name) {
      *quantity = entry.quantity;
      return true;
    }
  }
  return false;
}

// Only tanh is invertible on the whole real line (sigmoid jumps at integers,
// sine and ste are flat in places).
inline bool HasFunction(Mode mode, Function function) {
  return function == Function::kForward || mode == Mode::kTanh;
}

inline std::string FunctionModeError(const char* op, Function function,
                                     Mode mode) {
  return std::string(op) + ": function '" + FunctionName(function) +
         "' exists for mode 'tanh' only (the one invertible mode); got mode '" +
         ModeName(mode) + "'";
}

// What the alpha input means in each mode and which values it accepts.
inline const char* AlphaRangeText(Mode mode) {
  switch (mode) {
    case Mode::kTanh:
      return "a finite sharpness >= 0";
    case Mode::kSigmoid:
      return "a finite steepness > 0";
    case Mode::kSine:
      return "a width in (0, 1]";
    case Mode::kSte:
      return "any value (ignored)";
  }
  return "";
}

// Whether mode accepts alpha (ste: any value). Branch-free for a given mode,
// so that a loop over an array of alphas vectorizes
// (cc/kernels/alpha_check.cc). T is float or double; its comparisons see a
// subnormal as 0 where the CPU flushes subnormals, as TensorFlow's kernels do.
template <typename T>
SOFTROUND_HD bool AlphaInRange(Mode mode, T alpha) {
  const bool above_lower = mode == Mode::kTanh ? alpha >= T(0) : alpha > T(0);
  const T upper = mode == Mode::kSine ? T(1) : std::numeric_limits<T>::max();
  return mode == Mode::kSte || (above_lower && alpha <= upper);
}

// index < 0: alpha is a scalar (no index to name).
inline std::string AlphaRangeError(const char* op, Mode mode, double alpha,
                                   long long index) {
  std::ostringstream message;
  message.precision(17);
  message << op << ": alpha for mode '" << ModeName(mode) << "' must be "
          << AlphaRangeText(mode) << "; got alpha";
  if (index >= 0) message << "[" << index << "]";
  message << " = " << alpha;
  return message.str();
}

inline std::string AlphaShapeError(const char* op, const std::string& x_shape,
                                   const std::string& alpha_shape) {
  return std::string(op) + ": alpha of shape " + alpha_shape +
         " does not broadcast to x of shape " + x_shape +
         "; alpha must be a scalar or broadcast to x's shape by numpy rules "
         "without enlarging it";
}

}  // namespace softround

#endif  // SOFTROUND_MODES_H_
