#!/usr/bin/env python3
"""Writes deterministic weights files for the baked-weights benchmark (benchmarks/NetGen.Benchmarks/BakedBenchmarks.cs).

Usage: benchmark-weights.py OUTPUT_DIR

S is 8-16-16-1 (tanh, tanh, identity) and L is 784-128-10 (ReLU, softmax), as in the benchmark's Networks.cs. Values
are uniform in +-sqrt(6 / fan_in) from a fixed linear congruential generator, rounded to multiples of 2^-20 so that every
one is exact in float. Generated at build time rather than committed: L alone is over a megabyte of JSON. large-int8.json
is L with a "calibration" section (each layer's input range), for the int8 form.
"""
import json
import math
import os
import sys

NETWORKS = {
    "small.json": (8, [(16, "Tanh"), (16, "Tanh"), (1, "Identity")]),
    "large.json": (784, [(128, "ReLU"), (10, "Softmax")]),
}


def main(output_dir):
    os.makedirs(output_dir, exist_ok=True)
    state = 20261129

    def uniform():
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        return (state >> 11) / 2**53

    for name, (inputs, layers) in NETWORKS.items():
        fan_in, described = inputs, []
        for units, activation in layers:
            limit = math.sqrt(6 / fan_in)
            weight = [[round((2 * uniform() - 1) * limit * 2**20) / 2**20 for _ in range(fan_in)] for _ in range(units)]
            bias = [round((2 * uniform() - 1) * 0.1 * 2**20) / 2**20 for _ in range(units)]
            described.append({"type": "dense", "in": fan_in, "out": units, "activation": activation, "weight": weight, "bias": bias})
            fan_in = units
        document = {"format": "netgen-weights", "version": 1, "input": inputs, "layers": described}
        with open(os.path.join(output_dir, name), "w") as f:
            json.dump(document, f, allow_nan=False)
        if name == "large.json":
            # L again with a calibration section, for the int8 form (QuantizationBenchmarks): each layer's input range
            # over 32 inputs uniform in [0, 1), as the benchmark's inputs are.
            document["calibration"] = calibration(inputs, described, uniform)
            with open(os.path.join(output_dir, "large-int8.json"), "w") as f:
                json.dump(document, f, allow_nan=False)


def calibration(inputs, layers, uniform, samples=32):
    """[min, max] of each layer's input over the samples (hidden activations ReLU or identity; the output layer's input
    is the last hidden layer's output)."""
    ranges = [[0.0, 1.0]]
    for _ in range(len(layers) - 1):
        ranges.append([math.inf, -math.inf])
    for _ in range(samples):
        h = [uniform() for _ in range(inputs)]
        for k, layer in enumerate(layers[:-1]):
            a = [sum(w * x for w, x in zip(row, h)) + b for row, b in zip(layer["weight"], layer["bias"])]
            h = [max(v, 0.0) for v in a] if layer["activation"] == "ReLU" else a
            ranges[k + 1][0] = min(ranges[k + 1][0], min(h))
            ranges[k + 1][1] = max(ranges[k + 1][1], max(h))
    return ranges


if __name__ == "__main__":
    main(sys.argv[1])
