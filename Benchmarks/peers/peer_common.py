"""Shared plumbing for the peer benchmarks: arguments, thread set-up, timing, output.

The peer benchmarks time the same training steps as `flowgan-bench` in PyTorch and
JAX. They are measuring instruments only; nothing in the Swift package depends on them.
"""

import argparse
import json
import os
import statistics
import time


def parse_arguments(description, extra=None):
    """Parses the options every peer benchmark takes; `extra` may add its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--framework", choices=["torch", "jax"], required=True,
                        help="Framework that runs the step.")
    parser.add_argument("--warmup", type=int, default=5, help="Steps run before timing starts.")
    parser.add_argument("--steps", type=int, default=30, help="Steps timed.")
    parser.add_argument("--batch-size", type=int, default=100, help="Rows per batch.")
    parser.add_argument("--threads", type=int, default=available_cores(),
                        help="Intra-op threads (default: the cores this process may use).")
    parser.add_argument("--seed", type=int, default=0, help="Seed for weights and data.")
    parser.add_argument("--json", action="store_true",
                        help="Print one JSON object instead of a table.")
    if extra is not None:
        extra(parser)
    arguments = parser.parse_args()
    # Other work on the machine distorts the timings: the 1-minute load average before
    # the run goes into the report so that a distorted number can be recognised.
    arguments.load_at_start = round(os.getloadavg()[0], 2)
    if arguments.warmup < 0:
        parser.error(f"--warmup must be 0 or more, got {arguments.warmup}")
    if arguments.steps <= 0:
        parser.error(f"--steps must be positive, got {arguments.steps}")
    if arguments.batch_size <= 1:
        parser.error(f"--batch-size must be at least 2, got {arguments.batch_size}")
    if arguments.threads <= 0:
        parser.error(f"--threads must be positive, got {arguments.threads}")
    return arguments


def available_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def limit_threads(threads):
    """Caps the thread pools of OpenMP, MKL, OpenBLAS and XLA. Call before importing
    a framework: the pools read these variables once, when they start."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)
    # XLA sizes its pool from the cores it may run on and has no stable flag for it:
    # fewer threads than cores are obtained by narrowing the process's CPU affinity.
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if 0 < threads < len(cores):
        os.sched_setaffinity(0, cores[:threads])


def torch_mle_step(model, data, arguments, learning_rate, beta1, beta2, epsilon):
    """One PyTorch maximum-likelihood step on the fixed batch `data`: zero the gradients,
    the mean NLL `model(data).mean()` (through torch.compile with --compile), backward,
    Adam (fused unless --no-fused-adam). Returns the step and its variant's name
    ("eager" or "torch.compile"); the caller adds its layout and Adam to the name."""
    import torch
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate, betas=(beta1, beta2),
                                 eps=epsilon, fused=arguments.fused_adam or None)

    def mean_nll(x):
        return model(x).mean()
    loss_of = torch.compile(mean_nll) if arguments.compile else mean_nll

    def step():
        optimiser.zero_grad(set_to_none=True)
        loss = loss_of(data)
        loss.backward()
        optimiser.step()
        return loss

    return step, "torch.compile" if arguments.compile else "eager"


def median_seconds(step, warmup, repeats):
    """Runs `step` warmup times untimed, then `repeats` times timed; the median wall
    time of one call. `step` must return only once its work has finished."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_fields(benchmark, arguments, version, variant, parameters, seconds):
    """The fields every peer benchmark reports: what ran, where, and its rate."""
    return {"benchmark": benchmark,
            "framework": arguments.framework,
            "version": version,
            "variant": variant,
            "threads": arguments.threads,
            "cores": os.cpu_count(),
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
            "load_at_start": arguments.load_at_start,
            "batch_size": arguments.batch_size,
            "parameters": parameters,
            "images_per_s": arguments.batch_size / seconds}


def report(fields, as_json):
    """Prints the results as one JSON line or as an aligned two-column table."""
    if as_json:
        print(json.dumps(fields), flush=True)
        return
    width = max(len(key) for key in fields)
    for key, value in fields.items():
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{key.ljust(width)}  {shown}")


def make_jax_adam(learning_rate, beta1, beta2, epsilon):
    """Adam for a JAX parameter tree as (init, update, description), update being
    (params, grads, state) -> (params, state). Uses optax when it is installed,
    else the textbook update in jax.numpy."""
    import jax
    import jax.numpy as jnp
    try:
        import optax
    except ImportError:
        optax = None
    if optax is not None:
        transform = optax.adam(learning_rate, b1=beta1, b2=beta2, eps=epsilon)

        def update(params, grads, state):
            updates, state = transform.update(grads, state, params)
            return optax.apply_updates(params, updates), state
        return transform.init, update, f"jit, optax {optax.__version__} Adam"

    tree_map = jax.tree_util.tree_map

    def init(params):
        # Two separate trees of zeros: the steps donate the state, and XLA refuses to
        # donate one buffer twice (m and v sharing arrays failed with "Attempt to donate
        # the same buffer twice").
        return {"m": tree_map(jnp.zeros_like, params), "v": tree_map(jnp.zeros_like, params),
                "t": jnp.zeros((), jnp.int32)}

    def update(params, grads, state):
        t = state["t"] + 1
        m = tree_map(lambda m, g: beta1 * m + (1 - beta1) * g, state["m"], grads)
        v = tree_map(lambda v, g: beta2 * v + (1 - beta2) * g * g, state["v"], grads)
        m_correction, v_correction = 1 - beta1 ** t, 1 - beta2 ** t

        def moved(p, m, v):
            return p - learning_rate * (m / m_correction) / (jnp.sqrt(v / v_correction) + epsilon)
        return tree_map(moved, params, m, v), {"m": m, "v": v, "t": t}
    return init, update, "jit, hand-written Adam"
