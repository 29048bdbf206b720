#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check": every check the CI runs, as TAP lines, then one line "N passed, M failed".
#
#   build: kvs.ko with W=1, no warning       build: the tools, no warning
#   style: checkpatch --strict               sparse: no warning
#   build: the selftests' C helpers          then one VM boot (run.sh) running
#   run_tests.sh, whose every subtest line counts, and run.sh's kernel-log checks.
#
# Counting: every "ok"/"not ok" line a test program prints is one result (a "# SKIP" one
# is a skip); a program that prints none counts once by its own result; a program that
# failed or timed out without a failing subtest adds one failure; a program the VM never
# reached adds one failure. Each host check and each kernel-log check is one result.
#
# Run from the Makefile (it passes KERNELRELEASE, KERNELDIR and KVS_VERSION); exit status
# 0 only if nothing failed.

set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
: "${KERNELRELEASE:?run this from the Makefile: make check}"
: "${KERNELDIR:?run this from the Makefile: make check}"
: "${KVS_VERSION:?run this from the Makefile: make check}"
make=${MAKE:-make}
mk=("$make" -C "$tree" --no-print-directory "KERNELRELEASE=$KERNELRELEASE"
    "KERNELDIR=$KERNELDIR" "KVS_VERSION=$KVS_VERSION")

# Build logs and the VM's results (output, dmesg, console.log): removed after a clean
# run, kept and named after a failed one.
work=$(mktemp -d /tmp/kvs-check.XXXXXX) || exit 1

passed=0
failed=0
skipped=0
failures=()

result() { # 0|1|skip DESCRIPTION
	case $1 in
	0)    echo "ok - $2"; passed=$((passed + 1)) ;;
	skip) echo "ok - $2 # SKIP"; skipped=$((skipped + 1)) ;;
	*)    echo "not ok - $2"; failed=$((failed + 1)); failures+=("$2") ;;
	esac
}

# step NAME DESCRIPTION COMMAND...: run COMMAND quietly; fail on a non-zero exit or on any
# warning/error line; show the log's interesting lines when it fails.
step() {
	local desc=$2 log=$work/$1.log rc n

	shift 2
	"$@" >"$log" 2>&1
	rc=$?
	n=$(grep -cE '(warning|error):|: (ERROR|WARNING|CHECK):' "$log")
	if [ "$rc" -eq 0 ] && [ "$n" -eq 0 ]; then
		result 0 "$desc"
		return 0
	fi
	result 1 "$desc ($n findings, exit $rc)"
	{ grep -E '(warning|error|ERROR|WARNING|CHECK):' "$log" || tail -n 20 "$log"; } |
		head -n 40 | sed 's/^/#   /'
	return 1
}

echo "TAP version 13"
echo "# kvs $KVS_VERSION, kernel $KERNELRELEASE ($KERNELDIR)"

rm -f "$tree/kvs.ko"
step module "build: kvs.ko with W=1, no warnings" "${mk[@]}" module
step tools "build: the kvs tool, no warnings" "${mk[@]}" tools
step style "style: checkpatch --strict on kernel/ and uapi/, no findings" "${mk[@]}" style
step sparse "sparse: no warnings (C=2)" "${mk[@]}" sparse
if [ -f "$tree/selftests/Makefile" ]; then
	step helpers "build: the selftests' C helpers" "$make" -C "$tree/selftests" --no-print-directory
else
	result skip "build: the selftests' C helpers (no selftests/Makefile)"
fi

# The suite, in one VM. Its console (TAP from run_tests.sh) is shown indented.
vm=$work/vm
if [ ! -f "$tree/kvs.ko" ]; then
	result 1 "vm: selftests (not run: kvs.ko did not build)"
else
	# run.sh's output (the VM console, its own checks) is shown indented; its results
	# are counted from checks.tap.
	"$here/run.sh" -k "$KERNELRELEASE" -K "$tree/kvs.ko" -o "$vm" 2>&1 | sed -u 's/^/# /'
	while read -r line; do
		case $line in
		"ok - "*)     result 0 "${line#ok - }" ;;
		"not ok - "*) result 1 "${line#not ok - }" ;;
		esac
	done <"$vm/checks.tap"
	[ -s "$vm/checks.tap" ] || result 1 "vm: the VM harness ran (see above)"

	# The selftests' own results, from the guest's copy of run_tests.sh's output.
	if [ ! -s "$vm/output" ]; then
		result 1 "selftests: run_tests.sh produced output"
	else
		t_planned=0 t_pass=0 t_fail=0 t_skip=0 t_failures=
		eval "$(awk -f "$here/count.awk" "$vm/output")"
		passed=$((passed + t_pass))
		failed=$((failed + t_fail))
		skipped=$((skipped + t_skip))
		while IFS= read -r line; do
			[ -n "$line" ] && failures+=("$line")
		done <<<"$t_failures"
		if [ "$t_planned" -eq 0 ]; then
			result 1 "selftests: run_tests.sh found tests to run"
		fi
	fi
fi

for f in "${failures[@]}"; do
	echo "# failed: $f"
done
[ "$skipped" -gt 0 ] && echo "# $skipped skipped"
if [ "$failed" -eq 0 ]; then
	rm -rf "$work"
else
	echo "# logs and the VM's results are in $work"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
