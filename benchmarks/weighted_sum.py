"""The senders' weighted sum as `einsum` against `models.weighted_sum`: step time and numbers, interleaved.

    python benchmarks/weighted_sum.py [--models dvae gcn] [--rounds 20] [--hs 128] [--batch-size 128] [--threads 1]

Both variants train the same model on the same batch in turn, round after round (robust to a shared, noisy CPU);
the script prints the median process CPU time of a training step (forward, backward, Adam) of each, their ratio,
and the largest difference of the loss and of any gradient between the two on one batch, relative to its scale.
The 'einsum' variant is the library's earlier form of the sum, `torch.einsum('bk,bkh->bh', w, X)`.
"""
import argparse, copy, statistics, time
import torch
import opemb_nb.models as M
from opemb_nb.zoo import make_model
from opemb_nb.data import load_enas6
from opemb_nb.train import _step
from opemb_nb.core import device_name

VARIANTS = {'einsum': lambda w, X: torch.einsum('bk,bkh->bh', w, X), 'weighted_sum': M.weighted_sum}


def loss_and_grads(m, types, adj, beta=0.005):
    "The loss of one batch and the gradient of every parameter, with the sum `M.weighted_sum` as it is now."
    torch.manual_seed(0)  # the same reparameterisation noise for every variant
    m.zero_grad(); loss = m.loss(types, adj, beta)
    loss = loss[0] if isinstance(loss, tuple) else loss
    loss.backward()
    return float(loss.detach()), {k: p.grad.clone() for k, p in m.named_parameters() if p.grad is not None}


def compare(name, types, adj, hs):
    "The largest relative difference of loss and gradients between the two variants, same weights and batch."
    torch.manual_seed(1); m = make_model(name, hs=hs, nz=56).train()
    out = {}
    for v, f in VARIANTS.items():
        M.weighted_sum = f; out[v] = loss_and_grads(m, types, adj)
    M.weighted_sum = VARIANTS['weighted_sum']
    (la, ga), (lb, gb) = out['einsum'], out['weighted_sum']
    rel = max(float((ga[k] - gb[k]).abs().max() / ga[k].abs().max().clamp_min(1e-30)) for k in ga)
    return abs(la - lb) / abs(la), rel


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--models', nargs='+', default=['dvae', 'gcn'])
    p.add_argument('--rounds', type=int, default=20); p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--hs', type=int, default=128); p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--threads', type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    d = load_enas6('train')
    g = torch.Generator().manual_seed(0)
    print(f"device: {device_name('cpu')}, {a.threads} thread(s); hs {a.hs}, batch {a.batch_size}; "
          f"median process CPU ms per training step over {a.rounds} interleaved rounds")
    print("| model | einsum ms | weighted_sum ms | ratio | loss rel. diff | largest gradient rel. diff |")
    print("|---|---|---|---|---|---|")
    for name in a.models:
        idx = torch.randperm(len(d.types), generator=g)[:a.batch_size]
        types, adj = d.types[idx], d.adj[idx]
        dl, dg = compare(name, types, adj, a.hs)
        torch.manual_seed(1); base = make_model(name, hs=a.hs, nz=56).train()
        runs = {v: copy.deepcopy(base) for v in VARIANTS}
        opts = {v: torch.optim.Adam(runs[v].parameters(), lr=1e-4) for v in VARIANTS}
        times = {v: [] for v in VARIANTS}
        for r in range(a.warmup + a.rounds):
            for v, f in VARIANTS.items():
                M.weighted_sum = f
                t0 = time.process_time(); _step(runs[v].loss, opts[v], types, adj, 0.005)
                if r >= a.warmup: times[v].append(time.process_time() - t0)
        M.weighted_sum = VARIANTS['weighted_sum']
        e, w = (statistics.median(times[v]) * 1000 for v in VARIANTS)
        print(f"| {name} | {e:.1f} | {w:.1f} | {w / e:.2f} | {dl:.1e} | {dg:.1e} |", flush=True)


if __name__ == '__main__': main()
