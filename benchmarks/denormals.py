"""Denormal numbers and the CPU training step: time 10 training steps of a trained run, from its checkpoint, with
`torch.set_flush_denormal` off, on, and off again (one torch thread, batches of 128 of the training split).

    python benchmarks/denormals.py graphrnn [--run-root results/cpu]

As a model converges, some activations and gradients fall below float32's smallest normal number (~1.2e-38);
x86 CPUs compute with such denormals many times more slowly. Flushing them to zero changes no result that
matters (they are below 1e-38) and restores the speed.
"""
import argparse, time
import torch


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run', help='run name inside --run-root (needs its checkpoint.pt)')
    p.add_argument('--run-root', default='results/cpu')
    p.add_argument('--steps', type=int, default=10)
    a = p.parse_args()
    torch.set_num_threads(1)
    from opemb_nb.core import device_name, git_commit
    from opemb_nb.zoo import make_model
    from opemb_nb.train import run_data, _step
    ck = torch.load(f'{a.run_root}/{a.run}/checkpoint.pt', map_location='cpu', weights_only=False)
    tr, _ = run_data(None)
    print(f"{a.run_root}/{a.run} at epoch {ck['epoch']}; {device_name('cpu')}, 1 thread; torch {torch.__version__}; commit {git_commit(short=True)}")
    for flush in (False, True, False):
        torch.set_flush_denormal(flush)
        m = make_model(ck['model_name'], **ck['settings']['model_kwargs']); m.load_state_dict(ck['model']); m.train()
        opt = torch.optim.Adam(m.parameters()); opt.load_state_dict(ck['optimizer'])
        idx = torch.arange(128)
        _step(m.loss, opt, tr.types[idx], tr.adj[idx], 0.005)  # warm-up
        t = time.perf_counter()
        for i in range(a.steps):
            idx = torch.arange(128 * i, 128 * (i + 1))
            _step(m.loss, opt, tr.types[idx], tr.adj[idx], 0.005)
        print(f"{a.run} epoch {ck['epoch']}: flush_denormal={flush}: {1e3 * (time.perf_counter() - t) / a.steps:.1f} ms/step", flush=True)


if __name__ == '__main__':
    main()
