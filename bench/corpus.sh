#!/usr/bin/env bash
# Builds the benchmark corpus of real wallpaper photos from Debian packages, idempotently.
#   bench/corpus.sh [DIR]     # default ${UPLOADD_TOOLS:-$HOME/.cache/uploadd-tools}/corpus
# Writes DIR/images/*.{jpg,png,webp} and DIR/manifest.json (see bench/README.md). A corpus whose
# manifest and files are intact is reused as is; set UPLOADD_CORPUS_REBUILD=1 to rebuild.
# Packages are fetched with `apt-get download` (nothing is installed) and unpacked with dpkg -x
# into a scratch directory that is removed afterwards.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLS=${UPLOADD_TOOLS:-$HOME/.cache/uploadd-tools}
DIR=${1:-$TOOLS/corpus}
PACKAGES=(mate-backgrounds gnome-backgrounds plasma-workspace-wallpapers sway-backgrounds
  lomiri-wallpapers lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 ukui-wallpapers)

log() { printf '[corpus] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

PY=$("$HERE/venv.sh")
export PYTHONDONTWRITEBYTECODE=1

if [ "${UPLOADD_CORPUS_REBUILD:-0}" != 1 ] && "$PY" "$HERE/corpus_select.py" check "$DIR"; then
  log "corpus up to date: $DIR/manifest.json"
  exit 0
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/uploadd-corpus.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
chmod 755 "$scratch"
mkdir -p "$scratch/debs" "$scratch/x"
# apt drops privileges to _apt for downloads; let it write there (avoids a sandbox warning).
if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$scratch/debs"; fi

available=()
for p in "${PACKAGES[@]}"; do
  if apt-cache show "$p" >/dev/null 2>&1; then available+=("$p"); fi
done
if [ ${#available[@]} -lt 3 ]; then
  log "refreshing the apt package lists"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  available=()
  for p in "${PACKAGES[@]}"; do
    if apt-cache show "$p" >/dev/null 2>&1; then available+=("$p"); else log "not in the archive: $p (skipped)"; fi
  done
fi
[ ${#available[@]} -gt 0 ] || { log "ERROR: none of ${PACKAGES[*]} is available from apt"; exit 1; }

log "downloading ${available[*]}"
(cd "$scratch/debs" && apt-get download -q "${available[@]}" >&2)

: >"$scratch/versions.tsv"
for deb in "$scratch"/debs/*.deb; do
  pkg=$(dpkg-deb -f "$deb" Package)
  printf '%s\t%s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" >>"$scratch/versions.tsv"
  mkdir -p "$scratch/x/$pkg"
  dpkg -x "$deb" "$scratch/x/$pkg"
done

"$PY" "$HERE/corpus_select.py" select --tree "$scratch/x" --out "$DIR" --versions "$scratch/versions.tsv"
log "wrote $DIR/manifest.json"
