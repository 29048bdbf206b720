#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fdbscale.sh - 10 000 static fdb entries through `kvs -b`: all of them show
# in a (multi-part) dump exactly once, they forward, they all go away with
# one batch of deletes, and a switch that holds 10 000 entries is deleted
# cleanly.
#
#  +-------------+   +-------------+
#  | netns v1    |   | netns v2    |
#  +------|------+   +------|------+
#  +------|-----------------|------+
#  |     P1                P2      |   switch $SW, network 100
#  |  02:aa:00:00:00:00 ..         |   10 000 static entries -> P1
#  |  02:aa:00:00:27:0f            |
#  +-------------------------------+

# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require pkt
kvs_load

N=${FDB_SCALE:-10000}
SW=k${PID}s
NS1=kvs-fdb-$PID-1
NS2=kvs-fdb-$PID-2
M1=02:00:00:50:00:01
M2=02:00:00:50:00:02
TAG=d$PID

mk_switch "$SW"
mk_net "$SW" 100
mk_vm "$NS1" "$SW" 100 - $M1; P1=$VM_DEV
mk_vm "$NS2" "$SW" 100 - $M2; P2=$VM_DEV
snap
check_eq "no fdb entry before the test" "$(snap_count F 1="$SW")" 0

mac_n() { printf '02:aa:00:00:%02x:%02x' $(($1 >> 8)) $(($1 & 255)); }

# batch FILE VERB : N fdb commands for entries 0 .. N-1
batch() {
	local i m
	for ((i = 0; i < N; i++)); do
		printf -v m '02:aa:00:00:%02x:%02x' $((i >> 8)) $((i & 255))
		if [ "$2" = add ]; then
			echo "fdb add $m net 100 switch $SW dev $P1"
		else
			echo "fdb del $m net 100 switch $SW"
		fi
	done >"$1"
}

# entries [FIELD=VALUE]... : how many fdb entries of $SW there are, and how
# many distinct (network, MAC) pairs among them
entries() {
	local l f n=0 ok kv
	declare -A seen=()
	while IFS= read -r l; do
		[[ $l == "F|$SW|"* ]] || continue
		IFS='|' read -r -a f <<<"$l"
		ok=1
		for kv; do
			[ "${f[${kv%%=*}]}" = "${kv#*=}" ] || { ok=0; break; }
		done
		[ $ok = 1 ] || continue
		n=$((n + 1))
		seen["${f[2]} ${f[3]}"]=1
	done <<<"$SNAP"
	echo "$n ${#seen[@]}"
}

batch "$TMPD/add" add
batch "$TMPD/del" del
check_eq "the batch files have $N lines each" \
	"$(count_lines . "$(<"$TMPD/add")") $(count_lines . "$(<"$TMPD/del")")" "$N $N"

t0=$SECONDS
check "kvs -b adds $N static entries" "$KVS" -b "$TMPD/add"
diag "adding $N entries took about $((SECONDS - t0)) s"
snap
check_eq "the dump has $N static entries on $P1 in network 100, each once" \
	"$(entries 2=100 4="$P1" 5=static)" "$N $N"
check_eq "the dump has nothing else" "$(entries)" "$N $N"
check_eq "filtered by network: $N entries" \
	"$(kj fdb show switch "$SW" net 100 | jq length)" "$N"
for i in 0 $((N / 2)) $((N - 1)); do
	m=$(mac_n $i)
	check_eq "entry $i ($m) is static on $P1" \
		"$(fdb_get "$SW" 100 "$m" dev) $(fdb_get "$SW" 100 "$m" state)" "$P1 static"
done

m=$(mac_n $((N - 2)))
sniff_start v1 "$NS1" "$TAG"
send_frames "$NS2" $M2 "$m" 2 "$TAG-st"
settle
check_sniff "a frame to static entry $((N - 2)) reaches $P1" v1 "$TAG-st" 2
snap
check_eq "traffic did not change the static entries" "$(entries 5=static)" "$N $N"
check_eq "M2 learned besides them" "$(fdb_get "$SW" 100 $M2 dev)" "$P2"

t0=$SECONDS
check "kvs -b deletes the $N entries" "$KVS" -b "$TMPD/del"
diag "deleting $N entries took about $((SECONDS - t0)) s"
snap
check_eq "no static entry left" "$(entries 5=static)" "0 0"
check_eq "the learned M2 was not deleted" "$(fdb_get "$SW" 100 $M2 dev)" "$P2"
kvs_err "deleting a deleted entry is refused" "" \
	"$KVS" fdb del "$(mac_n 0)" net 100 switch "$SW"

check "kvs -b adds $N static entries again" "$KVS" -b "$TMPD/add"
snap
check_eq "$N entries again" "$(entries 5=static)" "$N $N"
t0=$SECONDS
check "kvs switch del $SW with $N entries" "$KVS" switch del "$SW"
diag "deleting the switch took about $((SECONDS - t0)) s"
snap
check_eq "$SW is gone" "$(snap_count S 1="$SW")" 0
check_eq "no fdb entry of $SW is left" "$(entries)" "0 0"
check_eq "$P1 has no master" "$(master_of "$P1")" none

tests_done
