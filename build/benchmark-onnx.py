#!/usr/bin/env python3
"""Writes the larger ONNX models of the ONNX benchmark (benchmarks/NetGen.Benchmarks/OnnxBenchmarks.cs).

Usage: benchmark-onnx.py OUTPUT_DIR

Each model is what torch.onnx.export writes for an nn.Sequential of Linear layers (Gemm with transB = 1, then the
activation), at opset 13, with a dynamic batch: 1536-32-32-1 and 1536-128-128-1 (ReLU, ReLU, Sigmoid), the two shapes
issue 14 quotes ONNX Runtime's time for, and 784-128-10 (ReLU, then logits), MNIST's shape. Weights are uniform in
+-1/sqrt(fan_in) from a fixed linear congruential generator. The protobuf is written by hand (plain Python, no onnx
package), at build time rather than committed: the largest is 0.8 MB.
"""
import os
import struct
import sys

MODELS = {
    "mlp_1536_32_32_1.onnx": (1536, [(32, "Relu"), (32, "Relu"), (1, "Sigmoid")]),
    "mlp_1536_128_128_1.onnx": (1536, [(128, "Relu"), (128, "Relu"), (1, "Sigmoid")]),
    "mlp_784_128_10.onnx": (784, [(128, "Relu"), (10, None)]),
}


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number, wire, payload):
    return varint((number << 3) | wire) + payload


def bytes_field(number, payload):
    return field(number, 2, varint(len(payload)) + payload)


def int_field(number, value):
    return field(number, 0, varint(value))


def string_field(number, text):
    return bytes_field(number, text.encode())


def tensor(name, dims, values):
    body = b"".join(int_field(1, d) for d in dims) + int_field(2, 1) + string_field(8, name)
    return body + bytes_field(9, struct.pack("<%df" % len(values), *values))


def node(op, inputs, output, name, attributes=b""):
    return b"".join(string_field(1, i) for i in inputs) + string_field(2, output) + string_field(3, name) + string_field(4, op) + attributes


def value_info(name, features):
    dims = bytes_field(1, string_field(2, "batch")) + bytes_field(1, int_field(1, features))
    tensor_type = int_field(1, 1) + bytes_field(2, dims)
    return string_field(1, name) + bytes_field(2, bytes_field(1, tensor_type))


def model(inputs, layers, uniform):
    nodes, initializers = [], []
    steps = []  # (op, layer, attributes) in order; the last one writes "output"
    for k, (units, activation) in enumerate(layers):
        steps.append(("Gemm", k, units))
        if activation:
            steps.append((activation, k, units))
    current, fan_in = "input", inputs
    for i, (op, k, units) in enumerate(steps):
        out = "output" if i == len(steps) - 1 else f"/{k}/{op}_output_0"
        if op == "Gemm":
            bound = fan_in ** -0.5
            weight = [(2 * uniform() - 1) * bound for _ in range(units * fan_in)]
            bias = [(2 * uniform() - 1) * bound for _ in range(units)]
            initializers.append(tensor(f"{k}.weight", [units, fan_in], weight))
            initializers.append(tensor(f"{k}.bias", [units], bias))
            trans_b = bytes_field(5, string_field(1, "transB") + int_field(3, 1) + int_field(20, 2))
            nodes.append(node("Gemm", [current, f"{k}.weight", f"{k}.bias"], out, f"/{k}/Gemm", trans_b))
            fan_in = units
        else:
            nodes.append(node(op, [current], out, f"/{k}/{op}"))
        current = out
    graph = b"".join(bytes_field(1, n) for n in nodes) + string_field(2, "main_graph")
    graph += b"".join(bytes_field(5, t) for t in initializers)
    graph += bytes_field(11, value_info("input", inputs)) + bytes_field(12, value_info("output", fan_in))
    opset = bytes_field(8, string_field(1, "") + int_field(2, 13))
    return int_field(1, 8) + string_field(2, "netgen-benchmark") + string_field(3, "1") + bytes_field(7, graph) + opset


def main(output_dir):
    os.makedirs(output_dir, exist_ok=True)
    state = 20261203

    def uniform():
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        return (state >> 11) / 2**53

    for name, (inputs, layers) in MODELS.items():
        with open(os.path.join(output_dir, name), "wb") as f:
            f.write(model(inputs, layers, uniform))


if __name__ == "__main__":
    main(sys.argv[1])
