#!/usr/bin/env bash
# Docker smoke test: build the image, run it the way docker-compose.yml does
# (read-only root file system, no capabilities, non-root), wait until it is healthy,
# classify, send bad requests and check their errors, reload the model, stop it.
#
# Exit 0 with "SKIP: <reason>" when Docker cannot run on this machine for reasons
# outside the project: no ../shared/tools/docker-up, a daemon that does not start,
# or a daemon that cannot run a container and publish its port (checked with the
# base image before building ours). Exit 1 when the image does not build or the
# container does not serve as it should.
set -uo pipefail
cd "$(dirname "$0")/.."

TOOLS=../shared/tools
DOCKER=/usr/bin/docker  # docker-up installs Debian's client, matching its daemon
IMAGE=claim-classifier:ci-smoke
NAME=claims-smoke-$$
PROBE=claims-smoke-probe-$$
READY_TIMEOUT=${DOCKER_SMOKE_READY_TIMEOUT:-180}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/docker-smoke.XXXXXX")

say() { echo "docker-smoke: $*" >&2; }
skip() { say "SKIP: $*"; exit 0; }
fail() {
  say "FAIL: $*"
  if $DOCKER inspect "$NAME" >/dev/null 2>&1; then
    say "last container logs:"; $DOCKER logs --tail 40 "$NAME" >&2 2>&1
  fi
  exit 1
}
cleanup() {
  $DOCKER rm -f "$NAME" "$PROBE" >/dev/null 2>&1
  [ -n "${DOCKER_STARTED:-}" ] && "$TOOLS/docker-down"
  rm -rf "$WORK"
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# HTTP status of a request (URL [METHOD [JSON-BODY]]), 000 when none came; the body goes to $WORK/body.
http() {
  python3 - "$WORK/body" "$@" <<'PY'
import sys, urllib.error, urllib.request
out, url = sys.argv[1], sys.argv[2]
method = sys.argv[3] if len(sys.argv) > 3 else "GET"
data = sys.argv[4].encode() if len(sys.argv) > 4 else None
request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=10) as response:
        status, body = response.status, response.read()
except urllib.error.HTTPError as error:
    status, body = error.code, error.read()
except OSError:
    status, body = 0, b""
open(out, "wb").write(body)
print(f"{status:03d}")
PY
}
wait_for_200() {  # URL SECONDS
  for _ in $(seq "$2"); do [ "$(http "$1")" = 200 ] && return 0; sleep 1; done
  return 1
}
json_check() {  # a Python expression over `body`, the parsed $WORK/body
  python3 -c "import json, sys; body = json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" "$WORK/body"
}

[ -x "$TOOLS/docker-up" ] || skip "no $TOOLS/docker-up on this machine"
trap cleanup EXIT
DOCKER_STARTED=1  # docker-down stops only a daemon docker-up started, even if it then failed
"$TOOLS/docker-up" || skip "Docker could not be started here (docker-up failed; see its log)"

# Can this machine run a container and reach its published port at all?
port=$(free_port)
$DOCKER run -d --name "$PROBE" -p "127.0.0.1:$port:8000" python:3.11-slim \
    python -m http.server 8000 >/dev/null 2>&1 || skip "the Docker daemon cannot run containers here"
wait_for_200 "http://127.0.0.1:$port/" 30 || skip "containers run, but their published ports are not reachable here"
$DOCKER rm -f "$PROBE" >/dev/null

# From here on, a failure is the project's.
say "building $IMAGE"
DOCKER_BUILDKIT=0 $DOCKER build -q -t "$IMAGE" . >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log" >&2; fail "the image does not build"; }

port=$(free_port)
$DOCKER run -d --name "$NAME" --read-only --cap-drop ALL --security-opt no-new-privileges \
    --health-interval 2s -p "127.0.0.1:$port:8000" "$IMAGE" >/dev/null || fail "the container does not start"
base="http://127.0.0.1:$port"
wait_for_200 "$base/readyz" "$READY_TIMEOUT" || fail "/readyz did not answer 200 within ${READY_TIMEOUT}s"
for _ in $(seq 30); do
  [ "$($DOCKER inspect -f '{{.State.Health.Status}}' "$NAME")" = healthy ] && break; sleep 1
done
[ "$($DOCKER inspect -f '{{.State.Health.Status}}' "$NAME")" = healthy ] || fail "the HEALTHCHECK never reported healthy"

status=$(http "$base/v1/classify" POST \
    '{"sentences": ["Police said two men were arrested.", "Unconfirmed reports suggest the governor has fled."]}')
[ "$status" = 200 ] || fail "classify answered $status: $(cat "$WORK/body")"
json_check 'len(body["results"]) == 2 and all(r["label"] in ("attributed_fact", "official_claim", "speculation", "rumor") for r in body["results"])' \
    || fail "classify returned an unexpected body: $(cat "$WORK/body")"

status=$(http "$base/v1/classify" POST '{"sentences": []}')
[ "$status" = 422 ] && json_check 'body["error"]["code"] == "invalid_field" and body["error"]["message"].startswith("sentences:")' \
    || fail "an empty sentence list gave $status $(cat "$WORK/body"), expected 422 invalid_field naming 'sentences'"
status=$(http "$base/v1/classify" POST '{"sentences": [')
[ "$status" = 400 ] && json_check 'body["error"]["code"] == "invalid_json"' \
    || fail "malformed JSON gave $status $(cat "$WORK/body"), expected 400 invalid_json"

# Production constraints: non-root, read-only root, writable volumes.
[ "$($DOCKER exec "$NAME" id -u)" != 0 ] || fail "the service runs as root"
$DOCKER exec "$NAME" sh -c 'touch /app/probe' 2>/dev/null && fail "the root file system is writable"
$DOCKER exec "$NAME" sh -c 'touch /app/feedback/.probe && rm /app/feedback/.probe' || fail "the feedback volume is not writable"

# A model reload through the master (SIGHUP) and through the admin endpoint; still serving after.
$DOCKER kill -s HUP "$NAME" >/dev/null || fail "SIGHUP could not be delivered"
status=$(http "$base/v1/admin/reload" POST)
[ "$status" = 200 ] && json_check 'body["changed"] is False and body["all_workers_signalled"] is True' \
    || fail "admin reload gave $status $(cat "$WORK/body")"
[ "$(http "$base/readyz")" = 200 ] || fail "not ready after the reloads"

$DOCKER stop -t 30 "$NAME" >/dev/null || fail "the container did not stop"
code=$($DOCKER inspect -f '{{.State.ExitCode}}' "$NAME")
[ "$code" = 0 ] || fail "the container exited with $code on SIGTERM, expected a clean 0"
say "OK: image builds; container healthy, classifies, rejects bad requests, reloads, stops cleanly"
