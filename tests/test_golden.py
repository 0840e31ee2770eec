"""Golden numbers: tiny training runs reproduce what the library recorded in `golden_train.json`.

Each run trains for two epochs on CPU, one thread, seed 1, with the paper's recipe or the `cpu-types` one, and is
compared with the record: the per-epoch losses of `log.csv`, sums of the final weights, of the operation embedding
tables and of the latent means, the files of the run directory, the entries of the checkpoint and the fields of
`config.json` (only the date, commit, torch version, machine, paths and timings masked). Text, integers and the
data order must be equal; floating-point numbers, `config.json`'s included, agree to a relative 1e-5, because CPUs
of different makers round float32 differently (the same library gives weight sums 7e-9 apart, relatively, on an
Intel Xeon and an AMD EPYC), while a change to the maths moves them by far more (`test_golden_detects_a_change`).
One run is also killed in its last epoch and resumed: it must end bit for bit where the uninterrupted run ends on the
same machine, and match the record.

`python tests/test_golden.py --record` writes the record with the library on the path (done once, before a refactor).
"""
import hashlib, json, math, re, sys, tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

GOLDEN = Path(__file__).with_name('golden_train.json')
COMMON = dict(epochs=2, seed=1, device='cpu', model_kwargs=dict(hs=16, nz=4), quiet=True, save_every=1)
RUNS = {  # name -> keywords of `train` beyond COMMON (2 batches per epoch each)
    'dvae': dict(model='dvae', subset=64),
    'dvae-emb': dict(model='dvae-emb', subset=64, iterations=2, batch_size=48, monitor=4),
    'dvae-emb-cpu-types': dict(model='dvae-emb', subset=200, iterations=2, recipe='cpu-types', monitor=4),
    'gcn': dict(model='gcn', subset=64, lr=3e-4, beta=0.01),
    'gcn-cpu-types': dict(model='gcn', subset=200, recipe='cpu-types'),
    'gcn-emb-init': dict(model='gcn-emb', subset=64, init_embedding='src/embedding_iter1.npy'),
}
RESUMED = {'dvae-emb-cpu-types': 7}  # run -> the optimiser step (counted over the run) it is killed at


def _sha(b:bytes)->str: return hashlib.sha256(b).hexdigest()


def _sums(a)->list[float]:
    "Sum and sum of absolute values (float64) of an array: a fingerprint that survives float32 rounding."
    a = np.asarray(a, dtype=np.float64)
    return [float(a.sum()), float(np.abs(a).sum())]


def _weights(sd:dict)->dict:
    "Per floating-point tensor of a state dict, in order: its name and `_sums`; and the number of entries."
    return dict(n=len(sd), tensors=[[k, *_sums(v.detach().cpu().double().numpy())]
                                    for k, v in sd.items() if v.is_floating_point()])


def _array(a:np.ndarray):
    "An integer array's sha256 (it must be equal), a floating-point one's `_sums`."
    return _sums(a) if np.issubdtype(a.dtype, np.floating) else _sha(a.tobytes())


def agree(got, want, where:str='record')->list[str]:
    "Where `got` differs from `want`: floats beyond a relative or absolute 1e-5, anything else when not equal."
    if isinstance(want, dict) and isinstance(got, dict):
        if sorted(got) != sorted(want): return [f"{where}: keys {sorted(got)} != {sorted(want)}"]
        return [d for k in want for d in agree(got[k], want[k], f"{where}.{k}")]
    if isinstance(want, list) and isinstance(got, list):
        if len(got) != len(want): return [f"{where}: {len(got)} items != {len(want)}"]
        return [d for i, (g, w) in enumerate(zip(got, want)) for d in agree(g, w, f"{where}[{i}]")]
    if isinstance(want, float) and isinstance(got, (float, int)) and not isinstance(got, bool):
        return [] if math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-5) else [f"{where}: {got!r} != {want!r}"]
    return [] if got == want else [f"{where}: {got!r} != {want!r}"]


def _masked(text:str, run:Path)->str:
    "config.json's text with what differs between machines and moments masked."
    text = text.replace(str(run), '<run>')
    text = re.sub(r',\n *"cpu_seconds": [^,\n]+', '', text)  # a timing, recorded after the golden files
    for k in ('date', 'commit', 'torch', 'seconds'):
        text = re.sub(rf'"{k}": [^,\n]+', f'"{k}": "<{k}>"', text)
    return re.sub(r'"device": "cpu \([^"]*\)"', '"device": "<cpu>"', text)


def _source_embedding(root:Path)->Path:
    "The embedding table `gcn-emb-init` starts from (a fixed 8 x 3 table)."
    p = root / 'src' / 'embedding_iter1.npy'; p.parent.mkdir(parents=True, exist_ok=True)
    np.save(p, (np.arange(24, dtype=np.float32).reshape(8, 3) - 12) / 10)
    return p


def _kwargs(name:str, root:Path)->dict:
    kw = dict(COMMON, **RUNS[name])
    if 'init_embedding' in kw: kw['init_embedding'] = str(root / kw['init_embedding'])
    return kw


def record_of(run:Path, summary:dict)->dict:
    "What a finished run directory must reproduce exactly."
    from opemb_nb.runs import read_log
    log = [{k: v for k, v in r.items() if 'seconds' not in k} for r in read_log(run)]
    ck = torch.load(run / 'checkpoint.pt', map_location='cpu', weights_only=False)
    lat = {}
    for f in sorted(run.glob('latent_*.npz')):
        with np.load(f) as z: lat[f.name] = {k: _array(z[k]) for k in sorted(z.files)}
    s = {k: v for k, v in summary.items() if k not in ('seconds', 'cpu_seconds', 'out_dir', 'latent')}
    s['final'] = {k: v for k, v in (s['final'] or {}).items() if 'seconds' not in k}
    return dict(log=log, weights=_weights(torch.load(run / 'model.pt')['state_dict']),
                checkpoint=dict(keys=sorted(ck), weights=_weights(ck['model']), epoch=ck['epoch'],
                                iteration=ck['iteration'], order=ck['order'].tolist()),
                embeddings={f.name: _array(np.load(f)) for f in sorted(run.glob('embedding_iter*.npy'))},
                latents=lat, files=sorted(f.name for f in run.iterdir()),
                config=json.loads(_masked((run / 'config.json').read_text(), run)), summary=s)


def train_run(name:str, root:Path, on_batch=None, resume:bool=False)->dict:
    "Train run `name` in `root / name` (single-threaded) and return its summary."
    from opemb_nb.train import train
    n = torch.get_num_threads(); torch.set_num_threads(1)
    try:
        _source_embedding(root)
        kw = _kwargs(name, root)
        return train(kw.pop('model'), root / name, on_batch=on_batch, resume=resume, **kw)
    finally: torch.set_num_threads(n)


def _golden()->dict:
    if not GOLDEN.exists(): pytest.skip(f"{GOLDEN.name} not recorded")
    g = json.loads(GOLDEN.read_text())
    if g['torch'] != torch.__version__:
        pytest.skip(f"recorded with torch {g['torch']}, this is {torch.__version__}: equality not expected")
    return g


@pytest.mark.parametrize('name', list(RUNS))
def test_golden_run(tmp_path, name):
    g = _golden()['runs'][name]
    s = train_run(name, tmp_path)
    assert not agree(record_of(tmp_path / name, s), g), agree(record_of(tmp_path / name, s), g)
    assert train_run(name, tmp_path)['skipped']  # a finished run with the same settings is not retrained


def test_golden_detects_a_change(tmp_path):
    "A learning rate 1 % higher is a change to the maths the comparison must see."
    g = _golden()['runs']['dvae']
    RUNS['dvae-lr'] = dict(RUNS['dvae'], lr=1.01e-4)
    try: s = train_run('dvae-lr', tmp_path)
    finally: del RUNS['dvae-lr']
    got = record_of(tmp_path / 'dvae-lr', s)
    assert agree(got, g)
    assert any('.weights.' in d for d in agree(got, g))


class Kill(Exception): pass


@pytest.mark.parametrize('name', list(RESUMED))
def test_golden_resumed_run(tmp_path, name):
    "Killed in the middle of its last epoch, then resumed: the same record as the uninterrupted run."
    g = _golden()['runs'][name]
    n = [0]
    def kill(b, m):
        n[0] += 1
        if n[0] == RESUMED[name]: raise Kill()
    with pytest.raises(Kill): train_run(name, tmp_path / 'killed', on_batch=kill)
    got = record_of(tmp_path / 'killed' / name, train_run(name, tmp_path / 'killed', resume=True))
    whole = record_of(tmp_path / 'whole' / name, train_run(name, tmp_path / 'whole'))
    assert got == whole  # on one machine, exactly
    assert not agree(got, g), agree(got, g)


def record():
    "Train every run with the library on the path and write `golden_train.json`."
    runs = {}
    with tempfile.TemporaryDirectory() as d:
        for name in RUNS:
            runs[name] = record_of(Path(d) / name, train_run(name, Path(d)))
            print(name, runs[name]['log'][-1], file=sys.stderr)
    g = dict(torch=torch.__version__, numpy=np.__version__, common=COMMON, runs=runs)
    GOLDEN.write_text(json.dumps(g, indent=1) + '\n')


if __name__ == '__main__' and sys.argv[1:] == ['--record']: record()
