"""The reference as compiled graphs, for eager calls when the op library is
not loaded (a TensorFlow version mismatch, SOFTROUND_OPS_PY=1).

Run eagerly, the reference is about a hundred small ops dispatched one by
one from Python, and a gradient tape records each of them. Here one cached
tf.function per (function, mode, dtype, scalar alpha or not) runs the forward pass as one graph,
and the tape gets a single record whose backward pass is a second cached
graph (the reference's own gradient, taken by tf.gradients inside it). The
values and gradients are the reference's: the same ops. Both graphs take
tensors of any shape, so they are traced once, at the first call.
"""

import functools

import tensorflow as tf

from softround_ops import _eager, reference


@functools.cache
def _graphs(function, mode, dtype_enum, scalar_alpha):
    """(value, vector-Jacobian product) graphs of one reference function."""
    implementation = reference.FUNCTIONS[function]
    spec = tf.TensorSpec(None, tf.as_dtype(dtype_enum))
    # A scalar alpha keeps its shape: the reference then takes the same path
    # as in eager mode (no broadcast), and the same sums for alpha's gradient.
    alpha_spec = tf.TensorSpec([] if scalar_alpha else None, spec.dtype)

    @tf.function(input_signature=[spec, alpha_spec])
    def value(x, alpha):
        return implementation(x, alpha, mode=mode)

    @tf.function(input_signature=[spec, alpha_spec, spec])
    def vector_jacobian_product(x, alpha, dy):
        y = implementation(x, alpha, mode=mode)
        return tf.gradients(y, [x, alpha], grad_ys=dy, unconnected_gradients="zero")

    # Traced now, once; a concrete function's call skips the signature
    # matching that costs a polymorphic tf.function more than the graph.
    return value.get_concrete_function(), vector_jacobian_product.get_concrete_function()


def call(function, mode, x, alpha):
    """reference.FUNCTIONS[function](x, alpha, mode=mode) for eager tensors x
    and alpha of one float dtype, through the cached graphs."""
    alpha = tf.convert_to_tensor(alpha)  # a variable read under the tape
    if _eager.record_gradient is None:  # pragma: no cover - another TensorFlow
        return reference.FUNCTIONS[function](x, alpha, mode=mode)
    scalar_alpha = alpha.shape.rank == 0
    if not scalar_alpha:
        # The graphs see no static shapes; a bad one is reported as the
        # reference reports it, before anything runs.
        reference.check_alpha_shape(x.shape, alpha.shape)
    value, vector_jacobian_product = _graphs(function, mode, x.dtype.as_datatype_enum, scalar_alpha)
    if not _eager.tape_records([x, alpha]):
        return value(x, alpha)
    # One record on the tape, not the function call's own (a tape that sees a
    # function call builds and runs forward and backward functions of its own);
    # a forward accumulator gets its JVP from the same record.
    with _eager.stop_recording():
        y = value(x, alpha)

    def backward(dy):
        dx, dalpha = vector_jacobian_product(x, alpha, dy)
        # ste ignores alpha: no gradient, as the op gives none.
        return [dx, None if mode == "ste" else dalpha]

    _eager.record_gradient("SoftRoundReference", [y], [x, alpha], backward)
    return y
