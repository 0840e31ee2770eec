"""Convergence study of Table 2's predictors: held-out error against the length and the settings of the fit.

On a run's latest latent means (`latent_epoch<E>.npz`, the training split to fit, the test split to measure),
`--kind sgp` fits the sparse variational GP (`opemb_nb.gp.fit_sgp`) once for `--epochs` epochs and, after each
epoch listed in `--eval-at`, writes one JSON line: the epoch's training -ELBO/n (the mean over its
minibatches, `post.info['loss']`), the test RMSE (standardised -accuracy) and Pearson r of the posterior at
that point, its noise variance, and the seconds of fitting so far (evaluations excluded). So one long fit gives
the whole curve. `--kind exact` does the same for the exact GP on a random training subset
(`opemb_nb.gp.fit_exact_gp`, `--subset` points) after the Adam steps listed in `--eval-at`. A final line per fit
records the settings, machine, torch, date and commit.

    python benchmarks/gp_convergence.py --run results/cpu/dvae --epochs 100 --out r.jsonl
    python benchmarks/gp_convergence.py --run results/cpu/dvae --kind exact --subset 2000 --steps 150 --out r.jsonl
    python benchmarks/gp_convergence.py --summarise r.jsonl     # markdown tables of the fits in r.jsonl
"""
import argparse, inspect, json, os, platform, sys, time
from pathlib import Path


def _cpu_name()->str:
    "The CPU's model name (/proc/cpuinfo), else the platform's."
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()


def _ints(s): return [int(x) for x in s.split(',') if x]


def summarise(path)->str:
    "Markdown tables of the fits in a JSON-lines file: one row per evaluation, one block per fit."
    fits = {}
    for line in open(path):
        r = json.loads(line)
        fits.setdefault(r['label'], {'evals': []})
        if r.get('final'): fits[r['label']]['final'] = r
        else: fits[r['label']]['evals'].append(r)
    out = ['| fit | epochs / steps | seconds | -ELBO/n or -MLL/n | test RMSE | Pearson r | noise |',
           '|---|---|---|---|---|---|---|']
    for label, d in fits.items():
        for e in d['evals']:
            at = e.get('epoch', e.get('step'))
            out.append(f"| {label} | {at} | {e['seconds']:.0f} | {e['loss']:.4f} | {e['rmse']:.4f} | "
                       f"{e['pearson']:.4f} | {e['noise']:.4f} |")
    fin = [d['final'] for d in fits.values() if 'final' in d]
    if fin:
        f = fin[0]
        out += ['', f"Machine: {f['machine']}, {f['cpus']} cores; torch {f['torch']}; {f['date']}; "
                    f"commit {', '.join(sorted({x['commit'] for x in fin}))}; one torch thread."]
    return '\n'.join(out)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 2 and argv[0] == '--summarise':
        print(summarise(argv[1])); return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--run', required=True, help='run directory with latent_epoch<E>.npz')
    p.add_argument('--kind', choices=['sgp', 'exact'], default='sgp')
    p.add_argument('--epochs', type=int, default=100, help='sgp: epochs of the one fit')
    p.add_argument('--inducing', type=int, default=500, help='sgp: inducing points')
    p.add_argument('--lr', type=float, default=None, help="Adam learning rate (default: the library's)")
    p.add_argument('--ngd-lr', type=float, default=None, help="sgp: natural-gradient step (default: the library's)")
    p.add_argument('--decay', type=float, default=None,
                   help="sgp: final fraction of the step sizes, cosine schedule (default: the library's)")
    p.add_argument('--batch-size', type=int, default=1000, help='sgp: minibatch size')
    p.add_argument('--subset', type=int, default=2000, help='exact: random training points')
    p.add_argument('--steps', type=int, default=150, help='exact: Adam steps of the one fit')
    p.add_argument('--eval-at', type=_ints, default=None,
                   help='epochs (sgp) or steps (exact) after which to evaluate, comma-separated')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--label', default=None)
    p.add_argument('--out', required=True, help='JSON-lines output (appended)')
    a = p.parse_args(argv)
    import torch
    from opemb_nb.core import git_commit
    from opemb_nb.runs import latest_latent, load_latent
    from opemb_nb import gp
    path, epoch = latest_latent(a.run)
    d = load_latent(path)
    ytr, yte, _ = gp.standardise_acc(d['y_train'], d['y_test'])
    model = Path(a.run).name
    kw = {k: v for k, v in (('lr', a.lr), ('ngd_lr', a.ngd_lr), ('decay', a.decay)) if v is not None}
    if a.kind == 'sgp':
        # a decaying schedule depends on the fit's length: then only its end is the fit of that length
        every = [1, 2, 3, 4, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90, 100]
        decay = kw.get('decay', inspect.signature(gp.fit_sgp).parameters['decay'].default)
        at = set(a.eval_at or (every if decay == 1.0 else [a.epochs]))
        kw.update(n_inducing=a.inducing, epochs=a.epochs, batch_size=a.batch_size)
        label = a.label or (f"{model} sgp M{a.inducing} lr{kw.get('lr', 'def')} "
                            f"ngd{kw.get('ngd_lr', 'def')} decay{kw.get('decay', 'def')} E{a.epochs} s{a.seed}")
    else:
        at = set(a.eval_at or [25, 50, 75, 100, 150, 200, 300])
        kw.update(subset=a.subset, steps=a.steps)
        label = a.label or f"{model} exact n{a.subset} lr{kw.get('lr', 'def')} s{a.seed}"
    out = open(a.out, 'a'); t_eval = [0.0]; t0 = [time.perf_counter()]

    def write(r):
        out.write(json.dumps(r) + '\n'); out.flush(); print(json.dumps(r), flush=True)

    def evaluate(i, post, loss):
        rmse, r = gp.rmse_pearson(post.predict(d['Z_test']), yte)
        return dict(label=label, model=model, kind=a.kind, rmse=round(rmse, 5), pearson=round(r, 5),
                    loss=round(loss, 5), noise=round(post.noise, 5), seed=a.seed)

    if a.kind == 'sgp':
        hist = []
        def cb(ep, m, lik):
            if ep not in at: return
            t1 = time.perf_counter(); sec = t1 - t0[0] - t_eval[0]
            r = evaluate(ep, gp.svgp_posterior(m, lik), float('nan'))
            r.update(epoch=ep, steps=ep * -(-len(ytr) // a.batch_size), seconds=round(sec, 2))
            hist.append(r); t_eval[0] += time.perf_counter() - t1
        t0[0] = time.perf_counter()
        post = gp.fit_sgp(d['Z_train'], ytr, seed=a.seed, threads=1, callback=cb, **kw)
        for r in hist:  # the -ELBO/n of the epoch that ended at the evaluation
            r['loss'] = round(post.info['loss'][r['epoch'] - 1], 5); write(r)
        total = post.info['seconds'] - t_eval[0]
    else:
        def cb(step, m, lik, loss):
            if step not in at: return
            t1 = time.perf_counter(); sec = t1 - t0[0] - t_eval[0]
            r = evaluate(step, gp.exact_posterior(m, lik), loss)
            r.update(step=step, seconds=round(sec, 2))
            write(r); t_eval[0] += time.perf_counter() - t1
        t0[0] = time.perf_counter()
        post = gp.fit_exact_gp(d['Z_train'], ytr, seed=a.seed, callback=cb, **kw)
        total = post.info['seconds'] - t_eval[0]
    write(dict(label=label, final=True, run=str(a.run), latent_file=path.name, kind=a.kind,
               settings=kw, seed=a.seed, fit_seconds=round(total, 2), n_train=len(ytr), n_test=len(yte),
               machine=_cpu_name(), cpus=os.cpu_count(),
               torch=torch.__version__, date=time.strftime('%Y-%m-%d'), commit=git_commit(short=True)))
    out.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
