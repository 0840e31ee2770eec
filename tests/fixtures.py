"""Stand-in graph VAEs for the tests and the book's examples; not part of the library.

`EchoModel` (metrics chapter): its latent code is the graph itself, so its reconstruction
accuracy is known. `FakeVAE` (Bayesian-optimisation chapter): a linear encoder of
`opemb_nb.bo.arch_features` and a noisy nearest-code decoder over a set of table architectures.

Both follow the models' interface: `encode(types, adj) -> (mu, logvar)` and
`decode(z, stochastic=True, generator=None) -> (types, adj)`."""
import torch
from opemb_nb.data import N_VERTICES, from_dense, to_dense

_IU = torch.triu_indices(N_VERTICES, N_VERTICES, 1)


class EchoModel(torch.nn.Module):
    "A fake graph VAE: its latent code is the graph itself; `corrupt`: chance of a bad decode."
    name, op_embedding = 'echo', None
    def __init__(self, corrupt:float=0.): # probability that a decode flips the edge 0 -> 1
        super().__init__()
        self.corrupt, self.nz = corrupt, N_VERTICES + len(_IU[0])
        self.config = dict(corrupt=corrupt)
        self.register_buffer('_dev', torch.zeros(0))
    def encode(self, types, adj):
        z = torch.cat([types.float(), adj[:, _IU[0], _IU[1]].float()], 1)
        return z, torch.zeros_like(z)
    def decode(self, z, stochastic:bool=True, generator=None):
        t = z[:, :N_VERTICES].round().long().clamp(-1, N_VERTICES - 1)
        adj = torch.zeros(len(z), N_VERTICES, N_VERTICES, dtype=torch.bool, device=z.device)
        adj[:, _IU[0], _IU[1]] = z[:, N_VERTICES:] > 0.5
        if self.corrupt > 0:
            flip = torch.rand(len(z), generator=generator, device=z.device) < self.corrupt
            adj[:, 0, 1] ^= flip
        return t, adj


def _arch_features(archs:list):
    "`opemb_nb.bo.arch_features`, imported when first needed (the BO module loads BoTorch)."
    from opemb_nb.bo import arch_features
    return arch_features(archs)


class FakeVAE(torch.nn.Module):
    "Test double of a model: a linear encoder of `arch_features`, a noisy nearest-code decoder."
    def __init__(self, archs:list, nz:int=4, p_invalid:float=0.3, p_mutate:float=0.2, seed:int=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.W = torch.nn.Parameter(torch.randn(_arch_features(archs[:1]).shape[1], nz, generator=g,
                                                dtype=torch.float64), requires_grad=False)
        self.types, self.adj = to_dense(archs)
        self.codes = self._enc(self.types, self.adj)
        self.nz, self.name, self.config = nz, 'fake', dict(nz=nz)
        self.p_invalid, self.p_mutate = p_invalid, p_mutate
    def _enc(self, types, adj):
        return torch.as_tensor(_arch_features(from_dense(types, adj)), dtype=torch.float64) @ self.W
    def encode(self, types, adj):
        mu = self._enc(types.cpu(), adj.cpu()).float(); return mu, torch.zeros_like(mu)
    def decode(self, z, stochastic=True, generator=None):
        i = torch.cdist(z.double().cpu(), self.codes).argmin(1)
        types, adj = self.types[i].clone(), self.adj[i].clone()
        if stochastic:
            u = torch.rand(len(z), 2, generator=generator)
            adj[u[:, 0] < self.p_invalid, 2, 3] = False                 # break the chain: invalid
            mut = (u[:, 0] >= self.p_invalid) & (u[:, 1] < self.p_mutate)
            types[mut, 3] = (types[mut, 3] - 2 + 1) % 6 + 2             # change one operation
        return types, adj
