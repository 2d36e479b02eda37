"""Gradients of the family's ops, registered once when the package is imported.

SoftRound's gradient is SoftRoundGrad (dx only) or, where alpha needs one,
SoftRoundGradWithAlpha (dx and alpha's gradient in one pass). Whether alpha
needs one: a tape tells gradient functions which inputs need none
(`skip_input_indices`: an unwatched alpha, such as a Python number or a
non-trainable variable); without a tape (`tf.gradients`) a constant alpha
needs none. Second derivatives are the same ops with wrt "xx", "alpha" or
"x_alpha"; third derivatives are not implemented (a clear error).
"""

import numpy as np
import tensorflow as tf

from softround_ops import _loader, reference


def _ops():
    ops = _loader.custom_ops()
    if ops is None:
        raise _loader.LibraryLoadError(
            "a SoftRound op needs softround_ops' compiled library for its gradient, and it "
            "did not load (see the warning above)"
        )
    return ops


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def _attrs(op):
    return {"mode": _text(op.get_attr("mode")), "function": _text(op.get_attr("function"))}


def _needs_gradient(op, index):
    skip = getattr(op, "skip_input_indices", None)
    if skip is not None:
        return index not in skip
    # Nothing said: in a graph a constant needs none; an eager tensor does.
    tensor = op.inputs[index]
    return not hasattr(tensor, "graph") or tensor.op.type != "Const"


def _alpha_needs_gradient(op, index):
    return _attrs(op)["mode"] != "ste" and _needs_gradient(op, index)


def _second_order(op, attrs, grad, dy, x, alpha, dy_index):
    """The terms of the gradient of dy * dF/dx(x, alpha) from upstream grad."""
    ops = _ops()
    d_dy = ops.soft_round_grad(grad, x, alpha, wrt="x", **attrs) if _needs_gradient(op, dy_index) else None
    weighted = grad * dy
    if _alpha_needs_gradient(op, dy_index + 2):
        d_x, d_alpha = ops.soft_round_grad_with_alpha(weighted, x, alpha, wrt="xx", **attrs)
    else:
        d_x, d_alpha = ops.soft_round_grad(weighted, x, alpha, wrt="xx", **attrs), None
    return d_dy, d_x, d_alpha


def _is_zero(grad):
    """None, or the zeros TensorFlow passes for an output nobody used (then the
    terms from alpha's gradient, and their cost, are skipped)."""
    if grad is None:
        return True
    if hasattr(grad, "numpy") and not hasattr(grad, "graph"):
        return not np.any(grad.numpy())
    op = getattr(grad, "op", None)
    return (
        op is not None
        and op.type in ("ZerosLike", "Zeros")
        or (op is not None and op.type == "Const" and not np.any(tf.get_static_value(grad)))
    )


def _add(a, b):
    return b if a is None else (a if b is None else a + b)


def _reference_alpha_alpha(attrs, weights, x, alpha):
    """sum over broadcast of weights * d2F/dalpha2 by autodiff of the reference
    (the rare third term of the gradient of alpha's gradient)."""
    function = reference.FUNCTIONS[attrs["function"]]
    with tf.GradientTape() as outer:
        outer.watch(alpha)
        with tf.GradientTape() as inner:
            inner.watch(alpha)
            wide = tf.broadcast_to(alpha, tf.shape(x))
            value = function(x, wide, mode=attrs["mode"], check_alpha=False)
        d_alpha = inner.gradient(value, wide)
    return outer.gradient(d_alpha, alpha, output_gradients=weights)


def _third_order_error(op):
    return NotImplementedError(
        f"softround_ops: third derivatives through {op.type} (wrt {_text(op.get_attr('wrt'))!r}) "
        "are not implemented; softround_ops.reference gives them by autodiff"
    )


@tf.RegisterGradient("SoftRound")
def _soft_round_grad(op, dy):
    """dx = dy * dF/dx; alpha's gradient only where alpha needs one."""
    x, alpha = op.inputs
    attrs = _attrs(op)
    if _alpha_needs_gradient(op, 1):
        return list(_ops().soft_round_grad_with_alpha(dy, x, alpha, wrt="x", **attrs))
    return [_ops().soft_round_grad(dy, x, alpha, wrt="x", **attrs), None]


@tf.RegisterGradient("SoftRoundGrad")
def _soft_round_grad_grad(op, grad):
    if _text(op.get_attr("wrt")) != "x":
        raise _third_order_error(op)
    dy, x, alpha = op.inputs
    return list(_second_order(op, _attrs(op), grad, dy, x, alpha, 0))


@tf.RegisterGradient("SoftRoundGradWithAlpha")
def _soft_round_grad_with_alpha_grad(op, grad, grad_alpha):
    """Upstream gradients of dx = dy * F_x and dalpha = sum(dy * F_a)."""
    if _text(op.get_attr("wrt")) != "x":
        raise _third_order_error(op)
    dy, x, alpha = op.inputs
    attrs = _attrs(op)
    d_dy = d_x = d_alpha = None
    if grad is not None:
        d_dy, d_x, d_alpha = _second_order(op, attrs, grad, dy, x, alpha, 0)
    if not _is_zero(grad_alpha):
        ops = _ops()
        wide = tf.broadcast_to(grad_alpha, tf.shape(x))
        if _needs_gradient(op, 0):
            d_dy = _add(d_dy, ops.soft_round_grad(wide, x, alpha, wrt="alpha", **attrs))
        d_x = _add(d_x, ops.soft_round_grad(wide * dy, x, alpha, wrt="x_alpha", **attrs))
        if _alpha_needs_gradient(op, 2):
            d_alpha = _add(d_alpha, _reference_alpha_alpha(attrs, wide * dy, x, alpha))
    return [d_dy, d_x, d_alpha]
