"""Time the full test-set reconstruction of Table 1 (1,902 graphs x 100 stochastic decodes).

Usage: python benchmarks/eval_speed.py [--model dvae] [--hs 501] [--device cpu|cuda] [--batch-size N]
                                       [--decodes 100] [--n-test N] [--prior] [--threads N]
Random weights (the cost hardly depends on them). Target: <= 60 s on a 2-core CPU, <= 5 s on one H100;
the reference's Python loop takes ~765 s on one H100.
"""
import argparse, json, time
import torch
from opemb_nb.core import make_model, model_names, default_device, device_name
from opemb_nb.data import load_enas6
from opemb_nb.metrics import recon_accuracy, prior_validity, encode_mu, EchoModel, default_batch_size
from opemb_nb.data import graph_key

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument('--model', default='dvae', help="registered model name, or 'echo' (a fake, measures the overhead)")
p.add_argument('--hs', type=int, default=501)
p.add_argument('--device', default=None)
p.add_argument('--batch-size', type=int, default=None, help='latent points per decode call')
p.add_argument('--decodes', type=int, default=100)
p.add_argument('--n-test', type=int, default=None, help='only the first N test graphs (the time is scaled up to 1,902)')
p.add_argument('--prior', action='store_true', help='also time validity (1,000 points x 10 decodes)')
p.add_argument('--threads', type=int, default=None, help='torch CPU threads')
a = p.parse_args()
if a.threads: torch.set_num_threads(a.threads)
dev = a.device or default_device()
if a.model == 'echo': model = EchoModel()
else:
    if a.model not in model_names(): raise SystemExit(f"model {a.model!r} is not registered (known: {model_names()})")
    torch.manual_seed(0); model = make_model(a.model, hs=a.hs)
model = model.to(dev).eval()
te = load_enas6('test'); T, A = te.types, te.adj
if a.n_test: T, A = T[:a.n_test], A[:a.n_test]
bs = a.batch_size or default_batch_size(dev)
recon_accuracy(model, T[:20], A[:20], decodes=2, batch_size=bs)           # warm-up
if torch.device(dev).type == 'cuda': torch.cuda.synchronize()
t0 = time.perf_counter()
r = recon_accuracy(model, T, A, decodes=a.decodes, batch_size=bs)
if torch.device(dev).type == 'cuda': torch.cuda.synchronize()
dt = time.perf_counter() - t0
out = dict(model=a.model, hs=a.hs, device=device_name(dev), threads=torch.get_num_threads(), batch_size=bs,
           n_test=len(T), decodes=a.decodes, seconds=round(dt, 2),
           seconds_full_test=round(dt * 1902 / len(T) * 100 / a.decodes, 1),
           decodes_per_s=round(len(T) * a.decodes / dt), recon_acc=r['recon_acc'])
if a.prior:
    tr = load_enas6('train')
    t0 = time.perf_counter()
    Z = encode_mu(model, tr.types, tr.adj)
    t1 = time.perf_counter()
    pv = prior_validity(model, Z, 1000, 10, graph_key(tr.types, tr.adj), batch_size=bs)
    out.update(seconds_encode_train=round(t1 - t0, 2), seconds_prior=round(time.perf_counter() - t1, 2), validity=pv['validity'])
print(json.dumps(out))
