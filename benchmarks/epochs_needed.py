"""How far into training each run got: the monitored test reconstruction (greedy, `train --monitor`) per epoch,
the first epoch at which it reaches 95 % and 99 %, and the final Table 1 reconstruction (metrics.json).

Reads finished run directories only (nothing is trained); prints a markdown table and the runs' provenance.

    python benchmarks/epochs_needed.py results/cpu/gcn results/cpu/gcn-s2 ... > benchmarks/results/x.md
"""
import json, sys
from pathlib import Path


def curve(run):
    "Epoch and monitored test accuracy of every logged epoch of a run."
    from opemb_nb.runs import read_log
    return [(int(r['epoch']), float(r['test_acc'])) for r in read_log(run) if r.get('test_acc') not in (None, '')]


def first(c, level):
    "The first epoch whose monitored accuracy reaches `level`, or None."
    return next((e for e, a in c if a >= level), None)


def main(argv=None):
    runs = [Path(p) for p in (argv or sys.argv[1:])]
    marks = (10, 20, 30, 35, 50, 70)
    print('| run | epochs | steps/epoch | ' + ' | '.join(f'epoch {m}' for m in marks) + ' | 95 % at | 99 % at | Table 1 recon |')
    print('|---|---|---|' + '---|' * (len(marks) + 3))
    provs = {}
    for run in runs:
        cfg = json.loads((run / 'config.json').read_text()); st = cfg['settings']
        c = dict(curve(run)); mp = run / 'metrics.json'
        m = json.loads(mp.read_text()) if mp.exists() else {}  # no Table 1 yet: '—'
        spe = -(-cfg['n_train'] // st['batch_size'])
        cells = [f'{100 * c[k]:.1f}' if k in c else '—' for k in marks]
        f95, f99 = first(sorted(c.items()), .95), first(sorted(c.items()), .99)
        print(f"| {run.name} | {st['epochs']} | {spe} | " + ' | '.join(cells) +
              f" | {f95 or '—'} | {f99 or '—'} | " + (f"{100 * m['recon_acc']:.2f} %" if 'recon_acc' in m else '—') + " |")
        p = cfg.get('provenance', {}); provs[run.name] = (p.get('device'), p.get('date'), p.get('commit'))
    print('\nMonitored accuracy: greedy decoding of the latent mean of 300 test graphs at the end of the epoch '
          '(percent). Table 1 recon: the full test split, the evaluation protocol of the paper.\n')
    for k, v in provs.items(): print(f'- {k}: device {v[0]}, date {v[1]}, commit {v[2]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
