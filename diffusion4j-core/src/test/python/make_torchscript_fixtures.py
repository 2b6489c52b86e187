"""TorchScript fixtures for diffusion4j's TorchScript import (``torchscript:FILE.pt``).

Builds two tiny denoisers of different conventions with PyTorch, saves each as a TorchScript file with its sidecar
(``FILE.json``, the format of docs/pytorch.md) and the reference inputs and outputs PyTorch computed
(``FILE.reference.npz``):

* ``vp-eps-ddpm``: an epsilon-predicting MLP on 2-D points of a discrete DDPM chain (250 linear betas from 1e-4 to
  0.08), called with the timestep index, traced with ``torch.jit.trace``. It is trained for a few hundred steps on
  eight Gaussians on a circle so its samples look like something. The reference holds module outputs at integer
  and fractional timesteps, and a deterministic DDIM run computed here with PyTorch: 10 steps on the timesteps
  225, 200, ..., 0 (DDIM's uniform skip), from a fixed start, with the state before every model call.
* ``edm-classes``: an EDM-preconditioned denoiser D(x; sigma, class) of 1x8x8 images (Karras et al. 2022, the
  EDMPrecond wrapper around a small conv net, sigma_data = 0.5, c_noise = ln(sigma)/4), 3 classes and label 3 for
  "no class", compiled with ``torch.jit.script``. Untrained (seeded weights): the fixture checks conventions, not
  image quality.

Three parameter-free modules break the convention on purpose (``misfit-shape``: output (B, 1) for input (B, 2);
``misfit-tuple``: returns two tensors; ``misfit-dtype``: returns float64 for float32 input), for the error tests;
``training-mode-dropout`` is a dropout layer saved in training mode, which diffusion4j must run in eval mode.

The calling convention is diffusion4j's: ``module(x, noise_label)`` or ``module(x, noise_label, class_labels)`` with
x of shape (B, *sample_shape) in the sidecar's dtype, noise_label of shape (B) in the same dtype and class_labels of
shape (B), int64; the module returns one tensor shaped like x.

Deterministic (torch.manual_seed; the script re-runs itself with PYTHONHASHSEED=0, since a scripted module's
constants are written in set order); the files are a few KB each and committed, so tests and CI need no Python.

Run:  /usr/bin/python3 make_torchscript_fixtures.py
      (writes ../resources/org/diffusion4j/torchscript/; PyTorch >= 1.13 and NumPy)
"""
import json
import math
import os
import sys

import numpy as np
import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "org", "diffusion4j", "torchscript")


# ---------------------------------------------------------------------------------------------------------------
# VP epsilon-predictor on a discrete DDPM chain


class TimestepMlp(nn.Module):
    """eps(x_t, timestep): sinusoidal features of the (possibly fractional) timestep, concatenated to x_t."""

    def __init__(self, dim=2, width=32, features=16, max_period=250.0):
        super().__init__()
        half = features // 2
        self.register_buffer("frequencies", torch.exp(-math.log(max_period) * torch.arange(half) / half))
        self.inp = nn.Linear(dim + features, width)
        self.hidden = nn.Linear(width, width)
        self.out = nn.Linear(width, dim)

    def forward(self, x, timestep):
        angles = timestep[:, None] * self.frequencies[None, :]
        h = torch.cat([x, torch.cos(angles), torch.sin(angles)], dim=1)
        h = torch.nn.functional.silu(self.inp(h))
        h = torch.nn.functional.silu(self.hidden(h))
        return self.out(h)


def eight_gaussians(n, generator):
    angles = torch.randint(0, 8, (n,), generator=generator).double() * (2 * math.pi / 8)
    centres = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1) * 2
    return centres + 0.1 * torch.randn(n, 2, generator=generator, dtype=torch.float64)


def make_vp():
    torch.manual_seed(1)
    steps, beta_start, beta_end = 250, 1e-4, 0.08
    betas = torch.linspace(beta_start, beta_end, steps, dtype=torch.float64)
    alphas_cumprod = torch.cumprod(1 - betas, dim=0)

    net = TimestepMlp()
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    data_rng = torch.Generator().manual_seed(2)
    for _ in range(1500):
        x0 = eight_gaussians(256, data_rng)
        t = torch.randint(0, steps, (256,), generator=data_rng)
        eps = torch.randn(256, 2, generator=data_rng, dtype=torch.float64)
        a = alphas_cumprod[t][:, None]
        xt = (a.sqrt() * x0 + (1 - a).sqrt() * eps).float()
        loss = ((net(xt, t.float()) - eps.float()) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    net.eval()
    module = torch.jit.trace(net, (torch.zeros(5, 2), torch.zeros(5)))

    sidecar = {
        "sample_shape": [2],
        "dtype": "float32",
        "prediction": "epsilon",
        "process": "ddpm-linear",
        "beta_start": beta_start,
        "beta_end": beta_end,
        "timesteps": steps,
        "noise_label": "timestep",
        "scale_input": False,
        "classes": 0,
    }

    g = torch.Generator().manual_seed(3)
    x = (torch.randn(6, 2, generator=g) * 3).float()
    timestep = torch.tensor([0.0, 1.0, 12.5, 100.0, 200.25, 249.0])
    with torch.no_grad():
        out = module(x, timestep)

    # DDIM (Song, Meng & Ermon 2021, eq. 12 with eta = 0) in the chain's own coordinates, state in float64, the
    # float32 module called on the state rounded to float32.
    count = 10
    timesteps = [i * (steps // count) for i in range(count)][::-1]
    start = torch.randn(4, 2, generator=g, dtype=torch.float64)
    xs = start.clone()
    trajectory = []
    with torch.no_grad():
        for i, t in enumerate(timesteps):
            trajectory.append(xs.clone())
            a_t = alphas_cumprod[t]
            eps = module(xs.float(), torch.full((xs.shape[0],), float(t))).double()
            x0 = (xs - (1 - a_t).sqrt() * eps) / a_t.sqrt()
            if i + 1 < count:
                a_s = alphas_cumprod[timesteps[i + 1]]
                xs = a_s.sqrt() * x0 + (1 - a_s).sqrt() * eps
            else:
                xs = x0
    sigmas = ((1 - alphas_cumprod) / alphas_cumprod).sqrt()[timesteps]
    reference = {
        "x": x.numpy(),
        "noise_label": timestep.numpy(),
        "output": out.numpy(),
        "ddim_timesteps": np.asarray(timesteps, dtype=np.int64),
        "ddim_sigmas": sigmas.numpy(),
        "ddim_alphas": alphas_cumprod[timesteps].sqrt().numpy(),
        "ddim_start": start.numpy(),
        "ddim_trajectory": torch.stack(trajectory).numpy(),
        "ddim_samples": xs.numpy(),
    }
    return "vp-eps-ddpm", module, sidecar, reference


# ---------------------------------------------------------------------------------------------------------------
# EDM-preconditioned D(x; sigma, class)


class SmallConvNet(nn.Module):
    """F(c_in x, c_noise, class): two 3x3 convolutions, the noise and class embedding added per channel."""

    def __init__(self, classes: int, channels: int = 8, features: int = 8):
        super().__init__()
        half = features // 2
        self.register_buffer("frequencies", torch.exp(-math.log(100.0) * torch.arange(half) / half))
        self.noise = nn.Linear(features, channels)
        self.classes = nn.Embedding(classes + 1, channels)
        self.conv1 = nn.Conv2d(1, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, 1, 3, padding=1)

    def forward(self, x, c_noise, labels):
        angles = c_noise[:, None] * self.frequencies[None, :]
        emb = self.noise(torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)) + self.classes(labels)
        h = torch.nn.functional.silu(self.conv1(x) + emb[:, :, None, None])
        return self.conv2(h)


class EdmPrecond(nn.Module):
    """EDM's EDMPrecond (Karras et al. 2022, Table 1): D = c_skip x + c_out F(c_in x, ln(sigma)/4, class)."""

    def __init__(self, classes: int, sigma_data: float = 0.5):
        super().__init__()
        self.sigma_data = sigma_data
        self.model = SmallConvNet(classes)

    def forward(self, x, sigma, labels):
        s = sigma.reshape(-1, 1, 1, 1)
        d2 = self.sigma_data * self.sigma_data
        c_skip = d2 / (s * s + d2)
        c_out = s * self.sigma_data / torch.sqrt(s * s + d2)
        c_in = 1 / torch.sqrt(d2 + s * s)
        c_noise = torch.log(sigma) / 4
        return c_skip * x + c_out * self.model(c_in * x, c_noise, labels)


def make_edm():
    torch.manual_seed(4)
    classes = 3
    module = torch.jit.script(EdmPrecond(classes).eval())
    sidecar = {
        "sample_shape": [1, 8, 8],
        "dtype": "float32",
        "prediction": "data",
        "process": "edm",
        "noise_label": "sigma",
        "scale_input": False,
        "sigma_min": 0.002,
        "sigma_max": 80.0,
        "classes": classes,
        "null_class": True,
    }
    g = torch.Generator().manual_seed(5)
    sigma = torch.tensor([0.002, 0.05, 0.5, 1.0, 7.5, 80.0])
    x = (torch.randn(6, 1, 8, 8, generator=g) * torch.sqrt(sigma * sigma + 0.25).reshape(-1, 1, 1, 1)).float()
    labels = torch.tensor([0, 1, 2, 3, 1, 0], dtype=torch.int64)
    with torch.no_grad():
        out = module(x, sigma, labels)
    reference = {"x": x.numpy(), "noise_label": sigma.numpy(), "labels": labels.numpy(), "output": out.numpy()}
    return "edm-classes", module, sidecar, reference


# ---------------------------------------------------------------------------------------------------------------
# Modules that do not fit the convention, for the errors (no sidecar: the tests write their own)


class WrongShape(nn.Module):
    """Returns one value per sample instead of one per input value."""

    def forward(self, x, noise_label):
        return x[:, :1] * noise_label[:, None]


class TwoOutputs(nn.Module):
    """Returns a tuple."""

    def forward(self, x, noise_label):
        return x, noise_label


class DoubleOutput(nn.Module):
    """Computes in float64 whatever it is given."""

    def forward(self, x, noise_label):
        return x.double() * noise_label.double()[:, None]


class TrainingModeDropout(nn.Module):
    """Dropout, saved in training mode: diffusion4j must run it in eval mode, where it is the identity."""

    def __init__(self):
        super().__init__()
        self.dropout = nn.Dropout(0.5)

    def forward(self, x, noise_label):
        return self.dropout(x)


def make_misfits():
    dropout = torch.jit.script(TrainingModeDropout().train())
    assert dropout.training
    return [("misfit-shape", torch.jit.script(WrongShape())), ("misfit-tuple", torch.jit.script(TwoOutputs())),
            ("misfit-dtype", torch.jit.script(DoubleOutput())), ("training-mode-dropout", dropout)]


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        # TorchScript writes a scripted module's constants in set order: fix the hash seed for byte-identical files
        os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    for name, module, sidecar, reference in (make_vp(), make_edm()):
        module.save(os.path.join(OUT, name + ".pt"))
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(sidecar, f, indent=2)
            f.write("\n")
        np.savez(os.path.join(OUT, name + ".reference.npz"), **reference)
        print(name, {k: v.shape for k, v in reference.items()})
    for name, module in make_misfits():
        module.save(os.path.join(OUT, name + ".pt"))
        print(name)


if __name__ == "__main__":
    main()
