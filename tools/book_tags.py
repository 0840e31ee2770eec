"""Give the cells that nbdev leaves out of its docs the `remove-cell` tag, so that jupyter-book leaves them out of
the book too: `#| hide` cells, the `#| default_exp` cell, and a chapter's exported imports cell (the one with
`from __future__ import annotations`). `python tools/book_tags.py` tags them; `--check` only lists the cells that
lack the tag and exits 1 if any do."""
import json, sys
from pathlib import Path

NBS = Path(__file__).resolve().parent.parent / 'nbs'


def _left_out(c:dict)->bool:
    "Whether nbdev leaves this cell out of its docs."
    s = ''.join(c['source']); first = s.split('\n')[0].strip()
    return c['cell_type'] == 'code' and (first == '#| hide' or first.startswith('#| default_exp') or
                                         (first == '#| export' and 'from __future__ import annotations' in s))


def untagged(nb:dict)->list:
    "The cells nbdev leaves out of its docs that lack the `remove-cell` tag."
    return [c for c in nb['cells'] if _left_out(c) and 'remove-cell' not in c.get('metadata', {}).get('tags', [])]


def main(argv=None):
    check = '--check' in (argv if argv is not None else sys.argv[1:])
    bad = 0
    for p in sorted(NBS.glob('*.ipynb')):
        nb = json.loads(p.read_text())
        cells = untagged(nb)
        bad += len(cells)
        for c in cells:
            if check: print(f"{p.relative_to(NBS.parent)}: cell {c.get('id')} lacks the remove-cell tag")
            else: c.setdefault('metadata', {}).setdefault('tags', []).append('remove-cell')
        if cells and not check:
            p.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n'); print(f"{p.name}: tagged {len(cells)}")
    return 1 if check and bad else 0


if __name__ == '__main__': sys.exit(main())
