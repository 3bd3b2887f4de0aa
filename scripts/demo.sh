#!/usr/bin/env bash
# make demo: a registry in DATA with the sample extensions ingested, the
# clean ones approved, then `formulary serve` on LISTEN in the foreground
# (Ctrl-C stops it), after printing how to point Composer at it.
#
# Safe to run again: init is skipped when the registry exists,
# re-ingesting the same bytes is a no-op that says so, only versions still
# pending are decided, and the read token is made once (its secret is
# kept in DATA/demo-token, mode 0600, so a re-run can print it again).
set -euo pipefail
bin=$1
data=$2
listen=${3:-127.0.0.1:8080}
export FORMULARY_DATA=$data
export FORMULARY_STATE=$data/.client-state

if [ ! -f "$data/formulary.toml" ]; then
  "$bin" init
fi

echo
echo "== ingest the sample extensions in fixtures/extensions/"
"$bin" ingest fixtures/extensions/*/

reviewer=$data/demo-reviewer.key
if [ ! -f "$reviewer" ]; then
  echo
  echo "== a reviewer key, trusted by the registry"
  "$bin" key new --name demo-reviewer --out "$reviewer"
  "$bin" key trust "$reviewer.pub" --name demo-reviewer --role reviewer
fi

# The versions still pending whose package name matches $1, as
# "NAME VERSION" lines (review list prints a header line first).
pending() {
  "$bin" review list --state pending | awk -v re="$1" 'NR > 1 && $1 ~ re { print $1, $2 }'
}

echo
echo "== signed decisions on what is still pending"
decided=0
# Every clean-* fixture (clean-shipping-rates-v1.0.1 is version 1.0.1 of
# clean-shipping-rates), oldest version first.
while read -r name version; do
  "$bin" approve "$name" "$version" --key "$reviewer" \
    --note "demo: a clean sample extension; read every file"
  decided=$((decided + 1))
done < <(pending '^formulary-fixtures/clean-')
while read -r name version; do
  "$bin" reject "$name" "$version" --key "$reviewer" \
    --reason "debug-logs card numbers and CVV"
  decided=$((decided + 1))
done < <(pending '^formulary-fixtures/payment-debug-logger$')
if [ "$decided" -eq 0 ]; then
  echo "nothing left to decide: the clean extensions are approved already"
fi

echo
echo "== what the registry holds (formulary review list)"
"$bin" review list
echo
echo "== the transparency log (formulary log verify)"
"$bin" log verify

# A read token for Composer, made once. Only its hash is in the registry,
# so the secret is kept beside it for the next run to print.
token_file=$data/demo-token
if [ ! -s "$token_file" ]; then
  echo
  echo "== a read token for Composer"
  if "$bin" token list | awk '$1 == "demo" && $NF == "active" { found = 1 } END { exit !found }'; then
    # Made by an earlier run whose secret file is gone: replace it.
    "$bin" token revoke demo
  fi
  secret=$("$bin" token new --name demo --scope read | awk '$1 == "secret" { print $2 }')
  if [ -z "$secret" ]; then
    echo "error: \`formulary token new\` printed no secret line" >&2
    exit 2
  fi
  (umask 077 && printf '%s\n' "$secret" >"$token_file")
  echo "token demo (scope read) made; its secret is in $token_file (mode 0600)"
fi
chmod 600 "$token_file"
secret=$(cat "$token_file")

cat <<EOF

== point a Composer project at it
In the project's folder (a new project needs a composer.json first, e.g.
echo '{}' > composer.json); the third line writes auth.json there, which
you keep out of version control:
composer config repositories.formulary composer http://$listen
composer config secure-http false
composer config --auth http-basic.$listen demo $secret

formulary answers for every name it holds (with no versions for one it
has not approved), so Composer never takes those names from packagist.org;
other packages still come from there. To use formulary alone (a try-out
without network access needs this), also run:
composer config repositories.packagist.org false

Then: composer show --all formulary-fixtures/clean-shipping-rates   (1.0.1, 1.0.0)
      composer show --all formulary-fixtures/payment-debug-logger   (rejected: not found)
The samples require magento/framework, so requiring one needs a Magento
project (with repo.magento.com) as well.

While it runs, the other commands reach the registry through it, e.g.
  $bin --server http://$listen --token demo:$secret review list
(ingest, decisions, key and token changes need an intake, review or admin token).

== serving $data on http://$listen (Ctrl-C stops it)
EOF
exec "$bin" serve --listen "$listen"
