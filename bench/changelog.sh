#!/usr/bin/env bash
# Full-history changelog: `release changelog --stdout` beside git-cliff (its Keep a
# Changelog config) on the same repository, in one run. Prints the median wall time and
# peak memory of each, the ratios, and a release-by-release comparison of the output.
#
# usage: bench/changelog.sh [REPO] [RUNS]
#   REPO  a git repository (bare or not); default: a synthetic 50,000-commit history
#         made by bench/gen-history.py. vuejs/core is the reference in NOTES.md.
#   RUNS  runs per tool (default 5)
# needs: git-cliff on PATH (cargo install git-cliff), GNU time at /usr/bin/time, python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
runs=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v git-cliff >/dev/null || { echo "git-cliff is not on PATH: cargo install git-cliff" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is missing: apt-get install time" >&2; exit 2; }

echo "building release (release profile)..." >&2
(cd "$top" && cargo build --release --quiet)
ours="$top/target/release/release"

if [ -n "${1:-}" ]; then
  src=$1
else
  src="$work/synthetic"
  python3 "$here/gen-history.py" "$src" 50000 200 >&2
fi
repo="$work/repo"
git clone -q --no-checkout "$src" "$repo"
(cd "$work" && git-cliff --init keepachangelog >/dev/null 2>&1)
cfg="$work/cliff.toml"
commits=$(git -C "$repo" rev-list --count HEAD)
tags=$(git -C "$repo" tag | wc -l)
echo "repository: $src ($commits commits, $tags tags), $runs runs each"

measure() { # name, output file, command...
  local name=$1 out=$2
  shift 2
  : > "$work/$name.times"
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/$name.one" "$@" > "$out" 2>/dev/null
    cat "$work/$name.one" >> "$work/$name.times"
  done
  sort -n "$work/$name.times" | awk -v n="$runs" 'NR == int((n + 1) / 2) { print $1 }' > "$work/$name.wall"
  sort -n -k2 "$work/$name.times" | awk -v n="$runs" 'NR == int((n + 1) / 2) { print $2 }' > "$work/$name.rss"
}

measure ours "$work/ours.md" "$ours" -C "$repo" changelog --stdout
(cd "$repo" && measure cliff "$work/cliff.md" git-cliff --config "$cfg" --repository "$repo")

ow=$(cat "$work/ours.wall"); cw=$(cat "$work/cliff.wall")
om=$(cat "$work/ours.rss"); cm=$(cat "$work/cliff.rss")
printf '%-10s %10s %12s\n' tool "wall (s)" "peak (MiB)"
printf '%-10s %10s %12.1f\n' release "$ow" "$(echo "$om / 1024" | bc -l)"
printf '%-10s %10s %12.1f\n' git-cliff "$cw" "$(echo "$cm / 1024" | bc -l)"
printf 'speed: release is %.1fx faster (target >= 20x); memory: %.1f MiB (target on vuejs/core: < 50 MiB), %.1fx less\n' \
  "$(echo "$cw / ($ow + 0.0001)" | bc -l)" "$(echo "$om / 1024" | bc -l)" "$(echo "$cm / $om" | bc -l)"

echo
echo "release-by-release comparison:"
(cd "$repo" && git-cliff --config "$cfg" --repository "$repo" --context -o "$work/cliff.json" 2>/dev/null)
python3 "$here/compare-sections.py" "$work/ours.md" "$work/cliff.json"
