"""Float64 reference runs of k-diffusion's samplers, for diffusion4j's parity test.

The update rules of crowsonkb/k-diffusion's ``sampling.py`` (v0.1.x: ``sample_euler`` ... ``sample_dpmpp_3m_sde``)
are written out here in NumPy, step for step in the same arithmetic, and run with the exact Gaussian-mixture
denoiser on a fixed start, grid and list of noise draws. The Java samplers are fed the same draws (in the same
order) and must agree to about 1e-12.

Two deliberate details, mirrored on the Java side:
* churn noise (euler/heun/dpm2) is taken from the replayed draws, and only on steps with gamma > 0
  (k-diffusion draws it with randn_like on every step);
* a noise draw whose multiplier is zero is skipped.

Run:  python3 kdiffusion_reference.py  (writes ../resources/org/diffusion4j/sample/kdiffusion-parity.npz)
"""
import json
import math
import os

import numpy as np


def load_mixture(path):
    with open(path) as f:
        spec = json.load(f)
    w = np.asarray(spec["weights"], dtype=np.float64)
    return w / w.sum(), np.asarray(spec["means"], np.float64), np.asarray(spec["variances"], np.float64)


def make_denoiser(weights, means, variances):
    def denoise(x, sigma):
        s = variances + sigma * sigma                        # (K, D)
        diff = x[:, None, :] - means[None, :, :]             # (B, K, D)
        logits = np.log(weights) - 0.5 * np.sum(np.log(2 * math.pi * s), axis=1) \
            - 0.5 * np.sum(diff * diff / s, axis=2)           # (B, K)
        logits -= logits.max(axis=1, keepdims=True)
        r = np.exp(logits)
        r /= r.sum(axis=1, keepdims=True)
        post = means[None] + (variances / s)[None] * diff
        return np.einsum("bk,bkd->bd", r, post)
    return denoise


class Replay:
    def __init__(self, draws):
        self.draws = draws
        self.used = 0

    def __call__(self, sigma, sigma_next):
        d = self.draws[self.used]
        self.used += 1
        return d


def to_d(x, sigma, denoised):
    return (x - denoised) / sigma


def ancestral_step(sigma_from, sigma_to, eta=1.0):
    if not eta:
        return sigma_to, 0.0
    up = min(sigma_to, eta * (sigma_to ** 2 * (sigma_from ** 2 - sigma_to ** 2) / sigma_from ** 2) ** 0.5)
    return (sigma_to ** 2 - up ** 2) ** 0.5, up


def churn_gamma(s_churn, s_tmin, s_tmax, sigma, n):
    return min(s_churn / n, 2 ** 0.5 - 1) if s_tmin <= sigma <= s_tmax else 0.0


def euler(model, x, sigmas, noise, s_churn=0.0, s_tmin=0.0, s_tmax=float("inf"), s_noise=1.0):
    n = len(sigmas) - 1
    for i in range(n):
        gamma = churn_gamma(s_churn, s_tmin, s_tmax, sigmas[i], n)
        sigma_hat = sigmas[i] * (gamma + 1)
        if gamma > 0:
            x = x + noise(sigma_hat, sigmas[i]) * s_noise * (sigma_hat ** 2 - sigmas[i] ** 2) ** 0.5
        denoised = model(x, sigma_hat)
        d = to_d(x, sigma_hat, denoised)
        x = x + d * (sigmas[i + 1] - sigma_hat)
    return x


def heun(model, x, sigmas, noise, s_churn=0.0, s_tmin=0.0, s_tmax=float("inf"), s_noise=1.0):
    n = len(sigmas) - 1
    for i in range(n):
        gamma = churn_gamma(s_churn, s_tmin, s_tmax, sigmas[i], n)
        sigma_hat = sigmas[i] * (gamma + 1)
        if gamma > 0:
            x = x + noise(sigma_hat, sigmas[i]) * s_noise * (sigma_hat ** 2 - sigmas[i] ** 2) ** 0.5
        denoised = model(x, sigma_hat)
        d = to_d(x, sigma_hat, denoised)
        dt = sigmas[i + 1] - sigma_hat
        if sigmas[i + 1] == 0:
            x = x + d * dt
        else:
            x_2 = x + d * dt
            d_2 = to_d(x_2, sigmas[i + 1], model(x_2, sigmas[i + 1]))
            x = x + (d + d_2) / 2 * dt
    return x


def dpm_2(model, x, sigmas, noise, s_churn=0.0, s_tmin=0.0, s_tmax=float("inf"), s_noise=1.0):
    n = len(sigmas) - 1
    for i in range(n):
        gamma = churn_gamma(s_churn, s_tmin, s_tmax, sigmas[i], n)
        sigma_hat = sigmas[i] * (gamma + 1)
        if gamma > 0:
            x = x + noise(sigma_hat, sigmas[i]) * s_noise * (sigma_hat ** 2 - sigmas[i] ** 2) ** 0.5
        denoised = model(x, sigma_hat)
        d = to_d(x, sigma_hat, denoised)
        if sigmas[i + 1] == 0:
            x = x + d * (sigmas[i + 1] - sigma_hat)
        else:
            sigma_mid = math.exp(math.log(sigma_hat) + 0.5 * (math.log(sigmas[i + 1]) - math.log(sigma_hat)))
            x_2 = x + d * (sigma_mid - sigma_hat)
            d_2 = to_d(x_2, sigma_mid, model(x_2, sigma_mid))
            x = x + d_2 * (sigmas[i + 1] - sigma_hat)
    return x


def euler_ancestral(model, x, sigmas, noise, eta=1.0, s_noise=1.0):
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        sigma_down, sigma_up = ancestral_step(sigmas[i], sigmas[i + 1], eta)
        d = to_d(x, sigmas[i], denoised)
        x = x + d * (sigma_down - sigmas[i])
        if sigmas[i + 1] > 0 and sigma_up > 0:
            x = x + noise(sigmas[i], sigmas[i + 1]) * s_noise * sigma_up
    return x


def dpm_2_ancestral(model, x, sigmas, noise, eta=1.0, s_noise=1.0):
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        sigma_down, sigma_up = ancestral_step(sigmas[i], sigmas[i + 1], eta)
        d = to_d(x, sigmas[i], denoised)
        if sigma_down == 0:
            x = x + d * (sigma_down - sigmas[i])
        else:
            sigma_mid = math.exp(math.log(sigmas[i]) + 0.5 * (math.log(sigma_down) - math.log(sigmas[i])))
            x_2 = x + d * (sigma_mid - sigmas[i])
            d_2 = to_d(x_2, sigma_mid, model(x_2, sigma_mid))
            x = x + d_2 * (sigma_down - sigmas[i])
            if sigma_up > 0:
                x = x + noise(sigmas[i], sigmas[i + 1]) * s_noise * sigma_up
    return x


def lms_coeff(order, t, i, j):
    # the integrand is a polynomial of degree order-1: Gauss-Legendre with 4 nodes is exact (scipy's quad agrees)
    nodes, weights = np.polynomial.legendre.leggauss(4)
    a, b = t[i], t[i + 1]
    total = 0.0
    for node, weight in zip(nodes, weights):
        tau = 0.5 * (a + b) + 0.5 * (b - a) * node
        prod = 1.0
        for k in range(order):
            if j != k:
                prod *= (tau - t[i - k]) / (t[i - j] - t[i - k])
        total += weight * prod
    return 0.5 * (b - a) * total


def lms(model, x, sigmas, noise, order=4):
    ds = []
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        ds.append(to_d(x, sigmas[i], denoised))
        if len(ds) > order:
            ds.pop(0)
        cur_order = min(i + 1, order)
        coeffs = [lms_coeff(cur_order, sigmas, i, j) for j in range(cur_order)]
        x = x + sum(c * d for c, d in zip(coeffs, reversed(ds)))
    return x


def dpmpp_2s_ancestral(model, x, sigmas, noise, eta=1.0, s_noise=1.0):
    sigma_fn = lambda t: math.exp(-t)
    t_fn = lambda s: -math.log(s)
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        sigma_down, sigma_up = ancestral_step(sigmas[i], sigmas[i + 1], eta)
        if sigma_down == 0:
            x = x + to_d(x, sigmas[i], denoised) * (sigma_down - sigmas[i])
        else:
            t, t_next = t_fn(sigmas[i]), t_fn(sigma_down)
            h = t_next - t
            s = t + 0.5 * h
            x_2 = (sigma_fn(s) / sigma_fn(t)) * x - math.expm1(-h * 0.5) * denoised
            denoised_2 = model(x_2, sigma_fn(s))
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - math.expm1(-h) * denoised_2
        if sigmas[i + 1] > 0 and sigma_up > 0:
            x = x + noise(sigmas[i], sigmas[i + 1]) * s_noise * sigma_up
    return x


def dpmpp_sde(model, x, sigmas, noise, eta=1.0, s_noise=1.0, r=0.5):
    sigma_fn = lambda t: math.exp(-t)
    t_fn = lambda s: -math.log(s)
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        if sigmas[i + 1] == 0:
            x = x + to_d(x, sigmas[i], denoised) * (sigmas[i + 1] - sigmas[i])
        else:
            t, t_next = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
            h = t_next - t
            s = t + h * r
            fac = 1 / (2 * r)
            sd, su = ancestral_step(sigma_fn(t), sigma_fn(s), eta)
            s_ = t_fn(sd)
            x_2 = (sigma_fn(s_) / sigma_fn(t)) * x - math.expm1(t - s_) * denoised
            if su > 0:
                x_2 = x_2 + noise(sigma_fn(t), sigma_fn(s)) * s_noise * su
            denoised_2 = model(x_2, sigma_fn(s))
            sd, su = ancestral_step(sigma_fn(t), sigma_fn(t_next), eta)
            t_next_ = t_fn(sd)
            denoised_d = (1 - fac) * denoised + fac * denoised_2
            x = (sigma_fn(t_next_) / sigma_fn(t)) * x - math.expm1(t - t_next_) * denoised_d
            if su > 0:
                x = x + noise(sigma_fn(t), sigma_fn(t_next)) * s_noise * su
    return x


def dpmpp_2m(model, x, sigmas, noise):
    sigma_fn = lambda t: math.exp(-t)
    t_fn = lambda s: -math.log(s) if s > 0 else math.inf
    old = None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        t, t_next = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
        h = t_next - t
        if old is None or sigmas[i + 1] == 0:
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - math.expm1(-h) * denoised
        else:
            h_last = t - t_fn(sigmas[i - 1])
            r = h_last / h
            denoised_d = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * old
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - math.expm1(-h) * denoised_d
        old = denoised
    return x


def dpmpp_2m_sde(model, x, sigmas, noise, eta=1.0, s_noise=1.0, solver_type="midpoint"):
    old = None
    h_last = None
    h = None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            t, s = -math.log(sigmas[i]), -math.log(sigmas[i + 1])
            h = s - t
            eta_h = eta * h
            x = sigmas[i + 1] / sigmas[i] * math.exp(-eta_h) * x + (-math.expm1(-h - eta_h)) * denoised
            if old is not None:
                r = h_last / h
                if solver_type == "heun":
                    x = x + ((-math.expm1(-h - eta_h)) / (-h - eta_h) + 1) * (1 / r) * (denoised - old)
                else:
                    x = x + 0.5 * (-math.expm1(-h - eta_h)) * (1 / r) * (denoised - old)
            if eta:
                x = x + noise(sigmas[i], sigmas[i + 1]) * sigmas[i + 1] * math.sqrt(-math.expm1(-2 * eta_h)) * s_noise
        old = denoised
        h_last = h
    return x


def dpmpp_3m_sde(model, x, sigmas, noise, eta=1.0, s_noise=1.0):
    d1_, d2_ = None, None
    h, h_1, h_2 = None, None, None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            t, s = -math.log(sigmas[i]), -math.log(sigmas[i + 1])
            h = s - t
            h_eta = h * (eta + 1)
            x = math.exp(-h_eta) * x + (-math.expm1(-h_eta)) * denoised
            if h_2 is not None:
                r0 = h_1 / h
                r1 = h_2 / h
                d1_0 = (denoised - d1_) / r0
                d1_1 = (d1_ - d2_) / r1
                d1 = d1_0 + (d1_0 - d1_1) * r0 / (r0 + r1)
                d2 = (d1_0 - d1_1) / (r0 + r1)
                phi_2 = math.expm1(-h_eta) / h_eta + 1
                phi_3 = phi_2 / h_eta - 0.5
                x = x + phi_2 * d1 - phi_3 * d2
            elif h_1 is not None:
                r = h_1 / h
                d = (denoised - d1_) / r
                phi_2 = math.expm1(-h_eta) / h_eta + 1
                x = x + phi_2 * d
            if eta:
                x = x + noise(sigmas[i], sigmas[i + 1]) * sigmas[i + 1] * math.sqrt(-math.expm1(-2 * h * eta)) * s_noise
        d1_, d2_ = denoised, d1_
        h_1, h_2 = h, h_1
    return x


def karras(n, sigma_min, sigma_max, rho=7.0):
    ramp = np.linspace(0, 1, n)
    a, b = sigma_max ** (1 / rho), sigma_min ** (1 / rho)
    return np.append((a + ramp * (b - a)) ** rho, 0.0)


def exponential(n, sigma_min, sigma_max):
    return np.exp(np.linspace(math.log(sigma_max), math.log(sigma_min), n))


# (case name, diffusion4j sampler spec, reference function, keyword arguments)
CASES = [
    ("euler", "euler", euler, {}),
    ("euler-churn", "euler:s_churn=3,s_tmin=0.05,s_tmax=50,s_noise=1.003", euler,
     dict(s_churn=3.0, s_tmin=0.05, s_tmax=50.0, s_noise=1.003)),
    ("heun", "heun", heun, {}),
    ("heun-churn", "heun:s_churn=3,s_tmin=0.05,s_tmax=50,s_noise=1.003", heun,
     dict(s_churn=3.0, s_tmin=0.05, s_tmax=50.0, s_noise=1.003)),
    ("dpm2", "dpm2", dpm_2, {}),
    ("dpm2-churn", "dpm2:s_churn=3,s_tmin=0.05,s_tmax=50,s_noise=1.003", dpm_2,
     dict(s_churn=3.0, s_tmin=0.05, s_tmax=50.0, s_noise=1.003)),
    ("euler-ancestral", "euler-ancestral", euler_ancestral, {}),
    ("euler-ancestral-eta", "euler-ancestral:eta=0.5,s_noise=1.1", euler_ancestral, dict(eta=0.5, s_noise=1.1)),
    ("dpm2-ancestral", "dpm2-ancestral", dpm_2_ancestral, {}),
    ("lms", "lms", lms, {}),
    ("lms-2", "lms:order=2", lms, dict(order=2)),
    ("dpmpp-2s-ancestral", "dpmpp-2s-ancestral", dpmpp_2s_ancestral, {}),
    ("dpmpp-sde", "dpmpp-sde", dpmpp_sde, {}),
    ("dpmpp-sde-eta", "dpmpp-sde:eta=0.6,r=0.4", dpmpp_sde, dict(eta=0.6, r=0.4)),
    ("dpmpp-2m", "dpmpp-2m", dpmpp_2m, {}),
    ("dpmpp-2m-sde", "dpmpp-2m-sde", dpmpp_2m_sde, {}),
    ("dpmpp-2m-sde-heun", "dpmpp-2m-sde:solver=heun", dpmpp_2m_sde, dict(solver_type="heun")),
    ("dpmpp-2m-sde-ode", "dpmpp-2m-sde:eta=0,solver=heun", dpmpp_2m_sde, dict(eta=0.0, solver_type="heun")),
    ("dpmpp-3m-sde", "dpmpp-3m-sde", dpmpp_3m_sde, {}),
    ("dpmpp-3m-sde-ode", "dpmpp-3m-sde:eta=0", dpmpp_3m_sde, dict(eta=0.0)),
]

GRIDS = {
    "karras": karras(12, 0.002, 80.0),
    "exponential": exponential(9, 0.01, 40.0),
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    spec = os.path.join(here, "../../main/resources/org/diffusion4j/denoise/mixtures/eight-gaussians.json")
    model = make_denoiser(*load_mixture(spec))
    rng = np.random.default_rng(20240611)
    batch, dim = 16, 2
    z = rng.standard_normal((batch, dim))
    draws = rng.standard_normal((64, batch, dim))
    out = {"z": z, "draws": draws}
    for grid_name, sigmas in GRIDS.items():
        out["grid/" + grid_name] = sigmas
        for case, spec_string, fn, kwargs in CASES:
            noise = Replay(draws)
            x = fn(model, z * sigmas[0], sigmas, noise, **kwargs)
            out["result/" + grid_name + "/" + case] = x
            out["used/" + grid_name + "/" + case] = np.array([noise.used], dtype=np.int64)
    out["specs"] = np.array([c[0] + "=" + c[1] for c in CASES])
    target = os.path.join(here, "../resources/org/diffusion4j/sample/kdiffusion-parity.npz")
    np.savez(target, **{k.replace("/", "."): v for k, v in out.items() if k != "specs"})
    with open(target.replace(".npz", "-cases.txt"), "w") as f:
        f.write("\n".join(c[0] + "\t" + c[1] for c in CASES) + "\n")
    print("wrote", target)


if __name__ == "__main__":
    main()
