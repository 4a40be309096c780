"""GRU time loops (filled in by the recurrent-layers work)."""

__all__ = []
