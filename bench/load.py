"""Load and latency of the running service: gunicorn driven by wrk over loopback.

Usage: python bench/load.py [--model DIR] [--workers 2] [--threads 4] [--duration 10] [--soak 60]
                            [--rounds 1] [--scenarios trivial,"one sentence","100 sentences"]

Starts gunicorn itself (``service/gunicorn_conf.py``, as ``make run`` and the image
do) on a free loopback port, with the model given or one trained from ``data/``
(``--no-eval``), and drives it with wrk (Debian: ``apt-get install wrk``) from a
second process. Three scenarios at concurrency 1, 8 and 32: a trivial JSON endpoint
(``GET /healthz``: the web stack's ceiling), one sentence per ``POST /v1/classify``
and 100 sentences per request. Then a soak at concurrency 32 that mixes good and bad
requests, counting responses by status and connection errors while sampling worker
memory. Prints one table and the issue's targets, met or not.

wrk shares the machine's cores with the service, and other people's jobs may too:
compare figures from one run, and repeat on a quiet machine before trusting them.
``--rounds R`` measures every row R times, the rows interleaved, and reports each
row's medians and the median of the per-round ratios (rows compared side by side
in time, so a change in the machine's load affects both alike); ``--soak 0`` skips
the soak and ``--scenarios`` picks scenarios, for short comparisons.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training import read_corpus  # noqa: E402

CONCURRENCY = (1, 8, 32)
SCENARIOS = ("trivial", "one sentence", "100 sentences")
RESULT_MARK = "@@RESULT@@"

# One wrk script serves every scenario: the requests are pre-formatted in init()
# from a table the runner writes, and done() prints the figures as one JSON line.
# With --count, response() tallies statuses (slower, so only for the soak).
LUA_TEMPLATE = r"""
local entries = %(entries)s
local count_statuses = %(count)s
local threads = {}
local prepared, index = {}, 0
by_class = {}  -- a global: done() reads each thread's copy with thread:get

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for i, e in ipairs(entries) do
    prepared[i] = wrk.format(e[1], e[2], e[3], e[4])
  end
  index = math.random(#prepared) - 1
  by_class = {s2 = 0, s4 = 0, s5 = 0, other = 0}
end

function request()
  index = index %% #prepared + 1
  return prepared[index]
end

if count_statuses then
  function response(status, headers, body)
    if status >= 500 then by_class.s5 = by_class.s5 + 1
    elseif status >= 400 then by_class.s4 = by_class.s4 + 1
    elseif status >= 200 and status < 300 then by_class.s2 = by_class.s2 + 1
    else by_class.other = by_class.other + 1 end
  end
end

function done(summary, latency, requests)
  local totals = {s2 = 0, s4 = 0, s5 = 0, other = 0}
  for _, thread in ipairs(threads) do
    local counts = thread:get("by_class")
    if counts then
      for k, v in pairs(counts) do totals[k] = totals[k] + v end
    end
  end
  local e = summary.errors
  io.write(string.format(
    '%(mark)s{"requests": %%d, "seconds": %%.3f, "p50_ms": %%.3f, "p95_ms": %%.3f, "p99_ms": %%.3f, ' ..
    '"max_ms": %%.3f, "connect": %%d, "read": %%d, "write": %%d, "timeout": %%d, "non_2xx": %%d, ' ..
    '"s2": %%d, "s4": %%d, "s5": %%d, "other": %%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, e.connect, e.read, e.write, e.timeout, e.status,
    totals.s2, totals.s4, totals.s5, totals.other))
end
"""


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def lua_entries(entries: list[tuple[str, str, dict, str | None]]) -> str:
    rows = []
    for method, path, headers, body in entries:
        # "[ [==[" not "[[==[": Lua would read "[[" as the start of a long string.
        header_table = "{" + ", ".join(f"[ {lua_string(k)} ] = {lua_string(v)}" for k, v in headers.items()) + "}"
        rows.append(f"{{{lua_string(method)}, {lua_string(path)}, {header_table}, "
                    f"{lua_string(body) if body is not None else 'nil'}}}")
    return "{\n" + ",\n".join(rows) + "\n}"


def write_script(directory: Path, name: str, entries, count_statuses: bool = False) -> Path:
    path = directory / f"{name}.lua"
    path.write_text(LUA_TEMPLATE % {"entries": lua_entries(entries), "count": "true" if count_statuses else "false",
                                    "mark": RESULT_MARK})
    return path


JSON = {"Content-Type": "application/json"}


def classify(sentences: list[str]) -> tuple:
    return ("POST", "/v1/classify", JSON, json.dumps({"sentences": sentences}))


def scenarios(texts: list[str]) -> dict[str, list]:
    """Request tables: the sentences rotate so no two consecutive requests are alike."""
    batches = [texts[i:i + 100] for i in range(0, 2000, 100)]
    return {
        "trivial": [("GET", "/healthz", {}, None)],
        "one sentence": [classify([text]) for text in texts[:1000]],
        "100 sentences": [classify(batch) for batch in batches],
    }


def soak_entries(texts: list[str]) -> list:
    """Two good requests for every bad one, each bad one a different mistake."""
    good = [classify([t]) for t in texts[:300]] + [classify(texts[i:i + 10]) for i in range(0, 300, 10)]
    bad = [
        ("POST", "/v1/classify", JSON, '{"sentences": ['),  # 400 invalid JSON
        ("POST", "/v1/classify", JSON, '{"sentences": "not a list"}'),  # 422
        ("POST", "/v1/classify", JSON, '{"sentences": []}'),  # 422
        ("POST", "/v1/classify", JSON, json.dumps({"sentences": ["x"] * 501})),  # 422 too many
        ("POST", "/v1/classify", JSON, json.dumps({"sentences": ["x" * 2001]})),  # 422 too long
        ("POST", "/v1/classify", {"Content-Type": "text/plain"}, "hello"),  # 415
        ("POST", "/v1/classify", JSON, "[" * 50 + "]" * 50),  # 400 nested too deep
        ("GET", "/v1/classify", {}, None),  # 405
        ("GET", "/v1/nothing-here", {}, None),  # 404
    ]
    entries = []
    for i, entry in enumerate(good):
        entries.append(entry)
        if i % 2 == 1:
            entries.append(bad[(i // 2) % len(bad)])
    return entries


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready")


def run_wrk(url: str, script: Path, connections: int, seconds: int, path: str = "/") -> dict:
    threads = min(2, connections)  # two cores: more wrk threads only steal from the service
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
               "-s", str(script), url + path]
    done = subprocess.run(command, capture_output=True, text=True)
    line = next((line for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result = json.loads(line[len(RESULT_MARK):])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def worker_cpu_seconds(master: psutil.Process) -> float:
    """CPU time (user + system) the workers have used so far."""
    return sum(sum(worker.cpu_times()[:2]) for worker in master.children())


def measured(master: psutil.Process, url: str, script: Path, connections: int, seconds: int) -> dict:
    """One wrk run plus the workers' CPU time per request: a figure other jobs on the
    machine disturb far less than requests/s, since it counts only the service's own work."""
    before = worker_cpu_seconds(master)
    result = run_wrk(url, script, connections, seconds)
    result["cpu_ms_per_request"] = (worker_cpu_seconds(master) - before) * 1000 / max(result["requests"], 1)
    return result


def worker_memory(master: psutil.Process) -> list[dict]:
    """Resident and unique memory of each worker, in MB (unique: what the worker alone holds)."""
    out = []
    for worker in master.children():
        info = worker.memory_full_info()
        out.append({"pid": worker.pid, "rss_mb": info.rss / 2**20, "uss_mb": info.uss / 2**20})
    return out


class MemorySampler(threading.Thread):
    """Samples the workers' RSS every ``interval`` seconds until stopped."""

    def __init__(self, master: psutil.Process, interval: float = 5.0):
        super().__init__(daemon=True)
        self.master, self.interval = master, interval
        self.samples: list[tuple[float, list[dict]]] = []
        self._finished = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self._finished.is_set():
            self.samples.append((time.monotonic() - started, worker_memory(self.master)))
            self._finished.wait(self.interval)

    def stop(self) -> None:
        self._finished.set()
        self.join()
        self.samples.append((self.samples[-1][0] + self.interval if self.samples else 0.0, worker_memory(self.master)))


#: Counts add up over rounds; figures (rates, latencies, CPU per request) take the median.
_SUMMED = ("requests", "connect", "read", "write", "timeout", "non_2xx", "s2", "s4", "s5", "other")


def combined(measurements: list[dict]) -> dict:
    """One row from the rounds of a scenario and concurrency: counts summed, figures' medians."""
    return {key: sum(m[key] for m in measurements) if key in _SUMMED else statistics.median(m[key] for m in measurements)
            for key in measurements[0]}


def paired_ratio(runs: dict, c: int) -> float:
    """Median over rounds of one sentence's requests/s over the trivial endpoint's, both of the same round."""
    return statistics.median(one["rps"] / trivial["rps"]
                             for one, trivial in zip(runs[("one sentence", c)], runs[("trivial", c)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model directory (default: train one from data/)")
    parser.add_argument("--data", default=str(ROOT / "data"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario and concurrency")
    parser.add_argument("--soak", type=int, default=60, help="seconds of the mixed soak at concurrency 32 (0: none)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every row this many times, rows interleaved; report medians")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help=f"comma-separated, of: {', '.join(SCENARIOS)}")
    args = parser.parse_args()
    args.scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    if not args.scenarios or set(args.scenarios) - set(SCENARIOS) or args.rounds < 1:
        parser.error(f"--scenarios takes names from {', '.join(SCENARIOS)}; --rounds at least 1")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")

    scratch = Path(tempfile.mkdtemp(prefix="claims-load-"))
    texts = read_corpus([args.data]).texts
    model_dir = args.model
    if model_dir is None:
        model_dir = scratch / "model"
        subprocess.run([sys.executable, "-m", "training", "train", "--data", args.data, "--out", str(model_dir),
                        "--no-eval", "--quiet"], check=True, cwd=ROOT)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CLAIMS_MODEL_DIR": str(model_dir), "PROMETHEUS_MULTIPROC_DIR": str(scratch / "metrics"),
           "CLAIMS_FEEDBACK_URL": f"sqlite:///{scratch / 'feedback.sqlite3'}"}
    log = (scratch / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "service" / "gunicorn_conf.py"), "--bind",
         f"127.0.0.1:{port}", "--workers", str(args.workers), "--threads", str(args.threads), "service.wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        try:
            wait_ready(url, server)
        except SystemExit:
            log.flush()
            print((scratch / "gunicorn.log").read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        master = psutil.Process(server.pid)
        scripts = {name: write_script(scratch, name.replace(" ", "_"), entries)
                   for name, entries in scenarios(texts).items() if name in args.scenarios}
        for script in scripts.values():  # warm-up: first requests, lazy imports, CPU caches
            run_wrk(url, script, 8, 3)
        runs: dict[tuple[str, int], list[dict]] = {}
        for round_number in range(1, args.rounds + 1):
            for name, script in scripts.items():
                for connections in CONCURRENCY:
                    result = measured(master, url, script, connections, args.duration)
                    runs.setdefault((name, connections), []).append(result)
                    rounds = f"round {round_number}/{args.rounds} " if args.rounds > 1 else ""
                    print(f"  {rounds}{name:<14} c={connections:<3} {result['rps']:9.1f} req/s "
                          f"{result['cpu_ms_per_request']:6.2f} ms CPU/request", file=sys.stderr, flush=True)
        results = {key: combined(measurements) for key, measurements in runs.items()}
        memory_after_scenarios = worker_memory(master)

        soak, samples = None, []
        if args.soak > 0:
            soak_script = write_script(scratch, "soak", soak_entries(texts), count_statuses=True)
            sampler = MemorySampler(master)
            sampler.start()
            soak = measured(master, url, soak_script, 32, args.soak)
            sampler.stop()
            samples = sampler.samples
        report(args, results, runs, memory_after_scenarios, soak, samples, master)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)


def report(args, results, runs, memory, soak, samples, master) -> None:
    rounds = f", median of {args.rounds} interleaved rounds" if args.rounds > 1 else ""
    print(f"\nservice: gunicorn, {args.workers} workers x {args.threads} threads (gthread); wrk on the same "
          f"machine ({os.cpu_count()} cores), {args.duration} s per row{rounds}; load average "
          f"{os.getloadavg()[0]:.1f} at the end")
    print("\n| scenario | concurrency | requests/s | sentences/s | p50 ms | p95 ms | p99 ms | errors "
          "| worker CPU ms/request |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (name, connections), r in results.items():
        per_request = {"trivial": 0, "one sentence": 1, "100 sentences": 100}[name]
        errors = r["connect"] + r["read"] + r["write"] + r["timeout"] + r["non_2xx"]
        sentences = f"{r['rps'] * per_request:,.0f}" if per_request else "-"
        print(f"| {name} | {connections} | {r['rps']:,.0f} | {sentences} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
              f"{r['p99_ms']:.1f} | {errors} | {r['cpu_ms_per_request']:.2f} |")

    print("\n| worker | RSS MB | unique MB |\n|---|---|---|")
    for worker in memory:
        print(f"| {worker['pid']} | {worker['rss_mb']:.0f} | {worker['uss_mb']:.0f} |")

    if soak is not None:
        dropped = soak["connect"] + soak["read"] + soak["write"] + soak["timeout"]
        first = {w["pid"]: w["rss_mb"] for w in samples[0][1]}
        last = {w["pid"]: w["rss_mb"] for w in samples[-1][1]}
        peak = {pid: max(w["rss_mb"] for _, ws in samples for w in ws if w["pid"] == pid) for pid in first}
        print(f"\nsoak: {args.soak} s at concurrency 32, two good requests to one bad: {soak['requests']:,} requests "
              f"({soak['rps']:,.0f}/s): 2xx {soak['s2']:,}, 4xx {soak['s4']:,}, 5xx {soak['s5']}, "
              f"other {soak['other']}; dropped connections (connect/read/write/timeout) {dropped}; "
              f"p99 {soak['p99_ms']:.1f} ms")
        for pid in first:
            print(f"  worker {pid}: RSS {first[pid]:.1f} MB at start, {peak[pid]:.1f} peak, "
                  f"{last.get(pid, 0):.1f} at end ({len(samples)} samples)")

    measured_names = {name for name, _ in results}
    cpu = {name: statistics.median(results[(name, c)]["cpu_ms_per_request"] for c in CONCURRENCY)
           for name in measured_names}
    print("\ntargets:")
    if {"trivial", "one sentence"} <= measured_names:
        trivial = {c: results[("trivial", c)]["rps"] for c in CONCURRENCY}
        one = {c: results[("one sentence", c)]["rps"] for c in CONCURRENCY}
        for c in CONCURRENCY:
            paired = f" (per round: {paired_ratio(runs, c):.0%})" if args.rounds > 1 else ""
            print(f"  one sentence at c={c}: {one[c] / trivial[c]:.0%}{paired} of the trivial endpoint's requests/s "
                  f"(target >= 70%): {'met' if one[c] >= 0.7 * trivial[c] else 'NOT met'}")
        print(f"  by worker CPU per request (median over concurrencies): trivial {cpu['trivial']:.2f} ms, "
              f"one sentence {cpu['one sentence']:.2f} ms ({cpu['trivial'] / cpu['one sentence']:.0%} of the "
              f"trivial rate)")
    if "100 sentences" in measured_names:
        best_batch = max(results[("100 sentences", c)]["rps"] * 100 for c in CONCURRENCY)
        print(f"  batches: {best_batch:,.0f} sentences/s at best (target >= 10,000): "
              f"{'met' if best_batch >= 10000 else 'NOT met'}; worker CPU {cpu['100 sentences']:.2f} ms per "
              f"100 sentences ({100_000 / cpu['100 sentences']:,.0f} sentences per worker-CPU-second, "
              f"x{os.cpu_count()} cores = {100_000 * os.cpu_count() / cpu['100 sentences']:,.0f}/s)")
    if "one sentence" in measured_names:
        p99 = results[("one sentence", 8)]["p99_ms"]
        print(f"  p99 one sentence at c=8: {p99:.1f} ms (target < 50 ms): {'met' if p99 < 50 else 'NOT met'}")
    biggest = max([w["rss_mb"] for _, ws in samples for w in ws] + [w["rss_mb"] for w in memory])
    print(f"  memory per worker: {biggest:.0f} MB RSS at most (target < 300 MB): "
          f"{'met' if biggest < 300 else 'NOT met'}")
    if soak is not None:
        growth = max(last.get(pid, 0) - first[pid] for pid in first)
        print(f"  soak: 5xx {soak['s5']}, dropped {dropped}, RSS growth {growth:+.1f} MB over the soak: "
              f"{'met' if soak['s5'] == 0 and dropped == 0 and growth < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
