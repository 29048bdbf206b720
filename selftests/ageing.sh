#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ageing.sh - learned entries age out after the switch's ageing time of
# silence, traffic keeps them alive, static entries never age, ageing 0
# turns ageing off, and aged entries are reported by `kvs monitor`.
#
#  +-------------+   +-------------+
#  | netns v1    |   | netns v2    |
#  | 10.0.0.1/24 |   | 10.0.0.2/24 |
#  | M1          |   | M2          |
#  +------|------+   +------|------+
#  +------|-----------------|------+
#  |     P1 (mac M1)       P2      |   switch $SW, ageing 2 s, network 100
#  +-------------------------------+

# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require jq
kvs_load

SW=k${PID}s
NS1=kvs-age-$PID-1
NS2=kvs-age-$PID-2
M1=02:00:00:40:00:01
M2=02:00:00:40:00:02
MSTATIC=02:00:00:40:00:99

ageing_of() { snap; sw_get "$1" ageing; }

mk_switch "$SW" ageing 2
check_eq "switch add ... ageing 2 sets 2 s" "$(ageing_of "$SW")" 2
mk_net "$SW" 100
mk_vm "$NS1" "$SW" 100 10.0.0.1/24 $M1 mac $M1; P1=$VM_DEV
mk_vm "$NS2" "$SW" 100 10.0.0.2/24 $M2; P2=$VM_DEV
run "$KVS" fdb add $MSTATIC net 100 switch "$SW" dev "$P2"

monitor_start

# traffic every 0.5 s for 8 s: M2 must stay, although that is > 2 s ageing
ip netns exec "$NS2" ping -q -n -c 16 -i 0.5 10.0.0.1 >"$TMPD/ping.log" 2>&1 &
ping_pid=$!
defer_pid $ping_pid
check_within "M2 learned on $P2 once v2 talks" 5 fdb_on "$SW" 100 $M2 "$P2"
nap 4
snap
check_eq "M2 still learned after 4 more seconds of steady traffic (refreshed)" \
	"$(fdb_get "$SW" 100 $M2 state)" learned
age=$(fdb_get "$SW" 100 $M2 age)
check "its age is below the 2 s ageing time" \
	eval "[[ '$age' =~ ^[01](\.[0-9]+)?\$ ]]"
wait $ping_pid
check_match "the 8 s ping got replies" ' [1-9][0-9]* received' "$(<"$TMPD/ping.log")"

# silence
t0=$SECONDS
check_within "M2 aged out within 8 s of silence (ageing 2)" 8 fdb_gone "$SW" 100 $M2
diag "M2 gone after about $((SECONDS - t0)) s"
snap
check_eq "$P2 counts 0 learned MACs" "$(port_get "$P2" learned)" 0
check_eq "static M1 (port MAC list) did not age" \
	"$(fdb_get "$SW" 100 $M1 dev) $(fdb_get "$SW" 100 $M1 state)" "$P1 static"
check_eq "static $MSTATIC (fdb add) did not age" \
	"$(fdb_get "$SW" 100 $MSTATIC dev) $(fdb_get "$SW" 100 $MSTATIC state)" "$P2 static"
check "traffic after ageing floods and re-learns" nsping "$NS1" 10.0.0.2 1
check_eq "M2 learned again" "$(fdb_field "$SW" 100 $M2 dev)" "$P2"

# ageing 0: never
run "$KVS" switch set "$SW" ageing 0
check_eq "switch set ageing 0" "$(ageing_of "$SW")" 0
check "ping v1 -> v2" nsping "$NS1" 10.0.0.2 1
nap 5
check_eq "with ageing 0, M2 is still learned after 5 s of silence" \
	"$(fdb_field "$SW" 100 $M2 state)" learned

# back to a normal time: entries age with the new time
run "$KVS" switch set "$SW" ageing 3
check_eq "switch set ageing 3" "$(ageing_of "$SW")" 3
check_within "with ageing 3, M2 ages out within 10 s" 10 fdb_gone "$SW" 100 $M2
run "$KVS" switch set "$SW" ageing 300
check_eq "switch set ageing 300" "$(ageing_of "$SW")" 300
check "ping v1 -> v2" nsping "$NS1" 10.0.0.2 1
nap 4
check_eq "with ageing 300, M2 is still learned after 4 s" \
	"$(fdb_field "$SW" 100 $M2 state)" learned

monitor_stop
check "kvs monitor reported M2 learned" monitor_has "^fdb learned $M2 net 100 switch $SW dev $P2\$"
check "kvs monitor reported M2 deleted (aged)" monitor_has "^fdb deleted $M2 net 100 switch $SW"
check_nomatch "kvs monitor never reported static M1 deleted" "^fdb deleted $M1 " \
	"$(<"$TMPD/monitor.log")"
_diag_out "$(head -n 20 "$TMPD/monitor.log")"

# kvs monitor at the end of a pipe ends when its reader does, even with no
# event after that: one event only, read by head, then kvs must exit.
for mode in text json; do
	opt=; [ $mode = json ] && opt=-j
	# shellcheck disable=SC2086
	{ "$KVS" $opt monitor net | head -n 1 >"$TMPD/head.$mode"; } 2>"$TMPD/head.err" &
	hpid=$!
	defer_pid $hpid
	nap 0.5
	"$KVS" net add 4000 switch "$SW"
	for _ in $(seq 50); do
		kill -0 $hpid 2>/dev/null || break
		nap 0.1
	done
	check "kvs $opt monitor | head -n 1: exits within 5 s of the reader" \
		eval "! kill -0 $hpid 2>/dev/null"
	wait $hpid 2>/dev/null
	"$KVS" net del 4000 switch "$SW"
	if [ $mode = text ]; then
		check_match "... head read the event" "^net added 4000 switch $SW" "$(<"$TMPD/head.$mode")"
	else
		check_eq "... head read the event" \
			"$(jq -r '"\(.event) \(.net) \(.switch)"' "$TMPD/head.$mode")" "net_added 4000 $SW"
	fi
	check_eq "... and kvs said nothing on stderr" "$(<"$TMPD/head.err")" ""
done

tests_done
