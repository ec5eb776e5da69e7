"""Two replicas behind HAProxy, one PostgreSQL: stopping a replica under load loses nothing.

The topology of ``docker-compose.scale.yml`` without containers (see ``drill.py``):
two gunicorn services on loopback ports, HAProxy with the shipped
``deploy/haproxy.cfg`` checking ``/readyz`` every 200 ms, the feedback store in the
throw-away PostgreSQL, and client threads sending classifications and keyed
feedback over keep-alive connections. Mid-load one replica gets SIGTERM, the
graceful stop a container runtime sends. Then:

- every request finally succeeds, and the only failures any client saw are the
  documented ones (a dropped connection, a 502 ``bad_gateway``), all before the
  balancer took the stopped replica out; never a 500, 503 or 504;
- every feedback row is in PostgreSQL exactly once, as sent, under the id its
  client was given (a retried submission that had been stored is a replay);
- HAProxy's health checks mark the stopped replica DOWN, and the other replica
  serves everything sent after that.
"""

from __future__ import annotations

from training.feedback import open_feedback_store

from .drill import STORED_BEFORE_STOP, stop_one_replica_under_load


def test_stopping_one_replica_under_load_loses_and_doubles_nothing(
    haproxy_binary, postgres_url, trained_model_dir, tmp_path
):
    drill = stop_one_replica_under_load(trained_model_dir, postgres_url, tmp_path)
    load, after = drill.load, drill.after

    assert not load.crashes
    assert drill.stopped_exit_code == 0, drill.stopped_log  # a graceful stop, not a crash
    # The balancer spread the load over both, then took the stopped one out on its
    # health checks and sent everything to the other one.
    assert int(drill.before_stop["replica1"]["hrsp_2xx"]) > 0 and int(drill.before_stop["replica2"]["hrsp_2xx"]) > 0
    assert after["replica1"]["status"].startswith("DOWN") and after["replica2"]["status"] == "UP"
    served_since_down = int(after["replica2"]["hrsp_2xx"]) - int(drill.at_down["replica2"]["hrsp_2xx"])
    assert served_since_down >= load.started_after(drill.down_seen_at)

    # Clients saw only the documented failures, and only before the replica was out.
    context = (f"{load.summary()}; HAProxy retries {after['BACKEND']['wretr']}, "
               f"redispatches {after['BACKEND']['wredis']}")
    failures = [a for a in load.attempts if a.status is None or a.status >= 300]
    assert all(a.documented_failure for a in failures), context
    assert all(a.started < drill.down_seen_at for a in failures), context
    finals = load.final_attempts()
    assert all(a.status == 200 for a in finals if a.kind == "classify"), context
    assert all(a.status == 201 or (a.status == 200 and a.replayed) for a in finals if a.kind == "feedback"), context

    # Every feedback row exactly once, as sent, with the id its client was given.
    with open_feedback_store(postgres_url, create=False) as store:
        rows = list(store.iter_feedback())
    assert len(load.feedback_sent) == len(load.stored_ids) >= STORED_BEFORE_STOP
    assert len(rows) == len(load.feedback_sent), context
    assert sorted(row.id for row in rows) == sorted(load.stored_ids.values())
    sent_by_text = {body["text"]: body for body in load.feedback_sent.values()}
    for row in rows:
        sent = sent_by_text[row.entry.text]
        assert (row.entry.label, row.entry.predicted_label, row.entry.model_version) == (
            sent["label"], sent["predicted_label"], sent["model_version"])
