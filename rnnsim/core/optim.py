"""The optimiser step: torch.optim.Adam's update and torch's clip_grad_norm_, on dicts
of NumPy arrays (the rules: Optimiser in rnnsim.core.train's docstring)."""

from __future__ import annotations

import math

import numpy as np


def clip_grad_norm(grads: dict[str, np.ndarray], max_norm: float) -> float:
    """Scale grads in place so their global L2 norm is at most max_norm (torch's
    clip_grad_norm_, factor max_norm / (norm + 1e-6)); returns the norm before clipping."""
    norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
    if max_norm and max_norm > 0:
        coef = max_norm / (norm + 1e-6)
        if coef < 1.0:
            for g in grads.values():
                g *= coef
    return norm


class Adam:
    """torch.optim.Adam's update (no weight decay, no amsgrad), on a dict of arrays."""

    def __init__(self, params: dict[str, np.ndarray], lr=1e-2, betas=(0.9, 0.999), eps=1e-8):
        self.lr, self.betas, self.eps = lr, betas, eps
        self.t = 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        b1, b2 = self.betas
        bc1 = 1.0 - b1**self.t
        bc2_sqrt = math.sqrt(1.0 - b2**self.t)
        step = self.lr / bc1
        for k in sorted(params):
            g = grads[k]
            m, v = self.m[k], self.v[k]
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * g * g
            denom = np.sqrt(v) / bc2_sqrt + self.eps
            params[k] -= step * (m / denom)
