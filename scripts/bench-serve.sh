#!/usr/bin/env bash
# Figures for issue 5, `formulary serve` beside nginx serving the same
# files statically from disk:
#
# - p2 metadata under load: wrk, 64 connections, 2 threads, 10 s, on one
#   p2 URL of each server; requests per second, p99 latency, the ratio
#   (aim: at least nginx's rate, p99 under 5 ms);
# - the wall time of `composer update` for a project that needs 30
#   packages, with a fresh Composer home and cache each time, so every
#   run downloads the metadata and the 30 dists.
#
# Everything lives in a temp folder: a registry holding 30 small approved
# packages (bench/pkg-01 .. bench/pkg-29, and bench/all, which requires
# the other 29), a reviewer key and a read token. nginx gets a copy of
# what formulary serves, fetched over HTTP with that token, with the base
# URL rewritten to nginx's port, so both answer the same URLs with the
# same bytes. Both servers log one line per request, as they would in
# use: formulary to stderr, nginx to its access log.
#
# Installs wrk and nginx (Debian) when missing, as scripts/ensure-deps.sh
# does (root only). `make bench` runs this last.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

PACKAGES=30
CONNECTIONS=64
DURATION=10s
COMPOSER_RUNS=3

scripts/ensure-deps.sh wrk nginx composer php-cli php-zip unzip curl

echo "bench-serve: building the release binary" >&2
"${CARGO:-cargo}" build --release -q -p formulary-cli
bin="${CARGO_TARGET_DIR:-$root/target}/release/formulary"

work=$(mktemp -d -t formulary-bench-serve.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export FORMULARY_DATA=$work/data
export FORMULARY_STATE=$work/client-state

# --- the registry --------------------------------------------------------

# Writes the zips: bench/pkg-NN at 1.0.0 with no requires, and bench/all
# requiring each of them, so one `composer update` needs all 30.
make_zips() {
  python3 - "$1" "$PACKAGES" <<'EOF'
import json, sys, zipfile
out, count = sys.argv[1], int(sys.argv[2])
names = [f"bench/pkg-{i:02d}" for i in range(1, count)]

def write(name, requires):
    manifest = {
        "name": name,
        "version": "1.0.0",
        "description": "A small package for the serve bench.",
        "type": "library",
        "license": "MIT",
        "require": requires,
    }
    cls = name.split("/")[1].replace("-", "")
    php = f"<?php\nnamespace Bench;\n\nclass {cls}\n{{\n}}\n"
    path = f"{out}/{name.replace('/', '-')}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("composer.json", json.dumps(manifest, indent=4) + "\n")
        z.writestr(f"src/{cls}.php", php)

for name in names:
    write(name, {})
write("bench/all", {name: "1.0.0" for name in names})
EOF
}

echo "bench-serve: a registry with $PACKAGES approved packages in $work" >&2
mkdir -p "$work/zips"
make_zips "$work/zips"
"$bin" init >/dev/null
"$bin" ingest "$work"/zips/*.zip >/dev/null
"$bin" key new --name bench-reviewer --out "$work/reviewer.key" >/dev/null
"$bin" key trust "$work/reviewer.key.pub" --name bench-reviewer --role reviewer >/dev/null
"$bin" review list --state pending | awk 'NR > 1 { print $1, $2 }' |
  while read -r name version; do
    "$bin" approve "$name" "$version" --key "$work/reviewer.key" \
      --note "serve bench" >/dev/null
  done
secret=$("$bin" --json token new --name bench --scope read |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')
auth="Basic $(printf 'bench:%s' "$secret" | base64 -w0)"

# --- the two servers -----------------------------------------------------

"$bin" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.log" &
pids+=($!)
formulary=""
for _ in $(seq 100); do
  formulary=$(sed -n 's/^listening on //p' "$work/serve.out")
  [ -n "$formulary" ] && break
  sleep 0.1
done
if [ -z "$formulary" ]; then
  echo "bench-serve: formulary serve did not start:" >&2
  cat "$work/serve.log" >&2
  exit 2
fi

# A free port for nginx: the kernel picks one, we let go and nginx takes
# it a moment later.
nginx_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nginx=http://127.0.0.1:$nginx_port

# The static copy: packages.json, every p2 file, every dist, as formulary
# serves them, with formulary's base URL replaced by nginx's.
static=$work/static
get() {
  mkdir -p "$(dirname "$static/$1")"
  curl -fsS -H "Authorization: $auth" -o "$static/$1" "$formulary/$1"
}
get packages.json
python3 - "$formulary" "$static/packages.json" <<'EOF' >"$work/p2-paths"
import json, sys
base, root = sys.argv[1], json.load(open(sys.argv[2]))
template = root["metadata-url"].removeprefix(base).lstrip("/")
for name in root["available-packages"]:
    print(template.replace("%package%", name))
EOF
while read -r p2; do get "$p2"; done <"$work/p2-paths"
python3 - "$formulary" "$static" $(cat "$work/p2-paths") <<'EOF' >"$work/dist-paths"
import json, sys
base, static, files = sys.argv[1], sys.argv[2], sys.argv[3:]
for path in files:
    for versions in json.load(open(f"{static}/{path}"))["packages"].values():
        for version in versions:
            print(version["dist"]["url"].removeprefix(base + "/"))
EOF
while read -r dist; do get "$dist"; done <"$work/dist-paths"
find "$static" -name '*.json' -exec sed -i "s#$formulary#$nginx#g" {} +
dists=$(wc -l <"$work/dist-paths")
if [ "$dists" -ne "$PACKAGES" ]; then
  echo "bench-serve: formulary published $dists dists, expected $PACKAGES" >&2
  exit 2
fi

# nginx as Debian ships it, with a minimal config of its own: two workers
# (one per core here), sendfile, an access log. The security advisories
# API and notify-batch are POSTs a static server cannot answer, so they
# get fixed answers: no advisories, install noted.
mkdir -p "$work/nginx"
chmod 755 "$work"
chmod -R a+rX "$static"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log $work/nginx/access.log;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  types { application/json json; application/zip zip; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$nginx_port;
    root $static;
    location = /api/security-advisories {
      default_type application/json;
      return 200 '{"advisories":{}}';
    }
    location = /downloads {
      default_type application/json;
      return 200 '{"status":"success"}';
    }
  }
}
EOF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" 2>>"$work/nginx/error.log" &
pids+=($!)
for _ in $(seq 100); do
  curl -fs -o /dev/null "$nginx/packages.json" && break
  sleep 0.1
done
if ! curl -fs -o /dev/null "$nginx/packages.json"; then
  echo "bench-serve: nginx did not start:" >&2
  cat "$work/nginx/error.log" >&2
  exit 2
fi

# --- p2 metadata under load ----------------------------------------------

p2=p2/bench/all.json
p2_bytes=$(wc -c <"$static/$p2")

# wrk's figures as "RPS P99_MS"; the header goes to both, nginx ignores it.
load() {
  local out
  out=$(wrk -c"$CONNECTIONS" -t2 -d"$DURATION" --latency -H "Authorization: $auth" "$1")
  if echo "$out" | grep -q 'Non-2xx'; then
    echo "bench-serve: $1 answered errors under load:" >&2
    echo "$out" >&2
    exit 2
  fi
  echo "$out" | awk '
    /Requests\/sec:/ { rps = $2 }
    $1 == "99%" {
      v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
      p99 = (unit == "us") ? v / 1000 : (unit == "s") ? v * 1000 : v
    }
    END { printf "%.0f %.2f\n", rps, p99 }'
}

echo "bench-serve: wrk on $p2 ($CONNECTIONS connections, $DURATION each)" >&2
# A short warm-up of each, so neither pays for first touches.
wrk -c"$CONNECTIONS" -t2 -d1s -H "Authorization: $auth" "$formulary/$p2" >/dev/null
wrk -c"$CONNECTIONS" -t2 -d1s "$nginx/$p2" >/dev/null
read -r f_rps f_p99 < <(load "$formulary/$p2")
read -r n_rps n_p99 < <(load "$nginx/$p2")

# --- composer update -----------------------------------------------------

# Seconds for one `composer update` of a fresh project against $1, with a
# fresh Composer home and cache; checks that all 30 packages arrived.
composer_update() {
  local url=$1 run=$2
  local dir=$work/shop-$run
  mkdir -p "$dir"
  cat >"$dir/composer.json" <<EOF
{
  "name": "bench/shop",
  "type": "project",
  "require": { "bench/all": "^1.0" },
  "repositories": [ { "type": "composer", "url": "$url" }, { "packagist.org": false } ],
  "config": { "secure-http": false, "allow-plugins": false }
}
EOF
  if [ "$url" = "$formulary" ]; then
    cat >"$dir/auth.json" <<EOF
{ "http-basic": { "${formulary#http://}": { "username": "bench", "password": "$secret" } } }
EOF
  fi
  local start end
  start=$(date +%s.%N)
  if ! (cd "$dir" && env -u COMPOSER_AUTH -u COMPOSER \
    COMPOSER_HOME="$dir.home" COMPOSER_CACHE_DIR="$dir.home/cache" \
    COMPOSER_NO_INTERACTION=1 COMPOSER_ALLOW_SUPERUSER=1 \
    composer update --no-ansi --no-progress >"$dir.log" 2>&1); then
    echo "bench-serve: composer update against $url failed:" >&2
    cat "$dir.log" >&2
    exit 2
  fi
  end=$(date +%s.%N)
  local installed
  installed=$(find "$dir/vendor/bench" -mindepth 1 -maxdepth 1 -type d | wc -l)
  if [ "$installed" -ne "$PACKAGES" ]; then
    echo "bench-serve: $installed packages installed from $url, expected $PACKAGES" >&2
    exit 2
  fi
  rm -rf "$dir" "$dir.home" "$dir.log"
  echo "$start $end" | awk '{ printf "%.2f\n", $2 - $1 }'
}

# The median of the arguments.
median() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

echo "bench-serve: composer update, $COMPOSER_RUNS runs against each" >&2
f_times=()
n_times=()
for run in $(seq "$COMPOSER_RUNS"); do
  # Alternate, so that neither server always goes first.
  f_times+=("$(composer_update "$formulary" "f$run")")
  n_times+=("$(composer_update "$nginx" "n$run")")
done
f_update=$(median "${f_times[@]}")
n_update=$(median "${n_times[@]}")

# --- the figures ---------------------------------------------------------

cores=$(nproc)
echo
echo "serve: formulary $("$bin" --version | awk '{ print $2 }') beside $(nginx -v 2>&1 | sed 's/.*: //') \
serving the same files from disk; $cores cores shared by server and client"
printf '%-48s %11s %11s %8s\n' "measurement" "formulary" "nginx" "ratio"
awk -v fr="$f_rps" -v nr="$n_rps" -v fp="$f_p99" -v np="$n_p99" \
  -v c="$CONNECTIONS" -v d="$DURATION" -v b="$p2_bytes" '
  BEGIN {
    label = sprintf("p2 metadata, wrk -c%d -t2 -d%s (%d bytes)", c, d, b)
    printf "%-48s %11s %11s %7.2fx\n", label " req/s", fr, nr, fr / nr
    printf "%-48s %11s %11s %7.2fx\n", "  p99 latency (ms)", fp, np, fp / np
  }'
awk -v f="$f_update" -v n="$n_update" -v p="$PACKAGES" -v r="$COMPOSER_RUNS" '
  BEGIN {
    label = sprintf("composer update, %d packages, median of %d (s)", p, r)
    printf "%-48s %11.2f %11.2f %7.2fx\n", label, f, n, f / n
  }'
echo "  (aim: formulary's rate at least nginx's (ratio >= 1), p99 under 5 ms;"
echo "   composer update runs: formulary ${f_times[*]} s, nginx ${n_times[*]} s;"
echo "   each with a fresh Composer home and cache: metadata, $PACKAGES dists, audit)"
