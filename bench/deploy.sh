#!/usr/bin/env bash
# `release deploy test` beside what a person does by hand (`kubectl apply -f` the folder,
# then `kubectl rollout status` for each Deployment), on the real control plane of
# `.ci/services start`, in turns, in one run. Every run changes the pod template (an
# annotation) on both sides, so both really roll out. Everything else the tool does is
# included (bringing the clone to GitHub, the server dry run, the diff, the image check,
# the record). Prints the medians, the ratio (target <= 1.1x), and where the tool's time
# goes (RELEASE_TIMING=1: the wall time of each phase).
# usage: [RELEASE_BIN=path] bench/deploy.sh [RUNS]   (default 5)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
runs=${1:-5}
kc=${RELEASE_TEST_KUBECONFIG:-${RELEASE_CI_DIR:-/tmp/release-ci}/k8s/kubeconfig}
reg=${RELEASE_TEST_REGISTRY:-localhost:5101}
k() { kubectl --kubeconfig "$kc" "$@"; }
k get --raw /readyz >/dev/null 2>&1 || { echo "no test cluster at $kc: run bash .ci/services start" >&2; exit 2; }
need_dockerd
release_bin

work=$(mktemp -d)
stamp=$(date +%s)
ns_tool=bench-tool-$stamp
ns_hand=bench-hand-$stamp
cleanup() {
  k delete namespace "$ns_tool" "$ns_hand" --wait=false >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
k create namespace "$ns_tool" >/dev/null
k create namespace "$ns_hand" >/dev/null

# One image in the test registry (the script kubelet runs a pod only when its image is there).
image=$reg/bench$stamp/app:1.0.0
mkdir -p "$work/img"
printf 'FROM scratch\nCOPY app /app\n' >"$work/img/Dockerfile"
echo "$stamp" >"$work/img/app"
DOCKER_BUILDKIT=0 docker build -q -t "$image" "$work/img" >/dev/null
docker push -q "$image" >/dev/null

new_repo "$work"
mkdir -p kubernetes/test
for d in api wrk; do
  cat >"kubernetes/test/$d-deployment.yml" <<Y
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bench-test-$d
spec:
  replicas: 1
  selector:
    matchLabels:
      app: bench-test-$d
  template:
    metadata:
      labels:
        app: bench-test-$d
      annotations:
        bench/run: "0"
    spec:
      containers:
        - name: $d
          image: $image
Y
done
cat >kubernetes/test/api-service.yml <<Y
apiVersion: v1
kind: Service
metadata:
  name: bench-test-api
spec:
  selector:
    app: bench-test-api
  ports:
    - port: 5000
Y
printf 'deploy:\n  kubeconfig: %s\n  namespace: %s\n  timeout: 60\n' "$kc" "$ns_tool" >.release.yml
git add -A && git commit -qm "feat: bench app" && git push -q origin main

time_ms() { python3 -c 'import time; print(int(time.time()*1000))'; }
median() { sort -n "$1" | awk -v n="$runs" 'NR == int((n + 1) / 2)'; }
: >"$work/tool"; : >"$work/hand"; : >"$work/phases"
for i in $(seq "$runs"); do
  sed -i "s/bench\/run: \"[0-9]*\"/bench\/run: \"$i\"/" kubernetes/test/*-deployment.yml
  git commit -qam "chore: run $i" && git push -q origin main
  t=$(time_ms)
  RELEASE_TIMING=1 "$rel" deploy test 2>"$work/err" >/dev/null || { cat "$work/err" >&2; exit 1; }
  echo $(($(time_ms) - t)) >>"$work/tool"
  grep '^timing: ' "$work/err" >>"$work/phases" || true
  t=$(time_ms)
  k -n "$ns_hand" apply -f kubernetes/test/ >/dev/null
  for d in api wrk; do k -n "$ns_hand" rollout status "deployment/bench-test-$d" --timeout=60s >/dev/null; done
  echo $(($(time_ms) - t)) >>"$work/hand"
done
o=$(median "$work/tool"); h=$(median "$work/hand")
echo "deploy of 3 objects (2 Deployments), $runs runs each, in turns (median wall ms):"
printf '  %-58s %6s\n' "release deploy test" "$o" "by hand (kubectl apply -f, kubectl rollout status x2)" "$h"
python3 -c "import sys; print(f'  ratio release/by hand: {int(sys.argv[1])/int(sys.argv[2]):.2f}x (target <= 1.1x)')" "$o" "$h"
echo "  where release's time goes (median ms per phase):"
python3 - "$work/phases" <<'PY'
import sys, collections, statistics
phases = collections.OrderedDict()
for line in open(sys.argv[1]):
    _, name, ms = line.split()
    phases.setdefault(name, []).append(int(ms))
for name, v in phases.items():
    print(f"    {name:<16} {statistics.median(v):>6.0f}")
PY
