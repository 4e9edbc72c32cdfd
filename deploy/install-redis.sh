#!/usr/bin/env bash
# What the distributed tests (tests/test_distributed.py) need from the system: Debian's redis-server.
# The tests start their own server on a free port (tests/redis_support.py); this script only
# installs the binary and never starts a service. A shared crawl in production needs one Redis that
# every worker reaches: docs/distributed.md says how to run it.
#
# Idempotent and quick when present: it looks before it installs, and calls apt-get only when
# redis-server is missing (deploy/apt.sh: where it cannot, the distributed tests skip, except in CI
# where that fails). The package's own service may start where an init system runs; the tests do
# not use it, and it listens on 127.0.0.1 only.
set -uo pipefail
TAG=install-redis
TESTS="the distributed tests"
# shellcheck source=deploy/apt.sh
source "$(dirname "$0")/apt.sh"

PACKAGE=redis-server

have_redis() { command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; }

if have_redis; then
    echo "install-redis: redis-server is present ($(redis-server --version 2>/dev/null | cut -d' ' -f3))"
    exit 0
fi

apt_install "$PACKAGE"
have_redis || apt_give_up "redis-server is still missing after the install"
echo "install-redis: installed $PACKAGE"
