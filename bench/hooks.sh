#!/usr/bin/env bash
# The cost of release's git hooks and of `release status --offline`, measured beside plain
# git on the same repository (10,000 files, 20,000 commits) in one run.
#   1. `git commit` with release's pre-commit hook against `git commit` with no hook:
#      the median added time (target < 30 ms).
#   2. `release status --offline` against `git status`: the ratio of medians (target <= 1.5x).
# usage: bench/hooks.sh [RUNS]   (default 21)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
runs=${1:-21}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building release (release profile)..." >&2
(cd "$top" && cargo build --release --quiet)
export PATH="$top/target/release:$PATH"

python3 "$here/gen-history.py" "$work/repo" 20000 1000 10000 >&2
git clone -q --bare "$work/repo" "$work/origin.git"
cd "$work/repo"
git remote add origin "$work/origin.git"
git fetch -q origin
git branch -q -u origin/main
git config user.name bench
git config user.email bench@example.invalid
echo "repository: $(git ls-files | wc -l) files, $(git rev-list --count HEAD) commits; $runs runs each"

# median in milliseconds of running "$@" $runs times
median_ms() {
  python3 - "$runs" "$@" <<'PY'
import statistics, subprocess, sys, time
runs = int(sys.argv[1]); cmd = sys.argv[2:]
subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm the caches
t = []
for _ in range(runs):
    s = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.append((time.perf_counter() - s) * 1000)
print(f"{statistics.median(t):.1f}")
PY
}

plain=$(median_ms git commit -q --allow-empty -m "chore: bench")
release hooks install >/dev/null 2>&1
hooked=$(median_ms git commit -q --allow-empty -m "chore: bench")
release hooks uninstall >/dev/null 2>&1
gs=$(median_ms git status)
rs=$(median_ms release status --offline)

printf '%-34s %10s\n' "" "median ms"
printf '%-34s %10s\n' "git commit (no hook)" "$plain"
printf '%-34s %10s\n' "git commit (release pre-commit)" "$hooked"
printf '%-34s %10s\n' "git status" "$gs"
printf '%-34s %10s\n' "release status --offline" "$rs"
python3 - "$plain" "$hooked" "$gs" "$rs" <<'PY'
import sys
plain, hooked, gs, rs = map(float, sys.argv[1:])
print(f"pre-commit adds {hooked - plain:.1f} ms to git commit (target < 30 ms)")
print(f"release status --offline is {rs / gs:.2f}x git status (target <= 1.5x)")
PY
