#!/usr/bin/env python3
"""Where one thread's wall-clock time goes, from a JFR recording: waits and CPU by the call they sit in.

  bench/jfr-wall.py FILE.jfr THREAD [FRAME ...]

Record with, e.g. (JDK 17 takes event settings on the command line):
  java -XX:StartFlightRecording:settings=profile,jdk.ExecutionSample#period=2ms,\
jdk.NativeMethodSample#period=2ms,jdk.ThreadPark#threshold=0ms,jdk.JavaMonitorWait#threshold=0ms,\
filename=FILE.jfr ...

THREAD is a regular expression on the thread's name (e.g. meshgate-applier). Each FRAME is a method's
qualified name or a prefix of one (e.g. io.meshgate.config.apply.AppliedLog.commit); a wait or a
sample is charged to the first FRAME its stack holds, innermost first, else to "(other)".

- waits: jdk.ThreadPark and jdk.JavaMonitorWait events of the thread (record them with threshold
  0 ms), summed: how many and how long;
- on CPU: jdk.ExecutionSample events of the thread, counted (record them with a short period, e.g.
  2 ms; JFR samples a few threads per period, so counts rank, they do not time);
- in native code: jdk.NativeMethodSample events of the thread, counted (a Kafka poll waiting for
  records sits in epoll, which is not a park: it shows here).

The window is the first to the last event of the thread; "the rest" is the window less the waits,
i.e. running, or in native code (the Kafka poll), or blocked in an uninstrumented way.
"""
import collections
import json
import re
import subprocess
import sys
from datetime import datetime


def events(path, names):
    out = subprocess.run(
        ["jfr", "print", "--json", "--stack-depth", "64", "--events", ",".join(names), path],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def when(text):
    # 2026-12-07T15:45:41.182949405Z -> seconds, with nanoseconds kept
    main, frac = text.rstrip("Z").split(".") if "." in text else (text.rstrip("Z"), "0")
    return datetime.fromisoformat(main).timestamp() + float("0." + frac)


def seconds(duration):
    # ISO-8601 durations as JFR prints them: PT0.00263393S, PT1M2.5S
    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", duration)
    h, mi, s = m.groups()
    return int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)


def frames(event):
    trace = event["values"].get("stackTrace") or {"frames": []}
    return [f["method"]["type"]["name"].replace("/", ".") + "." + f["method"]["name"]
            for f in trace["frames"]]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, thread, wanted = sys.argv[1], re.compile(sys.argv[2]), sys.argv[3:]

    def charge(stack):
        for f in stack:
            for w in wanted:
                if f.startswith(w):
                    return w
        return "(other)"

    mine = [e for e in events(path, ["jdk.ThreadPark", "jdk.JavaMonitorWait",
                                     "jdk.ExecutionSample", "jdk.NativeMethodSample"])
            if thread.search(((e["values"].get("eventThread") or e["values"].get("sampledThread"))
                              or {}).get("javaName") or "")]
    if not mine:
        sys.exit("no event of a thread matching " + sys.argv[2])
    starts = [when(e["values"]["startTime"]) for e in mine]
    window = max(starts) - min(starts)
    waits, wait_count = collections.Counter(), collections.Counter()
    cpu, native = collections.Counter(), collections.Counter()
    for e in mine:
        stack = frames(e)
        if e["type"] in ("jdk.ThreadPark", "jdk.JavaMonitorWait"):
            key = charge(stack)
            waits[key] += seconds(e["values"]["duration"])
            wait_count[key] += 1
        elif e["type"] == "jdk.ExecutionSample":
            cpu[charge(stack)] += 1
        else:
            native[charge(stack)] += 1
    print(f"thread /{sys.argv[2]}/: window {window:.2f} s")
    total_wait = sum(waits.values())
    print(f"\nwaits (ThreadPark, JavaMonitorWait): {total_wait * 1000:.0f} ms "
          f"= {100 * total_wait / window:.1f} % of the window")
    for key, s in waits.most_common():
        n = wait_count[key]
        print(f"  {s * 1000:9.0f} ms {100 * s / window:5.1f} %  {n:6d} waits, "
              f"mean {1000 * s / n:6.2f} ms  {key}")
    print(f"  the rest (running, native, other): {(window - total_wait) * 1000:.0f} ms "
          f"= {100 * (window - total_wait) / window:.1f} %")
    for title, counts in (("on CPU (ExecutionSample)", cpu), ("in native (NativeMethodSample)", native)):
        print(f"\n{title}: {sum(counts.values())} samples")
        for key, n in counts.most_common():
            print(f"  {n:6d}  {key}")


if __name__ == "__main__":
    main()
