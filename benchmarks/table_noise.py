"""How measurable each NAS-Bench-Graph data set's top is: one JSON line per data set.

For each data set's table: the size and width of its top 0.1 %, random search's exact median queries to it, and
Spearman's rho between validation accuracy (the search's target) and test accuracy over the whole table and within
its best 10 % and 1 % by validation accuracy (`top_agreement`).

    python benchmarks/table_noise.py > benchmarks/results/table_noise-nbg.jsonl
"""
import json, time
import numpy as np
from opemb_nb.bo import random_median_queries, top_threshold
from opemb_nb.core import git_commit
from opemb_nb.nbgraph import DATASETS, bench_table
from opemb_nb.nbgraph_results import top_agreement

for ds in DATASETS:
    t = bench_table(ds); v, te = t.valid_perf.values, t.perf.values
    thr = top_threshold(v); k = int((v >= thr).sum())
    print(json.dumps(dict(dataset=ds, architectures=len(v), n_top=k, threshold=round(thr, 4),
                          band=round(float(v.max() - thr), 4), random_exact_median=random_median_queries(len(v), k),
                          rho_all=round(top_agreement(v, te, 1.0), 3), rho_top10=round(top_agreement(v, te, 0.1), 3),
                          rho_top1=round(top_agreement(v, te, 0.01), 3), commit=git_commit(short=True), date=time.strftime('%Y-%m-%d'))), flush=True)
