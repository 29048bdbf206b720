#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# forwarding.sh - one switch, one network, three VMs: objects as the CLI shows
# them, learning, known unicast, flooding, hairpin, MAC moves, counters, the
# switch device's own state; then a switch made with `ip link add type kvs`.
#
#  +-------------+   +-------------+   +-------------+
#  | netns vm1   |   | netns vm2   |   | netns vm3   |
#  | eth0 M1     |   | eth0 M2     |   | eth0 M3     |
#  | 10.0.0.1/24 |   | 10.0.0.2/24 |   | 10.0.0.3/24 |
#  +------|------+   +------|------+   +------|------+
#         | veth            | veth            | veth
#  +------|-----------------|-----------------|------+
#  |     P1                P2                P3      |
#  |        switch $SW, network 100 "blue"           |
#  +-------------------------------------------------+
#
#  +-------------+   +-------------+
#  | netns vm4   |   | netns vm5   |
#  | 10.0.1.4/24 |   | 10.0.1.5/24 |
#  +------|------+   +------|------+
#  +------|-----------------|------+
#  |     P4                P5      |   switch $SW2 (ip link add type kvs),
#  +-------------------------------+   network 7

# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require pkt
kvs_load

SW=k${PID}s
SW2=k${PID}t
NS1=kvs-fwd-$PID-1
NS2=kvs-fwd-$PID-2
NS3=kvs-fwd-$PID-3
NS4=kvs-fwd-$PID-4
NS5=kvs-fwd-$PID-5
M1=02:00:00:10:00:01
M2=02:00:00:10:00:02
M3=02:00:00:10:00:03
TAG=f$PID

mk_switch "$SW"
mk_net "$SW" 100 name blue
mk_vm "$NS1" "$SW" 100 10.0.0.1/24 $M1; P1=$VM_DEV
mk_vm "$NS2" "$SW" 100 10.0.0.2/24 $M2; P2=$VM_DEV
mk_vm "$NS3" "$SW" 100 10.0.0.3/24 $M3; P3=$VM_DEV

# ---- objects as configured --------------------------------------------------

snap
check_eq "kvs switch show lists $SW once" "$(snap_count S 1="$SW")" 1
check_eq "$SW ageing defaults to 300 s" "$(sw_get "$SW" ageing)" 300
check_eq "$SW ifindex is the netdev's" "$(sw_get "$SW" ifindex)" "$(<"/sys/class/net/$SW/ifindex")"
check_match "$SW is a netdev of kind kvs" '^ *kvs ' "$(ip -d link show dev "$SW")"
check_match "kvs switch add brought $SW up" '<.*,UP[,>]' "$(ip -o link show dev "$SW")"
check_eq "network 100 has 3 ports" "$(net_get "$SW" 100 ports)" 3
check_eq "network 100 is named blue" "$(net_get "$SW" 100 name)" blue
check_eq "ip link show master $SW lists the 3 ports" "$(ip_masters "$SW")" "$P1 $P2 $P3"
for p in "$P1" "$P2" "$P3"; do
	check_eq "port $p: switch $SW, type vm, network 100, learning on, no MAC list" \
		"$(port_get "$p" switch) $(port_get "$p" type) $(port_get "$p" net) $(port_get "$p" learning) [$(port_get "$p" macs)]" \
		"$SW vm 100 true []"
done
check_eq "kvs port show dev $P1 shows that port only" \
	"$(kj port show dev "$P1" | jq -r '[.[].ifname] | join(" ")')" "$P1"
check_eq "kvs port show switch $SW lists 3 ports" \
	"$(kj port show switch "$SW" | jq length)" 3
check_eq "no fdb entry before any traffic" "$(snap_count F 1="$SW")" 0

# ---- ping and learning ------------------------------------------------------

declare -A rx0 tx0
for p in "$P1" "$P2" "$P3"; do
	rx0[$p]=$(stat_get "$p" rx_packets)
	tx0[$p]=$(stat_get "$p" tx_packets)
done
sw_rx0=$(link_stat "$SW" rx_packets)
sw_tx0=$(link_stat "$SW" tx_packets)

check "ping vm1 -> vm2" nsping "$NS1" 10.0.0.2 3
check "ping vm2 -> vm1" nsping "$NS2" 10.0.0.1 3
check "ping vm3 -> vm2" nsping "$NS3" 10.0.0.2 3

snap "$SW"
check_eq "M1 learned on $P1" "$(fdb_get "$SW" 100 $M1 dev) $(fdb_get "$SW" 100 $M1 state)" "$P1 learned"
check_eq "M2 learned on $P2" "$(fdb_get "$SW" 100 $M2 dev) $(fdb_get "$SW" 100 $M2 state)" "$P2 learned"
check_eq "M3 learned on $P3" "$(fdb_get "$SW" 100 $M3 dev) $(fdb_get "$SW" 100 $M3 state)" "$P3 learned"
check_eq "exactly 3 fdb entries (no other MAC learned)" "$(snap_count F 1="$SW")" 3
check_eq "port $P1 counts 1 learned MAC" "$(port_get "$P1" learned)" 1
age=$(fdb_get "$SW" 100 $M1 age)
check "age of a fresh entry is a number of seconds below 300" \
	eval "[[ '$age' =~ ^[0-9]+(\.[0-9]+)?\$ ]] && (( \${age%%.*} < 300 ))"

# each port took and delivered at least the 3 echo requests or replies of
# every ping it was part of: P1 2 pings, P2 3 pings, P3 1 ping
check_ge "$P1 rx_packets grew by >= 6" "$(sub "$(stat_get "$P1" rx_packets)" "${rx0[$P1]}")" 6
check_ge "$P1 tx_packets grew by >= 6" "$(sub "$(stat_get "$P1" tx_packets)" "${tx0[$P1]}")" 6
check_ge "$P2 rx_packets grew by >= 9" "$(sub "$(stat_get "$P2" rx_packets)" "${rx0[$P2]}")" 9
check_ge "$P2 tx_packets grew by >= 9" "$(sub "$(stat_get "$P2" tx_packets)" "${tx0[$P2]}")" 9
check_ge "$P3 rx_packets grew by >= 3" "$(sub "$(stat_get "$P3" rx_packets)" "${rx0[$P3]}")" 3
check_ge "$P3 tx_packets grew by >= 3" "$(sub "$(stat_get "$P3" tx_packets)" "${tx0[$P3]}")" 3
check_ge "$P2 rx_bytes >= 9 echo frames of 98 bytes" "$(stat_get "$P2" rx_bytes)" $((9 * 98))
check_ge "$SW netdev rx_packets grew by >= 18" "$(sub "$(link_stat "$SW" rx_packets)" "$sw_rx0")" 18
check_ge "$SW netdev tx_packets grew by >= 18" "$(sub "$(link_stat "$SW" tx_packets)" "$sw_tx0")" 18
# the counters are read one after the other: a late neighbour probe may
# move one of them in between, so these compare until they agree (or not)
totals_agree() { # totals_agree rx|tx
	snap "$SW"
	[ "$(swstat_get "$SW" "$1_packets")" = "$(link_stat "$SW" "$1_packets")" ]
}
totals_sum() {
	snap "$SW"
	[ "$(swstat_get "$SW" rx_packets)" = "$(sum "$(stat_get "$P1" rx_packets)" \
		"$(stat_get "$P2" rx_packets)" "$(stat_get "$P3" rx_packets)")" ]
}
check_within "kvs stats show switch and the netdev agree on rx packets" 5 totals_agree rx ||
	diag "kvs: $(swstat_get "$SW" rx_packets), netdev: $(link_stat "$SW" rx_packets)"
check_within "kvs stats show switch and the netdev agree on tx packets" 5 totals_agree tx ||
	diag "kvs: $(swstat_get "$SW" tx_packets), netdev: $(link_stat "$SW" tx_packets)"
check_within "switch rx total is the sum of its ports' rx" 5 totals_sum ||
	diag "switch: $(swstat_get "$SW" rx_packets), ports: $(stat_get "$P1" rx_packets) $(stat_get "$P2" rx_packets) $(stat_get "$P3" rx_packets)"
drops=0
for d in $DROPS; do
	drops=$(sum "$drops" "$(stat_get "$P1" "$d")")
done
check_eq "no drop on $P1 so far" "$drops" 0
ip_rx() { [[ $(ip -s link show dev "$SW") =~ RX:[^$'\n']*$'\n'\ *[0-9]+\ +$(link_stat "$SW" rx_packets)\  ]]; }
check_within "ip -s link show $SW shows the same rx packets" 5 ip_rx
check_eq "kvs -s port show has the same rx_packets as stats show" \
	"$(kj -s port show dev "$P1" | jq -r '.[0].stats64.rx.packets')" "$(stat_get "$P1" rx_packets)"

# ---- known unicast, flooding, hairpin ----------------------------------------

sniff_start s1 "$NS1" "$TAG"
sniff_start s2 "$NS2" "$TAG"
sniff_start s3 "$NS3" "$TAG"
snap
norte0=$(stat_get "$P1" no_route)
send_frames "$NS1" $M1 $M2 5 "$TAG-uc" + \
	$M1 ff:ff:ff:ff:ff:ff 4 "$TAG-bc" + \
	$M1 01:00:5e:01:02:03 3 "$TAG-mc" + \
	$M1 33:33:00:00:00:fb 3 "$TAG-mc6" + \
	$M1 02:00:00:99:99:99 2 "$TAG-unk" + \
	$M1 $M1 3 "$TAG-hair"
settle
sniff_stop s1 s2 s3
check_sniff "known unicast to M2 reaches vm2 once per frame" s2 "$TAG-uc" 5
check_sniff "known unicast to M2 does not reach vm3" s3 "$TAG-uc" 0
check_sniff "broadcast is flooded to vm2" s2 "$TAG-bc" 4
check_sniff "broadcast is flooded to vm3" s3 "$TAG-bc" 4
check_sniff "broadcast does not come back to vm1" s1 "$TAG-bc" 0
check_sniff "IPv4 multicast is flooded to vm2" s2 "$TAG-mc" 3
check_sniff "IPv4 multicast is flooded to vm3" s3 "$TAG-mc" 3
check_sniff "IPv6 multicast is flooded to vm3" s3 "$TAG-mc6" 3
check_sniff "unknown unicast is flooded to vm2" s2 "$TAG-unk" 2
check_sniff "unknown unicast is flooded to vm3" s3 "$TAG-unk" 2
check_sniff "unknown unicast does not come back to vm1" s1 "$TAG-unk" 0
check_sniff "frames to the sender's own MAC reach nobody (vm1)" s1 "$TAG-hair" 0
check_sniff "frames to the sender's own MAC reach nobody (vm2)" s2 "$TAG-hair" 0
check_sniff "frames to the sender's own MAC reach nobody (vm3)" s3 "$TAG-hair" 0
snap
check_ge "hairpin frames counted as no_route on $P1" "$(sub "$(stat_get "$P1" no_route)" "$norte0")" 3
check_eq "the unknown destination was not learned" "$(fdb_get "$SW" 100 02:00:00:99:99:99 dev)" none

# ---- MAC move (VM migration) -------------------------------------------------

send_frames "$NS3" $M1 $M2 1 "$TAG-move"
check_within "M1 sent from vm3 moves to $P3" 3 fdb_on "$SW" 100 $M1 "$P3"
check "ping vm1 -> vm2 after the move" nsping "$NS1" 10.0.0.2 2
check_eq "M1 back on $P1 after vm1 sent again" "$(fdb_field "$SW" 100 $M1 dev)" "$P1"

# ---- switch down, switch device as a sender ----------------------------------

run ip link set "$SW" down
check "ping vm1 -> vm2 fails while $SW is down" nsping_none "$NS1" 10.0.0.2
run ip link set "$SW" up
check_within "ping vm1 -> vm2 works again once $SW is up" 10 nsping "$NS1" 10.0.0.2 1

txd0=$(link_stat "$SW" tx_dropped)
run ip addr add 10.0.0.254/24 dev "$SW"
check_fail "the switch device is not a host port: ping from it fails" \
	ping -q -n -c 1 -W 1 10.0.0.1
check_ge "frames sent on $SW are counted as tx_dropped" "$(sub "$(link_stat "$SW" tx_dropped)" "$txd0")" 1
run ip addr del 10.0.0.254/24 dev "$SW"

# ---- a switch made by ip link add --------------------------------------------

must ip link add "$SW2" type kvs
defer_link "$SW2"
no_ipv6 "$SW2"
check_nomatch "ip link add leaves $SW2 down" '<.*,UP[,>]' "$(ip -o link show dev "$SW2")"
snap
check_eq "kvs switch show lists $SW2 with ageing 300" "$(sw_get "$SW2" ageing)" 300
must ip link set "$SW2" up
mk_net "$SW2" 7
mk_vm "$NS4" "$SW2" 7 10.0.1.4/24; P4=$VM_DEV
mk_vm "$NS5" "$SW2" 7 10.0.1.5/24; P5=$VM_DEV
check "ping vm4 -> vm5 through $SW2" nsping "$NS4" 10.0.1.5 3
check_eq "ip link show master $SW2 lists its 2 ports" "$(ip_masters "$SW2")" "$P4 $P5"
snap
check_eq "$SW still has its 3 ports" "$(snap_count P 2="$SW")" 3
check "ping vm1 -> vm3 still works on $SW" nsping "$NS1" 10.0.0.3 2

run ip link del "$SW2"
snap
check_eq "ip link del removed $SW2 from kvs switch show" "$(snap_count S 1="$SW2")" 0
check_eq "its port $P4 is detached" "$(port_get "$P4" switch)" none
check_eq "$P4 and $P5 have no master any more" "$(master_of "$P4") $(master_of "$P5")" "none none"
check_eq "fdb of $SW2 is gone" "$(snap_count F 1="$SW2")" 0
check_eq "$SW still has its 3 ports and fdb entries" \
	"$(snap_count P 2="$SW") $(snap_count F 1="$SW")" "3 3"

tests_done
