#!/usr/bin/env bash
# Creates (idempotently) the benchmark venv and prints the path of its python on stdout.
#   bench/venv.sh            # -> /root/.cache/uploadd-tools/bench-venv/bin/python
# The venv lives at ${UPLOADD_TOOLS:-$HOME/.cache/uploadd-tools}/bench-venv; it is rebuilt
# only when bench/requirements.txt or the base interpreter changes. pyvips runs in ABI mode
# against Debian's libvips42 runtime, installed with apt if missing.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLS=${UPLOADD_TOOLS:-$HOME/.cache/uploadd-tools}
VENV=$TOOLS/bench-venv
BASE_PY=${UPLOADD_BENCH_PYTHON:-python3}

log() { printf '[bench-venv] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! dpkg -s libvips42 >/dev/null 2>&1; then
  log "installing Debian package libvips42 (pyvips runtime)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libvips42 >/dev/null
fi

stamp_want=$( { cat "$HERE/requirements.txt"; "$BASE_PY" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.uploadd-bench-stamp" 2>/dev/null)" = "$stamp_want" ] \
   && "$VENV/bin/python" -c 'import PIL, pyvips, celery, redis, numpy, skimage' >/dev/null 2>&1; then
  echo "$VENV/bin/python"
  exit 0
fi

log "creating $VENV"
mkdir -p "$TOOLS"
rm -rf "$VENV"
"$BASE_PY" -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt" >&2
"$VENV/bin/python" -c 'import PIL, pyvips, celery, redis, numpy, skimage' >&2
echo "$stamp_want" >"$VENV/.uploadd-bench-stamp"
log "ready: $("$VENV/bin/pip" freeze 2>/dev/null | grep -iE '^(pillow|pyvips|celery|kombu|redis|numpy|scikit-image)==' | tr '\n' ' ')"
echo "$VENV/bin/python"
