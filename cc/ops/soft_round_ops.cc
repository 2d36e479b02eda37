// Op definitions and shape functions of SoftRound and SoftRoundGrad.
#include <string>

#include "softround/modes.h"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/shape_inference.h"

namespace tensorflow {
namespace {

using shape_inference::DimensionHandle;
using shape_inference::InferenceContext;
using shape_inference::ShapeHandle;

// alpha must broadcast to x's shape (numpy rules) without enlarging it.
// Checked where ranks and dimensions are known; the kernel checks the rest.
absl::Status CheckAlphaBroadcasts(InferenceContext* c, const char* op,
                                  ShapeHandle x, ShapeHandle alpha) {
  if (!c->RankKnown(x) || !c->RankKnown(alpha)) return absl::OkStatus();
  const int x_rank = c->Rank(x);
  const int alpha_rank = c->Rank(alpha);
  bool broadcasts = alpha_rank <= x_rank;
  for (int i = 1; broadcasts && i <= alpha_rank; ++i) {
    const DimensionHandle a = c->Dim(alpha, alpha_rank - i);
    const DimensionHandle d = c->Dim(x, x_rank - i);
    broadcasts = !c->ValueKnown(a) || c->Value(a) == 1 || !c->ValueKnown(d) ||
                 c->Value(a) == c->Value(d);
  }
  if (broadcasts) return absl::OkStatus();
  return absl::InvalidArgumentError(
      softround::AlphaShapeError(op, c->DebugString(x), c->DebugString(alpha)));
}

absl::Status SoftRoundShape(InferenceContext* c) {
  TF_RETURN_IF_ERROR(
      CheckAlphaBroadcasts(c, "SoftRound", c->input(0), c->input(1)));
  c->set_output(0, c->input(0));
  return absl::OkStatus();
}

absl::Status SoftRoundGradShape(InferenceContext* c) {
  ShapeHandle x;
  TF_RETURN_IF_ERROR(c->Merge(c->input(0), c->input(1), &x));
  TF_RETURN_IF_ERROR(CheckAlphaBroadcasts(c, "SoftRoundGrad", x, c->input(2)));
  c->set_output(0, x);
  return absl::OkStatus();
}

}  // namespace

REGISTER_OP("SoftRound")
    .Input("x: T")
    .Input("alpha: T")
    .Output("y: T")
    .Attr("mode: {'tanh', 'sigmoid', 'sine', 'ste'} = 'tanh'")
    .Attr("T: {half, bfloat16, float, double}")
    .SetShapeFn(SoftRoundShape)
    .Doc(R"doc(
Differentiable rounding: y = floor(x) + c(x - floor(x)) with c chosen by mode.

alpha: the mode's parameter (tanh sharpness, sigmoid steepness, sine width;
  ignored by ste), a scalar or broadcastable to x's shape.
)doc");

REGISTER_OP("SoftRoundGrad")
    .Input("dy: T")
    .Input("x: T")
    .Input("alpha: T")
    .Output("dx: T")
    .Attr("mode: {'tanh', 'sigmoid', 'sine', 'ste'} = 'tanh'")
    .Attr("T: {half, bfloat16, float, double}")
    .SetShapeFn(SoftRoundGradShape)
    .Doc(R"doc(
Gradient of SoftRound with respect to x: dx = dy * dy/dx.
)doc");

}  // namespace tensorflow
