"""What the training-only type head does to the latent space: Table 2 and smoothness, with and without it.

For each latent dump (a run directory's latest `latent_epoch*.npz`, or the file itself) measures, on the same
split and with the library's defaults: Table 2 with the paper's sparse GP and with the exact GP on a subset
(`gp.predictability`, `--gp-seeds` fits each), and the smoothness of the latent space (`latent.latent_smoothness`:
mean |delta accuracy| to the 10 nearest latent neighbours against shuffled accuracies, and kNN regression). With
--reuse, Table 2 is read from a run's sgp.json (`opemb predict`) when that was computed on the same latent file.
Writes one JSON line per dump and a final line with machine, date and commit.

    python benchmarks/type_head_latent.py --reuse --out r.jsonl 'no head=git:43878ed:results/cpu/dvae-emb-t2' \
        'head=results/cpu/dvae-emb-t2'
    python benchmarks/type_head_latent.py --summarise r.jsonl
"""
import argparse, json, os, platform, sys, time
from pathlib import Path


def fmt(r, k)->str:
    "A predictor's mean, with its spread when it was fitted more than once."
    return f"{r[k + '_mean']:.3f}" + (f" ± {r[k + '_std']:.3f}" if len(r[k]) > 1 else '')


def summarise(path)->str:
    "A markdown table of the dumps measured in a JSON-lines file."
    rows = [json.loads(l) for l in open(path)]
    out = ['| latent space | recon (test) | SGP RMSE | SGP r | exact-GP RMSE | exact-GP r | kNN |Δacc| / shuffled | kNN r |',
           '|---|---|---|---|---|---|---|---|']
    for r in rows:
        if r.get('final'): continue
        s, x, m = r['sgp'], r['exact'], r['smooth']
        rec = '—' if r.get('recon_acc') is None else f"{100 * r['recon_acc']:.2f} %"
        ex = '| — | — ' if x is None else f"| {fmt(x, 'rmse')} | {fmt(x, 'pearson')} "
        out.append(f"| {r['label']} | {rec} | {fmt(s, 'rmse')} | {fmt(s, 'pearson')} {ex}"
                   f"| {m['ratio']:.3f} | {m['knn_r']:.3f} |")
    return '\n'.join(out)


def from_git(commit, run_dir)->Path:
    "Check out a committed run's latest latent dump, metrics.json and sgp.json into a temporary folder."
    import subprocess, tempfile
    names = subprocess.run(['git', 'ls-tree', '--name-only', commit, run_dir + '/'], capture_output=True,
                           text=True, check=True).stdout.split()
    tmp = Path(tempfile.mkdtemp())
    for n in names:
        if Path(n).name.startswith('latent_epoch') or Path(n).name in ('metrics.json', 'sgp.json'):
            (tmp / Path(n).name).write_bytes(subprocess.run(['git', 'show', f'{commit}:{n}'], capture_output=True,
                                                            check=True).stdout)
    lat = sorted(tmp.glob('latent_epoch*.npz'), key=lambda p: int(p.stem.split('epoch')[1]))
    if not lat: raise SystemExit(f"{run_dir} at {commit} has no latent_epoch*.npz")
    return lat[-1]


def main(argv=None):
    if argv is None and len(sys.argv) > 2 and sys.argv[1] == '--summarise':
        print(summarise(sys.argv[2])); return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('dumps', nargs='+', help='LABEL=PATH: a run directory, a latent_epoch*.npz file, or '
                   'git:COMMIT:RUN_DIR (the run as committed then)')
    p.add_argument('--gp-seeds', type=int, default=2, help='fits of each GP (seeds 1..N)')
    p.add_argument('--out', required=True, help='JSON-lines output')
    p.add_argument('--reuse', action='store_true',
                   help="read Table 2 from the run's sgp.json where it was computed on the same latent file")
    a = p.parse_args(argv)
    import torch
    torch.set_num_threads(1)
    from opemb_nb.core import git_commit, device_name
    from opemb_nb.runs import latest_latent, load_latent
    from opemb_nb.gp import predictability
    from opemb_nb.latent import latent_smoothness
    out = open(a.out, 'a')
    for spec in a.dumps:
        label, _, path = spec.partition('=')
        tic = time.perf_counter()
        if path.startswith('git:'):  # git:COMMIT:RUN_DIR, a run as committed then (latent, metrics, sgp.json)
            f, res = from_git(*path[4:].split(':', 1)), dict(label=label, latent=path)
        else:
            path = Path(path)
            f = path if path.suffix == '.npz' else latest_latent(path)[0]
            res = dict(label=label, latent=str(f))
        d = load_latent(f)
        metrics = f.parent / 'metrics.json'
        res['recon_acc'] = json.loads(metrics.read_text()).get('recon_acc') if metrics.exists() else None
        keys = ('rmse_mean', 'rmse_std', 'pearson_mean', 'pearson_std', 'rmse', 'pearson')
        sgp = f.parent / 'sgp.json'
        g = json.loads(sgp.read_text()) if a.reuse and sgp.exists() else {}
        if g.get('latent_file') == f.name:  # Table 2 already computed on this dump (the exact GP if it has it)
            res.update(sgp={k: g[k] for k in keys}, exact={k: g['exact'][k] for k in keys} if 'exact' in g else None,
                       reused='sgp.json')
        for kind in () if 'reused' in res else ('sgp', 'exact'):
            r = predictability(d['Z_train'], d['y_train'], d['Z_test'], d['y_test'],
                               seeds=range(1, a.gp_seeds + 1), predictor=kind)
            res[kind] = {k: r[k] for k in keys}
        res['smooth'] = latent_smoothness(d)
        res['seconds'] = round(time.perf_counter() - tic, 1)
        out.write(json.dumps(res) + '\n'); out.flush(); print(json.dumps(res), flush=True)
    fin = dict(final=True, args=vars(a), device=device_name('cpu'), machine=platform.processor() or platform.machine(),
               cpus=os.cpu_count(), torch=torch.__version__, date=time.strftime('%Y-%m-%d'), commit=git_commit(short=True))
    out.write(json.dumps(fin) + '\n'); out.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
