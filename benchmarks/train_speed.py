"""Training speed at the paper's settings: seconds per epoch and peak memory, per model, on the current device.

    python benchmarks/train_speed.py [--models dvae dvae-emb ...] [--batches 50] [--warmup 5] [--device cpu|cuda] [--threads N]
                                     [--hs 501] [--compile inductor|cudagraphs|...] [--ops]

Times >= 50 training batches (zero_grad, loss, backward, Adam step; batch 32, hs 501, nz 56) after a warm-up,
and extrapolates to an epoch of 535 batches (17,118 graphs). Peak memory is torch.cuda.max_memory_allocated on
a GPU and the peak resident set size of the process on CPU; each model runs in a fresh subprocess so that the
numbers are per model. Prints one line per model.

--compile runs the full batches through `opemb_nb.train.CompiledLoss`, exactly as `train(compile=...)` does
(CUDA graphs with 'inductor' on a GPU); the warm-up then includes compiling (use --warmup >= 3). --ops counts the
operations of one step (forward, backward, Adam) with torch.profiler: leaf aten operations that do work, i.e.
kernel launches on a GPU. At a small --hs (e.g. 8) the time per step is the framework's overhead alone.
"""
from __future__ import annotations
import argparse, json, os, resource, subprocess, sys, time

BATCHES_PER_EPOCH = 535  # ceil(17118 / 32)

def count_ops(step)->int:
    "Leaf aten operations that do work (not views, metadata or allocation) in one call of `step`."
    from torch.profiler import profile, ProfilerActivity
    free = {'empty', 'empty_strided', 'empty_like', 'view', 'as_strided', 'resize_', 'detach', 't', 'transpose', 'expand',
            'permute', 'unsqueeze', 'squeeze', 'reshape', '_reshape_alias', 'slice', 'select', 'alias', 'lift_fresh',
            '_unsafe_view', 'set_', 'result_type', 'unbind', 'split', 'narrow', 'split_with_sizes', 'chunk',
            'unsafe_split', 'unsafe_chunk', 'resolve_conj', 'resolve_neg', 'is_nonzero', '_local_scalar_dense', 'item',
            'expand_as', 'view_as', 'contiguous', 'to', '_to_copy', 'numpy_T', 'unflatten', 'flatten'}
    with profile(activities=[ProfilerActivity.CPU]) as p: step(0)
    return sum(1 for e in p.events() if e.name.startswith('aten::') and e.name[6:] not in free
               and not any(c.name.startswith('aten::') for c in e.cpu_children))

def bench_one(model, device, batches, warmup, hs, nz, batch_size, seed=1, threads=None, compile=None, ops=False, compute_mode='auto'):
    import numpy as np, torch
    if threads: torch.set_num_threads(threads)
    from opemb_nb.core import device_name
    from opemb_nb.zoo import make_model
    from opemb_nb.train import CompiledLoss, _step
    from opemb_nb.data import load_enas6
    torch.manual_seed(seed)
    d = load_enas6('train')
    types, adj = d.types.to(device), d.adj.to(device)
    m = make_model(model, hs=hs, nz=nz).to(device).train()
    if hasattr(m, 'compute_mode'): m.compute_mode = compute_mode
    opt = torch.optim.Adam(m.parameters(), lr=1e-4)
    perm = torch.randperm(len(types), device=device)
    fn = CompiledLoss(m, compile) if compile else m.loss
    def step(i):
        idx = perm[(i * batch_size) % (len(perm) - batch_size):][:batch_size]
        return _step(fn, opt, types[idx], adj[idx], 0.005)[0]
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)
    t0 = time.perf_counter()
    for i in range(warmup): step(i)
    sync()
    warm_s = time.perf_counter() - t0
    n_ops = count_ops(step) if ops else None
    if device == 'cuda': torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for i in range(batches): loss = step(warmup + i)
    sync()
    dt = (time.perf_counter() - t0) / batches
    if device == 'cuda': mem, kind = torch.cuda.max_memory_allocated() / 2**20, 'cuda max_memory_allocated'
    else: mem, kind = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'peak RSS'
    return dict(model=model, device=device_name(device), hs=hs, nz=nz, batch=batch_size, timed_batches=batches,
                s_per_batch=dt, s_per_epoch=dt * BATCHES_PER_EPOCH, peak_mem_mib=mem, mem_kind=kind,
                threads=torch.get_num_threads(), loss=float(loss.detach()), warmup_s=warm_s, ops_per_step=n_ops,
                compile=fn.status if compile else None, compute_mode=getattr(m, 'compute_mode', None))

def fmt(r):
    return (f"{r['model']:<9} {r['s_per_epoch']:8.1f} s/epoch  ({r['s_per_batch'] * 1000:7.1f} ms/batch x {BATCHES_PER_EPOCH}, "
            f"{r['timed_batches']} timed batches)  peak mem {r['peak_mem_mib']:7.0f} MiB ({r['mem_kind']})  "
            f"hs={r['hs']} nz={r['nz']} batch={r['batch']}  device: {r['device']}, {r['threads']} threads"
            + (f", compute_mode {r['compute_mode']}" if r.get('compute_mode') else '')
            + (f"  ops/step {r['ops_per_step']}" if r.get('ops_per_step') else '')
            + (f"  compile {r['compile']['backend']}/{r['compile']['mode']} {'ok' if r['compile']['compiled'] else 'FAILED: ' + str(r['compile']['error'])}"
               f" (warm-up {r['warmup_s']:.0f} s)" if r.get('compile') else ''))

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--models', nargs='+', default=['dvae', 'dvae-emb', 'gcn', 'gcn-emb', 'svae', 'graphrnn'])
    p.add_argument('--batches', type=int, default=50, help='timed batches (>= 50 for the issue\'s numbers)')
    p.add_argument('--warmup', type=int, default=5, help='untimed batches first')
    p.add_argument('--device', choices=['cpu', 'cuda'], default=None)
    p.add_argument('--hs', type=int, default=501); p.add_argument('--nz', type=int, default=56)
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch\'s choice)')
    p.add_argument('--compile', default=None, help='torch.compile backend of the step (opemb_nb.train.COMPILE_BACKENDS)')
    p.add_argument('--compute-mode', default='auto', choices=['auto', 'dense', 'compact'], help="teacher-forcing form of the igraph models (auto: dense on a GPU, compact on a CPU)")
    p.add_argument('--ops', action='store_true', help='count the operations (kernel launches on a GPU) of one step')
    p.add_argument('--json', action='store_true', help='print JSON lines instead of text')
    p.add_argument('--inprocess', action='store_true', help='no subprocess per model (peak RSS then accumulates)')
    a = p.parse_args(argv)
    import torch
    device = a.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if a.batches < 50: print(f"note: only {a.batches} timed batches (the issue asks for >= 50)", file=sys.stderr)
    for m in a.models:
        if a.inprocess or len(a.models) == 1:
            r = bench_one(m, device, a.batches, a.warmup, a.hs, a.nz, a.batch_size, threads=a.threads, compile=a.compile, ops=a.ops, compute_mode=a.compute_mode)
        else:
            cmd = [sys.executable, __file__, '--models', m, '--batches', str(a.batches), '--warmup', str(a.warmup),
                   '--device', device, '--hs', str(a.hs), '--nz', str(a.nz), '--batch-size', str(a.batch_size), '--json'] + (['--threads', str(a.threads)] if a.threads else [])
            cmd += ['--compute-mode', a.compute_mode] + (['--compile', a.compile] if a.compile else []) + (['--ops'] if a.ops else [])
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode: print(f"{m}: failed\n{out.stderr[-2000:]}", file=sys.stderr); continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(r) if a.json else fmt(r), flush=True)

if __name__ == '__main__': main()
