#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lifecycle.sh - objects go away in every possible order and take exactly
# what depends on them: a port's netdev deleted or moved to another netns,
# a network deleted, a switch deleted with ports, a netns holding a switch
# deleted, `modprobe -r kvs` with everything live and a reload after it.
# Devices that cannot be ports are refused with a reason, and nothing
# changes. The kernel's "created/destroyed", "attached/detached" debug lines
# must pair up.
#
#  +-----+ +-----+ +-----+ +-----+     +-----+ +-----+          +-----+
#  | v1  | | v2  | | v3  | | v4  |     | v5  | | v6  |          | v7  |
#  +--|--+ +--|--+ +--|--+ +--|--+     +--|--+ +--|--+          +--|--+
#  +--|-------|-------|-------|-----------|-------|--+       +-----|----+
#  |  P1      P2      P3      P4          P5      P6 |       |     P7   |
#  |  network 100 (P3 deleted, P4 moved)  net 200    |       |  net 7   |
#  |                switch $SW                       |       | $SW2     |
#  +-------------------------------------------------+       +----------+
#
#  netns $NSW: switch $SWN, network 1, ports wa (veth wa<->wb inside) and
#  wc (veth wc<->$PW, $PW in the init netns); then the netns is deleted.
#
#  refused as ports: lo, $SW itself, $SW2, a bridge port, a macvlan lower
#  device, a tun device, a missing device, a device in another netns, an
#  attached port; `ip link set P1 master $SW2` (a port of $SW moved to another
#  kvs switch) is refused and P1 stays on $SW as it was.

# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require
kvs_load

SW=k${PID}s
SW2=k${PID}t
SWN=k${PID}n
BR=k${PID}br
NSW=kvs-life-$PID-sw
PW=k${PID}w
M1=02:00:00:80:00:01
M2=02:00:00:80:00:02
M3=02:00:00:80:00:03
MS=02:00:00:80:00:99
NS1=kvs-life-$PID-1
NS2=kvs-life-$PID-2
NS3=kvs-life-$PID-3
NS4=kvs-life-$PID-4
NS5=kvs-life-$PID-5
NS6=kvs-life-$PID-6
NS7=kvs-life-$PID-7

mk_switch "$SW"
mk_net "$SW" 100
mk_net "$SW" 200
mk_vm "$NS1" "$SW" 100 10.0.0.1/24 $M1; P1=$VM_DEV
mk_vm "$NS2" "$SW" 100 10.0.0.2/24 $M2; P2=$VM_DEV
mk_vm "$NS3" "$SW" 100 10.0.0.3/24 $M3; P3=$VM_DEV
mk_vm "$NS4" "$SW" 100 10.0.0.4/24; P4=$VM_DEV
mk_vm "$NS5" "$SW" 200 10.0.0.5/24; P5=$VM_DEV
mk_vm "$NS6" "$SW" 200 10.0.0.6/24; P6=$VM_DEV
snap
check_eq "network 100 has 4 ports, 200 has 2" \
	"$(net_get "$SW" 100 ports) $(net_get "$SW" 200 ports)" "4 2"

# ---- a port's netdev goes away ---------------------------------------------------

check "ping v1 -> v3" nsping "$NS1" 10.0.0.3 2
run "$KVS" fdb add $MS net 100 switch "$SW" dev "$P3"
snap
check_eq "M3 learned on $P3, $MS static on it" \
	"$(fdb_get "$SW" 100 $M3 dev) $(fdb_get "$SW" 100 $MS dev)" "$P3 $P3"
run ip link del "$P3"
snap
check_eq "ip link del $P3: port gone from kvs port show" "$(port_get "$P3" switch)" none
check_eq "its learned entry M3 is gone" "$(fdb_get "$SW" 100 $M3 dev)" none
check_eq "its static entry is gone" "$(fdb_get "$SW" 100 $MS dev)" none
check_eq "network 100 counts 3 ports" "$(net_get "$SW" 100 ports)" 3
check "ping v1 -> v2 still works" nsping "$NS1" 10.0.0.2 2

run ip link set "$P4" netns "$NS4"
snap
check_eq "$P4 moved to another netns: port gone" "$(port_get "$P4" switch)" none
check_eq "$P4 exists in $NS4 without master" "$(master_of "$P4" "$NS4")" none
check_eq "network 100 counts 2 ports" "$(net_get "$SW" 100 ports)" 2

# ---- a network goes away -----------------------------------------------------------

check "kvs net del 200" "$KVS" net del 200 switch "$SW"
snap
check_eq "network 200 is gone" "$(snap_count N 1="$SW" 2=200)" 0
check_eq "$P5 and $P6 detached" "$(port_get "$P5" switch) $(port_get "$P6" switch)" "none none"
check_eq "$P5 and $P6 still exist without master" "$(master_of "$P5") $(master_of "$P6")" "none none"
check "$P5 can be attached again to network 100" "$KVS" port add dev "$P5" switch "$SW" net 100
check "ping v5 -> v1 through network 100" nsping "$NS5" 10.0.0.1 2
check "and detached again" "$KVS" port del dev "$P5"
check_eq "$P5 has no master after port del" "$(master_of "$P5")" none

# ---- refusals ------------------------------------------------------------------------

mk_switch "$SW2"
mk_net "$SW2" 7
snap
ports0=$(snap_list P 1)
defer_link "k${PID}b"
defer_link "k${PID}m"
defer_link "k${PID}o"
defer_link "$BR"
ipb <<EOF
link add k${PID}b type veth peer name k${PID}B
link add $BR type bridge
link set k${PID}b master $BR
link add k${PID}m type veth peer name k${PID}M
link add link k${PID}m name k${PID}mv type macvlan mode bridge
link add k${PID}o type veth peer name k${PID}O
link set k${PID}o netns $NS1
EOF

kvs_refused "lo is refused" "" "$KVS" port add dev lo switch "$SW" net 100
kvs_refused "the switch itself is refused" "" "$KVS" port add dev "$SW" switch "$SW" net 100
kvs_refused "another kvs switch is refused" "" "$KVS" port add dev "$SW2" switch "$SW" net 100
kvs_refused "a bridge port is refused, naming the bridge" "bridge" \
	"$KVS" port add dev "k${PID}b" switch "$SW" net 100
kvs_refused "a device with a macvlan on it is refused" "" \
	"$KVS" port add dev "k${PID}m" switch "$SW" net 100
kvs_refused "a device that does not exist is refused" "" \
	"$KVS" port add dev "k${PID}none" switch "$SW" net 100
kvs_refused "a device in another netns is refused" "" \
	"$KVS" port add dev "k${PID}o" switch "$SW" net 100
kvs_refused "an attached port is refused (same switch)" "" \
	"$KVS" port add dev "$P1" switch "$SW" net 100
kvs_refused "an attached port is refused (other switch)" "" \
	"$KVS" port add dev "$P1" switch "$SW2" net 7
kvs_refused "a network that does not exist is refused" "" \
	"$KVS" port add dev "k${PID}B" switch "$SW" net 999
modprobe tun 2>/dev/null
if ip tuntap add dev "k${PID}tun" mode tun 2>/dev/null; then
	defer_link "k${PID}tun"
	kvs_refused "a non-Ethernet (tun) device is refused" "" \
		"$KVS" port add dev "k${PID}tun" switch "$SW" net 100
else
	skip "a non-Ethernet (tun) device is refused" "cannot create a tun device here"
fi
snap
check_eq "kvs port show unchanged by the refusals" "$(snap_list P 1)" "$ports0"
check_eq "the bridge port still has master $BR" "$(master_of "k${PID}b")" "$BR"
check_fail "ip link set master $SW cannot attach a port (it needs a network)" \
	ip link set "k${PID}M" master "$SW"
check_eq "k${PID}M has no master" "$(master_of "k${PID}M")" none
check_fail "a kvs switch cannot move to another netns" ip link set "$SW" netns "$NS1"
check "$SW is still here" link_exists "$SW"

# a port of $SW moved to another kvs switch by `ip link set master`: the kernel
# detaches it from $SW first (as it does a bridge port moved to a bond), then $SW2
# refuses it (no network): it ends with no master and no entry, nothing on $SW2
run "$KVS" port set dev "$P1" mac $M1 max-macs 7
snap
st0="$(port_get "$P1" switch) $(port_get "$P1" net) $(port_get "$P1" macs) $(port_get "$P1" max_macs)"
check_eq "$P1: $SW, network 100, mac M1, max-macs 7" "$st0" "$SW 100 $M1 7"
echo "# + ip link set $P1 master $SW2"
out=$(ip link set "$P1" master "$SW2" 2>&1)
rc=$?
_diag_out "$out"
check_eq "ip link set $P1 master $SW2 (another kvs switch) is refused" "$([ $rc -ne 0 ] && echo refused || echo "exit $rc")" refused
check_match "with a message about kvs or the port" 'kvs|port' "$out"
snap
check_eq "$P1 left $SW cleanly: no port, no master" \
	"$(port_get "$P1" switch) $(master_of "$P1")" "none none"
check_eq "ip link show master $SW2 lists nothing" "$(ip_masters "$SW2")" ""
check_eq "$SW2 has no port" "$(snap_count P 2="$SW2")" 0
check_eq "M1 is no longer static on $P1" "$(fdb_get "$SW" 100 $M1 dev)" none
must "$KVS" port add dev "$P1" switch "$SW" net 100

# the kernel lets `ip link` take a port away from its master: kvs must let go
run ip link set "$P2" nomaster
snap
check_eq "ip link set $P2 nomaster detaches it" "$(port_get "$P2" switch) $(master_of "$P2")" "none none"
if run ip link set "$P1" master "$BR"; then
	snap
	check_eq "ip link set $P1 master $BR moves it out of $SW" \
		"$(port_get "$P1" switch) $(master_of "$P1")" "none $BR"
	run ip link set "$P1" nomaster
else
	snap
	check_eq "ip link set $P1 master $BR is refused, $P1 stays on $SW" \
		"$(port_get "$P1" switch) $(master_of "$P1")" "$SW $SW"
	run "$KVS" port del dev "$P1"
fi
check_eq "network 100 counts 0 ports" "$(net_get "$SW" 100 ports)" 0
check "$P1 attaches again" "$KVS" port add dev "$P1" switch "$SW" net 100
check "$P2 attaches again" "$KVS" port add dev "$P2" switch "$SW" net 100
check "ping v1 -> v2 after all that" nsping "$NS1" 10.0.0.2 2

# ---- ip link master/nomaster on every kind of port, as root and from a user namespace --
# kvs_master.sh (in a new netns) prints one "R KIND TARGET rc= port= master=" line for
# each; a fabric port has no network, and this once oopsed the host (issue 18)

modprobe -q bonding max_bonds=0 2>/dev/null	# a user namespace cannot load it
master_want=(
	"R vm nomaster rc=0 port=none master=none"
	"R vm br0 rc=0 port=none master=br0"
	"R vm swb rc=2 port=none master=none"
	"R vlan nomaster rc=0 port=none master=none"
	"R vlan br0 rc=0 port=none master=br0"
	"R vlan swb rc=2 port=none master=none"
	"R vxlan nomaster rc=0 port=swa master=none"
	"R vxlan br0 rc=0 port=swa master=br0"
	"R vxlan swb rc=2 port=swa master=none"
	"B vm rc=1 port=none master=none"
	"B vlan rc=1 port=none master=none"
)
for who in root userns; do
	if [ $who = root ]; then
		out=$(unshare --net "$(dirname "$0")/kvs_master.sh" "$KVS" 2>&1)
	else
		out=$(unshare --user --map-root-user --net "$(dirname "$0")/kvs_master.sh" \
			"$(command -v "$KVS")" 2>&1)
	fi
	_diag_out "$out"
	for w in "${master_want[@]}"; do
		read -r r k t _ <<<"$w"
		case $r:$t in
		B:*)        d="ip -batch: nomaster, then master swa (stays detached)" ;;
		*:nomaster) d="ip link set nomaster" ;;
		*:swb)      d="ip link set master of another kvs switch" ;;
		*)          d="ip link set master $t (a bridge)" ;;
		esac
		check_eq "$who: $d, $k port" "$(grep -F "${w%% rc=*} rc=" <<<"$out")" "$w"
	done
	bond=$(grep -E '^R (vm|vlan) bond0 ' <<<"$out")
	if grep -q '^# no bond' <<<"$out"; then
		skip "$who: ip link set master bond0" "no bonding on this kernel"
	else
		check_eq "$who: ip link set master bond0 takes vm and vlan ports out of kvs" \
			"$(grep -c 'port=none' <<<"$bond")" 2
	fi
	check_match "$who: both switches deleted at the end" '^done$' "$out"
done

# ---- a switch with networks and ports goes away -----------------------------------------

mk_vm "$NS7" "$SW2" 7 10.0.7.7/24; P7=$VM_DEV
run "$KVS" port add dev "k${PID}B" switch "$SW2" net 7
run "$KVS" fdb add $MS net 7 switch "$SW2" dev "$P7"
snap
check_eq "$SW2 has 2 ports" "$(snap_count P 2="$SW2")" 2
check "kvs switch del $SW2 with ports, a network and fdb" "$KVS" switch del "$SW2"
check_fail "$SW2 is gone" link_exists "$SW2"
snap
check_eq "kvs switch show does not list it" "$(snap_count S 1="$SW2")" 0
check_eq "its ports are detached" "$(snap_count P 2="$SW2")" 0
check_eq "$P7 and k${PID}B survive without master" \
	"$(master_of "$P7") $(master_of "k${PID}B")" "none none"
check_eq "its networks and fdb entries are gone" \
	"$(snap_count N 1="$SW2") $(snap_count F 1="$SW2")" "0 0"
check_eq "$SW kept its ports" "$(snap_count P 2="$SW")" 2

# ---- a netns holding a switch goes away -----------------------------------------------------

mk_ns "$NSW"
defer_link "$PW"
must ip netns exec "$NSW" "$KVS" switch add "$SWN"
must ip netns exec "$NSW" "$KVS" net add 1 switch "$SWN"
ipb <<EOF
link add $PW type veth peer name wc netns $NSW
EOF
ipb -n "$NSW" <<EOF
link add wa type veth peer name wb
link set wa up
link set wc up
EOF
must ip netns exec "$NSW" "$KVS" port add dev wa switch "$SWN" net 1
must ip netns exec "$NSW" "$KVS" port add dev wc switch "$SWN" net 1
check_eq "kvs -n $NSW port show lists wa and wc" \
	"$(kj -n "$NSW" port show | jq -r '[.[].ifname] | sort | join(" ")')" "wa wc"
snap
check_eq "the init netns does not see $SWN" "$(snap_count S 1="$SWN")" 0
check_eq "ports wa and wc are not visible from the init netns" \
	"$(snap_count P 1=wa) $(snap_count P 1=wc)" "0 0"
run ip netns del "$NSW"
check_within "the netns is cleaned up (its veth peer $PW disappears)" 30 eval "! link_exists $PW"
if dyndbg_on; then
	check_within "the kernel logged switch $SWN destroyed" 10 \
		eval "matches 'kvs: switch $SWN destroyed' \"\$(since_mark)\""
else
	skip "the kernel logged switch $SWN destroyed" "kvs dynamic debug is off"
fi

# ---- modprobe -r with everything live --------------------------------------------------------

check "ping v1 -> v2 before unloading" nsping "$NS1" 10.0.0.2 2
run "$KVS" fdb add $MS net 100 switch "$SW" dev "$P2"
snap
check_eq "fdb has M1, M2 and a static entry" "$(snap_count F 1="$SW" 2=100)" 3
mk_switch "$SW2"
if [ -e /sys/module/kvs/refcnt ] || [ -e /sys/module/kvs/initstate ]; then
	check "modprobe -r kvs with live switches, ports and fdb" modprobe -r kvs
	check_fail "the module is gone" kvs_loaded
	check_fail "$SW is gone" link_exists "$SW"
	check_fail "$SW2 is gone" link_exists "$SW2"
	check_eq "$P1 and $P2 survive without master" "$(master_of "$P1") $(master_of "$P2")" "none none"
	if dyndbg_on; then
		log=$(since_mark)
		for s in "$SW" "$SW2" "$SWN"; do
			check_eq "switch $s: as many 'destroyed' as 'created' lines" \
				"$(count_lines "kvs: switch $s destroyed\$" "$log")" \
				"$(count_lines "kvs: switch $s created\$" "$log")"
		done
		for p in "$P1" "$P2" "$P3" "$P4" "$P5" "$P6" "$P7" "k${PID}B" wa wc; do
			check_eq "port $p: as many 'detached' as 'attached' lines" \
				"$(count_lines "kvs: port $p detached\$" "$log")" \
				"$(count_lines "kvs: port $p attached\$" "$log")"
		done
	else
		skip "created/destroyed and attached/detached pairs" "kvs dynamic debug is off"
	fi

	check "modprobe kvs again" modprobe kvs
	snap
	check_eq "the CLI works after the reload, no switch of before came back" \
		"$(snap_count S 1="$SW") $(snap_count S 1="$SW2") [$SNAP_ERR]" "0 0 []"
	mk_switch "$SW"
	mk_net "$SW" 100
	run "$KVS" port add dev "$P1" switch "$SW" net 100
	run "$KVS" port add dev "$P2" switch "$SW" net 100
	check "ping v1 -> v2 after the reload" nsping "$NS1" 10.0.0.2 3
	check_eq "M1 learned again after the reload" "$(fdb_field "$SW" 100 $M1 dev)" "$P1"
else
	skip "modprobe -r kvs with live objects" "kvs is built in"
fi

tests_done
