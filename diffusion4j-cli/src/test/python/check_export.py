"""Checks a `d4j export --to pytorch` directory against the Java model's own outputs.

Usage: /usr/bin/python3 check_export.py CASE_DIR ...

Each CASE_DIR holds `export/` (the export directory), `cases.json` and the .npy files it names, written by
ExportCommandTest: inputs and the Java outputs of the denoiser D(x; sigma) (EDM view, float32, optionally with class
labels and a guidance scale) and of the raw network F(x, c_noise, class). The export's own diffusion4j_model.py is
imported, the model loaded in float32 (and once more in float64, for reference), and for every case one JSON line is
printed:

    {"case": NAME, "denoiser_max_abs": ..., "network_max_abs": ..., "scale": max |Java output|,
     "denoiser_max_abs_float64": ..., "evaluations": N}

and, where the case has a `sampling.json`, "heun_max_abs": the README's k-diffusion snippet (sample_heun on
get_sigmas_karras, transcribed below since k-diffusion is not installed) against `d4j sample --sampler heun` from the
same start.

The Java test asserts the bounds; this script only measures (exit status 0 unless it could not run a case).
"""
import importlib.util
import json
import os
import sys

import numpy as np
import torch


def import_module(export_dir, tag):
    path = os.path.join(export_dir, "diffusion4j_model.py")
    spec = importlib.util.spec_from_file_location(f"diffusion4j_model_{tag}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_case(case_dir, tag):
    export_dir = os.path.join(case_dir, "export")
    with open(os.path.join(case_dir, "cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    d4j = import_module(export_dir, tag)
    results = {"case": os.path.basename(case_dir.rstrip("/")), "evaluations": 0}
    for dtype, suffix in ((torch.float32, ""), (torch.float64, "_float64")):
        model = d4j.load(export_dir, dtype=dtype)
        denoiser = d4j.Denoiser(model)
        worst_d = 0.0
        worst_f = 0.0
        scale = 0.0
        with torch.no_grad():
            for e in cases:
                x = torch.from_numpy(np.load(os.path.join(case_dir, e["input"]))).to(dtype)
                expected = np.load(os.path.join(case_dir, e["output"])).astype(np.float64)
                classes = None if e.get("classes") is None else torch.tensor(e["classes"], dtype=torch.int64)
                if e["kind"] == "denoiser":
                    sigma = torch.full((x.shape[0],), e["sigma"], dtype=torch.float64)
                    got = denoiser(x, sigma, class_labels=classes, cfg_scale=e.get("cfg_scale", 1.0))
                else:
                    label = torch.tensor(e["noise_label"], dtype=torch.float64).to(dtype)
                    got = model(x, label, classes)
                got = got.double().numpy()
                if got.shape != expected.shape:
                    raise SystemExit(f"{case_dir}: {e['output']}: shape {got.shape}, Java gave {expected.shape}")
                gap = float(np.abs(got - expected).max())
                if not np.isfinite(gap):
                    gap = float("inf")
                if e["kind"] == "denoiser":
                    worst_d = max(worst_d, gap)
                else:
                    worst_f = max(worst_f, gap)
                scale = max(scale, float(np.abs(expected).max()))
                if suffix == "":
                    results["evaluations"] += 1
        results["denoiser_max_abs" + suffix] = worst_d
        results["network_max_abs" + suffix] = worst_f
        results["scale"] = scale
    run_sampling(case_dir, results, d4j)
    return results


def get_sigmas_karras(n, sigma_min, sigma_max, rho=7.0):
    """k-diffusion's sampling.get_sigmas_karras (float32, as there)."""
    ramp = torch.linspace(0, 1, n)
    min_inv_rho = sigma_min ** (1 / rho)
    max_inv_rho = sigma_max ** (1 / rho)
    sigmas = (max_inv_rho + ramp * (min_inv_rho - max_inv_rho)) ** rho
    return torch.cat([sigmas, sigmas.new_zeros([1])])


def sample_heun(model, x, sigmas, extra_args=None):
    """k-diffusion's sampling.sample_heun without churn (its defaults), transcribed: k-diffusion is not installed
    here, and this is how it calls a denoiser: model(x, sigma * s_in, **extra_args)."""
    extra_args = {} if extra_args is None else extra_args
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        sigma_hat = sigmas[i]
        denoised = model(x, sigma_hat * s_in, **extra_args)
        d = (x - denoised) / sigma_hat
        dt = sigmas[i + 1] - sigma_hat
        if sigmas[i + 1] == 0:
            x = x + d * dt
        else:
            x_2 = x + d * dt
            denoised_2 = model(x_2, sigmas[i + 1] * s_in, **extra_args)
            d_2 = (x_2 - denoised_2) / sigmas[i + 1]
            x = x + (d + d_2) / 2 * dt
    return x


def run_sampling(case_dir, results, d4j):
    """The README's k-diffusion snippet (heun on the run's Karras grid) against `d4j sample` from the same start."""
    path = os.path.join(case_dir, "sampling.json")
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    export_dir = os.path.join(case_dir, "export")
    denoiser = d4j.Denoiser(d4j.load(export_dir))
    x = torch.from_numpy(np.load(os.path.join(case_dir, spec["init"])))
    expected = np.load(os.path.join(case_dir, spec["output"])).astype(np.float64)
    sigmas = get_sigmas_karras(spec["steps"], denoiser.sigma_min, denoiser.sigma_max, rho=denoiser.rho)
    extra_args = {}
    if denoiser.classes:
        extra_args = {"class_labels": torch.arange(x.shape[0]) % denoiser.classes, "cfg_scale": 1.0}
    with torch.no_grad():
        samples = sample_heun(denoiser, x, sigmas, extra_args=extra_args).double().numpy()
    results["heun_max_abs"] = float(np.abs(samples - expected).max())
    results["heun_scale"] = float(np.abs(expected).max())


def main(args):
    if not args:
        raise SystemExit(__doc__)
    torch.set_num_threads(1)
    for i, case_dir in enumerate(args):
        print(json.dumps(run_case(case_dir, i)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
