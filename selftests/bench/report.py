#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# report.py OUT: turns OUT/raw.tsv (written by bench.sh in the VM) into OUT/results.md
# (Markdown tables), OUT/results.csv (one row per system, measure and parameter: best,
# median, every repetition) and, if gnuplot is installed, OUT/*.png. Prints the main
# table (64-byte frames, 1 pair) on stdout.
#
# Two modes, as bench.sh ran (meta "mode"): wall (rates in Mpps from the wall clock)
# and exact (the VM's clock counts instructions: every figure is instructions per
# frame, in ns; lower is better). OUT/profile-*.txt (exact mode's perf profiles) and
# OUT/phases-host.tsv (host.sh's wall time per phase) are read when present.

import csv
import os
import statistics
import subprocess
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
RAW = os.path.join(OUT, "raw.tsv")

ORDER = ["floor", "mirred", "bridge", "ovs", "kvs", "kvs-b1", "kvs-b16", "kvs-b64"]
DESC = {
    "floor": "floor (pktgen veth -> sink veth, no switch)",
    "mirred": "tc mirred redirect (no switch)",
    "bridge": "Linux bridge",
    "ovs": "Open vSwitch kernel datapath",
    "kvs": "kvs",
    "kvs-b1": "kvs, batch 1",
    "kvs-b16": "kvs, batch 16",
    "kvs-b64": "kvs, batch 64",
}

meta = {}
vals = {}    # (measure, system, param) -> {rep: float}
fails = {}   # (measure, system, param) -> note
skips = {}   # (measure, system, param) -> why it was not run
notes = {}
phases = []
with open(RAW) as f:
    for line in f:
        p = line.rstrip("\n").split("\t")
        if len(p) < 5:
            continue
        m, s, param, rep, v = p[:5]
        note = p[5] if len(p) > 5 else ""
        if m == "meta":
            meta[s] = param
            continue
        if m == "phase":
            phases.append((s, v))
            continue
        k = (m, s, param)
        if v == "FAIL":
            fails[k] = note
            vals.setdefault(k, {})
            continue
        if v == "SKIP":
            skips[k] = note
            vals.setdefault(k, {})
            continue
        try:
            vals.setdefault(k, {})[int(rep)] = float(v)
        except ValueError:
            fails[k] = "bad value %r" % v
        notes[k] = note


def systems(measure):
    seen = {k[1] for k in vals if k[0] == measure}
    return [s for s in ORDER if s in seen] + sorted(seen - set(ORDER))


def params(measure):
    ps = []
    for k in vals:
        if k[0] == measure and k[2] not in ps:
            ps.append(k[2])
    return ps


def stat(k, lower_is_better=False):
    """(best, median, n) of the repetitions, or None if none succeeded"""
    v = list(vals.get(k, {}).values())
    if not v:
        return None
    return (min(v) if lower_is_better else max(v), statistics.median(v), len(v))


def failtext(k):
    if k in skips:
        return "skipped: " + skips[k].replace("|", "/")
    n = fails.get(k)
    if n is None:
        return "FAILED (no result)" if k in vals else "not measured"
    return "FAILED: " + n.replace("|", "/")


def fmt(x, nd=3):
    return "-" if x is None else ("%.*f" % (nd, x))


def frame_bits(size):
    return size * 8  # size includes the FCS; no preamble or inter-frame gap


md = []
csvrows = []
reps = int(meta.get("reps", "0") or 0)


def csv_add(system, measure, param, unit, k, lower=False, scale=1.0):
    st = stat(k, lower)
    allv = vals.get(k, {})
    reps_s = ";".join("%g" % (allv[r] * scale) for r in sorted(allv))
    if st:
        csvrows.append([system, measure, param, unit, "%g" % (st[0] * scale),
                        "%g" % (st[1] * scale), st[2], reps_s, ""])
    else:
        csvrows.append([system, measure, param, unit, "", "", 0, "", failtext(k)])


md.append("# kvs benchmark results\n")
EXACT = meta.get("mode") == "exact"

if not EXACT:
    md.append("Kernel %s, kvs %s, %s vCPUs (TCG VM), %s repetitions of %s s per point; systems "
              "alternate within each repetition. Frame sizes include the 4-byte FCS (pktgen's "
              "pkt_size is 4 less); Gbps = frames/s x frame size x 8 (no preamble or gap). "
              "Rate = frames counted by a tc drop rule at the sink / pktgen's run time. "
              "Best = the best repetition, median = the median repetition. Own cost = "
              "1/rate - 1/floor rate, ns per frame (aggregate rate for several pairs).\n"
              % (meta.get("kernel", "?"), meta.get("kvs", "?"), meta.get("cpus", "?"),
                 meta.get("reps", "?"), meta.get("secs", "?")))
    if meta.get("batch") == "0":
        md.append("This kvs has no per-switch `batch` knob: kvs-b1/b16/b64 were not run.\n")


def tput_table(measure, param, title, size, floor_key=None):
    ks = systems(measure)
    bridge = stat((measure, "bridge", param))
    floor = stat(floor_key) if floor_key else None
    lines = ["## %s\n" % title,
             "| system | best Mpps | median Mpps | best Gbps | median Gbps | vs bridge (best / median) "
             + ("| own cost ns (best / median) " if floor_key else "") + "| reps |",
             "| --- | ---: | ---: | ---: | ---: | ---: | " + ("---: | " if floor_key else "") + "---: |"]
    for s in ks:
        k = (measure, s, param)
        st = stat(k)
        csv_add(s, measure, param, "pps", k)
        if not st:
            lines.append("| %s | %s |" % (s, failtext(k)))
            continue
        b, m, n = st
        ratio = "-"
        if bridge:
            ratio = "%.2fx / %.2fx" % (b / bridge[0], m / bridge[1])
        cost = ""
        if floor_key:
            if floor and s != "floor":
                cost = "| %.0f / %.0f " % (1e9 / b - 1e9 / floor[0], 1e9 / m - 1e9 / floor[1])
            else:
                cost = "| - "
        lines.append("| %s | %.4f | %.4f | %.3f | %.3f | %s %s| %d%s |" % (
            s, b / 1e6, m / 1e6, b * frame_bits(size) / 1e9, m * frame_bits(size) / 1e9,
            ratio, cost, n, "" if n >= reps else " of %d" % reps))
    md.append("\n".join(lines) + "\n")
    return "\n".join(lines)


def latency_table():
    """kvs_lat p50/p99 in us (both modes: on the exact clock, thousands of instructions)"""
    if params("lat"):
        lines = ["## Latency: UDP request/response round trip through the switch (us)\n",
                 "| system | p50 best | p50 median | p99 best | p99 median | p50 vs bridge (median) | reps |",
                 "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        br = stat(("lat", "bridge", "p50"), True)
        for s in systems("lat"):
            k50, k99 = ("lat", s, "p50"), ("lat", s, "p99")
            csv_add(s, "lat", "p50", "us", k50, True)
            csv_add(s, "lat", "p99", "us", k99, True)
            a, b = stat(k50, True), stat(k99, True)
            if not a or not b:
                lines.append("| %s | %s |" % (s, failtext(k50)))
                continue
            lines.append("| %s | %.1f | %.1f | %.1f | %.1f | %s | %d |" % (
                s, a[0], a[1], b[0], b[1], "%.2fx" % (a[1] / br[1]) if br else "-", a[2]))
        md.append("\n".join(lines) + "\n")
        md.append("Best = the lowest repetition; each repetition is one run of kvs_lat "
                  "(%s).\n" % (notes.get(("lat", "bridge", "p50")) or "see raw.tsv"))


# ---- exact mode -------------------------------------------------------------------------
# Every value is pktgen's (or ping's, kvs_lat's) time on the instruction clock: ns per
# frame = instructions per frame. Lower is better; the repetitions should agree to
# within a fraction of a percent, so the median is the figure and min/max the check.
BURST_PARAMS = [("b1:uni", "burst 1, known unicast"), ("b1:flood", "burst 1, flood"),
                ("b32:uni", "rx burst 32, known unicast"), ("b32:flood", "rx burst 32, flood"),
                ("gro:uni", "veth GRO, known unicast"), ("gro:flood", "veth GRO, flood"),
                ("af:uni", "unshared (AF_PACKET), known unicast"),
                ("af:flood", "unshared (AF_PACKET), flood")]


def est(k):
    """(median, min, max, n, every value in repetition order), or None"""
    v = vals.get(k, {})
    if not v:
        return None
    allv = [v[r] for r in sorted(v)]
    return (statistics.median(allv), min(allv), max(allv), len(allv), allv)


def exact_median(k):
    e = est(k)
    return e[0] if e else None


def burst_key(system, param):
    # burst 1 known unicast is the throughput table's 64-byte run
    return ("tput", system, "64:1") if param == "b1:uni" else ("burst", system, param)


def spread(e):
    return "%.2f%%" % (100.0 * (e[2] - e[1]) / e[0]) if e[0] else "-"


def runs(e):
    return ", ".join("%.1f" % x for x in e[4])


def ratio(a, b):
    return "%.2fx" % (a / b) if a is not None and b else "-"


def cost_table(measure, param, title, floor=True, unit="ns/frame"):
    """instructions per frame (or us) of every system at one point; with floor: own costs
    and their ratios to the bridge's and mirred's own costs"""
    syss = systems(measure)
    why = {skips.get((measure, s, param)) for s in syss}
    if syss and len(why) == 1 and None not in why:
        # nothing of it was run, for one reason: one line
        for s in syss:
            csv_add(s, measure, param, unit, (measure, s, param), True)
        md.append("## %s\n\n| systems | |\n| --- | --- |\n| %s | skipped: %s |\n"
                  % (title, ", ".join(syss), why.pop().replace("|", "/")))
        return ""
    fl = exact_median((measure, "floor", param)) if floor else None
    own = {}
    for s in ("bridge", "mirred"):
        m = exact_median((measure, s, param))
        own[s] = m - fl if m is not None and fl is not None else None
    head = "| system | %s (median) | min / max | spread | " % unit
    rule = "| --- | ---: | ---: | ---: | "
    if floor:
        head += "own cost ns | own vs bridge's | own vs mirred's | "
        rule += "---: | ---: | ---: | "
    else:
        head += "vs bridge | "
        rule += "---: | "
    lines = ["## %s\n" % title, head + "reps: every run |", rule + "--- |"]
    br = exact_median((measure, "bridge", param))
    for s in syss:
        k = (measure, s, param)
        csv_add(s, measure, param, unit, k, True)
        e = est(k)
        if not e:
            lines.append("| %s | %s |" % (s, failtext(k)))
            continue
        cells = [s, "%.1f" % e[0], "%.1f / %.1f" % (e[1], e[2]), spread(e)]
        if floor:
            if s == "floor" or fl is None:
                cells += ["-", "-", "-"]
            else:
                o = e[0] - fl
                cells += ["%.0f" % o, ratio(o, own["bridge"]), ratio(o, own["mirred"])]
        else:
            cells.append(ratio(e[0], br))
        cells.append("%d: %s" % (e[3], runs(e)))
        lines.append("| " + " | ".join(cells) + " |")
    md.append("\n".join(lines) + "\n")
    return "\n".join(lines)


def exact_tables():
    frames = meta.get("frames", "?")
    md.append("Kernel %s, kvs %s, exact mode: TCG with -icount shift=0 (every guest instruction "
              "advances the guest clock by 1 ns), %s vCPU; %s repetitions of %s frames per point "
              "(FDB scale: %s). ns/frame = pktgen's run time on that clock / frames, i.e. "
              "instructions per frame; every frame sent must reach the sink (a tc drop rule), "
              "else the run failed. Frame sizes include the 4-byte FCS. Own cost = ns/frame - "
              "the floor's; \"own vs bridge's\" = own cost / the bridge's own cost. Lower is "
              "better. icount counts instructions only: caches, memory latency, TLB and branch "
              "prediction cost nothing here (see README).\n"
              % (meta.get("kernel", "?"), meta.get("kvs", "?"), meta.get("cpus", "?"),
                 meta.get("reps", "?"), frames, meta.get("fdb_frames", "?")))
    if meta.get("batch") == "0":
        md.append("This kvs has no per-switch `batch` knob: kvs-b1/b16/b64 were not run.\n")
    main = ""
    # 1 pair by frame size first, then the pairs (skipped: one vCPU)
    for param in sorted(params("tput"), key=lambda p: (int(p.split(":")[1]), int(p.split(":")[0]))):
        size, pairs = (int(x) for x in param.split(":"))
        t = cost_table("tput", param, "Instructions per frame: %d-byte frames, %d pair%s, known "
                       "unicast" % (size, pairs, "" if pairs == 1 else "s"))
        if param == "64:1":
            main = t

    if params("burst"):
        syss = [s for s in systems("burst")]
        cols = [p for p, _ in BURST_PARAMS]
        fl = {p: exact_median(burst_key("floor", p)) for p in cols}
        brown = {}
        for p in cols:
            b = exact_median(burst_key("bridge", p))
            brown[p] = b - fl[p] if b is not None and fl[p] is not None else None
        lines = ["## Batches and floods: 64-byte frames, ns/frame (median; own cost in brackets)\n",
                 "| system | " + " | ".join(d for _, d in BURST_PARAMS) + " |",
                 "| --- | " + " | ".join("---:" for _ in cols) + " |"]
        own_lines = ["## Batches and floods: own cost vs the bridge's own cost at the same point\n",
                     "| system | " + " | ".join(d for _, d in BURST_PARAMS) + " |",
                     "| --- | " + " | ".join("---:" for _ in cols) + " |"]
        for s in syss:
            row, orow = [], []
            for p in cols:
                k = burst_key(s, p)
                if k[0] == "burst":
                    csv_add(s, "burst", p, "ns/frame", k, True)
                e = est(k)
                if not e:
                    row.append(failtext(k))
                    orow.append("-")
                    continue
                o = e[0] - fl[p] if fl[p] is not None and s != "floor" else None
                row.append("%.1f (%s)%s" % (e[0], "-" if o is None else "%.0f" % o,
                                            "" if (e[2] - e[1]) <= 0.005 * e[0] else
                                            " spread %s" % spread(e)))
                orow.append(ratio(o, brown[p]) if o is not None else "-")
            lines.append("| %s | %s |" % (s, " | ".join(row)))
            own_lines.append("| %s | %s |" % (s, " | ".join(orow)))
        md.append("\n".join(lines) + "\n")
        md.append("burst 1: pktgen on a0 -> veth -> p0, the stack's backlog, one frame per "
                  "softirq round (known unicast = the table above). rx burst 32: pktgen "
                  "`xmit_mode netif_receive` `burst 32` on p0 (floor: on d0, so its floor has "
                  "no veth hop): 32 frames received back to back with bottom halves off, as "
                  "from one NAPI poll, then the softirq work (sink backlog, kvs batch queue). "
                  "veth GRO: GRO on p0 (floor: d0), veth receives through NAPI, pktgen burst 1. "
                  "Unshared: as burst 1, but sent by kvs_blast (AF_PACKET, sendmmsg): pktgen "
                  "keeps a reference to its frames, so a switch that changes one (kvs, the "
                  "bridge) must clone it first; a frame from a VM, a container or a socket is "
                  "not shared, and these are not (the floor includes the sender's system call). "
                  "Flood: destination MAC unknown to the switch, copies to every other port "
                  "(10 with the 4 pairs, the latency and the spare port); counted at d0 only, so "
                  "the figure is per frame sent, every copy included. floor and mirred ignore "
                  "the MAC (flood = unicast for them). Spread shown only above 0.5%.\n")
        md.append("\n".join(own_lines) + "\n")
        if params("polls"):
            lines = ["## NAPI polls per frame (one run each, under perf stat -e napi:napi_poll)\n",
                     "| system | " + " | ".join(d for _, d in BURST_PARAMS) + " |",
                     "| --- | " + " | ".join("---:" for _ in cols) + " |"]
            for s in systems("polls"):
                row = []
                for p in cols:
                    k = ("polls", s, p)
                    csv_add(s, "polls", p, "polls/frame", k, True)
                    e = est(k)
                    row.append("%.3f" % e[0] if e else failtext(k))
                lines.append("| %s | %s |" % (s, " | ".join(row)))
            md.append("\n".join(lines) + "\n")
            md.append("Every NAPI poll of every device (the stack's backlog counts as one), so "
                      "1/32 per device means batches of 32; 1 or more per frame means no "
                      "batching at all.\n")

    latency_table()
    if params("rtt"):
        cost_table("rtt", "avg", "Flood ping (ping -f, 2000 round trips): average round trip "
                   "through the switch, us (thousands of instructions)", floor=False,
                   unit="us")
        md.append("ping prints the average to the microsecond: differences of 1 us are "
                  "rounding.\n")

    if params("prof"):
        lines = ["## perf profiles (64-byte known unicast, one run each, cpu-clock every 50 us)\n",
                 "| system | ns/frame under perf | samples | top symbols (share of kpktgend_0 "
                 "and ksoftirqd/0 samples) |",
                 "| --- | ---: | --- | --- |"]
        for s in systems("prof"):
            k = ("prof", s, "64")
            e = est(k)
            if not e:
                lines.append("| %s | %s |" % (s, failtext(k)))
                continue
            top = []
            path = os.path.join(OUT, "profile-%s.txt" % s)
            try:
                with open(path) as f:
                    insym = False
                    for line in f:
                        if line.startswith("## by symbol"):
                            insym = True
                        elif line.startswith("## "):
                            insym = False
                        elif insym:
                            q = line.split()
                            if len(q) >= 3 and q[0].endswith("%") and q[1] == "[k]":
                                top.append("%s %s" % (q[2], q[0]))
            except OSError:
                top = ["(%s missing)" % os.path.basename(path)]
            lines.append("| %s | %.1f | %s | %s |" % (
                s, e[0], notes.get(k, "").split("; ")[-1].replace("|", "/"),
                ", ".join(top[:8])))
        md.append("\n".join(lines) + "\n")
        md.append("profile-SYSTEM.txt: by command, by symbol (40 lines, the datapath's threads: "
                  "pktgen's, which runs the softirqs, and ksoftirqd), and for kvs the inclusive "
                  "share of its functions and the call graph with callers first. perf's "
                  "sampling adds instructions: the ns/frame here are not comparable with the "
                  "tables above.\n")

    for param in params("fabric"):
        cost_table("fabric", param, "Fabric (VXLAN): %s-byte inner frames, to a Linux vxlan "
                   "device in another netns, ns/frame; floor: the VM port's frames redirected "
                   "by tc mirred into a vxlan device (the encapsulation alone)" % param)

    if params("fdb"):
        levels = sorted(params("fdb"), key=int)
        lines = ["## FDB scale: 64-byte frames, ns/frame (median; %s frames per run)\n"
                 % meta.get("fdb_frames", "?"),
                 "| system | " + " | ".join("%s entries" % l for l in levels) +
                 " | largest - smallest |",
                 "| --- | " + " | ".join("---:" for _ in levels) + " | ---: |"]
        for s in systems("fdb"):
            row, first, last = [], None, None
            for l in levels:
                k = ("fdb", s, l)
                csv_add(s, "fdb", l, "ns/frame", k, True)
                e = est(k)
                if e:
                    row.append("%.1f" % e[0])
                    first = e[0] if first is None else first
                    last = e[0]
                else:
                    row.append(failtext(k))
            lines.append("| %s | %s | %s |" % (s, " | ".join(row),
                         "%+.1f" % (last - first) if first is not None else "-"))
        md.append("\n".join(lines) + "\n")
        md.append("Entries = all MAC entries of the switch: the 4 sink entries, the learned "
                  "source and static entries to an idle port (kvs: `kvs -b`, bridge: `bridge "
                  "-batch`; OVS: learned from frames with distinct source MACs). Instructions "
                  "only: the cache misses a big table costs on hardware are not counted.\n")
    return main


def exact_phases():
    host = {}
    try:
        with open(os.path.join(OUT, "phases-host.tsv")) as f:
            for line in f:
                q = line.split()
                if len(q) == 2:
                    host[q[0]] = q[1]
    except OSError:
        pass
    names = [p for p in host]
    names += [p for p, _ in phases if p not in names]
    guest = dict(phases)
    md.append("## Time per phase (s)\n\nhost = wall-clock seconds on the host (boot: from "
              "starting the VM); guest = the guest's clock, which counts instructions and "
              "jumps over idle time.\n\n| phase | host s | guest s |\n| --- | ---: | ---: |\n" +
              "\n".join("| %s | %s | %s |" % (p, host.get(p, "-"), guest.get(p, "-"))
                        for p in names) + "\n")


def exact_plots():
    sizes = [p for p in params("tput") if p.endswith(":1")]
    plot("throughput_size", "Instructions per frame by frame size, 1 pair (median)",
         "ns (instructions) per frame", [p.split(":")[0] for p in sizes],
         {s: [exact_median(("tput", s, p)) for p in sizes] for s in systems("tput")})
    if params("burst"):
        cols = [p for p, _ in BURST_PARAMS]
        plot("burst", "Batches and floods, 64-byte frames (median)", "ns (instructions) per frame",
             cols, {s: [exact_median(burst_key(s, p)) for p in cols] for s in systems("burst")})
    if params("fdb"):
        levels = sorted(params("fdb"), key=int)
        plot("throughput_fdb", "Instructions per frame by FDB size, 64-byte frames (median)",
             "ns (instructions) per frame", levels,
             {s: [exact_median(("fdb", s, l)) for l in levels] for s in systems("fdb")})
    if params("lat") or params("rtt"):
        plot("latency", "Round trips through the switch (median of repetitions)", "us",
             ["p50", "p99", "ping-f"],
             {s: [exact_median(("lat", s, "p50")), exact_median(("lat", s, "p99")),
                  exact_median(("rtt", s, "avg"))]
              for s in ORDER + sorted(set(systems("lat")) - set(ORDER))
              if s in systems("lat") or s in systems("rtt")})


main_table = ""
if not EXACT:
    for param in params("tput"):
        size, pairs = (int(x) for x in param.split(":"))
        t = tput_table("tput", param, "Throughput: %d-byte frames, %d pair%s" %
                       (size, pairs, "" if pairs == 1 else "s"), size, ("tput", "floor", param))
        if param == "64:1":
            main_table = t
    # latency
    latency_table()

    # fabric
    for param in params("fabric"):
        tput_table("fabric", param, "Fabric (VXLAN): %s-byte inner frames, 1 pair, to a Linux vxlan "
                   "device in another netns" % param, int(param))

    # fdb scale
    if params("fdb"):
        levels = sorted(params("fdb"), key=int)
        lines = ["## FDB scale: 64-byte frames, 1 pair, Mpps (median, best in brackets)\n",
                 "| system | " + " | ".join("%s entries" % l for l in levels) + " | largest vs smallest (median) |",
                 "| --- | " + " | ".join("---:" for _ in levels) + " | ---: |"]
        for s in systems("fdb"):
            row, first, last = [], None, None
            for l in levels:
                k = ("fdb", s, l)
                csv_add(s, "fdb", l, "pps", k)
                st = stat(k)
                if st:
                    row.append("%.4f (%.4f)" % (st[1] / 1e6, st[0] / 1e6))
                    first = first or st[1]
                    last = st[1]
                else:
                    row.append(failtext(k))
            lines.append("| %s | %s | %s |" % (s, " | ".join(row),
                         "%.2fx" % (last / first) if first and last else "-"))
        md.append("\n".join(lines) + "\n")
        md.append("Entries = all MAC entries of the switch: the 4 sink entries, the learned "
                  "source and static entries to an idle port (kvs: `kvs -b`, bridge: `bridge "
                  "-batch`; OVS: learned from frames with distinct source MACs).\n")
else:
    main_table = exact_tables()

# memory
if any(k[0] == "mem" for k in vals):
    lines = ["## Kernel memory (Slab + Percpu + VmallocUsed deltas, caches dropped)\n",
             "| system | idle switch (bytes) | per port (bytes) | per static FDB entry (bytes) "
             "| per learned FDB entry (bytes) | hugepages used |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for s in systems("mem"):
        if ("mem", s, "all") in fails:
            lines.append("| %s | %s |" % (s, failtext(("mem", s, "all"))))
            continue
        cells = []
        for step in ("idle", "port", "fdb", "learned"):
            parts = []
            tot = 0.0
            ok = False
            for f in ("slab", "percpu", "vmalloc"):
                k = ("mem", s, "%s_%s" % (step, f))
                st = stat(k)
                if st:
                    ok = True
                    tot += st[1]
                    parts.append("%s %.0f" % (f, st[1]))
                    csv_add(s, "mem", "%s_%s" % (step, f), "bytes", k)
            if ok:
                cells.append("%.0f (%s)" % (tot, ", ".join(parts)))
            elif ("mem", s, "%s_slab" % step) in fails:
                cells.append(failtext(("mem", s, "%s_slab" % step)))
            else:
                cells.append("n/a")
        hp = [stat(("mem", s, "%s_hugepages" % st)) for st in ("idle", "port", "fdb", "learned")]
        hp = [h[1] for h in hp if h]
        lines.append("| %s | %s | %s | %s | %s | %s |" % (s, cells[0], cells[1], cells[2],
                     cells[3], "%d" % max(hp) if hp else "-"))
    md.append("\n".join(lines) + "\n")
    md.append("One measurement each (64 ports, 100k entries in the full run); slab figures "
              "move by a few KiB between readings, so small values are noise. OVS keeps its "
              "MAC table in ovs-vswitchd (user space): no kernel per-entry figure.\n")

if not EXACT:
    if phases:
        md.append("## Wall time per phase (s)\n\n| phase | s |\n| --- | ---: |\n" +
                  "\n".join("| %s | %s |" % p for p in phases) + "\n")
else:
    exact_phases()

with open(os.path.join(OUT, "results.md"), "w") as f:
    f.write("\n".join(md))
with open(os.path.join(OUT, "results.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["system", "measure", "param", "unit", "best", "median", "reps_ok", "reps", "failure"])
    w.writerows(csvrows)


# ---- plots ----------------------------------------------------------------------------
# one colour per system in every plot
COLORS = ["#555555", "#999999", "#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd", "#8c564b"]


def plot(name, title, ylabel, cats, series, lower=False):
    """series: {system: [value or None per category]}; a clustered histogram"""
    dat = os.path.join(OUT, name + ".dat")
    syss = [s for s in series if any(v is not None for v in series[s])]
    if not syss:
        return
    with open(dat, "w") as f:
        f.write("cat " + " ".join(syss) + "\n")
        for i, c in enumerate(cats):
            f.write("%s %s\n" % (c, " ".join("?" if series[s][i] is None else "%g" % series[s][i]
                                          for s in syss)))
    gp = """set terminal pngcairo size 900,500 noenhanced
set output '%s'
set title '%s'
set ylabel '%s'
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key outside right top
set grid ytics
set yrange [0:*]
plot %s
""" % (os.path.join(OUT, name + ".png"), title, ylabel,
       ", ".join("'%s' using %d:xtic(1) title columnheader(%d) lc rgb '%s'" %
                 (dat, i + 2, i + 2, COLORS[ORDER.index(s) % len(COLORS)] if s in ORDER else "#777777")
                 for i, s in enumerate(syss)))
    try:
        subprocess.run(["gnuplot"], input=gp, text=True, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except (OSError, subprocess.CalledProcessError) as e:
        print("report: gnuplot failed for %s: %s" % (name, e), file=sys.stderr)


def med(k):
    st = stat(k)
    return st[1] / 1e6 if st else None


if not EXACT:
    sizes = [p for p in params("tput") if p.endswith(":1")]
    plot("throughput_size", "Throughput by frame size, 1 pair (median)", "Mpps",
         [p.split(":")[0] for p in sizes],
         {s: [med(("tput", s, p)) for p in sizes] for s in systems("tput")})
    pairs = [p for p in params("tput") if p.startswith("64:")]
    plot("throughput_pairs", "Throughput by port pairs, 64-byte frames (median, aggregate)", "Mpps",
         [p.split(":")[1] for p in pairs],
         {s: [med(("tput", s, p)) for p in pairs] for s in systems("tput")})
    if params("fdb"):
        levels = sorted(params("fdb"), key=int)
        plot("throughput_fdb", "Throughput by FDB size, 64-byte frames, 1 pair (median)", "Mpps",
             levels, {s: [med(("fdb", s, l)) for l in levels] for s in systems("fdb")})
    if params("lat"):
        def lat(s, p):
            st = stat(("lat", s, p), True)
            return st[1] if st else None
        plot("latency", "UDP round trip through the switch (median of repetitions)", "us",
             ["p50", "p99"], {s: [lat(s, "p50"), lat(s, "p99")] for s in systems("lat")})
else:
    exact_plots()

print(main_table)
