"""`--space` on the commands, with the toy space Chain4 (4 architectures: 3 training, 1 test): a run trained in a space
is evaluated, predicted and searched in that space, and `replicate` runs a scale in it, apart from ENAS-6's results."""
import contextlib, io, json, math, warnings

import pytest

from test_space import Chain4, chain4  # noqa: F401  (the toy space, and its fixture registering it as 'chain4')
from opemb_nb import replicate as R
from opemb_nb.bo import bo_cli, bo_run
from opemb_nb.gp import predict_cli
from opemb_nb.graphs import graph_stats_cli
from opemb_nb.metrics import evaluate_cli, evaluate_run
from opemb_nb.train import run_space, train_cli

ARCHS = {'aa', 'ab', 'ba', 'bb'}  # Chain4's whole table; its test split is 'bb'


def run_json(cli, argv):
    "A command's `--json` output, parsed."
    with contextlib.redirect_stdout(io.StringIO()) as out: cli(argv + ['--json'])
    return json.loads(out.getvalue().strip().splitlines()[-1])


def usage_error(cli, argv, capsys):
    "The one error line of a command that exits with status 2."
    with pytest.raises(SystemExit) as e: cli(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert e.value.code == 2 and len(err) == 1, err
    return err[0]


@pytest.fixture
def chain4_run(chain4, tmp_path):
    "A D-VAE trained on Chain4 by `opemb train --space chain4` (two epochs, tiny sizes)."
    run = tmp_path / 'dvae'
    with contextlib.redirect_stdout(io.StringIO()):
        train_cli(['--model', 'dvae', '--out', str(run), '--space', 'chain4', '--epochs', '2', '--hs', '8', '--nz', '2',
                   '--recipe', 'cpu-types', '--device', 'cpu', '--quiet'])
    return run


def test_train_evaluate_predict_in_the_run_space(chain4_run, capsys):
    cfg = json.loads((chain4_run / 'config.json').read_text())
    assert cfg['settings']['space'] == 'chain4' and (cfg['n_train'], cfg['n_test']) == (3, 1)
    assert run_space(chain4_run).name == 'chain4'
    m = run_json(evaluate_cli, [str(chain4_run), '--device', 'cpu', '--decodes', '2', '--n-prior', '10',
                                '--prior-decodes', '2'])
    assert m['space'] == 'chain4' and (m['n_train'], m['n_test'], m['recon_total']) == (3, 1, 2)  # Chain4's splits
    assert json.loads((chain4_run / 'metrics.json').read_text())['space'] == 'chain4'
    with pytest.raises(ValueError, match="trained in search space 'chain4', not 'enas6'"):
        evaluate_run(chain4_run, device='cpu', space='enas6')
    run_json(predict_cli, [str(chain4_run), '--seeds', '1', '--inducing', '3', '--epochs', '2'])
    g = json.loads((chain4_run / 'sgp.json').read_text())
    assert (g['n_train'], g['n_test']) == (3, 1)  # the GP on Chain4's latent means and accuracies
    assert g['y_mean'] == pytest.approx(-(0.68 + 0.61 + 0.72) / 3)  # its training split: 'ba', 'aa', 'ab'


def test_bo_in_the_run_space(chain4_run, capsys):
    argv = [str(chain4_run), '--rounds', '1', '--batch', '2', '--seeds', '1', '--attempts', '5', '--grid', '50',
            '--maxiter', '0', '--gp-epochs', '2', '--inducing', '3', '--device', 'cpu']
    run_json(bo_cli, argv)
    r = json.loads((chain4_run / 'bo.json').read_text())
    archs = r['runs'][0]['rounds'][0]['archs']
    assert r['space'] == 'chain4' and len(archs) == 2 and set(archs) <= ARCHS | {None}
    assert 'surrogate evaluator scores ENAS-6 architectures only' in usage_error(
        bo_cli, argv + ['--evaluator', 'surrogate'], capsys)
    p = bo_run(chain4_run, pool=True, rounds=1, batch=1, seeds=1, n_init=2, figures=False)
    assert p['space'] == 'chain4' and p['pool_size'] == 4 and p['table_max'] == 0.75


def test_graph_stats_of_a_space(chain4, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # no warning either
        o = run_json(graph_stats_cli, ['--space', 'chain4', '--split', 'all'])
    assert (o['space'], o['split'], o['n']) == ('chain4', 'all', 4)
    assert math.isnan(o['apl_r']) and math.isnan(o['cc_r'])  # Chain4's graphs are all alike: r undefined
    graph_stats_cli(['--space', 'chain4'])
    out = capsys.readouterr().out
    assert out.startswith('search space chain4, split train: n = 3\n') and '(paper' not in out
    assert 'Pearson r = undefined (a constant measure)' in out
    assert usage_error(graph_stats_cli, ['--space', 'nope'], capsys).startswith(
        "opemb graph-stats: error: unknown search space 'nope'")


def test_replicate_in_another_space(chain4, tmp_path, monkeypatch, capsys):
    "The tiny scale end to end in Chain4: its own folder, ledger and summary; what it cannot run, skipped with a reason."
    monkeypatch.chdir(tmp_path)
    argv = ['--scale', 'tiny', '--models', 'dvae', '--device', 'cpu', '--space', 'chain4']
    R.replicate_cli(argv)
    out = tmp_path / 'results' / 'tiny' / 'chain4'
    assert [p.name for p in (tmp_path / 'results' / 'tiny').iterdir()] == ['chain4']  # apart from ENAS-6's runs
    assert sorted(p.name for p in out.iterdir()) == ['dvae', 'ledger.json', 'summary.json']
    for f in ('config.json', 'model.pt', 'metrics.json', 'sgp.json', 'bo.json'):
        assert (out / 'dvae' / f).exists(), f
    s = json.loads((out / 'summary.json').read_text())
    assert (s['scale'], s['space'], s['settings']['train']['subset']) == ('tiny', 'chain4', None)  # all 3 graphs
    e = s['models']['dvae']
    assert (e['n_train'], e['n_test'], e['epochs'], e['steps']) == (3, 1, 2, 2)  # steps from Chain4's split
    assert e['recon_acc'] is not None and e['rmse_mean'] is not None
    assert set(e['skipped']) == {'tsne', 'bo_pool'}  # 1 test graph; a table of 4 for 20 queries
    assert 'the table has 4' in e['skipped']['bo_pool']
    ledger = json.loads((out / 'ledger.json').read_text())
    assert ledger['dvae/tsne']['skipped'] == e['skipped']['tsne']
    assert json.loads((out / 'dvae' / 'metrics.json').read_text())['space'] == 'chain4'
    bo = json.loads((out / 'dvae' / 'bo.json').read_text())  # decoded by Chain4's rule, scored by its table
    assert bo['space'] == 'chain4' and set(bo['runs'][0]['rounds'][0]['archs']) <= ARCHS | {None}
    R.replicate_cli(argv)  # again: every step current or skipped, nothing redone
    assert json.loads((out / 'ledger.json').read_text()) == ledger
    capsys.readouterr()
    with pytest.raises(ValueError, match="holds the results of search space 'chain4', not 'enas6'"):
        R.replicate('tiny', out, models=['dvae'], device='cpu')  # ENAS-6 runs are not mixed in
    assert usage_error(R.replicate_cli, ['--space', 'nope'], capsys).startswith(
        "opemb replicate: error: unknown search space 'nope'")
