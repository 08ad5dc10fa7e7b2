#!/usr/bin/env python3
"""Writes a swift-ann model file from numpy arrays, with numpy alone.

As a module (scripts/ on sys.path):

    import numpy as np
    from write_model import write_model

    W1 = np.zeros((128, 784), np.float32); b1 = np.zeros(128, np.float32)
    W2 = np.zeros((10, 128), np.float32);  b2 = np.zeros(10, np.float32)
    write_model("model.safetensors", [(W1, b1), (W2, b2)],
                activation="relu", output="softmax", loss="cross-entropy")

Each layer is a pair (W, b): W of shape (outputs, inputs), b of shape
(outputs,), input side first. `ann evaluate`, `ann predict` and
`ann train --init` then load the file.

As a command:

    scripts/write_model.py OUT.safetensors --npz ARRAYS.npz [--activation A] [--output O] [--loss L]
    scripts/write_model.py OUT.safetensors --layers 784,128,10 [--seed S] [--activation A] ...

--npz takes arrays named layers.N.weight and layers.N.bias (as
`np.savez(path, **{"layers.0.weight": W1, ...})` writes them); --layers draws
fresh weights with numpy (uniform, He's scale for relu, Xavier's otherwise;
zero biases), a starting point for `ann train --init`.

The format (Sources/ANN/ANN.docc/ModelFileFormat.md): an 8-byte
little-endian header length, a JSON header naming each tensor's dtype (F32),
shape and byte range, plus __metadata__ with the architecture, padded with
spaces to a multiple of 8 bytes; then the tensors' little-endian row-major
float32 data, in header order.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

ACTIVATIONS = ("relu", "tanh", "sigmoid")
OUTPUTS = ("softmax", "linear")
LOSSES = ("cross-entropy", "mse")


def write_model(path, layers, activation="relu", output="softmax", loss="cross-entropy"):
    """Writes `layers`, a list of (W, b) pairs, as a swift-ann model at `path`."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, not {activation!r}")
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {', '.join(OUTPUTS)}, not {output!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, not {loss!r}")
    if loss == "cross-entropy" and output != "softmax":
        raise ValueError("cross-entropy needs a softmax output")
    if not layers:
        raise ValueError("a network needs at least one layer (W, b)")

    sizes = []
    tensors = []
    for index, (weight, bias) in enumerate(layers):
        weight = np.ascontiguousarray(weight, dtype="<f4")
        bias = np.ascontiguousarray(bias, dtype="<f4")
        if weight.ndim != 2:
            raise ValueError(f"layer {index}: W must be 2-dimensional (outputs, inputs), got shape {weight.shape}")
        outputs, inputs = weight.shape
        if bias.shape != (outputs,):
            raise ValueError(f"layer {index}: b must have shape ({outputs},) to match W {weight.shape}, got {bias.shape}")
        if sizes and inputs != sizes[-1]:
            raise ValueError(f"layer {index}: W takes {inputs} inputs, the layer before gives {sizes[-1]}")
        if not sizes:
            sizes.append(inputs)
        sizes.append(outputs)
        tensors.append((f"layers.{index}.weight", weight))
        tensors.append((f"layers.{index}.bias", bias))

    header = {
        "__metadata__": {
            "format": "swift-ann",
            "layers": ",".join(str(size) for size in sizes),
            "activation": activation,
            "output": output,
            "loss": loss,
        }
    }
    offset = 0
    for name, array in tensors:
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    # The data starts at a multiple of 8 bytes; the format allows trailing spaces.
    text += b" " * (-(8 + len(text)) % 8)

    # Whole or not at all: a temporary file beside the target, then a rename.
    temporary = f"{path}.tmp-{os.getpid()}"
    try:
        with open(temporary, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for _, array in tensors:
                f.write(array.tobytes(order="C"))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def fresh_layers(sizes, activation, seed):
    """Uniform weights scaled for the activation, zero biases (numpy's own generator, not swift-ann's)."""
    generator = np.random.default_rng(seed)
    layers = []
    for inputs, outputs in zip(sizes, sizes[1:]):
        variance = 2.0 / inputs if activation == "relu" else 2.0 / (inputs + outputs)
        limit = np.sqrt(3 * variance)
        weight = generator.uniform(-limit, limit, size=(outputs, inputs)).astype(np.float32)
        layers.append((weight, np.zeros(outputs, np.float32)))
    return layers


def main():
    parser = argparse.ArgumentParser(description="Write a swift-ann model file from numpy arrays.")
    parser.add_argument("path", help="the .safetensors file to write")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--npz", help="arrays layers.N.weight (out, in) and layers.N.bias (out) in an .npz file")
    source.add_argument("--layers", help="layer sizes, comma-separated, for fresh random weights")
    parser.add_argument("--seed", type=int, default=0, help="numpy seed for --layers (default 0)")
    parser.add_argument("--activation", default="relu", choices=ACTIVATIONS)
    parser.add_argument("--output", default="softmax", choices=OUTPUTS)
    parser.add_argument("--loss", default="cross-entropy", choices=LOSSES)
    arguments = parser.parse_args()

    if arguments.npz:
        arrays = np.load(arguments.npz)
        count = 0
        while f"layers.{count}.weight" in arrays:
            count += 1
        if count == 0:
            sys.exit(f"write_model.py: {arguments.npz} holds no array layers.0.weight")
        layers = [(arrays[f"layers.{i}.weight"], arrays[f"layers.{i}.bias"]) for i in range(count)]
    else:
        try:
            sizes = [int(size) for size in arguments.layers.split(",")]
        except ValueError:
            sys.exit(f"write_model.py: --layers {arguments.layers!r} is not a list of whole numbers")
        layers = fresh_layers(sizes, arguments.activation, arguments.seed)
    try:
        write_model(arguments.path, layers, arguments.activation, arguments.output, arguments.loss)
    except (ValueError, KeyError, OSError) as error:
        sys.exit(f"write_model.py: {error}")


if __name__ == "__main__":
    main()
