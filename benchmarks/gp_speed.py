"""Time one sparse-GP fit at Table-2 size (17,118 x 56, 500 inducing points) on this machine.

Usage: python benchmarks/gp_speed.py [--epochs N] [--repeats 1] [--device cpu]   (default: fit_sgp's epochs)
The inputs are a structural encoding of the ENAS-6 architectures (one-hot ops + edge bits, 56 dims, with a
little noise), so the benchmark runs without a trained model; the target is standardised -accuracy.
"""
import argparse, time
import numpy as np, torch
from opemb_nb.data import load_enas6
from opemb_nb.gp import fit_sgp, standardise_acc, rmse_pearson
from opemb_nb.core import device_name

def struct(d, seed=0):
    T, A = d.dense(); iu = torch.triu_indices(8, 8, 1)
    X = torch.cat([torch.nn.functional.one_hot(T[:, 1:7] - 2, 6).flatten(1).double(), A[:, iu[0], iu[1]].double()], 1)[:, :56]
    return (X + 0.05 * torch.randn(X.shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)).numpy()

if __name__ == '__main__':
    p = argparse.ArgumentParser(); p.add_argument('--epochs', type=int, default=None); p.add_argument('--repeats', type=int, default=1)
    p.add_argument('--device', default='cpu'); a = p.parse_args()
    tr, te = load_enas6('train'), load_enas6('test')
    Xtr, Xte = struct(tr), struct(te)
    ytr, yte, _ = standardise_acc(tr.acc, te.acc)
    kw = {} if a.epochs is None else dict(epochs=a.epochs)
    print(f"device: {device_name(a.device)}; X_train {Xtr.shape}, M = 500, epochs = {a.epochs or 'default'}, float64, 1 thread")
    for s in range(1, a.repeats + 1):
        t0 = time.perf_counter()
        post = fit_sgp(Xtr, ytr, seed=s, device=a.device, **kw)
        fit = time.perf_counter() - t0
        t1 = time.perf_counter(); pred = post.predict(Xte); t_pred = time.perf_counter() - t1
        rmse, r = rmse_pearson(pred, yte)
        print(f"seed {s}: fit {fit:.1f} s, predict {t_pred:.2f} s; test RMSE {rmse:.3f}, r {r:.3f}", flush=True)
