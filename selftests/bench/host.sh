#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make bench": builds kvs.ko, the tool and kvs_lat for KERNELRELEASE, boots one VM
# (selftests/vm/run.sh) that runs bench.sh, then turns its raw figures into
# BENCH_OUT/results.md, results.csv and PNG plots (report.py) and prints the main table.
#
# Knobs (environment): BENCH_OUT (default: bench-results at the top of the tree),
# BENCH_REPS (default 7; fewer is for development only), BENCH_SECS (seconds per pktgen
# run, default 2), BENCH_QUICK=1 (a smoke run of a few minutes: 1 repetition of 1 s,
# smaller FDB and memory figures), BENCH_SAMPLES (latency round trips per repetition).

set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
make=${MAKE:-make}
KERNELRELEASE=${KERNELRELEASE:-$("$make" -s -C "$tree" --no-print-directory kernelrelease)}

QUICK=${BENCH_QUICK:-}
[ "$QUICK" = 0 ] && QUICK=
OUT=${BENCH_OUT:-$tree/bench-results}
if [ -n "$QUICK" ]; then
	REPS=${BENCH_REPS:-1} SECS=${BENCH_SECS:-1} SAMPLES=${BENCH_SAMPLES:-300} TMO=1200
else
	REPS=${BENCH_REPS:-7} SECS=${BENCH_SECS:-2} SAMPLES=${BENCH_SAMPLES:-2000} TMO=3600
fi
case $REPS$SECS$SAMPLES in *[!0-9]*) echo "bench: BENCH_REPS, BENCH_SECS, BENCH_SAMPLES take whole numbers" >&2; exit 2 ;; esac
[ "$REPS" -ge 1 ] && [ "$SECS" -ge 1 ] || { echo "bench: BENCH_REPS and BENCH_SECS must be >= 1" >&2; exit 2; }
[ -n "$QUICK" ] || [ "$REPS" -ge 7 ] ||
	echo "bench: warning: BENCH_REPS=$REPS: the real run takes at least 7 (TCG has two speed modes)"

start=$(date +%s)
step() { echo "bench: [$(($(date +%s) - start))s] $*"; }

mk=("$make" -C "$tree" --no-print-directory "KERNELRELEASE=$KERNELRELEASE")
[ -z "${KERNELDIR:-}" ] || mk+=("KERNELDIR=$KERNELDIR")
[ -z "${KVS_VERSION:-}" ] || mk+=("KVS_VERSION=$KVS_VERSION")
step "building kvs.ko and the tool for $KERNELRELEASE"
"${mk[@]}" module tools >/tmp/kvs-bench-build.$$ 2>&1 || {
	tail -n 30 /tmp/kvs-bench-build.$$; echo "bench: build failed" >&2; exit 1; }
rm -f /tmp/kvs-bench-build.$$
"$make" -C "$here" --no-print-directory -s kvs_lat || { echo "bench: kvs_lat did not build" >&2; exit 1; }

mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)
rm -rf "$OUT/vm"
args=(-o /run/kvs-vm/bench -r "$REPS" -s "$SECS" -l "$SAMPLES")
[ -z "$QUICK" ] || args+=(-q)
step "one VM: selftests/bench/bench.sh ${args[*]} (results in $OUT)"
# 4 GiB: a million bridge entries and a million kvs entries side by side (2 GiB ran out)
"$tree/selftests/vm/run.sh" -k "$KERNELRELEASE" -K "$tree/kvs.ko" -o "$OUT/vm" -T "$TMO" -m 4096 \
	-- selftests/bench/bench.sh "${args[@]}" 2>&1 | grep --line-buffered -E '^(bench|# kvs-vm|not ok|kvs-vm)'
vmrc=${PIPESTATUS[0]}
step "VM done (run.sh exit $vmrc; its checks: $OUT/vm/checks.tap)"

raw=$OUT/vm/bench/raw.tsv
if [ ! -s "$raw" ]; then
	echo "bench: no raw results ($raw); console: $OUT/vm/console.log" >&2
	exit 1
fi
cp "$raw" "$OUT/raw.tsv"
cp "$OUT/vm/bench/bench.log" "$OUT/bench.log" 2>/dev/null
rm -f "$OUT"/*.png "$OUT"/*.dat
python3 "$here/report.py" "$OUT" || { echo "bench: report.py failed" >&2; exit 1; }
nfail=$(awk -F'\t' '$5 == "FAIL"' "$OUT/raw.tsv" | wc -l)
step "done: $OUT/results.md, results.csv, raw.tsv, $(ls "$OUT"/*.png 2>/dev/null | wc -l) plots;" \
	"$nfail failed measurements"
[ "$vmrc" -eq 0 ] || echo "bench: warning: the VM's kernel-log checks or the guest script failed (exit $vmrc)"
exit 0
