"""Seconds per training batch (forward + backward + Adam step) of the graph VAEs at the paper's sizes.

    python benchmarks/model_speed.py [--models dvae dvae-emb gcn gcn-emb] [--batches 20] [--device cpu|cuda]
                                     [--threads N] [--compute-mode auto|dense|compact] [--compile] [--decode]

Prints one line per model: wall-clock seconds per batch of 32 (median and mean over the timed batches), the
extrapolated epoch (535 batches), the process CPU time per batch (robust to other jobs on a shared machine; on
one thread it is the cost of the work itself), peak GPU memory on cuda, and optionally the time of a batched
generation of 32 graphs. A benchmark, not a test.
"""
import argparse, statistics, time
import torch
from opemb_nb.core import default_device, device_name
from opemb_nb.zoo import make_model
from opemb_nb.data import load_enas6


def _sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()


def bench(name, types, adj, dev, batches=20, warmup=3, bs=32, hs=501, nz=56, compile=False, decode=False, compute_mode='auto'):
    torch.manual_seed(0)
    m = make_model(name, hs=hs, nz=nz).to(dev).train()
    m.compute_mode = compute_mode
    opt = torch.optim.Adam(m.parameters(), lr=1e-4)
    step_loss = m.loss
    if compile: step_loss = torch.compile(m.loss)
    g = torch.Generator().manual_seed(0)
    times, cpu = [], []
    if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats(dev)
    for i in range(warmup + batches):
        idx = torch.randint(0, len(types), (bs,), generator=g)
        t, a = types[idx].to(dev), adj[idx].to(dev)
        _sync(dev); t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        loss, recon, kld = step_loss(t, a)
        loss.backward(); opt.step()
        _sync(dev)
        if i >= warmup: times.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
    med, mean = statistics.median(times), statistics.mean(times)
    line = (f"{name:9s} {med:.4f} s/batch (median; mean {mean:.4f}) -> {535 * mean:7.1f} s/epoch (535 batches); "
            f"cpu time {statistics.median(cpu):.4f} s/batch")
    if dev.type == 'cuda': line += f", peak mem {torch.cuda.max_memory_allocated(dev) / 2**20:.0f} MiB"
    if decode:
        m.eval(); z = torch.randn(bs, nz, device=dev)
        m.decode(z); _sync(dev); t0 = time.perf_counter()
        for _ in range(5): m.decode(z)
        _sync(dev); line += f", decode {((time.perf_counter() - t0) / 5):.4f} s/32 graphs"
    print(line, flush=True)
    return mean


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--models', nargs='+', default=['dvae', 'dvae-emb', 'gcn', 'gcn-emb'])
    p.add_argument('--batches', type=int, default=20)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--hs', type=int, default=501)
    p.add_argument('--device', default=default_device())
    p.add_argument('--threads', type=int, default=0, help='torch threads on CPU (0 = torch default)')
    p.add_argument('--compute-mode', default='auto', choices=['auto', 'dense', 'compact'], help='teacher-forcing form (auto: compact on CPU)')
    p.add_argument('--compile', action='store_true', help='torch.compile the loss')
    p.add_argument('--decode', action='store_true', help='also time batched generation')
    args = p.parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    tr = load_enas6('train')
    print(f"device: {device_name(dev)}, torch {torch.__version__}, threads {torch.get_num_threads()}, hs {args.hs}, batch 32, compute_mode {args.compute_mode}")
    for name in args.models:
        bench(name, tr.types, tr.adj, dev, args.batches, args.warmup, hs=args.hs, compile=args.compile, decode=args.decode, compute_mode=args.compute_mode)


if __name__ == '__main__':
    main()
