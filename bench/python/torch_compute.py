#!/usr/bin/python3
"""PyTorch CPU compute reference for the project's default model, fmnist-cnn.

What a PyTorch user gets on this machine for the same network the Spark trainer runs, so the
DL4J numbers of the project's benchmark have a yardstick. Debian's CPU PyTorch (python3-torch),
synthetic data: inputs uniform in [0,1) of shape [N,1,28,28] float32, labels uniform in 0..9.

The model: three blocks conv 3x3 (no bias, pad 1; strides 1, 2, 2; 1->32->32->64 channels) ->
BatchNorm2d -> ReLU, then global average pooling and Linear(64,10); cross-entropy, Adam lr 1e-3.

Modes (--only, comma-separated; all by default):
  single  one process using every core (torch.set_num_threads(os.cpu_count())), --batch examples
          per step; one warm-up epoch over --examples, then --epochs measured epochs; the median
          examples/s of the measured epochs.
  ddp     --workers processes with one thread each, --per-worker-batch examples each per step,
          DistributedDataParallel over Gloo on 127.0.0.1 with per-worker BN (PyTorch's
          SyncBatchNorm refuses CPU tensors); global examples/s, median of the measured epochs.
  layers  each of the three convolutions at --batch examples with all cores: median milliseconds
          of the forward alone and of the backward alone (input and weight gradients for a fixed
          random upstream gradient, the forward not included). glibc malloc is told to keep freed
          memory first, so the times are compute as in the training loop's steady state, not the
          page faults of a convolution run alone in a loop.

Output: one machine-readable line per measurement, `TORCH <key>=<float>` (single_examples_per_s,
ddp_examples_per_s, conv{1,2,3}_fwd_ms, conv{1,2,3}_bwd_ms), and human-readable lines starting
with `# `.

    /usr/bin/python3 bench/python/torch_compute.py [--examples 2048] [--epochs 2] [--workers 2]
        [--per-worker-batch 16] [--batch 32] [--only single,ddp,layers]

Exits with status 3 (message on stderr) when PyTorch is not installed.
"""
import argparse
import ctypes
import os
import resource
import socket
import statistics
import sys
import time

try:
    import torch
except ImportError:
    print("# PyTorch missing: install it with apt-get install python3-torch", file=sys.stderr)
    sys.exit(3)
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F

MODES = ("single", "ddp", "layers")

# (name, in channels, out channels, stride, input height/width) of the model's convolutions.
CONVS = (("conv1", 1, 32, 1, 28), ("conv2", 32, 32, 2, 28), ("conv3", 32, 64, 2, 14))
LAYER_WARMUP = 20
LAYER_REPS = 100


def fmnist_cnn():
    layers = []
    for _, cin, cout, stride, _ in CONVS:
        layers += [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def synthetic(examples):
    g = torch.Generator().manual_seed(7)
    return torch.rand(examples, 1, 28, 28, generator=g), torch.randint(0, 10, (examples,), generator=g)


def train(rank, world, b, examples, epochs, port=None, results=None):
    """Trains epochs + 1 epochs (the first is warm-up) with b examples per step on this rank and
    returns (or, distributed, rank 0 puts on results) the global examples/s of each measured epoch."""
    distributed = world > 1
    # Distributed: one core per process, as one Spark task per core. Debian's torch defaults to a
    # single intra-op thread on this machine, so the single-process count is set explicitly too.
    torch.set_num_threads(1 if distributed else os.cpu_count())
    if distributed:
        os.environ["MASTER_ADDR"] = "127.0.0.1"
        os.environ["MASTER_PORT"] = str(port)
        dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.manual_seed(1)
    model = fmnist_cnn()
    if distributed:
        # Per-worker BN: nn.SyncBatchNorm.convert_sync_batchnorm would give layers that fail at the
        # first forward on CPU ("SyncBatchNorm expected input tensor to be on GPU").
        model = nn.parallel.DistributedDataParallel(model)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = synthetic(examples)
    global_batch = b * world
    steps = examples // global_batch
    rates = []
    for epoch in range(epochs + 1):
        perm = torch.randperm(examples, generator=torch.Generator().manual_seed(epoch))
        if distributed:
            dist.barrier()  # start the clocks of all ranks together
        start = time.perf_counter()
        for s in range(steps):
            idx = perm[s * global_batch + rank * b:s * global_batch + (rank + 1) * b]
            opt.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        if distributed:
            dist.barrier()  # the epoch ends when the slowest rank is done
        if epoch > 0:
            rates.append(steps * global_batch / (time.perf_counter() - start))
    if not distributed:
        return rates
    if rank == 0:
        results.put(rates)
    dist.destroy_process_group()
    return None


def free_port():
    # Another process could take the port before Gloo binds it; good enough for a benchmark.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ddp_rates(world, b, examples, epochs):
    results = mp.get_context("spawn").SimpleQueue()
    # mp.spawn joins the processes and raises if one of them fails (no hang on a dead worker).
    mp.spawn(train, args=(world, b, examples, epochs, free_port(), results), nprocs=world, join=True)
    return results.get()


def conv_kernel(b):
    """Names of the ATen convolution kernels one forward at batch b dispatches to."""
    x = torch.rand(b, 32, 28, 28)
    w = torch.rand(32, 32, 3, 3)
    with torch.profiler.profile() as prof:
        F.conv2d(x, w, None, 2, 1)
    names = {e.key for e in prof.key_averages()}
    return sorted(n for n in names if "conv" in n and n not in ("aten::conv2d", "aten::convolution", "aten::_convolution"))


def keep_freed_memory():
    """Makes glibc keep freed blocks for reuse instead of returning them to the kernel.

    Alone in a loop, a convolution's multi-megabyte output (and oneDNN's blocked-layout copy of it)
    is above glibc's mmap threshold or gets trimmed from the top of the heap when freed, so every
    call page-faults fresh memory: conv1's forward then takes ~2.2 ms instead of ~0.15 ms, and
    which of the two a run sees depends on the heap's history. In the training loop the heap stays
    large (no page faults per step in the steady state), so the per-layer times are taken that way.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # from <malloc.h>
        return bool(libc.mallopt(m_mmap_threshold, 32 << 20)) and bool(libc.mallopt(m_trim_threshold, 1 << 30))
    except (OSError, AttributeError):
        return False


def median_ms(fn):
    """Median milliseconds of fn over LAYER_REPS calls after LAYER_WARMUP, and the minor page
    faults per measured call."""
    for _ in range(LAYER_WARMUP):
        fn()
    times = []
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(LAYER_REPS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    return statistics.median(times) * 1e3, faults / LAYER_REPS


def layers(b):
    torch.set_num_threads(os.cpu_count())
    if not keep_freed_memory():
        print("# could not tune glibc malloc (mallopt): layer times may include page faults")
    g = torch.Generator().manual_seed(3)
    for name, cin, cout, stride, hw in CONVS:
        x = torch.rand(b, cin, hw, hw, generator=g, requires_grad=True)
        w = (torch.rand(cout, cin, 3, 3, generator=g) - 0.5).requires_grad_()
        # Forward with grad mode on and tensors that require grad, as in training (the graph
        # bookkeeping is microseconds next to the convolution).
        fwd, fwd_faults = median_ms(lambda: F.conv2d(x, w, None, stride, 1))
        y = F.conv2d(x, w, None, stride, 1)
        dy = torch.rand(y.shape, generator=g) - 0.5
        # autograd.grad on a retained graph runs only the convolution's backward (grad input and
        # grad weight) and returns the gradients instead of accumulating them into .grad. conv1's
        # input gradient is included for uniformity although training never needs it; with one
        # input channel it is most of conv1's backward time (oneDNN pads the channel to a block).
        bwd, bwd_faults = median_ms(lambda: torch.autograd.grad(y, (x, w), dy, retain_graph=True))
        print(f"# {name} [{b},{cin},{hw},{hw}] -> {list(y.shape)}: forward {fwd:.3f} ms, backward {bwd:.3f} ms"
              f" (medians of {LAYER_REPS}; page faults per call {fwd_faults:.0f} / {bwd_faults:.0f})")
        print(f"TORCH {name}_fwd_ms={fwd:.4f}")
        print(f"TORCH {name}_bwd_ms={bwd:.4f}")


def main():
    p = argparse.ArgumentParser(description="PyTorch CPU throughput of fmnist-cnn on synthetic data.")
    p.add_argument("--examples", type=int, default=2048, help="examples per epoch (default 2048)")
    p.add_argument("--epochs", type=int, default=2, help="measured epochs after one warm-up epoch (default 2)")
    p.add_argument("--workers", type=int, default=2, help="ddp processes (default 2)")
    p.add_argument("--per-worker-batch", type=int, default=16, help="ddp examples per process per step (default 16)")
    p.add_argument("--batch", type=int, default=32, help="single and layers batch size (default 32)")
    p.add_argument("--only", default=",".join(MODES), help="comma-separated subset of " + ",".join(MODES))
    a = p.parse_args()
    only = [m.strip() for m in a.only.split(",") if m.strip()]
    bad = [m for m in only if m not in MODES]
    if bad or not only:
        p.error(f"--only takes a comma-separated subset of {','.join(MODES)}, got {a.only!r}")
    for name in ("examples", "epochs", "workers", "per_worker_batch", "batch"):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if "single" in only and a.examples < a.batch:
        p.error(f"--examples ({a.examples}) is smaller than one batch ({a.batch})")
    if "ddp" in only and a.examples < a.workers * a.per_worker_batch:
        p.error(f"--examples ({a.examples}) is smaller than one global batch ({a.workers * a.per_worker_batch})")

    torch.set_num_threads(os.cpu_count())
    print(f"# torch {torch.__version__}, {os.cpu_count()} CPUs, oneDNN (mkldnn) available: "
          f"{torch.backends.mkldnn.is_available()}, conv kernel at batch {a.batch}: "
          f"{', '.join(conv_kernel(a.batch)) or 'unknown'}")
    if "single" in only:
        rates = train(0, 1, a.batch, a.examples, a.epochs)
        rate = statistics.median(rates)
        print(f"# single: 1 process x {os.cpu_count()} threads, batch {a.batch}, {a.examples} examples/epoch: "
              f"{rate:.1f} examples/s (median of {len(rates)} epochs: {', '.join(f'{r:.1f}' for r in rates)})")
        print(f"TORCH single_examples_per_s={rate:.1f}")
    if "ddp" in only:
        rates = ddp_rates(a.workers, a.per_worker_batch, a.examples, a.epochs)
        rate = statistics.median(rates)
        print(f"# ddp: {a.workers} processes x 1 thread, {a.per_worker_batch} examples each per step (Gloo, per-worker BN), "
              f"{a.examples} examples/epoch: {rate:.1f} examples/s "
              f"(median of {len(rates)} epochs: {', '.join(f'{r:.1f}' for r in rates)})")
        print(f"TORCH ddp_examples_per_s={rate:.1f}")
    if "layers" in only:
        layers(a.batch)


if __name__ == "__main__":
    main()
