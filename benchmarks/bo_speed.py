"""Latent-space BO at the paper's sizes: seconds per round (GP fit, EI batch selection, decoding) for one seed.

    python benchmarks/bo_speed.py --run results/quick/dvae [--rounds 1] [--evaluator table|surrogate] [--device cpu|cuda]

One seed of `opemb_nb.bo.bo_run` with the paper's round (batch 50, 500 decodings per point, EI grid 10,000,
L-BFGS-B up to 150 iterations per point, SGP with 500 inducing points) on a trained run, without writing bo.json.
Prints the three parts of each round and what 10 rounds x 10 seeds would take one seed after another and with
one process per seed. The decoding time depends on the model (a well-trained decoder is confident and fast);
the GP fit and the EI selection do not. A benchmark, not a test.
"""
import argparse, shutil, statistics, tempfile, time
from pathlib import Path


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--run', required=True, help='a trained run directory (model.pt, latent_epoch<E>.npz, config.json)')
    p.add_argument('--rounds', type=int, default=1)
    p.add_argument('--evaluator', default='table', choices=['table', 'surrogate'])
    p.add_argument('--device', default='cpu')
    p.add_argument('--threads', type=int, default=1, help='torch threads (a worker process uses 1)')
    a = p.parse_args(argv)
    import torch
    torch.set_num_threads(a.threads)
    from opemb_nb.bo import bo_run
    from opemb_nb.core import device_name, git_commit
    from opemb_nb.runs import run_meta
    with tempfile.TemporaryDirectory() as d:  # a copy, so that the run's own bo.json is left alone
        run = Path(d) / 'run'; shutil.copytree(a.run, run, ignore=shutil.ignore_patterns('checkpoint*.pt', 'bo*', 'tsne*'))
        t0 = time.perf_counter()
        res = bo_run(run, a.evaluator, rounds=a.rounds, batch=50, seeds=1, decode_attempts=500, device=a.device, figures=False)
        total = time.perf_counter() - t0
    rows = res['runs'][0]['rounds']
    parts = {k: statistics.mean(r[f'{k}_seconds'] for r in rows) for k in ('fit', 'select', 'decode')}
    per_round = sum(parts.values())
    meta = run_meta(a.run)
    print(f"run {a.run} ({meta['model']}, {meta['scale']} scale, {meta['epochs']} epochs); device {device_name(a.device)}, "
          f"{torch.get_num_threads()} thread(s); torch {torch.__version__}; commit {git_commit(short=True)}")
    print(f"per round (mean of {len(rows)}): GP fit {parts['fit']:.1f} s, EI selection of 50 points {parts['select']:.1f} s, "
          f"decoding 50 x 500 {parts['decode']:.1f} s -> {per_round:.1f} s; whole call {total:.1f} s (evaluator set-up included)")
    print(f"10 rounds x 10 seeds: {100 * per_round / 60:.0f} min one seed after another; "
          f"{10 * per_round / 60:.0f} min with one process per seed (10 free cores)")


if __name__ == '__main__':
    main()
