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

# tally_vm DIR [WHAT]: the results a run.sh -o DIR left: its checks, then run_tests.sh's
# output; WHAT names the VM in its own failure lines (default "vm")
tally_vm() {
	local vm=$1 what=${2:-vm} line t_planned=0 t_pass=0 t_fail=0 t_skip=0 t_failures=

	while read -r line; do
		case $line in
		"ok - "*)     result 0 "${line#ok - }" ;;
		"not ok - "*) result 1 "${line#not ok - }" ;;
		esac
	done <"$vm/checks.tap"
	[ -s "$vm/checks.tap" ] || result 1 "$what: the VM harness ran (see above)"

	if [ ! -s "$vm/output" ]; then
		result 1 "selftests${2:+ ($what)}: run_tests.sh produced output"
		return
	fi
	eval "$(awk -f "$(dirname "${BASH_SOURCE[0]}")/count.awk" "$vm/output")"
	passed=$((passed + t_pass))
	failed=$((failed + t_fail))
	skipped=$((skipped + t_skip))
	while IFS= read -r line; do
		[ -n "$line" ] && failures+=("$line")
	done <<<"$t_failures"
	[ "$t_planned" -gt 0 ] || result 1 "selftests${2:+ ($what)}: run_tests.sh found tests to run"
}

# tally_tap PREFIX COMMAND...: run COMMAND (a TAP test on the host); each of its "ok" and
# "not ok" lines is one result named "PREFIX: ..." ("# SKIP" ones are skips), a skip of
# the whole program (1..0 # SKIP) one skip; a failure without a "not ok" line, or no line
# at all, one failure. The output is kept in $work.
tally_tap() {
	local prefix=$1 log line n=0 rc lines i

	shift
	log=$work/${prefix//[^A-Za-z0-9_.-]/_}.log
	"$@" >"$log" 2>&1
	rc=$?
	mapfile -t lines <"$log"
	for ((i = 0; i < ${#lines[@]}; i++)); do
		line=${lines[i]}
		case $line in
		"ok "*" # SKIP"*)
			line=${line#ok * - }
			result skip "$prefix: ${line%% # SKIP*} (${line#* # SKIP })"
			n=$((n + 1)) ;;
		"ok "*)     result 0 "$prefix: ${line#ok * - }"; n=$((n + 1)) ;;
		"not ok "*) result 1 "$prefix: ${line#not ok * - }"; n=$((n + 1))
			    printf '%s\n' "${lines[@]:i+1:12}" | sed -n '/^#/!q; s/^/#   /p' ;;
		"1..0 # SKIP"*) result skip "$prefix: ${line#1..0 # SKIP }"; n=$((n + 1)) ;;
		esac
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] && ! grep -q '^not ok ' "$log"; then
		result 1 "$prefix: $* (exit $rc, no failing test named)"
		tail -n 20 "$log" | sed 's/^/#   /'
	elif [ "$n" -eq 0 ]; then
		result 1 "$prefix: $* printed no result"
		tail -n 20 "$log" | sed 's/^/#   /'
	fi
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
