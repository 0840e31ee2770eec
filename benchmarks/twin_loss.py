"""Where a trained D-VAE or GCN run of NAS-Bench-Graph loses its reconstruction: in graphs that ask its decoder a
twin decision (`models.twin_decisions`: one of two identical vertices to pick), or elsewhere.

For each run directory: the teacher-forced loss (nats per graph, z = mu) of training graphs and the greedy
reconstruction of test graphs, split by whether the graph asks a twin decision under the numbering given.
Nothing is trained.

    python benchmarks/twin_loss.py RUN... [--order fewest-twins|depth-first|given] [--n 5000]

--order is the numbering of the computing nodes that the runs were trained with: 'fewest-twins' for this
library's (`nbgraph.fewest_twins`), 'depth-first' (`nbgraph.depth_first`), 'given' for the benchmark's
breadth-first strings.
"""
import argparse, json, sys
from pathlib import Path


def split_loss(run, order:str, n:int)->dict:
    "The loss and greedy reconstruction of a run, on graphs with and without a twin decision."
    import torch
    from opemb_nb.runs import load_run
    from opemb_nb.models import twin_decisions
    from opemb_nb.nbgraph import nbg_to_dense
    from opemb_nb.space import get_space
    m, cfg, _ = load_run(run)
    sp = get_space('nasbench-graph')
    res = dict(run=Path(run).name, model=cfg['model'], order=order,
               epochs=(cfg.get('provenance') or {}).get('epochs'))
    for split, k in (('train', n), ('test', n)):
        archs = sp.load(split).archs[:k]
        t, a = nbg_to_dense(archs, order=order)
        twin = twin_decisions(t, a) > 0
        with torch.no_grad():
            mu, _ = m.encode(t, a)
            if split == 'train':
                ty, ed = m._recon_dense(mu, t, a, reduction='none')
                nats = ty.sum(1) + ed.sum(1)
                parent = a[:, :-1, 1:-1].float().argmax(1)  # each computing node's input: the wiring
                by = {}
                for w, l in zip(map(tuple, parent.tolist()), nats.tolist()): by.setdefault(w, []).append(l)
                res['by_wiring'] = {' '.join(map(str, w)): (len(v), sum(v) / len(v)) for w, v in sorted(by.items())}
                res.update(train_graphs=len(t), twin_share=float(twin.float().mean()),
                           nats=float(nats.mean()), nats_twin=float(nats[twin].mean()),
                           nats_other=float(nats[~twin].mean()),
                           loss_share_twin=float(nats[twin].sum() / nats.sum()))
            else:
                dt, da = m.decode(mu, stochastic=False)
                ok = (dt == t).all(1) & (da.bool() == a).flatten(1).all(1)
                same = sp.key(dt, da) == sp.key(t, a)
                res.update(test_graphs=len(t), greedy_exact=float(ok.float().mean()),
                           greedy_same_key=float(same.float().mean()),
                           greedy_same_key_twin=float(same[twin].float().mean()) if twin.any() else None,
                           greedy_same_key_other=float(same[~twin].float().mean()))
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('runs', nargs='+'); p.add_argument('--order', choices=['fewest-twins', 'depth-first', 'given'], default='fewest-twins')
    p.add_argument('--n', type=int, default=5000, help='graphs of each split (from its start)')
    a = p.parse_args(argv)
    import torch; torch.set_num_threads(1)
    rows = [split_loss(r, a.order, a.n) for r in a.runs]
    f = lambda v: '—' if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)
    cols = ['run', 'model', 'order', 'epochs', 'twin_share', 'nats', 'nats_twin', 'nats_other', 'loss_share_twin',
            'greedy_exact', 'greedy_same_key', 'greedy_same_key_twin', 'greedy_same_key_other']
    print('| ' + ' | '.join(cols) + ' |'); print('|' + '---|' * len(cols))
    for r in rows: print('| ' + ' | '.join(f(r[c]) for c in cols) + ' |')
    print('\nTeacher-forced loss (nats/graph) of the training graphs by wiring (the input each computing node reads, '
          'as numbered), with the number of graphs:\n')
    wirings = sorted({w for r in rows for w in r['by_wiring']})
    print('| wiring | ' + ' | '.join(r['run'] for r in rows) + ' |'); print('|---|' + '---|' * len(rows))
    for w in wirings:
        print(f'| {w} | ' + ' | '.join(f"{r['by_wiring'][w][1]:.3f} ({r['by_wiring'][w][0]})" if w in r['by_wiring']
                                     else '—' for r in rows) + ' |')
    print(); print('```json'); print(json.dumps(rows)); print('```')


if __name__ == '__main__':
    sys.exit(main())
