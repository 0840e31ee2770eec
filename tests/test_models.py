"""Equivalence tests for opemb_nb.models: the dense, batched models against the slow per-graph definitions of the
reference recursions (`DVAE`, `DVAE_GCN` of the reference models.py: encoder, decoder, loss), which the models chapter
writes one graph and one vertex at a time beside the paper's equations (`opemb_nb.models.reference_*`), independent
of the dense code. float64, small hs, tolerance 1e-5 on the loss and on every gradient."""
from pathlib import Path
import pytest
import torch
import torch.nn.functional as F
from opemb_nb.zoo import make_model
from opemb_nb.data import load_enas6, START_TYPE, END_TYPE
from opemb_nb.models import (reference_feature, reference_encode, reference_encode_gcn, reference_loss,
                             reference_decode)

HS, NZ, N = 16, 6, 8
TOL = dict(atol=1e-5, rtol=1e-5)


@pytest.fixture(autouse=True, scope='module')
def _one_thread():
    "Tiny matrices: one thread is faster, and much faster on a busy machine; restored afterwards."
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


# ----------------------------------------------------------------------------------------------------------
# fixtures: a few real ENAS graphs plus random DAGs (vertices without predecessors, dense and sparse rows)
def _graphs():
    tr = load_enas6('train')
    types, adj = tr.types[:5].clone(), tr.adj[:5].clone()
    g = torch.Generator().manual_seed(3)
    rt = torch.randint(2, 8, (4, N), generator=g); rt[:, 0], rt[:, -1] = START_TYPE, END_TYPE
    ra = (torch.rand(4, N, N, generator=g) < torch.tensor([0.15, 0.4, 0.7, 0.95])[:, None, None]).triu(1)
    return torch.cat([types, rt]), torch.cat([adj, ra])


def _model(name, seed=0):
    torch.manual_seed(seed)
    return make_model(name, hs=HS, nz=NZ).double().eval()


def _grads(m, loss):
    m.zero_grad(); loss.backward()
    return {k: (p.grad.clone() if p.grad is not None else torch.zeros_like(p)) for k, p in m.named_parameters()}


# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize('name,compute_mode', [('dvae', 'dense'), ('dvae', 'compact'), ('dvae-emb', 'dense'),
                                          ('dvae-emb', 'compact'), ('gcn', 'compact'), ('gcn-emb', 'dense')])
def test_loss_and_gradients_match_reference(name, compute_mode):
    types, adj = _graphs()
    m = _model(name)
    m.compute_mode = compute_mode
    loss, recon, kld = m.loss(types, adj)
    g = _grads(m, loss)
    rl, rr, rk = reference_loss(m, types, adj)
    rg = _grads(m, rl)
    torch.testing.assert_close(loss, rl, **TOL)
    torch.testing.assert_close(recon, rr, **TOL)
    torch.testing.assert_close(kld, rk, **TOL)
    for k in g:
        torch.testing.assert_close(g[k], rg[k], **TOL, msg=lambda s: f"gradient of {k}: {s}")
    assert any(v.abs().sum() > 0 for v in g.values())


@pytest.mark.parametrize('name,bidirectional', [('dvae', True), ('dvae', False), ('dvae-emb', True),
                                                 ('gcn', False), ('gcn', True), ('gcn-emb', False)])
def test_encoder_matches_reference(name, bidirectional):
    types, adj = _graphs()
    torch.manual_seed(1)
    m = make_model(name, hs=HS, nz=NZ, bidirectional=bidirectional).double().eval()
    mu, logvar = m.encode(types, adj)
    enc = reference_encode_gcn if name.startswith('gcn') else reference_encode
    ref = [enc(m, t, a) for t, a in zip(types, adj)]
    torch.testing.assert_close(mu, torch.cat([r[0] for r in ref]), **TOL)
    torch.testing.assert_close(logvar, torch.cat([r[1] for r in ref]), **TOL)
    w = torch.randn_like(mu)  # gradients of a random linear functional of (mu, logvar)
    g = _grads(m, (w * mu).sum() + (w.flip(0) * logvar).sum())
    rg = _grads(m, sum((w[i] * r[0][0]).sum() + (w.flip(0)[i] * r[1][0]).sum() for i, r in enumerate(ref)))
    for k in g: torch.testing.assert_close(g[k], rg[k], **TOL)


def test_train_mode_uses_scaled_noise():
    types, adj = _graphs()
    m = _model('dvae').train()
    mu, logvar = m.encode(types, adj)
    torch.manual_seed(5); z = m.reparameterize(mu, logvar)
    torch.manual_seed(5); eps = torch.randn_like(mu)
    torch.testing.assert_close(z, mu + 0.01 * eps * torch.exp(0.5 * logvar))
    assert torch.equal(m.eval().reparameterize(mu, logvar), mu)


# ----------------------------------------------------------------------------------------------------------
# generation
@pytest.mark.parametrize('name,mode', [('dvae', 'dense'), ('dvae', 'compact'), ('dvae-emb', 'compact'), ('gcn-emb', 'dense')])
@torch.no_grad()
def test_greedy_decode_matches_reference(name, mode):
    lengths = []
    for end_bias in (0., 2.):  # weights x3 so that decodings differ across z; an END bias so that some end early
        m = _model(name, seed=2)
        m.compute_mode = mode
        for p in m.parameters(): p.mul_(3)
        m.add_vertex[2].bias[END_TYPE] += end_bias
        torch.manual_seed(0)
        z = torch.randn(30, NZ, dtype=torch.float64)
        types, adj = m.decode(z, stochastic=False)
        _check_decoded(types, adj)
        for i in range(len(z)):
            rt, ra = reference_decode(m, z[i:i + 1])
            assert torch.equal(types[i], rt), (i, types[i], rt)
            assert torch.equal(adj[i], ra), (i, adj[i].int(), ra.int())
        lengths += (types >= 0).sum(1).tolist()
    assert min(lengths) < 8 and max(lengths) == 8 and len(set(lengths)) >= 3  # the test saw early and full graphs


def _check_decoded(types, adj):
    B = types.shape[0]
    assert types.shape == (B, N) and adj.shape == (B, N, N) and adj.dtype == torch.bool and types.dtype == torch.long
    assert not (adj & ~torch.ones(N, N, dtype=torch.bool).triu(1)).any(), "not strictly upper triangular"
    assert (types[:, 0] == START_TYPE).all()
    is_end = (types == END_TYPE) & (torch.arange(N) > 0)
    assert (is_end.sum(1) >= 1).all(), "every decoded graph has an END vertex"
    end = is_end.int().argmax(1)  # first END after the input vertex
    pos = torch.arange(N)[None]
    exists = pos <= end[:, None]
    assert ((types == -1) == ~exists).all(), "types -1 exactly after END"
    assert not (adj & ~(exists[:, :, None] & exists[:, None, :])).any(), "no edges at padding positions"
    assert not adj[torch.arange(B), end].any(), "END has no successors"
    assert (adj.any(2) | ~(pos < end[:, None])).all(), "every vertex before END has a successor (loose ends)"


@pytest.mark.parametrize('name', ['dvae', 'dvae-emb', 'gcn', 'gcn-emb'])
def test_decode_shapes_padding_and_determinism(name):
    m = make_model(name, hs=HS, nz=NZ).eval()
    z = torch.randn(100, NZ) * 2
    types, adj = m.decode(z)
    _check_decoded(types, adj)
    assert (types == -1).any(), "some graphs should end early at random init"  # exercises the padding path
    t1, a1 = m.decode(z, stochastic=False); t2, a2 = m.decode(z, stochastic=False)
    assert torch.equal(t1, t2) and torch.equal(a1, a2)
    _check_decoded(t1, a1)
    g1, g2 = torch.Generator().manual_seed(7), torch.Generator().manual_seed(7)
    s1, s2 = m.decode(z, generator=g1), m.decode(z, generator=g2)
    assert torch.equal(s1[0], s2[0]) and torch.equal(s1[1], s2[1])
    s3 = m.decode(z, generator=torch.Generator().manual_seed(8))
    assert not (torch.equal(s1[0], s3[0]) and torch.equal(s1[1], s3[1]))
    m.compute_mode = 'dense' if m._compact('cpu') else 'compact'  # the other computation: same random numbers, same graphs
    s4 = m.decode(z, generator=torch.Generator().manual_seed(7))
    assert torch.equal(s1[0], s4[0]) and torch.equal(s1[1], s4[1])


def test_config_roundtrip_and_errors():
    for name in ['dvae', 'dvae-emb', 'gcn', 'gcn-emb']:
        m = make_model(name, hs=HS, nz=NZ)
        m2 = make_model(m.name, **m.config)
        m2.load_state_dict(m.state_dict())
        assert m2.config == m.config and m2.name == name
    m = make_model('dvae', hs=HS, nz=NZ)
    types, adj = _graphs()
    with pytest.raises(ValueError, match='adj must be a Bool'):
        m.loss(types, adj.float())


@torch.no_grad()
def test_stochastic_decode_samples_the_model_distribution():
    "Frequencies of the first type and of the first edge over many decodes of one z match the decoder's probabilities."
    m = _model('dvae-emb', seed=4)
    z = torch.randn(1, NZ, dtype=torch.float64).expand(4000, -1)
    types, adj = m.decode(z, generator=torch.Generator().manual_seed(0))
    s0 = m.grud(reference_feature(m, torch.tensor([START_TYPE])), torch.tanh(m.fc3(z[:1])))
    p_type = torch.softmax(m.add_vertex(s0), -1)[0]
    freq = torch.bincount(types[:, 1], minlength=8).double() / len(z)
    torch.testing.assert_close(freq, p_type, atol=0.03, rtol=0)
    t1 = int(p_type[2:].argmax()) + 2  # a common non-END type at vertex 1
    s1 = m.grud(reference_feature(m, torch.tensor([t1])), torch.zeros(1, HS, dtype=torch.float64))
    p_edge = torch.sigmoid(m.add_edge(torch.cat([s0, s1], 1)))[0, 0]
    sel = types[:, 1] == t1
    assert abs(adj[sel, 0, 1].double().mean() - p_edge) < 0.05


# ----------------------------------------------------------------------------------------------------------
# particle decoding (decode_counts): same distribution as n plain decodes, counts add up, few rows when confident
@pytest.mark.parametrize('name,mode', [('dvae', 'compact'), ('gcn-emb', 'dense')])
def test_decode_counts_matches_plain_decoding(name, mode):
    from collections import Counter
    from opemb_nb.data import graph_key
    torch.manual_seed(0)
    m = make_model(name, hs=HS, nz=NZ).double().eval(); m.compute_mode = mode
    with torch.no_grad():  # a more peaked decoder, so that the top outcomes have sizeable frequencies
        for lin in (m.add_vertex[2], m.add_edge[2]): lin.weight.mul_(3); lin.bias.mul_(3)
    n = 20000
    z = torch.randn(1, NZ, dtype=torch.float64)
    t, a, c, s = m.decode_counts(z, n, generator=torch.Generator().manual_seed(0))
    _check_decoded(t, a)
    assert c.dtype == torch.long and (c > 0).all() and int(c.sum()) == n and (s == 0).all()
    keys = graph_key(t, a)
    assert len(torch.unique(keys)) == len(keys), "one row per distinct decoded graph"
    part = dict(zip(keys.tolist(), c.tolist()))
    pt, pa = m.decode(z.expand(n, -1), generator=torch.Generator().manual_seed(1))
    for k, f in Counter(graph_key(pt, pa).tolist()).most_common(10):
        p = f / n
        assert abs(part.get(k, 0) - f) < 5 * (2 * n * p * (1 - p)) ** 0.5, (f, part.get(k, 0))


@pytest.mark.parametrize('name', ['dvae', 'dvae-emb', 'gcn', 'gcn-emb'])
def test_decode_counts_sums_and_confident_model(name):
    from opemb_nb.models import decode_counts
    torch.manual_seed(0)
    m = make_model(name, hs=HS, nz=NZ).eval()
    z = torch.randn(9, NZ)
    t, a, c, s = decode_counts(m, z, 50, torch.Generator().manual_seed(0), batch_size=60)  # several chunks
    _check_decoded(t, a)
    assert torch.equal(torch.bincount(s, weights=c.double(), minlength=9), torch.full((9,), 50., dtype=torch.float64))
    assert (s[1:] >= s[:-1]).all() and len(c) <= 9 * 50
    with torch.no_grad():  # confident output layers (as after training): one row per latent point
        m.add_vertex[2].bias.copy_(30 * F.one_hot(torch.tensor(3), 8)); m.add_edge[2].bias.fill_(-30.)
    t, a, c, s = m.decode_counts(z, 1000)
    assert len(c) == 9 and (c == 1000).all() and torch.equal(s, torch.arange(9))


# ----------------------------------------------------------------------------------------------------------
# bit-for-bit regression of generation: `decode` (stochastic with a seeded generator, and greedy) and `decode_counts`
# of small float64 models on fixed latent points, in both computations, against the outputs stored in
# golden_decode.pt. They were written by the decoder as it stood before its steps were shared between `decode` and
# `decode_counts` (`_decoder_start`, `_new_vertex`, `_edge_logit`, `_edge_update`, `_close_at_end`,
# `_push_sender`); regenerate them (`python tests/test_models.py`) only for a deliberate change of the sampled
# graphs, e.g. a PyTorch release whose random streams differ.
GOLDEN = Path(__file__).with_name('golden_decode.pt')
DECODERS = ['dvae', 'dvae-emb', 'gcn', 'gcn-emb']


def _decode_outputs(name, mode):
    "types, adj of a stochastic and of a greedy `decode`, then types, adj, counts, src of `decode_counts` (int8/bool)."
    torch.manual_seed(0)
    m = make_model(name, hs=HS, nz=NZ).double().eval(); m.compute_mode = mode
    z = 2 * torch.randn(24, NZ, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    out = (*m.decode(z, generator=torch.Generator().manual_seed(7)), *m.decode(z, stochastic=False),
           *m.decode_counts(z[:4], 30, generator=torch.Generator().manual_seed(3)))
    assert all(x.dtype in (torch.long, torch.bool) for x in out) and int(out[-2].sum()) == 4 * 30
    assert out[-2].max() < 128 and out[-1].max() < 128
    return tuple(x if x.dtype == torch.bool else x.to(torch.int8) for x in out)


@pytest.mark.parametrize('mode', ['dense', 'compact'])
@pytest.mark.parametrize('name', DECODERS)
@torch.no_grad()
def test_decoding_matches_golden_outputs(name, mode):
    golden = torch.load(GOLDEN)[name]
    out = _decode_outputs(name, mode)
    assert len(out) == len(golden)
    for i, (x, g) in enumerate(zip(out, golden)):
        assert torch.equal(x, g), f"{name} ({mode}): output {i} differs from the stored decoding"


if __name__ == '__main__':  # rewrite golden_decode.pt from the current decoder
    torch.set_num_threads(1)
    torch.save({name: _decode_outputs(name, 'dense') for name in DECODERS}, GOLDEN)


@torch.no_grad()
def test_position_term_in_every_decoder_path():
    "With the position term, particle decoding has the frequencies of plain decoding, and both computations agree."
    from collections import Counter
    torch.manual_seed(0)
    m = make_model('dvae-emb', hs=HS, nz=NZ, position=True).double().eval()
    m.vertex_position.normal_(); m.add_edge[2].bias.fill_(-1.)  # states that differ by position
    z = torch.randn(1, NZ, dtype=torch.float64)
    outs = []
    for mode in ('dense', 'compact'):
        m.compute_mode = mode
        outs.append(m.decode(z.expand(3000, -1), generator=torch.Generator().manual_seed(1)))
    assert torch.equal(outs[0][0], outs[1][0]) and torch.equal(outs[0][1], outs[1][1])
    key = lambda t, a: [tuple(t[i].tolist()) + tuple(a[i].flatten().tolist()) for i in range(len(t))]
    plain = Counter(key(*outs[0]))
    ct, ca, cc, _ = m.decode_counts(z, 3000, generator=torch.Generator().manual_seed(2))
    part = Counter(dict(zip(key(ct, ca), cc.tolist())))
    assert sum(part.values()) == 3000
    for k, c in plain.most_common(5):
        assert abs(c - part[k]) < 5 * (2 * c) ** 0.5, (c, part[k])
