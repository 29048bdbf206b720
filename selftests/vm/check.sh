#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check-quick": one CI lane, on one stock kernel, as TAP lines, then one line
# "N passed, M failed".
#
#   build: kvs.ko with W=1, no warning       build: the tools, no warning
#   style: checkpatch --strict               sparse: no warning
#   build: the selftests' C helpers          then one VM boot (run.sh) running
#   run_tests.sh, whose every subtest line counts, and run.sh's kernel-log checks.
#   Unless KVS_SYSTEMD_TEST=0 (kernels.sh: every lane but the first): kvsd's units checked
#   with systemd-analyze (selftests/systemd.sh --offline), then one more VM boot with
#   systemd as PID 1 (run.sh -y) running selftests/systemd.sh, counted the same way.
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
: "${KERNELRELEASE:?run this from the Makefile: make check-quick}"
: "${KERNELDIR:?run this from the Makefile: make check-quick}"
: "${KVS_VERSION:?run this from the Makefile: make check-quick}"
make=${MAKE:-make}
mk=("$make" -C "$tree" --no-print-directory "KERNELRELEASE=$KERNELRELEASE"
    "KERNELDIR=$KERNELDIR" "KVS_VERSION=$KVS_VERSION")

# Build logs and the VM's results (output, dmesg, console.log): removed after a clean
# run, kept and named after a failed one.
work=$(mktemp -d /tmp/kvs-check.XXXXXX) || exit 1

# shellcheck source=tally.sh
source "$here/tally.sh"

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
# The tools' offline tests (make -C userspace check: the CLI against a fake kernel under
# the real lib/knl.c, the JSON fixtures, the bash completion): each TAP line counts.
unit_tests() {
	local log=$work/unit.log line n=0 rc

	"$make" -C "$tree/userspace" --no-print-directory "KVS_VERSION=$KVS_VERSION" check \
		>"$log" 2>&1
	rc=$?
	local lines i
	mapfile -t lines <"$log"
	for ((i = 0; i < ${#lines[@]}; i++)); do
		line=${lines[i]}
		case $line in
		"ok "*)     result 0 "unit: ${line#ok }"; n=$((n + 1)) ;;
		"not ok "*) result 1 "unit: ${line#not ok }"; n=$((n + 1))
			    printf '%s\n' "${lines[@]:i+1:8}" | grep '^#' | sed 's/^/#   /' ;;
		esac
	done
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok ' "$log"; then
		result 1 "unit: make -C userspace check (exit $rc, no failing test named)"
		tail -n 20 "$log" | sed 's/^/#   /'
	elif [ "$n" -eq 0 ]; then
		result 1 "unit: make -C userspace check ran no test"
	fi
}
unit_tests
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
	tally_vm "$vm"
fi

# kvsd's systemd units: systemd-analyze verify and security on the host, then a boot of
# their own with systemd as PID 1 (about 3 minutes under TCG): once per "make check", on
# the first lane; a standalone check-quick runs them too.
if [ "${KVS_SYSTEMD_TEST:-1}" = 0 ]; then
	result skip "systemd: kvsd's units and the systemd boot (KVS_SYSTEMD_TEST=0: the first lane runs them)"
else
	tally_tap "systemd units" "$tree/selftests/systemd.sh" --offline
	if [ ! -f "$tree/kvs.ko" ]; then
		result 1 "systemd boot: not run (kvs.ko did not build)"
	else
		"$here/run.sh" -y -k "$KERNELRELEASE" -K "$tree/kvs.ko" -o "$work/vm-systemd" 2>&1 |
			sed -u 's/^/# /'
		tally_vm "$work/vm-systemd" "systemd boot"
	fi
fi
tally_finish
