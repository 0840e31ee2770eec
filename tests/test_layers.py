"""The library's layers: no import cycle between its modules, at module level or inside a function, and the
lowest layers import nothing above them."""
import ast, subprocess, sys
from pathlib import Path

import opemb_nb

PKG = Path(opemb_nb.__file__).parent
MODULES = sorted(p.stem for p in PKG.glob('*.py') if p.stem not in ('__init__', '_modidx'))


def _imported(node, here:str)->set:
    "The library modules one import statement names."
    if isinstance(node, ast.Import):
        return {a.name.split('.')[1] for a in node.names if a.name.startswith('opemb_nb.')}
    if not isinstance(node, ast.ImportFrom): return set()
    if node.level == 1 and node.module: return {node.module.split('.')[0]}
    if node.level == 1 or node.module == 'opemb_nb': return {a.name for a in node.names if a.name in MODULES}
    if node.module and node.module.startswith('opemb_nb.'): return {node.module.split('.')[1]}
    return set()


def imports(mod:str)->set:
    "Every library module that `mod` imports, anywhere in its source (itself excluded)."
    tree = ast.parse((PKG / f'{mod}.py').read_text())
    return {m for n in ast.walk(tree) for m in _imported(n, mod) if m != mod and m in MODULES}


def cycles(graph:dict)->list:
    "The import cycles of a graph {module: imported modules}, each as a path that ends where it starts."
    found, state = [], {}
    def visit(m, path):
        state[m] = 'open'
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 'open': found.append(path[path.index(n):] + [n])
            elif n not in state: visit(n, path + [n])
        state[m] = 'done'
    for m in sorted(graph):
        if m not in state: visit(m, [m])
    return found


def test_the_walker_sees_every_kind_of_import():
    src = ("from .core import x\nimport opemb_nb.data\nfrom opemb_nb import models, seqvae\n"
           "def f():\n    from opemb_nb.gp import y\n    from . import bo\n")
    tree = ast.parse(src)
    assert set().union(*(_imported(n, 'x') for n in ast.walk(tree))) == {'core', 'data', 'models', 'seqvae', 'gp', 'bo'}
    assert cycles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}) == [['a', 'b', 'c', 'a']]


def test_no_import_cycle():
    graph = {m: imports(m) for m in MODULES}
    assert cycles(graph) == []


def test_lowest_layers():
    assert imports('core') == set() and imports('cli') == set()
    assert imports('paper') <= {'core'}
    assert not any('main' in imports(m) for m in MODULES)  # the program is the top: nothing imports it


def test_paper_imports_neither_replicate_nor_cli():
    code = "import sys, opemb_nb.paper; print(sorted(m for m in sys.modules if m.startswith('opemb_nb.')))"
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert 'opemb_nb.replicate' not in out and 'opemb_nb.cli' not in out, out
