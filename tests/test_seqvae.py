"""S-VAE and GraphRNN: sequence format, shapes, finite loss and gradients, decode format, teacher forcing."""
import pytest
import torch

from opemb_nb.zoo import make_model
from opemb_nb.data import END_TYPE, START_TYPE, is_valid_enas, load_enas6
from opemb_nb.seqvae import build_graphs, to_seq


@pytest.fixture(scope='module')
def graphs():
    d = load_enas6('test')
    return d.types[:24], d.adj[:24]


def test_seq_round_trip(graphs):
    t, a = graphs
    x = to_seq(t, a)
    assert x.shape == (24, 7, 15)
    assert (x[:, :, :8].sum(-1) == 1).all()
    assert (x[:, :, 8:].triu(1) == 0).all()  # row r (vertex r+1) only has bits j <= r
    t2, a2 = build_graphs(x[:, :, :8].argmax(-1), x[:, :, 8:] > 0.5)
    assert torch.equal(t2, t) and torch.equal(a2, a)


def test_build_graphs_early_end_and_loose_ends():
    ti = torch.tensor([[2, END_TYPE, 3, 4, 5, 6, 7], [2, 3, 4, 5, 6, 7, START_TYPE]])
    bits = torch.zeros(2, 7, 7, dtype=torch.bool)
    bits[1, torch.arange(6), torch.arange(6)] = True  # chain 0->1->...->6
    t, a = build_graphs(ti, bits)
    assert t[0].tolist() == [0, 2, 1, -1, -1, -1, -1, -1]
    assert a[0].nonzero().tolist() == [[0, 2], [1, 2]]  # END at 2 takes both loose ends, its own bits ignored
    assert t[1].tolist() == [0, 2, 3, 4, 5, 6, 7, 1]  # row 7 forced END
    assert a[1, :, 7].nonzero().flatten().tolist() == [6]
    assert is_valid_enas(t[1:], a[1:]).all()


@pytest.mark.parametrize('name', ['svae', 'graphrnn'])
def test_model_interface(name, graphs):
    t, a = graphs
    torch.manual_seed(0)
    m = make_model(name, hs=24, nz=6)
    assert m.name == name and m.nz == 6 and m.op_embedding is None
    assert make_model(m.name, **m.config).config == m.config
    mu, lv = m.encode(t, a)
    assert mu.shape == lv.shape == (24, 6)
    loss, recon, kld = m.loss(t, a)
    assert loss.dim() == 0 and torch.isfinite(loss) and recon > 0 and kld >= 0
    assert torch.allclose(loss, recon + 0.005 * kld)
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in m.parameters() if p.grad is not None)
    m.eval()
    assert torch.equal(m.encode(t, a)[0], m.encode(t, a)[0])
    for stochastic in (True, False):
        gt, ga = m.decode(torch.randn(24, 6), stochastic=stochastic)
        assert gt.shape == (24, 8) and gt.dtype == torch.long and ga.shape == (24, 8, 8) and ga.dtype == torch.bool
        assert (gt[:, 0] == START_TYPE).all() and ((gt == END_TYPE).sum(1) == 1).all()
        assert not (ga & ~torch.ones(8, 8, dtype=torch.bool).triu(1)).any()
        absent = gt < 0
        assert not (ga & (absent[:, :, None] | absent[:, None, :])).any()  # no edges touch padding
    g = torch.Generator().manual_seed(3)
    d1 = m.decode(torch.zeros(8, 6), generator=g)
    g = torch.Generator().manual_seed(3)
    d2 = m.decode(torch.zeros(8, 6), generator=g)
    assert torch.equal(d1[0], d2[0]) and torch.equal(d1[1], d2[1])


def test_graphrnn_teacher_forcing_matches_rollout(graphs):
    t, a = graphs
    torch.manual_seed(1)
    m = make_model('graphrnn', hs=20, nz=5).eval()
    z = torch.randn(24, 5)
    x = to_seq(t, a)
    tl, el = m.decoder_logits(z, x)
    _, _, tl2, el2 = m._rollout(z, teacher=x)
    assert torch.allclose(tl, tl2, atol=1e-5) and torch.allclose(el, el2, atol=1e-5)


def test_parameter_counts_match_reference():
    assert sum(p.numel() for p in make_model('svae').parameters()) == 2_882_881
    assert sum(p.numel() for p in make_model('graphrnn').parameters()) == 3_161_939
