"""PyTorch's own matrix-product rate on the shapes of NICE's coupling networks (batch 100),
to compare with the engine's OpenBLAS rate (`flowgan-bench mlp`: sgemm_gflops). A
measuring instrument, like the other peers: python3 Benchmarks/peers/gemm_rate.py"""
import time

import torch

torch.set_num_threads(2)
# (m, n, k): forward 100x1000 by 1000x1000, the weight gradient, and the 392-wide layers.
shapes = [(100, 1000, 1000), (1000, 1000, 100), (100, 1000, 392), (392, 1000, 100), (100, 392, 1000)]
for m, n, k in shapes:
    a, b = torch.randn(m, k), torch.randn(k, n)
    for _ in range(20):
        a @ b
    repeats = 200
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    seconds = (time.perf_counter() - start) / repeats
    print(f"{m}x{n}x{k}: {2 * m * n * k / seconds / 1e9:.1f} GFLOP/s")
