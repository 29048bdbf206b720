#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make bench": builds kvs.ko, the tool and kvs_lat for KERNELRELEASE, boots one VM
# (selftests/vm/run.sh) that runs bench.sh, then turns its raw figures into
# BENCH_OUT/results.md, results.csv and PNG plots (report.py) and prints the main table.
#
# Knobs (environment): BENCH_MODE (exact, the default: the VM counts instructions, see
# README; wall: the wall clock, several vCPUs), BENCH_OUT (default: bench-results at the
# top of the tree), BENCH_REPS (default 3 exact, 7 wall; fewer is for development
# only), BENCH_FRAMES (exact: frames per pktgen run, default 100000), BENCH_SECS (wall:
# seconds per pktgen run, default 2), BENCH_QUICK=1 (a smoke run of a few minutes:
# fewer frames or seconds, smaller FDB and memory figures), BENCH_SAMPLES (latency
# round trips per repetition).

set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
make=${MAKE:-make}
KERNELRELEASE=${KERNELRELEASE:-$("$make" -s -C "$tree" --no-print-directory kernelrelease)}

QUICK=${BENCH_QUICK:-}
[ "$QUICK" = 0 ] && QUICK=
OUT=${BENCH_OUT:-$tree/bench-results}
MODE=${BENCH_MODE:-exact}
case $MODE in exact|wall) ;; *) echo "bench: BENCH_MODE takes exact or wall" >&2; exit 2 ;; esac
if [ "$MODE" = exact ]; then
	# the repetitions agree to within a fraction of a percent: 3 show the spread
	if [ -n "$QUICK" ]; then
		REPS=${BENCH_REPS:-2} FRAMES=${BENCH_FRAMES:-20000} SAMPLES=${BENCH_SAMPLES:-300} TMO=1500
	else
		REPS=${BENCH_REPS:-3} FRAMES=${BENCH_FRAMES:-100000} SAMPLES=${BENCH_SAMPLES:-2000} TMO=3600
	fi
	SECS=${BENCH_SECS:-1}
else
	FRAMES=${BENCH_FRAMES:-0}
	if [ -n "$QUICK" ]; then
		REPS=${BENCH_REPS:-1} SECS=${BENCH_SECS:-1} SAMPLES=${BENCH_SAMPLES:-300} TMO=1200
	else
		REPS=${BENCH_REPS:-7} SECS=${BENCH_SECS:-2} SAMPLES=${BENCH_SAMPLES:-2000} TMO=3600
	fi
fi
case $REPS$SECS$SAMPLES$FRAMES in
*[!0-9]*) echo "bench: BENCH_REPS, BENCH_SECS, BENCH_SAMPLES, BENCH_FRAMES take whole numbers" >&2; exit 2 ;;
esac
[ "$REPS" -ge 1 ] && [ "$SECS" -ge 1 ] || { echo "bench: BENCH_REPS and BENCH_SECS must be >= 1" >&2; exit 2; }
[ "$MODE" = wall ] || [ "$FRAMES" -ge 1000 ] || { echo "bench: BENCH_FRAMES must be >= 1000" >&2; exit 2; }
[ -n "$QUICK" ] || [ "$MODE" = exact ] || [ "$REPS" -ge 7 ] ||
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
"$make" -C "$here" --no-print-directory -s kvs_lat kvs_blast ||
	{ echo "bench: kvs_lat or kvs_blast did not build" >&2; exit 1; }

mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)
rm -rf "$OUT/vm"
args=(-o /run/kvs-vm/bench -r "$REPS" -s "$SECS" -l "$SAMPLES")
[ -z "$QUICK" ] || args+=(-q)
vmopt=()
if [ "$MODE" = exact ]; then
	# run.sh -i: TCG with -icount (1 ns of guest time per instruction), 1 vCPU
	args+=(-x -f "$FRAMES")
	vmopt=(-i)
fi
step "one VM ($MODE mode): selftests/bench/bench.sh ${args[*]} (results in $OUT)"
# host_times: the VM's lines, each with the host's seconds since the start; the wall time
# of every phase (the guest's clock is not the wall's in exact mode) in phases-host.tsv
host_times() {
	local line now ph=boot pt=$(($(date +%s) - start))
	: >"$OUT/phases-host.tsv"
	while IFS= read -r line; do
		now=$(($(date +%s) - start))
		echo "[$now s] $line"
		if [[ $line =~ ----\ phase\ ([a-z]+)\ ---- ]] || [[ $line =~ ^bench:\ .*\ done:\  ]]; then
			[ -z "$ph" ] || printf '%s\t%s\n' "$ph" $((now - pt)) >>"$OUT/phases-host.tsv"
			ph=${BASH_REMATCH[1]:-} pt=$now
		fi
	done
}
# 4 GiB: a million bridge entries and a million kvs entries side by side (2 GiB ran out)
"$tree/selftests/vm/run.sh" "${vmopt[@]}" -k "$KERNELRELEASE" -K "$tree/kvs.ko" -o "$OUT/vm" -T "$TMO" -m 4096 \
	-- selftests/bench/bench.sh "${args[@]}" 2>&1 | grep --line-buffered -E '^(bench|# kvs-vm|not ok|kvs-vm)' |
	host_times
vmrc=${PIPESTATUS[0]}
step "VM done (run.sh exit $vmrc; its checks: $OUT/vm/checks.tap)"

raw=$OUT/vm/bench/raw.tsv
if [ ! -s "$raw" ]; then
	echo "bench: no raw results ($raw); console: $OUT/vm/console.log" >&2
	exit 1
fi
cp "$raw" "$OUT/raw.tsv"
cp "$OUT/vm/bench/bench.log" "$OUT/bench.log" 2>/dev/null
rm -f "$OUT"/*.png "$OUT"/*.dat "$OUT"/profile-*.txt
for f in "$OUT"/vm/bench/profile-*.txt; do
	[ ! -f "$f" ] || cp "$f" "$OUT/"
done
python3 "$here/report.py" "$OUT" || { echo "bench: report.py failed" >&2; exit 1; }
nfail=$(awk -F'\t' '$5 == "FAIL"' "$OUT/raw.tsv" | wc -l)
step "done: $OUT/results.md, results.csv, raw.tsv, $(ls "$OUT"/*.png 2>/dev/null | wc -l) plots;" \
	"$nfail failed measurements"
[ "$vmrc" -eq 0 ] || echo "bench: warning: the VM's kernel-log checks or the guest script failed (exit $vmrc)"
exit 0
