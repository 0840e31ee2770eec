"""The book's structure: chapters numbered in reading order, every index row a link, hidden cells left out of the
rendered book, and nothing cited that a reader of the book does not have."""
import importlib.util, json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT / 'nbs'


def _toc_files()->list:
    "The chapters of nbs/_toc.yml, in the book's order (the root first)."
    import yaml
    toc = yaml.safe_load((NBS / '_toc.yml').read_text())
    return [toc['root']] + [c['file'] for p in toc['parts'] for c in p['chapters']]


def test_chapters_numbered_in_reading_order():
    files = _toc_files()
    assert files[0] == 'index'
    nums = [int(f.split('_')[0]) for f in files[1:]]
    assert nums == list(range(1, len(nums) + 1)), f"the TOC's chapters are not numbered 01, 02, ... in order: {files}"
    assert sorted(files) == sorted(p.stem for p in NBS.glob('*.ipynb')), "a notebook is missing from the TOC, or the reverse"


def test_every_index_row_links_to_its_chapter():
    src = ''.join(c for cell in json.loads((NBS / 'index.ipynb').read_text())['cells'] for c in cell['source'])
    rows = [l for l in src.splitlines() if l.startswith('| ') and not l.startswith('| chapter') and '---' not in l]
    assert rows, 'no chapter table in index.ipynb'
    links = []
    for r in rows:
        m = re.match(r'\| \[[^\]]+\]\((\d\d_\w+)\.ipynb\) \|', r)
        assert m, f"index row without a link to its chapter: {r}"
        links.append(m[1])
    assert links == _toc_files()[1:], f"the index table lists {links}, the TOC {_toc_files()[1:]}"


def _load_tool():
    spec = importlib.util.spec_from_file_location('book_tags', ROOT / 'tools' / 'book_tags.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    return m


@pytest.mark.parametrize('nb', sorted(p.name for p in NBS.glob('*.ipynb')))
def test_hidden_cells_are_left_out_of_the_book(nb):
    cells = _load_tool().untagged(json.loads((NBS / nb).read_text()))
    assert not cells, f"{nb}: cells {[c.get('id') for c in cells]} lack the remove-cell tag (python tools/book_tags.py)"


def test_nothing_cited_outside_the_repository():
    pat = re.compile(r'reference-spec|decision [0-9]|\.\./shared|/work/')
    files = list(NBS.glob('*.ipynb')) + list((ROOT / 'opemb_nb').glob('*.py')) + [ROOT / 'README.md']
    hits = [f"{p.relative_to(ROOT)}: {m[0]}" for p in files for m in pat.finditer(p.read_text())]
    assert not hits, hits


def _strings(x):
    "Every string inside a JSON value."
    if isinstance(x, str): yield x
    elif isinstance(x, dict): yield from (s for v in x.values() for s in _strings(v))
    elif isinstance(x, list): yield from (s for v in x for s in _strings(v))


def test_committed_results_name_no_path_outside_the_repository():
    "The results the book reads name their runs by paths inside the repository (a fresh clone has no other)."
    files = list((ROOT / 'results').rglob('*.json'))
    hits = [f"{p.relative_to(ROOT)}: {s}" for p in files for s in _strings(json.loads(p.read_text()))
            if s.startswith(('/', '~')) or '/work/' in s or '/tmp/' in s]
    assert files and not hits, hits[:10]
