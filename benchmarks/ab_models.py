"""Interleaved A/B timing of implementation variants of one model (robust to a shared, noisy CPU).

    python benchmarks/ab_models.py [--model dvae] [--rounds 10] [--threads 1]

Variants: 'v1' = the first dense version (all 28 partial states; forward and backward encoder passes one after
the other), 'dense' = dense teacher forcing with the fused bidirectional encoder (what runs on GPU),
'compact' = one GRU row per true edge (what runs on CPU), 'compact-sep' = compact with the two encoder
passes one after the other. Each round runs one training step (forward, backward,
Adam) of every variant on the same batch, in turn; prints median process CPU time and wall time per batch.
"""
import argparse, statistics, time
import torch
import torch.nn.functional as F
from opemb_nb.zoo import make_model
from opemb_nb.data import load_enas6
from opemb_nb.models import DVAE


def _separate(self, x, A):  # the v1 encoder: two sequential passes
    hf = self._propagate(F.linear(x, self.grue_forward.weight_ih, self.grue_forward.bias_ih), A,
                         self.grue_forward, self.gate_forward, self.mapper_forward)[-1]
    hb = self._propagate(F.linear(x, self.grue_backward.weight_ih, self.grue_backward.bias_ih), A,
                         self.grue_backward, self.gate_backward, self.mapper_backward, reverse=True)[0]
    return hf, hb


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--model', default='dvae'); p.add_argument('--rounds', type=int, default=10)
    p.add_argument('--threads', type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    tr = load_enas6('train'); g = torch.Generator().manual_seed(0)
    variants = {}
    for v in ['v1', 'dense', 'compact', 'compact-sep']:
        torch.manual_seed(0)
        m = make_model(a.model).train(); m.compute_mode = 'compact' if v.startswith('compact') else 'dense'
        if v in ('v1', 'compact-sep'): m._propagate_both = _separate.__get__(m)
        variants[v] = (m, torch.optim.Adam(m.parameters(), lr=1e-4), [], [])
    for r in range(a.rounds + 2):
        idx = torch.randint(0, len(tr.types), (32,), generator=g)
        t, adj = tr.types[idx], tr.adj[idx]
        for v, (m, opt, cpu, wall) in variants.items():
            c0, w0 = time.process_time(), time.perf_counter()
            opt.zero_grad(); m.loss(t, adj)[0].backward(); opt.step()
            if r >= 2: cpu.append(time.process_time() - c0); wall.append(time.perf_counter() - w0)
    print(f"{a.model}, threads {torch.get_num_threads()}, {a.rounds} interleaved rounds, batch 32, hs 501")
    for v, (m, opt, cpu, wall) in variants.items():
        print(f"  {v:8s} cpu {statistics.median(cpu):.4f} s/batch  wall {statistics.median(wall):.4f} s/batch")


if __name__ == '__main__':
    main()
