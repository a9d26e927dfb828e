#!/usr/bin/env bash
# `release check` on one large multi-document manifest in kubernetes/test (default 50 MB),
# beside `cat` of the
# same file (the floor: reading it once), and a 100,000-deep nested one. Prints wall time,
# peak memory, peak memory per 100k objects (so growth with the object count shows) and the
# ratio to the floor. Usage: bench/parse.sh [MEGABYTES]
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-50}
cargo build --release -q
bin=$PWD/target/release/release
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/kubernetes/test" "$dir/kubernetes/prod"
objects=$(python3 - "$dir/kubernetes/test/big.yml" "$mb" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
doc = """---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  labels:
    app: app-{i}
spec:
  selector:
    matchLabels:
      app: app-{i}
  template:
    metadata:
      labels:
        app: app-{i}
    spec:
      containers:
        - name: api
          image: user/app-{i}:0.1.0
---
apiVersion: v1
kind: Service
metadata:
  name: app-{i}
spec:
  selector:
    app: app-{i}
  ports:
    - port: 5000
"""
with open(path, "w") as f:
    n = size = 0
    while size < mb * 1024 * 1024:
        d = doc.format(i=n); f.write(d); size += len(d); n += 1
print(2 * n)
PY
)
echo "$dir/kubernetes/test/big.yml: $mb MiB, $objects objects"
measure() { /usr/bin/time -f "%e %M" "$@" >/dev/null 2>"$dir/t" || true; tail -1 "$dir/t"; }
read -r ct cm < <(measure cat "$dir/kubernetes/test/big.yml")
read -r rt rm < <(measure "$bin" -C "$dir" check)
echo "cat (floor)     ${ct}s  $((cm / 1024)) MiB"
echo "release check   ${rt}s  $((rm / 1024)) MiB   (targets: < 5 s, < 200 MiB)"
python3 -c "print(f'peak memory per 100k objects: {$rm / 1024 / $objects * 100000:.0f} MiB ({$objects} objects)')"
python3 -c "print(f'ratio to the floor: {max($rt, 0.01) / max($ct, 0.01):.0f}x time')"
python3 -c "print('a: ' + '[' * 100000 + ']' * 100000)" > "$dir/kubernetes/test/big.yml"
read -r dt dm < <(measure "$bin" -C "$dir" check)
echo "100k-deep nesting: ${dt}s  $((dm / 1024)) MiB  (target: < 0.1 s, a clear error)"
