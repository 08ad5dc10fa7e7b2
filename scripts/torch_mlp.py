#!/usr/bin/env python3
"""PyTorch CPU reference for `ann train --precision fp32|bf16`.

Trains the network a bare `ann train` trains (784-256-128-10, ReLU hidden
layers, softmax cross-entropy, minibatches of 64 in a fresh random order each
epoch, SGD with momentum 0.9, learning rate 0.05 decayed per step to zero on
a half cosine, pixels scaled by 1/255) with PyTorch on the CPU: fp32, or
mixed precision with `torch.autocast("cpu", dtype=torch.bfloat16)` (matrix
products in bfloat16 through oneDNN, AMX where the CPU has it; master
weights, optimiser and loss fp32). An epoch's seconds cover its training
steps only, as `ann train`'s do.

    scripts/torch_mlp.py --precision bf16 --threads 1 --epochs 3 [--json]
    scripts/torch_mlp.py --ceiling --threads 1 [--json]

`--ceiling` instead measures the sustained rate of a 2048 x 2048 x 2048
matmul, bf16 and fp32, at the thread count: the rate PyTorch's own kernels
reach when shape is no excuse. Needs torch and numpy
(`python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch numpy`,
several GB: the PyPI wheel brings CUDA libraries along).
"""
import argparse
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_mlp import load  # noqa: E402  (the same IDX reader as the NumPy reference)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--data-dir", default=os.environ.get("ANN_DATA_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "data", "mnist"))
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--ceiling", action="store_true", help="measure a 2048³ matmul instead of training")
    p.add_argument("--json", action="store_true", help="one JSON object per epoch and a summary object")
    args = p.parse_args()
    if args.epochs < 1 or args.threads < 1 or args.batch_size < 1:
        p.error("--epochs, --threads and --batch-size must be at least 1")
    return args


def ceiling(torch, args):
    rates = {}
    for name, dtype in (("bf16", torch.bfloat16), ("fp32", torch.float32)):
        a = torch.randn(2048, 2048).to(dtype)
        b = torch.randn(2048, 2048).to(dtype)
        torch.matmul(a, b)
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < 2.0:
            torch.matmul(a, b)
            calls += 1
        rates[name] = 2 * 2048 ** 3 * calls / (time.perf_counter() - start) / 1e9
    summary = {"type": "ceiling", "threads": args.threads, "bf16_gflops": rates["bf16"], "fp32_gflops": rates["fp32"]}
    print(json.dumps(summary) if args.json else
          f"2048³ matmul, {args.threads} thread(s): bf16 {rates['bf16']:.0f} GFLOP/s, fp32 {rates['fp32']:.0f} GFLOP/s")


def train(torch, args):
    train_x, train_y, test_x, test_y = load(args.data_dir)
    torch.manual_seed(args.seed)
    pixels = torch.from_numpy(train_x.copy())
    labels = torch.from_numpy(train_y).long()
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_function = torch.nn.CrossEntropyLoss()
    steps_per_epoch = math.ceil(len(pixels) / args.batch_size)
    total = steps_per_epoch * args.epochs
    bf16 = args.precision == "bf16"
    step = 0
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(pixels))
        start = time.perf_counter()
        for first in range(0, len(pixels), args.batch_size):
            rows = order[first:first + args.batch_size]
            x = pixels.index_select(0, rows).float().mul_(1 / 255)
            for group in optimizer.param_groups:
                group["lr"] = 0.05 * 0.5 * (1 + math.cos(math.pi * step / total))
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = loss_function(model(x), labels.index_select(0, rows))
            optimizer.zero_grad(set_to_none=False)
            loss.backward()
            optimizer.step()
            step += 1
        seconds = time.perf_counter() - start
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            predicted = model(torch.from_numpy(test_x).float().mul_(1 / 255)).argmax(1)
        accuracy = (predicted == torch.from_numpy(test_y)).float().mean().item()
        record = {"epoch": epoch, "seconds": seconds, "test_accuracy": accuracy}
        print(json.dumps(record) if args.json else f"epoch {epoch}: {seconds:.3f} s, test accuracy {100 * accuracy:.2f}%")
    summary = {"type": "summary", "precision": args.precision, "threads": args.threads, "torch": torch.__version__}
    if args.json:
        print(json.dumps(summary))


def main():
    args = parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("torch_mlp.py: PyTorch is not installed here (see --help)")
    torch.set_num_threads(args.threads)
    ceiling(torch, args) if args.ceiling else train(torch, args)


if __name__ == "__main__":
    main()
