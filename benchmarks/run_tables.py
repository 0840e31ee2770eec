"""Table 1 and Table 2 of finished run directories side by side, read from their metrics.json, sgp.json and
config.json (nothing is computed), with each run's decoder (the paper's, or with the position term) and commit.

    python benchmarks/run_tables.py RUN... > table.md
"""
import json, sys
from pathlib import Path
print('| run | decoder | recon | valid | unique | novel | SGP RMSE | SGP r | exact GP r | commit |')
print('|---|---|---|---|---|---|---|---|---|---|')
for p in map(Path, sys.argv[1:]):
    m, g, c = (json.loads((p / f).read_text()) for f in ('metrics.json', 'sgp.json', 'config.json'))
    pos = 'position term' if c['model_config'].get('position') else "paper's"
    pct = lambda k: f"{100 * m[k]:.2f} %"
    print(f"| {p.name} | {pos} | {pct('recon_acc')} | {pct('validity')} | {pct('uniqueness')} | {pct('novelty')} | "
          f"{g['rmse_mean']:.4f} | {g['pearson_mean']:.3f} | {g['exact']['pearson_mean']:.3f} | "
          f"{c['provenance']['commit'][:7]} |")
