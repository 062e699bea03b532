#!/usr/bin/env python3
"""Counts a JFR recording's execution samples by thread, top frame and first meshgate frame.

  jfr print --events jdk.ExecutionSample FILE.jfr | bench/jfr-summary.py [FRAME ...]

Each FRAME (a method's qualified name, or a prefix of one) also gets the samples whose stack holds
it anywhere (inclusive), e.g. the stages of a build: io.meshgate.xds.resolve.Resolver.resolve.
A stack deeper than the recording's stack depth loses its outer frames, so record with a large one
(JMH: -prof jfr:stackDepth=512) before reading inclusive counts.
"""
import collections
import re
import sys

events = sys.stdin.read().split("jdk.ExecutionSample")[1:]
threads, top, ours = collections.Counter(), collections.Counter(), collections.Counter()
inclusive = collections.Counter()
wanted = sys.argv[1:]
for event in events:
    match = re.search(r'sampledThread = "([^"]*)"', event)
    threads[re.sub(r"\d+", "N", match.group(1)) if match else "?"] += 1
    frames = re.findall(r"^\s+([\w$.<>]+\.[\w$<>]+)\(", event, re.M)
    if frames:
        top[frames[0]] += 1
    for frame in wanted:
        if any(f.startswith(frame) for f in frames):
            inclusive[frame] += 1
    mine = [f for f in frames if f.startswith("io.meshgate")]
    ours[mine[0] if mine else "(no meshgate frame)"] += 1
print(f"{len(events)} execution samples")
for title, counts in (("by thread", threads), ("by top frame", top), ("by first meshgate frame", ours)):
    print(f"\n{title}:")
    for name, count in counts.most_common(15):
        print(f"{count:6d}  {name}")
if wanted:
    print("\ninclusive (stack holds the frame):")
    for frame in wanted:
        print(f"{inclusive[frame]:6d}  {frame}")
