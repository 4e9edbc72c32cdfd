#!/usr/bin/env bash
# What the browser tests (tests/test_web_browser.py) need from the system: Debian's chromium, driven by
# the Python package playwright, and a CJK font so that Chinese renders as text, not boxes.
#
# Idempotent and quick when both are present: it looks before it installs, and calls apt-get only for
# what is missing. `playwright install` is never used: it downloads a browser build of its own, which
# these machines cannot fetch.
#
# Where apt-get cannot run (no apt-get, not root) it warns and exits 0: the browser tests then skip,
# saying what is missing. An install that apt-get attempted and failed warns the same, except in CI
# (CI=true): CI runs as root with apt-get, so a failure there is real, and must not pass as skipped
# tests.
set -uo pipefail

CHROMIUM=/usr/bin/chromium
FONT_PACKAGE=fonts-noto-cjk

have_chromium() { [ -x "$CHROMIUM" ]; }
have_cjk_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]; }

in_ci() { [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; }

warn() {
    echo "install-browser: WARNING: $1" >&2
    echo "install-browser: WARNING: the browser tests will be skipped; to run them, as root:" >&2
    echo "install-browser: WARNING:   apt-get update && apt-get install -y chromium $FONT_PACKAGE" >&2
}

give_up() {
    warn "$1"
    exit 0
}

install_failed() {
    warn "$1"
    if in_ci; then
        echo "install-browser: CI must run the browser tests: failing" >&2
        exit 1
    fi
    exit 0
}

missing=()
have_chromium || missing+=(chromium)
# fc-list (fontconfig) is how both this script and Chromium find fonts.
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
have_cjk_font || missing+=("$FONT_PACKAGE")

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-browser: chromium and a CJK font are present"
    exit 0
fi

echo "install-browser: missing ${missing[*]}"
command -v apt-get >/dev/null 2>&1 || give_up "no apt-get on this machine: cannot install ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    give_up "not root (and no password-less sudo): cannot install ${missing[*]}"
fi

export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine are empty or stale: apt-get install alone finds nothing.
"${as_root[@]}" apt-get -o Acquire::Retries=3 update -qq ||
    install_failed "apt-get update failed: cannot install ${missing[*]}"
"${as_root[@]}" apt-get -o Acquire::Retries=3 install -y -qq --no-install-recommends "${missing[@]}" ||
    install_failed "apt-get install ${missing[*]} failed"

have_chromium || install_failed "$CHROMIUM is still missing after the install"
have_cjk_font || install_failed "no CJK font found by fc-list after the install"
echo "install-browser: installed ${missing[*]}"
