"""The seed answers' function names, so their code drops in unchanged."""

from softround_ops import _modes


def seed_helpers(soft_round):
    """approx_round, approx_round_sin and round_ste built on a soft_round."""

    def approx_round(x, steepness=1):
        """The seed's sigmoid approximation, with its true gradient (it omitted alpha)."""
        return soft_round(x, steepness, mode="sigmoid")

    def approx_round_sin(x, width=0.1):
        """The seed's clipped-sine approximation; returns 1 at the band's upper edge."""
        # The same words as soft_round's check (the seed's own message said
        # "Width must be between zero (exclusive) and one (inclusive)").
        if isinstance(width, (int, float)):
            _modes.check_python_alpha("approx_round_sin", "sine", width)
        return soft_round(x, width, mode="sine")

    def round_ste(x):
        """round(x) forward (half to even, as tf.round), gradient passed straight through."""
        return soft_round(x, 0.0, mode="ste")

    for helper in (approx_round, approx_round_sin, round_ste):
        # help(), tracebacks and errors show the public name, not a closure's.
        helper.__qualname__ = helper.__name__
        helper.__module__ = soft_round.__module__
    return approx_round, approx_round_sin, round_ste
