#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# isolation.sh - two tenant networks on one switch with the same addresses
# and MACs, plus a third VM on another switch: no frame of any kind crosses
# a network or a switch, while the same frames do reach the ports of their
# own network (so every "not seen" below could have failed).
#
#  network 100 (A)                 network 200 (B)                | switch $SW2
#  +-----------+ +-----------+    +-----------+ +-----------+ +-----------+ | +-----------+
#  | a1        | | a2        |    | b1        | | b2        | | b3        | | | c1        |
#  | 10.0.0.1  | | 10.0.0.2  |    | 10.0.0.1  | | 10.0.0.2  | | 10.0.0.3  | | | 10.0.0.9  |
#  | M1        | | M2        |    | M1        | | M2        | | M3        | | | M9        |
#  +----|------+ +----|------+    +----|------+ +----|------+ +----|------+ | +----|------+
#  +----|-------------|----------------|-------------|-------------|-----+   | +----|------+
#  |   Pa1           Pa2              Pb1           Pb2           Pb3    |   | |   Pc1     |
#  |                           switch $SW                              |   | | net 100   |
#  +-------------------------------------------------------------------+   | +-----------+
#
# The networks overlap on purpose: the same MAC and IP live in both, so a
# switch that keyed anything by MAC alone would mix them up.

# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require pkt
kvs_load

SW=k${PID}s
SW2=k${PID}t
NA1=kvs-iso-$PID-a1
NA2=kvs-iso-$PID-a2
NB1=kvs-iso-$PID-b1
NB2=kvs-iso-$PID-b2
NB3=kvs-iso-$PID-b3
NC1=kvs-iso-$PID-c1
M1=02:00:00:20:00:01
M2=02:00:00:20:00:02
M3=02:00:00:20:00:03
M9=02:00:00:20:00:09
MS=02:00:00:20:0a:aa	# static entry in network A
MU=02:00:00:20:99:99	# nobody has it
TAG=i$PID

mk_switch "$SW"
mk_net "$SW" 100 name tenant-a
mk_net "$SW" 200 name tenant-b
mk_vm "$NA1" "$SW" 100 10.0.0.1/24 $M1; PA1=$VM_DEV
mk_vm "$NA2" "$SW" 100 10.0.0.2/24 $M2; PA2=$VM_DEV
mk_vm "$NB1" "$SW" 200 10.0.0.1/24 $M1; PB1=$VM_DEV
mk_vm "$NB2" "$SW" 200 10.0.0.2/24 $M2; PB2=$VM_DEV
mk_vm "$NB3" "$SW" 200 10.0.0.3/24 $M3; PB3=$VM_DEV
mk_switch "$SW2"
mk_net "$SW2" 100
mk_vm "$NC1" "$SW2" 100 10.0.0.9/24 $M9; PC1=$VM_DEV

snap
check_eq "network 100 has 2 ports" "$(net_get "$SW" 100 ports)" 2
check_eq "network 200 has 3 ports" "$(net_get "$SW" 200 ports)" 3
check_eq "network 100 of $SW2 has 1 port" "$(net_get "$SW2" 100 ports)" 1

# ---- unicast inside and across -----------------------------------------------

check "ping a1 -> 10.0.0.2 (a2) in network 100" nsping "$NA1" 10.0.0.2 3
check "ping b1 -> 10.0.0.2 (b2) in network 200" nsping "$NB1" 10.0.0.2 3
check "ping b3 -> 10.0.0.1 (b1) in network 200" nsping "$NB3" 10.0.0.1 2
snap
check_eq "M1 learned in network 100 on $PA1" "$(fdb_get "$SW" 100 $M1 dev)" "$PA1"
check_eq "M2 learned in network 100 on $PA2" "$(fdb_get "$SW" 100 $M2 dev)" "$PA2"
check_eq "the same M1 learned in network 200 on $PB1" "$(fdb_get "$SW" 200 $M1 dev)" "$PB1"
check_eq "the same M2 learned in network 200 on $PB2" "$(fdb_get "$SW" 200 $M2 dev)" "$PB2"
check_eq "M3 learned in network 200 only" \
	"$(fdb_get "$SW" 200 $M3 dev) $(fdb_get "$SW" 100 $M3 dev)" "$PB3 none"

# in_echos NETNS : ICMP echo requests NETNS has received so far
in_echos() {
	local l names=() vals=() i
	while IFS= read -r l; do
		[[ $l == Icmp:* ]] || continue
		if [ ${#names[@]} = 0 ]; then
			read -r -a names <<<"$l"
		else
			read -r -a vals <<<"$l"
		fi
	done <<<"$(ip netns exec "$1" cat /proc/net/snmp)"
	for i in "${!names[@]}"; do
		[ "${names[i]}" = InEchos ] && { echo "${vals[i]:-none}"; return; }
	done
	echo none
}

echo_b3=$(in_echos "$NB3")
echo_c1=$(in_echos "$NC1")
check "ping a1 -> 10.0.0.3 (b3, network 200) fails" nsping_none "$NA1" 10.0.0.3
run ip -n "$NA1" neigh replace 10.0.0.3 lladdr $M3 dev eth0 nud permanent
check "ping a1 -> 10.0.0.3 with b3's MAC in the neighbour table fails" nsping_none "$NA1" 10.0.0.3
check "ping a1 -> 10.0.0.9 (c1, other switch) fails" nsping_none "$NA1" 10.0.0.9
check_eq "b3 received none of these echo requests" "$(sub "$(in_echos "$NB3")" "$echo_b3")" 0
check_eq "c1 received none of these echo requests" "$(sub "$(in_echos "$NC1")" "$echo_c1")" 0

# ---- raw frames of every kind ------------------------------------------------

run "$KVS" fdb add $MS net 100 switch "$SW" dev "$PA2"
snap "$SW"
check_eq "static $MS in network 100 on $PA2" \
	"$(fdb_get "$SW" 100 $MS dev) $(fdb_get "$SW" 100 $MS state)" "$PA2 static"
check_eq "no entry for $MS in network 200" "$(fdb_get "$SW" 200 $MS dev)" none
iso0=$(swstat_get "$SW" isolation)

declare -A tx0
for p in "$PA1" "$PA2" "$PB1" "$PB2" "$PB3" "$PC1"; do
	tx0[$p]=$(stat_get "$p" tx_packets)
done
for n in a1 a2 b1 b2 b3 c1; do
	sniff_start "$n" "kvs-iso-$PID-$n" "$TAG"
done

# from network A (a1)
send_frames "$NA1" $M1 ff:ff:ff:ff:ff:ff 3 "$TAG-A-bc" + \
	$M1 01:00:5e:00:00:01 3 "$TAG-A-mc" + \
	$M1 33:33:00:00:00:01 3 "$TAG-A-mc6" + \
	$M1 $MU 3 "$TAG-A-unk" + \
	$M1 $M3 3 "$TAG-A-m3" + \
	$M1 $M2 3 "$TAG-A-m2" + \
	$M1 $MS 3 "$TAG-A-ms"
settle
snap
for p in "$PB1" "$PB2" "$PB3" "$PC1"; do
	check_eq "port $p (network 200 / other switch) sent nothing for network 100 frames" \
		"$(sub "$(stat_get "$p" tx_packets)" "${tx0[$p]}")" 0
done
# (plus, maybe, a late ARP request of a1 for 10.0.0.9)
check_ge "port $PA2 sent the 21 network 100 frames" \
	"$(sub "$(stat_get "$PA2" tx_packets)" "${tx0[$PA2]}")" 21
# from network B (b1)
send_frames "$NB1" $M1 ff:ff:ff:ff:ff:ff 3 "$TAG-B-bc" + \
	$M1 01:00:5e:00:00:01 3 "$TAG-B-mc" + \
	$M1 $MU 3 "$TAG-B-unk" + \
	$M1 $MS 3 "$TAG-B-ms" + \
	$M1 $M2 3 "$TAG-B-m2"
settle
sniff_stop a1 a2 b1 b2 b3 c1

# seen where they belong
check_sniff "A broadcast reaches a2" a2 "$TAG-A-bc" 3
check_sniff "A IPv4 multicast reaches a2" a2 "$TAG-A-mc" 3
check_sniff "A IPv6 multicast reaches a2" a2 "$TAG-A-mc6" 3
check_sniff "A unknown unicast reaches a2" a2 "$TAG-A-unk" 3
check_sniff "A frame to M3 (known in B only) is flooded in A: reaches a2" a2 "$TAG-A-m3" 3
check_sniff "A frame to M2 reaches a2" a2 "$TAG-A-m2" 3
check_sniff "A frame to static $MS reaches a2" a2 "$TAG-A-ms" 3
check_sniff "B broadcast reaches b2" b2 "$TAG-B-bc" 3
check_sniff "B broadcast reaches b3" b3 "$TAG-B-bc" 3
check_sniff "B multicast reaches b3" b3 "$TAG-B-mc" 3
check_sniff "B unknown unicast reaches b2" b2 "$TAG-B-unk" 3
check_sniff "B frame to $MS (static in A only) is flooded in B: reaches b2" b2 "$TAG-B-ms" 3
check_sniff "B frame to $MS reaches b3" b3 "$TAG-B-ms" 3
check_sniff "B frame to M2 reaches b2 (network 200's M2)" b2 "$TAG-B-m2" 3

# never seen anywhere else
for n in b1 b2 b3 c1; do
	for k in bc mc mc6 unk m3 m2 ms; do
		check_sniff "A $k frame not seen by $n" "$n" "$TAG-A-$k" 0
	done
done
for n in a1 a2 c1; do
	for k in bc mc unk ms m2; do
		check_sniff "B $k frame not seen by $n" "$n" "$TAG-B-$k" 0
	done
done
check_sniff "B frame to M2 not seen by b3 (known unicast)" b3 "$TAG-B-m2" 0
snap "$SW"
check_eq "$MS still static on $PA2 only" \
	"$(fdb_get "$SW" 100 $MS dev) $(fdb_get "$SW" 200 $MS dev)" "$PA2 none"
check_eq "no isolation drop was needed (nothing tried to cross)" \
	"$(sub "$(swstat_get "$SW" isolation)" "$iso0")" 0

tests_done
