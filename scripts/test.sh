#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine: installs what it needs (apt packages, a
# Garage build when absent), starts the real services on loopback, runs every test, stops them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/toolchain.sh
require_rust test
started=$(date +%s)
scripts/services.sh install
scripts/services.sh start
trap 'scripts/services.sh stop' EXIT
export UPLOADD_TEST_ENV
UPLOADD_TEST_ENV=$(scripts/services.sh env)
# The crash and fault tests inject failures through the `failpoints` feature (never in a
# production build).
cargo test --locked --features failpoints "$@"
echo "[test] all tests passed in $(( $(date +%s) - started ))s"
