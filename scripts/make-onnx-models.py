#!/usr/bin/env python3
"""Builds, briefly trains and exports the ONNX models NetGen's import tests read, with PyTorch's outputs for reference.

Run with the interpreter that has torch and onnx (Debian: apt-get install python3-torch python3-onnx):

    /usr/bin/python3 scripts/make-onnx-models.py

It writes tests/NetGen.Tests/TestData/onnx/<name>.onnx and references.json (each model's inputs and PyTorch's
outputs in eval mode). The outputs are committed, so CI needs no Python. Seeded: a second run writes the same files
as long as torch's version is the same (torch 1.13.1, onnx 1.12 when they were made).
"""
import json
import os
import sys

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "NetGen.Tests", "TestData", "onnx")


class MatMulAdd(nn.Module):
    """x @ W + b with raw parameters: exports as MatMul then Add (not Gemm)."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.w = nn.Parameter(torch.randn(n_in, n_out) * 0.5)
        self.b = nn.Parameter(torch.randn(n_out) * 0.1)
        self.second = nn.Linear(n_out, 2)

    def forward(self, x):
        return torch.sigmoid(self.second(torch.tanh(x @ self.w + self.b)))


class ViewFlatten(nn.Module):
    """x.view(x.size(0), -1): exports as Shape, Gather, Unsqueeze, Concat and Reshape."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 6)
        self.fc2 = nn.Linear(6, 3)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        return self.fc2(torch.relu(self.fc1(x)))


class RowSoftmax(nn.Module):
    """A [2, 5] output with a softmax over each row: Flatten, Linear, view(N, 2, 5), Softmax(dim=-1)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 10)

    def forward(self, x):
        y = self.fc(torch.flatten(x, 1))
        return torch.softmax(y.view(y.size(0), 2, 5), dim=-1)


class Standardised(nn.Module):
    """(x - mean) / std on the input, then a per-feature scale and shift and a 1 - h after an activation: constant
    arithmetic outside any layer (Sub, Div, Mul, Add, Sub from a constant)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.randn(5))
        self.register_buffer("std", torch.rand(5) + 0.5)
        self.fc1 = nn.Linear(5, 8)
        self.gain = nn.Parameter(torch.rand(8) + 0.5)
        self.shift = nn.Parameter(torch.randn(8) * 0.1)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        x = (x - self.mean) / self.std
        h = torch.relu(self.fc1(x)) * self.gain + self.shift
        return self.fc2(1.0 - h)


class ChannelStandardised(nn.Module):
    """Per-channel standardisation of a [3, 4, 4] image, (x - mean[C, 1, 1]) / std[C, 1, 1], then an MLP."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.rand(3, 1, 1))
        self.register_buffer("std", torch.rand(3, 1, 1) + 0.5)
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(48, 6), nn.ReLU(), nn.Linear(6, 2))

    def forward(self, x):
        return self.mlp((x - self.mean) / self.std)


class TransposedLayout(nn.Module):
    """Channels-last steps as models ported from TensorFlow write them: a per-channel scale applied channels-last between
    a transpose and its inverse, a channels-last flatten before nn.Linear (x.permute(0, 2, 3, 1).flatten(1)), and leaky
    ReLUs written as torch.maximum(h, a * h) (exported as Mul and Max), with a = 0.1 and a = 2 (a scaled leaky ReLU)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.gain = nn.Parameter(torch.rand(4) + 0.5)
        self.conv2 = nn.Conv2d(4, 3, 3)
        self.fc1 = nn.Linear(3 * 4 * 4, 8)
        self.fc2 = nn.Linear(8, 5)
        self.fc3 = nn.Linear(5, 3)

    def forward(self, x):
        h = torch.relu(self.conv1(x))
        h = (h.permute(0, 2, 3, 1) * self.gain).permute(0, 3, 1, 2)
        h = torch.tanh(self.conv2(h))
        h = self.fc1(h.permute(0, 2, 3, 1).flatten(1))
        h = self.fc2(torch.maximum(h, 0.1 * h))
        return self.fc3(torch.maximum(h, 2.0 * h))


class ChannelsLastOutput(nn.Module):
    """A convolution whose output the graph returns channels-last ([H, W, C]), after a sigmoid."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1)

    def forward(self, x):
        return torch.sigmoid(self.conv(x)).permute(0, 2, 3, 1)


class TransposedNorms(nn.Module):
    """Normalisations read through a transpose, right after the layer they would fold into: a BatchNorm2d over the
    height axis of a convolution's output (transpose(1, 2), C = H = 4), and a BatchNorm1d over a dense layer's outputs
    reordered by view(-1, 2, 3).transpose(1, 2).flatten(1)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(4)
        self.fc1 = nn.Linear(80, 6)
        self.bn1 = nn.BatchNorm1d(6)
        self.fc2 = nn.Linear(6, 3)

    def forward(self, x):
        h = self.bn2(self.conv(x).transpose(1, 2)).transpose(1, 2)
        g = self.fc1(torch.relu(h).flatten(1))
        g = self.bn1(g.view(-1, 2, 3).transpose(1, 2).flatten(1))
        return self.fc2(torch.relu(g))


def models():
    """(name, module factory, per-sample input shape, opset, loss kind for the brief training). Factories, so that each
    module is built after its seed is set: the first model would otherwise start from torch's unseeded state."""
    yield "tanh_sigmoid_op13", lambda: nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid()), (6,), 13, "bce"
    yield "relu_logits_op17", lambda: nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3)), (10,), 17, "ce"
    yield "leaky_elu_softmax_op11", lambda: nn.Sequential(
        nn.Linear(5, 7), nn.LeakyReLU(0.2), nn.Linear(7, 6), nn.ELU(0.5), nn.Linear(6, 4), nn.Softmax(dim=1)), (5,), 11, "mse"
    yield "flatten3d_op13", lambda: nn.Sequential(nn.Flatten(), nn.Linear(24, 5), nn.ReLU(), nn.Linear(5, 2)), (2, 3, 4), 13, "mse"
    yield "view_flatten_op12", lambda: ViewFlatten(), (3, 4), 12, "ce"
    yield "batchnorm_op13", lambda: nn.Sequential(
        nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.BatchNorm1d(8), nn.Linear(8, 2)), (4,), 13, "mse"
    yield "dropout_op15", lambda: nn.Sequential(nn.Linear(6, 9), nn.ReLU(), nn.Dropout(0.3), nn.Linear(9, 3), nn.Tanh()), (6,), 15, "mse"
    yield "matmul_add_op14", lambda: MatMulAdd(5, 4), (5,), 14, "mse"
    yield "layernorm_op13", lambda: nn.Sequential(nn.Linear(6, 8), nn.LayerNorm(8), nn.ReLU(), nn.Linear(8, 2)), (6,), 13, "mse"
    yield "layernorm_op17", lambda: nn.Sequential(nn.Linear(6, 8), nn.LayerNorm(8), nn.ReLU(), nn.Linear(8, 2)), (6,), 17, "mse"
    # nn.LayerNorm(6) over a [4, 6] sample (4 tokens of 6 features): each token normalised on its own.
    yield "layernorm_tokens_op13", lambda: nn.Sequential(nn.LayerNorm(6), nn.Flatten(), nn.Linear(24, 3)), (4, 6), 13, "mse"
    yield "layernorm_tokens_op17", lambda: nn.Sequential(nn.LayerNorm(6), nn.Flatten(), nn.Linear(24, 3)), (4, 6), 17, "mse"
    yield "standardised_op13", lambda: Standardised(), (5,), 13, "mse"
    yield "channel_standardised_op13", lambda: ChannelStandardised(), (3, 4, 4), 13, "mse"
    # Ends in nn.LogSoftmax, trained with nn.NLLLoss on its log-probabilities.
    yield "relu_logsoftmax_op13", lambda: nn.Sequential(nn.Linear(7, 9), nn.ReLU(), nn.Linear(9, 4), nn.LogSoftmax(dim=1)), (7,), 13, "nll"
    # Ends in one logit, for nn.BCEWithLogitsLoss: no Sigmoid in the graph.
    yield "relu_logit_bce_op13", lambda: nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 1)), (8,), 13, "bcelogits"
    # A softmax over each row of a [2, 5] output (the last axis), at opset 13 and in opset 11's 2-D coercion.
    yield "softmax_rows_op13", lambda: RowSoftmax(), (3, 4), 13, "mse"
    yield "softmax_rows_op11", lambda: RowSoftmax(), (3, 4), 11, "mse"
    # Without gamma and beta (elementwise_affine=False), and with a larger epsilon.
    yield "layernorm_plain_op13", lambda: nn.Sequential(
        nn.Linear(5, 7), nn.LayerNorm(7, eps=1e-3, elementwise_affine=False), nn.Tanh(), nn.Linear(7, 1)), (5,), 13, "mse"


    # Convolutional networks (issue 17), each also written as NetGen weights JSON (<name>.json) for WeightsJson.Import.
    yield "lenet5_op13", lambda: nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)), (1, 28, 28), 13, "ce"
    yield "keyword_conv1d_op13", lambda: nn.Sequential(
        nn.Conv1d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool1d(2), nn.Conv1d(16, 16, 3, dilation=2, padding=2), nn.ReLU(),
        nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(16, 4)), (8, 40), 13, "ce"
    yield "depthwise_op13", lambda: nn.Sequential(
        nn.Conv2d(3, 3, 3, padding=1, groups=3), nn.ReLU(), nn.Conv2d(3, 8, 1), nn.ELU(), nn.AvgPool2d(3, stride=2, padding=1),
        nn.Conv2d(8, 8, (3, 2), stride=(1, 2), dilation=(2, 1)), nn.Tanh(), nn.MaxPool2d(2, ceil_mode=True),
        nn.Flatten(), nn.Linear(8 * 1 * 2, 3)), (3, 12, 12), 13, "ce"
    # Layout changes (Transpose) and leaky ReLUs written as Max (issue 17's last two ops).
    yield "transposed_layout_op13", lambda: TransposedLayout(), (2, 6, 6), 13, "ce"
    yield "channels_last_output_op13", lambda: ChannelsLastOutput(), (2, 4, 4), 13, "mse"
    yield "transposed_norms_op13", lambda: TransposedNorms(), (2, 4, 5), 13, "ce"


def float32_list(tensor):
    """A tensor's values as nested lists of the shortest decimals that give back the same float32 (9 significant digits
    at most), so the file stays small and exact."""
    return json.loads(json.dumps(tensor.detach().tolist()), parse_float=lambda t: float(f"{float(t):.9g}"))


ACTIVATIONS = {nn.ReLU: "ReLU", nn.Tanh: "Tanh", nn.Sigmoid: "Sigmoid", nn.ELU: "ELU", nn.LeakyReLU: "LeakyReLU"}


def netgen_weights(model, shape, output_activation):
    """The model as NetGen weights JSON: Conv1d/Conv2d with the activation that follows, pools, Linear; Flatten and
    AdaptiveAvgPool(1) (a global average) as NetGen reads them. The last layer takes output_activation."""
    modules = list(model)
    layers = []
    for i, m in enumerate(modules):
        following = modules[i + 1] if i + 1 < len(modules) else None
        activation = ACTIVATIONS.get(type(following), "Identity") if following is not None else output_activation
        if isinstance(m, (nn.Conv1d, nn.Conv2d)):
            layer = {"type": "conv2d" if isinstance(m, nn.Conv2d) else "conv1d", "in": m.in_channels, "out": m.out_channels,
                     "kernel": list(m.kernel_size), "stride": list(m.stride), "padding": list(m.padding),
                     "dilation": list(m.dilation), "groups": m.groups, "activation": activation,
                     "weight": float32_list(m.weight)}
            if isinstance(following, nn.ELU):
                layer["alpha"] = following.alpha
            if m.bias is not None:
                layer["bias"] = float32_list(m.bias)
            layers.append(layer)
        elif isinstance(m, (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)):
            two = isinstance(m, (nn.MaxPool2d, nn.AvgPool2d))
            axes = lambda v: list(v) if isinstance(v, tuple) else [v] * (2 if two else 1)
            layer = {"type": ("maxpool" if isinstance(m, (nn.MaxPool1d, nn.MaxPool2d)) else "avgpool") + ("2d" if two else "1d"),
                     "kernel": axes(m.kernel_size), "stride": axes(m.stride), "padding": axes(m.padding)}
            if m.ceil_mode:
                layer["ceil_mode"] = True
            if isinstance(m, (nn.AvgPool1d, nn.AvgPool2d)) and not m.count_include_pad:
                layer["count_include_pad"] = False
            layers.append(layer)
        elif isinstance(m, (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d)):
            layers.append({"type": "globalavgpool"})
        elif isinstance(m, nn.Linear):
            layers.append({"type": "dense", "in": m.in_features, "out": m.out_features, "activation": activation,
                           "weight": float32_list(m.weight), "bias": float32_list(m.bias)})
    return {"format": "netgen-weights", "version": 1, "input": list(shape), "loss": "CrossEntropy", "layers": layers}


def train_briefly(model, shape, loss_kind):
    """A few SGD steps on random data, so the weights (and BatchNorm's running statistics) are not the initial ones."""
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(20):
        x = torch.randn(32, *shape)
        y = model(x)
        if loss_kind == "ce":
            loss = nn.functional.cross_entropy(y, torch.randint(0, y.shape[1], (32,)))
        elif loss_kind == "nll":
            loss = nn.functional.nll_loss(y, torch.randint(0, y.shape[1], (32,)))
        elif loss_kind == "bcelogits":
            loss = nn.functional.binary_cross_entropy_with_logits(y, torch.randint(0, 2, y.shape).float())
        elif loss_kind == "bce":
            loss = nn.functional.binary_cross_entropy(y, torch.randint(0, 2, y.shape).float())
        else:
            loss = (y - torch.randn_like(y)).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()


def main():
    os.makedirs(OUT, exist_ok=True)
    references = {"torch": torch.__version__, "models": {}}
    for name, factory, shape, opset, loss_kind in models():
        torch.manual_seed(sum(map(ord, name)))
        model = factory()
        train_briefly(model, shape, loss_kind)
        x = torch.randn(5, *shape)
        with torch.no_grad():
            y = model(x)
        path = os.path.join(OUT, name + ".onnx")
        torch.onnx.export(model, x[:1], path, opset_version=opset, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, do_constant_folding=True)
        references["models"][name] = {
            "opset": opset,
            "inputShape": list(shape),
            "inputs": [[float(v) for v in row.flatten()] for row in x],
            "outputs": [[float(v) for v in row.flatten()] for row in y],
        }
        if loss_kind == "ce" and name == "relu_logits_op17":
            # nn.CrossEntropyLoss on the logits of sample 0 with class 1: the loss and autograd's gradients, per parameter
            # as PyTorch names and shapes them (weight [out, in]).
            model.zero_grad()
            loss = nn.functional.cross_entropy(model(x[:1]), torch.tensor([1]))
            loss.backward()
            references["models"][name]["crossEntropy"] = {
                "target": 1,
                "loss": float(loss),
                "gradients": {k: p.grad.tolist() for k, p in model.named_parameters()},
            }
        if loss_kind == "nll":
            # nn.NLLLoss on the log-probabilities of sample 0 with class 2: the loss and autograd's gradients.
            model.zero_grad()
            loss = nn.functional.nll_loss(model(x[:1]), torch.tensor([2]))
            loss.backward()
            references["models"][name]["negativeLogLikelihood"] = {
                "target": 2,
                "loss": float(loss),
                "gradients": {k: p.grad.tolist() for k, p in model.named_parameters()},
            }
        if loss_kind == "bcelogits":
            # nn.BCEWithLogitsLoss on the logit of sample 0 with target 1: the loss and autograd's gradients.
            model.zero_grad()
            loss = nn.functional.binary_cross_entropy_with_logits(model(x[:1]), torch.tensor([[1.0]]))
            loss.backward()
            references["models"][name]["binaryCrossEntropy"] = {
                "target": 1,
                "loss": float(loss),
                "gradients": {k: p.grad.tolist() for k, p in model.named_parameters()},
            }
        if isinstance(model, nn.Sequential) and any(isinstance(m, (nn.Conv1d, nn.Conv2d)) for m in model):
            # NetGen's declaration ends in a softmax (trained with cross-entropy): its outputs are softmax(logits).
            with open(os.path.join(OUT, name + ".json"), "w") as f:
                json.dump(netgen_weights(model, shape, "Softmax"), f, allow_nan=False, separators=(",", ":"))
                f.write("\n")
            references["models"][name]["softmaxOutputs"] = [[float(v) for v in row] for row in torch.softmax(y, 1)]
        print(f"{name}: {os.path.getsize(path)} bytes")
    with open(os.path.join(OUT, "references.json"), "w") as f:
        json.dump(references, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
