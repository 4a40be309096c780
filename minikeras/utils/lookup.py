"""Name lookup with clear errors: an unknown name raises ValueError with close matches."""

import difflib


def lookup(kind, name, table):
    """Return `table[name]`, or raise ValueError naming the argument, the value and the choices.

    kind:  what is looked up, as the argument is called ("activation", "loss", ...)
    table: dict from accepted names (aliases included) to objects
    """
    if not isinstance(name, str):
        raise TypeError(f"Could not interpret {kind} identifier: {name!r} (expected a string)")
    if name in table:
        return table[name]
    close = difflib.get_close_matches(name, list(table), n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(
        f"Unknown {kind}: {name!r}.{hint} Expected one of: {', '.join(sorted(table))}."
    )
