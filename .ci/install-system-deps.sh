#!/usr/bin/env bash
# System packages the test suite needs, from Debian's archive; .ci/run calls this
# before `make test`. Installs only what is missing, so a second run is quick.
# Add a package to the list with a comment naming the tests that need it.
set -euo pipefail

packages=(
    chromium  # tests/service/test_page_browser.py: the moderators' page in a real browser (playwright drives it)
    fonts-dejavu-core  # so that browser's screenshots show text
    postgresql  # tests/feedback: a throw-away PostgreSQL server (initdb/pg_ctl, run as the 'postgres' user it creates)
    haproxy  # tests/replicas: two gunicorn replicas behind HAProxy (deploy/haproxy.cfg), run in the foreground
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-deps: need root to install: ${missing[*]}" >&2
    exit 1
fi
echo "install-system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
