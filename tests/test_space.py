"""The search-space interface: adding a space is one class, and every space keeps one contract."""
import numpy as np
import pytest
import torch

import opemb_nb.nbgraph  # noqa: F401  the library's other spaces, registered before any test runs
from opemb_nb.data import split_indices
from opemb_nb.space import ENAS6, SPACES, SearchSpace, get_space, register_space


class Chain4(SearchSpace):
    "Chains input -> op -> op -> output of two operations; an architecture is a string, e.g. 'ab'."
    ops, n_vertices = ('a', 'b'), 4
    _EDGES = ([0, 1, 2], [1, 2, 3])  # the chain

    def to_dense(self, archs):
        types = torch.tensor([[self.start_type, *(self.ops.index(c) + 2 for c in a), self.end_type]
                              for a in archs], dtype=torch.long).view(-1, 4)
        adj = torch.zeros(len(types), 4, 4, dtype=torch.bool)
        adj[:, self._EDGES[0], self._EDGES[1]] = True
        return types, adj

    def from_dense(self, types, adj):
        rows = torch.as_tensor(types).tolist()
        return [''.join(self.ops[t - 2] for t in row[1:-1]) for row in rows]

    def is_valid(self, types, adj, n_vertices=None):
        types, adj = torch.as_tensor(types), torch.as_tensor(adj).bool()
        chain = torch.zeros(4, 4, dtype=torch.bool)
        chain[self._EDGES] = True
        mid = types[:, 1:-1]
        return ((types[:, 0] == self.start_type) & (types[:, -1] == self.end_type)
                & ((mid >= 2) & (mid < self.n_types)).all(1) & (adj == chain).flatten(1).all(1)
                & (n_vertices in (None, 4)))

    def key(self, types, adj):  # valid graphs differ only in their two operations
        return (torch.as_tensor(types)[:, 1:-1] - 2) @ torch.tensor([2, 1])

    def load(self, split='all'):
        archs, acc = ['aa', 'ab', 'ba', 'bb'], np.array([0.61, 0.72, 0.68, 0.75])
        idx = np.arange(4) if split == 'all' else split_indices(4)[split == 'test']
        return self.dataset([archs[i] for i in idx], acc[idx], split, idx)


@pytest.fixture
def chain4():
    "Chain4 registered as 'chain4' for one test, and SPACES as it was afterwards."
    before = dict(SPACES)
    register_space('chain4')(Chain4)
    yield get_space('chain4')
    SPACES.pop('chain4')
    assert SPACES == before


@pytest.fixture(params=['enas6', 'nasbench-graph', 'chain4'])
def space(request):
    if request.param == 'chain4': yield request.getfixturevalue('chain4')
    else: yield get_space(request.param)


def test_contract(space):
    "What models, metrics, GP and BO rely on, for every registered space."
    assert space.type_names[:2] == ('input', 'output') and space.n_types == len(space.ops) + 2
    al, tr, te = (space.load(s) for s in ('all', 'train', 'test'))
    assert len(tr) + len(te) == len(al)
    assert sorted(np.concatenate([tr.index, te.index]).tolist()) == list(range(len(al)))
    assert (tr.split, te.split) == ('train', 'test') and tr.acc.dtype == np.float64
    assert tr.archs == [al.archs[i] for i in tr.index]
    d = tr.head(100)
    T, A = space.to_dense(d.archs)
    n = space.n_vertices
    assert T.shape == (len(d), n) and A.shape == (len(d), n, n)
    assert T.dtype == torch.long and A.dtype == torch.bool
    assert torch.equal(T, d.types) and torch.equal(A, d.adj)
    assert space.from_dense(T, A) == d.archs
    assert space.check_types(T, allow_absent=False) is T
    assert space.is_valid(T, A).all() and space.is_valid(T, A, n_vertices=space.n_vertices).all()
    assert not space.is_valid(T, A, n_vertices=space.n_vertices - 1).any()
    assert len(set(space.key(T, A).tolist())) == len(set(d.archs))
    bad = A.clone()
    bad[:, 0, 1] = False  # the input no longer feeds the first layer
    assert not space.is_valid(T, bad).any()


def test_chain4_is_one_class(chain4):
    assert isinstance(chain4, Chain4) and chain4.name == 'chain4' and SPACES['chain4'] is Chain4
    assert get_space(chain4) is chain4
    with pytest.raises(ValueError, match="unknown search space 'nope'; known: enas6, nasbench-graph, "
                                         ".*, chain4$"):
        get_space('nope')
    d = chain4.load()
    assert d.archs == ['aa', 'ab', 'ba', 'bb']
    assert d.types[:, 1:-1].tolist() == [[2, 2], [2, 3], [3, 2], [3, 3]]
    assert chain4.key(d.types, d.adj).tolist() == [0, 1, 2, 3]
    t = d.types.clone()
    t[0, 0] = 2  # the input vertex made an operation
    assert chain4.is_valid(t, d.adj).tolist() == [False, True, True, True]


def test_registration_is_cleaned_up():
    assert 'chain4' not in SPACES and SPACES['enas6'] is ENAS6


def test_unknown_space_names_it_and_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown search space 'nasbench101'; known: enas6"):
        get_space('nasbench101')
    with pytest.raises(ValueError, match='unknown search space'):
        get_space(3)
    assert type(get_space()) is ENAS6


def test_type_outside_the_vocabulary(chain4):
    with pytest.raises(ValueError, match=r"search space 'chain4': vertex type 4 at \(0, 2\) is "
                                         r"outside its vocabulary 0..3 \(input, output, a, b\)"):
        chain4.check_types(torch.tensor([[0, 2, 4, 1]]))
    with pytest.raises(ValueError, match=r"search space 'enas6': vertex type 8 at \(3,\)"):
        get_space().check_types([0, 2, 3, 8, 4, 5, 6, 1])
    with pytest.raises(ValueError, match="vertex type -2"):
        get_space().check_types([0, 2, 3, -2, 4, 5, 6, 1])
    with pytest.raises(ValueError, match=r"search space 'chain4': types must hold 4 vertices"):
        chain4.check_types(torch.zeros(2, 8, dtype=torch.long))


def test_a_space_missing_a_method_fails_on_creation():
    class Half(SearchSpace):
        def to_dense(self, archs): pass
    with pytest.raises(TypeError, match='from_dense'):
        Half()


class Echo4(torch.nn.Module):
    "A stand-in graph VAE for Chain4: its latent code is the two operations, read back on decoding."
    def __init__(self):
        super().__init__()
        self.register_buffer('_dev', torch.zeros(0))

    def encode(self, types, adj):
        mu = types[:, 1:3].float()
        return mu, torch.zeros_like(mu)

    def decode(self, z, stochastic=True, generator=None):  # a negative code: an invalid graph
        ops = z.round().long().clamp(2, 3).tolist()
        t, a = Chain4().to_dense([''.join('ab'[o - 2] for o in row) for row in ops])
        t[:, 1] = torch.where(z[:, 0] < 0, Chain4.end_type, t[:, 1])
        return t, a

    def decode_counts(self, z, n, generator=None):  # every copy decodes alike: one row per point
        t, a = self.decode(z)
        return t, a, torch.full((len(z),), n), torch.arange(len(z))


def test_metrics_serve_a_second_space(chain4):
    "Validity, uniqueness and novelty of Chain4's dense graphs, by its own rule and key."
    from opemb_nb.metrics import generation_metrics
    al, tr = chain4.load(), chain4.load('train')  # training: 'ba', 'aa', 'ab'; test: 'bb'
    T, A = al.types, al.adj
    t_bad = T[:1].clone()
    t_bad[0, 1] = chain4.end_type  # an output vertex in the middle
    a_bad = A[:1].clone()
    a_bad[0, 0, 3] = True  # an edge off the chain
    types, adj = torch.cat([T, T[:2], t_bad, T[:1]]), torch.cat([A, A[:2], A[:1], a_bad])
    m = generation_metrics(types, adj, chain4.key(tr.types, tr.adj), space='chain4')
    assert (m['n_generated'], m['n_valid'], m['n_unique'], m['n_novel']) == (8, 6, 4, 1)
    assert (m['validity'], m['uniqueness'], m['novelty']) == (6 / 8, 4 / 6, 1 / 6)
    c = torch.tensor([2, 1, 1, 3, 1, 1, 2, 1])  # multiplicities = the rows repeated
    assert generation_metrics(types, adj, counts=c, space=chain4) == generation_metrics(
        types.repeat_interleave(c, 0), adj.repeat_interleave(c, 0), space=chain4)


def test_table1_of_a_second_space(chain4):
    "All of Table 1 on Chain4's own splits, recorded under its name."
    from opemb_nb.metrics import table1_metrics
    m = table1_metrics(Echo4(), decodes=3, n_prior=10, prior_decodes=2, space=chain4)
    assert m['space'] == 'chain4' and (m['recon_acc'], m['recon_total'], m['n_train']) == (1., 3, 3)
    assert m['validity'] == 1. and m['n_generated'] == 20 and m['n_unique'] <= 4


def test_bo_decodes_and_scores_a_second_space(chain4):
    from opemb_nb.bo import TableEvaluator, as_evaluator, decode_points
    z = torch.tensor([[2., 3.], [3.1, 2.2], [-1., 3.], [2.6, 9.]])
    for choice in ('most_common', 'first'):
        archs = decode_points(Echo4(), z, attempts=4, choice=choice, space='chain4')
        assert archs == ['ab', 'ba', None, 'bb']
    tab = TableEvaluator(space=chain4)
    assert tab(['ab', 'bb', None]) == [0.72, 0.75, None] and 'cc' not in tab
    assert as_evaluator('table', space=chain4).table == tab.table
    with pytest.raises(ValueError, match="ENAS-6 architectures only, not those of search space "
                                         "'chain4'"):
        as_evaluator('surrogate', space=chain4)


# ------------------------------------------------------------------------------------------------
# the library's real models and its training, built for Chain4
MODELS = ['dvae', 'dvae-emb', 'gcn', 'svae', 'graphrnn']


@pytest.mark.parametrize('name', MODELS)
def test_a_real_model_learns_a_second_space(chain4, name):
    "Built for Chain4: its sizes, its config (naming the space), a falling loss, 4-vertex decodes."
    from opemb_nb.zoo import make_model
    torch.manual_seed(0)
    m = make_model(name, hs=8, nz=2, space=chain4)
    assert m.space is chain4 and m.config['space'] == 'chain4'
    again = make_model(m.name, **m.config)  # the config rebuilds it, the space by its name
    assert again.space.name == 'chain4'
    assert [p.shape for p in again.parameters()] == [p.shape for p in m.parameters()]
    d = chain4.load('train')
    opt = torch.optim.Adam(m.parameters(), lr=0.03)
    losses = []
    for _ in range(8):
        opt.zero_grad()
        loss, recon, kld = m.loss(d.types, d.adj)
        loss.backward(); opt.step(); losses.append(loss.item())
    assert all(np.isfinite(losses)) and losses[-1] < losses[0], losses
    t, a = m.eval().decode(torch.randn(40, 2))
    assert t.shape == (40, 4) and a.shape == (40, 4, 4) and a.dtype == torch.bool
    assert (t[:, 0] == chain4.start_type).all() and chain4.check_types(t) is t  # -1: no vertex


@pytest.mark.parametrize('name', ['dvae', 'svae'])
def test_decode_counts_and_table1_of_a_real_model_on_a_second_space(chain4, name):
    "Particle decoding (D-VAE) and grouped plain decodes (S-VAE), empty results and Table 1."
    from opemb_nb.metrics import table1_metrics
    from opemb_nb.models import decode_batched, decode_counts
    from opemb_nb.zoo import make_model
    torch.manual_seed(0)
    m = make_model(name, hs=8, nz=2, space='chain4').eval()
    t, a, c, src = decode_counts(m, torch.randn(3, 2), 20, torch.Generator().manual_seed(0))
    assert t.shape[1:] == (4,) and a.shape[1:] == (4, 4)
    assert torch.bincount(src, weights=c.double()).tolist() == [20.] * 3
    empty = decode_counts(m, torch.zeros(0, 2), 5)
    assert [x.shape for x in empty] == [(0, 4), (0, 4, 4), (0,), (0,)]
    assert [x.shape for x in decode_batched(m, torch.zeros(0, 2))] == [(0, 4), (0, 4, 4)]
    r = table1_metrics(m, decodes=3, n_prior=10, prior_decodes=2, space=chain4)
    assert r['space'] == 'chain4' and r['recon_total'] == 3 and r['n_generated'] == 20


@pytest.mark.parametrize('name', ['dvae', 'gcn'])
def test_dense_models_equal_their_definition_on_a_second_space(chain4, name):
    "The batched loss of D-VAE and GCN equals the per-graph reference on 4-vertex graphs (float64)."
    from opemb_nb.models import reference_decode, reference_loss
    from opemb_nb.zoo import make_model
    torch.manual_seed(0)
    m = make_model(name, hs=8, nz=2, space=chain4).double().eval()
    d = chain4.load()
    for mode in ('dense', 'compact'):
        m.compute_mode = mode
        torch.testing.assert_close(torch.stack(m.loss(d.types, d.adj)),
                                   torch.stack(reference_loss(m, d.types, d.adj)))
    z = torch.randn(5, 2, dtype=torch.float64)
    t, a = m.decode(z, stochastic=False)
    for i in range(5):
        rt, ra = reference_decode(m, z[i:i + 1])
        assert torch.equal(rt, t[i]) and torch.equal(ra, a[i])


def test_train_runs_on_a_second_space(chain4, tmp_path):
    "`train(space=...)`: Chain4's split, its name in settings and model config, the type head."
    from opemb_nb.runs import read_config, read_log
    from opemb_nb.train import train
    kw = dict(epochs=2, device='cpu', model_kwargs=dict(hs=8, nz=2), quiet=True, save_every=1)
    s = train('dvae', tmp_path / 'run', space=chain4, recipe='cpu-types', **kw)
    assert (s['status'], s['n_train'], s['n_test']) == ('complete', 3, 1)
    cfg = read_config(tmp_path / 'run')
    assert cfg['settings']['space'] == 'chain4' and cfg['model_config']['space'] == 'chain4'
    assert cfg['provenance']['scale'] == 'quick'
    assert all(np.isfinite(r['loss']) for r in read_log(tmp_path / 'run'))
    z = np.load(tmp_path / 'run' / 'latent_epoch2.npz')
    assert z['Z_train'].shape == (3, 2) and z['Z_test'].shape == (1, 2)
    assert train('dvae', tmp_path / 'run', space='chain4', recipe='cpu-types', **kw)['skipped']
    with pytest.raises(Exception, match='other settings'):  # ENAS-6 is another run
        train('dvae', tmp_path / 'run', recipe='cpu-types', **kw)
    from opemb_nb.runs import load_run  # a run of another space reads back as a model of that space
    m = load_run(tmp_path / 'run', 'cpu')[0]
    assert m.space.name == 'chain4' and m.decode(torch.zeros(2, 2), stochastic=False)[0].shape == (2, 4)
