"""Times one maximum-likelihood training step of chapter 03's Real NVP in PyTorch or JAX,
as `flowgan-bench realnvp` does in the Swift engine.

The model is `FlowModels.realNVP(sampleShape: [1, 28, 28], features: 32, blocks: 2,
prior: .standardLogistic)` (Sources/Flows/Models.swift), the one chapter 03 trains:
- the logit layer: y' = alpha + (1 - 2 alpha) y, alpha = 1e-7, s = log y' - log(1 - y'),
  log-det sum(log(1 - 2 alpha) - log y' - log(1 - y'));
- 3 affine couplings with checkerboard masks on 1x28x28 (parities 0, 1, 0; b = 1 where
  row + column + parity is even);
- squeeze to 4x14x14 (each 2x2 block of a channel becomes 4 channels, channel 4c + 2i + j);
- 3 affine couplings with channel masks (parity 0: the first half of the channels pass);
- factor-out: channels 0-1 go to the latent, channels 2-3 (2x14x14) go through 4 more
  checkerboard couplings;
- the standard logistic prior, sum(z - 2 softplus(z)).
Affine coupling with mask b: h = net(b x), l = (tanh(h[:C]) a + c)(1 - b),
m = tanh(h[C:])(1 - b), y = x exp(l) + m, log-det sum(l); a = 1 and c = 0 learned scalars.
The s/t network for C channels (Sources/Flows/ResidualNetwork.swift): BN -> 1x1 conv
C -> 32 with weight normalisation (w = g v / ||v||, g starting at ||v||) -> ReLU -> BN,
then 2 blocks [3x3 conv -> ReLU -> BN -> 3x3 conv -> + skip -> ReLU -> BN], then a 1x1
conv 32 -> 2C initialised to zero (every coupling starts as the identity). Every conv has
a bias (0 at the start); weights uniform on +-1/sqrt(fan-in). Batch norm on batch
statistics, biased variance, eps 1e-5, learned scale and shift, running averages
0.9 old + 0.1 new with the unbiased variance.

One step (FlowTrainer.maximumLikelihoodStep): dequantise y = (255 x + u) / 256 with a
fresh u ~ U(0,1); loss = the batch mean of -(log p(z) + log-det); backward; Adam(lr 1e-4,
beta1 0.5, beta2 0.9, eps 1e-8). Data: a fixed batch of uniform [0,1] "images".
PyTorch runs eagerly (or the forward pass and loss through torch.compile, --compile),
NCHW or channels_last (--channels-last); JAX compiles the whole step with jax.jit, NCHW or
NHWC (--channels-last).

`--check` times nothing: it prints the parameter count beside the count worked out from
the architecture, and the NLL of the batch np.random.default_rng(0).uniform(size=(N, 1,
28, 28)) under the untrained model (no dequantisation) beside its closed form.
"""

import argparse
import math

import numpy as np

from peer_common import (torch_mle_step, limit_threads, run_fields, make_jax_adam, median_seconds,
                         parse_arguments, report)

SAMPLE_SHAPE = (1, 28, 28)
FEATURES, BLOCKS = 32, 2
ALPHA, BN_EPSILON = 1e-7, 1e-5
BN_MOMENTUM = 0.1      # PyTorch's convention: running = 0.9 old + 0.1 new (the engine's momentum 0.9)
LEARNING_RATE, BETA1, BETA2, EPSILON = 1e-4, 0.5, 0.9, 1e-8
# As the engine computes it: log(1 - 2 alpha) in double precision from the float alpha,
# then rounded to a float.
LOG_ONE_MINUS_2ALPHA = float(np.float32(math.log(1 - 2 * float(np.float32(ALPHA)))))
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


# ----------------------------------------------------------------------------------------
# The architecture, shared by both frameworks.

def checkerboard_mask(channels, height, width, parity):
    """b = 1 where (row + column + parity) is even, on every channel: [1, C, H, W]."""
    rows, columns = np.indices((height, width))
    board = ((rows + columns + parity) % 2 == 0).astype(np.float32)
    return np.broadcast_to(board, (1, channels, height, width)).copy()


def channel_mask(channels, parity):
    """b = 1 on the first half of the channels (parity 0) or the second (parity 1): [1, C, 1, 1]."""
    first_half = np.arange(channels) < channels // 2
    passing = first_half if parity == 0 else ~first_half
    return passing.astype(np.float32).reshape(1, channels, 1, 1)


def coupling_masks(sample_shape=SAMPLE_SHAPE):
    """The masks of the ten couplings, in the order the flow applies them."""
    c, h, w = sample_shape
    return ([checkerboard_mask(c, h, w, i % 2) for i in range(3)]
            + [channel_mask(4 * c, i % 2) for i in range(3)]
            + [checkerboard_mask(2 * c, h // 2, w // 2, i % 2) for i in range(4)])


def parameters_by_hand(sample_shape=SAMPLE_SHAPE, features=FEATURES, blocks=BLOCKS):
    """The trainable scalars of the Swift model, counted from its layers."""
    total = 0
    for mask in coupling_masks(sample_shape):
        c, f = mask.shape[1], features
        network = (2 * c                             # input BN: gamma, beta
                   + f * c + f + f                   # weight-normed 1x1 conv: v, g, bias
                   + 2 * f                           # stem BN
                   + blocks * 2 * (9 * f * f + f + 2 * f)   # per block: 2 x (3x3 conv + bias, BN)
                   + 2 * c * f + 2 * c)              # output 1x1 conv to 2C + bias
        total += network + 2                         # the coupling's a and c
    return total


def closed_form_initial_nll(images, prior, float32_logit=False):
    """Mean NLL (nats) of `images` (no dequantisation) under the untrained model.
    Every coupling starts as the identity (zero last conv: l = tanh(0) a + c = 0, m = 0)
    and squeeze and factor-out only permute, so the flow is the logit layer alone. With
    the logistic prior the result is -D log(1 - 2 alpha) for any batch (logistic(logit(y'))
    times the logit's Jacobian is the uniform density on (alpha, 1 - alpha)).
    In float64, or with `float32_logit` y', log y' and log(1 - y') in float32 as the
    engine and the peers compute them (1 - y' in float32 loses most digits of small
    1 - y'; the rest of the sum stays in float64)."""
    if float32_logit:
        one, alpha = np.float32(1), np.float32(ALPHA)
        y = images.astype(np.float32) * (one - 2 * alpha) + alpha
        log_y, log_one_minus_y = np.log(y).astype(np.float64), np.log(one - y).astype(np.float64)
        log_scale = LOG_ONE_MINUS_2ALPHA
    else:
        y = ALPHA + (1 - 2 * ALPHA) * images.astype(np.float64)
        log_y, log_one_minus_y = np.log(y), np.log1p(-y)
        log_scale = math.log(1 - 2 * ALPHA)
    z = log_y - log_one_minus_y
    axes = tuple(range(1, images.ndim))
    log_det = np.sum(log_scale - log_y - log_one_minus_y, axis=axes)
    if prior == "logistic":
        log_prior = np.sum(z - 2 * np.logaddexp(0, z), axis=axes)
    else:
        log_prior = np.sum(-0.5 * z * z - HALF_LOG_2PI, axis=axes)
    return float(np.mean(-(log_prior + log_det)))


# ----------------------------------------------------------------------------------------
# PyTorch.

def torch_model(seed, prior="logistic", channels_last=False):
    """The untrained Real NVP as a torch module whose forward maps images [N, 1, 28, 28]
    to the NLL of each (dequantised first if `dequantize`)."""
    import torch
    from torch import nn
    from torch.nn import functional

    torch.manual_seed(seed)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format

    def uniform_fan_in(tensor, fan_in):
        bound = 1 / math.sqrt(fan_in)
        return nn.init.uniform_(tensor, -bound, bound)

    def batch_norm(channels):
        return nn.BatchNorm2d(channels, eps=BN_EPSILON, momentum=BN_MOMENTUM)

    def convolution(inputs, outputs, kernel, zero=False):
        layer = nn.Conv2d(inputs, outputs, kernel, padding=kernel // 2)
        if zero:
            nn.init.zeros_(layer.weight)
        else:
            uniform_fan_in(layer.weight, inputs * kernel * kernel)
        nn.init.zeros_(layer.bias)
        return layer

    class ResidualNetwork(nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.input_norm = batch_norm(channels)
            direction = uniform_fan_in(torch.empty(FEATURES, channels, 1, 1), channels)
            self.input_direction = nn.Parameter(direction)
            self.input_scale = nn.Parameter(direction.square().sum(dim=(1, 2, 3)).sqrt())
            self.input_bias = nn.Parameter(torch.zeros(FEATURES))
            self.stem_norm = batch_norm(FEATURES)
            self.blocks = nn.ModuleList(
                nn.ModuleList([convolution(FEATURES, FEATURES, 3), batch_norm(FEATURES),
                               convolution(FEATURES, FEATURES, 3), batch_norm(FEATURES)])
                for _ in range(BLOCKS))
            self.output_conv = convolution(FEATURES, 2 * channels, 1, zero=True)

        def forward(self, x):
            norms = self.input_direction.square().sum(dim=(1, 2, 3), keepdim=True).sqrt()
            weight = self.input_direction * (self.input_scale.view(-1, 1, 1, 1) / norms)
            h = self.stem_norm(functional.relu(
                functional.conv2d(self.input_norm(x), weight, self.input_bias)))
            for conv1, norm1, conv2, norm2 in self.blocks:
                h = norm2(functional.relu(conv2(norm1(functional.relu(conv1(h)))) + h))
            return self.output_conv(h)

    class AffineCoupling(nn.Module):
        def __init__(self, mask):
            super().__init__()
            self.channels = mask.shape[1]
            self.register_buffer("mask", torch.from_numpy(mask))
            self.register_buffer("free", torch.from_numpy(1 - mask))
            self.network = ResidualNetwork(self.channels)
            self.scale = nn.Parameter(torch.ones(1))
            self.shift = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            h = self.network(x * self.mask)
            l = (torch.tanh(h[:, :self.channels]) * self.scale + self.shift) * self.free
            m = torch.tanh(h[:, self.channels:]) * self.free
            return x * l.exp() + m, l.sum(dim=(1, 2, 3))

    def log_prior(z):
        if prior == "logistic":
            return (z - 2 * functional.softplus(z)).sum(dim=(1, 2, 3))
        return (-0.5 * z.square() - HALF_LOG_2PI).sum(dim=(1, 2, 3))

    class RealNVP(nn.Module):
        def __init__(self):
            super().__init__()
            self.couplings = nn.ModuleList(AffineCoupling(mask) for mask in coupling_masks())

        def forward(self, images, dequantize=True):
            y = (255 * images + torch.rand_like(images)) / 256 if dequantize else images
            squeezed = y * (1 - 2 * ALPHA) + ALPHA
            log_y, log_one_minus_y = squeezed.log(), (1 - squeezed).log()
            x = log_y - log_one_minus_y
            log_det = (LOG_ONE_MINUS_2ALPHA - log_y - log_one_minus_y).sum(dim=(1, 2, 3))
            for coupling in self.couplings[:3]:
                x, l = coupling(x)
                log_det = log_det + l
            n, c, height, width = x.shape
            x = (x.reshape(n, c, height // 2, 2, width // 2, 2).permute(0, 1, 3, 5, 2, 4)
                 .reshape(n, 4 * c, height // 2, width // 2).contiguous(memory_format=memory_format))
            for coupling in self.couplings[3:6]:
                x, l = coupling(x)
                log_det = log_det + l
            factored, x = x[:, :2 * c], x[:, 2 * c:].contiguous(memory_format=memory_format)
            for coupling in self.couplings[6:]:
                x, l = coupling(x)
                log_det = log_det + l
            return -(log_prior(factored) + log_prior(x) + log_det)

    return RealNVP().to(memory_format=memory_format).train()


def torch_step(arguments):
    import torch

    torch.set_num_threads(arguments.threads)
    model = torch_model(arguments.seed, channels_last=arguments.channels_last)
    memory_format = torch.channels_last if arguments.channels_last else torch.contiguous_format
    images = torch.rand(arguments.batch_size, *SAMPLE_SHAPE).contiguous(memory_format=memory_format)
    step, variant = torch_mle_step(model, images, arguments, LEARNING_RATE, BETA1, BETA2, EPSILON)
    variant += ", channels_last" if arguments.channels_last else ", NCHW"
    if arguments.fused_adam:
        variant += ", fused Adam"
    seconds = median_seconds(step, arguments.warmup, arguments.steps)
    parameters = sum(p.numel() for p in model.parameters())
    return seconds, torch.__version__, parameters, variant, step().item()


def torch_initial_nll(arguments, images, prior):
    import torch
    torch.set_num_threads(arguments.threads)
    model = torch_model(arguments.seed, prior, arguments.channels_last)
    with torch.no_grad():
        nll = model(torch.from_numpy(images), dequantize=False).mean().item()
    return nll, sum(p.numel() for p in model.parameters()), torch.__version__


# ----------------------------------------------------------------------------------------
# JAX.

def jax_model(seed, prior="logistic", channels_last=False):
    """The untrained Real NVP in JAX: {"params", "running", "nll"}, where
    nll(params, running, y) -> (NLL of each image, updated running statistics) for
    images y in [0, 1] (already dequantised), laid out NCHW or, with `channels_last`, NHWC;
    "forward" gives the latent and log-det instead (for checks)."""
    import jax
    import jax.numpy as jnp

    channel_axis = 3 if channels_last else 1
    reduced_axes = (0, 1, 2) if channels_last else (0, 2, 3)
    dimension_numbers = ("NHWC", "OIHW", "NHWC") if channels_last else ("NCHW", "OIHW", "NCHW")

    def laid_out(mask):
        return jnp.asarray(np.transpose(mask, (0, 2, 3, 1)) if channels_last else mask)

    def per_channel(vector):
        return vector.reshape((1, 1, 1, -1) if channels_last else (1, -1, 1, 1))

    def channel_slice(x, start, stop):
        return jax.lax.slice_in_dim(x, start, stop, axis=channel_axis)

    def uniform_fan_in(key, shape, fan_in):
        bound = 1 / math.sqrt(fan_in)
        return jax.random.uniform(key, shape, minval=-bound, maxval=bound)

    def norm_parameters(channels):
        return {"gamma": jnp.ones(channels), "beta": jnp.zeros(channels)}

    def norm_statistics(channels):
        return {"mean": jnp.zeros(channels), "var": jnp.ones(channels)}

    def conv_parameters(key, inputs, outputs, kernel):
        return {"weight": uniform_fan_in(key, (outputs, inputs, kernel, kernel), inputs * kernel * kernel),
                "bias": jnp.zeros(outputs)}

    masks = coupling_masks()
    params, running = [], []
    for mask, key in zip(masks, jax.random.split(jax.random.PRNGKey(seed), len(masks))):
        c = mask.shape[1]
        keys = jax.random.split(key, 1 + 2 * BLOCKS)
        direction = uniform_fan_in(keys[0], (FEATURES, c, 1, 1), c)
        network = {
            "input_norm": norm_parameters(c),
            "input_conv": {"direction": direction,
                           "scale": jnp.sqrt(jnp.sum(jnp.square(direction), axis=(1, 2, 3))),
                           "bias": jnp.zeros(FEATURES)},
            "stem_norm": norm_parameters(FEATURES),
            "blocks": [{"conv1": conv_parameters(keys[1 + 2 * b], FEATURES, FEATURES, 3),
                        "norm1": norm_parameters(FEATURES),
                        "conv2": conv_parameters(keys[2 + 2 * b], FEATURES, FEATURES, 3),
                        "norm2": norm_parameters(FEATURES)} for b in range(BLOCKS)],
            "output_conv": {"weight": jnp.zeros((2 * c, FEATURES, 1, 1)), "bias": jnp.zeros(2 * c)},
        }
        params.append({"network": network, "scale": jnp.ones(1), "shift": jnp.zeros(1)})
        running.append({"input_norm": norm_statistics(c), "stem_norm": norm_statistics(FEATURES),
                        "blocks": [{"norm1": norm_statistics(FEATURES), "norm2": norm_statistics(FEATURES)}
                                   for _ in range(BLOCKS)]})
    mask_arrays = [(laid_out(mask), laid_out(1 - mask)) for mask in masks]

    def batch_norm(h, p, stats):
        mean, var = jnp.mean(h, axis=reduced_axes), jnp.var(h, axis=reduced_axes)
        count = h.size // h.shape[channel_axis]
        stats = {"mean": (1 - BN_MOMENTUM) * stats["mean"] + BN_MOMENTUM * mean,
                 "var": (1 - BN_MOMENTUM) * stats["var"] + BN_MOMENTUM * var * count / (count - 1)}
        scale = p["gamma"] * jax.lax.rsqrt(var + BN_EPSILON)
        return (h - per_channel(mean)) * per_channel(scale) + per_channel(p["beta"]), stats

    def conv(h, weight, bias):
        padding = weight.shape[2] // 2
        y = jax.lax.conv_general_dilated(h, weight, (1, 1), [(padding, padding)] * 2,
                                         dimension_numbers=dimension_numbers)
        return y + per_channel(bias)

    def residual_network(x, p, stats):
        new = {"blocks": []}
        h, new["input_norm"] = batch_norm(x, p["input_norm"], stats["input_norm"])
        v = p["input_conv"]["direction"]
        weight = v * (p["input_conv"]["scale"] / jnp.sqrt(jnp.sum(jnp.square(v), axis=(1, 2, 3))))[:, None, None, None]
        h, new["stem_norm"] = batch_norm(jax.nn.relu(conv(h, weight, p["input_conv"]["bias"])),
                                         p["stem_norm"], stats["stem_norm"])
        for block, block_stats in zip(p["blocks"], stats["blocks"]):
            inner, norm1 = batch_norm(jax.nn.relu(conv(h, block["conv1"]["weight"], block["conv1"]["bias"])),
                                      block["norm1"], block_stats["norm1"])
            h, norm2 = batch_norm(jax.nn.relu(conv(inner, block["conv2"]["weight"], block["conv2"]["bias"]) + h),
                                  block["norm2"], block_stats["norm2"])
            new["blocks"].append({"norm1": norm1, "norm2": norm2})
        return conv(h, p["output_conv"]["weight"], p["output_conv"]["bias"]), new

    def coupling(x, p, stats, masks):
        mask, free = masks
        c = x.shape[channel_axis]
        h, stats = residual_network(x * mask, p["network"], stats)
        l = (jnp.tanh(channel_slice(h, 0, c)) * p["scale"] + p["shift"]) * free
        m = jnp.tanh(channel_slice(h, c, 2 * c)) * free
        return x * jnp.exp(l) + m, jnp.sum(l, axis=(1, 2, 3)), stats

    def squeeze(x):
        if channels_last:
            n, height, width, c = x.shape
            x = x.reshape(n, height // 2, 2, width // 2, 2, c).transpose(0, 1, 3, 5, 2, 4)
            return x.reshape(n, height // 2, width // 2, 4 * c)
        n, c, height, width = x.shape
        x = x.reshape(n, c, height // 2, 2, width // 2, 2).transpose(0, 1, 3, 5, 2, 4)
        return x.reshape(n, 4 * c, height // 2, width // 2)

    def log_prior(z):
        if prior == "logistic":
            return jnp.sum(z - 2 * jax.nn.softplus(z), axis=(1, 2, 3))
        return jnp.sum(-0.5 * jnp.square(z) - HALF_LOG_2PI, axis=(1, 2, 3))

    def forward(params, running, y):
        """(factored-out latent, remaining latent, log-det of each image, new statistics)."""
        squeezed = y * (1 - 2 * ALPHA) + ALPHA
        log_y, log_one_minus_y = jnp.log(squeezed), jnp.log(1 - squeezed)
        x = log_y - log_one_minus_y
        log_det = jnp.sum(LOG_ONE_MINUS_2ALPHA - log_y - log_one_minus_y, axis=(1, 2, 3))
        updated = []

        def apply(x, log_det, index):
            x, l, stats = coupling(x, params[index], running[index], mask_arrays[index])
            updated.append(stats)
            return x, log_det + l

        for index in range(3):
            x, log_det = apply(x, log_det, index)
        x = squeeze(x)
        for index in range(3, 6):
            x, log_det = apply(x, log_det, index)
        half = x.shape[channel_axis] // 2
        factored, x = channel_slice(x, 0, half), channel_slice(x, half, 2 * half)
        for index in range(6, 10):
            x, log_det = apply(x, log_det, index)
        return factored, x, log_det, updated

    def nll(params, running, y):
        factored, x, log_det, updated = forward(params, running, y)
        return -(log_prior(factored) + log_prior(x) + log_det), updated

    return {"params": params, "running": running, "nll": nll, "forward": forward}


def jax_layout(images, channels_last):
    """NCHW images as the JAX model takes them."""
    return np.ascontiguousarray(np.transpose(images, (0, 2, 3, 1))) if channels_last else images


def jax_step(arguments):
    import jax
    import jax.numpy as jnp

    model = jax_model(arguments.seed, channels_last=arguments.channels_last)
    nll = model["nll"]
    init_adam, update_adam, variant = make_jax_adam(LEARNING_RATE, BETA1, BETA2, EPSILON)
    variant += ", NHWC" if arguments.channels_last else ", NCHW"

    def loss_of(params, running, y):
        per_image, running = nll(params, running, y)
        return jnp.mean(per_image), running

    def train(params, running, adam_state, images, key):
        key, noise_key = jax.random.split(key)
        y = (255 * images + jax.random.uniform(noise_key, images.shape)) / 256
        (loss, running), grads = jax.value_and_grad(loss_of, has_aux=True)(params, running, y)
        params, adam_state = update_adam(params, grads, adam_state)
        return params, running, adam_state, key, loss

    train = jax.jit(train, donate_argnums=(0, 1, 2))
    data_key, noise_key = jax.random.split(jax.random.PRNGKey(arguments.seed + 1))
    images = jax.random.uniform(data_key, (arguments.batch_size, *SAMPLE_SHAPE))
    images = jnp.transpose(images, (0, 2, 3, 1)) if arguments.channels_last else images
    parameters = sum(leaf.size for leaf in jax.tree_util.tree_leaves(model["params"]))
    state = {"params": model["params"], "running": model["running"],
             "adam": init_adam(model["params"]), "key": noise_key}

    def step():
        (state["params"], state["running"], state["adam"], state["key"], loss) = train(
            state["params"], state["running"], state["adam"], images, state["key"])
        jax.block_until_ready(loss)
        return loss

    seconds = median_seconds(step, arguments.warmup, arguments.steps)
    return seconds, jax.__version__, parameters, variant, float(step())


def jax_initial_nll(arguments, images, prior):
    import jax
    import jax.numpy as jnp
    model = jax_model(arguments.seed, prior, arguments.channels_last)
    per_image, _ = jax.jit(model["nll"])(model["params"], model["running"],
                                         jnp.asarray(jax_layout(images, arguments.channels_last)))
    parameters = sum(leaf.size for leaf in jax.tree_util.tree_leaves(model["params"]))
    return float(jnp.mean(per_image)), parameters, jax.__version__


# ----------------------------------------------------------------------------------------

def check(arguments):
    """The parameter count and the untrained model's NLL on a fixed numpy batch, each
    beside the value worked out without the framework."""
    images = np.random.default_rng(0).uniform(size=(arguments.batch_size, *SAMPLE_SHAPE)).astype(np.float32)
    initial = torch_initial_nll if arguments.framework == "torch" else jax_initial_nll
    fields = {"benchmark": "realnvp_check", "framework": arguments.framework,
              "batch": f"np.random.default_rng(0).uniform(size=({arguments.batch_size}, 1, 28, 28))"
                       ".astype(np.float32), no dequantisation",
              "parameters_by_hand": parameters_by_hand()}
    for prior in ("logistic", "normal"):
        nll, parameters, version = initial(arguments, images, prior)
        fields.update({f"initial_nll_{prior}_closed_form": closed_form_initial_nll(images, prior),
                       f"initial_nll_{prior}_closed_form_float32_logit":
                           closed_form_initial_nll(images, prior, float32_logit=True),
                       f"initial_nll_{prior}_model": nll})
    fields.update({"version": version, "parameters": parameters,
                   "layout": "channels_last" if arguments.channels_last else "NCHW"})
    report(fields, arguments.json)
    if parameters != fields["parameters_by_hand"]:
        raise SystemExit(f"parameter count {parameters} differs from {fields['parameters_by_hand']}")


def main():
    def options(parser):
        parser.add_argument("--compile", action="store_true",
                            help="PyTorch only: run the forward pass and loss through torch.compile.")
        parser.add_argument("--channels-last", action="store_true",
                            help="PyTorch: channels_last memory format for the images, activations and "
                                 "conv weights; JAX: the model written in NHWC.")
        parser.add_argument("--fused-adam", action=argparse.BooleanOptionalAction, default=True,
                            help="PyTorch only: Adam's fused CPU kernel (default) or, with "
                                 "--no-fused-adam, the multi-tensor one.")
        parser.add_argument("--check", action="store_true",
                            help="Time nothing: print the parameter count and the untrained model's NLL "
                                 "of a fixed numpy batch beside their values worked out by hand.")
    arguments = parse_arguments("Times one MLE training step of chapter 03's Real NVP on "
                                "MNIST-shaped data.", options)
    limit_threads(arguments.threads)
    if arguments.check:
        check(arguments)
        return
    run = torch_step if arguments.framework == "torch" else jax_step
    seconds, version, parameters, variant, loss = run(arguments)
    report({**run_fields("realnvp", arguments, version, variant, parameters, seconds),
            "model": "realnvp-mnist-32x2",
            "step_ms": seconds * 1e3,
            "last_loss": loss}, arguments.json)


if __name__ == "__main__":
    main()
