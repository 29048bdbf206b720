#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvs_master.sh KVS: run in a fresh network namespace (by lifecycle.sh, as root and
# as root of a new user namespace). For each kind of port (a VM port, a vlan fabric
# port, a vxlan fabric uplink) and each way `ip link` can take a device away from its
# master (nomaster, master of a bridge, of a bond, of another kvs switch), attach a new
# veth as that port, run the ip command and print one line
#
#   R KIND TARGET rc=EXIT port=SWITCH|none master=MASTER|none
#
# then the same for `ip -batch` with "nomaster" and "master swa" back to back (the port
# must stay detached: kvs never re-attaches what an admin detached), and "done".

set -u
kvs=$1

port_of() { # DEV: the switch kvs lists it on, or none
	"$kvs" -j port show 2>/dev/null |
		jq -r --arg d "$1" '[.[] | select(.ifname == $d) | .switch][0] // "none"'
}

master_of() {
	ip -j link show dev "$1" 2>/dev/null | jq -r '.[0].master // "none"'
}

attach() { # KIND
	ip link add p type veth peer name q || return 1
	ip link set q up
	ip link set p up
	case $1 in
	vm)    "$kvs" port add dev p switch swa net 10 ;;
	vlan)  "$kvs" port add dev p switch swa fabric vlan ;;
	vxlan) ip addr add 192.0.2.1/24 dev p &&
	       "$kvs" port add dev p switch swa fabric vxlan local 192.0.2.1 ;;
	esac
}

ip link set lo up
ip link add br0 type bridge || echo "# no bridge"
ip link add bond0 type bond 2>/dev/null || echo "# no bond"
"$kvs" switch add swa || exit 1
"$kvs" switch add swb || exit 1
"$kvs" net add 10 switch swa || exit 1
"$kvs" net add 10 switch swb || exit 1

for kind in vm vlan vxlan; do
	for target in nomaster br0 bond0 swb; do
		attach "$kind" || { echo "R $kind $target attach-failed"; ip link del p; continue; }
		if [ "$target" = nomaster ]; then
			out=$(ip link set p nomaster 2>&1)
		else
			out=$(ip link set p master "$target" 2>&1)
		fi
		rc=$?
		[ -n "$out" ] && echo "# $kind $target: $out"
		echo "R $kind $target rc=$rc port=$(port_of p) master=$(master_of p)"
		ip link del p 2>/dev/null
	done
done

for kind in vm vlan; do
	attach "$kind" || { echo "B $kind attach-failed"; continue; }
	out=$(printf '%s\n' "link set p nomaster" "link set p master swa" | ip -force -batch - 2>&1)
	rc=$?
	[ -n "$out" ] && echo "# batch $kind: $out"
	echo "B $kind rc=$rc port=$(port_of p) master=$(master_of p)"
	ip link del p 2>/dev/null
done

"$kvs" switch del swa && "$kvs" switch del swb && echo done
