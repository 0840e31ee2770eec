"""The `opemb` commands, all built by `cli_command` from a function's signature and docments: every option and default,
`--help` of every command, one error line and the same exit statuses for every command, and a light `opemb_nb.cli`."""
import importlib, json, subprocess, sys

import pytest

from opemb_nb.cli import cli_command, exit_status, pos_int, workers_arg
from opemb_nb.main import COMMANDS, main
from opemb_nb.train import RunFileError, TrainingDiverged, TrainingError

MINIMAL = {'graph-stats': [], 'train': ['--model', 'svae', '--out', 'x'], 'evaluate': ['d'], 'predict': ['d'], 'tsne': ['d'],
           'bo': ['d'], 'replicate': []}
DEFAULTS = {  # every option of every command and its default (the hand-written parsers' before the one builder)
    'graph-stats': dict(split='train', data=None, space='enas6', json=False),
    'train': dict(model='svae', out='x', epochs=300, iterations=None, subset=None, device=None, seed=1, resume=False,
                  overwrite=False, hs=None, nz=None, save_every=100, checkpoint_every=1, recipe=None, lr=None, batch_size=None,
                  beta=0.005, init_embedding=None, compile=None, monitor=0, quiet=False, space='enas6',
                  decoder='auto'),
    'evaluate': dict(run_dir='d', json=False, device=None, seed=0, decodes=100, n_prior=1000, prior_decodes=10, batch_size=None,
                     n_test=None, scale=None),
    'predict': dict(run_dir='d', seeds=1, exact_seeds=1, inducing=500, epochs=80, subset=4000, device=None, workers=1,
                    json=False),
    'tsne': dict(run_dir='d', epochs=None, max_points=None, seed=0, k=10, out=None, scale=None, json=False),
    'bo': dict(run_dir='d', evaluator='table', pool=False, n_init=50, target='standard', rounds=10, batch=50, seeds=10, attempts=500, first_valid=False,
               grid=10000, maxiter=150, gp_epochs=80, inducing=500, device=None, random_baseline=False, workers=1, json=False),
    'replicate': dict(scale='quick', out=None, models=('dvae', 'dvae-emb', 'gcn', 'gcn-emb', 'svae', 'graphrnn'), device=None,
                      steps=None, seeds=None, progress=False, space='enas6'),
}


def cli(name):
    mod, fn, _ = COMMANDS[name]
    return getattr(importlib.import_module(mod), fn)


@pytest.mark.parametrize('name', list(COMMANDS))
def test_options_and_defaults(name):
    assert vars(cli(name).parser().parse_args(MINIMAL[name])) == DEFAULTS[name]


@pytest.mark.parametrize('name', list(COMMANDS))
def test_help(name, capsys):
    with pytest.raises(SystemExit) as e: main([name, '--help'])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f'usage: opemb {name} ')
    for k in DEFAULTS[name]:
        if k not in ('run_dir',): assert f"--{k.replace('_', '-')}" in out, k
    assert cli(name).func.__doc__.split()[0] in out  # the description is the command function's docstring


def test_option_values():
    p = cli('train').parser()
    a = vars(p.parse_args(['--model', 'dvae-emb', '--out', 'o', '--lr', '3e-4', '--batch-size', '8', '--beta', '0.01',
                           '--recipe', 'cpu', '--init-embedding', 'e.npy', '--resume', '--hs', '16', '--device', 'cpu']))
    assert (a['lr'], a['batch_size'], a['beta'], a['recipe'], a['init_embedding'], a['resume'], a['hs']) == \
           (3e-4, 8, 0.01, 'cpu', 'e.npy', True, 16)
    assert vars(cli('tsne').parser().parse_args(['d', '--epochs', '1', '5']))['epochs'] == [1, 5]
    assert vars(cli('tsne').parser().parse_args(['d', '--epochs']))['epochs'] == []
    assert vars(cli('bo').parser().parse_args(['d', '--workers', 'auto', '--first-valid']))['workers'] == 'auto'
    r = vars(cli('replicate').parser().parse_args(['--models', 'dvae', 'svae', '--steps', 'train', 'evaluate']))
    assert (r['models'], r['steps']) == (['dvae', 'svae'], ['train', 'evaluate'])


@pytest.mark.parametrize('name,argv', [('train', ['--model', 'svae', '--out', 'x', '--epochs', '0']),
                                       ('train', ['--model', 'nope', '--out', 'x']), ('train', ['--out', 'x']),
                                       ('bo', ['d', '--rounds', '0']), ('bo', ['d', '--workers', 'many']),
                                       ('bo', ['d', '--evaluator', 'oracle']), ('predict', ['d', '--seeds', 'x']),
                                       ('tsne', ['d', '--k', 'many']), ('evaluate', []), ('replicate', ['--scale', 'huge']),
                                       ('graph-stats', ['--split', 'valid']), ('graph-stats', ['--space', 'nope']),
                                       ('train', ['--model', 'svae', '--out', 'x', '--space', 'nope']),
                                       ('replicate', ['--space', 'nope'])])
def test_usage_errors_exit_2(name, argv, capsys):
    with pytest.raises(SystemExit) as e: cli(name)(argv)
    assert e.value.code == 2
    assert f'opemb {name}: error: ' in capsys.readouterr().err


def test_exit_statuses():
    assert exit_status(ValueError('x')) == exit_status(FileNotFoundError('x')) == exit_status(RunFileError('x')) == 2
    assert exit_status(TrainingError('x')) == exit_status(TrainingDiverged('x')) == 1
    assert exit_status(RuntimeError('x')) is None and exit_status(KeyError('x')) is None


def test_one_error_line_and_status(capsys):
    def toy(what:str # the error to raise
           ):
        "A toy command."
        raise {'value': ValueError, 'run': TrainingError, 'bug': RuntimeError}[what]('x.npz: what is wrong; what to do')
    for what, code in (('value', 2), ('run', 1)):
        with pytest.raises(SystemExit) as e: cli_command(toy, 'opemb toy')([what])
        assert e.value.code == code
        assert capsys.readouterr().err.splitlines() == ['opemb toy: error: x.npz: what is wrong; what to do']
    with pytest.raises(RuntimeError): cli_command(toy, 'opemb toy')(['bug'])  # a bug keeps its traceback


def test_missing_input_of_every_command(tmp_path, capsys):
    "A missing run directory (or data file): one line, status 2, for every command that reads one."
    for name, argv in (('graph-stats', ['--data', str(tmp_path / 'enas.txt')]), ('evaluate', [str(tmp_path / 'nope')]),
                       ('predict', [str(tmp_path / 'nope')]), ('tsne', [str(tmp_path / 'nope')]), ('bo', [str(tmp_path / 'nope')])):
        with pytest.raises(SystemExit) as e: cli(name)(argv)
        err = capsys.readouterr().err.strip().splitlines()
        assert e.value.code == 2 and len(err) == 1 and err[0].startswith(f'opemb {name}: error: '), (name, err)


def test_interrupted_is_130(monkeypatch, capsys):
    import opemb_nb.graphs as G
    def stop(argv): raise KeyboardInterrupt
    monkeypatch.setattr(G, 'graph_stats_cli', stop)
    with pytest.raises(SystemExit) as e: main(['graph-stats'])
    assert e.value.code == 130 and 'interrupted' in capsys.readouterr().err


def test_converters():
    assert pos_int('7') == 7 and workers_arg('auto') == 'auto' and workers_arg('2') == 2
    for bad in ('0', '-1', 'x', '1.5'):
        with pytest.raises(Exception, match='positive integer'): pos_int(bad)
        with pytest.raises(Exception, match="integer >= 1 or 'auto'"): workers_arg(bad)


def test_cli_module_is_light():
    "The command utilities and the dispatcher's usage do not import torch."
    code = ("import sys, contextlib, io, opemb_nb.cli, opemb_nb.main as m\n"
            "with contextlib.redirect_stdout(io.StringIO()): m.main(['--help'])\n"
            "print('torch' in sys.modules)")
    assert subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.strip() == 'False'
