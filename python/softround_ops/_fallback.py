"""The reference as compiled graphs, for eager calls when the op library is
not loaded (a TensorFlow version mismatch, SOFTROUND_OPS_PY=1).

Run eagerly, the reference is about a hundred small ops dispatched one by
one from Python, and a gradient tape records each of them. Here one cached
tf.function per (function, mode, dtype, scalar alpha or not) runs the forward pass as one graph,
and the tape gets a single record whose backward pass is a second cached
graph (the reference's own gradient, taken by tf.gradients inside it). The
values and gradients are the reference's: the same ops. Both graphs take
tensors of any shape, so they are traced once, at the first call.

A graph is called through its flat entry point where TensorFlow has one: a
ConcreteFunction's own call binds its arguments to the signature in Python
first, which costs more (about 90 us here) than running the graph.
"""

import functools

import tensorflow as tf

from softround_ops import _eager, reference


@functools.cache
def _graphs(function, mode, dtype_enum, scalar_alpha):
    """(value, vector-Jacobian product, the same product's flat call) of one
    reference function."""
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
    product = vector_jacobian_product.get_concrete_function()
    return _flat_call(value.get_concrete_function()), product, _flat_call(product)


def _flat_call(concrete):
    """concrete's graph as a call on flat tensors that returns a list of
    tensors and records nothing on a tape: its atomic function where it has
    one and captures nothing (the call then needs no captured inputs
    appended), else concrete itself."""
    atomic = getattr(concrete, "_inference_function", None)
    if atomic is None or not hasattr(atomic, "call_flat") or concrete.captured_inputs:
        return lambda *args: tf.nest.flatten(concrete(*args))  # pragma: no cover - another TensorFlow
    return atomic.call_flat


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
    graphs = _graphs(function, mode, x.dtype.as_datatype_enum, scalar_alpha)
    value, vector_jacobian_product, flat_vector_jacobian_product = graphs
    if not _eager.tape_records([x, alpha]):
        return value(x, alpha)[0]
    # One record on the tape, not the function call's own (a tape that sees a
    # function call builds and runs forward and backward functions of its own);
    # a forward accumulator gets its JVP from the same record.
    with _eager.stop_recording():
        (y,) = value(x, alpha)

    def backward(dy):
        # Under an outer tape (a second derivative) the concrete function's
        # own call, which that tape records; else the flat one.
        recorded = _eager.tape_records([x, alpha, dy])
        dx, dalpha = (vector_jacobian_product if recorded else flat_vector_jacobian_product)(x, alpha, dy)
        # ste ignores alpha: no gradient, as the op gives none.
        return [dx, None if mode == "ste" else dalpha]

    _eager.record_gradient("SoftRoundReference", [y], [x, alpha], backward)
    return y
