"""Times one hybrid Flow-GAN iteration of the MNIST recipe in PyTorch or JAX, as
`flowgan-bench hybrid` does in the Swift engine.

Generator: the NICE of `nice_mle_step.py` (taken from it by `nice_reuse.py`, not
copied). Critic (book.md, appendix "The paper's recipe"; Critics.mnist): conv 5x5 stride 2 padding 2, 1 -> 1
channel, leaky ReLU 0.2, conv 5x5 stride 2 padding 2, 1 -> 64, leaky ReLU, flatten,
Linear(3136, 1024), leaky ReLU, Linear(1024, 1); weights uniform on +-1/sqrt(fan-in)
(PyTorch's default bound, the Swift engine's `uniformFanIn`), biases 0.

One iteration (AdversarialTrainer.iteration with objective .hybrid, lambda 0.1):
- 5 critic steps, each: fake = G(z), z ~ standard logistic, without gradient;
  d_loss = mean D(fake) - mean D(real) + 10 mean((||grad_xhat D(xhat)||_2 - 1)^2),
  the norm over all 784 pixels of a sample (sqrt(sum + 1e-12) as in Swift),
  xhat = eps real + (1 - eps) fake, eps ~ U(0,1) per sample; Adam on the critic;
- 1 generator step: loss = (-mean D(G(z))) / lambda + NLL(real, dequantised), fresh z
  and fresh dequantisation noise; Adam on the generator.
G(z) is the flow's inverse: z exp(-s), the four couplings undone in reverse order,
then x = (sigmoid(.) - alpha) / (1 - 2 alpha), reshaped to [N, 1, 28, 28]. The
generator's batch norms are in training mode throughout (batch statistics, running
averages updated at every pass, as in the Swift engine). Adam(1e-4, 0.5, 0.9, 1e-8) for
both networks. Data: a fixed batch of uniform [0,1] "images".

Both score the real and the fake batch in one critic pass, as the engine does (the
critic has no batch statistics, so this changes no number). PyTorch runs eagerly with
Adam's fused CPU kernel (measured the fastest: torch.compile does not take the
penalty's double backward); JAX compiles the whole iteration with jax.jit, the five
critic steps unrolled (measured faster than a fori_loop: about 230 against 185
images/s), state donated to the next call.
"""

import argparse
import os

from peer_common import (limit_threads, run_fields, make_jax_adam, median_seconds,
                         parse_arguments, report)
from nice_reuse import ALPHA, PIXELS, jax_nice, torch_nice

CRITIC_STEPS, LAMBDA, PENALTY_WEIGHT, SLOPE = 5, 0.1, 10.0, 0.2
LEARNING_RATE, BETA1, BETA2, EPSILON = 1e-4, 0.5, 0.9, 1e-8
# (name, weight shape, fan-in) of the MNIST critic; convolutions OIHW, linears [in, out].
CRITIC_LAYERS = [("conv1", (1, 1, 5, 5), 25), ("conv2", (64, 1, 5, 5), 25),
                 ("linear1", (3136, 1024), 3136), ("linear2", (1024, 1), 1024)]


def torch_iteration(arguments):
    import torch
    from torch import nn
    from torch.nn import functional as F

    model = torch_nice(arguments.seed, arguments.threads, arguments.batch_size).train()
    n = arguments.batch_size

    def uniform_fan_in(layer, fan_in):
        bound = 1 / fan_in ** 0.5
        nn.init.uniform_(layer.weight, -bound, bound)
        nn.init.zeros_(layer.bias)
        return layer

    critic = nn.Sequential(
        uniform_fan_in(nn.Conv2d(1, 1, 5, stride=2, padding=2), 25), nn.LeakyReLU(SLOPE),
        uniform_fan_in(nn.Conv2d(1, 64, 5, stride=2, padding=2), 25), nn.LeakyReLU(SLOPE),
        nn.Flatten(),
        uniform_fan_in(nn.Linear(3136, 1024), 3136), nn.LeakyReLU(SLOPE),
        uniform_fan_in(nn.Linear(1024, 1), 1024))
    generator_parameters = list(model.parameters())
    critic_parameters = list(critic.parameters())

    def adam(parameters):
        return torch.optim.Adam(parameters, lr=LEARNING_RATE, betas=(BETA1, BETA2), eps=EPSILON,
                                fused=arguments.fused_adam or None)
    generator_optimiser, critic_optimiser = adam(generator_parameters), adam(critic_parameters)
    images = torch.rand(n, 1, 28, 28)

    def logistic(rows):
        u = torch.rand(rows, PIXELS).clamp_(min=2.0 ** -24)   # open interval: finite logits
        return u.log() - torch.log1p(-u)

    def generate(z):
        x = z * (-model.log_scale).exp()
        even, odd = x[:, 0::2], x[:, 1::2]
        for index in reversed(range(len(model.couplings))):
            if index % 2 == 0:
                odd = odd - model.couplings[index](even)
            else:
                even = even - model.couplings[index](odd)
        x = torch.stack((even, odd), dim=2).reshape(-1, PIXELS)
        return ((torch.sigmoid(x) - ALPHA) / (1 - 2 * ALPHA)).reshape(-1, 1, 28, 28)

    def critic_step():
        with torch.no_grad():
            fake = generate(logistic(n))
        scores = critic(torch.cat((images, fake)))     # one pass: the critic has no batch statistics
        real_score, fake_score = scores[:n].mean(), scores[n:].mean()
        epsilon = torch.rand(n, 1, 1, 1)
        mixed = (epsilon * images + (1 - epsilon) * fake).requires_grad_()
        slope, = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
        norm = (slope.reshape(n, -1).square().sum(dim=1) + 1e-12).sqrt()
        loss = fake_score - real_score + PENALTY_WEIGHT * (norm - 1).square().mean()
        critic_optimiser.zero_grad(set_to_none=True)
        loss.backward(inputs=critic_parameters)
        critic_optimiser.step()
        return loss

    def generator_step():
        generator_loss = -critic(generate(logistic(n))).mean()
        nll = model(images.reshape(n, PIXELS)).mean()
        loss = generator_loss / LAMBDA + nll
        generator_optimiser.zero_grad(set_to_none=True)
        loss.backward(inputs=generator_parameters)
        generator_optimiser.step()
        return nll

    def iteration():
        for _ in range(CRITIC_STEPS):
            critic_loss = critic_step()
        return critic_loss, generator_step()

    seconds = median_seconds(iteration, arguments.warmup, arguments.steps)
    critic_loss, nll = iteration()
    parameters = sum(p.numel() for p in generator_parameters + critic_parameters)
    variant = "eager, fused Adam" if arguments.fused_adam else "eager"
    return seconds, torch.__version__, parameters, variant, critic_loss.item(), nll.item()


def jax_iteration(arguments):
    import jax
    import jax.numpy as jnp

    nice = jax_nice(arguments.seed, arguments.threads, arguments.batch_size)
    nll_of, coupling_network = nice["nll"], nice["coupling_network"]
    n = arguments.batch_size
    key, data_key, loop_key = jax.random.split(jax.random.PRNGKey(arguments.seed + 1), 3)
    critic_params = {}
    for (name, shape, fan_in), layer_key in zip(CRITIC_LAYERS, jax.random.split(key, len(CRITIC_LAYERS))):
        bound = 1 / fan_in ** 0.5
        critic_params[name] = {"weight": jax.random.uniform(layer_key, shape, minval=-bound, maxval=bound),
                               "bias": jnp.zeros(shape[0] if name.startswith("conv") else shape[1])}
    init_adam, update_adam, variant = make_jax_adam(LEARNING_RATE, BETA1, BETA2, EPSILON)

    def critic(p, x):
        for name in ("conv1", "conv2"):
            x = jax.lax.conv_general_dilated(x, p[name]["weight"], (2, 2), [(2, 2), (2, 2)],
                                             dimension_numbers=("NCHW", "OIHW", "NCHW"))
            x = jax.nn.leaky_relu(x + p[name]["bias"][None, :, None, None], SLOPE)
        x = x.reshape(x.shape[0], -1)
        x = jax.nn.leaky_relu(x @ p["linear1"]["weight"] + p["linear1"]["bias"], SLOPE)
        return x @ p["linear2"]["weight"] + p["linear2"]["bias"]

    def generate(params, running, z):
        """G(z), [N, 1, 28, 28], and the updated batch-norm running statistics."""
        running = list(running)
        x = z * jnp.exp(-params["log_scale"])
        even, odd = x[:, 0::2], x[:, 1::2]
        for index in reversed(range(len(params["couplings"]))):
            if index % 2 == 0:
                shift, running[index] = coupling_network(even, params["couplings"][index], running[index])
                odd = odd - shift
            else:
                shift, running[index] = coupling_network(odd, params["couplings"][index], running[index])
                even = even - shift
        x = jnp.stack((even, odd), axis=2).reshape(-1, PIXELS)
        return ((jax.nn.sigmoid(x) - ALPHA) / (1 - 2 * ALPHA)).reshape(-1, 1, 28, 28), running

    def critic_loss(p, real, fake, epsilon):
        mixed = epsilon * real + (1 - epsilon) * fake
        slope = jax.grad(lambda x: jnp.sum(critic(p, x)))(mixed)
        norm = jnp.sqrt(jnp.sum(jnp.square(slope.reshape(n, -1)), axis=1) + 1e-12)
        scores = critic(p, jnp.concatenate([real, fake], axis=0))
        return (jnp.mean(scores[n:]) - jnp.mean(scores[:n])
                + PENALTY_WEIGHT * jnp.mean(jnp.square(norm - 1)))

    def iteration(generator_params, running, generator_adam, critic_params, critic_adam, key, real):
        def critic_step(_, carry):
            critic_params, critic_adam, running, key, _ = carry
            key, z_key, epsilon_key = jax.random.split(key, 3)
            fake, running = generate(generator_params, running, jax.random.logistic(z_key, (n, PIXELS)))
            epsilon = jax.random.uniform(epsilon_key, (n, 1, 1, 1))
            loss, grads = jax.value_and_grad(critic_loss)(critic_params, real, fake, epsilon)
            critic_params, critic_adam = update_adam(critic_params, grads, critic_adam)
            return critic_params, critic_adam, running, key, loss

        carry = (critic_params, critic_adam, running, key, jnp.zeros(()))
        for i in range(CRITIC_STEPS):
            carry = critic_step(i, carry)
        critic_params, critic_adam, running, key, d_loss = carry
        key, z_key, noise_key = jax.random.split(key, 3)
        z = jax.random.logistic(z_key, (n, PIXELS))
        noise = jax.random.uniform(noise_key, (n, PIXELS))

        def generator_loss(params, running):
            fake, running = generate(params, running, z)
            adversarial = -jnp.mean(critic(critic_params, fake))
            nll, running = nll_of(params, running, real.reshape(n, PIXELS), noise)
            return adversarial / LAMBDA + nll, (running, nll)

        (_, (running, nll)), grads = jax.value_and_grad(generator_loss, has_aux=True)(
            generator_params, running)
        generator_params, generator_adam = update_adam(generator_params, grads, generator_adam)
        return generator_params, running, generator_adam, critic_params, critic_adam, key, d_loss, nll

    iteration = jax.jit(iteration, donate_argnums=(0, 1, 2, 3, 4))
    images = jax.random.uniform(data_key, (n, 1, 28, 28))
    state = [nice["params"], nice["running"], init_adam(nice["params"]), critic_params,
             init_adam(critic_params), loop_key]
    parameters = sum(leaf.size for leaf in jax.tree_util.tree_leaves([nice["params"], critic_params]))

    def step():
        results = iteration(*state, images)
        state[:], (d_loss, nll) = results[:6], results[6:]
        jax.block_until_ready(nll)
        return d_loss, nll

    seconds = median_seconds(step, arguments.warmup, arguments.steps)
    d_loss, nll = step()
    return seconds, jax.__version__, parameters, variant, float(d_loss), float(nll)


def main():
    def options(parser):
        parser.add_argument("--fused-adam", action=argparse.BooleanOptionalAction, default=True,
                            help="PyTorch only: Adam's fused CPU kernel (default; measured the "
                                 "fastest) or, with --no-fused-adam, the multi-tensor one.")
    arguments = parse_arguments("Times one hybrid Flow-GAN iteration (5 critic steps + 1 "
                                "generator step) of the MNIST recipe.", options)
    limit_threads(arguments.threads)
    run = torch_iteration if arguments.framework == "torch" else jax_iteration
    seconds, version, parameters, variant, critic_loss, nll = run(arguments)
    report({**run_fields("hybrid", arguments, version, variant, parameters, seconds),
            "load_at_end": round(os.getloadavg()[0], 2),
            "critic_steps": CRITIC_STEPS,
            "lambda": LAMBDA,
            "iteration_ms": seconds * 1e3,
            "last_critic_loss": critic_loss,
            "last_nll": nll}, arguments.json)


if __name__ == "__main__":
    main()
