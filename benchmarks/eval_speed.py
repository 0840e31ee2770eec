"""Time the full test-set reconstruction of Table 1 (1,902 graphs x 100 stochastic decodes).

Usage: python benchmarks/eval_speed.py [--model dvae] [--hs 501] [--run DIR] [--device cpu|cuda] [--batch-size N]
                                       [--decodes 100] [--n-test N] [--method counts|plain|both] [--prior] [--threads N]
--run DIR times a trained run (opemb_nb.runs.load_run) instead of random weights. --method counts is what
opemb_nb.metrics uses (particle decoding: distinct decodes with counts, opemb_nb.models.decode_counts);
--method plain decodes every copy (the implementation before particle decoding); both give the same numbers in
distribution. Target: <= 60 s on a 2-core CPU, <= 5 s on one H100; the reference's Python loop takes ~765 s on
one H100.
"""
import argparse, json, time
import torch
from opemb_nb.core import default_device, device_name
from opemb_nb.zoo import make_model, model_names
from opemb_nb.data import load_enas6, graph_key
from opemb_nb.metrics import recon_accuracy, prior_validity, seeded
from opemb_nb.models import encode_mu, default_batch_size, decode_batched
from opemb_nb.core import model_device

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument('--model', default='dvae', help="registered model name, or 'echo' (a fake, measures the overhead)")
p.add_argument('--hs', type=int, default=501)
p.add_argument('--run', default=None, help='a trained run directory (instead of random weights)')
p.add_argument('--device', default=None)
p.add_argument('--batch-size', type=int, default=None, help='latent points (plain) / rows (counts) per decode call')
p.add_argument('--decodes', type=int, default=100)
p.add_argument('--n-test', type=int, default=None, help='only the first N test graphs (the time is scaled up to 1,902)')
p.add_argument('--method', default='counts', choices=['counts', 'plain', 'both'])
p.add_argument('--prior', action='store_true', help='also time validity (1,000 points x 10 decodes)')
p.add_argument('--threads', type=int, default=None, help='torch CPU threads')
p.add_argument('--sharpen', type=float, default=None,
               help='multiply the decoder output logits (add_vertex, add_edge) by this factor: a synthetic stand-in for '
                    'the confident decoder of a fully trained model (labelled in the output)')
a = p.parse_args()
if a.threads: torch.set_num_threads(a.threads)
dev = a.device or default_device()
if a.run:
    from opemb_nb.runs import load_run
    model, cfg, _ = load_run(a.run, device='cpu'); a.model, a.hs = model.name, model.config.get('hs')
elif a.model == 'echo':  # the stand-in model of the tests
    import sys; from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'tests'))
    from fixtures import EchoModel
    model = EchoModel()
else:
    if a.model not in model_names(): raise SystemExit(f"model {a.model!r} is not registered (known: {model_names()})")
    torch.manual_seed(0); model = make_model(a.model, hs=a.hs)
model = model.to(dev).eval()
if a.sharpen:
    with torch.no_grad():
        for lin in (model.add_vertex[-1], model.add_edge[-1]): lin.weight.mul_(a.sharpen); lin.bias.mul_(a.sharpen)
te = load_enas6('test'); T, A = te.types, te.adj
if a.n_test: T, A = T[:a.n_test], A[:a.n_test]
bs = a.batch_size or default_batch_size(dev)

def recon_plain(model, types, adj, decodes, seed=0, batch_size=4096):
    "The reconstruction accuracy as computed before particle decoding: every copy of mu decoded."
    dev = model_device(model); mu = encode_mu(model, types, adj); keys = graph_key(types, adj)
    n = len(mu); total = n * decodes; matches = torch.zeros(n, dtype=torch.long)
    with seeded(seed, dev) as gen:
        for s in range(0, total, batch_size):
            gi = torch.arange(s, min(s + batch_size, total)) // decodes
            t, a_ = decode_batched(model, mu[gi.to(dev)], batch_size=batch_size, generator=gen)
            matches.index_add_(0, gi, (graph_key(t, a_) == keys[gi]).long())
    return dict(recon_acc=int(matches.sum()) / max(total, 1))

def sync():
    if torch.device(dev).type == 'cuda': torch.cuda.synchronize()

out = dict(model=a.model, hs=a.hs, run=a.run, sharpen=a.sharpen, device=device_name(dev), threads=torch.get_num_threads(),
           batch_size=bs, n_test=len(T), decodes=a.decodes)
if hasattr(model, 'decode_counts'):  # distinct decodes per test graph (what particle decoding pays for), on <= 100 graphs
    from opemb_nb.models import decode_counts
    with seeded(0, dev) as g: out['rows_per_graph'] = round(len(decode_counts(model, encode_mu(model, T[:100], A[:100]), a.decodes, g, bs)[2]) / len(T[:100]), 2)
for method in (['counts', 'plain'] if a.method == 'both' else [a.method]):
    f = recon_accuracy if method == 'counts' else recon_plain
    f(model, T[:20], A[:20], decodes=2, batch_size=bs)           # warm-up
    sync(); t0 = time.perf_counter()
    r = f(model, T, A, decodes=a.decodes, batch_size=bs)
    sync(); dt = time.perf_counter() - t0
    out[method] = dict(seconds=round(dt, 2), seconds_full_test=round(dt * 1902 / len(T) * 100 / a.decodes, 1),
                       decodes_per_s=round(len(T) * a.decodes / dt), recon_acc=r['recon_acc'])
if a.prior:
    tr = load_enas6('train')
    t0 = time.perf_counter()
    Z = encode_mu(model, tr.types, tr.adj)
    t1 = time.perf_counter()
    pv = prior_validity(model, Z, 1000, 10, graph_key(tr.types, tr.adj), batch_size=bs)
    out.update(seconds_encode_train=round(t1 - t0, 2), seconds_prior=round(time.perf_counter() - t1, 2),
               validity=pv['validity'], uniqueness=pv['uniqueness'])
print(json.dumps(out))
