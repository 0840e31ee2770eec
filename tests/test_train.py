"""Training: bitwise resume after a kill, NaN stop, atomic checkpoints, T iterations, CLI artifacts."""
import json, os, subprocess, sys, textwrap, time
from pathlib import Path

import numpy as np
import pytest
import torch

import opemb_nb.core as core
from opemb_nb.train import TrainingDiverged, train, train_cli
from opemb_nb.runs import TrainingError, load_run, read_log, latent_files, latest_latent, load_latent, run_meta

KW = dict(subset=96, device='cpu', model_kwargs=dict(hs=16, nz=4), quiet=True, save_every=100)


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _weights(d):
    return torch.load(Path(d) / 'model.pt')['state_dict']


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize('every,kill_at,ck_epoch', [(1, 8, 2), (2, 11, 2)])
def test_resume_after_exception_mid_epoch(tmp_path, every, kill_at, ck_epoch):
    kw = dict(KW, checkpoint_every=every)
    train('svae', tmp_path / 'full', epochs=4, **kw)
    n = [0]
    def die(b, m):
        n[0] += 1
        if n[0] == kill_at: raise KeyboardInterrupt  # 3 batches per epoch: batch 8 = epoch 3, batch 11 = epoch 4
    with pytest.raises(KeyboardInterrupt):
        train('svae', tmp_path / 'run', epochs=4, on_batch=die, **kw)
    assert torch.load(tmp_path / 'run' / 'checkpoint.pt', weights_only=False)['epoch'] == ck_epoch
    with pytest.raises(TrainingError, match='resume'):
        train('svae', tmp_path / 'run', epochs=4, **kw)
    s = train('svae', tmp_path / 'run', epochs=4, resume=True, **kw)
    assert s['status'] == 'complete' and not s['skipped']
    assert _same(_weights(tmp_path / 'full'), _weights(tmp_path / 'run'))
    assert [r['epoch'] for r in read_log(tmp_path / 'run')] == [1, 2, 3, 4]
    assert [r['loss'] for r in read_log(tmp_path / 'run')] == [r['loss'] for r in read_log(tmp_path / 'full')]


def test_resume_after_sigkill(tmp_path):
    """A real process killed with SIGKILL at an arbitrary moment, then resumed."""
    run = tmp_path / 'killed'
    code = textwrap.dedent(f"""
        import time, torch
        torch.set_num_threads(1)
        from opemb_nb.train import train
        train('svae', {str(run)!r}, epochs=30, subset=96, device='cpu', model_kwargs=dict(hs=16, nz=4), quiet=True,
              save_every=3, on_batch=lambda b, m: time.sleep(0.03))
    """)
    p = subprocess.Popen([sys.executable, '-c', code], stderr=subprocess.PIPE)
    t0 = time.time()
    while time.time() - t0 < 120:
        log = run / 'log.csv'
        if log.exists() and len(log.read_text().splitlines()) >= 4: break  # header + 3 epochs
        if p.poll() is not None: pytest.fail(p.stderr.read().decode()[-2000:])
        time.sleep(0.02)
    time.sleep(0.05)
    p.kill(); p.wait()
    ck = torch.load(run / 'checkpoint.pt', weights_only=False)  # never a partial file
    assert 3 <= ck['epoch'] < 30
    train('svae', run, epochs=30, resume=True, **dict(KW, save_every=3))
    train('svae', tmp_path / 'full', epochs=30, **dict(KW, save_every=3))
    assert _same(_weights(run), _weights(tmp_path / 'full'))
    assert not list(run.glob('.*.tmp'))
    z1, z2 = np.load(run / 'latent_epoch9.npz'), np.load(tmp_path / 'full' / 'latent_epoch9.npz')
    assert np.array_equal(z1['Z_train'], z2['Z_train'])


def test_nan_stops_and_keeps_last_good_checkpoint(tmp_path):
    n = [0]
    def poison(b, m):
        n[0] += 1
        if n[0] == 5:  # epoch 2
            with torch.no_grad(): next(m.parameters()).fill_(float('nan'))
    with pytest.raises(TrainingDiverged, match=r'non-finite loss .* iteration 1, epoch 2'):
        train('graphrnn', tmp_path / 'nan', epochs=3, on_batch=poison, **KW)
    ck = torch.load(tmp_path / 'nan' / 'checkpoint.pt', weights_only=False)
    assert ck['epoch'] == 1 and all(torch.isfinite(v).all() for v in ck['model'].values())
    assert json.loads((tmp_path / 'nan' / 'config.json').read_text())['status'] == 'diverged'


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    real = os.replace
    calls = {'n': 0}
    def flaky(src, dst):
        if str(dst).endswith('checkpoint.pt'):
            calls['n'] += 1
            if calls['n'] == 2: raise OSError('disk full (simulated)')
        return real(src, dst)
    monkeypatch.setattr(core.os, 'replace', flaky)
    with pytest.raises(OSError, match='simulated'):
        train('svae', tmp_path / 'r', epochs=3, **KW)
    monkeypatch.setattr(core.os, 'replace', real)
    ck = torch.load(tmp_path / 'r' / 'checkpoint.pt', weights_only=False)
    assert ck['epoch'] == 1
    assert not [f for f in (tmp_path / 'r').iterdir() if f.name.endswith('.tmp')]


def test_emb_iterations_carry_only_the_embedding(tmp_path):
    seen = {}
    def hook(b, m):
        if id(m) not in seen: seen[id(m)] = m.op_embedding.weight.detach().clone()
    s = train('dvae-emb', tmp_path / 'emb', epochs=2, iterations=2, subset=64, device='cpu', quiet=True,
              model_kwargs=dict(hs=8, nz=4), on_batch=hook, save_every=1)
    assert s['iterations'] == 2
    e1 = np.load(tmp_path / 'emb' / 'embedding_iter1.npy')
    first_of_it2 = list(seen.values())[1].numpy()  # after one Adam step of iteration 2 (|step| <~ lr = 1e-4)
    assert np.abs(first_of_it2 - e1).max() < 3e-4
    assert np.abs(list(seen.values())[0].numpy() - e1).max() > 1e-4  # iteration 1 started elsewhere
    names = sorted(f.name for f in (tmp_path / 'emb').glob('latent*'))
    assert names == ['latent_epoch1.npz', 'latent_epoch2.npz', 'latent_iter1_epoch1.npz', 'latent_iter1_epoch2.npz']
    assert [(r['iteration'], r['epoch']) for r in read_log(tmp_path / 'emb')] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    m, cfg, lat = load_run(tmp_path / 'emb')
    assert not m.training and lat['epoch'] == 2 and lat['path'].endswith('latent_epoch2.npz')
    assert np.allclose(m.op_embedding.weight.detach().numpy(), np.load(tmp_path / 'emb' / 'embedding_iter2.npy'))


def test_cli_writes_artifacts(tmp_path, capsys):
    from opemb_nb.main import main
    out = tmp_path / 'cli'
    main(['train', '--model', 'graphrnn', '--out', str(out), '--epochs', '2', '--subset', '64', '--hs', '12',
          '--nz', '4', '--device', 'cpu', '--quiet', '--save-every', '1'])
    assert {'config.json', 'log.csv', 'checkpoint.pt', 'model.pt', 'latent_epoch1.npz', 'latent_epoch2.npz'} <= {f.name for f in out.iterdir()}
    cfg = json.loads((out / 'config.json').read_text())
    assert cfg['status'] == 'complete' and cfg['model'] == 'graphrnn' and cfg['model_config']['hs'] == 12
    assert {'model', 'epochs', 'scale', 'device', 'date', 'commit'} <= set(cfg['provenance'])
    assert cfg['provenance']['scale'] == 'quick'
    assert (out / 'log.csv').read_text().splitlines()[0] == 'iteration,epoch,loss,recon,kl,lr,seconds,cpu_seconds'
    main(['train', '--model', 'graphrnn', '--out', str(out), '--epochs', '2', '--subset', '64', '--hs', '12',
          '--nz', '4', '--device', 'cpu', '--quiet', '--save-every', '1'])
    assert 'skipped' in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        train_cli(['--model', 'nope', '--out', str(out)])
    assert e.value.code == 2 and 'invalid choice' in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:  # same dir, other settings
        train_cli(['--model', 'graphrnn', '--out', str(out), '--epochs', '3', '--subset', '64', '--quiet'])
    assert e.value.code == 1 and 'other settings' in capsys.readouterr().err


def test_reading_a_run_directory(tmp_path):
    "latent_files / latest_latent / load_latent / run_meta on hand-made files (no training)."
    def dump(name, n=6, **over):
        a = dict(Z_train=np.zeros((n, 2)), Z_test=np.zeros((2, 2)), y_train=np.zeros(n), y_test=np.zeros(2),
                 idx_train=np.arange(n), idx_test=np.arange(2)); a.update(over)
        core.atomic_savez(tmp_path / name, **a)
    with pytest.raises(FileNotFoundError, match='no latent_epoch'): latest_latent(tmp_path)
    for name in ('latent_epoch10.npz', 'latent_epoch2.npz', 'latent_iter1_epoch30.npz', 'xlatent_epoch40.npz'): dump(name)
    assert list(latent_files(tmp_path)) == [2, 10]
    assert latest_latent(tmp_path) == (tmp_path / 'latent_epoch10.npz', 10)
    assert load_latent(tmp_path / 'latent_epoch2.npz')['Z_train'].shape == (6, 2)
    dump('bad.npz', y_train=np.zeros(5))
    with pytest.raises(ValueError, match='bad.npz.*do not match'): load_latent(tmp_path / 'bad.npz')
    with pytest.raises(FileNotFoundError, match='run directory not found'): latent_files(tmp_path / 'nope')
    assert run_meta(tmp_path) == dict(model=None, epochs=None, iterations=None, scale=None, subset=None, seed=None, status=None)
    (tmp_path / 'config.json').write_text(json.dumps(dict(model='dvae', settings=dict(epochs=3, iterations=1, subset=64, seed=1),
                                                          provenance=dict(scale='quick', epochs=3), status='complete')))
    assert run_meta(tmp_path) == dict(model='dvae', epochs=3, iterations=1, scale='quick', subset=64, seed=1, status='complete')
    (tmp_path / 'config.json').write_text('{')
    with pytest.raises(ValueError, match='config.json: not valid JSON'): run_meta(tmp_path)
