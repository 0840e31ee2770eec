"""Learning-speed study: how fast does a training recipe make a model reconstruct?

Trains one model on the full training split with a recipe (learning rate, warm-up, decay, batch size, hs,
KL weight, gradient clipping, compiled step) and, every `--eval-every` optimiser steps, measures on a fixed
sample of test graphs (evaluation mode, z = mu):
- the teacher-forced reconstruction loss (nats per graph);
- the greedy-decode reconstruction accuracy (argmax types, edges with p > 0.5): the cheap proxy;
- the stochastic-decode accuracy of one decode per graph (the paper's protocol, once);
- for the D-VAE decoder, the loss of each decision: the type of vertex v and the edges into v (v = 1..6).
Writes one JSON line per evaluation (steps, training CPU seconds, wall seconds, the running training recon)
and a final line with the recipe, device and commit. Training time excludes evaluation time.

    python benchmarks/convergence.py --model dvae --lr 3e-3 --warmup 500 --decay cosine --minutes 10 --out r.jsonl
    python benchmarks/convergence.py --summarise r.jsonl     # a markdown table of the runs in r.jsonl
"""
import argparse, functools, json, math, os, platform, sys, time
from pathlib import Path


def summarise(path)->str:
    "A markdown table of the runs in a JSON-lines file: the last evaluation of each run, and its best test recon."
    runs = {}
    for line in open(path):
        r = json.loads(line)
        if r.get('final'): runs.setdefault(r['label'], {})['final'] = r
        elif 'step' in r and not r.get('diverged'): runs.setdefault(r['label'], {}).setdefault('evals', []).append(r)
    out = ['| run | steps | CPU s | ms/step | test recon (nats/graph) | best | greedy acc | sampled acc |', '|---|---|---|---|---|---|---|---|']
    for label, d in runs.items():
        ev = d.get('evals', [])
        if not ev: continue
        e = ev[-1]; best = min(x['test_recon'] for x in ev)
        ms = 1e3 * e['cpu_s'] / e['step'] if e['step'] else float('nan')
        out.append(f"| {label} | {e['step']:,} | {e['cpu_s']:.0f} | {ms:.0f} | {e['test_recon']:.3f} | {best:.3f} | {e['greedy_acc']:.3f} | {e['sample_acc']:.3f} |")
    return '\n'.join(out)


def main(argv=None):
    if argv is None and len(sys.argv) > 2 and sys.argv[1] == '--summarise':
        print(summarise(sys.argv[2])); return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', default='dvae')
    p.add_argument('--hs', type=int, default=501)
    p.add_argument('--nz', type=int, default=56)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--lr', type=float, default=1e-4)
    p.add_argument('--warmup', type=int, default=0, help='linear warm-up steps')
    p.add_argument('--decay', choices=['none', 'cosine', 'linear'], default='none', help='decay to lr*final over --steps')
    p.add_argument('--final', type=float, default=0.02, help='final lr as a fraction of --lr (with --decay)')
    p.add_argument('--clip', type=float, default=0., help='gradient-norm clipping (0 = none)')
    p.add_argument('--beta', type=float, default=0.005)
    p.add_argument('--kl-warmup', type=int, default=0, help='steps over which beta ramps from 0')
    p.add_argument('--steps', type=int, default=20000, help='optimiser steps (the schedule length)')
    p.add_argument('--minutes', type=float, default=None, help='stop after this much training time')
    p.add_argument('--eval-every', type=int, default=500)
    p.add_argument('--n-eval', type=int, default=300, help='fixed test graphs for the proxies')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--compile', default=None, help="torch.compile backend of the step (e.g. 'inductor')")
    p.add_argument('--carry-bias', type=float, default=0., help='add this to the GRU update-gate and message-gate biases at init')
    p.add_argument('--compute-mode', default='auto', choices=['auto', 'dense', 'compact'], help="teacher forcing of the igraph models (auto: compact on a CPU)")
    p.add_argument('--aux-types', type=float, default=0., help="weight of the training-only type head's loss (0 = none; train.TypeHead)")
    p.add_argument('--aux-until', type=int, default=0, help='its weight fades linearly to 0 at this step (0 = constant)')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--label', default=None)
    p.add_argument('--out', required=True, help='JSON-lines output')
    a = p.parse_args(argv)
    import torch, numpy as np
    torch.set_num_threads(a.threads)
    from opemb_nb.core import git_commit, device_name
    from opemb_nb.zoo import make_model
    from opemb_nb.train import run_data, seed_everything, CompiledLoss, _step, lr_factor, TypeHead
    seed_everything(a.seed)
    tr, te = run_data(None)
    ev = torch.arange(min(a.n_eval, len(te)))
    Te, Ae = te.types[ev], te.adj[ev]
    Tp, Ap = tr.types[:3000], tr.adj[:3000]  # graphs that fit the probe of each vertex's type from mu
    kw = dict(hs=a.hs, nz=a.nz)
    m = make_model(a.model, **kw)
    if hasattr(m, 'compute_mode'): m.compute_mode = a.compute_mode
    if a.carry_bias:
        with torch.no_grad():
            for mod in m.modules():
                if isinstance(mod, torch.nn.GRUCell): mod.bias_hh[mod.hidden_size:2 * mod.hidden_size] += a.carry_bias
            for nm in ('gate_forward', 'gate_backward'):
                if hasattr(m, nm): getattr(m, nm).bias += a.carry_bias
    # the training-only type head of the library's recipes (`train.TypeHead`)
    head = TypeHead(a.nz, a.aux_types, a.aux_until or None) if a.aux_types else None
    params = list(m.parameters()) + (list(head.parameters()) if head is not None else [])
    opt = torch.optim.Adam(params, lr=a.lr)

    def lr_at(s):  # the library's warm-up + cosine (`train.lr_factor`); 'linear' decays linearly instead
        if a.decay == 'cosine': return a.lr * lr_factor(s, a.steps, a.warmup, a.final)
        if a.warmup and s < a.warmup: return a.lr * (s + 1) / a.warmup
        if a.decay == 'none': return a.lr
        q = min(1.0, (s - a.warmup) / max(1, a.steps - a.warmup))
        return a.lr * (a.final + (1 - a.final) * (1 - q))
    loss_fn = CompiledLoss(m, a.compile) if a.compile else m.loss
    if head is not None: loss_fn = functools.partial(head.loss, m)
    label = a.label or f"{a.model} hs{a.hs} b{a.batch} lr{a.lr:g} wu{a.warmup} {a.decay}{a.steps if a.decay != 'none' else ''} clip{a.clip:g}" + (f" {a.compile}" if a.compile else '') + (f" carry{a.carry_bias:g}" if a.carry_bias else '') + (f" {a.compute_mode}" if a.compute_mode != 'auto' else '') + (f" aux{a.aux_types:g}" + (f"-{a.aux_until}" if a.aux_until else '') if a.aux_types else '') + (f" seed{a.seed}" if a.seed != 1 else '')
    out = open(a.out, 'a')

    def evaluate(step, cpu, wall, run_recon):
        m.eval()
        with torch.no_grad():
            mu, _ = m.encode(Te, Ae)
            nats = float(m.recon_loss(mu, Te, Ae)) / len(ev)
            g = torch.Generator().manual_seed(0)
            t1, a1 = m.decode(mu, stochastic=False)
            t2, a2 = m.decode(mu, stochastic=True, generator=g)
            terms = m.recon_terms(mu, Te, Ae) if hasattr(m, 'recon_terms') else None
            X = torch.cat([m.encode(Tp, Ap)[0], torch.ones(len(Tp), 1)], 1).double()
            Y = torch.nn.functional.one_hot(Tp[:, 1:7], 8).double().flatten(1)
            W = torch.linalg.solve(X.T @ X + 1e-3 * torch.eye(X.shape[1], dtype=X.dtype), X.T @ Y)
            Xe = torch.cat([mu, torch.ones(len(mu), 1)], 1).double()
            probe = ((Xe @ W).view(-1, 6, 8).argmax(-1) == Te[:, 1:7]).double().mean(0)
        ok = lambda t, aa: ((t == Te).all(1) & (aa == Ae).flatten(1).all(1)).float().mean().item()
        m.train()
        r = dict(label=label, step=step, cpu_s=round(cpu, 1), wall_s=round(wall, 1), train_recon=run_recon,
                 test_recon=round(nats, 4), greedy_acc=ok(t1, a1), sample_acc=ok(t2, a2), lr=lr_at(step))
        r['probe_acc'] = [round(float(x), 3) for x in probe]  # linear probe mu -> type of vertex 1..6
        if head is not None:  # the type head's own loss per vertex, and its weight now
            with torch.no_grad():
                hn = torch.nn.functional.cross_entropy(head(mu).flatten(0, 1), Te[:, 1:7].flatten(), reduction='none')
            r['head_nll'] = [round(float(x), 4) for x in hn.view(-1, 6).mean(0)]; r['head_weight'] = float(head.lam)
        if terms is not None:  # which decisions are not learned yet: type of vertex v (1..6), edges into v (1..6)
            tt, et = terms[0].mean(0), terms[1].mean(0)
            r['type_nll'] = [round(float(x), 4) for x in tt[:6]]
            r['edge_nll'] = [round(float(et[m._tgt == v].sum()), 4) for v in range(1, 7)]
        out.write(json.dumps(r) + '\n'); out.flush()
        print(json.dumps(r), flush=True)

    step, cpu, wall, acc, nacc = 0, 0.0, 0.0, 0.0, 0
    evaluate(0, 0, 0, None)
    n = len(tr)
    while step < a.steps and (a.minutes is None or wall < 60 * a.minutes):
        order = torch.randperm(n)
        for s in range(0, n - a.batch + 1, a.batch):
            idx = order[s:s + a.batch]
            for g in opt.param_groups: g['lr'] = lr_at(step)
            if head is not None: head.at(step)
            beta = a.beta * min(1.0, step / a.kl_warmup) if a.kl_warmup else a.beta
            c0, w0 = time.process_time(), time.perf_counter()
            loss, recon, kld = _step(loss_fn, opt, tr.types[idx], tr.adj[idx], beta, a.clip or None)
            cpu += time.process_time() - c0; wall += time.perf_counter() - w0
            acc += float(recon.detach()) / a.batch; nacc += 1; step += 1
            if not math.isfinite(float(loss.detach())):
                out.write(json.dumps(dict(label=label, step=step, diverged=True)) + '\n'); out.close(); return 1
            if step % a.eval_every == 0:
                evaluate(step, cpu, wall, round(acc / nacc, 4)); acc, nacc = 0.0, 0
            if step >= a.steps or (a.minutes is not None and wall >= 60 * a.minutes): break
    if nacc: evaluate(step, cpu, wall, round(acc / nacc, 4))
    fin = dict(label=label, final=True, recipe=vars(a), params=sum(p.numel() for p in m.parameters()),
               device=device_name('cpu'), machine=platform.processor() or platform.machine(), cpus=os.cpu_count(),
               torch=torch.__version__, date=time.strftime('%Y-%m-%d'), commit=git_commit(short=True))
    out.write(json.dumps(fin) + '\n'); out.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
