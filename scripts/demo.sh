#!/usr/bin/env bash
# make demo: a registry in DATA with the sample extensions ingested.
# Safe to run again: init is skipped when the registry exists, and
# re-ingesting the same bytes is a no-op that says so.
set -euo pipefail
bin=$1
data=$2
export FORMULARY_DATA=$data

if [ ! -f "$data/formulary.toml" ]; then
  "$bin" init
fi

echo
echo "== ingest the sample extensions in fixtures/extensions/"
"$bin" ingest fixtures/extensions/*/

echo
echo "== what the registry holds (formulary review list)"
"$bin" review list
echo
echo "Stored archives live under $data/blobs/sha256/; the state in $data/db/."
