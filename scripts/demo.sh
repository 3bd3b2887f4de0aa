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

# The review part runs once, when the demo reviewer's key is made.
export FORMULARY_STATE=$data/.client-state
reviewer=$data/demo-reviewer.key
if [ ! -f "$reviewer" ]; then
  echo
  echo "== a reviewer key, trusted by the registry"
  "$bin" key new --name demo-reviewer --out "$reviewer"
  "$bin" key trust "$reviewer.pub" --name demo-reviewer --role reviewer
  echo
  echo "== signed decisions"
  "$bin" approve formulary-fixtures/clean-shipping-rates 1.0.0 --key "$reviewer" \
    --note "read every file; no network, no customer data"
  "$bin" reject formulary-fixtures/payment-debug-logger 1.0.0 --key "$reviewer" \
    --reason "debug-logs card numbers and CVV"
fi

echo
echo "== what the registry holds (formulary review list)"
"$bin" review list
echo
echo "== the transparency log (formulary log verify)"
"$bin" log verify
echo
echo "Stored archives live under $data/blobs/sha256/; the state and the log in $data/db/."
echo "Try: $bin --data $data review show formulary-fixtures/marketing-pixels 1.0.0"
