#!/usr/bin/env python3
"""Writes a synthetic git history for the changelog benchmark, fast, via git fast-import.

usage: gen-history.py DIR [COMMITS] [COMMITS_PER_TAG] [FILES]

COMMITS (default 50,000) commits on main with Conventional and non-conventional messages,
a two-commit side branch merged every 100 commits, and an annotated semver tag every
COMMITS_PER_TAG (default 200) commits. FILES (default 50) files make up the tree; each
commit changes one. Deterministic (fixed seed).
"""
import os
import random
import subprocess
import sys

out = sys.argv[1]
total = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
per_tag = int(sys.argv[3]) if len(sys.argv) > 3 else 200
nfiles = int(sys.argv[4]) if len(sys.argv) > 4 else 50
rng = random.Random(332)
kinds = (["feat"] * 25 + ["fix"] * 30 + ["chore"] * 12 + ["docs"] * 8 + ["refactor"] * 5 + ["perf"] * 3
         + ["test"] * 4 + ["ci"] * 2 + ["dx"] * 1 + [None] * 10)
scopes = [None, None, "api", "worker", "db", "k8s", "ui"]
words = "add remove handle update queue job route redis cache retry worker timeout config endpoint".split()


def message(i):
    k = rng.choice(kinds)
    desc = " ".join(rng.choice(words) for _ in range(rng.randint(2, 7))) + f" #{i}"
    if k is None:
        return f"Updated {desc}\n"
    scope = rng.choice(scopes)
    bang = "!" if rng.random() < 0.02 else ""
    head = f"{k}({scope}){bang}: {desc}" if scope else f"{k}{bang}: {desc}"
    body = "\n\nSome explanation of the change.\n" if rng.random() < 0.3 else "\n"
    return head + body


os.makedirs(out, exist_ok=True)
subprocess.run(["git", "init", "-q", "-b", "main", out], check=True)
fi = subprocess.Popen(["git", "-C", out, "fast-import", "--quiet"], stdin=subprocess.PIPE)
w = fi.stdin.write
t0 = 1_600_000_000
mark = 0
version = [0, 1, 0]


def commit(ref, msg, parents, when):
    global mark
    mark += 1
    data = msg.encode()
    w(f"commit {ref}\nmark :{mark}\ncommitter Bench <b@example.invalid> {when} +0000\n".encode())
    w(f"data {len(data)}\n".encode() + data)
    for n, p in enumerate(parents):
        w(f"{'from' if n == 0 else 'merge'} :{p}\n".encode())
    if mark == 1:
        for f in range(nfiles):
            blob = f"{f}\n".encode()
            w(f"M 644 inline src/d{f % 100}/file{f}.txt\n".encode())
            w(f"data {len(blob)}\n".encode() + blob + b"\n")
    f = mark % nfiles
    w(f"M 644 inline src/d{f % 100}/file{f}.txt\n".encode())
    blob = f"{mark}\n".encode()
    w(f"data {len(blob)}\n".encode() + blob + b"\n")
    return mark


head = None
for i in range(1, total + 1):
    when = t0 + i * 60
    if i % 100 == 0 and head is not None:
        a = commit("refs/heads/side", message(i), [head], when)
        b = commit("refs/heads/side", message(i), [a], when + 1)
        head = commit("refs/heads/main", f"Merge branch 'side' #{i}\n", [head, b], when + 2)
    else:
        head = commit("refs/heads/main", message(i), [head] if head else [], when)
    if i % per_tag == 0:
        name = ".".join(map(str, version))
        msg = f"Release {name}\n".encode()
        w(f"tag {name}\nfrom :{head}\ntagger Bench <b@example.invalid> {when + 3} +0000\ndata {len(msg)}\n".encode() + msg)
        if rng.random() < 0.15:
            version = [version[0], version[1] + 1, 0]
        else:
            version[2] += 1
w(b"done\n")
fi.stdin.close()
if fi.wait() != 0:
    sys.exit("git fast-import failed")
subprocess.run(["git", "-C", out, "branch", "-q", "-D", "side"], check=False)
subprocess.run(["git", "-C", out, "reset", "-q", "--hard"], check=True)
print(f"{out}: {total} commits on main plus side branches, tags every {per_tag}")
