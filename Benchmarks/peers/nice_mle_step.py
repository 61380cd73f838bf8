"""Times one MLE training step of NICE on MNIST-shaped data in PyTorch or JAX.

The step of the recipe (book.md, appendix "The paper's recipe"): dequantize y = (255 x + u) / 256 with a fresh u ~ U(0,1);
logit transform with alpha = 1e-7 and its log-Jacobian; NICE on the even/odd split of
the 784-vector, four additive couplings alternating halves (x2 += m(x1), x1 += m(x2),
...), m = BN -> Linear(392,1000) -> ReLU, 5 x [BN -> Linear(1000,1000) -> ReLU],
BN -> Linear(1000,392), batch norm on batch statistics (eps 1e-5, running averages
0.9 old + 0.1 new); diagonal scaling z = x exp(s); standard logistic prior; loss the
mean NLL; Adam(lr 1e-4, beta1 0.5, beta2 0.9, eps 1e-8). Data: uniform in [0,1].
PyTorch runs eagerly (or through torch.compile with --compile); JAX compiles the
whole step, Adam and the running-average updates included, with jax.jit.
"""

import argparse
import math
import os

from peer_common import (torch_mle_step, limit_threads, run_fields, make_jax_adam, median_seconds,
                         parse_arguments, report)

PIXELS, HALF, HIDDEN, HIDDEN_LAYERS, COUPLINGS = 784, 392, 1000, 5, 4
ALPHA, BN_EPSILON, BN_MOMENTUM = 1e-7, 1e-5, 0.1
LEARNING_RATE, BETA1, BETA2, EPSILON = 1e-4, 0.5, 0.9, 1e-8


def layer_sizes():
    return [HALF] + [HIDDEN] * (HIDDEN_LAYERS + 1) + [HALF]


def torch_step(arguments):
    import torch
    from torch import nn
    from torch.nn import functional as F

    torch.set_num_threads(arguments.threads)
    torch.manual_seed(arguments.seed)

    def coupling_network():
        layers = []
        sizes = layer_sizes()
        for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear = nn.Linear(fan_in, fan_out)
            nn.init.trunc_normal_(linear.weight, std=0.02, a=-0.04, b=0.04)
            nn.init.zeros_(linear.bias)
            layers += [nn.BatchNorm1d(fan_in, eps=BN_EPSILON, momentum=BN_MOMENTUM), linear]
            if index < len(sizes) - 2:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    class NICE(nn.Module):
        def __init__(self):
            super().__init__()
            self.couplings = nn.ModuleList(coupling_network() for _ in range(COUPLINGS))
            self.log_scale = nn.Parameter(torch.zeros(PIXELS))

        def forward(self, x):
            """Negative log-likelihood per image of pixels x in [0, 1]."""
            y = (255 * x + torch.rand_like(x)) / 256
            squeezed = ALPHA + (1 - 2 * ALPHA) * y
            log_y, log_one_minus_y = squeezed.log(), torch.log1p(-squeezed)
            h = log_y - log_one_minus_y
            log_det = (math.log(1 - 2 * ALPHA) - log_y - log_one_minus_y).sum(dim=1)
            even, odd = h[:, 0::2], h[:, 1::2]
            for index, network in enumerate(self.couplings):
                if index % 2 == 0:
                    odd = odd + network(even)
                else:
                    even = even + network(odd)
            z = torch.stack((even, odd), dim=2).reshape(-1, PIXELS) * self.log_scale.exp()
            log_prior = (z - 2 * F.softplus(z)).sum(dim=1)
            return -(log_prior + self.log_scale.sum() + log_det)

    model = NICE().train()
    data = torch.rand(arguments.batch_size, PIXELS)
    step, variant = torch_mle_step(model, data, arguments, LEARNING_RATE, BETA1, BETA2, EPSILON)
    if arguments.fused_adam:
        variant += ", fused Adam"
    seconds = median_seconds(step, arguments.warmup, arguments.steps)
    parameters = sum(p.numel() for p in model.parameters())
    return seconds, torch.__version__, parameters, variant, step().item()


def jax_step(arguments):
    import jax
    import jax.numpy as jnp

    sizes = layer_sizes()
    key, data_key, noise_key = jax.random.split(jax.random.PRNGKey(arguments.seed), 3)
    params = {"couplings": [], "log_scale": jnp.zeros(PIXELS)}
    running_stats = []
    for weight_key in jax.random.split(key, COUPLINGS):
        layer_keys = jax.random.split(weight_key, len(sizes) - 1)
        params["couplings"].append([
            {"gamma": jnp.ones(fan_in), "beta": jnp.zeros(fan_in),
             "weight": 0.02 * jax.random.truncated_normal(k, -2.0, 2.0, (fan_in, fan_out)),
             "bias": jnp.zeros(fan_out)}
            for k, fan_in, fan_out in zip(layer_keys, sizes[:-1], sizes[1:])])
        running_stats.append([{"mean": jnp.zeros(n), "var": jnp.ones(n)} for n in sizes[:-1]])
    init_adam, update_adam, variant = make_jax_adam(LEARNING_RATE, BETA1, BETA2, EPSILON)

    def batch_norm(h, layer, running):
        mean, var = h.mean(axis=0), h.var(axis=0)
        rows = h.shape[0]
        running = {"mean": (1 - BN_MOMENTUM) * running["mean"] + BN_MOMENTUM * mean,
                   "var": (1 - BN_MOMENTUM) * running["var"]
                   + BN_MOMENTUM * var * rows / (rows - 1)}
        scale = layer["gamma"] * jax.lax.rsqrt(var + BN_EPSILON)
        return (h - mean) * scale + layer["beta"], running

    def coupling_network(h, layers, running):
        updated = []
        for index, (layer, stats) in enumerate(zip(layers, running)):
            h, stats = batch_norm(h, layer, stats)
            updated.append(stats)
            h = h @ layer["weight"] + layer["bias"]
            if index < len(layers) - 1:
                h = jax.nn.relu(h)
        return h, updated

    def loss_of(params, running, x, noise):
        y = (255 * x + noise) / 256
        squeezed = ALPHA + (1 - 2 * ALPHA) * y
        log_y, log_one_minus_y = jnp.log(squeezed), jnp.log1p(-squeezed)
        h = log_y - log_one_minus_y
        log_det = jnp.sum(math.log(1 - 2 * ALPHA) - log_y - log_one_minus_y, axis=1)
        even, odd = h[:, 0::2], h[:, 1::2]
        updated = []
        for index, (layers, stats) in enumerate(zip(params["couplings"], running)):
            if index % 2 == 0:
                shift, stats = coupling_network(even, layers, stats)
                odd = odd + shift
            else:
                shift, stats = coupling_network(odd, layers, stats)
                even = even + shift
            updated.append(stats)
        z = jnp.stack((even, odd), axis=2).reshape(-1, PIXELS) * jnp.exp(params["log_scale"])
        log_prior = jnp.sum(z - 2 * jax.nn.softplus(z), axis=1)
        nll = -(log_prior + jnp.sum(params["log_scale"]) + log_det)
        return jnp.mean(nll), updated

    def train(params, running, adam_state, x, key):
        key, noise_key = jax.random.split(key)
        noise = jax.random.uniform(noise_key, x.shape)
        value_and_grad = jax.value_and_grad(loss_of, has_aux=True)
        (loss, running), grads = value_and_grad(params, running, x, noise)
        params, adam_state = update_adam(params, grads, adam_state)
        return params, running, adam_state, key, loss

    train = jax.jit(train, donate_argnums=(0, 1, 2))
    data = jax.random.uniform(data_key, (arguments.batch_size, PIXELS))
    parameters = sum(leaf.size for leaf in jax.tree_util.tree_leaves(params))
    state = {"params": params, "running": running_stats, "adam": init_adam(params),
             "key": noise_key}

    def step():
        (state["params"], state["running"], state["adam"], state["key"], loss) = train(
            state["params"], state["running"], state["adam"], data, state["key"])
        jax.block_until_ready(loss)
        return loss

    seconds = median_seconds(step, arguments.warmup, arguments.steps)
    return seconds, jax.__version__, parameters, variant, float(step())


def main():
    def options(parser):
        parser.add_argument("--compile", action="store_true",
                            help="PyTorch only: run the forward pass through torch.compile.")
        parser.add_argument("--fused-adam", action=argparse.BooleanOptionalAction, default=True,
                            help="PyTorch only: Adam's fused CPU kernel (default; measured the fastest) "
                                 "or, with --no-fused-adam, the multi-tensor one.")
    arguments = parse_arguments("Times one MLE training step of NICE on MNIST-shaped data.",
                                options)
    limit_threads(arguments.threads)
    run = torch_step if arguments.framework == "torch" else jax_step
    seconds, version, parameters, variant, loss = run(arguments)
    report({**run_fields("nice_mle", arguments, version, variant, parameters, seconds),
            "step_ms": seconds * 1e3,
            "last_loss": loss}, arguments.json)


if __name__ == "__main__":
    main()
