#!/usr/bin/env bash
# What the distributed tests (tests/test_distributed.py) need from the system: Debian's redis-server.
# The tests start their own server on a free port (tests/redis_support.py); this script only
# installs the binary and never starts a service. A shared crawl in production needs one Redis that
# every worker reaches: docs/distributed.md says how to run it.
#
# Idempotent and quick when present: it looks before it installs, and calls apt-get only when
# redis-server is missing. Where apt-get cannot run (no apt-get, not root) it warns and exits 0: the
# distributed tests then skip, saying what is missing. An install that apt-get attempted and failed
# warns the same, except in CI (CI=true): CI runs as root with apt-get, so a failure there is real,
# and must not pass as skipped tests.
set -uo pipefail

PACKAGE=redis-server

have_redis() { command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; }

in_ci() { [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; }

warn() {
    echo "install-redis: WARNING: $1" >&2
    echo "install-redis: WARNING: the distributed tests will be skipped; to run them, as root:" >&2
    echo "install-redis: WARNING:   apt-get update && apt-get install -y $PACKAGE" >&2
}

give_up() {
    warn "$1"
    if in_ci; then
        echo "install-redis: CI must run the distributed tests: failing" >&2
        exit 1
    fi
    exit 0
}

if have_redis; then
    echo "install-redis: redis-server is present ($(redis-server --version 2>/dev/null | cut -d' ' -f3))"
    exit 0
fi

echo "install-redis: missing $PACKAGE"
command -v apt-get >/dev/null 2>&1 || give_up "no apt-get on this machine: cannot install $PACKAGE"
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    give_up "not root (and no password-less sudo): cannot install $PACKAGE"
fi

export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine are empty or stale: apt-get install alone finds nothing.
"${as_root[@]}" apt-get -o Acquire::Retries=3 update -qq ||
    give_up "apt-get update failed: cannot install $PACKAGE"
# The package's own service may start where an init system runs; the tests do not use it (they
# start a server of their own on a free port), and it listens on 127.0.0.1 only.
"${as_root[@]}" apt-get -o Acquire::Retries=3 install -y -qq --no-install-recommends "$PACKAGE" ||
    give_up "apt-get install $PACKAGE failed"

have_redis || give_up "redis-server is still missing after the install"
echo "install-redis: installed $PACKAGE"
