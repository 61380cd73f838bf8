"""Times the training step of `flowgan-bench mlp` in PyTorch or JAX.

MLP 392 -> 1000, five 1000 -> 1000, 1000 -> 392, ReLU between layers and none after
the last; weights truncated normal (std 0.02, cut at two deviations), biases 0; batch
of standard normal inputs and targets; loss mean((model(x) - target)^2); backward;
Adam(lr 1e-4, beta1 0.5, beta2 0.9, eps 1e-8). PyTorch runs eagerly; JAX compiles the
whole step, Adam included, with jax.jit.
"""

import argparse
import os

from peer_common import (limit_threads, run_fields, make_jax_adam, median_seconds,
                         parse_arguments, report)

SIZES = [392] + [1000] * 6 + [392]
LEARNING_RATE, BETA1, BETA2, EPSILON = 1e-4, 0.5, 0.9, 1e-8


def matmul_flops(batch):
    """FLOPs of the step's matrix products, counted as flowgan-bench counts them:
    x.W and x^T.g for every layer, g.W^T for all but the first."""
    total = 0
    for index, (fan_in, fan_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        products = 3 if index > 0 else 2
        total += products * 2 * batch * fan_in * fan_out
    return total


def torch_step(arguments):
    import torch
    from torch import nn

    torch.set_num_threads(arguments.threads)
    torch.manual_seed(arguments.seed)
    layers = []
    for index, (fan_in, fan_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        linear = nn.Linear(fan_in, fan_out)
        nn.init.trunc_normal_(linear.weight, std=0.02, a=-0.04, b=0.04)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if index < len(SIZES) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    optimiser = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, betas=(BETA1, BETA2),
                                 eps=EPSILON, fused=arguments.fused_adam or None)
    inputs = torch.randn(arguments.batch_size, SIZES[0])
    target = torch.randn(arguments.batch_size, SIZES[-1])

    def step():
        optimiser.zero_grad(set_to_none=True)
        loss = (model(inputs) - target).square().mean()
        loss.backward()
        optimiser.step()

    seconds = median_seconds(step, arguments.warmup, arguments.steps)
    parameters = sum(p.numel() for p in model.parameters())
    variant = "eager, fused Adam" if arguments.fused_adam else "eager"
    return seconds, torch.__version__, parameters, variant


def jax_step(arguments):
    import jax
    import jax.numpy as jnp

    keys = jax.random.split(jax.random.PRNGKey(arguments.seed), len(SIZES) + 1)
    params = [(0.02 * jax.random.truncated_normal(key, -2.0, 2.0, (fan_in, fan_out)),
               jnp.zeros(fan_out))
              for key, fan_in, fan_out in zip(keys, SIZES[:-1], SIZES[1:])]
    inputs = jax.random.normal(keys[-2], (arguments.batch_size, SIZES[0]))
    target = jax.random.normal(keys[-1], (arguments.batch_size, SIZES[-1]))
    init_adam, update_adam, variant = make_jax_adam(LEARNING_RATE, BETA1, BETA2, EPSILON)

    def loss_of(params):
        h = inputs
        for index, (weight, bias) in enumerate(params):
            h = h @ weight + bias
            if index < len(params) - 1:
                h = jax.nn.relu(h)
        return jnp.mean(jnp.square(h - target))

    @jax.jit
    def train(params, adam_state):
        grads = jax.grad(loss_of)(params)
        return update_adam(params, grads, adam_state)

    state = {"params": params, "adam": init_adam(params)}

    def step():
        state["params"], state["adam"] = train(state["params"], state["adam"])
        jax.block_until_ready(state["params"])

    seconds = median_seconds(step, arguments.warmup, arguments.steps)
    parameters = sum(leaf.size for leaf in jax.tree_util.tree_leaves(params))
    return seconds, jax.__version__, parameters, variant


def main():
    def options(parser):
        parser.add_argument("--fused-adam", action=argparse.BooleanOptionalAction, default=True,
                            help="PyTorch only: Adam's fused CPU kernel (default; measured the fastest) "
                                 "or, with --no-fused-adam, the multi-tensor one.")
    arguments = parse_arguments("Times an MLP training step with the shapes of NICE's "
                                "coupling network.", options)
    limit_threads(arguments.threads)
    run = torch_step if arguments.framework == "torch" else jax_step
    seconds, version, parameters, variant = run(arguments)
    flops = matmul_flops(arguments.batch_size)
    report({**run_fields("mlp", arguments, version, variant, parameters, seconds),
            "step_ms": seconds * 1e3,
            "gflops": flops / seconds / 1e9}, arguments.json)


if __name__ == "__main__":
    main()
