"Sparse GP (Table 2): known answers on synthetic data, the standardisation, and `opemb predict`."
import json
import numpy as np
import pytest
from opemb_nb.gp import fit_sgp, predictability, rmse_pearson, standardise_acc, predict_run, predict_cli
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
    predict_cli([str(tmp_path), '--seeds', '2', '--inducing', '25', '--epochs', '5', '--json'])
    out = json.loads(capsys.readouterr().out)
    res = json.loads((tmp_path / 'sgp.json').read_text())
    assert {'rmse_mean', 'rmse_std', 'pearson_mean', 'pearson_std'} <= set(out) and len(res['rmse']) == 2
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
