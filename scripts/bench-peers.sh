#!/usr/bin/env bash
# Installs the scanner bench's peers, semgrep and detect-secrets, from PyPI
# into a virtualenv under target/bench-venv, once. `make bench` runs it
# before the bench, which finds the tools in target/bench-venv/bin.
#
# Failing to install a peer is not fatal: the bench prints how to install
# it and goes on with the others.
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/target/bench-venv"
python="${PYTHON:-python3}"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "bench-peers: $python not found; the bench will run without peers" >&2
  exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "bench-peers: creating $venv" >&2
  "$python" -m venv "$venv" || { echo "bench-peers: could not create a venv" >&2; exit 0; }
  "$venv/bin/python" -m pip install -q --upgrade pip >&2 || true
fi

want=()
[ -x "$venv/bin/semgrep" ] || want+=(semgrep)
[ -x "$venv/bin/detect-secrets" ] || want+=(detect-secrets)

if [ ${#want[@]} -gt 0 ]; then
  echo "bench-peers: installing ${want[*]} into $venv (a few minutes, once)" >&2
  "$venv/bin/python" -m pip install -q "${want[@]}" >&2 \
    || echo "bench-peers: pip install ${want[*]} failed; the bench goes on without them" >&2
fi
exit 0
