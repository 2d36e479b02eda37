"""The two questions an eager call asks on every call, answered the way
TensorFlow's generated op bindings answer them; the op call those bindings
make; and the tape's own record call, for a gradient cheaper than
tf.custom_gradient's.

tf.executing_eagerly() and Tensor.dtype cost about a microsecond each, as
much as a small tensor's whole negate; the generated bindings read the
context's thread-local flag and the tensor's type enum instead. Nothing here
runs TensorFlow at import: a distribution strategy such as
MultiWorkerMirroredStrategy must still be creatable after `import
softround_ops`. Where a TensorFlow lacks these internals, the fast path is
off (no tensor is an EagerTensor) and the public calls are used, and the
fallback runs the reference eagerly.
"""

import tensorflow as tf

try:
    from tensorflow.python.eager import context as _context
    from tensorflow.python.framework.ops import EagerTensor

    if not hasattr(EagerTensor, "_datatype_enum"):
        raise ImportError("EagerTensor._datatype_enum is gone")

    def executing_eagerly():
        return _context.context()._thread_local_data.is_eager

    def eager_context():
        """The eager context where this thread executes eagerly, else None (as
        the generated bindings read it: the context once, its thread-local flag)."""
        context = _context._context or _context.context()
        return context if context._thread_local_data.is_eager else None

    def dtype_enum(tensor):
        """The DataType enum of an EagerTensor."""
        return tensor._datatype_enum()

    from tensorflow.python import pywrap_tfe as _pywrap_tfe
    from tensorflow.python.eager import core as _core
    from tensorflow.python.framework import ops as _ops

    def execute(context, op_type, name, *inputs_and_attrs):
        """An op run in an eager context as its generated binding runs it
        (gradient recorded), less the binding's Python: an error status raises
        as the binding raises it; None where the binding's slower path is
        needed."""
        try:
            return _pywrap_tfe.TFE_Py_FastPathExecute(context, op_type, name, *inputs_and_attrs)
        except _core._NotOkStatusException as error:
            _ops.raise_from_not_ok_status(error, name)
        except _core._FallbackException:
            return None

    from tensorflow.python.eager import record as _record

    def tape_records(tensors):
        """Whether an active gradient tape watches any of the tensors."""
        return _record.could_possibly_record() and _record.should_record_backprop(tensors)

    # (op name, outputs, inputs, backward(*output gradients) -> input
    # gradients); forward accumulators get their JVPs through it too.
    record_gradient = _record.record_operation
    stop_recording = _record.stop_recording

except ImportError:  # pragma: no cover - another TensorFlow
    execute = tape_records = record_gradient = stop_recording = None

    class EagerTensor:
        """Matches no tensor: the fast path stays off."""

    executing_eagerly = tf.executing_eagerly

    def eager_context():
        return None

    def dtype_enum(tensor):
        return tensor.dtype.as_datatype_enum
