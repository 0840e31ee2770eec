"""The replication pipeline end to end at the 'tiny' scale: artifacts, summary, skipping what is current."""
import json, os
import pytest
from opemb_nb import replicate as R


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp('rep')
    s = R.replicate('tiny', out, models=['dvae-emb'], device='cpu')
    return out, s


def test_artifacts_and_summary(tiny):
    out, s = tiny
    run = out / 'dvae-emb'
    for f in ('config.json', 'log.csv', 'model.pt', 'metrics.json', 'sgp.json', 'tsne.json', 'bo.json', 'bo_pool.json',
              'embedding_iter1.npy', 'embedding_iter2.npy'):
        assert (run / f).exists(), f
    e = json.loads((out / 'summary.json').read_text())['models']['dvae-emb']
    for k in ('recon_acc', 'validity', 'uniqueness', 'novelty'):
        assert 0.0 <= e[k] <= 1.0
    for k in ('rmse_mean', 'rmse_std', 'pearson_mean', 'pearson_std'):
        assert e[k] is not None
    assert e['epochs'] == 2 and e['iterations'] == 2 and e['scale'] == 'tiny' and e['commit']
    assert e['wall_seconds'] > 0 and e['device'].startswith('cpu')
    assert 0 < e['train_cpu_seconds'] <= (os.cpu_count() or 1) * e['train_seconds'] + 0.1  # at most every core
    led = json.loads((out / 'ledger.json').read_text())['dvae-emb/train']
    assert led['cpu_seconds'] == pytest.approx(e['train_cpu_seconds'], abs=0.01)


def test_rerun_skips_current_steps(tiny):
    out, _ = tiny
    before = json.loads((out / 'ledger.json').read_text())
    mtimes = {p.name: p.stat().st_mtime_ns for p in (out / 'dvae-emb').glob('*.json') if p.name != 'config.json'}
    R.replicate('tiny', out, models=['dvae-emb'], device='cpu')
    assert json.loads((out / 'ledger.json').read_text()) == before
    assert mtimes == {p.name: p.stat().st_mtime_ns for p in (out / 'dvae-emb').glob('*.json') if p.name != 'config.json'}


def test_changed_setting_reruns_only_that_step(tiny, monkeypatch):
    out, _ = tiny
    before = json.loads((out / 'ledger.json').read_text())
    tiny_cfg = {**R.SCALES['tiny'], 'predict': dict(R.SCALES['tiny']['predict'], seeds=1)}
    monkeypatch.setitem(R.SCALES, 'tiny', tiny_cfg)
    R.replicate('tiny', out, models=['dvae-emb'], device='cpu', steps=['predict', 'evaluate'])
    after = json.loads((out / 'ledger.json').read_text())
    assert after['dvae-emb/predict']['stamp'] != before['dvae-emb/predict']['stamp']
    assert after['dvae-emb/evaluate'] == before['dvae-emb/evaluate']
    assert len(json.loads((out / 'dvae-emb' / 'sgp.json').read_text())['rmse']) == 1


def test_bad_arguments():
    with pytest.raises(ValueError, match='scale must be'):
        R.replicate('huge')
    with pytest.raises(ValueError, match='unknown model'):
        R.replicate('tiny', models=['transformer'])


class Kill(Exception): "An interruption planted in a training step."


def test_interrupted_seed_sweep_resumes(tmp_path, monkeypatch):
    "A sweep over training seeds killed inside a run resumes: finished runs are kept, the weights are an uninterrupted sweep's."
    import torch
    from opemb_nb import train as T
    rec = dict(T.RECIPES['cpu-types'], batch_size=16, warmup=2, type_head_steps=5)
    cfg = {**R.SCALES['tiny'], 'seeds': 2,
           'train': dict(R.SCALES['tiny']['train'], epochs=3, recipe=rec, monitor=4, iterations={})}
    monkeypatch.setitem(R.SCALES, 'tiny', cfg)
    kw = dict(models=['dvae', 'svae'], device='cpu', steps=['train', 'evaluate'])
    full = R.replicate('tiny', tmp_path / 'full', **kw)
    assert sorted(full['models']) == ['dvae', 'dvae-s2', 'svae', 'svae-s2']
    step, calls = T._step, [0]
    def dying(*a, **k):  # 4 steps an epoch, 3 epochs a run: the 30th step is in epoch 2 of dvae-s2
        calls[0] += 1
        if calls[0] == 30: raise Kill()
        return step(*a, **k)
    monkeypatch.setattr(T, '_step', dying)
    with pytest.raises(Kill): R.replicate('tiny', tmp_path / 'cut', **kw)
    monkeypatch.setattr(T, '_step', step)
    cut = tmp_path / 'cut'
    assert json.loads((cut / 'dvae-s2' / 'config.json').read_text())['status'] == 'running'
    kept = {r: (cut / r / 'model.pt').stat().st_mtime_ns for r in ('dvae', 'svae')}
    R.replicate('tiny', cut, **kw)
    assert kept == {r: (cut / r / 'model.pt').stat().st_mtime_ns for r in ('dvae', 'svae')}
    for r in full['models']:
        a = torch.load(tmp_path / 'full' / r / 'model.pt')['state_dict']
        b = torch.load(cut / r / 'model.pt')['state_dict']
        assert all(torch.equal(a[k], b[k]) for k in a), r
    s = json.loads((cut / 'summary.json').read_text())
    assert s['claims'] == []  # no EMB model in this sweep: nothing to compare
    assert s['models']['dvae-s2']['seed'] == 2 and s['models']['dvae-s2']['final_acc'] is not None


def test_retrained_run_forgets_its_old_results(tmp_path, monkeypatch):
    "A run trained again with other settings loses what was made from its old weights: files and ledger entries."
    kw = dict(models=['svae'], device='cpu', steps=['train', 'evaluate'])
    R.replicate('tiny', tmp_path, **kw)
    assert (tmp_path / 'svae' / 'metrics.json').exists()
    cfg = {**R.SCALES['tiny'], 'train': dict(R.SCALES['tiny']['train'], epochs=1)}
    monkeypatch.setitem(R.SCALES, 'tiny', cfg)
    R.replicate('tiny', tmp_path, models=['svae'], device='cpu', steps=['train'])
    assert not (tmp_path / 'svae' / 'metrics.json').exists()
    ledger = json.loads((tmp_path / 'ledger.json').read_text())
    assert 'svae/train' in ledger and 'svae/evaluate' not in ledger
