"""NAS-Bench-Graph as a search space: the library's models train on it, and its metrics and BO read it."""
import numpy as np
import pytest
import torch

from opemb_nb.nbgraph import NBG_OPS, NASBenchGraph, nbg_to_dense
from opemb_nb.space import get_space


@pytest.fixture(scope='module')
def sp():
    return get_space('nasbench-graph')


def test_found_by_name_with_its_target(sp):
    assert isinstance(sp, NASBenchGraph) and sp.dataset_name == 'cora'
    assert (sp.n_vertices, sp.n_types, sp.ops) == (6, 11, NBG_OPS)
    assert get_space('nasbench-graph-pubmed').dataset_name == 'pubmed'
    with pytest.raises(ValueError, match="unknown search space 'nasbench-graph-proteins'"):
        get_space('nasbench-graph-proteins')  # another vocabulary: left out


def test_isomorphic_drawings_are_one_architecture(sp):
    "Renumbered siblings and a forwarding skip: one key, one canonical string, one table entry."
    d = sp.load()
    T, A = sp.to_dense(['0 0 1 2 | gcn gat sage fc', '0 0 2 1 | gat gcn sage fc'])
    k = sp.key(T, A)
    assert k[0] == k[1] and k[0].item() in set(sp.key(d.types, d.adj).tolist())
    canon = sp.from_dense(T, A)
    assert canon[0] == canon[1] and canon[0] in set(d.archs)


@pytest.mark.parametrize('name', ['dvae-emb', 'gcn-emb', 'svae'])
def test_a_model_learns_the_space_and_decodes_its_size(sp, name):
    from opemb_nb.zoo import make_model
    torch.manual_seed(0)
    m = make_model(name, hs=16, nz=4, space=sp)
    assert m.config['space'] == 'nasbench-graph'
    d = sp.load('train').head(64)
    opt = torch.optim.Adam(m.parameters(), lr=0.01)
    losses = []
    for _ in range(6):
        opt.zero_grad()
        loss = m.loss(d.types, d.adj)[0]
        loss.backward(); opt.step(); losses.append(loss.item())
    assert np.isfinite(losses).all() and losses[-1] < losses[0], losses
    t, a = m.eval().decode(torch.randn(30, 4))
    assert t.shape == (30, 6) and a.shape == (30, 6, 6)
    sp.check_types(t)
    valid = sp.is_valid(t, a)
    assert (sp.key(t, a)[~valid] == -1).all() and (sp.key(t[valid], a[valid]) >= 0).all()


def test_table1_and_exact_bo_lookup(sp):
    "Table 1 on the space's own splits; every valid decode is in the benchmark's table."
    from opemb_nb.bo import TableEvaluator, decode_points
    from opemb_nb.metrics import table1_metrics
    from opemb_nb.zoo import make_model
    torch.manual_seed(0)
    m = make_model('dvae', hs=16, nz=4, space=sp).eval()
    r = table1_metrics(m, decodes=2, n_prior=20, prior_decodes=2, space=sp, n_test=50)
    assert r['space'] == 'nasbench-graph' and r['recon_total'] == 100 and r['n_generated'] == 40
    archs = decode_points(m, torch.randn(20, 4), attempts=5, space=sp)
    tab = TableEvaluator(space=sp)
    assert len(tab.table) == 26_206 and tab.n_duplicates == 0
    found = [a for a in archs if a is not None]
    assert all(a in tab for a in found)


def test_bad_input_names_space_and_field(sp):
    with pytest.raises(ValueError, match=r"search space 'nasbench-graph': architecture "
                                         r"'0 0 1 2 \| gcn gat sage conv': operation 'conv' of node 4"):
        sp.to_dense(['0 0 1 2 | gcn gat sage conv'])
    with pytest.raises(ValueError, match="node 3 reads '3'.*not a DAG of the space"):
        nbg_to_dense(['0 0 3 2 | gcn gat sage fc'])
    with pytest.raises(ValueError, match=r"search space 'nasbench-graph': vertex type 12"):
        sp.check_types(torch.tensor([[0, 2, 3, 12, 4, 1]]))
