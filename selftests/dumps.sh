#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dumps.sh - fdb dumps are exact and cheap. A switch holds 10 000 static
# entries while a switch in another netns churns learning (random source
# MACs, short ageing): every dump, through the CLI and raw, lists each
# static entry exactly once and is never interrupted by the other switch.
# Then the switch's own table churns during the dumps (a second VM sends
# random source MACs, ageing 2 s): dumps resume by key, so a raw dump is
# rarely interrupted and complete with no entry twice when it is not, and
# `kvs fdb show` is exact. Last, the entry a paused dump stopped at ages
# out: the dump reports NLM_F_DUMP_INTR. Dumps run under RCU and name
# devices by ifindex; the CLI prints the names.
#
#  init netns                                   | netns C (churn)
#  +-------------+   +-------------+            | +-----------------------+
#  | netns v1    |   | netns v2    |            | | switch $CSW, net 1    |
#  +------|------+   +------|------+            | | c0 <-> c1: kvs_pkt     |
#  +------|-----------------|------+            | | random sources, ageing |
#  |     P1                P2      |            | +-----------------------+
#  |  10 000 static -> P1          |  switch $SW, network 100
#  +-------------------------------+

# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require pkt nlraw awk jq
kvs_load

N=${FDB_SCALE:-10000}
SW=k${PID}s
CSW=k${PID}c
NS1=kvs-dump-$PID-1
NS2=kvs-dump-$PID-2
NSC=kvs-dump-$PID-c
M1=02:00:00:5d:00:01
M2=02:00:00:5d:00:02

mk_switch "$SW"
mk_net "$SW" 100
mk_vm "$NS1" "$SW" 100 - $M1; P1=$VM_DEV
# the second VM learns without a cap: its sources churn the switch's table
mk_vm "$NS2" "$SW" 100 - $M2 max-macs 0
must "$KVS" net set 100 switch "$SW" max-macs 0

# ---- the churning switch, in its own netns ---------------------------------------

mk_ns "$NSC"
must ip netns exec "$NSC" "$KVS" switch add "$CSW" ageing 1
must ip netns exec "$NSC" "$KVS" net add 1 switch "$CSW" max-macs 0
must ip -n "$NSC" link add c0 type veth peer name c1
must ip -n "$NSC" link set c0 up
must ip -n "$NSC" link set c1 up
must ip netns exec "$NSC" "$KVS" port add dev c0 switch "$CSW" net 1 max-macs 0

# churn NETNS DEV PIDFILE : random source MACs out of DEV, a new seed per
# round, until killed
churn() {
	local seed=1
	while :; do
		ip netns exec "$1" "$KVS_PKT" send "$2" random ff:ff:ff:ff:ff:ff \
			count 5000 seed $seed tag churn >/dev/null 2>&1 || nap 0.2
		seed=$((seed + 1))
	done
}

# ---- 10 000 static entries ---------------------------------------------------------

awk -v n="$N" -v sw="$SW" -v dev="$P1" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "fdb add 02:5d:00:00:%02x:%02x net 100 switch %s dev %s\n",
		       int(i / 256), i % 256, sw, dev
}' >"$TMPD/add"
awk -v n="$N" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "02:5d:00:00:%02x:%02x\n", int(i / 256), i % 256
}' >"$TMPD/expected"
must "$KVS" -b "$TMPD/add"

churn "$NSC" c1 &
CHURN_C=$!
defer_pid $CHURN_C

# statics DESC JSON : the static entries of $SW in network 100 on $P1, each
# exactly once, and no entry of any kind twice
# (one jq pass over the 10 000 entries: parsing them is the slow part in a VM)
statics_exact() {
	local desc=$1 json=$2 lines macs dups
	lines=$(jq -r -s --arg sw "$SW" --arg dev "$P1" '
		map(if type == "array" then .[] else . end) | .[] | select(.switch == $sw) |
		"K \(.net) \(.mac)",
		(select((.net | tostring) == "100" and .state == "static" and .ifname == $dev) |
		 "M \(.mac)")' <<<"$json")
	macs=$(sed -n 's/^M //p' <<<"$lines" | sort)
	dups=$(sed -n 's/^K //p' <<<"$lines" | sort | uniq -d | wc -l)
	check_eq "$desc: every static entry exactly once, named $P1" \
		"$(diff <(echo "$macs") "$TMPD/expected" | grep -c '^[<>]')" 0
	check_eq "$desc: no entry listed twice" "$dups" 0
}

nap 2
# frames the churning switch took (its own fdb dump would be interrupted)
rx_c() {
	ip netns exec "$NSC" "$KVS" -j stats show dev c0 |
		jq '[.. | objects | .stats64? | objects | .rx.packets | numbers][0]'
}
c1=$(rx_c)
for i in 1 2; do
	echo "# + kvs -j fdb show switch $SW ($i)"
	out=$(kj fdb show switch "$SW")
	check_eq "kvs fdb show switch $SW ($i, other netns churning): exit 0" "$?" 0
	statics_exact "kvs fdb show switch $SW ($i)" "$out"
done
echo "# + kvs -j fdb show"
out=$(kj fdb show)
check_eq "kvs fdb show (all switches, other netns churning): exit 0" "$?" 0
statics_exact "kvs fdb show" "$out"
c2=$(rx_c)
check_ge "the other netns really churned (c0 rx_packets $c1 -> $c2)" "$(sub "$c2" "$c1")" 1000

echo "# + $KVS_NLRAW -F $SW -R 5"
raw=$("$KVS_NLRAW" -F "$SW" -R 5 2>&1)
_diag_out "$raw"
check_eq "raw dumps: 5 answered" "$(count_lines '^dump .* err 0$' "$raw")" 5
check_eq "raw dumps: a switch churning in another netns never interrupts" \
	"$(count_lines ' intr 1 ' "$raw")" 0
check_eq "raw dumps: all $N static entries, once each, no duplicate" \
	"$(awk -v n="$N" '$1 == "dump" && $5 == n && $7 == n && $9 == 0' <<<"$raw" | wc -l)" 5

kill $CHURN_C 2>/dev/null
wait $CHURN_C 2>/dev/null

# ---- the switch's own table churns -------------------------------------------------
# Dumps resume by key: learning and ageing in the dumped switch itself change
# its table all the time, and its dumps stay exact without being interrupted.

must "$KVS" switch set "$SW" ageing 2
churn "$NS2" eth0 &
CHURN_2=$!
defer_pid $CHURN_2
nap 2

echo "# + $KVS_NLRAW -F $SW -R 10"
raw=$("$KVS_NLRAW" -F "$SW" -R 10 2>&1)
_diag_out "$raw"
check_eq "own churn: 10 raw dumps answered" "$(count_lines '^dump .* err 0$' "$raw")" 10
bad=$(awk -v n="$N" '$1 == "dump" && $11 == 0 &&
	($5 != n || $7 != n || $9 != 0) { print }' <<<"$raw")
check_eq "own churn: every dump without NLM_F_DUMP_INTR is complete, nothing twice" "$bad" ""
intr=$(count_lines ' intr 1 ' "$raw")
diag "$intr of 10 dumps were interrupted"
check_le "own churn: dumps resume by key, learning does not interrupt them (at most 2 of 10)" \
	"$intr" 2

for i in 1 2; do
	echo "# + kvs -j fdb show switch $SW ($i, own table churning)"
	out=$("$KVS" -j fdb show switch "$SW" 2>"$TMPD/err")
	rc=$?
	_diag_out "$(<"$TMPD/err")"
	check_eq "own churn: kvs fdb show ($i) completes" "$rc" 0
	statics_exact "own churn: kvs fdb show ($i)" "$out"
done

kill $CHURN_2 2>/dev/null
wait $CHURN_2 2>/dev/null
# (jq counts them: snap's shell loop took over a minute for 25 000 entries in a VM)
diag "switch $SW holds $("$KVS" -j fdb show switch "$SW" |
	jq -s 'map(if type == "array" then .[] else . end) | length') entries after the churn"

# ---- the entry a dump stopped at goes away ----------------------------------------
# 3000 fresh learned entries sit at the head of the table, before the static
# ones; the dump pauses after its first message while they age out (ageing
# 2 s), so the entry its next round should resume at is gone: that round
# cannot go on exactly and says so.

nap 3
must ip netns exec "$NS2" "$KVS_PKT" send eth0 random ff:ff:ff:ff:ff:ff count 3000 \
	seed 99 tag gone
echo "# + $KVS_NLRAW -F $SW -W 4500"
raw=$("$KVS_NLRAW" -F "$SW" -W 4500 2>&1)
_diag_out "$raw"
check_eq "resume point aged out: the dump answered" "$(count_lines '^dump .* err 0$' "$raw")" 1
check_eq "resume point aged out: NLM_F_DUMP_INTR reported" "$(count_lines ' intr 1 ' "$raw")" 1
check_eq "resume point aged out: still no static entry missing" \
	"$(awk -v n="$N" '$1 == "dump" && $7 == n' <<<"$raw" | wc -l)" 1
out=$(kj fdb show switch "$SW")
check_eq "afterwards kvs fdb show: exit 0" "$?" 0
statics_exact "afterwards kvs fdb show" "$out"

tests_done
