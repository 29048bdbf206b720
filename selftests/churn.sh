#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# churn.sh - for CHURN_SECS (30) seconds, and until each has gone round twice, three loops run
# at once while two stable VMs ping each other every 20 ms and a flapping pair pings too:
#   A: the flapping ports are detached/attached, reconfigured (learning,
#      max-macs, MAC list, group-fwd-mask), their network's max-macs changed,
#      the network deleted and re-added, static fdb
#      entries added and removed, and a scratch veth attached then deleted
#      while attached;
#   B: a second switch is created with a network, a port and an fdb entry,
#      then deleted (kvs switch del or ip link del, in turn);
#   C: dumps of switches, networks, ports, fdb and stats are read.
# None of their commands may fail, the stable pair must keep talking, and at
# the end the state must be consistent and traffic must work.
#
#  +-----+ +-----+    +-----+ +-----+             +-----+
#  | s1  | | s2  |    | f1  | | f2  |  scratch    | x1  |
#  +--|--+ +--|--+    +--|--+ +--|--+  veth $PT   +--|--+
#  +--|-------|----------|-------|-------|--+   +----|-----+
#  |  Ps1     Ps2        Pf1     Pf2    ($PT) |   |   Px     |
#  |  network 100        network 200 (flaps)|   |  net 5   |
#  |              switch $SW                |   | $SW2     |
#  +----------------------------------------+   | (comes & |
#                                               |  goes)   |
#                                               +----------+

# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require
kvs_load

DURATION=${CHURN_SECS:-30}
SW=k${PID}s
SW2=k${PID}t
PT=k${PID}T		# scratch veth, attached then deleted
NSS1=kvs-churn-$PID-s1
NSS2=kvs-churn-$PID-s2
NSF1=kvs-churn-$PID-f1
NSF2=kvs-churn-$PID-f2
NSX=kvs-churn-$PID-x1
MF2=02:00:00:90:00:f2
MX=02:00:00:90:00:99

mk_switch "$SW"
mk_net "$SW" 100
mk_net "$SW" 200
mk_vm "$NSS1" "$SW" 100 10.0.1.1/24; PS1=$VM_DEV
mk_vm "$NSS2" "$SW" 100 10.0.1.2/24; PS2=$VM_DEV
mk_vm "$NSF1" "$SW" 200 10.0.2.1/24; PF1=$VM_DEV
mk_vm "$NSF2" "$SW" 200 10.0.2.2/24 $MF2; PF2=$VM_DEV
mk_veth "k${PID}x" "$NSX"
PX=k${PID}x
defer_link "$PT"
defer_link "$SW2"

check "ping s1 -> s2 before the churn" nsping "$NSS1" 10.0.1.2 2
check "ping f1 -> f2 before the churn" nsping "$NSF1" 10.0.2.2 2

# op CMD... : run CMD in a churn loop, count it, log it if it fails
op() {
	local out
	OPS=$((OPS + 1))
	if ! out=$("$@" 2>&1); then
		FAILS=$((FAILS + 1))
		echo "FAIL: $* : $out" >>"$LOG"
	fi
}

loop_a() {
	local i=0
	OPS=0 FAILS=0 LOG=$TMPD/loop_a.log
	while [ "$(now)" -lt "$END" ] || [ "$i" -lt 2 ]; do
		i=$((i + 1))
		op "$KVS" port del dev "$PF1"
		if [ $((i % 2)) = 1 ]; then
			op "$KVS" port add dev "$PF1" switch "$SW" net 200 learning off
		else
			op "$KVS" port add dev "$PF1" switch "$SW" net 200 max-macs 4
		fi
		op "$KVS" fdb add $MX net 200 switch "$SW" dev "$PF2"
		op "$KVS" port set dev "$PF2" max-macs $((i % 3))
		op "$KVS" port set dev "$PF2" mac $MF2
		op "$KVS" fdb del $MX net 200 switch "$SW"
		op "$KVS" port set dev "$PF2" mac none
		op "$KVS" port set dev "$PF1" learning on
		op "$KVS" net set 200 switch "$SW" max-macs $(((i % 2) * 64))
		op "$KVS" port set dev "$PF1" group-fwd-mask $(((i % 2) * 0x4008))
		op "$KVS" net del 200 switch "$SW"
		op "$KVS" net add 200 switch "$SW" max-macs $((i % 3 * 1000))
		op "$KVS" port add dev "$PF1" switch "$SW" net 200
		op "$KVS" port add dev "$PF2" switch "$SW" net 200
		op ip link add "$PT" type veth peer name "${PT}p"
		op "$KVS" port add dev "$PT" switch "$SW" net 200
		op ip link set "$PT" up
		op ip link set "${PT}p" up
		op ip link del "$PT"
	done
	echo "$i $OPS $FAILS" >"$TMPD/loop_a.stats"
}

loop_b() {
	local i=0
	OPS=0 FAILS=0 LOG=$TMPD/loop_b.log
	while [ "$(now)" -lt "$END" ] || [ "$i" -lt 2 ]; do
		i=$((i + 1))
		op "$KVS" switch add "$SW2"
		op "$KVS" net add 5 switch "$SW2"
		op "$KVS" port add dev "$PX" switch "$SW2" net 5
		op "$KVS" fdb add $MX net 5 switch "$SW2" dev "$PX"
		if [ $((i % 2)) = 1 ]; then
			op "$KVS" switch del "$SW2"
		else
			op ip link del "$SW2"
		fi
	done
	echo "$i $OPS $FAILS" >"$TMPD/loop_b.stats"
}

loop_c() {
	local i=0 obj
	OPS=0 FAILS=0 LOG=$TMPD/loop_c.log
	while [ "$(now)" -lt "$END" ] || [ "$i" -lt 2 ]; do
		i=$((i + 1))
		for obj in switch net port fdb; do
			op eval "$KVS -j $obj show | jq -e 'type == \"array\" or type == \"object\"' >/dev/null"
		done
		op eval "$KVS -j stats show dev $PS1 | jq -e . >/dev/null"
		op eval "$KVS -j stats show switch $SW | jq -e . >/dev/null"
	done
	echo "$i $OPS $FAILS" >"$TMPD/loop_c.stats"
}

# Every loop goes round at least twice: a slow debug kernel (make check-debug) stretches
# the window rather than getting a weaker test.
END=$(($(now) + DURATION))
echo "# + churn for $DURATION s"
ip netns exec "$NSS1" ping -q -n -i 0.02 -w $((DURATION + 2)) 10.0.1.2 >"$TMPD/stable.log" 2>&1 &
stable_pid=$!
defer_pid $stable_pid
ip netns exec "$NSF1" ping -q -n -i 0.05 -w $((DURATION + 2)) 10.0.2.2 >"$TMPD/flap.log" 2>&1 &
flap_pid=$!
defer_pid $flap_pid
loop_a &
a_pid=$!
defer_pid $a_pid
loop_b &
b_pid=$!
defer_pid $b_pid
loop_c &
c_pid=$!
defer_pid $c_pid
wait $a_pid $b_pid $c_pid
wait $stable_pid $flap_pid

for l in a b c; do
	read -r iters ops fails <"$TMPD/loop_$l.stats" || { iters=0 ops=0 fails=none; }
	diag "loop $l: $iters iterations, $ops commands, $fails failed"
	check_ge "loop $l ran at least 2 iterations" "$iters" 2
	check_eq "loop $l: no command failed" "$fails" 0 ||
		_diag_out "$(head -n 10 "$TMPD/loop_$l.log" 2>/dev/null)"
done

stats=$(grep -o '[0-9]* packets transmitted, [0-9]* received' "$TMPD/stable.log")
sent=${stats%% *}
got=${stats##*, }
got=${got%% *}
diag "stable pair during the churn: ${stats:-no ping statistics}"
check_ge "the stable pair sent at least $((DURATION * 5)) echo requests" "${sent:-0}" $((DURATION * 5))
check_ge "the stable pair lost at most 10% of them" "${got:-0}" $(( ${sent:-1} * 9 / 10 ))
diag "flapping pair during the churn: $(grep -o '[0-9]* packets transmitted.*' "$TMPD/flap.log")"

# ---- the state after the churn ------------------------------------------------------------

check_fail "$SW2 is gone" link_exists "$SW2"
check_fail "the scratch veth is gone" link_exists "$PT"
check_eq "$PX has no master" "$(master_of "$PX")" none
snap
check_eq "kvs port show lists exactly the 4 ports of $SW" \
	"$(snap_list P 1 2="$SW")" "$(_sorted "$PS1" "$PS2" "$PF1" "$PF2")"
check_eq "no other port is left" "$(snap_count P)" 4
check_eq "networks: 100 and 200 with 2 ports each" \
	"$(net_get "$SW" 100 ports) $(net_get "$SW" 200 ports)" "2 2"
check_eq "ports: $PS1 $PS2 in 100, $PF1 $PF2 in 200" \
	"$(snap_list P 1 4=100) / $(snap_list P 1 4=200)" \
	"$(_sorted "$PS1" "$PS2") / $(_sorted "$PF1" "$PF2")"
check_eq "ip link show master $SW lists the same 4 ports" "$(ip_masters "$SW")" \
	"$(_sorted "$PS1" "$PS2" "$PF1" "$PF2")"
stale=0
while IFS='|' read -r kind sw net mac dev _; do
	[ "$kind" = F ] || continue
	if [ "$(port_get "$dev" switch) $(port_get "$dev" net)" != "$sw $net" ]; then
		diag "stale fdb entry: $mac net $net switch $sw dev $dev"
		stale=$((stale + 1))
	fi
done <<<"$SNAP"
check_eq "every fdb entry points to a listed port of its network" "$stale" 0
check_eq "no static entry is left from the loops" \
	"$(fdb_get "$SW" 200 $MX dev) $(snap_count F 3="${MX,,}")" "none 0"
check "ping s1 -> s2 after the churn" nsping "$NSS1" 10.0.1.2 3
check "ping f1 -> f2 after the churn" nsping "$NSF1" 10.0.2.2 3
check "ping f2 -> f1 after the churn" nsping "$NSF2" 10.0.2.1 3
mf1=$(mac_of "$NSF1")
snap
check_eq "the flapping ports learned their MACs again" \
	"$(fdb_get "$SW" 200 "$mf1" dev) $(fdb_get "$SW" 200 $MF2 dev)" "$PF1 $PF2"

tests_done
