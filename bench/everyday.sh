#!/usr/bin/env bash
# Everyday commands on a big real repository, beside git on the same data, in one run:
#   release status --offline      vs  git status            (goal: <= 1.5x)
#   release minor --dry-run --skip-images   (goal: <= 50 ms; it reads tags and the commits
#   since the last one) vs git for-each-ref --merged HEAD refs/tags (the same reachability
#   question asked of git), without and with a commit-graph file.
# Usage: bench/everyday.sh REPO [RUNS]   REPO: a big git repository to measure on (it is
# cloned into a temporary folder, never changed): the reference is a clone of vuejs/core
# (git clone https://github.com/vuejs/core), or make one with
# `python3 bench/gen-history.py DIR 20000 1000 10000`. Needs hyperfine (.ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:?usage: bench/everyday.sh REPO [RUNS] (a clone of vuejs/core, or a history made by bench/gen-history.py)}
runs=${2:-20}
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
[ -d "$src" ] || { echo "bench: no repository at $src (give one as the first argument)" >&2; exit 2; }
cargo build --release -q
bin=$PWD/target/release/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$src" "$work/repo"
cd "$work/repo"
git config user.name bench && git config user.email bench@example.invalid
echo "$(git rev-list --count HEAD) commits, $(git tag | wc -l) tags"
sleep 1.1 && git update-index -q --refresh >/dev/null; git status >/dev/null  # no racily clean entries left (a fresh clone has them)
mean() { # command... -> mean seconds
  hyperfine -N -w 3 -r "$runs" --export-json "$work/h.json" "$@" >/dev/null 2>&1
  python3 -c "import json;print(json.load(open('$work/h.json'))['results'][0]['mean'])"
}
ratio() { python3 -c "print(f'{$1 / $2:.2f}x')"; }
ms() { python3 -c "print(f'{$1 * 1000:.1f} ms')"; }
gs=$(mean "git status"); rs=$(mean "$bin status --offline")
echo "git status                        $(ms "$gs")"
echo "release status --offline          $(ms "$rs")   ratio $(ratio "$rs" "$gs")  (goal <= 1.5x)"
for graph in without with; do
  if [ "$graph" = with ]; then git commit-graph write --reachable >/dev/null 2>&1; else rm -f .git/objects/info/commit-graph; fi
  gm=$(mean "git for-each-ref --merged=HEAD refs/tags")
  rm_=$(mean "$bin minor --dry-run --skip-images")
  echo "-- $graph a commit-graph file"
  echo "git for-each-ref --merged=HEAD    $(ms "$gm")"
  echo "release minor --dry-run           $(ms "$rm_")   ratio $(ratio "$rm_" "$gm")  (goal <= 50 ms)"
done
