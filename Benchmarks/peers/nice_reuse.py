"""The NICE model of `nice_mle_step.py`, taken out of it for the other peer scripts.

`nice_mle_step.py` builds its model inside `torch_step` and `jax_step`, next to the
timing loop, and exports no model builder. So that `hybrid_step.py` and
`nice_mle_curve.py` train exactly the NICE that `nice_mle_step.py` times, without a
second copy of it, this module runs those two builders up to the point where they
would start timing (`median_seconds` is replaced for the duration by a function that
stops them there), and picks the model out of the step function they built, by the
names of its closure variables. Nothing else of the builders runs: no step is taken.

If `nice_mle_step.py` is ever refactored to define the model at module level, these
two functions should simply call that definition; the names looked up here
(`loss_of`, `model`, `train`, `state`, `coupling_network`) are checked, and a rename
fails loudly rather than silently.
"""

import argparse

import nice_mle_step
from nice_mle_step import ALPHA, COUPLINGS, PIXELS  # noqa: F401 (re-exported)


class _StopBeforeTiming(Exception):
    def __init__(self, step):
        super().__init__("stopped before timing")
        self.step = step


def _closure(function, *names):
    """The values of a function's closure variables, by name."""
    cells = dict(zip(function.__code__.co_freevars, function.__closure__ or ()))
    missing = [name for name in names if name not in cells]
    if missing:
        raise RuntimeError(f"nice_mle_step.py changed: {function.__qualname__} no longer closes over "
                           f"{missing} (it has {sorted(cells)}); update nice_reuse.py")
    values = [cells[name].cell_contents for name in names]
    return values[0] if len(values) == 1 else values


def _built_step(builder, seed, threads, batch_size):
    """Runs one of nice_mle_step's builders up to its timing loop; its step function."""
    arguments = argparse.Namespace(seed=seed, threads=threads, batch_size=batch_size, warmup=0,
                                   steps=1, compile=False, fused_adam=False)

    def stop(step, warmup, repeats):
        raise _StopBeforeTiming(step)

    original = nice_mle_step.median_seconds
    nice_mle_step.median_seconds = stop
    try:
        builder(arguments)
    except _StopBeforeTiming as stopped:
        return stopped.step
    finally:
        nice_mle_step.median_seconds = original
    raise RuntimeError("nice_mle_step.py changed: its builder no longer calls median_seconds")


def torch_nice(seed, threads, batch_size=100):
    """nice_mle_step's PyTorch NICE module, freshly initialised from `seed` (it seeds
    torch's global generator and sets torch's thread count, as the benchmark does).

    model(x) is the per-image NLL (nats) of pixels x [N, 784] in [0, 1], dequantised
    with a fresh torch.rand_like draw; model.couplings are the four coupling networks
    (coupling i shifts the odd half from the even one for even i, the even half from
    the odd one for odd i); model.log_scale is the diagonal scaling s."""
    step = _built_step(nice_mle_step.torch_step, seed, threads, batch_size)
    loss_of = _closure(step, "loss_of")
    model = _closure(loss_of, "model")
    for attribute in ("couplings", "log_scale"):
        if not hasattr(model, attribute):
            raise RuntimeError(f"nice_mle_step.py changed: its NICE has no .{attribute}")
    return model


def jax_nice(seed, threads, batch_size=100):
    """nice_mle_step's JAX NICE as plain functions and initial state:

    nll(params, running, x, noise) -> (mean NLL, updated running statistics), batch
        statistics in the batch norms (training mode), pixels x [N, 784] in [0, 1],
        noise the dequantisation draw U(0,1) of x's shape;
    coupling_network(h, layers, running) -> (output, updated running statistics);
    params {"couplings": [...], "log_scale": [784]}; running, the statistics."""
    step = _built_step(nice_mle_step.jax_step, seed, threads, batch_size)
    train, state = _closure(step, "train", "state")
    inner = getattr(train, "__wrapped__", train)
    nll = _closure(inner, "loss_of")
    coupling_network = _closure(nll, "coupling_network")
    return {"nll": nll, "coupling_network": coupling_network,
            "params": state["params"], "running": state["running"]}
