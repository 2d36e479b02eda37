"""Drop-in modules that answer other libraries' soft-rounding APIs with softround_ops' ops."""

from softround_ops.compat import tfc  # noqa: F401  (registers its Keras layers)
