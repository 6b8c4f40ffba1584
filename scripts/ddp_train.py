#!/usr/bin/env python3
"""The scale-out recipe's training half: PyTorch DistributedDataParallel on 2 processes (gloo, localhost), then
torch.onnx.export, for NetGen to compile (scripts/ddp-to-netgen.sh runs the whole recipe).

Usage: /usr/bin/python3 scripts/ddp_train.py OUT_DIR [DATA_CSV]

Trains a 64-32-10 classifier (ReLU, logits, nn.CrossEntropyLoss) on optdigits (../shared/data/optdigits/optdigits.tra:
64 pixel counts and the digit per row) or, without the file, on a synthetic 10-class problem of the same shape. Each
process trains on its half of every batch; DDP averages the gradients. Rank 0 writes OUT_DIR/model.onnx and
OUT_DIR/reference.json (20 inputs and PyTorch's outputs for them).
"""
import json
import os
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel


def load(path):
    if path and os.path.exists(path):
        rows = [line.strip().split(",") for line in open(path) if line.strip() and not line.startswith("Block")]
        x = torch.tensor([[float(v) / 16 for v in r[:64]] for r in rows])
        y = torch.tensor([int(r[64]) for r in rows])
        return x, y, "optdigits"
    generator = torch.Generator().manual_seed(5)
    centres = torch.randn(10, 64, generator=generator)
    y = torch.randint(0, 10, (3000,), generator=generator)
    x = centres[y] + 0.5 * torch.randn(3000, 64, generator=generator)
    return x, y, "synthetic"


def worker(rank, world, out_dir, data_path):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.manual_seed(1)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    torch.set_num_threads(1)
    x, y, source = load(data_path)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    ddp = DistributedDataParallel(model)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1)
    order = torch.Generator().manual_seed(2)
    for epoch in range(15):
        permutation = torch.randperm(len(x), generator=order)  # the same on every rank
        for start in range(0, len(x), 64):
            batch = permutation[start:start + 64]
            mine = batch[rank::world]  # this rank's half of the batch
            loss = nn.functional.cross_entropy(ddp(x[mine]), y[mine])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    if rank == 0:
        model.eval()
        with torch.no_grad():
            accuracy = (model(x).argmax(1) == y).float().mean().item()
            probe = x[:20]
            outputs = model(probe)
        torch.onnx.export(model, probe[:1], os.path.join(out_dir, "model.onnx"), opset_version=17, input_names=["input"],
                          output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        with open(os.path.join(out_dir, "reference.json"), "w") as f:
            json.dump({"data": source, "trainingAccuracy": accuracy, "inputs": probe.tolist(), "outputs": outputs.tolist()}, f)
        print(f"trained on {source} with DistributedDataParallel, {world} processes (gloo): training accuracy {accuracy:.4f}")
    dist.barrier()
    dist.destroy_process_group()


def free_port():
    """A port nothing listens on, so that two runs of the recipe at once do not collide."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    os.environ.setdefault("MASTER_PORT", str(free_port()))  # inherited by the spawned processes
    out = os.path.abspath(sys.argv[1])
    os.makedirs(out, exist_ok=True)
    mp.spawn(worker, args=(2, out, sys.argv[2] if len(sys.argv) > 2 else None), nprocs=2, join=True)
