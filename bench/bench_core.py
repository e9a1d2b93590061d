"""Benchmarks of the NumPy core. Prints figures; asserts nothing.

    python bench/bench_core.py                  # everything
    python bench/bench_core.py --quick          # fewer repeats
    python bench/bench_core.py --threads 1      # one BLAS / torch thread (steadier on a busy machine)
    python bench/bench_core.py --baseline DIR   # side by side with the rnnsim package in DIR
                                                # (e.g. git worktree add /tmp/old <commit>)

(a) forward + BPTT with the full trace, float64 LSTM, H=64, T=256, E=32, V=50:
    rnnsim vs torch (embedding -> nn.LSTM -> linear -> summed cross-entropy, forward +
    backward, dL/dh_t retained) in float64 and float32, measured in turns in one process;
    medians and ratios. torch float32 runs oneDNN's fused LSTM kernel; "torch f32 plain" is
    the same with oneDNN off (ATen calls per step, as torch float64 always runs).
    Targets: >= 5x faster than torch float64, <= 2x the time of torch float32.
(b) one Stepper.advance() at H=64: median microseconds, and the CPU time per step over
    all steps (the stepper reads ahead in blocks; target well under 50 us).
(c) T=10,000, H=128 LSTM forward + BPTT: time (target < 1 s) and peak memory traced by
    tracemalloc (NumPy reports its buffers to it; target < 400 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--only", choices=("a", "b", "c"), help="run one benchmark")
    ap.add_argument("--threads", type=int, help="BLAS and torch threads (default: their own choice)")
    ap.add_argument("--no-torch", action="store_true", help="skip the torch comparison")
    ap.add_argument("--baseline", metavar="DIR", help="also run the rnnsim package found in DIR, in turns")
    ap.add_argument("--rounds", type=int, default=3, help="turns per side with --baseline (default 3)")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one process's figures
    ap.add_argument("--rnnsim-path", help=argparse.SUPPRESS)  # where to import rnnsim from
    return ap.parse_args(argv)


ARGS = parse_args()
if ARGS.threads:  # before NumPy (OpenBLAS) and torch start their thread pools
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)
sys.path.insert(0, ARGS.rnnsim_path or str(HERE.parent))

import numpy as np  # noqa: E402

import rnnsim  # noqa: E402
from rnnsim.core import Stepper  # noqa: E402

try:  # the process's malloc as the `rnnsim` program sets it (rnnsim/malloc.py)
    from rnnsim.malloc import keep_freed_memory  # noqa: E402
except ImportError:  # an older checkout: glibc's defaults
    keep_freed_memory = None
else:
    keep_freed_memory()


def log(*a):
    if not ARGS.json:
        print(*a, flush=True)


def model_lstm(V: int, E: int, H: int, seed: int = 0, bidirectional: bool = False, layers: int = 1):
    vocab = [f"w{i}" for i in range(V - 1)]
    more = {"num_layers": layers} if layers > 1 else {}  # a baseline from before layers takes no such option
    return rnnsim.random_model("lstm", vocab=vocab, hidden=H, embed=E, seed=seed, bidirectional=bidirectional, **more)


def tokens_for(model, T: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    return [model.vocab.tokens[i] for i in rng.integers(0, len(model.vocab), size=T)]


def faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def torch_runner(model, ids, dtype, onednn: bool = True):
    """torch doing (a)'s work. On CPU, torch runs a float32 LSTM through oneDNN's fused
    kernel (the whole sequence in compiled code) when oneDNN is on, its default; float64
    has no such kernel and steps through ATen calls, as `onednn=False` makes float32 do."""
    import torch
    from torch import nn

    V, E, H = len(model.vocab), model.embed, model.hidden
    emb = nn.Embedding(V, E).to(dtype)
    lstm = nn.LSTM(E, H, num_layers=getattr(model, "num_layers", 1), batch_first=True).to(dtype)
    head = nn.Linear(H, V).to(dtype)
    with torch.no_grad():
        emb.weight.copy_(torch.from_numpy(model.params["embedding.weight"]))
        for name, p in lstm.named_parameters():
            p.copy_(torch.from_numpy(model.params[f"rnn.{name}"]))
        head.weight.copy_(torch.from_numpy(model.params["head.weight"]))
        head.bias.copy_(torch.from_numpy(model.params["head.bias"]))
    x = torch.as_tensor(ids[:-1])[None]
    y = torch.as_tensor(ids[1:])
    params = [*emb.parameters(), *lstm.parameters(), *head.parameters()]

    def step():
        with torch.backends.mkldnn.flags(enabled=onednn):
            return forward_backward()

    def forward_backward():
        for p in params:
            p.grad = None
        out, _ = lstm(emb(x))
        out.retain_grad()  # dL/dh_t from the head, as rnnsim keeps it
        loss = nn.functional.cross_entropy(head(out[0]), y, reduction="sum")
        loss.backward()
        return loss

    return step


def bench_a(repeats: int, out: dict) -> None:
    for layers in (1, 2, 3):
        try:
            model = model_lstm(50, 32, 64, layers=layers)
        except TypeError:  # a baseline from before stacked layers
            log(f"(a) {layers} layers: this rnnsim has no stacked layers")
            continue
        bench_a_layers(model, repeats, out, "a" if layers == 1 else f"a_L{layers}")


def bench_a_layers(model, repeats: int, out: dict, key: str) -> None:
    V, E, H, T = len(model.vocab), model.embed, model.hidden, 256
    L = getattr(model, "num_layers", 1)
    toks = tokens_for(model, T + 1)  # T scored positions, as torch's T below
    log(f"({key}) LSTM, {L} layer(s), forward + BPTT, full trace: V={V} E={E} H={H} T={T}, loss 'all'")
    runners = {"rnnsim float64": lambda: model.run(toks, loss="all")}
    torch = None
    if not ARGS.no_torch:
        try:
            import torch
        except ImportError:
            log("    torch is not installed: no comparison")
    if torch is not None:
        if ARGS.threads:
            torch.set_num_threads(ARGS.threads)
        ids = np.array(model.vocab.encode(toks))
        runners["torch float64"] = torch_runner(model, ids, torch.float64)
        runners["torch float32"] = torch_runner(model, ids, torch.float32)
        if torch.backends.mkldnn.is_available():
            runners["torch f32 plain"] = torch_runner(model, ids, torch.float32, onednn=False)
    times: dict[str, list[float]] = {k: [] for k in runners}
    cpu: dict[str, list[float]] = {k: [] for k in runners}  # the process's CPU time (all its threads)
    page_faults, rounds = 0, 3
    for _ in range(rounds):  # blocks in turns: each side runs warm, all see the same machine
        for name, fn in runners.items():
            fn()
            for _ in range(max(1, repeats // rounds)):
                f = faults()
                c0, t0 = time.process_time(), time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
                if name == "rnnsim float64":
                    page_faults += faults() - f
    n_runs = len(times["rnnsim float64"])
    med = {k: statistics.median(v) for k, v in times.items()}
    mcpu = {k: statistics.median(v) for k, v in cpu.items()}
    for name, v in times.items():
        threads = f"  (torch threads {torch.get_num_threads()})" if name.startswith("torch") else ""
        log(f"    {name:<16} median {med[name] * 1e3:7.2f} ms   min {min(v) * 1e3:7.2f} ms   "
            f"CPU median {mcpu[name] * 1e3:7.2f} ms{threads}")  # fmt: skip
    out[f"{key}_rnnsim_ms"] = med["rnnsim float64"] * 1e3
    out[f"{key}_rnnsim_cpu_ms"] = mcpu["rnnsim float64"] * 1e3
    out[f"{key}_page_faults_per_run"] = page_faults / n_runs
    log(f"    rnnsim: {page_faults / n_runs:.0f} page faults per run (fresh memory from the OS)")
    if torch is not None:
        r64 = med["torch float64"] / med["rnnsim float64"]
        r32 = med["rnnsim float64"] / med["torch float32"]
        out[f"{key}_torch64_ms"], out[f"{key}_torch32_ms"] = med["torch float64"] * 1e3, med["torch float32"] * 1e3
        out[f"{key}_torch64_cpu_ms"] = mcpu["torch float64"] * 1e3
        out[f"{key}_torch32_cpu_ms"] = mcpu["torch float32"] * 1e3
        log(f"    rnnsim is {r64:5.2f}x faster than torch float64    (target >= 5x)")
        log(f"    rnnsim takes {r32:5.2f}x the time of torch float32  (target <= 2x)")
        c64, c32 = mcpu["torch float64"] / mcpu["rnnsim float64"], mcpu["rnnsim float64"] / mcpu["torch float32"]
        log(f"    in CPU time: {c64:5.2f}x faster than torch float64, {c32:5.2f}x torch float32's")
        if "torch f32 plain" in med:
            plain = med["torch f32 plain"]
            out[f"{key}_torch32_plain_ms"] = plain * 1e3
            log(f"    torch float32 without oneDNN's fused kernel: rnnsim is "
                f"{plain / med['rnnsim float64']:5.2f}x faster")  # fmt: skip


def bench_b(repeats: int, out: dict) -> None:
    H, E, V = 64, 32, 50
    n = max(repeats * 50, 500)
    log(f"(b) one Stepper.advance(), LSTM H={H}")
    for bi in (False, True):
        m = model_lstm(V, E, H, bidirectional=bi)
        st = Stepper(m, tokens_for(m, n))
        times = []
        cpu0 = time.thread_time()
        while not st.done:
            t0 = time.perf_counter()
            st.advance()
            times.append(time.perf_counter() - t0)
        # The stepper reads ahead (every 32nd step runs the cell over the next 32 tokens), so
        # the median step is cheap; what a step costs on average is the CPU time over all.
        per_step = (time.thread_time() - cpu0) / len(times) * 1e6
        label = "bidirectional" if bi else "unidirectional"
        us = statistics.median(times[10:]) * 1e6
        out[f"b_{label}_us"] = us
        out[f"b_{label}_cpu_per_step_us"] = per_step
        log(f"    {label:<15} median {us:6.1f} us over {len(times)} steps, CPU per step {per_step:6.1f} us"
            "   (target well under 50 us)")  # fmt: skip


def bench_c(repeats: int, out: dict) -> None:
    V, E, H, T = 50, 32, 128, 10_000
    model = model_lstm(V, E, H)
    toks = tokens_for(model, T)
    log(f"(c) LSTM forward + BPTT, V={V} E={E} H={H} T={T}")
    model.run(toks, loss="all")
    times = []
    for _ in range(max(1, repeats // 4)):
        t0 = time.perf_counter()
        model.run(toks, loss="all")
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    model.run(toks, loss="all")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out["c_s"], out["c_peak_mb"] = statistics.median(times), peak / 2**20
    log(f"    time {out['c_s']:6.3f} s median of {len(times)}   (target < 1 s)")
    log(f"    peak traced memory {out['c_peak_mb']:6.1f} MB   (target < 400 MB)")


def run_here() -> dict:
    repeats = 5 if ARGS.quick else 21
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    log(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cpus, "
        f"load average {load}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '-')}, "
        f"threads {ARGS.threads or 'default'}")  # fmt: skip
    out: dict = {}
    for name, fn in (("a", bench_a), ("b", bench_b), ("c", bench_c)):
        if ARGS.only in (None, name):
            fn(repeats, out)
    return out


def side_by_side() -> None:
    """Run this script with --json for the baseline package and for this one, in turns."""
    base = str(Path(ARGS.baseline).resolve())
    if not (Path(base) / "rnnsim" / "__init__.py").is_file():
        sys.exit(f"bench_core: no rnnsim package in {base}")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--json"]
    for flag, val in (("--only", ARGS.only), ("--threads", ARGS.threads)):
        if val:
            cmd += [flag, str(val)]
    if ARGS.quick:
        cmd.append("--quick")
    results: dict[str, list[dict]] = {"baseline": [], "current": []}
    for _ in range(ARGS.rounds):
        for side, path in (("baseline", base), ("current", str(HERE.parent))):
            # torch runs in both sides' processes: its big blocks also move glibc's thresholds,
            # so both sides see the same allocator
            torch_flag = ["--no-torch"] if ARGS.no_torch else []
            proc = subprocess.run(
                [*cmd, *torch_flag, "--rnnsim-path", path], capture_output=True, text=True, check=True
            )
            results[side].append(json.loads(proc.stdout))
    print(f"side by side, median of {ARGS.rounds} alternating runs; baseline = {base}")
    print(f"    {'figure':<28} {'baseline':>10} {'current':>10} {'current/baseline':>17}")
    for key in results["current"][0]:
        c = statistics.median(r[key] for r in results["current"])
        if key not in results["baseline"][0]:  # a figure the baseline cannot give (stacked layers)
            print(f"    {key:<28} {'-':>10} {c:10.3f} {'-':>17}")
            continue
        b = statistics.median(r[key] for r in results["baseline"])
        print(f"    {key:<28} {b:10.3f} {c:10.3f} {c / b if b else float('nan'):17.2f}")
    med = {side: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for side, rs in results.items()}
    for key in ("a", "a_L2", "a_L3"):
        for side in ("baseline", "current"):
            m = med[side]
            if f"{key}_torch32_ms" not in m:
                continue
            for what, unit in (("time", "ms"), ("CPU time", "cpu_ms")):  # CPU: steadier on a shared machine
                ours, t64, t32 = (m.get(f"{key}_{k}_{unit}", float("nan")) for k in ("rnnsim", "torch64", "torch32"))
                print(f"    ({key}) {side:<8} in {what:<8}: {t64 / ours:5.2f}x faster than torch float64 (>= 5x), "
                      f"{ours / t32:5.2f}x torch float32's (<= 2x)")  # fmt: skip


if __name__ == "__main__":
    if ARGS.baseline:
        side_by_side()
    else:
        result = run_here()
        if ARGS.json:
            print(json.dumps(result))
