#!/usr/bin/env python3
"""Counts a JFR recording's execution samples by thread, top frame and first meshgate frame.

  jfr print --events jdk.ExecutionSample FILE.jfr | bench/jfr-summary.py
"""
import collections
import re
import sys

events = sys.stdin.read().split("jdk.ExecutionSample")[1:]
threads, top, ours = collections.Counter(), collections.Counter(), collections.Counter()
for event in events:
    match = re.search(r'sampledThread = "([^"]*)"', event)
    threads[re.sub(r"\d+", "N", match.group(1)) if match else "?"] += 1
    frames = re.findall(r"^\s+([\w$.<>]+\.[\w$<>]+)\(", event, re.M)
    if frames:
        top[frames[0]] += 1
    mine = [f for f in frames if f.startswith("io.meshgate")]
    ours[mine[0] if mine else "(no meshgate frame)"] += 1
print(f"{len(events)} execution samples")
for title, counts in (("by thread", threads), ("by top frame", top), ("by first meshgate frame", ours)):
    print(f"\n{title}:")
    for name, count in counts.most_common(15):
        print(f"{count:6d}  {name}")
