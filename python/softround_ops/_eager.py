"""The two questions an eager call asks on every call, answered the way
TensorFlow's generated op bindings answer them.

tf.executing_eagerly() and Tensor.dtype cost about a microsecond each, as
much as a small tensor's whole negate; the generated bindings read the
context's thread-local flag and the tensor's type enum instead. Where a
TensorFlow lacks those internals, the public calls are used.
"""

import tensorflow as tf

EagerTensor = type(tf.constant(0.0))

try:
    from tensorflow.python.eager import context as _context

    _context.context()._thread_local_data.is_eager  # noqa: B018  (probe)
    tf.constant(0.0)._datatype_enum()

    def executing_eagerly():
        return _context.context()._thread_local_data.is_eager

    def dtype_enum(tensor):
        """The DataType enum of an EagerTensor."""
        return tensor._datatype_enum()

except (ImportError, AttributeError):  # pragma: no cover - another TensorFlow
    executing_eagerly = tf.executing_eagerly

    def dtype_enum(tensor):
        return tensor.dtype.as_datatype_enum
