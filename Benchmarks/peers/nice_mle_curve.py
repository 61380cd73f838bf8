"""Trains NICE by maximum likelihood on real MNIST in PyTorch, as the Swift chapter 03
(`chapter03-realnvp --model nice`) does, and prints its validation learning curve.

A correctness instrument, not a benchmark: it answers whether the Swift engine's NICE
learns as fast as the same recipe in a mature framework. The model is the NICE of
`nice_mle_step.py` (taken from it by `nice_reuse.py`): weights truncated normal (std
0.02, cut at two deviations), biases 0, batch norm eps 1e-5 with running averages
0.9 old + 0.1 new (unbiased batch variance), as the Swift BatchNorm(momentum: 0.9).

As chapter 03:
- data: pixels / 255; train = the first 50,000 images of train-images-idx3-ubyte.gz,
  validation = the last 10,000;
- batch 100; each epoch visits the training set in a fresh random permutation (drawn
  from (seed, epoch)), iteration i takes rows [100 (i mod 500), 100 (i mod 500) + 100)
  of epoch i div 500's permutation;
- every step dequantises its batch with fresh noise, y = (255 x + u) / 256;
- Adam(lr 1e-4, beta1 0.5, beta2 0.9, eps 1e-8) on the mean NLL;
- every --eval-every iterations (and after the last), the exact NLL in nats per image
  of all 10,000 validation images in evaluation mode (batch norms on their running
  averages), each image dequantised once with noise from a fixed seed (12345), in
  batches of 500, without gradients (Training/FlowTrainer.swift, evaluateNLL).
The random streams differ from Swift's (torch's generator, not the engine's), so the
two curves agree in distribution, not number for number: compare against the spread
over seeds.
"""

import gzip
import math
import os
import sys
import time

import numpy as np

from peer_common import limit_threads, parse_arguments, report
from nice_reuse import PIXELS, torch_nice

LEARNING_RATE, BETA1, BETA2, EPSILON = 1e-4, 0.5, 0.9, 1e-8
TRAIN_COUNT, EVALUATION_BATCH, EVALUATION_SEED = 50_000, 500, 12345


def read_idx_images(path):
    """An IDX image file (gzip) as float32 [N, rows * cols], pixels / 255."""
    with gzip.open(path, "rb") as file:
        raw = file.read()
    magic, count, rows, columns = (int.from_bytes(raw[i:i + 4], "big") for i in range(0, 16, 4))
    if magic != 2051:
        raise ValueError(f"{path}: not an IDX image file (magic {magic})")
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16)
    if pixels.size != count * rows * columns:
        raise ValueError(f"{path}: {pixels.size} pixels, expected {count} x {rows} x {columns}")
    return pixels.reshape(count, rows * columns).astype(np.float32) / 255


def find_training_file(data_dir):
    for folder in (data_dir, os.path.join(data_dir, "mnist")):
        path = os.path.join(folder, "train-images-idx3-ubyte.gz")
        if os.path.exists(path):
            return path
    raise SystemExit(f"no train-images-idx3-ubyte.gz in {data_dir} or {data_dir}/mnist")


def main():
    def options(parser):
        parser.add_argument("--iterations", type=int, default=300, help="Training iterations.")
        parser.add_argument("--eval-every", type=int, default=100,
                            help="Iterations between validation evaluations.")
        parser.add_argument("--data-dir", default="/work/shared/data/mnist",
                            help="Folder holding train-images-idx3-ubyte.gz (or its mnist/ folder).")
    arguments = parse_arguments("Trains NICE by MLE on MNIST as chapter 03 does; prints the "
                                "validation NLL curve.", options)
    if arguments.framework != "torch":
        raise SystemExit("nice_mle_curve.py: only --framework torch is implemented")
    if arguments.iterations <= 0 or arguments.eval_every <= 0:
        raise SystemExit("--iterations and --eval-every must be positive")
    limit_threads(arguments.threads)

    import torch

    images = read_idx_images(find_training_file(arguments.data_dir))
    if images.shape != (60_000, PIXELS):
        raise SystemExit(f"expected 60,000 MNIST training images of 784 pixels, got {images.shape}")
    train = torch.from_numpy(images[:TRAIN_COUNT].copy())
    validation = torch.from_numpy(images[TRAIN_COUNT:].copy())

    model = torch_nice(arguments.seed, arguments.threads, arguments.batch_size).train()
    optimiser = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, betas=(BETA1, BETA2),
                                 eps=EPSILON)

    def evaluate():
        """Mean and standard error of the validation NLL, evaluation mode, fixed noise."""
        model.eval()
        values = []
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(EVALUATION_SEED)
            for start in range(0, validation.shape[0], EVALUATION_BATCH):
                values.append(model(validation[start:start + EVALUATION_BATCH]))
        model.train()
        values = torch.cat(values).double()
        return values.mean().item(), (values.std() / math.sqrt(values.numel())).item()

    per_epoch = TRAIN_COUNT // arguments.batch_size
    order, order_epoch = None, -1
    curve, standard_errors, train_curve = {}, {}, {}
    loss_sum, loss_count = 0.0, 0
    started = time.perf_counter()
    for iteration in range(arguments.iterations):
        epoch, position = divmod(iteration, per_epoch)
        if epoch != order_epoch:
            order = np.random.default_rng([arguments.seed, epoch]).permutation(TRAIN_COUNT)
            order_epoch = epoch
        rows = order[position * arguments.batch_size:(position + 1) * arguments.batch_size]
        optimiser.zero_grad(set_to_none=True)
        loss = model(train[torch.from_numpy(rows)]).mean()
        loss.backward()
        optimiser.step()
        loss_sum += loss.item()
        loss_count += 1
        done = iteration + 1
        if done % arguments.eval_every == 0 or done == arguments.iterations:
            curve[done], standard_errors[done] = evaluate()
            train_curve[done] = loss_sum / loss_count
            loss_sum, loss_count = 0.0, 0
            print(f"iteration {done}: train NLL {train_curve[done]:.1f}, validation NLL "
                  f"{curve[done]:.1f} +- {standard_errors[done]:.1f} nats "
                  f"({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)

    last = max(curve)
    report({"benchmark": "nice_mle_curve",
            "framework": "torch",
            "version": torch.__version__,
            "seed": arguments.seed,
            "iterations": arguments.iterations,
            "batch_size": arguments.batch_size,
            "threads": arguments.threads,
            "load_at_start": arguments.load_at_start,
            "seconds": round(time.perf_counter() - started, 1),
            "curve": curve,
            "validation_standard_error": standard_errors,
            "train_nll": train_curve,
            "final_validation_nll": curve[last]}, arguments.json)


if __name__ == "__main__":
    main()
