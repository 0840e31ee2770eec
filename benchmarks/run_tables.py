"""Table 1 and Table 2 of finished run directories side by side, read with `replicate.summary_entry` (nothing is
computed), with each run's decoder (the paper's, or with the position term) and commit.

    python benchmarks/run_tables.py RUN... > table.md
"""
import sys
from pathlib import Path
from opemb_nb.replicate import summary_entry

print('| run | decoder | recon | valid | unique | novel | SGP RMSE | SGP r | exact GP r | commit |')
print('|---|---|---|---|---|---|---|---|---|---|')
for p in map(Path, sys.argv[1:]):
    e = summary_entry(p.name, p.parent)
    pos = 'position term' if (e['model_config'] or {}).get('position') else "paper's"
    pct = lambda k: f"{100 * e[k]:.2f} %"
    print(f"| {p.name} | {pos} | {pct('recon_acc')} | {pct('validity')} | {pct('uniqueness')} | {pct('novelty')} | "
          f"{e['rmse_mean']:.4f} | {e['pearson_mean']:.3f} | {e['exact_pearson_mean']:.3f} | {e['commit'][:7]} |")
