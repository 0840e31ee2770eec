"Bayesian optimisation: EI, the greedy batch, the evaluators, pool BO vs random search, `opemb bo`."
import json
import numpy as np
import pytest
import torch
from scipy.stats import norm
from opemb_nb.data import load_enas6, to_dense
from opemb_nb.bo import (log_ei, select_batch, fit_exact_gp, TableEvaluator, as_evaluator, pool_bo, random_search,
                         decode_points, bo_cli, arch_features)
from fixtures import FakeVAE


def test_log_ei_matches_closed_form():
    m = torch.tensor([0., 0.3, -1.], dtype=torch.float64); v = torch.tensor([1., 0.04, 2.], dtype=torch.float64)
    s = (0.2 - m) / v.sqrt()
    assert torch.allclose(log_ei(m, v, 0.2).exp(), torch.as_tensor(v.sqrt().numpy() * (s.numpy() * norm.cdf(s.numpy()) + norm.pdf(s.numpy()))), rtol=1e-8)
    assert torch.isfinite(log_ei(torch.tensor([50.], dtype=torch.float64), torch.tensor([1e-2], dtype=torch.float64), 0.)).all()


def _bowl(x): return ((x - np.array([-0.2, 0.6, 0.1])) ** 2).sum(1)  # minimum 0 at (-0.2, 0.6, 0.1)


def test_batch_finds_known_optimum():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (80, 3)); y = _bowl(X) + 0.05 * rng.standard_normal(80)
    post = fit_exact_gp(X, y, steps=120)
    B, info = select_batch(post, -np.ones(3), np.ones(3), q=6, n_grid=3000, seed=1, maxiter=50)
    assert B.shape == (6, 3) and np.all(np.abs(B) <= 1)
    assert np.linalg.norm(B[0] - [-0.2, 0.6, 0.1]) < 0.15
    d = [np.linalg.norm(B[i] - B[j]) for i in range(6) for j in range(i)]
    assert min(d) > 1e-3


def test_table_evaluator():
    D = load_enas6(); ev = TableEvaluator()
    assert ev([D.archs[5], D.archs[19019]]) == [D.acc[5], D.acc[19019]]
    novel = '5 5 1 5 1 1 5 1 1 1 5 1 1 1 1 5 1 1 1 1 1'
    assert novel not in D.archs and ev([novel, None]) == [None, None]
    assert ev.name == 'table' and ev.kind == 'exact' and ev.n_duplicates == 5


def test_user_evaluator():
    ev = as_evaluator(lambda archs: [0.9] * len(archs), name='mine', batched=True)
    assert (ev.name, ev.kind, ev(['a', 'b'])) == ('mine', 'user', [0.9, 0.9])
    with pytest.raises(ValueError): as_evaluator(42)


def test_pool_bo_beats_random_search():
    rng = np.random.default_rng(2)
    P = rng.uniform(-1, 1, (2500, 3)); acc = -_bowl(P)
    bo = [pool_bo(P, acc, rounds=3, batch=10, n_init=10, seed=s, gp_steps=40)['best_so_far'] for s in (1, 2, 3)]
    rs = [random_search(acc, 40, seed=s)['best_so_far'] for s in (1, 2, 3)]
    assert all(len(b) == 40 for b in bo)
    assert np.mean([b[-1] for b in bo]) > np.mean([r[-1] for r in rs])


def test_decode_choice_most_common_and_first():
    D = load_enas6()
    fake = FakeVAE(D.archs[:300], nz=3, p_invalid=0.5, p_mutate=0.3)
    z = fake.codes[:4].float()
    torch.manual_seed(0)
    mc = decode_points(fake, z, attempts=40, choice='most_common')
    assert mc[:4] == [D.archs[i] for i in range(4)]  # the unmutated decoding is the most common one
    first = decode_points(fake, z, attempts=40, choice='first')
    assert all(a is not None for a in first)
    fake.p_invalid = 1.0
    assert decode_points(fake, z[:2], attempts=5) == [None, None]


def test_bo_cli_on_a_fake_run(tmp_path):
    D = load_enas6(); n = 1500
    fake = FakeVAE(D.archs[:n], nz=3)
    Z = fake.encode(*to_dense(D.archs[:n]))[0].double().numpy()
    np.savez(tmp_path / 'latent_epoch2.npz', Z_train=Z[:1300], Z_test=Z[1300:], y_train=D.acc[:1300], y_test=D.acc[1300:n],
             idx_train=np.arange(1300), idx_test=np.arange(1300, n))
    (tmp_path / 'config.json').write_text(json.dumps({'model': 'fake', 'provenance': {'epochs': 2, 'scale': 'test'}}))
    from opemb_nb.bo import bo_run
    res = bo_run(tmp_path, 'table', rounds=2, batch=3, seeds=1, decode_attempts=10, n_grid=200, maxiter=3,
                 gp_kw=dict(n_inducing=15, epochs=1, batch_size=700), model=fake, figures=False)
    j = json.loads((tmp_path / 'bo.json').read_text())
    r0 = j['runs'][0]['rounds'][0]
    assert j['evaluator'] == 'table' and len(r0['archs']) == 3 and 'best_so_far' in r0 and 'provenance' in j
    assert 'space' not in j  # the default space leaves bo.json as it was
    with pytest.raises(SystemExit) as e: bo_cli([str(tmp_path / 'nope')])
    assert e.value.code == 2


def test_parallel_seeds_equal_sequential(tmp_path):
    "Seeds run in spawned worker processes (each loading the run's model) give the same BO as one after the other."
    from opemb_nb.train import train
    from opemb_nb.bo import bo_run
    train('dvae', tmp_path, epochs=1, subset=64, device='cpu', model_kwargs=dict(hs=8, nz=3), quiet=True)
    kw = dict(rounds=2, batch=3, seeds=2, decode_attempts=5, n_grid=100, maxiter=3, figures=False,
              gp_kw=dict(n_inducing=10, epochs=1, batch_size=64))
    old = torch.get_num_threads(); torch.set_num_threads(1)  # the workers' setting, so the arithmetic is the same
    try:
        seq = bo_run(tmp_path, 'table', **kw); seq_pool = bo_run(tmp_path, pool=True, rounds=2, batch=5, seeds=2, n_init=10, figures=False)
    finally: torch.set_num_threads(old)
    par = bo_run(tmp_path, 'table', workers=2, **kw)
    par_pool = bo_run(tmp_path, pool=True, rounds=2, batch=5, seeds=2, n_init=10, figures=False, workers=2)
    strip = lambda runs: [{k: v for k, v in r.items() if 'seconds' not in k} for r in runs]
    assert [strip(r['rounds']) for r in par['runs']] == [strip(r['rounds']) for r in seq['runs']]
    assert [r['queries'] for r in par_pool['runs']] == [r['queries'] for r in seq_pool['runs']]
    with pytest.raises(ValueError, match='cannot be sent to worker'):
        bo_run(tmp_path, lambda archs: [0.5] * len(archs), workers=2, **kw)
    with pytest.raises(ValueError, match="workers must be an integer >= 1 or 'auto'"): bo_run(tmp_path, 'table', workers=0, **kw)
    with pytest.raises(SystemExit) as e: bo_cli([str(tmp_path), '--workers', 'many'])
    assert e.value.code == 2


def test_botorch_log_ei_equals_log_ei():
    "BoTorch's LogExpectedImprovement on the believer's posterior is log_ei (to rounding), on and off the grid."
    from botorch.acquisition.analytic import LogExpectedImprovement
    from opemb_nb.bo import _Believer, _BelieverModel
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, (40, 3)); post = fit_exact_gp(X, _bowl(X) + 0.05 * rng.standard_normal(40), steps=60)
    G = rng.uniform(-1, 1, (400, 3)); off = torch.as_tensor(rng.uniform(-1.5, 1.5, (100, 3)))
    bel = _Believer(post, G); model = _BelieverModel(bel)
    for x in (None, G[0], G[1]):
        if x is not None: bel.add(x)
        eta = float(bel.grid()[0].min())
        acq = LogExpectedImprovement(model, torch.tensor(eta, dtype=torch.float64), maximize=False)
        with torch.no_grad():
            assert torch.allclose(acq(bel.G[:, None]), log_ei(*bel.grid(), eta), rtol=1e-12, atol=1e-9)
            assert torch.allclose(acq(off[:, None]), log_ei(*bel.mean_var(off), eta), rtol=1e-12, atol=1e-9)


def test_botorch_backend_chooses_the_same_batch():
    """Fixed seeded case: BoTorch's path gives the paper path's incumbent and pool choices exactly, and its batch
    up to where L-BFGS-B stops; on the same objective the two optimisers agree bit for bit."""
    from opemb_nb.bo import _Believer, _PaperOps, _BoTorchOps
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (80, 3)); y = _bowl(X) + 0.05 * rng.standard_normal(80)
    post = fit_exact_gp(X, y, steps=120)
    lo, hi, kw = -np.ones(3), np.ones(3), dict(q=6, n_grid=3000, seed=1, maxiter=50)
    B, info = select_batch(post, lo, hi, **kw)
    Bb, infob = select_batch(post, lo, hi, backend='botorch', **kw)
    assert infob['incumbent'] == info['incumbent']
    assert np.abs(Bb - B).max() < 2e-4 and np.allclose(infob['log_ei'], info['log_ei'], rtol=1e-3, atol=0)
    C = rng.uniform(-1, 1, (1000, 3))
    for inc in ('mean', float(y.min())):
        i, ii = select_batch(post, candidates=C, q=12, incumbent=inc)
        ib, iib = select_batch(post, candidates=C, q=12, incumbent=inc, backend='botorch')
        assert np.array_equal(ib, i) and np.allclose(iib['log_ei'], ii['log_ei'], rtol=0, atol=1e-9)
    bel = _Believer(post, C); x0 = C[int(bel.grid()[0].argmin())]
    (xp, vp), (xb, vb) = _PaperOps(bel, lo, hi, 150).min_mean(x0), _BoTorchOps(bel, lo, hi, 150).min_mean(x0)
    assert np.array_equal(xb, xp) and vb == vp and not np.array_equal(xp, x0)
    with pytest.raises(ValueError, match='backend must be'): select_batch(post, candidates=C, q=2, backend='qei')


def test_pool_search_rank_target(tmp_path):
    "The pool search's GP target is selectable from bo_run and the command line, and recorded in bo_pool.json."
    import json
    from opemb_nb.train import train
    from opemb_nb.bo import bo_run
    train('dvae', tmp_path, epochs=1, subset=64, device='cpu', model_kwargs=dict(hs=8, nz=3), quiet=True)
    kw = dict(pool=True, rounds=2, batch=5, seeds=2, n_init=10, figures=False)
    std, rank = bo_run(tmp_path, **kw), bo_run(tmp_path, pool_y='rank', **kw)
    assert (std['y'], rank['y']) == ('standard', 'rank')
    assert [r['queries'][:10] for r in std['runs']] == [r['queries'][:10] for r in rank['runs']]  # same initial design
    assert json.loads((tmp_path / 'bo_pool.json').read_text())['y'] == 'rank'
    bo_cli([str(tmp_path), '--pool', '--target', 'rank', '--n-init', '12', '--rounds', '1', '--batch', '2',
            '--seeds', '1', '--json'])
    saved = json.loads((tmp_path / 'bo_pool.json').read_text())
    assert (saved['y'], saved['n_init'], len(saved['runs'][0]['queries'])) == ('rank', 12, 14)
    with pytest.raises(ValueError, match="'standard' or 'rank'"): bo_run(tmp_path, pool_y='log', **kw)
