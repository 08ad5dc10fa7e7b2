#!/usr/bin/env python3
"""Loads a swift-ann model with numpy alone and checks it predicts what swift-ann does.

    scripts/numpy_predict.py MODEL.safetensors [--data-dir data/mnist] [--swift-probabilities P.safetensors]

Parses the safetensors file by its specification (8-byte little-endian header
length, JSON header, little-endian row-major data), rebuilds the network from
its __metadata__, runs the MNIST test set through it, and prints the accuracy.
With --swift-probabilities (written by `ann evaluate --probabilities FILE`) it
also prints the largest absolute difference between the two sets of
probabilities and how many predicted classes differ. If the `safetensors`
package is installed, it loads the file with it too and checks the tensors
match.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (header_length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + header_length])
    data = blob[8 + header_length :]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            sys.exit(f"{path}: tensor {name} has dtype {info['dtype']}, expected F32")
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"])
    return tensors, metadata


def read_idx(path):
    with open(path, "rb") as f:
        blob = f.read()
    dims = blob[3]
    shape = struct.unpack(">" + "I" * dims, blob[4 : 4 + 4 * dims])
    return np.frombuffer(blob[4 + 4 * dims :], dtype=np.uint8).reshape(shape)


def forward(tensors, metadata, x):
    layers = len(metadata["layers"].split(",")) - 1
    activation = metadata["activation"]
    for i in range(layers):
        x = x @ tensors[f"layers.{i}.weight"].T + tensors[f"layers.{i}.bias"]
        if i + 1 < layers:
            if activation == "relu":
                x = np.maximum(x, 0)
            elif activation == "tanh":
                x = np.tanh(x)
            else:
                x = 1 / (1 + np.exp(-x))
    if metadata["output"] == "softmax":
        x = np.exp(x - x.max(axis=1, keepdims=True))
        x /= x.sum(axis=1, keepdims=True)
    return x


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--data-dir", default=os.environ.get("ANN_DATA_DIR", "data/mnist"))
    parser.add_argument("--swift-probabilities")
    args = parser.parse_args()

    tensors, metadata = read_safetensors(args.model)
    try:
        from safetensors.numpy import load_file
    except ImportError:
        load_file = None
    if load_file is not None:
        other = load_file(args.model)
        same = other.keys() == tensors.keys() and all(np.array_equal(other[k], tensors[k]) for k in tensors)
        print(f"safetensors package: {'same tensors' if same else 'DIFFERENT tensors'}")
        if not same:
            return 1

    images = read_idx(os.path.join(args.data_dir, "t10k-images-idx3-ubyte"))
    labels = read_idx(os.path.join(args.data_dir, "t10k-labels-idx1-ubyte"))
    x = images.reshape(len(images), -1).astype(np.float32) * np.float32(1 / 255)
    probabilities = forward(tensors, metadata, x)
    predicted = probabilities.argmax(axis=1)
    print(f"numpy: test accuracy {np.mean(predicted == labels) * 100:.2f}% on {len(labels)} samples")
    if args.swift_probabilities:
        swift, _ = read_safetensors(args.swift_probabilities)
        swift = swift["probabilities"]
        difference = np.abs(swift.astype(np.float64) - probabilities.astype(np.float64)).max()
        disagreements = int(np.sum(swift.argmax(axis=1) != predicted))
        print(f"largest |swift-ann - numpy| probability difference: {difference:.3g}")
        print(f"predicted classes that differ: {disagreements}")
        return 0 if difference < 1e-4 else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
