#!/usr/bin/env bash
# The embedded quick start on a fresh Debian machine: installs the build dependencies, builds
# uploadd and runs `uploadd demo` (SQLite + a local directory store under ./uploadd-data; no
# Redis, PostgreSQL or S3). Extra arguments go to `uploadd demo` (files to process, --json).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/toolchain.sh
require_rust demo
need=()
for p in ca-certificates cmake nasm pkg-config gcc g++ libdav1d-dev ffmpeg; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  echo "[demo] installing: ${need[*]}" >&2
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
cargo build --release --locked --bin uploadd
exec "${CARGO_TARGET_DIR:-target}/release/uploadd" demo "$@"
