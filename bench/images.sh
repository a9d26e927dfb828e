#!/usr/bin/env bash
# `release patch` with two images beside a shell script that does the same by hand, one
# step after the other (docker build x2, docker push x2, git tag, git push), on the real
# engine and registry, in one run. Each run first commits a fresh 8 MiB file per image, so
# both sides really build and push: first two equal images (8 MiB each), then unequal ones
# (8 MiB and 64 MiB), where pushing each image as soon as its build ends matters most.
# Prints medians and the ratios (target <= 0.50x), then the peak memory of `release`
# building with a 512 MiB context (target < 64 MiB).
# usage: [RELEASE_BIN=path] bench/images.sh [RUNS]   (default 5); needs `.ci/services start`
# (dockerd, registry)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
runs=${1:-5}
reg=${RELEASE_TEST_REGISTRY:-localhost:5101}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
need_dockerd
curl -s --max-time 3 "http://$reg/v2/" >/dev/null || { echo "no registry at $reg: run bash .ci/services start" >&2; exit 2; }

release_bin
export DOCKER_BUILDKIT=0  # the legacy builder on both sides

setup() { # dir namespace
  new_repo "$1"
  mkdir -p docker kubernetes/test
  printf 'FROM scratch\nCOPY api.bin /app/\n' > docker/Dockerfile.api
  printf 'FROM scratch\nCOPY wrk.bin /app/\n' > docker/Dockerfile.wrk
  for r in api wrk; do
    printf 'kind: Deployment\nmetadata:\n  name: b-test-%s\nspec:\n  template:\n    spec:\n      containers:\n        - name: %s\n          image: %s/%s/%s:0.1.0\n' "$r" "$r" "$reg" "$2" "$r" > "kubernetes/test/$r-deployment.yml"
  done
  head -c 1M /dev/urandom > api.bin
  head -c 1M /dev/urandom > wrk.bin
  git add -A && git commit -qm "feat: start" && git tag -a 0.1.0 -m 0.1.0 && git push -q origin main 0.1.0
}

change() { # api-MiB wrk-MiB: a fresh layer for each image
  head -c "$1M" /dev/urandom > api.bin
  head -c "$2M" /dev/urandom > wrk.bin
  git commit -qam "fix: new data"
  git push -q origin main
}

ns=bench$(date +%s)
setup "$work/a" "${ns}a" >/dev/null
setup "$work/b" "${ns}b" >/dev/null

time_ms() { python3 -c 'import time; print(int(time.time()*1000))'; }
median() { sort -n "$1" | awk -v n="$runs" 'NR == int((n + 1) / 2)'; }
v=1

round() { # api-MiB wrk-MiB: both sides, $runs runs each, in turns
  : > "$work/ours"; : > "$work/script"
  for _ in $(seq "$runs"); do
    cd "$work/a/repo"
    change "$1" "$2"
    t=$(time_ms); "$rel" patch --yes >/dev/null 2>&1; echo $(( $(time_ms) - t )) >> "$work/ours"
    cd "$work/b/repo"
    change "$1" "$2"
    ver="0.1.$v"; v=$((v + 1))
    t=$(time_ms)
    docker build -q -t "$reg/${ns}b/api:$ver" -f docker/Dockerfile.api . >/dev/null
    docker build -q -t "$reg/${ns}b/wrk:$ver" -f docker/Dockerfile.wrk . >/dev/null
    docker push -q "$reg/${ns}b/api:$ver" >/dev/null
    docker push -q "$reg/${ns}b/wrk:$ver" >/dev/null
    git tag -a "$ver" -m "$ver"
    git push -q origin main "$ver"
    echo $(( $(time_ms) - t )) >> "$work/script"
  done
  o=$(median "$work/ours"); s=$(median "$work/script")
  echo "two images of $1 and $2 MiB, $runs runs each (median wall ms):"
  printf '  %-50s %6s\n' "release patch (builds at once, each pushed when built)" "$o" "script (build, build, push, push, tag, git push)" "$s"
  python3 -c "import sys; print(f'  ratio release/script: {int(sys.argv[1])/int(sys.argv[2]):.2f}x (target <= 0.50x)')" "$o" "$s"
}

round 8 8
round 8 64

# Peak memory with a 512 MiB build context (it is streamed, never held whole).
cd "$work/a/repo"
truncate -s 512M big-context.bin
git add big-context.bin && git commit -qm "chore: a large context" && git push -q origin main
/usr/bin/time -f "%M" -o "$work/rss" "$rel" patch --yes >/dev/null 2>&1
rss=$(cat "$work/rss")
python3 -c "import sys; print(f'  peak memory with a 512 MiB context: {int(sys.argv[1])/1024:.1f} MiB (target < 64 MiB)')" "$rss"
