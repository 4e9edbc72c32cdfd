# Sourced by deploy/install-*.sh: install the Debian packages some tests need, or say why not.
#
# The caller sets TAG (its name, for messages) and TESTS (which tests need the packages), then calls
# `apt_install PACKAGE…` with the packages it found missing. Where apt-get cannot run (no apt-get, not
# root) or fails, it warns and exits 0: those tests then skip, saying what is missing. In CI (CI=true)
# it exits 1 instead: CI runs as root with apt-get, so a failure there is real and must not pass as
# skipped tests.

in_ci() { [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; }

apt_give_up() {
    echo "$TAG: WARNING: $1" >&2
    echo "$TAG: WARNING: $TESTS will be skipped; to run them, as root:" >&2
    echo "$TAG: WARNING:   apt-get update && apt-get install -y $APT_WANTED" >&2
    if in_ci; then
        echo "$TAG: CI must run $TESTS: failing" >&2
        exit 1
    fi
    exit 0
}

apt_install() {
    APT_WANTED="$*"
    echo "$TAG: missing $APT_WANTED"
    command -v apt-get >/dev/null 2>&1 || apt_give_up "no apt-get on this machine: cannot install $APT_WANTED"
    local as_root=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            as_root=(sudo -n)
        else
            apt_give_up "not root (and no password-less sudo): cannot install $APT_WANTED"
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    # The package lists of a fresh machine are empty or stale: apt-get install alone finds nothing.
    "${as_root[@]}" apt-get -o Acquire::Retries=3 update -qq ||
        apt_give_up "apt-get update failed: cannot install $APT_WANTED"
    "${as_root[@]}" apt-get -o Acquire::Retries=3 install -y -qq --no-install-recommends "$@" ||
        apt_give_up "apt-get install $APT_WANTED failed"
}
