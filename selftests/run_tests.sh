#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the kvs selftests, kselftest style: TAP 13 on stdout, one "ok N NAME" line per test
# program, each program's own output (its "ok N - desc" subtests) indented by "# ".
# Needs root and a kernel where "modprobe kvs" works: selftests/vm/run.sh boots one.
#
#   run_tests.sh [-t TEST]... [-l]
#
# The tests are the TEST_PROGS of selftests/Makefile ("make print-tests"), each run with
# the timeout from selftests/settings. -t also takes one of its BOOT_PROGS ("make
# print-boot-tests": tests that need a VM boot of their own, such as systemd.sh under
# run.sh -y), which never run by default. Exit status 0 if no test failed, else 1.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ksft_skip=4

usage() {
	echo "usage: ${0##*/} [-t TEST]... [-l]"
	echo "  -t TEST  run only TEST (name with or without .sh; repeatable)"
	echo "  -l       list the tests and exit"
}

only=()
list=
while getopts "t:lh" opt; do
	case $opt in
	t) only+=("$OPTARG") ;;
	l) list=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 1 ;;
	esac
done

all=()
boot=()
if [ -f "$here/Makefile" ]; then
	mapfile -t all < <(make -s -C "$here" --no-print-directory print-tests 2>/dev/null)
	mapfile -t boot < <(make -s -C "$here" --no-print-directory print-boot-tests 2>/dev/null)
fi
if [ ${#all[@]} -eq 0 ]; then
	for f in "$here"/*.sh; do
		case ${f##*/} in
		lib.sh|run_tests.sh|systemd.sh) ;;
		*) all+=("${f##*/}") ;;
		esac
	done
fi

tests=()
[ ${#only[@]} -eq 0 ] || all+=("${boot[@]}")
for t in "${all[@]}"; do
	[ -n "$t" ] || continue
	if [ ${#only[@]} -eq 0 ]; then
		tests+=("$t")
		continue
	fi
	for o in "${only[@]}"; do
		if [ "$o" = "$t" ] || [ "$o.sh" = "$t" ] || [ "$o" = "${t##*/}" ]; then
			tests+=("$t")
			break
		fi
	done
done
for o in "${only[@]}"; do
	case " ${tests[*]} " in
	*" $o "*|*" $o.sh "*) ;;
	*) echo "${0##*/}: no test named '$o' (tests: ${all[*]})" >&2; exit 1 ;;
	esac
done

if [ -n "$list" ]; then
	printf '%s\n' "${tests[@]}"
	exit 0
fi

per_test=$(sed -n 's/^timeout=//p' "$here/settings" 2>/dev/null | head -n 1)
per_test=${per_test:-300}
# A slow kernel (KASAN and lockdep under TCG: make check-debug) scales every timeout.
per_test=$((per_test * ${KVS_TIMEOUT_SCALE:-1}))

# What a test left behind (namespaces, kvs switches): reported, not failed; the suite's
# leak checks catch what matters.
leftovers() {
	{ ip netns list 2>/dev/null | cut -d' ' -f1; ip -br link show type kvs 2>/dev/null | cut -d' ' -f1; } |
		sort
}

echo "TAP version 13"
echo "1..${#tests[@]}"
cd "$here" || exit 1
n=0
pass=0
fail=0
skip=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	echo "# selftests: kvs: $t"
	case " ${KVS_TESTS_SKIP:-} " in
	*" $t "*)
		# said, not silent: this lane leaves the test to the lanes that run it
		echo "ok $n $t # SKIP not on this lane (KVS_TESTS_SKIP): see selftests/vm/kernels.sh"
		skip=$((skip + 1))
		continue
		;;
	esac
	before=$(leftovers)
	start=$SECONDS
	# a test that needs longer says so in a "# timeout=SECONDS" line
	limit=$(sed -n 's/^# timeout=\([0-9]*\)$/\1/p' "$t" 2>/dev/null | head -n 1)
	limit=$(( ${limit:-$per_test} > per_test ? ${limit:-0} * ${KVS_TIMEOUT_SCALE:-1} : per_test ))
	if [ -x "$t" ]; then
		timeout -k 10 "$limit" "./$t" </dev/null 2>&1 | sed -u 's/^/# /'
		rc=${PIPESTATUS[0]}
	else
		echo "# $t: not found or not executable"
		rc=127
	fi
	took=$((SECONDS - start))
	left=$(comm -13 <(echo "$before") <(leftovers) | tr '\n' ' ')
	[ -n "${left// /}" ] && echo "# note: $t left behind: $left"
	echo "# $t: exit status $rc after $took s"
	case $rc in
	0)
		echo "ok $n $t"
		pass=$((pass + 1))
		;;
	"$ksft_skip")
		echo "ok $n $t # SKIP"
		skip=$((skip + 1))
		;;
	124|137)
		echo "not ok $n $t # TIMEOUT $per_test seconds"
		fail=$((fail + 1))
		;;
	*)
		echo "not ok $n $t # exit=$rc"
		fail=$((fail + 1))
		;;
	esac
done
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ "$fail" -eq 0 ]
