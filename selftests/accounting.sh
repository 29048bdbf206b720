#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# accounting.sh - what a user makes the kernel keep is charged to that user's
# memory cgroup (static fdb entries, networks), and a switch that goes away
# says so once, not once per fdb entry.
#
#  cgroup kvs-acct-$PID (memory)          switch $SW
#  +---------------------------+          +-----------------------------------+
#  | kvs -b: net add, 4000 x   | -------> | net 100 .. 103, port P1 (veth)    |
#  |   fdb add ... dev P1      |  charged | 4000 static + 200 learned entries |
#  +---------------------------+          +-----------------------------------+
#  memory.stat "slab" of the cgroup grows by at least 56 bytes (an fdb entry's size) an entry;
#  then `kvs switch del`: `kvs monitor` shows "switch ... deleted" and no
#  "fdb deleted" line.

# shellcheck disable=SC2317 # functions called through check

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require pkt awk
kvs_load

N=${ACCT_ENTRIES:-4000}
SW=k${PID}s
NS1=kvs-acct-$PID-1
M1=02:00:00:ac:00:01

mk_switch "$SW"
mk_net "$SW" 100
mk_vm "$NS1" "$SW" 100 - $M1; P1=$VM_DEV

{
	for id in 101 102 103; do
		echo "net add $id switch $SW"
	done
	awk -v n="$N" -v sw="$SW" -v dev="$P1" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "fdb add 02:ac:00:00:%02x:%02x net 100 switch %s dev %s\n",
			       int(i / 256), i % 256, sw, dev
	}'
} >"$TMPD/add"

# ---- the memory cgroup of who configures pays --------------------------------------

# cg_slab DIR : bytes of slab objects charged to the cgroup DIR
cg_slab() { awk '$1 == "slab" { print $2 }' "$1/memory.stat"; }

if ! awk '$1 == "memory" && $4 == 1 { ok = 1 } END { exit !ok }' /proc/cgroups 2>/dev/null; then
	skip "static entries are charged to the caller's memory cgroup" \
		"this kernel has no memory cgroup controller"
	must "$KVS" -b "$TMPD/add"
else
	root=$TMPD/cgroup
	mkdir -p "$root"
	must mount -t cgroup2 none "$root"
	defer_cmd "umount '$root'"
	echo +memory >"$root/cgroup.subtree_control" 2>/dev/null
	cg=$root/kvs-acct-$PID
	must mkdir "$cg"
	defer_cmd "rmdir '$cg'"
	if [ ! -f "$cg/memory.stat" ]; then
		fail "the memory controller can be enabled for a test cgroup" \
			"$(cat "$root/cgroup.controllers" 2>&1)"
		must "$KVS" -b "$TMPD/add"
	else
		before=$(cg_slab "$cg")
		echo "# + (in cgroup $cg) $KVS -b $TMPD/add"
		sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" -b "$3"' sh \
			"$cg" "$KVS" "$TMPD/add" >"$TMPD/b.out" 2>&1
		check_eq "kvs -b (3 networks, $N static entries) in the cgroup: exit 0" "$?" 0
		_diag_out "$(<"$TMPD/b.out")"
		# memory.stat is flushed from per-CPU counters when enough has changed, and by
		# the kernel every 2 seconds (6.12 batches up to 64 pages a CPU): wait for it
		for _ in 1 2 3 4 5 6 7 8; do
			after=$(cg_slab "$cg")
			[ "$(sub "$after" "$before")" -ge $((N * 56)) ] 2>/dev/null && break
			sleep 1
		done
		diag "slab charged to the cgroup: $before -> $after bytes"
		check_ge "the cgroup pays for the $N entries (>= 56 bytes each, the entry's size)" \
			"$(sub "$after" "$before")" $((N * 56))
	fi
fi
snap
check_eq "the switch holds the $N static entries" \
	"$(snap_count F 1="$SW" 5=static)" "$N"

# ---- deleting a switch is one event ----------------------------------------------

must ip netns exec "$NS1" "$KVS_PKT" send eth0 random ff:ff:ff:ff:ff:ff count 200 tag acct
settle
snap
check_ge "the port learned the random sources too" "$(port_get "$P1" learned)" 200

monitor_start
check "kvs switch del $SW" "$KVS" switch del "$SW"
settle
monitor_stop
_diag_out "$(head -n 20 "$TMPD/monitor.log")"
check "kvs monitor: the switch deletion is reported" \
	monitor_has "^switch deleted $SW\b"
check_eq "kvs monitor: no fdb event for the $((N + 200)) entries that went with it" \
	"$(grep -c '^fdb ' "$TMPD/monitor.log")" 0
check "kvs monitor: the port's detachment is reported" \
	monitor_has "^port detached $P1 "

tests_done
