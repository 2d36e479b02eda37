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

absl::Status SoftRoundGradWithAlphaShape(InferenceContext* c) {
  ShapeHandle x;
  TF_RETURN_IF_ERROR(c->Merge(c->input(0), c->input(1), &x));
  TF_RETURN_IF_ERROR(
      CheckAlphaBroadcasts(c, "SoftRoundGradWithAlpha", x, c->input(2)));
  c->set_output(0, x);
  c->set_output(1, c->input(2));
  return absl::OkStatus();
}

}  // namespace

REGISTER_OP("SoftRound")
    .Input("x: T")
    .Input("alpha: T")
    .Output("y: T")
    .Attr("mode: {'tanh', 'sigmoid', 'sine', 'ste'} = 'tanh'")
    .Attr("T: {half, bfloat16, float, double}")
    .Attr("function: {'forward', 'inverse', 'conditional_mean'} = 'forward'")
    .SetShapeFn(SoftRoundShape)
    .Doc(R"doc(
Differentiable rounding: y = floor(x) + c(x - floor(x)) with c chosen by mode
(function 'forward'); its inverse, or the conditional mean inverse(x - 1/2) +
1/2 (mode 'tanh' only).

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
    .Attr("function: {'forward', 'inverse', 'conditional_mean'} = 'forward'")
    .Attr("wrt: {'x', 'xx', 'alpha', 'x_alpha'} = 'x'")
    .SetShapeFn(SoftRoundGradShape)
    .Doc(R"doc(
dy times a partial derivative of SoftRound's function at x, elementwise:
dF/dx (wrt 'x', the gradient with respect to x), d2F/dx2, dF/dalpha or
d2F/dx dalpha.
)doc");

REGISTER_OP("SoftRoundGradWithAlpha")
    .Input("dy: T")
    .Input("x: T")
    .Input("alpha: T")
    .Output("dx: T")
    .Output("dalpha: T")
    .Attr("mode: {'tanh', 'sigmoid', 'sine', 'ste'} = 'tanh'")
    .Attr("T: {half, bfloat16, float, double}")
    .Attr("function: {'forward', 'inverse', 'conditional_mean'} = 'forward'")
    .Attr("wrt: {'x', 'xx'} = 'x'")
    .SetShapeFn(SoftRoundGradWithAlphaShape)
    .Doc(R"doc(
SoftRoundGrad and alpha's gradient in one pass: with wrt 'x', dx = dy * dF/dx
and dalpha = the sum of dy * dF/dalpha over the elements each alpha element
broadcasts to (alpha's shape); with wrt 'xx', dy * d2F/dx2 and the sum of
dy * d2F/dx dalpha.
)doc");

}  // namespace tensorflow
