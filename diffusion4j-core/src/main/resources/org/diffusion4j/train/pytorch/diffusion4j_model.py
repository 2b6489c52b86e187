"""A diffusion4j model rebuilt in PyTorch.

Written by ``d4j export --to pytorch`` next to the model's ``config.json`` (the run's config),
``model.safetensors`` (its EMA weights, names as diffusion4j saves them) and ``export.json`` (the fixed
noise-embedding frequencies). Self-contained: it needs PyTorch and NumPy only (not diffusion4j, not the
``safetensors`` package), and mirrors diffusion4j's networks (``org.diffusion4j.nn``) and its preconditioning
(``org.diffusion4j.denoise.Preconditioning``, ``Parameterization``, ``NetworkDenoiser``, ``EdmView``) op for op.

    import diffusion4j_model as d4j
    model = d4j.load("export-dir")            # torch.nn.Module: model(x, noise_label, class_labels=None)
    denoiser = d4j.Denoiser(model)            # k-diffusion's convention: denoiser(x, sigma, **extra_args) = D(x; sigma)

``model`` is the raw network F(x, c_noise, class) of the Java side; ``Denoiser`` turns it into the denoiser of the
EDM view (Karras et al. 2022): x = x_0 + sigma*noise, whatever process the model was trained on, which is the
denoiser k-diffusion's samplers call.
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["load", "load_denoiser", "read_config", "read_safetensors", "build", "Denoiser", "schedule"]

#: The export format this module reads (``export.json``'s ``version``).
FORMAT_VERSION = 1

# --------------------------------------------------------------------------------------------- safetensors

_SAFETENSORS_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}


def read_safetensors(path):
    """The tensors of a ``.safetensors`` file by name: an 8-byte little-endian header length, a JSON header with each
    tensor's dtype, shape and byte range, then the little-endian data."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: not a safetensors file (only {len(data)} bytes)")
    (length,) = struct.unpack("<Q", data[:8])
    if 8 + length > len(data):
        raise ValueError(f"{path}: not a safetensors file (header of {length} bytes in a file of {len(data)})")
    header = json.loads(data[8:8 + length].decode("utf-8"))
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        kind = _SAFETENSORS_DTYPES.get(entry["dtype"])
        if kind is None:
            raise ValueError(f"{path}: tensor {name!r} has dtype {entry['dtype']}, which this reader does not handle")
        shape = [int(d) for d in entry["shape"]]
        start, end = (int(o) for o in entry["data_offsets"])
        dtype = np.dtype(kind).newbyteorder("<")
        count = int(np.prod(shape)) if shape else 1
        if end - start != count * dtype.itemsize or base + end > len(data):
            raise ValueError(f"{path}: tensor {name!r} ({entry['dtype']} {shape}) has a byte range [{start}, {end}) "
                             f"that does not fit")
        array = np.frombuffer(data, dtype=dtype, count=count, offset=base + start).reshape(shape)
        tensors[name] = torch.from_numpy(array.astype(np.dtype(kind), copy=True))
    return tensors


# --------------------------------------------------------------------------------------------- processes

def _log1p_exp(x):
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def _sigmoid(x):
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


class _Schedule:
    """A Gaussian process x_t = alpha(t)*x_0 + sigma(t)*noise (org.diffusion4j.process), in float64."""
    name = None

    def edm_sigma(self, t):
        return self.sigma(t) / self.alpha(t)

    def time_of_edm_sigma(self, s):
        return self.time_of_lambda(-math.log(s))


class _Ve(_Schedule):
    """Variance exploding in EDM's parameterization: alpha = 1, sigma = t."""

    def __init__(self, name):
        self.name = name

    def alpha(self, t):
        return 1.0

    def sigma(self, t):
        return t

    def alpha_derivative(self, t):
        return 0.0

    def sigma_derivative(self, t):
        return 1.0

    def time_of_lambda(self, lam):
        return math.exp(-lam)

    def edm_sigma(self, t):
        return t

    def time_of_edm_sigma(self, s):
        return s


class _VpLinear(_Schedule):
    """Song et al.'s continuous VP process, beta linear from 0.1 to 20 on t in [0, 1]."""
    name = "vp"

    def __init__(self, beta_min=0.1, beta_max=20.0):
        self.beta_min, self.beta_max = beta_min, beta_max

    def _log_alpha(self, t):
        return -0.25 * t * t * (self.beta_max - self.beta_min) - 0.5 * t * self.beta_min

    def _log_alpha_derivative(self, t):
        return -0.5 * t * (self.beta_max - self.beta_min) - 0.5 * self.beta_min

    def alpha(self, t):
        return math.exp(self._log_alpha(t))

    def sigma(self, t):
        return math.sqrt(-math.expm1(2 * self._log_alpha(t)))

    def alpha_derivative(self, t):
        return self.alpha(t) * self._log_alpha_derivative(t)

    def sigma_derivative(self, t):
        alpha = self.alpha(t)
        return -alpha * alpha * self._log_alpha_derivative(t) / self.sigma(t)

    def time_of_lambda(self, lam):
        four_c = 2 * _log1p_exp(-2 * lam)
        return four_c / (math.sqrt(self.beta_min * self.beta_min + (self.beta_max - self.beta_min) * four_c)
                         + self.beta_min)


class _VpCosine(_Schedule):
    """Nichol & Dhariwal's cosine schedule in continuous time, offset 0.008."""
    name = "vp-cosine"

    def __init__(self, offset=0.008):
        self.offset = offset

    def _theta(self, t):
        return (t + self.offset) / (1 + self.offset) * math.pi / 2

    def _d_theta_dt(self):
        return math.pi / 2 / (1 + self.offset)

    def alpha(self, t):
        return math.cos(self._theta(t)) / math.cos(self._theta(0))

    def sigma(self, t):
        theta0 = self._theta(0)
        d_theta = t / (1 + self.offset) * math.pi / 2
        return math.sqrt(math.sin(d_theta) * math.sin(self._theta(t) + theta0)) / math.cos(theta0)

    def alpha_derivative(self, t):
        return -math.sin(self._theta(t)) * self._d_theta_dt() / math.cos(self._theta(0))

    def sigma_derivative(self, t):
        return -self.alpha(t) * self.alpha_derivative(t) / self.sigma(t)

    def time_of_lambda(self, lam):
        alpha = math.sqrt(_sigmoid(2 * lam))
        sigma_sq = _sigmoid(-2 * lam)
        theta0 = self._theta(0)
        sin0, cos0 = math.sin(theta0), math.cos(theta0)
        sin_theta = math.sqrt(sin0 * sin0 + sigma_sq * cos0 * cos0)
        d_theta = math.atan2(cos0 * sigma_sq / (sin_theta + alpha * sin0), alpha * cos0 * cos0 + sin0 * sin_theta)
        return d_theta / self._d_theta_dt()


class _Linear(_Schedule):
    """The linear interpolant of flow matching: alpha = 1 - t, sigma = t."""
    name = "linear"

    def alpha(self, t):
        return 1 - t

    def sigma(self, t):
        return t

    def alpha_derivative(self, t):
        return -1.0

    def sigma_derivative(self, t):
        return 1.0

    def time_of_lambda(self, lam):
        return _sigmoid(-lam)

    def time_of_edm_sigma(self, s):
        return s / (1 + s)


class _Gvp(_Schedule):
    """SiT's generalized VP interpolant: alpha = cos(pi*t/2), sigma = sin(pi*t/2)."""
    name = "gvp"

    def alpha(self, t):
        return math.cos(math.pi * t / 2)

    def sigma(self, t):
        return math.sin(math.pi * t / 2)

    def alpha_derivative(self, t):
        return -math.pi / 2 * math.sin(math.pi * t / 2)

    def sigma_derivative(self, t):
        return math.pi / 2 * math.cos(math.pi * t / 2)

    def time_of_lambda(self, lam):
        return 2 / math.pi * math.atan(math.exp(-lam))

    def edm_sigma(self, t):
        return math.tan(math.pi * t / 2)


class _Discrete(_Schedule):
    """A DDPM chain in k-diffusion's continuous time: the fractional timestep, log sigma linear between levels."""

    def __init__(self, name, betas):
        self.name = name
        self.log_sigmas = []
        log_alpha_bar = 0.0
        for beta in betas:
            log_alpha_bar += math.log1p(-beta)
            self.log_sigmas.append(0.5 * math.log(math.expm1(-log_alpha_bar)))

    @staticmethod
    def linear(start, end, steps):
        return _Discrete("ddpm-linear", [start + (end - start) * j / (steps - 1) for j in range(steps)])

    @staticmethod
    def scaled_linear(start, end, steps):
        a, b = math.sqrt(start), math.sqrt(end)
        roots = [a + (b - a) * j / (steps - 1) for j in range(steps)]
        return _Discrete("ddpm-scaled-linear", [r * r for r in roots])

    @staticmethod
    def squared_cos_cap_v2(steps):
        def alpha_bar(t):
            c = math.cos((t + 0.008) / 1.008 * math.pi / 2)
            return c * c
        return _Discrete("ddpm-cosine", [min(1 - alpha_bar((j + 1) / steps) / alpha_bar(j / steps), 0.999)
                                         for j in range(steps)])

    def _check(self, t):
        if not (0 <= t <= len(self.log_sigmas) - 1):
            raise ValueError(f"{self.name} time must lie in [0, {len(self.log_sigmas) - 1}], got {t}")

    def _log_edm_sigma(self, t):
        self._check(t)
        low = int(math.floor(t))
        if low >= len(self.log_sigmas) - 1:
            return self.log_sigmas[-1]
        w = t - low
        return (1 - w) * self.log_sigmas[low] + w * self.log_sigmas[low + 1]

    def _slope(self, t):
        self._check(t)
        low = min(int(math.floor(t)), len(self.log_sigmas) - 2)
        return self.log_sigmas[low + 1] - self.log_sigmas[low]

    def edm_sigma(self, t):
        return math.exp(self._log_edm_sigma(t))

    def alpha(self, t):
        s = self.edm_sigma(t)
        return 1 / math.sqrt(1 + s * s)

    def sigma(self, t):
        s = self.edm_sigma(t)
        return s / math.sqrt(1 + s * s)

    def alpha_derivative(self, t):
        s = self.edm_sigma(t)
        alpha = self.alpha(t)
        return -s * s * self._slope(t) * alpha * alpha * alpha

    def sigma_derivative(self, t):
        alpha = self.alpha(t)
        return self.edm_sigma(t) * self._slope(t) * alpha * alpha * alpha

    def time_of_lambda(self, lam):
        log_sigma = -lam
        ls = self.log_sigmas
        last = len(ls) - 1
        tolerance = 1e-12 * (ls[last] - ls[0])
        if log_sigma < ls[0] - tolerance or log_sigma > ls[last] + tolerance:
            raise ValueError(f"{self.name} covers sigma in [{math.exp(ls[0]):.6g}, {math.exp(ls[last]):.6g}]; "
                             f"sigma = {math.exp(log_sigma):.6g} is outside")
        import bisect
        index = bisect.bisect_left(ls, log_sigma)
        if index <= last and ls[index] == log_sigma:
            return float(index)
        high = min(max(index, 1), last)
        low = high - 1
        w = (log_sigma - ls[low]) / (ls[high] - ls[low])
        return low + min(max(w, 0.0), 1.0)


_SCHEDULES = {
    "edm": lambda: _Ve("edm"),
    "ve": lambda: _Ve("ve"),
    "vp": _VpLinear,
    "vp-cosine": _VpCosine,
    "linear": _Linear,
    "gvp": _Gvp,
    "ddpm-linear": lambda: _Discrete.linear(1e-4, 0.02, 1000),
    "ddpm-scaled-linear": lambda: _Discrete.scaled_linear(0.00085, 0.012, 1000),
    "ddpm-cosine": lambda: _Discrete.squared_cos_cap_v2(1000),
}


def schedule(name):
    """The process called ``name`` (edm, ve, vp, vp-cosine, linear, gvp, ddpm-linear, ddpm-scaled-linear,
    ddpm-cosine), with alpha(t), sigma(t), their derivatives, edm_sigma(t) and time_of_edm_sigma(sigma)."""
    if name not in _SCHEDULES:
        raise ValueError(f"unknown process {name!r}; known processes: {', '.join(_SCHEDULES)}")
    return _SCHEDULES[name]()


# --------------------------------------------------------------------------------------------- layers

def _silu(x):
    return x * torch.sigmoid(x)


def _gelu_tanh(x):
    inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
    return x * (torch.tanh(inner) + 1) * 0.5


def _positional_frequencies(channels):
    half = channels // 2
    return [math.pow(1e-4, i / half) for i in range(half)]


class _NoiseEmbedding(nn.Module):
    """[cos(c*f), sin(c*f)] of the noise label c, with frequencies f kept in float64 and cast like the Java side."""

    def __init__(self, frequencies):
        super().__init__()
        self.register_buffer("frequencies", torch.tensor(frequencies, dtype=torch.float64).reshape(1, -1),
                             persistent=False)

    def forward(self, noise_label):
        arguments = noise_label.reshape(-1, 1) * self.frequencies.to(noise_label.dtype)
        return torch.cat([arguments.cos(), arguments.sin()], dim=1)


class _ClassEmbedding(nn.Linear):
    """A linear map of one-hot labels; label ``classes`` is the null class (no condition)."""

    def __init__(self, classes, channels):
        super().__init__(classes + 1, channels)
        self.classes = classes

    def forward(self, labels, dtype):
        return F.linear(F.one_hot(labels.to(torch.int64), self.classes + 1).to(dtype), self.weight, self.bias)


def _group_norm(channels):
    groups = max(1, min(32, channels // 4))
    if channels % groups != 0:
        raise ValueError(f"{channels} channels do not split into {groups} groups")
    return nn.GroupNorm(groups, channels, eps=1e-5)


def _conv(cin, cout, kernel, stride=1):
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2)


def _frequencies(constants, count, what, fourier):
    values = constants.get("noise_frequencies")
    if values is not None:
        if len(values) != count:
            raise ValueError(f"export.json has {len(values)} noise frequencies, the {what} needs {count}")
        return values
    if fourier:
        raise ValueError(f"the {what}'s Fourier noise features come from Java's random generator; they are in the "
                         f"export's export.json, which is missing")
    return _positional_frequencies(2 * count)


# --------------------------------------------------------------------------------------------- MLP

class _MlpBlock(nn.Module):
    def __init__(self, width, embedding):
        super().__init__()
        self.fc1 = nn.Linear(width, width)
        self.fc2 = nn.Linear(width, width)
        self.emb = nn.Linear(embedding, width)


class Mlp(nn.Module):
    """diffusion4j's residual MLP (NetworkConfig.Mlp): Fourier features of c_noise (plus a class embedding)
    concatenated to the input, a linear layer, residual blocks h += fc2(SiLU(fc1(SiLU(h)) + emb(e))), and a linear
    output of SiLU(h)."""

    def __init__(self, config, constants):
        super().__init__()
        self.config = config
        d, width, embedding, classes = config["dimension"], config["width"], config["embedding"], config["classes"]
        self.embedding = _NoiseEmbedding(_frequencies(constants, embedding // 2, "MLP", fourier=True))
        if classes > 0:
            self.add_module("class", _ClassEmbedding(classes, embedding))
        self.input = nn.Linear(d + embedding, width)
        for b in range(config["blocks"]):
            self.add_module(f"block{b}", _MlpBlock(width, embedding))
        self.output = nn.Linear(width, d)

    def forward(self, x, noise_label, class_labels=None):
        emb = self.embedding(noise_label)
        if self.config["classes"] > 0 and class_labels is not None:
            emb = emb + self._modules["class"](class_labels, x.dtype)
        h = self.input(torch.cat([x, emb], dim=1))
        for b in range(self.config["blocks"]):
            block = self._modules[f"block{b}"]
            inner = block.fc1(_silu(h)) + block.emb(emb)
            h = h + block.fc2(_silu(inner))
        return self.output(_silu(h))


# --------------------------------------------------------------------------------------------- U-Net

class _SelfAttention2d(nn.Module):
    """Single-head attention over the positions: x + proj(v softmax(q^T k / sqrt(C))^T), q, k, v = qkv(GN(x))."""

    def __init__(self, channels):
        super().__init__()
        self.channels = channels
        self.norm = _group_norm(channels)
        self.qkv = _conv(channels, 3 * channels, 1)
        self.proj = _conv(channels, channels, 1)

    def forward(self, x):
        batch, _, height, width = x.shape
        qkv = self.qkv(self.norm(x)).reshape(batch, 3, self.channels, height * width)
        q, k, v = qkv[:, 0], qkv[:, 1], qkv[:, 2]
        scores = torch.bmm(q.transpose(1, 2), k) * (1 / math.sqrt(self.channels))
        weights = scores.softmax(dim=2)
        attended = torch.bmm(v, weights.transpose(1, 2)).reshape(x.shape)
        return x + self.proj(attended)


class _ResBlock(nn.Module):
    """h = conv1(SiLU(GN(x))); h = SiLU(GN(h)*(1 + scale) + shift) with (scale, shift) = affine(emb); dropout (in
    training mode only, as the Java network's); h = conv2(h); (h + skip(x))*sqrt(1/2); then self-attention where the
    config asks for it."""

    def __init__(self, cin, cout, emb, attention, dropout=0.0):
        super().__init__()
        self.out = cout
        self.dropout = dropout
        self.norm1 = _group_norm(cin)
        self.conv1 = _conv(cin, cout, 3)
        self.affine = nn.Linear(emb, 2 * cout)
        self.norm2 = _group_norm(cout)
        self.conv2 = _conv(cout, cout, 3)
        self.skip = _conv(cin, cout, 1) if cin != cout else None
        self.attn = _SelfAttention2d(cout) if attention else None

    def forward(self, x, emb):
        h = self.conv1(_silu(self.norm1(x)))
        params = self.affine(emb).reshape(-1, 2 * self.out, 1, 1)
        scale, shift = params[:, :self.out], params[:, self.out:]
        h = _silu(self.norm2(h) * (scale + 1) + shift)
        if self.training and self.dropout > 0:
            h = F.dropout(h, self.dropout, True)
        h = self.conv2(h)
        h = (h + (x if self.skip is None else self.skip(x))) * math.sqrt(0.5)
        return h if self.attn is None else self.attn(h)


class UNet(nn.Module):
    """diffusion4j's U-Net (NetworkConfig.UNet, DDPM++ as configured in EDM): encoder of residual blocks halving the
    resolution between levels, middle block-attention-block, decoder concatenating the encoder's outputs and
    upsampling (nearest, then a 3x3 convolution), GN-SiLU-conv output."""

    def __init__(self, config, constants):
        super().__init__()
        self.config = config
        ch = config["channels"]
        emb = 4 * ch
        mult = config["multipliers"]
        attention = set(config["attention_resolutions"])
        dropout = config.get("dropout", 0.0)
        self.embedding = _NoiseEmbedding(_frequencies(constants, ch // 2, "U-Net", fourier=False))
        self.embed = nn.ModuleDict({"fc1": nn.Linear(ch, emb), "fc2": nn.Linear(emb, emb)})
        if config["classes"] > 0:
            self.embed["class"] = _ClassEmbedding(config["classes"], emb)
        self.enc = nn.ModuleDict({"in": _conv(config["image_channels"], ch, 3)})
        self.mid = nn.ModuleDict()
        self.dec = nn.ModuleDict()
        self.encoder = []  # (kind, level name, stage name), in order
        self.decoder = []
        skips = [ch]
        channels = ch
        resolution = config["resolution"]
        for level in range(len(mult)):
            if level > 0:
                self._stage(self.enc, resolution, "down", _conv(channels, channels, 3, stride=2))
                self.encoder.append(("down", str(resolution), "down"))
                resolution //= 2
                skips.append(channels)
            for b in range(config["blocks"]):
                out = ch * mult[level]
                block = _ResBlock(channels, out, emb, resolution in attention, dropout)
                self._stage(self.enc, resolution, f"block{b}", block)
                self.encoder.append(("block", str(resolution), f"block{b}"))
                channels = out
                skips.append(channels)
        self.mid["block0"] = _ResBlock(channels, channels, emb, False, dropout)
        self.mid["attn"] = _SelfAttention2d(channels)
        self.mid["block1"] = _ResBlock(channels, channels, emb, False, dropout)
        for level in reversed(range(len(mult))):
            for b in range(config["blocks"] + 1):
                out = ch * mult[level]
                cin = channels + skips.pop()
                block = _ResBlock(cin, out, emb, resolution in attention, dropout)
                self._stage(self.dec, resolution, f"block{b}", block)
                self.decoder.append(("block", str(resolution), f"block{b}"))
                channels = out
            if level > 0:
                self._stage(self.dec, resolution, "up", _conv(channels, channels, 3))
                self.decoder.append(("up", str(resolution), "up"))
                resolution *= 2
        self.dec["out"] = nn.ModuleDict({"norm": _group_norm(channels), "conv": _conv(channels,
                                                                                      config["image_channels"], 3)})

    @staticmethod
    def _stage(part, resolution, name, module):
        key = str(resolution)
        if key not in part:
            part[key] = nn.ModuleDict()
        part[key][name] = module

    def forward(self, x, noise_label, class_labels=None):
        emb = self.embed["fc2"](_silu(self.embed["fc1"](self.embedding(noise_label))))
        if self.config["classes"] > 0 and class_labels is not None:
            emb = emb + self.embed["class"](class_labels, x.dtype)
        emb = _silu(emb)
        h = self.enc["in"](x)
        skips = [h]
        for kind, level, name in self.encoder:
            stage = self.enc[level][name]
            h = stage(h) if kind == "down" else stage(h, emb)
            skips.append(h)
        h = self.mid["block1"](self.mid["attn"](self.mid["block0"](h, emb)), emb)
        for kind, level, name in self.decoder:
            stage = self.dec[level][name]
            if kind == "up":
                h = stage(F.interpolate(h, size=(2 * h.shape[2], 2 * h.shape[3]), mode="nearest"))
            else:
                h = stage(torch.cat([h, skips.pop()], dim=1), emb)
        return self.dec["out"]["conv"](_silu(self.dec["out"]["norm"](h)))


# --------------------------------------------------------------------------------------------- DiT

def _layer_norm(x):
    return F.layer_norm(x, (x.shape[-1],), eps=1e-6)


def _modulate(x, shift, scale):
    return x * (scale + 1).unsqueeze(1) + shift.unsqueeze(1)


def _sin_cos_positions(d, grid):
    quarter = d // 4
    table = np.zeros((grid * grid, d), dtype=np.float64)
    for row in range(grid):
        for col in range(grid):
            offset = row * grid + col
            for k in range(quarter):
                omega = math.pow(10000, -k / quarter)
                table[offset, k] = math.sin(col * omega)
                table[offset, quarter + k] = math.cos(col * omega)
                table[offset, 2 * quarter + k] = math.sin(row * omega)
                table[offset, 3 * quarter + k] = math.cos(row * omega)
    return table


class _DitAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        batch, tokens, d = x.shape
        width = d // self.heads
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.heads, width).permute(2, 0, 3, 1, 4)
        q = qkv[0].reshape(batch * self.heads, tokens, width)
        k = qkv[1].reshape(batch * self.heads, tokens, width)
        v = qkv[2].reshape(batch * self.heads, tokens, width)
        scores = torch.bmm(q, k.transpose(1, 2)) * (1 / math.sqrt(width))
        out = torch.bmm(scores.softmax(dim=2), v).reshape(batch, self.heads, tokens, width)
        return self.proj(out.transpose(1, 2).reshape(batch, tokens, d))


class _DitMlp(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)


class _DitBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.modulation = nn.Linear(d, 6 * d)
        self.attn = _DitAttention(d, heads)
        self.mlp = _DitMlp(d)

    def forward(self, x, conditioning):
        m = self.modulation(conditioning).chunk(6, dim=1)
        x = x + self.attn(_modulate(_layer_norm(x), m[0], m[1])) * m[2].unsqueeze(1)
        mlp = self.mlp.fc2(_gelu_tanh(self.mlp.fc1(_modulate(_layer_norm(x), m[3], m[4]))))
        return x + mlp * m[5].unsqueeze(1)


class Dit(nn.Module):
    """diffusion4j's diffusion transformer (NetworkConfig.Dit; DiT with adaLN-Zero blocks, GELU-tanh MLPs, fixed
    2-D sine-cosine positions, timestep features of c_noise with 256 positional frequencies)."""

    def __init__(self, config, constants):
        super().__init__()
        self.config = config
        d, p, c = config["hidden"], config["patch"], config["image_channels"]
        patch_values = c * p * p
        self.patch = nn.Linear(patch_values, d)
        self.embedding = _NoiseEmbedding(_frequencies(constants, 128, "DiT", fourier=False))
        self.time = nn.ModuleDict({"fc1": nn.Linear(256, d), "fc2": nn.Linear(d, d)})
        if config["classes"] > 0:
            self.add_module("class", _ClassEmbedding(config["classes"], d))
        for i in range(config["depth"]):
            self.add_module(f"block{i}", _DitBlock(d, config["heads"]))
        self.final = nn.ModuleDict({"modulation": nn.Linear(d, 2 * d), "linear": nn.Linear(d, patch_values)})
        grid = config["resolution"] // p
        self.register_buffer("positions", torch.from_numpy(_sin_cos_positions(d, grid)).reshape(1, grid * grid, d),
                             persistent=False)

    def forward(self, x, noise_label, class_labels=None):
        p, channels = self.config["patch"], self.config["image_channels"]
        batch, _, height, width = x.shape
        rows, cols = height // p, width // p
        patches = x.reshape(batch, channels, rows, p, cols, p).permute(0, 2, 4, 3, 5, 1) \
            .reshape(batch, rows * cols, p * p * channels)
        h = self.patch(patches) + self.positions.to(x.dtype)
        c = self.time["fc2"](_silu(self.time["fc1"](self.embedding(noise_label))))
        if self.config["classes"] > 0 and class_labels is not None:
            c = c + self._modules["class"](class_labels, x.dtype)
        conditioning = _silu(c)
        for i in range(self.config["depth"]):
            h = self._modules[f"block{i}"](h, conditioning)
        shift, scale = self.final["modulation"](conditioning).chunk(2, dim=1)
        out = self.final["linear"](_modulate(_layer_norm(h), shift, scale))
        g = rows
        return out.reshape(batch, g, g, p, p, channels).permute(0, 5, 1, 3, 2, 4).reshape(batch, channels, g * p,
                                                                                            g * p)


# --------------------------------------------------------------------------------------------- loading

_NETWORKS = {"mlp": Mlp, "unet": UNet, "dit": Dit}


class Network(nn.Module):
    """The network F(x, c_noise, class) of a diffusion4j model, its parameters named as in model.safetensors
    (``unet.enc.28.block0.conv1.weight``, …). ``class_labels`` (ints, shape (B)) uses ``classes`` for "no class";
    None means no class embedding at all, as the Java network does when given no labels."""

    def __init__(self, config, constants=None):
        super().__init__()
        network = config["network"]
        kind = network.get("type")
        if kind not in _NETWORKS:
            raise NotImplementedError(f"network type {kind!r} has no PyTorch rebuild here; known: "
                                      f"{', '.join(_NETWORKS)}")
        self.config = config
        self.kind = kind
        self.add_module(kind, _NETWORKS[kind](network, constants or {}))

    @property
    def classes(self):
        return self.config["network"]["classes"]

    def forward(self, x, noise_label, class_labels=None):
        return self._modules[self.kind](x, noise_label, class_labels)


def read_config(directory):
    """The run's config.json of an export (or of a diffusion4j run directory)."""
    with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
        return json.load(f)


def _constants(directory):
    path = os.path.join(directory, "export.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        export = json.load(f)
    if export.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path}: export format version {export.get('version')}, this module reads "
                         f"{FORMAT_VERSION}")
    return export.get("constants", {})


def build(config, constants=None):
    """The network of ``config`` (a run's config as a dict) with freshly initialized PyTorch weights."""
    return Network(config, constants)


def load(directory, dtype=torch.float32, device="cpu"):
    """The network of an export directory with its weights, in eval mode (dropout off): a torch.nn.Module with
    ``forward(x, noise_label, class_labels=None)`` and its run's config as ``.config``."""
    config = read_config(directory)
    model = Network(config, _constants(directory))
    weights = read_safetensors(os.path.join(directory, "model.safetensors"))
    own = model.state_dict()
    missing = sorted(set(own) - set(weights))
    unexpected = sorted(set(weights) - set(own))
    if missing or unexpected:
        raise ValueError(f"{directory}: model.safetensors does not match the network of config.json (missing "
                         f"{missing[:5]}, unexpected {unexpected[:5]})")
    for name, tensor in weights.items():
        if tuple(tensor.shape) != tuple(own[name].shape):
            raise ValueError(f"{directory}: weight {name!r} has shape {tuple(tensor.shape)}, the network needs "
                             f"{tuple(own[name].shape)}")
    model.load_state_dict({name: tensor.to(dtype) for name, tensor in weights.items()})
    return model.to(device=device, dtype=dtype).eval()


def load_denoiser(directory, dtype=torch.float32, device="cpu"):
    """``Denoiser(load(directory))``."""
    return Denoiser(load(directory, dtype, device))


# --------------------------------------------------------------------------------------------- the denoiser

class Denoiser(nn.Module):
    """D(x; sigma) in the EDM view, as k-diffusion calls a denoiser: ``denoiser(x, sigma, class_labels=None,
    cfg_scale=1.0)`` with sigma a number or one level per sample (shape (B)).

    With t the process's time at EDM level sigma and alpha = alpha(t): x_t = alpha*x, and the run's
    preconditioning gives D = toData(F(c_in*x_t, c_noise, class), x_t) (org.diffusion4j.denoise.Preconditioning):
    ``edm``: c_skip*x_t/alpha + c_out*F with c_skip = sd^2/(s^2 + sd^2), c_out = s*sd/sqrt(s^2 + sd^2),
    s = sigma(t)/alpha(t); or F predicts epsilon, x_0 (data), v, the flow velocity or the score. The input is
    x_t/alpha/sqrt(s^2 + sd^2) when scale_input is set; the noise label c_noise is 1/4*ln(s) (log-sigma),
    999*t (time) or ln(s/2) (log-half-sigma).

    No ``class_labels``: the unconditional denoiser (the null class of a class-conditional model). With labels
    (0 ... classes-1, or ``classes`` for none) and ``cfg_scale`` w: D(null) + w*(D(class) - D(null)), both halves in
    one doubled batch (w = 1: plain conditional).
    """

    def __init__(self, model, config=None):
        super().__init__()
        self.inner_model = model
        config = config if config is not None else model.config
        if isinstance(config, (str, os.PathLike)):
            config = read_config(config)
        self.config = config
        if config.get("phase_space") is not None:
            raise NotImplementedError("a phase-space (PSLD) model has no Gaussian-process denoiser D(x; sigma)")
        p = config["preconditioning"]
        if p.get("degradation") is not None:
            raise NotImplementedError(f"a model of a degraded process ({p['degradation']}) restores, it does not "
                                      f"denoise; it has no denoiser D(x; sigma) for k-diffusion")
        self.schedule = schedule(p["process"])
        self.prediction = p["prediction"]
        if self.prediction not in ("edm", "epsilon", "data", "v", "velocity", "score"):
            raise ValueError(f"unknown prediction {self.prediction!r}")
        self.sigma_data = float(p["sigma_data"])
        self.scale_input = bool(p["scale_input"])
        self.noise_label = p["noise_label"]
        if self.noise_label not in ("log-sigma", "time", "log-half-sigma"):
            raise ValueError(f"unknown noise label {self.noise_label!r}")
        self.classes = config["network"].get("classes", 0)
        sampling = config.get("sampling", {})
        #: The run's default Karras grid (k-diffusion's get_sigmas_karras(n, sigma_min, sigma_max, rho)).
        self.sigma_min = sampling.get("sigma_min")
        self.sigma_max = sampling.get("sigma_max")
        self.rho = sampling.get("rho")

    def _label(self, t):
        s = self.schedule.edm_sigma(t)
        if self.noise_label == "time":
            return 999 * t
        if self.noise_label == "log-half-sigma":
            return math.log(s / 2)
        return 0.25 * math.log(s)

    def _per_sample(self, values, like):
        shape = (len(values),) + (1,) * (like.dim() - 1)
        return torch.tensor(values, dtype=torch.float64, device=like.device).to(like.dtype).reshape(shape)

    def _to_data(self, output, xt, alpha, sigma, d_alpha, d_sigma):
        if self.prediction == "edm":
            s = sigma / alpha
            d2 = torch.tensor(self.sigma_data * self.sigma_data, dtype=s.dtype, device=s.device)
            norm = s * s + d2
            skip = d2 / norm
            out = s * torch.tensor(self.sigma_data, dtype=s.dtype, device=s.device) / norm.sqrt()
            return (xt / alpha) * skip + output * out
        if self.prediction == "epsilon":
            return (xt - sigma * output) / alpha
        if self.prediction == "data":
            return output.clone()
        if self.prediction == "v":
            norm = alpha * alpha + sigma * sigma
            return (alpha * xt - sigma * output) / norm
        if self.prediction == "velocity":
            det = d_alpha * sigma - d_sigma * alpha
            return (sigma * output - d_sigma * xt) / det
        return (xt + sigma * sigma * output) / alpha  # score

    def forward(self, x, sigma, class_labels=None, cfg_scale=1.0):
        batch = x.shape[0]
        if torch.is_tensor(sigma):
            levels = [float(s) for s in sigma.detach().reshape(-1).cpu().tolist()]
        else:
            levels = [float(sigma)]
        if len(levels) == 1:
            levels = levels * batch
        if len(levels) != batch:
            raise ValueError(f"{len(levels)} noise levels for a batch of {batch}")
        sch = self.schedule
        times = [sch.time_of_edm_sigma(s) for s in levels]
        alphas = [sch.alpha(t) for t in times]
        # the EDM view: x_t = alpha*x at the time of sigma (EdmView)
        xt = x if all(a == 1.0 for a in alphas) else x * self._per_sample(alphas, x)
        alpha = self._per_sample(alphas, x)
        sigma_t = self._per_sample([sch.sigma(t) for t in times], x)
        d_alpha = self._per_sample([sch.alpha_derivative(t) for t in times], x)
        d_sigma = self._per_sample([sch.sigma_derivative(t) for t in times], x)
        if self.scale_input:
            s = sigma_t / alpha
            scale = (s * s + torch.tensor(self.sigma_data * self.sigma_data, dtype=s.dtype, device=s.device)) \
                .sqrt().pow(-1)
            net_in = (xt / alpha) * scale
        else:
            net_in = xt
        label = torch.tensor([self._label(t) for t in times], dtype=torch.float64, device=x.device).to(x.dtype)
        coefficients = (alpha, sigma_t, d_alpha, d_sigma)
        if class_labels is None:
            labels = torch.full((batch,), self.classes, dtype=torch.int64, device=x.device) if self.classes else None
            return self._to_data(self._network(net_in, label, labels, x), xt, *coefficients)
        if not self.classes:
            raise ValueError("the network is unconditional; it takes no class labels")
        labels = torch.as_tensor(class_labels, device=x.device).to(torch.int64).reshape(-1)
        if labels.numel() != batch:
            raise ValueError(f"{labels.numel()} class labels for a batch of {batch}")
        if bool(((labels < 0) | (labels > self.classes)).any()):
            raise ValueError(f"class labels must lie in 0 ... {self.classes} ({self.classes}: no class)")
        if cfg_scale == 1:
            return self._to_data(self._network(net_in, label, labels, x), xt, *coefficients)
        if not cfg_scale >= 0:
            raise ValueError(f"guidance scale must be >= 0, got {cfg_scale}")
        both = torch.cat([labels, torch.full((batch,), self.classes, dtype=torch.int64, device=x.device)])
        output = self._network(torch.cat([net_in, net_in]), torch.cat([label, label]), both, x)
        denoised = self._to_data(output, torch.cat([xt, xt]), *(torch.cat([c, c]) for c in coefficients))
        conditional, unconditional = denoised[:batch], denoised[batch:]
        w = torch.tensor(cfg_scale, dtype=torch.float64).to(x.dtype)
        return unconditional + (conditional - unconditional) * w

    def _network(self, net_in, label, labels, like):
        own = next(self.inner_model.parameters()).dtype
        return self.inner_model(net_in.to(own), label.to(own), labels).to(like.dtype)
