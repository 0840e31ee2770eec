"""The pool search on a space's whole table: queries to its top 0.1 % under several settings, one JSON line each.

Features are a training run's latent means (`--run DIR`) or, as a reference that needs no model, the one-hot
encoding of each architecture's operations with its upper-triangular adjacency (`--run onehot`). Each line holds
the per-seed queries to the top, their median, and random search's exact median for the same table.

    python benchmarks/pool_search.py --run results/cpu/nasbench-graph/dvae --space nasbench-graph \\
        --y rank --n-init 20 --batch 10 --budget 550 --seeds 10 >> benchmarks/results/pool_search.jsonl
"""
import argparse, json, math, time
import numpy as np
from opemb_nb.bo import _pool_latents, pool_bo, queries_to_top, random_median_queries, top_band
from opemb_nb.core import flush_denormals, device_name, git_commit
from opemb_nb.space import get_space

def onehot_features(D)->np.ndarray:
    "Each architecture's operations, one-hot per position, and its upper-triangular adjacency."
    T, A = D.types.numpy(), D.adj.numpy()
    iu = np.triu_indices(A.shape[1], 1)
    return np.concatenate([np.eye(T.max() + 1)[T].reshape(len(T), -1), A[:, iu[0], iu[1]]], 1).astype(float)

p = argparse.ArgumentParser()
p.add_argument('--run', required=True); p.add_argument('--space', default=None)
p.add_argument('--y', default='standard', choices=['standard', 'rank'])
p.add_argument('--n-init', type=int, default=50); p.add_argument('--batch', type=int, default=50)
p.add_argument('--budget', type=int, default=550); p.add_argument('--seeds', type=int, default=10)
a = p.parse_args()
flush_denormals()
sp = get_space(a.space); D = sp.load()
Z, acc = (onehot_features(D), D.acc) if a.run == 'onehot' else _pool_latents(a.run, sp)
thr, n_top = top_band(acc)
rounds = (a.budget - a.n_init) // a.batch
tic = time.perf_counter()
curves = [pool_bo(Z, acc, rounds, a.batch, a.n_init, seed=s, y=a.y)['best_so_far'] for s in range(1, a.seeds + 1)]
q = queries_to_top(curves, thr)
print(json.dumps(dict(space=sp.name, run=a.run, y=a.y, n_init=a.n_init, batch=a.batch, queries=len(curves[0]),
                      seeds=a.seeds, per_seed=q['per_seed'], reached=q['reached'],
                      median=q['median'] if math.isfinite(q['median']) else None,
                      random_exact_median=random_median_queries(len(acc), n_top), n_top=n_top,
                      seconds=round(time.perf_counter() - tic, 1), device=device_name('cpu'),
                      commit=git_commit(short=True), date=time.strftime('%Y-%m-%d'))), flush=True)
