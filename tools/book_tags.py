"""Give every `#| hide` cell of nbs/*.ipynb the `remove-cell` tag, so that jupyter-book leaves it out of the book
as nbdev does (`python tools/book_tags.py`; `--check` only lists the cells that lack it and exits 1 if any do)."""
import json, sys
from pathlib import Path

NBS = Path(__file__).resolve().parent.parent / 'nbs'


def untagged(nb:dict)->list:
    "The cells whose first line is `#| hide` and that lack the `remove-cell` tag."
    return [c for c in nb['cells'] if ''.join(c['source']).split('\n')[0].strip() == '#| hide'
            and 'remove-cell' not in c.get('metadata', {}).get('tags', [])]


def main(argv=None):
    check = '--check' in (argv if argv is not None else sys.argv[1:])
    bad = 0
    for p in sorted(NBS.glob('*.ipynb')):
        nb = json.loads(p.read_text())
        cells = untagged(nb)
        bad += len(cells)
        for c in cells:
            if check: print(f"{p.relative_to(NBS.parent)}: cell {c.get('id')} is '#| hide' without the remove-cell tag")
            else: c.setdefault('metadata', {}).setdefault('tags', []).append('remove-cell')
        if cells and not check:
            p.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n'); print(f"{p.name}: tagged {len(cells)}")
    return 1 if check and bad else 0


if __name__ == '__main__': sys.exit(main())
