"""Planted faults in a run directory (truncated or garbage model.pt / checkpoint.pt / latent npz, malformed config.json).

Every command ends with ONE line on stderr, `opemb COMMAND: error: PATH: what is wrong; what to do`, and exit
status 2 (argparse's status for bad input), never a traceback; nothing of the run is deleted or overwritten. A resume
whose checkpoint is unreadable continues from the last finished DVAE-EMB iteration when there is one (the bad file
set aside, one warning line) and ends with exactly the weights of an uninterrupted run.
"""
import json, shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from opemb_nb.runs import RunFileError, RunFileWarning, TrainingError, load_latent, load_run, read_log
from opemb_nb.train import train, train_cli
from opemb_nb.metrics import evaluate_cli
from opemb_nb.gp import predict_cli
from opemb_nb.latent import tsne_cli
from opemb_nb.bo import bo_cli

TINY = dict(epochs=1, subset=32, device='cpu', model_kwargs=dict(hs=8, nz=4), quiet=True)
TINY_CLI = ['--epochs', '1', '--subset', '32', '--device', 'cpu', '--hs', '8', '--nz', '4', '--quiet']
BO_TINY = ['--seeds', '1', '--rounds', '1', '--batch', '1', '--attempts', '1', '--grid', '10', '--maxiter', '1']
COMMANDS = {  # name -> (CLI function, extra arguments): each reads the run directory before any long computation
    'evaluate': (evaluate_cli, ['--device', 'cpu']),
    'predict': (predict_cli, ['--seeds', '1']),
    'tsne': (tsne_cli, ['--max-points', '20']),
    'bo': (bo_cli, BO_TINY),
    'bo --pool': (bo_cli, ['--pool', '--seeds', '1', '--rounds', '1', '--batch', '1']),
}


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope='module')
def base(tmp_path_factory):
    "A finished tiny S-VAE run (a second or two), copied fresh for each test."
    d = tmp_path_factory.mktemp('base') / 'run'
    train('svae', d, **TINY)
    return d


@pytest.fixture
def run(base, tmp_path):
    d = tmp_path / 'run'; shutil.copytree(base, d)
    return d


def truncate(p:Path, keep:float=0.5):
    b = p.read_bytes(); p.write_bytes(b[:int(len(b) * keep)])


def damage(p:Path):
    "Flip 64 bytes in the middle of the file (its length stays)."
    b = bytearray(p.read_bytes()); i = len(b) // 2
    b[i:i + 64] = bytes(x ^ 0xFF for x in b[i:i + 64]); p.write_bytes(bytes(b))


def snapshot(d:Path)->dict:
    return {f.name: f.read_bytes() for f in sorted(d.iterdir())}


def cli_error(capsys, fn, argv, cmd:str, path:Path, *words)->str:
    "Run a CLI that must fail: exit status 2 and exactly one line `opemb CMD: error: PATH: what; what to do`."
    with pytest.raises(SystemExit) as e: fn(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert e.value.code == 2, err
    assert len(err) == 1, err
    line = err[0]
    assert line.startswith(f"opemb {cmd}: error: {path}: "), line
    assert '; ' in line[len(f"opemb {cmd}: error: {path}: "):], line  # what is wrong; what to do
    for w in words: assert w in line, (w, line)
    return line


def run_cli(name, d):
    fn, extra = COMMANDS[name]
    return fn, [str(d), *extra], name.split()[0]


# --- model.pt -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('fault', ['truncated', 'garbage', 'empty', 'no weights'])
@pytest.mark.parametrize('name', ['evaluate', 'bo'])
def test_unreadable_model_pt(run, capsys, name, fault):
    p = run / 'model.pt'
    if fault == 'truncated': truncate(p)
    elif fault == 'garbage': p.write_bytes(np.random.default_rng(0).bytes(2000))
    elif fault == 'empty': p.write_bytes(b'')
    else: torch.save({'name': 'svae'}, p)
    before = snapshot(run)
    what = 'no \'state_dict\' in it' if fault == 'no weights' else 'not a readable model file, truncated or corrupt'
    cli_error(capsys, *run_cli(name, run), p, what, '--overwrite')
    assert snapshot(run) == before  # nothing touched


def test_weights_that_do_not_fit_config(run, capsys):
    cfg = json.loads((run / 'config.json').read_text())
    cfg['settings']['model_kwargs']['hs'] = 16
    (run / 'config.json').write_text(json.dumps(cfg))
    cli_error(capsys, *run_cli('evaluate', run), run / 'model.pt', 'weights do not fit the model config.json describes')


def test_unreadable_checkpoint_of_an_unfinished_run(run, capsys):
    "Without model.pt, load_run reads the checkpoint; a truncated one is named."
    (run / 'model.pt').unlink(); truncate(run / 'checkpoint.pt')
    cli_error(capsys, *run_cli('evaluate', run), run / 'checkpoint.pt', 'not a readable checkpoint')
    with pytest.raises(RunFileError, match='checkpoint.pt: not a readable checkpoint'): load_run(run)


# --- config.json ----------------------------------------------------------------------------------------------------

BAD_CONFIGS = {'not JSON': (b'{"model": "svae",', 'not valid JSON'), 'not UTF-8': (b'\xff\xfe{', 'not valid JSON'),
               'not an object': (b'[1, 2]', 'not a JSON object')}

@pytest.mark.parametrize('fault', list(BAD_CONFIGS))
@pytest.mark.parametrize('name', list(COMMANDS))
def test_malformed_config(run, capsys, name, fault):
    content, what = BAD_CONFIGS[fault]
    (run / 'config.json').write_bytes(content)
    cli_error(capsys, *run_cli(name, run), run / 'config.json', what, 'restore it from a copy of the run')
    assert (run / 'config.json').read_bytes() == content


@pytest.mark.parametrize('name', ['evaluate', 'bo'])
def test_config_without_model(run, capsys, name):
    "The commands that rebuild the model need the model name and its settings."
    (run / 'config.json').write_text(json.dumps({'status': 'complete'}))
    cli_error(capsys, *run_cli(name, run), run / 'config.json', 'no model name or settings.model_kwargs')
    (run / 'config.json').write_text(json.dumps({'model': 'nope', 'settings': {'model_kwargs': {}}}))
    cli_error(capsys, *run_cli(name, run), run / 'config.json', 'describes no model', "unknown model 'nope'")


# --- latent dumps ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('fault', ['truncated', 'damaged', 'empty'])
@pytest.mark.parametrize('name', list(COMMANDS))
def test_unreadable_latent(run, capsys, name, fault):
    p = run / 'latent_epoch1.npz'
    {'truncated': truncate, 'damaged': damage, 'empty': lambda p: p.write_bytes(b'')}[fault](p)
    before = snapshot(run)
    cli_error(capsys, *run_cli(name, run), p, 'not a readable .npz file, truncated or corrupt')
    assert snapshot(run) == before
    with pytest.raises(RunFileError): load_latent(p)


def test_run_file_error_is_a_value_error_and_a_training_error(run):
    truncate(run / 'latent_epoch1.npz')
    with pytest.raises(ValueError): load_latent(run / 'latent_epoch1.npz')
    with pytest.raises(TrainingError): load_latent(run / 'latent_epoch1.npz')


def test_bad_arguments_still_exit_2(run, capsys):
    for fn, argv in ((evaluate_cli, []), (predict_cli, [str(run), '--seeds', 'x']), (bo_cli, [str(run), '--rounds', '0']),
                     (tsne_cli, [str(run), '--k', 'many']), (train_cli, ['--model', 'svae'])):
        with pytest.raises(SystemExit) as e: fn(argv)
        assert e.value.code == 2
    capsys.readouterr()


# --- training: resume, skip, init-embedding ---------------------------------------------------------------------------

class Kill(Exception): pass

def kill_at(batch):
    n = [0]
    def hook(b, m):
        n[0] += 1
        if n[0] == batch: raise Kill()
    return hook


def _weights(d): return torch.load(Path(d) / 'model.pt')['state_dict']
def _same(a, b): return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize('fault', ['truncated', 'garbage', 'not a checkpoint'])
def test_resume_with_unreadable_checkpoint_and_nothing_to_fall_back_to(tmp_path, capsys, fault):
    "One iteration: nothing finished to continue from, so an error that says how to start again; no file touched."
    d = tmp_path / 'run'
    with pytest.raises(Kill): train('svae', d, **dict(TINY, epochs=2), on_batch=kill_at(2))  # 1 batch per epoch: dies in epoch 2
    ck = d / 'checkpoint.pt'
    if fault == 'truncated': truncate(ck)
    elif fault == 'garbage': ck.write_bytes(b'not a checkpoint at all\n' * 20)
    else: torch.save({'epoch': 1}, ck)
    before = snapshot(d)
    argv = ['--model', 'svae', '--out', str(d), *TINY_CLI, '--epochs', '2', '--resume']
    what = 'not a checkpoint written by train' if fault == 'not a checkpoint' else 'not a readable checkpoint, truncated or corrupt'
    cli_error(capsys, train_cli, argv, 'train', ck, what, 'no finished iteration to continue from',
              'use overwrite=True (--overwrite) to start again', 'delete checkpoint.pt and resume')
    assert snapshot(d) == before
    s = train('svae', d, **dict(TINY, epochs=2), overwrite=True)  # the way out the message names
    assert s['status'] == 'complete'


def test_resume_with_unreadable_checkpoint_falls_back_to_the_finished_iteration(tmp_path, capsys):
    "DVAE-EMB killed in iteration 2 with a truncated checkpoint: continues from embedding_iter1.npy, bitwise."
    kw = dict(TINY, iterations=2)
    train('dvae-emb', tmp_path / 'full', **kw)
    d = tmp_path / 'cut'
    with pytest.raises(Kill): train('dvae-emb', d, on_batch=kill_at(2), **kw)  # 1 batch per epoch: dies in iteration 2
    ck = d / 'checkpoint.pt'; truncate(ck); bad = ck.read_bytes()
    train_cli(['--model', 'dvae-emb', '--out', str(d), '--iterations', '2', *TINY_CLI, '--resume'])
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err  # one warning line
    assert err[0].startswith(f"opemb train: warning: {ck}: not a readable checkpoint, truncated or corrupt ("), err
    assert err[0].endswith("; kept as checkpoint.pt.unreadable, training continues from the end of iteration 1"), err
    assert (d / 'checkpoint.pt.unreadable').read_bytes() == bad  # set aside, not lost
    assert _same(_weights(tmp_path / 'full'), _weights(d))
    assert [(r['iteration'], r['epoch'], r['loss']) for r in read_log(d)] == \
           [(r['iteration'], r['epoch'], r['loss']) for r in read_log(tmp_path / 'full')]


def test_resume_without_checkpoint_and_an_unreadable_embedding(tmp_path):
    "No checkpoint and a truncated embedding_iter1.npy: iteration 1 is redone (the table set aside), bitwise."
    kw = dict(TINY, iterations=2)
    train('dvae-emb', tmp_path / 'full', **kw)
    d = tmp_path / 'cut'
    with pytest.raises(Kill): train('dvae-emb', d, on_batch=kill_at(2), **kw)
    (d / 'checkpoint.pt').unlink(); truncate(d / 'embedding_iter1.npy', 0.3)
    with pytest.warns(RunFileWarning, match=r'embedding_iter1.npy: not a readable .npy embedding table .*'
                                            r'kept as embedding_iter1.npy.unreadable, training continues from epoch 1'):
        train('dvae-emb', d, resume=True, **kw)
    assert (d / 'embedding_iter1.npy.unreadable').exists()
    assert _same(_weights(tmp_path / 'full'), _weights(d))
    assert np.array_equal(np.load(d / 'embedding_iter1.npy'), np.load(tmp_path / 'full' / 'embedding_iter1.npy'))


@pytest.mark.parametrize('content,what', [(b'{"model": "svae", "settings": {', 'not valid JSON'),
                                          (b'{"model": "svae", "status": "running"}', "no 'settings' entry")])
def test_resume_with_malformed_config(run, capsys, content, what):
    (run / 'config.json').write_bytes(content)
    before = snapshot(run)
    cli_error(capsys, train_cli, ['--model', 'svae', '--out', str(run), *TINY_CLI, '--resume'], 'train', run / 'config.json',
              what, 'use overwrite=True (--overwrite) to start again')
    assert snapshot(run) == before


def test_finished_run_with_a_broken_log(run, capsys):
    (run / 'log.csv').write_text('not,a,log\nx,y,z\n')
    cli_error(capsys, train_cli, ['--model', 'svae', '--out', str(run), *TINY_CLI], 'train', run / 'log.csv',
              'not a log written by train', '--overwrite')


def test_unreadable_init_embedding(tmp_path, capsys):
    p = tmp_path / 'embedding_iter1.npy'; p.write_bytes(b'\x93NUMPY')
    cli_error(capsys, train_cli, ['--model', 'dvae-emb', '--out', str(tmp_path / 'r'), *TINY_CLI, '--iterations', '1',
                                  '--init-embedding', str(p)], 'train', p, 'not a readable .npy embedding table')
    assert not (tmp_path / 'r').exists()


def test_other_training_errors_keep_status_1(run, capsys):
    "A run that cannot continue as asked (here: other settings) is not a bad file: status 1, as before."
    with pytest.raises(SystemExit) as e: train_cli(['--model', 'svae', '--out', str(run), *TINY_CLI, '--epochs', '3'])
    assert e.value.code == 1 and 'other settings' in capsys.readouterr().err
