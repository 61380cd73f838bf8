"""Times one 3x3 convolution (stride 1, padding 1), forward and backward, in PyTorch or
JAX, at the shapes of Real NVP's residual blocks, as `flowgan-bench conv` does in the
Swift engine.

Shapes (chapter 03's Real NVP, batch 100, 32 -> 32 channels): 28x28 (the s/t networks
of the three checkerboard couplings on 1x28x28: 12 such convolutions per training step)
and 14x14 (the three channel couplings on 4x14x14 and the four checkerboard couplings
on the factored-out 2x14x14: 28 per step).

One step: y = conv(x, w) (+ b with --bias), loss = sum(y * g) for a fixed upstream
gradient g, and the gradients of the loss with respect to x and w (and b), as the engine's
`gradients(of: (y * upstream).sum(), withRespectTo: [x, w])`. The engine's benchmark times
`Variable.conv2d` without a bias (its Conv2d layer adds the bias as a separate broadcast
add), so the default here has none. Also timed: the forward pass alone, and the three
matrix products of the im2col formulation, [C, 9C] x [9C, N S^2], [C, N S^2] x [N S^2, 9C]
and [9C, C] x [C, N S^2], through the framework's own matrix product (torch.mm, MKL; jnp.dot
under jax.jit, XLA's CPU kernels): the plain GEMM rate at these shapes.

FLOPs: forward 2 N S^2 C_out C_in 9, backward twice that; `gflops` is 3 x forward FLOPs
over the step time, `forward_gflops` the forward FLOPs over the forward time.

Layouts: PyTorch NCHW or channels_last; JAX NCHW or NHWC (as dimension numbers; XLA picks
the physical layout). By default every shape and layout runs, one result per line.
"""

from peer_common import limit_threads, median_seconds, parse_arguments, report, run_fields

KERNEL = 3


def forward_flops(n, channels, size):
    return 2 * n * size * size * channels * channels * KERNEL * KERNEL


def torch_runs(arguments, size, layout):
    import torch
    from torch.nn import functional

    torch.set_num_threads(arguments.threads)
    generator = torch.Generator().manual_seed(arguments.seed)
    n, c = arguments.batch_size, arguments.channels
    memory_format = torch.channels_last if layout == "nhwc" else torch.contiguous_format

    def tensor(*shape, scale=1.0):
        """Normal values in the chosen memory format."""
        return (scale * torch.randn(*shape, generator=generator)).contiguous(memory_format=memory_format)
    x = tensor(n, c, size, size).requires_grad_()
    w = tensor(c, c, KERNEL, KERNEL, scale=0.1).requires_grad_()
    b = torch.zeros(c, requires_grad=True) if arguments.bias else None
    upstream = tensor(n, c, size, size)
    inputs = [x, w] + ([b] if b is not None else [])

    def forward():
        functional.conv2d(x, w, b, padding=1)

    def step():
        y = functional.conv2d(x, w, b, padding=1)
        torch.autograd.grad((y * upstream).sum(), inputs)

    patch, columns = KERNEL * KERNEL * c, n * size * size
    a, cols = torch.randn(c, patch, generator=generator), torch.randn(patch, columns, generator=generator)
    dy = torch.randn(c, columns, generator=generator)

    def gemm():
        torch.mm(a, cols)          # y = W cols
        torch.mm(dy, cols.t())     # dW = dY cols^T
        torch.mm(a.t(), dy)        # dcols = W^T dY

    variant = "channels_last" if layout == "nhwc" else "NCHW"
    return forward, step, gemm, torch.__version__, variant


def jax_runs(arguments, size, layout):
    import jax
    import jax.numpy as jnp

    n, c = arguments.batch_size, arguments.channels
    keys = jax.random.split(jax.random.PRNGKey(arguments.seed), 6)
    if layout == "nhwc":
        image_shape, numbers = (n, size, size, c), ("NHWC", "OIHW", "NHWC")
        bias_shape = (1, 1, 1, c)
    else:
        image_shape, numbers = (n, c, size, size), ("NCHW", "OIHW", "NCHW")
        bias_shape = (1, c, 1, 1)
    x = jax.random.normal(keys[0], image_shape)
    w = 0.1 * jax.random.normal(keys[1], (c, c, KERNEL, KERNEL))
    upstream = jax.random.normal(keys[2], image_shape)
    b = jnp.zeros(c)

    def convolution(x, w, b):
        y = jax.lax.conv_general_dilated(x, w, (1, 1), [(1, 1), (1, 1)], dimension_numbers=numbers)
        return y + b.reshape(bias_shape) if arguments.bias else y

    def loss(x, w, b):
        return jnp.sum(convolution(x, w, b) * upstream)

    argnums = (0, 1, 2) if arguments.bias else (0, 1)
    forward_jit = jax.jit(convolution)
    step_jit = jax.jit(jax.value_and_grad(loss, argnums=argnums))

    patch, columns = KERNEL * KERNEL * c, n * size * size
    a = jax.random.normal(keys[3], (c, patch))
    cols = jax.random.normal(keys[4], (patch, columns))
    dy = jax.random.normal(keys[5], (c, columns))
    # Three separate compiled products, so that XLA cannot fuse or share work between them.
    products = [(jax.jit(lambda a, b: a @ b), a, cols),
                (jax.jit(lambda a, b: a @ b.T), dy, cols),
                (jax.jit(lambda a, b: a.T @ b), a, dy)]

    def forward():
        jax.block_until_ready(forward_jit(x, w, b))

    def step():
        jax.block_until_ready(step_jit(x, w, b))

    def gemm():
        for product, left, right in products:
            jax.block_until_ready(product(left, right))

    return forward, step, gemm, jax.__version__, f"jit, {layout.upper()}"


def main():
    def options(parser):
        parser.add_argument("--shape", choices=["28", "14", "both"], default="both",
                            help="Image side: 28 (Real NVP's first scale), 14 (after the squeeze) or both.")
        parser.add_argument("--layout", choices=["nchw", "nhwc", "both"], default="both",
                            help="NCHW, or channels last (PyTorch's channels_last, JAX's NHWC), or both.")
        parser.add_argument("--channels", type=int, default=32, help="Input and output channels.")
        parser.add_argument("--bias", action="store_true",
                            help="Add a bias (and its gradient), as the engine's Conv2d layer does; "
                                 "`flowgan-bench conv` times the convolution without it.")
    arguments = parse_arguments("Times a 3x3 convolution's forward and backward at Real NVP's shapes.",
                                options)
    if arguments.channels <= 0:
        raise SystemExit(f"--channels must be positive, got {arguments.channels}")
    limit_threads(arguments.threads)
    sizes = [28, 14] if arguments.shape == "both" else [int(arguments.shape)]
    layouts = ["nchw", "nhwc"] if arguments.layout == "both" else [arguments.layout]
    runs = torch_runs if arguments.framework == "torch" else jax_runs
    n, c = arguments.batch_size, arguments.channels
    for size in sizes:
        for layout in layouts:
            forward, step, gemm, version, variant = runs(arguments, size, layout)
            forward_seconds = median_seconds(forward, arguments.warmup, arguments.steps)
            step_seconds = median_seconds(step, arguments.warmup, arguments.steps)
            gemm_seconds = median_seconds(gemm, arguments.warmup, arguments.steps)
            flops = forward_flops(n, c, size)
            parameters = c * c * KERNEL * KERNEL + (c if arguments.bias else 0)
            report({**run_fields("conv3x3", arguments, version, variant, parameters, step_seconds),
                    "shape": f"{n}x{c}x{size}x{size}",
                    "layout": layout,
                    "bias": arguments.bias,
                    "forward_ms": forward_seconds * 1e3,
                    "step_ms": step_seconds * 1e3,
                    "forward_gflops": flops / forward_seconds / 1e9,
                    "gflops": 3 * flops / step_seconds / 1e9,
                    "gemm_ms": gemm_seconds * 1e3,
                    "gemm_gflops": 3 * flops / gemm_seconds / 1e9,
                    "fraction_in_gemm": gemm_seconds / step_seconds}, arguments.json)


if __name__ == "__main__":
    main()
