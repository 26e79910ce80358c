#!/bin/sh
# Installs the Debian packages quarry builds and tests with, when any is missing.
# As root: apt-get. Otherwise: prints the exact command and fails.
pkgs="libpcre2-dev libutf8proc-dev libcriterion-dev pkg-config"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y$missing"
if [ "$(id -u)" = 0 ]; then
    echo "quarry: installing$missing" >&2
    (apt-get update -qq || true) >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2 || {
        echo "quarry: package install failed; run: $cmd" >&2; exit 1; }
else
    echo "quarry: missing packages:$missing" >&2
    echo "quarry: run as root: $cmd" >&2
    exit 1
fi
