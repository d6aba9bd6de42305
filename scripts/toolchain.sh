# Sourced by demo.sh and test.sh: stop at once, in one line, unless cargo and rustc are on
# PATH and rustc is at least the version Cargo.toml requires (Debian's packaged Rust is older;
# the supported way to get it is rustup).
require_rust() {
  local who=$1 want have
  want=$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' Cargo.toml)
  if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1; then
    echo "[$who] error: uploadd needs Rust >= $want (cargo and rustc), not found on PATH; install it with rustup: curl --proto '=https' -sSf https://sh.rustup.rs | sh" >&2
    exit 1
  fi
  have=$(rustc --version 2>/dev/null | awk '{print $2}')
  if [ -z "$have" ] || [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n 1)" != "$want" ]; then
    echo "[$who] error: uploadd needs Rust >= $want, but rustc is ${have:-unknown}; update it with: rustup update stable" >&2
    exit 1
  fi
}
