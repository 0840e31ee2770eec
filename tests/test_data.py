"""The ENAS-6 data contract: split, parse errors with line numbers, round trips, validity rules."""
import gzip
import numpy as np
import pytest
import torch

from opemb_nb.data import (ENASFormatError, data_path, from_dense, from_igraph, graph_key, is_valid_enas,
                           load_enas6, to_dense, to_igraph, BURN_IN)

GOOD = '[[1], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]], 0.7302'


def test_split_matches_published():
    tr, te, al = load_enas6('train'), load_enas6('test'), load_enas6('all')
    assert (len(tr), len(te), len(al)) == (17118, 1902, 19020)
    assert tr.index[:3].tolist() == [5410, 2213, 4853]
    assert te.index[:4].tolist() == [16798, 913, 7835, 761]
    assert int(te.index.sum()) == 18_061_482
    assert sorted(np.concatenate([tr.index, te.index]).tolist()) == list(range(19020))
    assert tr.acc.dtype == np.float64 and tr.index.dtype == np.int64
    assert tr.archs[0] == al.archs[5410] and tr.acc[0] == al.acc[5410]


def test_burn_in_skipped():
    lines = gzip.open(data_path(), 'rt').read().splitlines()
    assert len(lines) == 20020
    al = load_enas6()
    assert al.acc[0] == float(lines[BURN_IN].rsplit(',', 1)[1])


def _write(tmp_path, lines):
    p = tmp_path / 'enas.txt'
    p.write_text('\n'.join(lines) + '\n')
    return p


@pytest.mark.parametrize('bad, what', [
    (GOOD[:40], 'not closed'),                                         # truncated line
    (GOOD.replace('[4, 0]', '[4, 0, 1]'), 'layer 1 must hold'),         # wrong bit count
    (GOOD.replace('[1]', '[7]'), 'op 7 is not in 0..5'),                # op 7
    (GOOD.replace('0.7302', 'abc'), "accuracy 'abc' is not a number"),  # accuracy "abc"
    (GOOD.rsplit(',', 1)[0], 'accuracy missing'),                       # missing accuracy
    (GOOD.replace('0.7302', '1.7302'), 'outside [0, 1]'),
    (GOOD.replace('[2, 1, 1, 1, 1]', '[2, 1, 2, 1, 1]'), 'skip bits must be 0 or 1'),
    (GOOD.replace(', [3, 0, 0, 0, 0, 1]', ''), 'expected 6 layers, found 5'),
    ('', 'empty line'),
])
def test_parse_errors_name_file_line_and_problem(tmp_path, bad, what):
    p = _write(tmp_path, [GOOD] * 3 + [bad] + [GOOD] * 2)
    with pytest.raises(ENASFormatError) as e:
        load_enas6(path=p, burn_in=0)
    assert e.value.lineno == 4 and str(p) in str(e.value) and 'line 4' in str(e.value)
    assert what in str(e.value)


def test_other_file_and_burn_in(tmp_path):
    p = _write(tmp_path, [GOOD] * 12)
    d = load_enas6(path=p, burn_in=2)
    assert len(d) == 10 and d.acc.tolist() == [0.7302] * 10
    with pytest.raises(ValueError, match='not more than the burn-in'):
        load_enas6(path=p, burn_in=20)
    with pytest.raises(FileNotFoundError):
        load_enas6(path=tmp_path / 'missing.txt')
    with pytest.raises(ValueError, match='split must be'):
        load_enas6('valid')


def test_round_trips_exact():
    al = load_enas6()
    t, a = to_dense(al.archs)
    assert t.shape == (19020, 8) and a.shape == (19020, 8, 8) and t.dtype == torch.long and a.dtype == torch.bool
    assert from_dense(t, a) == al.archs
    assert (t[:, 0] == 0).all() and (t[:, 7] == 1).all() and ((t[:, 1:7] >= 2) & (t[:, 1:7] <= 7)).all()
    assert not torch.tril(a.int()).any()  # topological order
    for s in al.archs[::97]:
        g = to_igraph(s)
        assert from_igraph(g) == s and g.is_dag() and g.vcount() == 8


def test_edge_semantics():
    t, a = to_dense(['1 4 0 5 0 0 0 1 1 1 2 1 1 1 1 3 0 0 0 0 1'])
    assert t[0].tolist() == [0, 3, 6, 7, 2, 4, 5, 1]
    assert a[0, :, 4].nonzero().flatten().tolist() == [0, 1, 2, 3]   # layer 3: bits 1 1 1 + chain
    assert a[0, :, 7].nonzero().flatten().tolist() == [6]            # output reads the last layer only


def _one():
    return to_dense(["1 4 0 5 0 0 0 1 1 1 2 1 1 1 1 3 0 0 0 0 1"])


def test_validity_rules():
    t, a = _one()
    assert is_valid_enas(t, a).tolist() == [True]
    cases = []
    t1 = t.clone(); t1[0, 3] = 1; cases.append((t1, a))            # END type in the middle
    t2 = t.clone(); t2[0, 5] = 0; cases.append((t2, a))            # two START types
    a3 = a.clone(); a3[0, 2, 3] = False; cases.append((t, a3))     # missing chain edge
    a4 = a.clone(); a4[0, 4, 7] = True; cases.append((t, a4))      # output with two in-edges
    a5 = a.clone(); a5[0, 6, 3] = True; cases.append((t, a5))      # a cycle
    t6 = t.clone(); t6[0, 7] = 3; cases.append((t6, a))            # no END vertex
    for tt, aa in cases:
        assert is_valid_enas(tt, aa).tolist() == [False]
    # batched: all at once gives the same answers
    T = torch.cat([c[0] for c in cases] + [t]); A = torch.cat([c[1] for c in cases] + [a])
    assert is_valid_enas(T, A).tolist() == [False] * len(cases) + [True]


def test_short_graphs_and_keys():
    t = torch.tensor([[0, 4, 1, -1, -1, -1, -1, -1]]); a = torch.zeros(1, 8, 8, dtype=torch.bool)
    a[0, 0, 1] = a[0, 1, 2] = True
    assert is_valid_enas(t, a).tolist() == [True]
    assert is_valid_enas(t, a, n_vertices=8).tolist() == [False]
    assert from_dense(t, a) == ['2']
    T, A = _one()
    k = graph_key(torch.cat([T, T, t]), torch.cat([A, A, a]))
    assert k[0] == k[1] and k[0] != k[2]
    A2 = A.clone(); A2[0, 0, 3] = True
    assert graph_key(T, A2)[0] != k[0]
