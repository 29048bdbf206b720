#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2034 # variables are used by the scripts that source this
#
# lib.sh - helpers shared by the kvs selftests. Source it after `set -u`.
#
# Conventions (WireGuard's netns.sh and tools/testing/selftests/net):
#  - output is TAP: "ok N - desc" / "not ok N - desc", diagnostics as "# ...",
#    the plan "1..N" and a totals line at the end (tests_done);
#  - exit 0 when every subtest passed, 1 when one failed (or setup failed),
#    4 (ksft_skip) when a prerequisite is missing, with the reason printed;
#  - namespaces, switches and links a test makes carry $$ in their name and
#    the EXIT trap removes them;
#  - a command that changes state is printed as "# + cmd" before it runs;
#  - tests_done scans the kernel log written since the test started for
#    BUG/WARNING/Oops and fails if it finds any.
#
# The tests run in an emulated VM where starting a program costs a good
# fraction of a second, so the helpers start as few as they can: state is
# read with one `kvs -j -b -` and one jq into tables that bash builtins then
# query (snap), ip commands go in batches, sleeping and text matching use
# builtins.
#
# Devices are named k<pid><letter><n> (at most 12 characters), namespaces
# kvs-<test>-<pid>-<name>. VM interfaces get no IPv6 address
# (addrgenmode none), so nothing but the test's own traffic crosses the
# switch.

ksft_skip=4

SELFTEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEST_NAME=${0##*/}
TEST_NAME=${TEST_NAME%.sh}
PID=$$
KVS=${KVS:-kvs}
KVS_PKT=$SELFTEST_DIR/kvs_pkt
KVS_NLRAW=$SELFTEST_DIR/kvs_nlraw

TESTS_RUN=0
TESTS_FAILED=0
TESTS_SKIPPED=0
VM_COUNT=0
VM_DEV=
CLEANUP_NS=()
CLEANUP_LINKS=()
CLEANUP_PIDS=()
CLEANUP_CMDS=()
declare -A SNIFF_PID=()
TMPD=$(mktemp -d "/tmp/kvs-$TEST_NAME.XXXXXX") || exit 1
DMESG_MARK=
# what the kernel log must not show
DMESG_BAD='BUG:|WARNING:|Oops|general protection fault|kernel BUG|UBSAN:|KASAN:|refcount_t:|list_(add|del) corruption|unregister_netdevice: waiting|RCU.*stall|INFO: task .* blocked|Kernel panic|Modules linked in:'

# a FIFO nobody writes to: `read -t` on it is a sleep without a process
mkfifo "$TMPD/nap"
exec {NAP_FD}<>"$TMPD/nap"

echo "TAP version 13"

# ---- small builtins ----------------------------------------------------------

nap() { read -r -t "$1" -u "$NAP_FD" _ || :; }	# nap SECONDS (fractions allowed)

now() { printf '%(%s)T' -1; }	# seconds since the epoch

# matches ERE TEXT : some line of TEXT matches ERE (case-insensitive)
matches() {
	local re=$1 line rc=1
	shopt -s nocasematch
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			rc=0
			break
		fi
	done <<<"$2"
	shopt -u nocasematch
	return $rc
}

_sorted() { # _sorted WORD... : the words sorted, on one line
	local -a a=("$@")
	local i j t n=$#
	for ((i = 1; i < n; i++)); do
		t=${a[i]}
		for ((j = i - 1; j >= 0; j--)); do
			[[ ${a[j]} > $t ]] || break
			a[j + 1]=${a[j]}
		done
		a[j + 1]=$t
	done
	echo "${a[*]}"
}

# count_lines ERE TEXT : how many lines of TEXT match ERE (case-sensitive)
count_lines() {
	local re=$1 line n=0
	while IFS= read -r line; do
		[[ $line =~ $re ]] && n=$((n + 1))
	done <<<"$2"
	echo $n
}

# ---- logging -------------------------------------------------------------------

diag() { # diag TEXT : one "# " line per line of TEXT
	local line
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<<"$*"
}

_diag_out() { # a command's output as indented diagnostics
	[ -n "$1" ] || return 0
	local line
	while IFS= read -r line; do
		printf '#   %s\n' "$line"
	done <<<"$1"
}

run() { # run CMD... : print and run CMD, its output as diagnostics
	local out rc
	echo "# + $*"
	out=$("$@" 2>&1)
	rc=$?
	_diag_out "$out"
	return $rc
}

must() { # must CMD... : like run; a failure aborts the test (setup error)
	run "$@" && return 0
	_result 1 "setup: $*"
	tests_done
}

# ipb [-n NETNS] <<< "CMDS" : one `ip -b -` for several ip commands (one a
# line), printed; a failure aborts the test
ipb() {
	local ns=() cmds line out
	if [ "${1:-}" = -n ]; then
		ns=(-n "$2")
	fi
	IFS= read -r -d '' cmds || :
	cmds=${cmds%$'\n'}
	while IFS= read -r line; do
		echo "# + ip ${ns[*]} $line"
	done <<<"$cmds"
	if ! out=$(ip "${ns[@]}" -b - <<<"$cmds" 2>&1); then
		_diag_out "$out"
		_result 1 "setup: ip ${ns[*]} -b (see the commands above)"
		tests_done
	fi
	_diag_out "$out"
}

# ---- subtests --------------------------------------------------------------------

_result() { # _result FAILED DESC
	TESTS_RUN=$((TESTS_RUN + 1))
	if [ "$1" = 0 ]; then
		echo "ok $TESTS_RUN - $2"
	else
		TESTS_FAILED=$((TESTS_FAILED + 1))
		echo "not ok $TESTS_RUN - $2"
	fi
}

pass() { _result 0 "$1"; }
fail() { # fail DESC [DIAG]... : one diagnostic line per DIAG
	local d
	_result 1 "$1"
	shift
	for d; do
		diag "$d"
	done
	return 0
}

skip() { # skip DESC REASON : a subtest that cannot run here, said so
	TESTS_RUN=$((TESTS_RUN + 1))
	TESTS_SKIPPED=$((TESTS_SKIPPED + 1))
	echo "ok $TESTS_RUN - $1 # SKIP $2"
}

check() { # check DESC CMD... : CMD must succeed
	local desc=$1 out rc
	shift
	echo "# + $*"
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		pass "$desc"
	else
		fail "$desc" "exit status $rc"
		_diag_out "$out"
	fi
	return $rc
}

check_fail() { # check_fail DESC CMD... : CMD must fail
	local desc=$1 out rc
	shift
	echo "# + $*"
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		pass "$desc"
		return 0
	fi
	fail "$desc" "succeeded, expected a failure"
	_diag_out "$out"
	return 1
}

check_eq() { # check_eq DESC ACTUAL EXPECTED
	if [ "$2" = "$3" ]; then
		pass "$1"
		return 0
	fi
	fail "$1" "expected: $3" "actual:   $2"
	return 1
}

_is_num() { [[ $1 =~ ^-?[0-9]+$ ]]; }

sub() { # sub A B : A - B, or "n/a(A-B)" when either is not a number
	if _is_num "$1" && _is_num "$2"; then
		echo $(($1 - $2))
	else
		echo "n/a($1-$2)"
	fi
}

sum() { # sum N... : the sum, or "n/a(...)" when one is not a number
	local n t=0
	for n; do
		_is_num "$n" || { echo "n/a($*)"; return; }
		t=$((t + n))
	done
	echo $t
}

check_ge() { # check_ge DESC ACTUAL MIN
	if _is_num "$2" && _is_num "$3" && [ "$2" -ge "$3" ]; then
		pass "$1"
		return 0
	fi
	fail "$1" "expected >= $3, actual: '$2'"
	return 1
}

check_le() { # check_le DESC ACTUAL MAX
	if _is_num "$2" && _is_num "$3" && [ "$2" -le "$3" ]; then
		pass "$1"
		return 0
	fi
	fail "$1" "expected <= $3, actual: '$2'"
	return 1
}

check_match() { # check_match DESC ERE TEXT : a line of TEXT matches ERE (case-insensitive)
	if matches "$2" "$3"; then
		pass "$1"
		return 0
	fi
	fail "$1" "expected a line matching: $2"
	_diag_out "$3"
	return 1
}

check_nomatch() { # check_nomatch DESC ERE TEXT : no line of TEXT matches ERE
	if ! matches "$2" "$3"; then
		pass "$1"
		return 0
	fi
	fail "$1" "no line may match: $2"
	_diag_out "$3"
	return 1
}

# _kvs_fails STATUS DESC ERE CMD... : CMD must exit with STATUS and print on
# stderr one "Error: <message>" line, first, with a message matching ERE
# (case-insensitive; "" for any message). Lines after it (usage) are
# shown but tolerated.
_kvs_fails() {
	local want=$1 desc=$2 re=$3 err rc first errors
	shift 3
	echo "# + $*"
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	first=${err%%$'\n'*}
	errors=$(count_lines '^Error:' "$err")
	if [ $rc -ne "$want" ]; then
		fail "$desc" "exit status $rc, expected $want"
	elif ! [[ $first =~ ^Error:\ [^[:space:]] ]] || [ "$errors" != 1 ]; then
		fail "$desc" "stderr does not start with one \"Error: <message>\" line"
	elif [ -n "$re" ] && ! matches "$re" "$first"; then
		fail "$desc" "message does not match: $re"
	else
		pass "$desc"
		_diag_out "$first"
		[ "$first" = "$err" ] || diag "  (stderr has $(count_lines . "$err") lines)"
		return 0
	fi
	_diag_out "$err"
	return 1
}

# The exit statuses of kvs, as ip(8)'s (kvs(8), EXIT STATUS); each takes
# DESC ERE CMD... as _kvs_fails:
# kvs_refused: 2, the kernel refused the request (its error answer)
kvs_refused() { _kvs_fails 2 "$@"; }
# kvs_usage_err: 255, kvs's own parser refused the command line
kvs_usage_err() { _kvs_fails 255 "$@"; }
# kvs_err: 1, any other failure (a namespace that cannot be entered, no
# module, the socket)
kvs_err() { _kvs_fails 1 "$@"; }

wait_until() { # wait_until SECONDS CMD... : poll CMD every 0.3 s until it succeeds
	# SECONDS times KVS_TIMEOUT_SCALE on slow debug kernels (make check-debug)
	local deadline=$((SECONDS + $1 * ${KVS_TIMEOUT_SCALE:-1}))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		nap 0.3
	done
	return 0
}

check_within() { # check_within DESC SECONDS CMD...
	local desc=$1 t=$2
	shift 2
	echo "# + (within ${t}s) $*"
	if wait_until "$t" "$@"; then
		pass "$desc"
		return 0
	fi
	fail "$desc" "not true after ${t}s"
	return 1
}

# ---- end of test -------------------------------------------------------------------

# _after_mark : stdin after the line holding $DMESG_MARK (bash's ${x##*m} is
# quadratic, and a long test leaves a lot of kvs debug lines behind)
_after_mark() { awk -v m="$DMESG_MARK" 'f; index($0, m) { f = 1 }'; }

_dmesg_check() { # [DESC]
	local desc=${1:-"kernel log clean (no BUG/WARNING/Oops since the test started)"} log bad
	if [ -z "$DMESG_MARK" ]; then
		skip "kernel log clean" "cannot write a marker to /dev/kmsg"
		return
	fi
	if ! log=$(dmesg 2>/dev/null); then
		skip "kernel log clean" "cannot read dmesg"
		return
	fi
	if grep -qF -- "$DMESG_MARK" <<<"$log"; then
		log=$(_after_mark <<<"$log")
	else
		diag "marker not in the kernel log any more: scanning all of it"
	fi
	bad=$(grep -E -A 20 -- "$DMESG_BAD" <<<"$log" | head -n 60)
	if [ -z "$bad" ]; then
		pass "$desc"
	else
		fail "$desc"
		_diag_out "$bad"
	fi
}

# dmesg_checkpoint DESC : the kernel log since the last mark is clean; then a new mark, so
# that the end-of-test check reads only what came after (a fuzzer leaves thousands of
# debug lines behind)
dmesg_checkpoint() {
	_dmesg_check "$1"
	[ -n "$DMESG_MARK" ] || return 0
	DMESG_MARK="kvs-selftest: ${TEST_NAME}[$PID] checkpoint $SECONDS"
	echo "$DMESG_MARK" >/dev/kmsg
}

tests_done() { # plan, totals, exit status
	_dmesg_check
	if [ "$TESTS_RUN" -eq 0 ]; then
		fail "at least one subtest ran"
	fi
	echo "1..$TESTS_RUN"
	echo "# Totals: pass:$((TESTS_RUN - TESTS_FAILED - TESTS_SKIPPED)) fail:$TESTS_FAILED xfail:0 xpass:0 skip:$TESTS_SKIPPED error:0"
	if [ "$TESTS_FAILED" -ne 0 ]; then
		exit 1
	fi
	exit 0
}

skip_all() { # skip_all REASON : a prerequisite is missing, nothing ran
	echo "1..0 # SKIP $TEST_NAME: $1"
	exit $ksft_skip
}

# ---- cleanup -------------------------------------------------------------------------

defer_ns() { CLEANUP_NS+=("$1"); }
defer_link() { CLEANUP_LINKS+=("$1"); }
defer_pid() { CLEANUP_PIDS+=("$1"); }
defer_cmd() { CLEANUP_CMDS+=("$1"); }	# a shell command string, run at exit

cleanup() {
	local rc=$? p c cmds=
	set +e
	for p in "${CLEANUP_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${CLEANUP_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for c in "${CLEANUP_CMDS[@]}"; do
		eval "$c" >/dev/null 2>&1
	done
	# one ip batch: netns first, then links (switches release their ports)
	for c in "${CLEANUP_NS[@]}"; do
		[ -e "/run/netns/$c" ] && cmds+="netns del $c"$'\n'
	done
	for c in "${CLEANUP_LINKS[@]}"; do
		[ -e "/sys/class/net/$c" ] && cmds+="link del dev $c"$'\n'
	done
	[ -n "$cmds" ] && ip -force -b - <<<"$cmds" >/dev/null 2>&1
	exec {NAP_FD}<&-
	rm -rf "$TMPD"
	exit $rc
}
trap cleanup EXIT

# ---- prerequisites ---------------------------------------------------------------------

# shellcheck disable=SC2120 # arguments are optional
kvs_require() { # kvs_require [pkt] [nlraw] [TOOL]... : skip when one is missing
	local t
	[ "$(id -u)" = 0 ] || skip_all "must run as root"
	for t in ip jq "$KVS" modprobe dmesg; do
		command -v "$t" >/dev/null 2>&1 || skip_all "$t not found in PATH"
	done
	for t in "$@"; do
		case $t in
		pkt) [ -x "$KVS_PKT" ] || skip_all "$KVS_PKT missing (run make -C selftests)" ;;
		nlraw) [ -x "$KVS_NLRAW" ] || skip_all "$KVS_NLRAW missing (run make -C selftests)" ;;
		*) command -v "$t" >/dev/null 2>&1 || skip_all "$t not found in PATH" ;;
		esac
	done
	if [ -w /dev/kmsg ]; then
		DMESG_MARK="kvs-selftest: ${TEST_NAME}[$PID] start"
		echo "$DMESG_MARK" >/dev/kmsg
	fi
}

kvs_loaded() { [ -d /sys/module/kvs ]; }

kvs_load() { # modprobe kvs unless loaded; a module that is installed must load
	local out
	if ! kvs_loaded; then
		modinfo kvs >/dev/null 2>&1 || skip_all "module kvs not installed (modinfo kvs)"
		must modprobe kvs
	fi
	if ! out=$("$KVS" -j switch show 2>&1); then
		fail "kvs CLI talks to the module" "$out"
		tests_done
	fi
}

# ---- objects -----------------------------------------------------------------------------

no_ipv6() { # no_ipv6 DEV : IPv6 off on DEV of this netns (a builtin write)
	[ -w "/proc/sys/net/ipv6/conf/$1/disable_ipv6" ] &&
		echo 1 >"/proc/sys/net/ipv6/conf/$1/disable_ipv6"
	return 0
}

mk_ns() { # mk_ns NETNS...
	local ns cmds=
	for ns; do
		[ -e "/run/netns/$ns" ] && continue
		cmds+="netns add $ns"$'\n'
		defer_ns "$ns"
	done
	[ -n "$cmds" ] && ipb <<<"${cmds%$'\n'}"
	return 0
}

mk_switch() { # mk_switch NAME [ageing SECONDS]
	local sw=$1
	shift
	must "$KVS" switch add "$sw" "$@"
	defer_link "$sw"
	no_ipv6 "$sw"
}

mk_net() { # mk_net SWITCH ID [name LABEL]
	local sw=$1 id=$2
	shift 2
	must "$KVS" net add "$id" switch "$sw" "$@"
}

# mk_veth HOSTDEV NETNS [MAC [IP]] : HOSTDEV here (up), its peer eth0 in
# NETNS (made if needed) with MAC and IP, up; neither gets an IPv6 address
mk_veth() {
	local dev=$1 ns=$2 mac=${3:--} ip=${4:--} cmds=
	if [ ! -e "/run/netns/$ns" ]; then
		cmds+="netns add $ns"$'\n'
		defer_ns "$ns"
	fi
	local no6=
	[ -d /proc/sys/net/ipv6 ] && no6=addrgenmode\ none
	defer_link "$dev"
	ipb <<-EOF
	${cmds}link add $dev type veth peer name eth0 netns $ns
	link set dev $dev ${no6} up
	EOF
	# no delayed unicast ARP probes: they would add frames nobody sent on purpose
	cmds="ntable change name arp_cache dev eth0 ucast_probes 0"$'\n'
	[ -n "$no6" ] && cmds+="link set dev eth0 $no6"$'\n'
	[ "$mac" != - ] && cmds+="link set dev eth0 address $mac"$'\n'
	[ "$ip" != - ] && cmds+="addr add $ip dev eth0"$'\n'
	ipb -n "$ns" <<<"${cmds}link set dev eth0 up"
}

# mk_vm NETNS SWITCH NET IP [MAC [PORT_ARGS...]]
# A "VM": NETNS with eth0 (IP, MAC, up), its veth peer attached to SWITCH in
# network NET with PORT_ARGS (mac ..., max-macs ...). IP/MAC "-" = none.
# Sets VM_DEV to the attached (host side) device.
mk_vm() {
	local ns=$1 sw=$2 net=$3 ip=$4 mac=${5:--} dev
	shift 4
	[ $# -gt 0 ] && shift
	VM_COUNT=$((VM_COUNT + 1))
	dev=k${PID}v$VM_COUNT
	mk_veth "$dev" "$ns" "$mac" "$ip"
	must "$KVS" port add dev "$dev" switch "$sw" net "$net" "$@"
	VM_DEV=$dev
}

# ---- queries ---------------------------------------------------------------------------------

# kj ARGS... : `kvs -j ARGS` as one JSON array (whether the CLI prints one
# array, one object or a stream of them)
kj() {
	local out
	out=$("$KVS" -j "$@") || return 1
	jq -c -s '[.[] | if type == "array" then .[] else . end]' <<<"$out"
}

# snap [SWITCH]... : read everything kvs shows (and the totals of each
# SWITCH) into SNAP, a table of "|"-separated lines:
#   S|ifname|ifindex|ageing
#   N|switch|net|label|ports
#   P|ifname|switch|type|net|learning|max_macs|learned|mac,mac,...
#   F|switch|net|mac|ifname|state|age
#   T|ifname|rx_packets|rx_bytes|tx_packets|tx_bytes|<drops in DROPS order>
#   W|switch|<the same counters>
# Each line ends with "|$" (so that an empty last field survives `read`).
# MACs are as the CLI prints them (lower case): lookups lower-case theirs.
# An object the CLI did not show reads as "none". SNAP_ERR has the CLI's
# error output, if any.
DROPS="no_route isolation spoofed_src mac_limit storm_limit bad_encap unknown_vni mtu no_memory malformed link_local backlog unknown_vtep"
SNAP=
SNAP_ERR=
snap() {
	local cmds=$'switch show\nnet show\nport show\nfdb show\nstats show' sw out
	for sw; do
		cmds+=$'\n'"stats show switch $sw"
	done
	out=$("$KVS" -j -b - <<<"$cmds" 2>"$TMPD/snap.err")
	SNAP_ERR=$(<"$TMPD/snap.err")
	SNAP=$(jq -r -s '
		def n: if . == null then "none" else tostring end;
		def counters: .stats64 // {} | [.rx.packets, .rx.bytes, .tx.packets, .tx.bytes,
			(.drops // {} | .no_route, .isolation, .spoofed_src,
			 .mac_limit, .storm_limit, .bad_encap, .unknown_vni, .mtu,
			 .no_memory, .malformed, .link_local, .backlog, .unknown_vtep)] | map(n) | join("|");
		def arr: if type == "array" then . else [.] end;
		(.[0] // [] | arr[] | "S|\(.ifname)|\(.ifindex | n)|\(.ageing | n)"),
		(.[1] // [] | arr[] | "N|\(.switch)|\(.net)|\(.label | n)|\(.ports | n)"),
		(.[2] // [] | arr[] | "P|\(.ifname)|\(.switch | n)|\(.type | n)|\(.net | n)|\(.learning | n)|\(.max_macs | n)|\(.learned | n)|\(.macs // [] | join(","))"),
		(.[3] // [] | arr[] | "F|\(.switch | n)|\(.net)|\(.mac)|\(.ifname | n)|\(.state | n)|\(.age | n)"),
		(.[4] // [] | arr[] | "T|\(.ifname)|" + counters),
		(.[5:][] | arr[] | "W|\(.ifname)|" + counters)
		| . + "|$"
	' <<<"$out" 2>&1)
}

# _snap_find PREFIX : the first SNAP line starting with PREFIX, in LINE
_snap_find() {
	local l
	LINE=
	while IFS= read -r l; do
		if [[ $l == "$1"* ]]; then
			LINE=$l
			return 0
		fi
	done <<<"$SNAP"
	return 1
}

# _field LINE N : field N (1-based) of a "|"-separated LINE
_field() {
	local f
	IFS='|' read -r -a f <<<"$1"
	echo "${f[$2]-none}"
}

sw_get() { # sw_get SWITCH ifindex|ageing
	local i
	case $2 in ifindex) i=2 ;; ageing) i=3 ;; *) echo "bad field $2"; return ;; esac
	_snap_find "S|$1|" && _field "$LINE" $i || echo none
}

net_get() { # net_get SWITCH ID name|ports
	local i
	case $3 in name) i=3 ;; ports) i=4 ;; *) echo "bad field $3"; return ;; esac
	_snap_find "N|$1|$2|" && _field "$LINE" $i || echo none
}

port_get() { # port_get DEV switch|type|net|learning|max_macs|learned|macs
	local i
	case $2 in
	switch) i=2 ;; type) i=3 ;; net) i=4 ;; learning) i=5 ;; max_macs) i=6 ;;
	learned) i=7 ;; macs) i=8 ;; *) echo "bad field $2"; return ;;
	esac
	_snap_find "P|$1|" && _field "$LINE" $i || echo none
}

fdb_get() { # fdb_get SWITCH NET MAC dev|state|age
	local i
	case $4 in dev) i=4 ;; state) i=5 ;; age) i=6 ;; *) echo "bad field $4"; return ;; esac
	_snap_find "F|$1|$2|${3,,}|" && _field "$LINE" $i || echo none
}

_counter_index() { # counter name -> field index in T/W lines
	local i=6 d
	case $1 in
	rx_packets) echo 2; return ;; rx_bytes) echo 3; return ;;
	tx_packets) echo 4; return ;; tx_bytes) echo 5; return ;;
	esac
	for d in $DROPS; do
		[ "$d" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
	echo 99
}

stat_get() { # stat_get DEV COUNTER : rx_packets... or a drop reason (spoofed_src...)
	_snap_find "T|$1|" && _field "$LINE" "$(_counter_index "$2")" || echo none
}

swstat_get() { # swstat_get SWITCH COUNTER (snap SWITCH first)
	_snap_find "W|$1|" && _field "$LINE" "$(_counter_index "$2")" || echo none
}

# snap_count KIND [FIELD=VALUE]... : how many SNAP lines of KIND (S N P F T
# W) have these fields; FIELD is a field number (1 = the first after KIND)
snap_count() {
	local kind=$1 l n=0 ok kv f
	shift
	while IFS= read -r l; do
		[[ $l == "$kind|"* ]] || continue
		IFS='|' read -r -a f <<<"$l"
		ok=1
		for kv; do
			[ "${f[${kv%%=*}]:-}" = "${kv#*=}" ] || { ok=0; break; }
		done
		n=$((n + ok))
	done <<<"$SNAP"
	echo $n
}

snap_list() { # snap_list KIND FIELD [FIELD=VALUE]... : values of FIELD, sorted, one line
	local kind=$1 want=$2 l ok kv f out=()
	shift 2
	while IFS= read -r l; do
		[[ $l == "$kind|"* ]] || continue
		IFS='|' read -r -a f <<<"$l"
		ok=1
		for kv; do
			[ "${f[${kv%%=*}]:-}" = "${kv#*=}" ] || { ok=0; break; }
		done
		[ $ok = 1 ] && out+=("${f[$want]}")
	done <<<"$SNAP"
	_sorted "${out[@]}"
}

# convenience, each takes a fresh snapshot
fdb_field() { snap; fdb_get "$@"; }			# fdb_field SWITCH NET MAC FIELD
fdb_on() { snap; [ "$(fdb_get "$1" "$2" "$3" dev)" = "$4" ]; }	# fdb_on SWITCH NET MAC DEV
fdb_gone() { snap; [ "$(fdb_get "$1" "$2" "$3" dev)" = none ]; }	# fdb_gone SWITCH NET MAC
port_listed() { snap; _snap_find "P|$1|"; }		# port_listed DEV
switch_listed() { snap; _snap_find "S|$1|"; }		# switch_listed SWITCH

# kvs_state : everything kvs shows, without ages and counters, as JSON
kvs_state() {
	local out
	out=$("$KVS" -j -b - <<<$'switch show\nnet show\nport show\nfdb show' 2>&1)
	jq -S -c -s '{switches: .[0], nets: .[1], ports: .[2], fdb: .[3]} |
		walk(if type == "object" then del(.age, .stats64, .learned) else . end) |
		walk(if type == "array" then sort else . end)' <<<"$out" 2>&1
}

link_exists() { [ -e "/sys/class/net/$1" ]; }	# in this netns

link_stat() { # link_stat DEV rx_packets|tx_dropped|... : netdev counter (as ip -s link shows)
	local v
	read -r v <"/sys/class/net/$1/statistics/$2" 2>/dev/null || v=none
	echo "$v"
}

# text_counter TEXT NAME : the counter NAME (bytes, packets, no-route...) as
# the text output of `kvs -s ... show` / `kvs stats show` prints it: laid out
# like `ip -s link`, each name right-aligned over its value on the next line.
# The first NAME in TEXT counts (bytes, packets: the RX ones); "none" if absent.
text_counter() {
	local line pre e=0 v hdr=
	while IFS= read -r line; do
		if [ -n "$hdr" ]; then
			v=${line:0:e}
			v=${v##* }
			if [[ $v =~ ^[0-9]+$ && ${line:e:1} != [!\ ] ]]; then
				echo "$v"
				return 0
			fi
			hdr=
		fi
		if [[ " $line " == *" $2 "* ]]; then
			pre=" $line "
			pre=${pre%%" $2 "*}
			e=$((${#pre} + ${#2}))
			hdr=1
		fi
	done <<<"$1"
	echo none
}

master_of() { # master_of DEV [NETNS] : master device name or "none"
	local m
	if [ -n "${2:-}" ]; then
		m=$(ip -n "$2" -o link show dev "$1" 2>/dev/null)
		[[ $m =~ \ master\ ([^ ]+) ]] && echo "${BASH_REMATCH[1]}" || echo none
		return
	fi
	if [ -e "/sys/class/net/$1/master" ]; then
		m=$(cd -P "/sys/class/net/$1/master" && pwd)
		echo "${m##*/}"
	else
		echo none
	fi
}

ip_masters() { # ip_masters SWITCH : the ports `ip link show master SWITCH` lists, sorted
	local l out=()
	while IFS= read -r l; do
		[[ $l =~ ^[0-9]+:\ ([^:@]+) ]] && out+=("${BASH_REMATCH[1]}")
	done <<<"$(ip -o link show master "$1")"
	_sorted "${out[@]}"
}

mac_of() { # mac_of NETNS [DEV]
	local l
	l=$(ip -n "$1" -o link show dev "${2:-eth0}")
	[[ $l =~ link/ether\ ([0-9a-f:]+) ]] && echo "${BASH_REMATCH[1]}" || echo none
}

# ---- traffic ---------------------------------------------------------------------------------

# nsping NETNS ADDR [COUNT] : true when all COUNT (default 3) echo requests
# got a reply
nsping() {
	local ns=$1 addr=$2 count=${3:-3} out
	out=$(ip netns exec "$ns" ping -q -n -c "$count" -i 0.2 -W 2 "$addr" 2>&1)
	[[ $out == *" $count received"* ]] && return 0
	echo "${out##*---}"
	return 1
}

# nsping_none NETNS ADDR : true when not a single reply came
nsping_none() {
	local out
	out=$(ip netns exec "$1" ping -q -n -c 2 -i 0.2 -W 1 "$2" 2>&1)
	[[ $out == *" 0 received"* ]] && return 0
	echo "${out##*---}"
	return 1
}

# send_frames NETNS SRC DST COUNT TAG [+ SRC DST COUNT TAG]... : raw frames
# out of NETNS's eth0, in order, in one run
send_frames() {
	local ns=$1 args=()
	shift
	while [ $# -ge 4 ]; do
		args+=("$1" "$2" count "$3" tag "$4")
		shift 4
		if [ "${1:-}" = + ]; then
			args+=(+)
			shift
		fi
	done
	run ip netns exec "$ns" "$KVS_PKT" send eth0 "${args[@]}"
}

# sniff_start NAME NETNS TAG [DEV [ETHERTYPE]] : record the frames tagged TAG
# or TAG-* that DEV (default eth0) of NETNS receives (of ETHERTYPE, default
# kvs_pkt's), from now until sniff_stop/check_sniff NAME (at most 300 s, scaled)
sniff_start() {
	local name=$1 ns=$2 tag=$3 dev=${4:-eth0} type=() i first
	[ -n "${5:-}" ] && type=(type "$5")
	: >"$TMPD/sniff.$name"	# not the "ready" of an earlier sniffer
	ip netns exec "$ns" "$KVS_PKT" sniff "$dev" tag "$tag" "${type[@]}" \
		timeout $((300000 * ${KVS_TIMEOUT_SCALE:-1})) \
		>"$TMPD/sniff.$name" 2>&1 &
	SNIFF_PID[$name]=$!
	defer_pid $!
	for ((i = 0; i < 100; i++)); do
		first=
		read -r first <"$TMPD/sniff.$name"
		[ "$first" = ready ] && return 0
		nap 0.1
	done
	fail "setup: sniffer $name in $ns" "$(<"$TMPD/sniff.$name")"
	tests_done
}

sniff_stop() { # sniff_stop NAME... : stop sniffers (once)
	local name
	for name; do
		[ -n "${SNIFF_PID[$name]:-}" ] || continue
		kill -TERM "${SNIFF_PID[$name]}" 2>/dev/null
	done
	for name; do
		[ -n "${SNIFF_PID[$name]:-}" ] || continue
		wait "${SNIFF_PID[$name]}" 2>/dev/null
		SNIFF_PID[$name]=
	done
}

sniffed() { # sniffed NAME TAG : frames tagged exactly TAG that (stopped) sniffer NAME saw
	count_lines "^frame .* $2 seq [0-9]+\$" "$(<"$TMPD/sniff.$1")"
}

# check_sniff DESC NAME TAG EXPECTED : sniffer NAME saw EXPECTED frames tagged TAG
check_sniff() {
	local n
	sniff_stop "$2"	# here, not in $(...): only this shell can wait for it
	n=$(sniffed "$2" "$3")
	check_eq "$1" "$n" "$4" && return 0
	_diag_out "$(head -n 10 "$TMPD/sniff.$2")"
	return 1
}

settle() { nap "${SETTLE:-1}"; }	# let frames in flight arrive

link_quiet() { # link_quiet DEV COUNTER [SECONDS] : the netdev counter did not move in SECONDS (1)
	local a
	a=$(link_stat "$1" "$2")
	nap "${3:-1}"
	[ "$(link_stat "$1" "$2")" = "$a" ]
}

# ---- events ----------------------------------------------------------------------------------

monitor_start() { # kvs monitor into $TMPD/monitor.log
	"$KVS" monitor >"$TMPD/monitor.log" 2>&1 &
	MONITOR_PID=$!
	defer_pid $MONITOR_PID
	nap 0.5
}

monitor_stop() {
	kill -TERM "$MONITOR_PID" 2>/dev/null
	wait "$MONITOR_PID" 2>/dev/null
}

monitor_has() { matches "$1" "$(<"$TMPD/monitor.log")"; }	# monitor_has ERE

# ---- kernel log --------------------------------------------------------------------------------

# since_mark : the kernel log written since this test started
since_mark() {
	local log
	log=$(dmesg)
	if [ -n "$DMESG_MARK" ] && grep -qF -- "$DMESG_MARK" <<<"$log"; then
		log=$(_after_mark <<<"$log")
	fi
	echo "$log"
}

dyndbg_on() { # true when kvs prints its "created/attached" debug lines
	matches 'kvs: (switch|port) .* (created|attached)$' "$(since_mark)"
}
