"""The PyTorch side of ``d4j bench torch``: one persistent process that answers timing requests, one JSON line each.

Started by ``org.diffusion4j.bench.TorchProcess`` as ``python torch_bench.py EXPORT_DIR THREADS``, where EXPORT_DIR is
what ``d4j export --to pytorch`` writes (config.json, model.safetensors, export.json, diffusion4j_model.py). The
network is rebuilt by that exported module, so the weights and the architecture are the Java model's.

The first line it writes says whether PyTorch is usable: ``{"ready": true, "torch": VERSION, "threads": N}`` or
``{"ready": false, "error": WHY}``. Then, for each request line on stdin, one answer line on stdout:

- ``{"op": "check", "file": F}``: F is a safetensors file with ``x``, ``noise_label``, ``class_labels`` and
  ``java`` (the Java network's output on them); answers ``{"max_abs_diff": d, "max_abs_java": m}``.
- ``{"op": "forward" | "train", "file": F, "calls": k}``: times k calls on F's inputs (and ``target`` for ``train``)
  and answers ``{"seconds": s}``, the mean time of one call. ``forward``: the network in eval mode under
  ``torch.no_grad()``. ``train``: one training step, as the Java side does it: the network in training mode (its
  dropout on), the mean squared error to ``target``, backward, AdamW (the run's betas, epsilon, weight decay and
  learning rate), gradients zeroed; on a second copy of the network, so the forward copy keeps its weights.
- ``{"op": "quit"}``: exits.

Errors answer ``{"error": WHY}`` and the process goes on.
"""
import json
import sys
import time
import traceback


def _answer(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class _Bench:
    def __init__(self, torch, d4j, directory):
        self.torch = torch
        self.d4j = d4j
        self.forward_model = d4j.load(directory)
        self.train_model = d4j.load(directory).train()
        o = self.forward_model.config["optimization"]
        self.optimizer = torch.optim.AdamW(self.train_model.parameters(), lr=o["learning_rate"],
                                           betas=(o["beta1"], o["beta2"]), eps=o["epsilon"],
                                           weight_decay=o["weight_decay"])
        self.files = {}

    def _inputs(self, path):
        if path not in self.files:
            tensors = self.d4j.read_safetensors(path)
            labels = tensors.get("class_labels")
            self.files[path] = (tensors["x"], tensors["noise_label"],
                                None if labels is None else labels.to(self.torch.int64), tensors)
        return self.files[path]

    def check(self, request):
        x, noise, labels, tensors = self._inputs(request["file"])
        with self.torch.no_grad():
            out = self.forward_model(x, noise, labels)
        java = tensors["java"]
        return {"max_abs_diff": float((out - java).abs().max()), "max_abs_java": float(java.abs().max())}

    def forward(self, request):
        x, noise, labels, _ = self._inputs(request["file"])
        calls = int(request["calls"])
        with self.torch.no_grad():
            start = time.perf_counter()
            for _ in range(calls):
                self.forward_model(x, noise, labels)
            return {"seconds": (time.perf_counter() - start) / calls}

    def train(self, request):
        x, noise, labels, tensors = self._inputs(request["file"])
        target = tensors["target"]
        calls = int(request["calls"])
        start = time.perf_counter()
        for _ in range(calls):
            error = self.train_model(x, noise, labels) - target
            loss = (error * error).mean()
            loss.item()
            loss.backward()
            self.optimizer.step()
            self.optimizer.zero_grad()
        return {"seconds": (time.perf_counter() - start) / calls}


def main():
    if len(sys.argv) != 3:
        _answer({"ready": False, "error": "usage: torch_bench.py EXPORT_DIR THREADS"})
        return 2
    directory, threads = sys.argv[1], int(sys.argv[2])
    try:
        import torch
    except Exception as e:  # ImportError, or a broken installation
        _answer({"ready": False, "error": f"{type(e).__name__}: {e}"})
        return 0
    torch.set_num_threads(threads)
    sys.path.insert(0, directory)
    try:
        import diffusion4j_model as d4j
        bench = _Bench(torch, d4j, directory)
    except Exception as e:
        _answer({"ready": False, "error": f"the exported model does not load: {type(e).__name__}: {e}"})
        return 1
    _answer({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()})
    handlers = {"check": bench.check, "forward": bench.forward, "train": bench.train}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if request.get("op") == "quit":
                return 0
            handler = handlers.get(request.get("op"))
            if handler is None:
                _answer({"error": f"unknown op {request.get('op')!r}"})
                continue
            _answer(handler(request))
        except Exception as e:
            _answer({"error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
