"""What clients see when one of two replicas behind HAProxy is stopped under load.

Usage: python bench/replica_failover.py [--model DIR] [--repeats R]

Runs the drill of tests/replicas (two gunicorn replicas on loopback ports, HAProxy
with deploy/haproxy.cfg checking /readyz every 200 ms, a throw-away PostgreSQL for
feedback, 6 client threads, SIGTERM to one replica mid-load) R times and prints,
per run: the load, the time from SIGTERM until the balancer was seen marking the
replica DOWN (polled every 0.1 s), the failures clients saw before their retry,
HAProxy's own retries and redispatches, and whether every feedback row is stored
exactly once. Needs haproxy and Debian's postgresql binaries (see
.ci/install-system-deps.sh). Without --model it trains the tests' tiny model.
Machines here are shared: the rates are noisy.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.feedback.pg_cluster import PostgresCluster  # noqa: E402
from tests.replicas.drill import stop_one_replica_under_load  # noqa: E402
from training import train  # noqa: E402
from training.feedback import open_feedback_store  # noqa: E402


def one_run(model_dir: Path, cluster: PostgresCluster, scratch: Path) -> dict:
    url = cluster.create_database()
    drill = stop_one_replica_under_load(model_dir, url, scratch)
    load, backend = drill.load, drill.after["BACKEND"]
    with open_feedback_store(url, create=False) as store:
        rows = list(store.iter_feedback())
    failed = Counter("dropped" if a.status is None else str(a.status) for a in load.attempts
                     if a.status is None or a.status >= 500)
    return {
        "requests": len(load.final_attempts()),
        "per_s": len(load.attempts) / (load.stopped_at - load.started_at),
        "down_s": drill.down_seen_at - drill.signalled_at,
        "failed": ", ".join(f"{n} {kind}" for kind, n in sorted(failed.items())) or "none",
        "retries": backend["wretr"],
        "redispatches": backend["wredis"],
        "feedback": f"{len(load.feedback_sent)} sent, {len(rows)} rows, {len({r.id for r in rows})} distinct",
        "replays": sum(1 for a in load.attempts if a.replayed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model directory (default: train the tests' tiny model)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="replica-failover-") as temp:
        temp = Path(temp)
        model_dir = args.model
        if model_dir is None:
            model_dir = temp / "model"
            train([ROOT / "tests" / "fixtures" / "tiny_corpus.csv"], model_dir, cv_folds=3)
        cluster = PostgresCluster().start()
        try:
            print("run | requests | attempts/s | SIGTERM->DOWN s | client-visible failures | "
                  "HAProxy retries | redispatches | feedback | replays")
            for run in range(1, args.repeats + 1):
                r = one_run(model_dir, cluster, temp / f"run{run}")
                print(f"{run} | {r['requests']} | {r['per_s']:.0f} | {r['down_s']:.2f} | {r['failed']} | "
                      f"{r['retries']} | {r['redispatches']} | {r['feedback']} | {r['replays']}", flush=True)
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
