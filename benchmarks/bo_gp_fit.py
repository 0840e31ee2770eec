"""Does the length of the sparse-GP fit change what a latent-BO round chooses?

On a run's latent means (training split), as the first round of `opemb bo` does, fit the SGP with each of the
`--epochs` settings (and the library's other defaults) and choose a batch by expected improvement
(`opemb_nb.bo.select_batch`, the same grid seed for all). Writes one JSON line per fit: the fit's seconds,
its test RMSE and r, the selection's seconds, the batch, and then, for every pair of fits, how far apart their
batches are (mean distance of each point of one batch to the nearest of the other, against the median
distance between training points) and the posterior mean of the last fit at each batch (lower is better: y is
the standardised -accuracy). The last `--epochs` entry is the reference; a setting listed twice is fitted again
with the next seed, which shows how far the batch moves from one fit to another of the same setting.

    python benchmarks/bo_gp_fit.py --run results/cpu/dvae --epochs 4,4,80 --decays 1,1,0.02 --out r.jsonl
"""
import argparse, json, os, platform, sys, time


def _cpu_name()->str:
    "The CPU's model name (/proc/cpuinfo), else the platform's."
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--run', required=True)
    p.add_argument('--epochs', default='4,20', help='SGP epochs per fit, comma-separated (the last: reference)')
    p.add_argument('--decays', default=None, help="decay of each fit, comma-separated (default: the library's)")
    p.add_argument('--batch', type=int, default=50)
    p.add_argument('--grid', type=int, default=10000)
    p.add_argument('--maxiter', type=int, default=150)
    p.add_argument('--out', required=True)
    a = p.parse_args(argv)
    import numpy as np, torch
    from opemb_nb.core import git_commit
    from opemb_nb.runs import latest_latent, load_latent
    from opemb_nb.gp import fit_sgp, standardise_acc, rmse_pearson
    from opemb_nb.bo import select_batch
    torch.set_num_threads(1)
    d = load_latent(latest_latent(a.run)[0])
    X = d['Z_train']; y, yte, _ = standardise_acc(d['y_train'], d['y_test'])
    eps = [int(e) for e in a.epochs.split(',')]
    decays = [float(x) for x in a.decays.split(',')] if a.decays else [None] * len(eps)
    # a setting listed twice is fitted with the next seed (1000, 1001, ...): how far two fits' batches lie apart
    fits = [(e, dc, 1000 + list(zip(eps, decays))[:i].count((e, dc))) for i, (e, dc) in enumerate(zip(eps, decays))]
    out = open(a.out, 'a'); rows = []
    for e, dc, seed in fits:
        kw = dict(epochs=e) | ({} if dc is None else dict(decay=dc))
        post = fit_sgp(X, y, seed=seed, **kw)
        rmse, r = rmse_pearson(post.predict(d['Z_test']), yte)
        t0 = time.perf_counter()
        B, info = select_batch(post, X.min(0), X.max(0), q=a.batch, n_grid=a.grid, maxiter=a.maxiter, seed=1000)
        rows.append(dict(run=a.run, epochs=e, decay=dc, seed=seed, fit_seconds=round(post.info['seconds'], 2),
                         select_seconds=round(time.perf_counter() - t0, 2), rmse=round(rmse, 4),
                         pearson=round(r, 4), incumbent=info['incumbent'], post=post, B=B))
    sub = X[np.random.default_rng(0).choice(len(X), 1000, replace=False)]
    med = float(np.median(np.linalg.norm(sub[:, None] - sub[None], axis=-1)[np.triu_indices(1000, 1)]))
    ref = rows[-1]['post']
    for i, ri in enumerate(rows):
        ri['ref_mean_at_batch'] = round(float(ref.predict(ri['B']).mean()), 4)
        ri['distance_to'] = {}
        for j, rj in enumerate(rows):
            if i == j: continue
            dist = np.linalg.norm(ri['B'][:, None] - rj['B'][None], axis=-1).min(1).mean()
            ri['distance_to'][f"E{rj['epochs']} seed {rj['seed']}"] = round(float(dist) / med, 4)
    for ri in rows:
        ri = {k: v for k, v in ri.items() if k not in ('post', 'B')}
        ri.update(median_train_distance=round(med, 4), machine=_cpu_name(),
                  cpus=os.cpu_count(), torch=torch.__version__, date=time.strftime('%Y-%m-%d'),
                  commit=git_commit(short=True))
        out.write(json.dumps(ri) + '\n'); print(json.dumps(ri), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
