"Table 1 metrics on hand-made cases (fake models with a known answer)."
import json
import numpy as np
import pytest
import torch
import opemb_nb.metrics as M
from opemb_nb.data import load_enas6, graph_key, is_valid_enas, from_dense
from fixtures import EchoModel


@pytest.fixture(scope='module')
def data():
    tr, te = load_enas6('train'), load_enas6('test')
    return tr, te, graph_key(tr.types, tr.adj)


def test_recon_self_and_corrupt(data):
    _, te, _ = data
    types, adj = te.types[:40], te.adj[:40]
    assert M.recon_accuracy(EchoModel(), types, adj, decodes=10)['recon_acc'] == 1.0
    r = M.recon_accuracy(EchoModel(corrupt=1.0), types, adj, decodes=10)
    assert r['recon_acc'] == 0.0 and r['recon_total'] == 400 and r['recon_matches'] == 0


def test_recon_partial_is_seeded(data):
    _, te, _ = data
    types, adj = te.types[:40], te.adj[:40]
    a = M.recon_accuracy(EchoModel(corrupt=0.5), types, adj, decodes=50, seed=3, batch_size=97)
    b = M.recon_accuracy(EchoModel(corrupt=0.5), types, adj, decodes=50, seed=3, batch_size=1000)
    assert a['recon_matches'] == b['recon_matches']          # the batching does not change the draws
    assert abs(a['recon_acc'] - 0.5) < 0.06
    assert a['per_graph'].sum() == a['recon_matches']


def test_generation_metrics_hand_made(data):
    tr, te, train_keys = data
    novel = ~torch.isin(graph_key(te.types, te.adj), train_keys)
    types_novel, adj_novel = te.types[novel][:3], te.adj[novel][:3]
    bad = []
    for f in (lambda t, a: t.__setitem__((0, 4), 1),          # output type in the middle
              lambda t, a: t.__setitem__((0, 4), 0),          # second input
              lambda t, a: a.__setitem__((0, 3, 4), False),   # chain edge missing
              lambda t, a: a.__setitem__((0, 4, 7), True)):   # output with two in-edges
        t, a = types_novel[:1].clone(), adj_novel[:1].clone(); f(t, a); bad.append((t, a))
    types = torch.cat([types_novel, types_novel[:1], tr.types[:2]] + [t for t, _ in bad])
    adj = torch.cat([adj_novel, adj_novel[:1], tr.adj[:2]] + [a for _, a in bad])
    m = M.generation_metrics(types, adj, train_keys)
    assert (m['n_generated'], m['n_valid'], m['n_unique'], m['n_novel']) == (10, 6, 5, 4)
    assert m['validity'] == pytest.approx(0.6) and m['uniqueness'] == pytest.approx(5 / 6)
    assert m['novelty'] == pytest.approx(4 / 6)
    v = is_valid_enas(types, adj)
    assert len(set(from_dense(types[v], adj[v]))) == m['n_unique']
    assert M.generation_metrics(*bad[0], train_keys)['validity'] == 0.0
    assert M.generation_metrics(types, adj, train_keys, space='enas6') == m  # the default, by name


def test_prior_samples_match_training_range():
    Z = torch.randn(4000, 3) * torch.tensor([0.5, 1., 2.]) - 1
    P = M.prior_samples(Z, 20000, seed=0)
    assert torch.allclose(P.mean(0), Z.mean(0), atol=0.05) and torch.allclose(P.std(0), Z.std(0, unbiased=False), atol=0.05)


def test_evaluate_run_writes_json(tmp_path, monkeypatch):
    monkeypatch.setattr(M, 'load_run', lambda d, dev: (EchoModel(), {'model': 'echo', 'epochs': 2, 'scale': 'test'}, None))
    m = M.evaluate_cli([str(tmp_path), '--device', 'cpu', '--n-test', '30', '--decodes', '3', '--n-prior', '20', '--prior-decodes', '2'])
    j = json.loads((tmp_path / 'metrics.json').read_text())
    assert j['recon_acc'] == 1.0 == m['recon_acc']
    assert all(0 <= j[k] <= 1 for k in ('recon_acc', 'validity', 'uniqueness', 'novelty'))
    assert {'model', 'epochs', 'scale', 'device', 'date', 'commit'} <= set(j['provenance'])
    assert 'space' not in j  # the default space leaves metrics.json as it was


def test_evaluate_cli_bad_dir(capsys):
    with pytest.raises(SystemExit) as e: M.evaluate_cli(['/nonexistent/run'])
    assert e.value.code == 2 and 'run directory not found' in capsys.readouterr().err


class _EchoCounts(EchoModel):
    "EchoModel with its own decode_counts: the corrupted decodes as a binomial split of the count."
    def decode_counts(self, z, n, generator=None):
        t, a = EchoModel().decode(z)  # uncorrupted
        k = torch.binomial(torch.full((len(z),), float(n)), torch.full((len(z),), self.corrupt), generator=generator).long()
        a2 = a.clone(); a2[:, 0, 1] ^= True
        t, a, c, s = torch.cat([t, t]), torch.cat([a, a2]), torch.cat([n - k, k]), torch.arange(len(z)).repeat(2)
        keep = c > 0
        o = torch.sort(s[keep], stable=True).indices
        return t[keep][o], a[keep][o], c[keep][o], s[keep][o]


def test_recon_and_prior_same_with_and_without_decode_counts(data):
    tr, te, train_keys = data
    types, adj = te.types[:60], te.adj[:60]
    for corrupt in (0.0, 1.0):  # deterministic: identical numbers
        a = M.recon_accuracy(EchoModel(corrupt), types, adj, decodes=20, seed=1)
        b = M.recon_accuracy(_EchoCounts(corrupt), types, adj, decodes=20, seed=1)
        assert {k: v for k, v in a.items() if k != 'per_graph'} == {k: v for k, v in b.items() if k != 'per_graph'}
        assert torch.equal(a['per_graph'], b['per_graph'])
    a = M.recon_accuracy(EchoModel(0.3), types, adj, decodes=100, seed=2)
    b = M.recon_accuracy(_EchoCounts(0.3), types, adj, decodes=100, seed=2)
    assert abs(a['recon_acc'] - 0.7) < 0.03 and abs(b['recon_acc'] - 0.7) < 0.03 and b['recon_total'] == 6000
    Z = M.encode_mu(EchoModel(), tr.types[:500], tr.adj[:500])
    pa = M.prior_validity(EchoModel(), Z, 100, 7, train_keys, seed=3)
    pb = M.prior_validity(_EchoCounts(), Z, 100, 7, train_keys, seed=3)
    assert pa == pb and pa['n_generated'] == 700


def test_generation_metrics_with_counts(data):
    tr, te, train_keys = data
    types, adj = torch.cat([te.types[:5], tr.types[:3]]), torch.cat([te.adj[:5], tr.adj[:3]])
    adj[1, 2, 3] = False  # invalid
    c = torch.tensor([2, 5, 1, 1, 3, 1, 4, 1])
    assert M.generation_metrics(types, adj, train_keys, counts=c) == M.generation_metrics(types.repeat_interleave(c, 0), adj.repeat_interleave(c, 0), train_keys)
