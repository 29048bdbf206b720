#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# report.py OUT: turns OUT/raw.tsv (written by bench.sh in the VM) into OUT/results.md
# (Markdown tables), OUT/results.csv (one row per system, measure and parameter: best,
# median, every repetition) and, if gnuplot is installed, OUT/*.png. Prints the main
# table (64-byte frames, 1 pair) on stdout.

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


main_table = ""
for param in params("tput"):
    size, pairs = (int(x) for x in param.split(":"))
    t = tput_table("tput", param, "Throughput: %d-byte frames, %d pair%s" %
                   (size, pairs, "" if pairs == 1 else "s"), size, ("tput", "floor", param))
    if param == "64:1":
        main_table = t

# latency
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

# memory
if any(k[0] == "mem" for k in vals):
    lines = ["## Kernel memory (Slab + Percpu + VmallocUsed deltas, caches dropped)\n",
             "| system | idle switch (bytes) | per port (bytes) | per FDB entry (bytes) | hugepages used |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for s in systems("mem"):
        if ("mem", s, "all") in fails:
            lines.append("| %s | %s |" % (s, failtext(("mem", s, "all"))))
            continue
        cells = []
        for step in ("idle", "port", "fdb"):
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
            cells.append("%.0f (%s)" % (tot, ", ".join(parts)) if ok else "n/a")
        hp = [stat(("mem", s, "%s_hugepages" % st)) for st in ("idle", "port", "fdb")]
        hp = [h[1] for h in hp if h]
        lines.append("| %s | %s | %s | %s | %s |" % (s, cells[0], cells[1], cells[2],
                     "%d" % max(hp) if hp else "-"))
    md.append("\n".join(lines) + "\n")
    md.append("One measurement each (64 ports, 100k entries in the full run); slab figures "
              "move by a few KiB between readings, so small values are noise. OVS keeps its "
              "MAC table in ovs-vswitchd (user space): no kernel per-entry figure.\n")

if phases:
    md.append("## Wall time per phase (s)\n\n| phase | s |\n| --- | ---: |\n" +
              "\n".join("| %s | %s |" % p for p in phases) + "\n")

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

print(main_table)
