#!/usr/bin/env python3
"""The NumPy reference that swift-ann is measured against.

Trains the same network as a bare `ann train`: 784-256-128-10, ReLU hidden
layers, softmax cross-entropy, He-uniform weights and zero biases, pixels
scaled by 1/255, SGD with momentum 0.9 over minibatches of 64 in a fresh
random order each epoch, the learning rate 0.05 decayed per step to zero on a
half cosine over the whole run. float32 throughout; every buffer of a step is
allocated once and reused (matmul, ufuncs and `take` all write into `out=`),
and the parameters, gradients and velocities each live in one flat block so
that the optimiser is three whole-block operations.

Timing follows `ann train`: an epoch's `seconds` cover its training steps only
(the per-sample gather and scaling included), not loading nor evaluation.

    scripts/numpy_mlp.py --epochs 1 --threads 1 [--json]

`--threads` sets OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS
before NumPy is imported (and threadpoolctl, where installed, confirms it).

On machines where OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set in the
environment (to work around old OpenBLAS builds), OpenBLAS runs an older
kernel; to benchmark the current one, clear them for that command alone:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE scripts/numpy_mlp.py ...

The BLAS in use (and its kernel, e.g. SkylakeX or Haswell) is printed and
written to the JSON summary.
"""
import argparse
import gzip
import json
import math
import os
import platform
import struct
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", default=os.environ.get("ANN_DATA_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "data", "mnist"),
        help="folder with the four MNIST IDX files (default: $ANN_DATA_DIR, else data/mnist)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="BLAS threads (default: every core)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--schedule", choices=["cosine", "constant"], default="cosine")
    p.add_argument("--layers", default="784,256,128,10")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="one JSON object per epoch and a summary object")
    args = p.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or args.threads < 1:
        p.error("--epochs, --batch-size and --threads must be at least 1")
    return args


if __name__ == "__main__":  # imported (scripts/torch_mlp.py), only the data reader is wanted
    ARGS = parse_args(sys.argv[1:])
    # Before NumPy loads OpenBLAS: it sizes its thread pool from these at load time.
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_name] = str(ARGS.threads)

import numpy as np  # noqa: E402

try:
    import threadpoolctl  # noqa: E402
except ImportError:  # optional: only to report and enforce the BLAS thread count
    threadpoolctl = None

F32 = np.float32


# MARK: Data

def read_idx(path):
    """An IDX file (raw or .gz) as a uint8 array of its declared shape."""
    for candidate in (path, path + ".gz"):
        if os.path.exists(candidate):
            opener = gzip.open if candidate.endswith(".gz") else open
            with opener(candidate, "rb") as f:
                data = f.read()
            break
    else:
        sys.exit(f"error: {path}(.gz) not found (scripts/fetch-mnist fetches MNIST)")
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        sys.exit(f"error: {path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != math.prod(shape):
        sys.exit(f"error: {path}: {body.size} bytes of data for shape {shape}")
    return body.reshape(shape)


def load(data_dir):
    def part(name):
        return read_idx(os.path.join(data_dir, name))
    train_x = part("train-images-idx3-ubyte")
    train_y = part("train-labels-idx1-ubyte")
    test_x = part("t10k-images-idx3-ubyte")
    test_y = part("t10k-labels-idx1-ubyte")
    return (np.ascontiguousarray(train_x.reshape(len(train_x), -1)), train_y.astype(np.intp),
            np.ascontiguousarray(test_x.reshape(len(test_x), -1)), test_y.astype(np.intp))


# MARK: Model

class MLP:
    """Dense layers with ReLU between them and softmax cross-entropy on top.

    Weights are stored (in, out) so a layer is `X @ W + b` on row-major
    batches; parameters, gradients and velocities are each one flat float32
    block that the per-layer W and b arrays are views of.
    """

    def __init__(self, sizes, capacity, rng):
        self.sizes = sizes
        pairs = list(zip(sizes[:-1], sizes[1:]))
        self.count = sum(i * o + o for i, o in pairs)
        self.params = np.zeros(self.count, F32)
        self.grads = np.zeros(self.count, F32)
        self.velocity = np.zeros(self.count, F32)
        self.scratch = np.empty(self.count, F32)
        self.W, self.b, self.gW, self.gb = [], [], [], []
        offset = 0
        for i, o in pairs:
            for block, ws, bs in ((self.params, self.W, self.b), (self.grads, self.gW, self.gb)):
                ws.append(block[offset:offset + i * o].reshape(i, o))
                bs.append(block[offset + i * o:offset + i * o + o])
            offset += i * o + o
        for W, (i, _) in zip(self.W, pairs):
            limit = math.sqrt(6.0 / i)  # He uniform: variance 2/fan_in = limit²/3
            W[...] = rng.uniform(-limit, limit, size=W.shape).astype(F32)
        self.resize(capacity)

    def resize(self, capacity):
        """Preallocates every activation and gradient buffer for batches up to `capacity`."""
        self.capacity = capacity
        self.x_bytes = np.empty((capacity, self.sizes[0]), np.uint8)
        self.acts = [np.empty((capacity, n), F32) for n in self.sizes]  # acts[0] is the input
        self.deltas = [np.empty((capacity, n), F32) for n in self.sizes]  # deltas[l]: dLoss/d acts[l] (pre-ReLU)
        self.mask = [np.empty((capacity, n), bool) for n in self.sizes]
        self.row_max = np.empty((capacity, 1), F32)
        self.row_sum = np.empty((capacity, 1), F32)
        self.predicted = np.empty(capacity, np.intp)
        self.rows = np.arange(capacity)

    def load_batch(self, pixels, indices):
        n = len(indices)
        xb = self.x_bytes[:n]
        np.take(pixels, indices, axis=0, out=xb, mode="clip")  # "raise" would buffer `out`
        np.multiply(xb, F32(1.0 / 255.0), out=self.acts[0][:n], dtype=F32)
        return n

    def forward(self, n):
        """Logits of the n loaded rows, left in acts[-1]."""
        last = len(self.W) - 1
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            z = self.acts[l + 1][:n]
            np.matmul(self.acts[l][:n], W, out=z)
            z += b
            if l < last:
                np.maximum(z, F32(0), out=z)
        return self.acts[-1][:n]

    def train_step(self, labels, n, lr, momentum):
        """Forward, backward and an SGD step over the n loaded rows; returns (summed loss, correct)."""
        logits = self.forward(n)
        rows = self.rows[:n]
        predicted = self.predicted[:n]
        np.argmax(logits, axis=1, out=predicted)
        correct = int(np.count_nonzero(predicted == labels))

        # Softmax cross-entropy, fused: dZ = (softmax(Z) - onehot) / n.
        m, s = self.row_max[:n], self.row_sum[:n]
        np.max(logits, axis=1, keepdims=True, out=m)
        d = self.deltas[-1][:n]
        np.subtract(logits, m, out=d)
        np.exp(d, out=d)
        np.sum(d, axis=1, keepdims=True, out=s)
        picked = d[rows, labels]  # exp(z_label - max), a small gather
        loss = float(np.sum(np.log(s[:, 0]) - np.log(picked), dtype=np.float64))
        np.multiply(s, F32(n), out=s)
        np.divide(d, s, out=d)  # P / n
        d[rows, labels] -= F32(1.0 / n)

        # Backward: dW_l = a_{l}ᵀ·δ_{l+1}, db_l = Σ_rows δ_{l+1}, δ_l = (δ_{l+1}·W_lᵀ) ⊙ [a_l > 0].
        for l in range(len(self.W) - 1, -1, -1):
            delta = self.deltas[l + 1][:n]
            np.matmul(self.acts[l][:n].T, delta, out=self.gW[l])
            np.sum(delta, axis=0, out=self.gb[l])
            if l > 0:
                below = self.deltas[l][:n]
                np.matmul(delta, self.W[l].T, out=below)
                mask = self.mask[l][:n]
                np.greater(self.acts[l][:n], F32(0), out=mask)
                np.multiply(below, mask, out=below)

        # SGD with momentum over the flat block: v = m·v + g; w -= lr·v.
        v = self.velocity
        np.multiply(v, F32(momentum), out=v)
        v += self.grads
        np.multiply(v, F32(lr), out=self.scratch)
        self.params -= self.scratch
        return loss, correct

    def accuracy(self, pixels, labels, chunk=None):
        chunk = chunk or self.capacity
        correct = 0
        for start in range(0, len(labels), chunk):
            idx = np.arange(start, min(start + chunk, len(labels)))
            n = self.load_batch(pixels, idx)
            logits = self.forward(n)
            correct += int(np.count_nonzero(np.argmax(logits, axis=1) == labels[start:start + n]))
        return correct / len(labels)


def blas_info():
    if threadpoolctl is None:
        return [{"note": "threadpoolctl not installed (pip install threadpoolctl)"}]
    keep = ("internal_api", "version", "architecture", "num_threads", "threading_layer")
    return [{k: v for k, v in lib.items() if k in keep} for lib in threadpoolctl.threadpool_info()
            if lib.get("user_api") == "blas"]


def main():
    args = ARGS
    limiter = threadpoolctl.threadpool_limits(limits=args.threads, user_api="blas") if threadpoolctl else None
    sizes = [int(s) for s in args.layers.split(",")]
    out = sys.stdout

    def note(text):
        # Context lines go to stderr in JSON mode so stdout stays one object per line.
        print(text, file=sys.stderr if args.json else out, flush=True)

    t0 = time.perf_counter()
    train_x, train_y, test_x, test_y = load(args.data_dir)
    load_seconds = time.perf_counter() - t0
    if train_x.shape[1] != sizes[0]:
        sys.exit(f"error: {train_x.shape[1]} features per sample, but the input layer has {sizes[0]}")
    blas = blas_info()
    note(f"numpy {np.__version__}, BLAS {json.dumps(blas)}; OPENBLAS_CORETYPE="
         f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; loaded {len(train_y)} training and "
         f"{len(test_y)} test samples in {load_seconds:.2f} s")

    rng = np.random.default_rng(args.seed)
    model = MLP(sizes, max(args.batch_size, 1000), rng)
    count, batch = len(train_y), args.batch_size
    steps_per_epoch = (count + batch - 1) // batch
    total_steps = steps_per_epoch * args.epochs
    reports, training_seconds = [], 0.0
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(count)
        loss_sum, correct, lr = 0.0, 0, args.lr
        start = time.perf_counter()
        for step in range(steps_per_epoch):
            idx = order[step * batch:(step + 1) * batch]
            global_step = (epoch - 1) * steps_per_epoch + step
            lr = args.lr * 0.5 * (1 + math.cos(math.pi * global_step / total_steps)) \
                if args.schedule == "cosine" else args.lr
            n = model.load_batch(train_x, idx)
            loss, hits = model.train_step(train_y[idx], n, lr, args.momentum)
            if not math.isfinite(loss):
                sys.exit(f"error: training diverged in epoch {epoch}, step {step + 1}")
            loss_sum += loss
            correct += hits
        seconds = time.perf_counter() - start
        training_seconds += seconds
        test_accuracy = model.accuracy(test_x, test_y)
        report = {
            "type": "epoch", "epoch": epoch, "loss": loss_sum / count, "train_accuracy": correct / count,
            "test_accuracy": test_accuracy, "seconds": seconds, "samples_per_second": count / seconds,
            "learning_rate": lr,
        }
        reports.append(report)
        if args.json:
            print(json.dumps(report, sort_keys=True), file=out, flush=True)
        else:
            print(f"epoch {epoch}/{args.epochs}  loss {report['loss']:.4f}  train {100 * report['train_accuracy']:.2f}%"
                  f"  test {100 * test_accuracy:.2f}%  {seconds:.2f} s  {report['samples_per_second']:.0f} samples/s",
                  file=out, flush=True)
    summary = {
        "type": "summary", "implementation": "numpy", "test_accuracy": reports[-1]["test_accuracy"],
        "training_seconds": training_seconds, "load_seconds": load_seconds, "threads": args.threads,
        "epochs_run": len(reports), "numpy": np.__version__, "blas": blas,
        "python": platform.python_version(), "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "settings": {"layers": args.layers, "activation": "relu", "output": "softmax", "loss": "cross-entropy",
                     "epochs": args.epochs, "batch_size": batch, "lr": args.lr, "schedule": args.schedule,
                     "momentum": args.momentum, "seed": args.seed},
    }
    if args.json:
        print(json.dumps(summary, sort_keys=True), file=out, flush=True)
    else:
        print(f"done after {len(reports)} epoch{'s' if len(reports) != 1 else ''}, test accuracy "
              f"{100 * summary['test_accuracy']:.2f}%, {training_seconds:.2f} s training on "
              f"{args.threads} BLAS thread{'s' if args.threads != 1 else ''}", file=out)
    if limiter is not None:
        limiter.restore_original_limits()


if __name__ == "__main__":
    main()
