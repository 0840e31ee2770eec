"""How measurable each NAS-Bench-Graph data set's top is: one JSON line per data set (`top_noise`).

For each data set's table: the size and width of its top 0.1 %, random search's exact median queries to it, and
Spearman's rho between validation accuracy (the search's target) and test accuracy over the whole table and within
its best 10 % and 1 % by validation accuracy.

    python benchmarks/table_noise.py > benchmarks/results/table_noise-nbg.jsonl
"""
import json, time
from opemb_nb.core import git_commit
from opemb_nb.nbgraph import DATASETS, bench_table
from opemb_nb.nbgraph_results import top_noise

for ds in DATASETS:
    t = bench_table(ds)
    n = {k: round(v, 4) if isinstance(v, float) else v for k, v in top_noise(t.valid_perf, t.perf).items()}
    print(json.dumps(dict(dataset=ds, architectures=len(t), **n, commit=git_commit(short=True),
                          date=time.strftime('%Y-%m-%d'))), flush=True)
