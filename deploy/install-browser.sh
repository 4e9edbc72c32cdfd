#!/usr/bin/env bash
# What the browser tests (tests/test_web_browser.py) need from the system: Debian's chromium, driven by
# the Python package playwright, and a CJK font so that Chinese renders as text, not boxes.
#
# Idempotent and quick when both are present: it looks before it installs, and calls apt-get only for
# what is missing (deploy/apt.sh: where it cannot, the browser tests skip, except in CI where that
# fails). `playwright install` is never used: it downloads a browser build of its own, which these
# machines cannot fetch.
set -uo pipefail
TAG=install-browser
TESTS="the browser tests"
# shellcheck source=deploy/apt.sh
source "$(dirname "$0")/apt.sh"

CHROMIUM=/usr/bin/chromium
FONT_PACKAGE=fonts-noto-cjk

have_chromium() { [ -x "$CHROMIUM" ]; }
have_cjk_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]; }

missing=()
have_chromium || missing+=(chromium)
# fc-list (fontconfig) is how both this script and Chromium find fonts.
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
have_cjk_font || missing+=("$FONT_PACKAGE")

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-browser: chromium and a CJK font are present"
    exit 0
fi

apt_install "${missing[@]}"
have_chromium || apt_give_up "$CHROMIUM is still missing after the install"
have_cjk_font || apt_give_up "no CJK font found by fc-list after the install"
echo "install-browser: installed ${missing[*]}"
