#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# permission.sh - changes need CAP_NET_ADMIN in the user namespace that owns
# the network namespace: an unprivileged user, root without CAP_NET_ADMIN and
# root of a new user namespace (still in the init netns) are all refused with
# EPERM and change nothing; reads and events are the namespace's, as for the
# bridge: everybody in it reads the fdb and hears `kvs monitor` and `bridge
# monitor fdb`, a process in another netns hears nothing; root of a user
# namespace that owns its own netns may run a switch there, seen only there.
#
#  init netns                                  | unshare -U -r -n
#  +-------------+   +-------------+           | +---------------------+
#  | netns v1    |   | netns v2    |           | | switch $USW, net 1  |
#  +------|------+   +------|------+           | | port: veth ua <-> ub|
#  +------|------+          |                  | +---------------------+
#  |     P1      |         P2 (not attached)   |
#  |  switch $SW, network 100, static MS on P1 |
#  +-------------+                             |

# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require setpriv unshare bridge
kvs_load

SW=k${PID}s
NEW=k${PID}x
USW=k${PID}u
NS1=kvs-perm-$PID-1
NS2=kvs-perm-$PID-2
M1=02:00:00:70:00:01
MS=02:00:00:70:00:99
MN=02:00:00:70:00:98
EPERM_RE='not permitted|EPERM|permission'

mk_switch "$SW"
mk_net "$SW" 100
mk_vm "$NS1" "$SW" 100 10.0.0.1/24 $M1; P1=$VM_DEV
mk_veth k${PID}f "$NS2"
P2=k${PID}f
must "$KVS" fdb add $MS net 100 switch "$SW" dev "$P1"

# the CLI must be reachable by uid 65534: /tmp copy if its path is not
KVSBIN=$(command -v "$KVS")
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }
if ! as_nobody "$KVSBIN" -j switch show >/dev/null 2>&1; then
	chmod 755 "$TMPD"
	cp "$KVSBIN" "$TMPD/kvs" && chmod 755 "$TMPD/kvs"
	KVSBIN=$TMPD/kvs
fi
# shellcheck disable=SC2317 # called through "$who"
as_nocap() { setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$@"; }
# shellcheck disable=SC2317 # called through "$who"
as_usernsroot() { unshare --user --map-root-user "$@"; }

check "uid 65534 really lacks CAP_NET_ADMIN" \
	eval "as_nobody grep -q '^CapEff:[[:space:]]*0*\$' /proc/self/status"
check "root without CAP_NET_ADMIN really lacks it" \
	eval "[ \$(( 0x\$(as_nocap awk '/^CapEff/ { print \$2 }' /proc/self/status) & (1 << 12) )) -eq 0 ]"

before=$(kvs_state)
check_match "the state shows $SW and $P1" "\"$SW\".*\"$P1\"" \
	"$(jq -c '[.switches[].ifname, .ports[].ifname]' <<<"$before")"

changes=(
	"switch add $NEW"
	"switch del $SW"
	"switch set $SW ageing 10"
	"net add 300 switch $SW"
	"net del 100 switch $SW"
	"port add dev $P2 switch $SW net 100"
	"port set dev $P1 learning off"
	"port set dev $P1 max-macs 5"
	"port set dev $P1 mac $M1"
	"port del dev $P1"
	"fdb add $MN net 100 switch $SW dev $P1"
	"fdb del $MS net 100 switch $SW"
)
for who in as_nobody as_nocap as_usernsroot; do
	for c in "${changes[@]}"; do
		# shellcheck disable=SC2086 # the command words split on purpose
		kvs_refused "$who: kvs $c -> EPERM" "$EPERM_RE" "$who" "$KVSBIN" $c
	done
done

after=$(kvs_state)
check_eq "refused changes left the state unchanged" "$after" "$before"
check_fail "no switch $NEW was made" link_exists "$NEW"

# ---- reads need no privilege -----------------------------------------------------

for who in as_nobody as_usernsroot; do
	check_match "$who: kvs switch show lists $SW" "\"$SW\"" "$("$who" "$KVSBIN" -j switch show 2>&1)"
	check_match "$who: kvs net show lists network 100" '"net": ?100' "$("$who" "$KVSBIN" -j net show 2>&1)"
	check_match "$who: kvs port show lists $P1" "\"$P1\"" "$("$who" "$KVSBIN" -j port show 2>&1)"
	check_match "$who: kvs fdb show lists $MS" "$MS" "$("$who" "$KVSBIN" -j fdb show 2>&1)"
	check_match "$who: kvs stats show dev $P1 answers" '"stats64"' \
		"$("$who" "$KVSBIN" -j stats show dev "$P1" 2>&1)"
	check_match "$who: kvs stats show switch $SW answers" '"stats64"' \
		"$("$who" "$KVSBIN" -j stats show switch "$SW" 2>&1)"
done

# ---- events: the namespace hears them, nobody outside it --------------------------
# One privilege model for what kvs reveals (design.md, "Who may see what"): the
# namespace is the boundary, as for the bridge's and the vxlan device's fdb. Anyone in
# it may read the fdb and hear the events (kvs monitor, bridge monitor fdb); a process
# in another namespace, a user namespace's root included, sees none of it.

mon_pids=()
for who in as_nobody as_nocap as_usernsroot; do
	"$who" timeout 30 "$KVSBIN" monitor >"$TMPD/mon.$who" 2>&1 &
	mon_pids+=($!)
	defer_pid $!
done
unshare --user --map-root-user --net timeout 30 "$KVSBIN" monitor >"$TMPD/mon.otherns" 2>&1 &
mon_pids+=($!)
defer_pid $!
bridge monitor fdb >"$TMPD/mon.neigh" 2>&1 &
mon_pids+=($!)
defer_pid $!
nap 2
must "$KVS" net add 4321 switch "$SW"
must "$KVS" fdb add $MN net 100 switch "$SW" dev "$P1"
must "$KVS" fdb del $MN net 100 switch "$SW"
must "$KVS" net del 4321 switch "$SW"
# shellcheck disable=SC2317 # called through check_within
heard() { [ "$(count_lines "$2" "$(<"$TMPD/mon.$1")")" -ge "$3" ]; }
for who in as_nobody as_nocap as_usernsroot; do
	check_within "$who: kvs monitor hears network 4321 come and go" 10 heard "$who" 4321 2
	check_within "$who: and the static entry $MN added and deleted" 10 heard "$who" "$MN" 2
done
check_within "bridge monitor fdb hears $MN added and deleted (RTM_NEWNEIGH, RTM_DELNEIGH)" 10 \
	heard neigh "$MN" 2
nap 1
kill "${mon_pids[@]}" 2>/dev/null
wait "${mon_pids[@]}" 2>/dev/null
_diag_out "$(head -n 6 "$TMPD/mon.as_nobody")"
_diag_out "$(head -n 4 "$TMPD/mon.neigh")"
check_eq "a process in another netns (userns root) hears nothing of this one" \
	"$(count_lines "4321|$MN|$SW" "$(<"$TMPD/mon.otherns")")" 0
check_nomatch "and its monitor was not refused" 'refused|Error' "$(<"$TMPD/mon.otherns")"

# ---- root of a user namespace that owns its netns ----------------------------------

inner=$(unshare --user --map-root-user --net bash -c '
	set -e
	kvs=$1 sw=$2
	ip link set lo up
	"$kvs" switch add "$sw"
	"$kvs" net add 1 switch "$sw"
	ip link add ua type veth peer name ub
	"$kvs" port add dev ua switch "$sw" net 1
	ip link set ua up
	echo "switches: $("$kvs" -j switch show)"
	echo "ports: $("$kvs" -j port show)"
	echo "master: $(ip -j link show dev ua)"
	"$kvs" port del dev ua
	"$kvs" switch del "$sw"
	echo done
' inner "$KVSBIN" "$USW" 2>&1)
rc=$?
_diag_out "$inner"
check_eq "root of a userns with its own netns may add a switch, network and port" "$rc" 0
check_match "there, kvs switch show lists $USW" "^switches: .*\"$USW\"" "$inner"
check_nomatch "there, kvs switch show does not list $SW of the init netns" "^switches: .*\"$SW\"" "$inner"
check_match "there, the port ua is listed on $USW" "^ports: .*\"ua\"" "$inner"
check_match "there, ua has master $USW" "^master: .*\"master\": ?\"$USW\"" "$inner"
check_match "there, port del and switch del worked" "^done$" "$inner"
check_fail "$USW is not visible in the init netns" switch_listed "$USW"
check_eq "the init netns state is still unchanged" "$(kvs_state)" "$before"

tests_done
