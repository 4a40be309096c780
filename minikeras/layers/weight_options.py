"""A layer's `<weight>_initializer / _regularizer / _constraint` arguments, resolved once."""

from .. import constraints, initializers, regularizers

OPTION_KINDS = {"initializer": initializers, "regularizer": regularizers,
                "constraint": constraints}


def set_weight_options(layer, **options):
    """Resolve `<weight>_initializer/_regularizer/_constraint` arguments onto the layer, each
    with its module's `get` (kernel_initializer="orthogonal" -> an Orthogonal instance), in
    the order given (so the first bad one is the one reported)."""
    for name, value in options.items():
        setattr(layer, name, OPTION_KINDS[name.rsplit("_", 1)[1]].get(value))
