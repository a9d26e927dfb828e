#!/usr/bin/env python3
"""Compares our changelog with git-cliff's, release by release and commit by commit.

usage: compare-sections.py OURS.md CLIFF_CONTEXT.json

OURS.md is `release changelog --stdout`; CLIFF_CONTEXT.json is `git-cliff --context`.
Prints: releases only one side has, commits placed in different releases, commits only
one side lists (with why, when we can tell), and the section-vs-group table (the two
configurations group by different rules, so that table explains, it does not judge).
"""
import collections
import json
import re
import sys

ours_md, cliff_json = sys.argv[1], sys.argv[2]


def norm(v):
    return (v or "Unreleased").lstrip("v")


ours = {}  # short id -> (release, section)
releases_ours = []
release = section = None
for line in open(ours_md, encoding="utf-8"):
    m = re.match(r"^## \[([^\]]+)\]", line)
    if m:
        release, section = norm(None if m.group(1) == "Unreleased" else m.group(1)), None
        releases_ours.append(release)
        continue
    m = re.match(r"^### (.+)", line)
    if m:
        section = m.group(1).strip()
        continue
    m = re.search(r"\(([0-9a-f]{7})\)\s*$", line)
    if m and line.startswith("- ") and release:
        ours[m.group(1)] = (release, section)

cliff = {}
kinds = {}
releases_cliff = []
for r in json.load(open(cliff_json, encoding="utf-8")):
    rel = norm(r.get("version"))
    releases_cliff.append(rel)
    for c in r["commits"]:
        short = c["id"][:7]
        cliff[short] = (rel, c.get("group"))
        kinds[short] = (c.get("merge_commit"), c.get("raw_message", "").split("\n")[0])

only_ours_rel = sorted(set(releases_ours) - set(releases_cliff))
only_cliff_rel = sorted(set(releases_cliff) - set(releases_ours))
print(f"releases: ours {len(set(releases_ours))}, git-cliff {len(set(releases_cliff))}, "
      f"only ours {only_ours_rel or '-'}, only git-cliff {only_cliff_rel or '-'}")

both = set(ours) & set(cliff)
moved = [(s, ours[s][0], cliff[s][0]) for s in sorted(both) if ours[s][0] != cliff[s][0]]
print(f"commits: ours {len(ours)}, git-cliff {len(cliff)}, in both {len(both)}, "
      f"in a different release {len(moved)}")
for s, a, b in moved[:20]:
    print(f"  moved {s}: ours {a}, git-cliff {b}")

only_cliff = sorted(set(cliff) - set(ours))
why = collections.Counter()
for s in only_cliff:
    merge, subject = kinds[s]
    if merge:
        why["merge commit (we leave merges out: their changes are listed by their own commits)"] += 1
    elif re.match(r"^chore\(release\)", subject):
        why["chore(release) bookkeeping (left out by design)"] += 1
    else:
        why["other: " + subject[:60]] += 1
print(f"only in git-cliff: {len(only_cliff)}")
for k, n in why.most_common(12):
    print(f"  {n:5d}  {k}")
only_ours = sorted(set(ours) - set(cliff))
print(f"only in ours: {len(only_ours)}" + (f" e.g. {only_ours[:5]}" if only_ours else ""))

table = collections.Counter((ours[s][1], cliff[s][1]) for s in both)
print("section (ours) vs group (git-cliff's keepachangelog.toml), commits in both:")
for (a, b), n in sorted(table.items(), key=lambda x: -x[1]):
    print(f"  {n:6d}  {a or '-':10s} -> {b}")
same_release = len(both) - len(moved)
print(f"same release for {same_release}/{len(both)} shared commits "
      f"({100.0 * same_release / max(1, len(both)):.2f}%)")
