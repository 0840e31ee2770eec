"Latent-space measures on synthetic data with a known answer."
import json
import numpy as np
import pytest
import opemb_nb.latent as L
from opemb_nb.core import atomic_savez


def test_smooth_vs_shuffled():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(1500, 6)); y = 0.7 + 0.03 * np.sin(Z[:, 0]) + 0.01 * Z[:, 2]
    s, n = L.knn_smoothness(Z, y), L.knn_smoothness(Z, rng.permutation(y))
    assert s['ratio'] < 0.5 < 0.9 < n['ratio'] < 1.1
    assert L.knn_regression(Z[:1000], y[:1000], Z[1000:], y[1000:])['knn_r'] > 0.9


def test_similar_ops_known_answer():
    E = np.zeros((8, 3))
    for c, (a, b) in zip(np.eye(3) * 10, L.SIMILAR_PAIRS): E[a], E[b] = c, c + 0.1
    r = L.similar_ops_test(E)
    assert (r['rank'], r['n_pairings'], r['partner_is_nearest']) == (1, 15, 6) and r['p'] == pytest.approx(1 / 15)
    E2 = E.copy(); E2[[3, 5, 7]] = E[[5, 7, 3]]
    r2 = L.similar_ops_test(E2)
    assert r2['partner_is_nearest'] == 0 and r2['p'] > 0.8


def test_tsne_cli(tmp_path):
    rng = np.random.default_rng(0)
    for e in (1, 3):
        Ztr, Zte = rng.normal(size=(150, 5)), rng.normal(size=(60, 5))
        atomic_savez(tmp_path / f'latent_epoch{e}.npz', Z_train=Ztr, Z_test=Zte, y_train=Ztr[:, 0], y_test=Zte[:, 0],
                     idx_train=np.arange(150), idx_test=np.arange(60))
    L.tsne_cli([str(tmp_path), '--epochs', '3', '--max-points', '100'])
    maps, sm = L.load_tsne(tmp_path)
    assert list(maps) == [3] and maps[3]['train'].shape == (100, 2) and maps[3]['test'].shape == (60, 2)
    assert sm[3]['ratio'] < 0.6
    assert (tmp_path / 'tsne.png').stat().st_size > 1000
    with pytest.raises(SystemExit): L.tsne_cli([str(tmp_path), '--epochs', '7'])
