"Sparse GP (Table 2): known answers on synthetic data, the standardisation, and `opemb predict`."
import json
import numpy as np
import pytest
from opemb_nb.gp import (fit_sgp, fit_exact_gp, predictability, rmse_pearson, standardise_acc, predict_run,
                         predict_cli)
from opemb_nb.runs import latest_latent


def _smooth(n=900, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 2))
    return X, np.sin(2 * X[:, 0]) + np.cos(1.5 * X[:, 1]) + 0.05 * rng.standard_normal(n)


def test_smooth_function_is_predicted():
    X, y = _smooth()
    ytr, yte, _ = standardise_acc(-y[:700], -y[700:])  # standardised -(-y) = y
    post = fit_sgp(X[:700], ytr, n_inducing=40, epochs=15, batch_size=250, lr=0.05, seed=1)
    rmse, r = rmse_pearson(post.predict(X[700:]), yte)
    assert rmse < 0.2 and r > 0.98


def test_pure_noise_is_not_predicted():
    X, _ = _smooth()
    y = np.random.default_rng(3).standard_normal(len(X))
    post = fit_sgp(X[:700], y[:700], n_inducing=30, epochs=4, batch_size=350, seed=2)
    rmse, r = rmse_pearson(post.predict(X[700:]), y[700:])
    assert abs(r) < 0.25 and 0.8 < rmse < 1.25


def test_standardise_uses_train_stats():
    ytr, yte, (m, s) = standardise_acc([0.7, 0.72, 0.74], [0.72])
    assert np.isclose(m, -0.72) and np.isclose(s, np.std([0.7, 0.72, 0.74]))
    assert np.isclose(yte[0], 0.0) and ytr[0] > 0 > ytr[2]  # higher accuracy -> lower y
    with pytest.raises(ValueError, match='constant'): standardise_acc([0.7, 0.7])


def test_predictability_std_is_population():
    X, y = _smooth(500)
    acc = 0.7 + 0.01 * y
    res = predictability(X[:400], acc[:400], X[400:], acc[400:], seeds=[1, 2, 3], n_inducing=20, epochs=3, batch_size=200)
    assert np.isclose(res['rmse_std'], np.std(res['rmse'])) and np.isclose(res['pearson_mean'], np.mean(res['pearson']))
    assert res['seeds'] == [1, 2, 3]


def test_predict_cli_writes_sgp_json(tmp_path, capsys):
    X, y = _smooth(600)
    acc = 0.7 + 0.01 * y
    np.savez(tmp_path / 'latent_epoch7.npz', Z_train=X[:500], Z_test=X[500:], y_train=acc[:500], y_test=acc[500:],
             idx_train=np.arange(500), idx_test=np.arange(500, 600))
    np.savez(tmp_path / 'latent_iter1_epoch9.npz', Z_train=X[:5])  # an earlier DVAE-EMB iteration: ignored
    (tmp_path / 'config.json').write_text(json.dumps({'model': 'dvae', 'provenance': {'epochs': 7, 'scale': 'quick'}}))
    assert latest_latent(tmp_path)[1] == 7
    predict_cli([str(tmp_path), '--seeds', '2', '--exact-seeds', '3', '--subset', '150', '--inducing', '25',
                 '--epochs', '5', '--json'])
    out = json.loads(capsys.readouterr().out)
    res = json.loads((tmp_path / 'sgp.json').read_text())
    assert {'rmse_mean', 'rmse_std', 'pearson_mean', 'pearson_std'} <= set(out) and len(res['rmse']) == 2
    # the second predictor beside the sparse GP's top-level keys, and the cost of both
    ex = res['exact']
    assert ex['seeds'] == [1, 2, 3] and len(ex['rmse']) == 3 and ex['pearson_mean'] > 0.9 and len(ex['seconds']) == 3
    assert ex['fit']['subset'] == 150 and res['fit']['epochs'] == 5 and 'exact' in out
    assert res['seconds_total'] > 0 and res['cpu_seconds_total'] > 0
    assert res['provenance']['model'] == 'dvae' and res['provenance']['scale'] == 'quick' and res['pearson_mean'] > 0.9


def test_predict_errors_are_clear(tmp_path, capsys):
    with pytest.raises(SystemExit) as e: predict_cli([str(tmp_path)])
    assert e.value.code == 2
    assert 'no latent_epoch' in capsys.readouterr().err
    np.savez(tmp_path / 'latent_epoch1.npz', Z_train=np.zeros((3, 2)))
    with pytest.raises(ValueError, match='missing array'): predict_run(tmp_path, seeds=1)


def test_parallel_seeds_equal_sequential():
    "Seeds fitted in spawned worker processes give the same numbers as one after the other."
    import torch
    X, y = _smooth(500)
    acc = 0.7 + 0.01 * y
    kw = dict(seeds=[1, 2, 3], n_inducing=20, epochs=3, batch_size=250)
    old = torch.get_num_threads(); torch.set_num_threads(1)  # the workers' setting, so the arithmetic is the same
    try: seq = predictability(X[:400], acc[:400], X[400:], acc[400:], **kw)
    finally: torch.set_num_threads(old)
    par = predictability(X[:400], acc[:400], X[400:], acc[400:], workers=2, **kw)
    assert par['seeds'] == [1, 2, 3]
    assert par['rmse'] == seq['rmse'] and par['pearson'] == seq['pearson'] and par['noise'] == seq['noise']


def test_default_sgp_fit_has_converged():
    "The default schedule ends where a fit three times as long ends (a small synthetic problem)."
    X, y = _smooth(2400, seed=4)
    ytr, yte, _ = standardise_acc(-y[:2000], -y[2000:])
    short = fit_sgp(X[:2000], ytr, n_inducing=40, seed=1)
    default_epochs = short.info['epochs']
    long = fit_sgp(X[:2000], ytr, n_inducing=40, seed=1, epochs=3 * default_epochs)
    r_short, r_long = (rmse_pearson(p.predict(X[2000:]), yte)[0] for p in (short, long))
    assert abs(r_short - r_long) < 0.005 and r_short < 0.15


def test_exact_gp_beats_the_mean():
    "An exact GP on a random subset predicts a smooth function far better than its mean (RMSE 1)."
    X, y = _smooth(1000, seed=5)
    ytr, yte, _ = standardise_acc(-y[:800], -y[800:])
    post = fit_exact_gp(X[:800], ytr, subset=250, steps=60, seed=3)
    rmse, r = rmse_pearson(post.predict(X[800:]), yte)
    assert rmse < 0.25 and r > 0.97 and post.kind == 'exact' and post.info['n'] == 250


def test_exact_gp_above_800_points_is_seeded():
    "Above 800 points gpytorch draws probe vectors: the fit is a function of the seed, the global RNG is kept."
    import torch
    X, y = _smooth(1000, seed=6)
    fit = lambda: fit_exact_gp(X, y, subset=900, steps=3, seed=4).predict(X[:20])
    torch.manual_seed(0); a = fit(); state = torch.rand(3)
    torch.manual_seed(0); b = fit()
    assert np.array_equal(a, b) and torch.equal(torch.rand(3), state)


def test_bad_predictor_input_is_a_clear_error(tmp_path, capsys):
    X, y = _smooth(200)
    acc = 0.7 + 0.01 * y
    with pytest.raises(ValueError, match="predictor must be one of"):
        predictability(X[:150], acc[:150], X[150:], acc[150:], seeds=[1], predictor='svm')
    with pytest.raises(ValueError, match='subset must be at least 2'): fit_exact_gp(X, y, subset=1)
    np.savez(tmp_path / 'latent_epoch1.npz', Z_train=X[:150], Z_test=X[150:], y_train=acc[:150], y_test=acc[150:],
             idx_train=np.arange(150), idx_test=np.arange(150, 200))
    with pytest.raises(SystemExit) as e: predict_cli([str(tmp_path), '--exact-seeds', '-1'])
    assert e.value.code == 2 and 'exact_seeds >= 0' in capsys.readouterr().err
    with pytest.raises(SystemExit) as e: predict_cli([str(tmp_path), '--seeds', '0'])
    assert e.value.code == 2
