#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# soak.sh - configuration churn under traffic for SOAK_SECONDS (default 600):
# switches, networks, ports, static fdb entries, port settings, namespaces
# created and deleted with their attached ports, frames from random sources,
# and every SOAK_RELOAD_SECONDS (default 120) a teardown in one of three
# orders followed by `rmmod kvs; modprobe kvs`. Pings run all the time.
# Reports the counters, the churn done, the pings, and what the kernel log
# says (BUG/WARNING/... and the created/destroyed, attached/detached pairs).
# Not part of the suite: `make soak` (SOAK_SECONDS=N, KVS_DEBUG=1 for the
# debug kernel) runs it in a VM.
#
#   soak.sh           in a VM or on a test machine: the soak itself (root)
#   soak.sh --vm      on the host: build, boot a VM (selftests/vm/run.sh) and run it
#
# Per generation g (one module load):
#   switch k<pid>g<g>a: net 10 (v1, v2 ping), net 20 (v3, v4 ping)
#   switch k<pid>g<g>b: net 30, extra networks and namespaces come and go
# SOAK_SEED makes the churn's choices repeatable (bash $RANDOM).

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ---- host side: make soak -----------------------------------------------------------
if [ "${1:-}" = --vm ]; then
	tree=$(cd "$here/.." && pwd)
	secs=${SOAK_SECONDS:-600}
	make=${MAKE:-make}
	args=(-T $((secs * 2 + 900)))
	[ -n "${SOAK_VM_OUT:-}" ] && args+=(-o "$SOAK_VM_OUT")
	"$make" -C "$tree/selftests" --no-print-directory >/dev/null || exit 2
	if [ -n "${KVS_DEBUG:-}" ] && [ "${KVS_DEBUG}" != 0 ]; then
		if [ ! -x "$here/vm/debug-kernel.sh" ] || ! "$here/vm/run.sh" -h | grep -q -- '-B TREE'; then
			echo "# soak: no debug-kernel lane in this tree (selftests/vm/debug-kernel.sh, run.sh -B): stock kernel"
		else
			ktree=$("$here/vm/debug-kernel.sh") || { echo "soak: cannot build the debug kernel" >&2; exit 2; }
			kver=$(cat "$ktree/include/config/kernel.release")
			work=$(mktemp -d /tmp/kvs-soak.XXXXXX) || exit 2
			trap 'rm -rf "$work"' EXIT
			(cd "$tree" && find Kbuild Makefile kernel uapi -type f \
				\( -name '*.[ch]' ! -name '*.mod.c' -o -name Kbuild -o -name Makefile \) \
				-exec cp --parents {} "$work/" \;)
			"$make" -C "$work" --no-print-directory KERNELRELEASE="$kver" KERNELDIR="$ktree" \
				KVS_VERSION="${KVS_VERSION:-soak}" module >"$work/build.log" 2>&1 ||
				{ tail -n 20 "$work/build.log"; echo "soak: kvs.ko for $kver failed" >&2; exit 2; }
			"$make" -C "$tree" --no-print-directory tools >/dev/null || exit 2
			echo "# soak: debug kernel $kver ($ktree)"
			args+=(-B "$ktree" -K "$work/kvs.ko" -m 3072)
		fi
	else
		"$make" -C "$tree" --no-print-directory all >/dev/null || exit 2
	fi
	exec "$here/vm/run.sh" "${args[@]}" -- env SOAK_SECONDS="$secs" \
		SOAK_RELOAD_SECONDS="${SOAK_RELOAD_SECONDS:-}" SOAK_SEED="${SOAK_SEED:-}" \
		selftests/soak.sh
fi

# ---- the soak -------------------------------------------------------------------------
# shellcheck source=lib.sh
source "$here/lib.sh"

kvs_require ping pkt
kvs_load

DUR=${SOAK_SECONDS:-600}
RELOAD=${SOAK_RELOAD_SECONDS:-}
[ -n "$RELOAD" ] || RELOAD=$(( DUR >= 240 ? 120 : (DUR + 1) / 2 ))
SEED=${SOAK_SEED:-}
[ -n "$SEED" ] || SEED=$(( $(now) % 100000 ))
RANDOM=$SEED
diag "soak: ${DUR} s, a module reload every ${RELOAD} s, seed $SEED (SOAK_SEED=$SEED repeats the choices)"

declare -A OPS=() OPS_FAILED=()
TOT_RX=0 TOT_TX=0 TOT_DROP=0 PING_TX=0 PING_RX=0 GEN=0 EXTRA=0
PINGS=()
EXTRA_NS=()
EXTRA_NETS=()

op() { # op NAME CMD... : one churn operation, counted; failures are counted, not fatal
	OPS[$1]=$(( ${OPS[$1]:-0} + 1 ))
	local name=$1
	shift
	if ! "$@" >/dev/null 2>&1; then
		OPS_FAILED[$name]=$(( ${OPS_FAILED[$name]:-0} + 1 ))
		return 1
	fi
}

pick() { # pick WORD... : one of them
	local a=("$@")
	echo "${a[RANDOM % $#]}"
}

build_world() {
	GEN=$((GEN + 1))
	SWA=k${PID}g${GEN}a
	SWB=k${PID}g${GEN}b
	mk_switch "$SWA"
	mk_switch "$SWB"
	mk_net "$SWA" 10
	mk_net "$SWA" 20
	mk_net "$SWB" 30
	mk_vm "kvs-soak-$PID-$GEN-1" "$SWA" 10 10.10.0.1/24 02:00:00:5a:01:01; P1=$VM_DEV
	mk_vm "kvs-soak-$PID-$GEN-2" "$SWA" 10 10.10.0.2/24 02:00:00:5a:01:02; P2=$VM_DEV
	mk_vm "kvs-soak-$PID-$GEN-3" "$SWA" 20 10.10.0.1/24 02:00:00:5a:02:01; P3=$VM_DEV
	mk_vm "kvs-soak-$PID-$GEN-4" "$SWA" 20 10.10.0.2/24 02:00:00:5a:02:02; P4=$VM_DEV
	check "generation $GEN: ping in network 10" nsping "kvs-soak-$PID-$GEN-1" 10.10.0.2
	check "generation $GEN: ping in network 20" nsping "kvs-soak-$PID-$GEN-3" 10.10.0.2
	start_pings
}

start_pings() {
	local n
	PINGS=()
	for n in 1 3; do
		ip netns exec "kvs-soak-$PID-$GEN-$n" ping -q -n -i 0.1 -w $((DUR + 600)) 10.10.0.2 \
			>"$TMPD/ping.$GEN.$n" 2>&1 &
		PINGS+=($!)
		defer_pid $!
	done
}

stop_pings() {
	local p f out i
	# SIGINT makes ping print its statistics; a background job ignores it
	# until ping has started, so send it again until it is gone
	for i in 1 2 3 4 5 6 7 8 9 10; do
		out=
		for p in "${PINGS[@]}"; do
			kill -INT "$p" 2>/dev/null && out=1
		done
		[ -z "$out" ] && break
		nap 0.5
	done
	for p in "${PINGS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PINGS=()
	for f in "$TMPD/ping.$GEN."*; do
		[ -e "$f" ] || continue
		out=$(<"$f")
		[[ $out =~ ([0-9]+)\ packets\ transmitted,\ ([0-9]+)\ received ]] || continue
		PING_TX=$((PING_TX + BASH_REMATCH[1]))
		PING_RX=$((PING_RX + BASH_REMATCH[2]))
		diag "generation $GEN ${f##*.}: ${BASH_REMATCH[0]}"
	done
}

collect_counters() { # add the ports' counters (and the switches') to the totals
	local out
	out=$("$KVS" -j stats show 2>/dev/null) || return
	read -r rx tx drop < <(jq -r -s '[.[] | if type == "array" then .[] else . end] |
		[ (map(.stats64.rx.packets // 0) | add // 0), (map(.stats64.tx.packets // 0) | add // 0),
		  (map(.stats64.drops // {} | [.[]] | add // 0) | add // 0) ] | @tsv' <<<"$out" 2>/dev/null)
	TOT_RX=$((TOT_RX + ${rx:-0}))
	TOT_TX=$((TOT_TX + ${tx:-0}))
	TOT_DROP=$((TOT_DROP + ${drop:-0}))
	diag "generation $GEN counters: rx $rx tx $tx dropped $drop"
}

extra_ns_add() { # a namespace with a veth attached to a random switch/network
	local ns dev sw net limit=()
	EXTRA=$((EXTRA + 1))
	ns=kvs-soak-$PID-x$EXTRA
	dev=k${PID}x$EXTRA
	if [ $((RANDOM % 2)) = 0 ]; then
		sw=$SWA net=$(pick 10 20)
	else
		sw=$SWB net=$(pick 30 "${EXTRA_NETS[@]}")
	fi
	op netns_add ip netns add "$ns" || return
	defer_ns "$ns"
	defer_link "$dev"
	op veth_add ip link add "$dev" type veth peer name eth0 netns "$ns" || return
	ip link set dev "$dev" addrgenmode none up 2>/dev/null
	ip -n "$ns" link set dev eth0 addrgenmode none up 2>/dev/null
	[ $((RANDOM % 3)) = 0 ] && limit=(max-macs $((RANDOM % 8)))
	op port_add "$KVS" port add dev "$dev" switch "$sw" net "$net" "${limit[@]}"
	EXTRA_NS+=("$ns:$dev")
}

extra_ns_del() { # a namespace goes away with its attached port
	local i e
	[ ${#EXTRA_NS[@]} -gt 0 ] || return
	i=$((RANDOM % ${#EXTRA_NS[@]}))
	e=${EXTRA_NS[i]}
	EXTRA_NS=("${EXTRA_NS[@]:0:i}" "${EXTRA_NS[@]:i+1}")
	op netns_del ip netns del "${e%%:*}"
}

extra_port() { # detach or re-attach an extra port, or change its settings
	local e dev
	[ ${#EXTRA_NS[@]} -gt 0 ] || return
	e=${EXTRA_NS[RANDOM % ${#EXTRA_NS[@]}]}
	dev=${e#*:}
	case $((RANDOM % 4)) in
	0) op port_del "$KVS" port del dev "$dev" ;;
	1) op port_add "$KVS" port add dev "$dev" switch "$SWB" net 30 ;;
	2) op port_set "$KVS" port set dev "$dev" learning "$(pick on off)" max-macs $((RANDOM % 5)) ;;
	*) op port_set "$KVS" port set dev "$dev" mac "02:00:00:5b:$(printf '%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)))" ;;
	esac
}

churn_once() {
	local mac net
	mac=02:00:00:5c:$(printf '%02x:%02x' $((RANDOM % 4)) $((RANDOM % 256)))
	case $((RANDOM % 14)) in
	0) op fdb_add "$KVS" fdb add "$mac" net 10 switch "$SWA" dev "$(pick "$P1" "$P2")" ;;
	1) op fdb_del "$KVS" fdb del "$mac" net 10 switch "$SWA" ;;
	2) op port_set "$KVS" port set dev "$(pick "$P1" "$P2" "$P3" "$P4")" max-macs $((RANDOM % 4 + 4)) ;;
	3) op switch_set "$KVS" switch set "$(pick "$SWA" "$SWB")" ageing $((RANDOM % 600)) ;;
	4|5) extra_ns_add ;;
	6) extra_ns_del ;;
	7|8) extra_port ;;
	9)	net=$((40 + RANDOM % 8))
		if op net_add "$KVS" net add $net switch "$SWB"; then
			EXTRA_NETS+=("$net")
		fi ;;
	10) [ ${#EXTRA_NETS[@]} -gt 0 ] && {
		net=${EXTRA_NETS[RANDOM % ${#EXTRA_NETS[@]}]}
		op net_del "$KVS" net del "$net" switch "$SWB"
		local n keep=()
		for n in "${EXTRA_NETS[@]}"; do [ "$n" = "$net" ] || keep+=("$n"); done
		EXTRA_NETS=("${keep[@]}")
	} ;;
	11)	# a switch that comes and goes with ports of its own
		op switch_add "$KVS" switch add "k${PID}g${GEN}c" &&
		op net_add "$KVS" net add 5 switch "k${PID}g${GEN}c" &&
		defer_link "k${PID}g${GEN}c"
		op switch_del "$KVS" switch del "k${PID}g${GEN}c" ;;
	12)	# v2 leaves and comes back: the ping loses a few
		op port_del "$KVS" port del dev "$P2"
		op port_add "$KVS" port add dev "$P2" switch "$SWA" net 10 ;;
	*)	# frames from many sources (learning churn, floods)
		op frames ip netns exec "kvs-soak-$PID-$GEN-1" "$KVS_PKT" send eth0 \
			"02:00:00:5d:$(printf '%02x' $((RANDOM % 256))):01" ff:ff:ff:ff:ff:ff count 50 tag soak \
			+ "02:00:00:5d:$(printf '%02x' $((RANDOM % 256))):02" 02:00:00:5e:00:01 count 50 tag soak ;;
	esac
}

teardown() { # teardown MODE : everything of this generation goes, then rmmod/modprobe
	local mode=$1 e out
	stop_pings
	collect_counters
	case $mode in
	netns-first)
		for e in "${EXTRA_NS[@]}"; do op netns_del ip netns del "${e%%:*}"; done
		for e in 1 2 3 4; do op netns_del ip netns del "kvs-soak-$PID-$GEN-$e"; done
		op switch_del "$KVS" switch del "$SWA"
		op switch_del "$KVS" switch del "$SWB"
		;;
	switches-first)
		op switch_del "$KVS" switch del "$SWA"
		op switch_del "$KVS" switch del "$SWB"
		;;
	*)	# rmmod with everything attached
		;;
	esac
	OPS[rmmod]=$(( ${OPS[rmmod]:-0} + 1 ))
	if ! out=$(rmmod kvs 2>&1); then
		fail "generation $GEN: rmmod kvs ($mode)" "$out"
		return 1
	fi
	for e in "${EXTRA_NS[@]}"; do ip netns del "${e%%:*}" 2>/dev/null; done
	for e in 1 2 3 4; do ip netns del "kvs-soak-$PID-$GEN-$e" 2>/dev/null; done
	EXTRA_NS=()
	EXTRA_NETS=()
	if ! out=$(modprobe kvs 2>&1); then
		fail "generation $GEN: modprobe kvs after rmmod ($mode)" "$out"
		return 1
	fi
	pass "generation $GEN: teardown ($mode), rmmod and modprobe kvs"
}

start=$SECONDS
end=$((start + DUR))
build_world
next_reload=$((SECONDS + RELOAD))
modes=(netns-first switches-first rmmod-live)
reloads=0
while [ $SECONDS -lt $end ]; do
	churn_once
	if [ $SECONDS -ge $next_reload ] && [ $((end - SECONDS)) -gt 20 ]; then
		teardown "${modes[reloads % 3]}" || break
		reloads=$((reloads + 1))
		build_world
		next_reload=$((SECONDS + RELOAD))
	fi
done
teardown "${modes[reloads % 3]}"
reloads=$((reloads + 1))
diag "soak ran $((SECONDS - start)) s: $GEN generations, $reloads module reloads"

# a fresh switch still works after all of that
build_world
nap 3
stop_pings
collect_counters
must "$KVS" switch del "$SWA"
must "$KVS" switch del "$SWB"

total=0
failed=0
line=
for k in $(printf '%s\n' "${!OPS[@]}" | sort); do
	line+="$k ${OPS[$k]}$( [ -n "${OPS_FAILED[$k]:-}" ] && echo " (${OPS_FAILED[$k]} failed)"), "
	total=$((total + OPS[$k]))
	failed=$((failed + ${OPS_FAILED[$k]:-0}))
done
diag "churn: $total operations ($failed refused or failed, expected under churn): ${line%, }"
diag "counters over all generations: rx $TOT_RX, tx $TOT_TX, dropped $TOT_DROP packets"
diag "pings: $PING_RX of $PING_TX echo requests answered"
check_ge "the switches forwarded frames" "$TOT_TX" 100
check_ge "pings got answers during the churn" "$PING_RX" 1

# the log since the mark, read linearly (lib.sh's since_mark is quadratic in bash)
log=$(dmesg | awk -v m="$DMESG_MARK" 'f; index($0, m) { f = 1 }')
created=$(grep -c -E 'kvs: switch .* created$' <<<"$log")
destroyed=$(grep -c -E 'kvs: switch .* destroyed$' <<<"$log")
attached=$(grep -c -E 'kvs: port .* attached$' <<<"$log")
detached=$(grep -c -E 'kvs: port .* detached$' <<<"$log")
diag "kernel log: switches $created created / $destroyed destroyed, ports $attached attached / $detached detached"
if [ "$created" -gt 0 ] && [ "$attached" -gt 0 ]; then
	check_eq "every switch created was destroyed" "$destroyed" "$created"
	check_eq "every port attached was detached" "$detached" "$attached"
else
	skip "created/destroyed pairs" "kvs debug lines are off (dyndbg)"
fi
bad=$(grep -E -A 20 -- "$DMESG_BAD" <<<"$log" | head -n 60)
findings=$(grep -E -c -- "$DMESG_BAD" <<<"$log")
diag "kernel log: $findings lines matching BUG/WARNING/Oops/..."
check_eq "kernel log clean during the soak (no BUG/WARNING/Oops/...)" "$findings" 0 ||
	_diag_out "$bad"
# tests_done scans the log after the mark again, quadratically: a fresh mark
if [ -n "$DMESG_MARK" ]; then
	DMESG_MARK="kvs-selftest: ${TEST_NAME}[$PID] scanned"
	echo "$DMESG_MARK" >/dev/kmsg
fi

tests_done
