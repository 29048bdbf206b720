# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The counting check.sh and check-debug.sh share (sourced). Each host check is one result;
# so is each kernel-log check run.sh wrote to checks.tap; the selftests count as count.awk
# says. tally_finish prints the failures and the one summary line "N passed, M failed",
# then exits 0 only if nothing failed. $work holds the logs: removed after a clean run,
# kept and named after a failed one.

: "${work:?set work, the directory of logs, before sourcing tally.sh}"
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

# tally_vm DIR: the results a run.sh -o DIR left: its checks, then run_tests.sh's output
tally_vm() {
	local vm=$1 line t_planned=0 t_pass=0 t_fail=0 t_skip=0 t_failures=

	while read -r line; do
		case $line in
		"ok - "*)     result 0 "${line#ok - }" ;;
		"not ok - "*) result 1 "${line#not ok - }" ;;
		esac
	done <"$vm/checks.tap"
	[ -s "$vm/checks.tap" ] || result 1 "vm: the VM harness ran (see above)"

	if [ ! -s "$vm/output" ]; then
		result 1 "selftests: run_tests.sh produced output"
		return
	fi
	eval "$(awk -f "$(dirname "${BASH_SOURCE[0]}")/count.awk" "$vm/output")"
	passed=$((passed + t_pass))
	failed=$((failed + t_fail))
	skipped=$((skipped + t_skip))
	while IFS= read -r line; do
		[ -n "$line" ] && failures+=("$line")
	done <<<"$t_failures"
	[ "$t_planned" -gt 0 ] || result 1 "selftests: run_tests.sh found tests to run"
}

tally_finish() {
	local f

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
	exit
}
