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

kvs_require pkt awk
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

# batch FILE VERB : N fdb commands for entries 0 .. N-1 (awk: fast in the VM)
batch() {
	awk -v n="$N" -v verb="$2" -v sw="$SW" -v dev="$P1" 'BEGIN {
		for (i = 0; i < n; i++) {
			mac = sprintf("02:aa:00:00:%02x:%02x", int(i / 256), i % 256)
			if (verb == "add")
				printf "fdb add %s net 100 switch %s dev %s\n", mac, sw, dev
			else
				printf "fdb del %s net 100 switch %s\n", mac, sw
		}
	}' >"$1"
}

# fdbq : one dump of the whole fdb (all switches), answered by one jq: "<entries of $SW> <distinct (net, MAC) among them> <static on $P1
# in 100> <learned> <entries of other switches on our ports>", then the dev
# and state of the entries 0, N/2 and N-1
fdbq() {
	local out
	out=$("$KVS" -j fdb show) || { echo "kvs fdb show failed"; return; }
	jq -r --arg sw "$SW" --arg p1 "$P1" --arg m0 "$(mac_n 0)" \
		--arg m1 "$(mac_n $((N / 2)))" --arg m2 "$(mac_n $((N - 1)))" '
		def ours: map(select(.switch == $sw));
		(ours) as $e |
		"\($e | length) \($e | map("\(.net) \(.mac)") | unique | length) \($e | map(select(.ifname == $p1 and .state == "static" and .net == 100)) | length) \($e | map(select(.state == "learned")) | length)",
		($m0, $m1, $m2 | . as $m | [$e[] | select(.mac == $m and .net == 100)] |
			if length == 1 then "\(.[0].ifname) \(.[0].state)" else "\(length) entries" end)
	' <<<"$out"
}

batch "$TMPD/add" add
batch "$TMPD/del" del
check_eq "the batch files have $N lines each" "$(wc -l <"$TMPD/add") $(wc -l <"$TMPD/del")" "$N $N"

t0=$SECONDS
check "kvs -b adds $N static entries" "$KVS" -b "$TMPD/add"
diag "adding $N entries took about $((SECONDS - t0)) s"
mapfile -t q <<<"$(fdbq)"
check_eq "the dump has $N entries, $N distinct, $N static on $P1, none learned" \
	"${q[0]}" "$N $N $N 0"
check_eq "entries 0, $((N / 2)) and $((N - 1)) are static on $P1" \
	"${q[1]:-} / ${q[2]:-} / ${q[3]:-}" "$P1 static / $P1 static / $P1 static"
check_eq "filtered by network: $N entries" \
	"$(kj fdb show switch "$SW" net 100 | jq length)" "$N"

m=$(mac_n $((N - 2)))
sniff_start v1 "$NS1" "$TAG"
send_frames "$NS2" $M2 "$m" 2 "$TAG-st"
settle
check_sniff "a frame to static entry $((N - 2)) reaches $P1" v1 "$TAG-st" 2
mapfile -t q <<<"$(fdbq)"
check_eq "then the dump has the $N static entries and the learned M2" "${q[0]}" \
	"$((N + 1)) $((N + 1)) $N 1"
check_eq "M2 learned on $P2" "$(fdb_field "$SW" 100 $M2 dev)" "$P2"

t0=$SECONDS
check "kvs -b deletes the $N entries" "$KVS" -b "$TMPD/del"
diag "deleting $N entries took about $((SECONDS - t0)) s"
mapfile -t q <<<"$(fdbq)"
check_eq "only the learned M2 is left" "${q[0]}" "1 1 0 1"
kvs_refused "deleting a deleted entry is refused" "" \
	"$KVS" fdb del "$(mac_n 0)" net 100 switch "$SW"

check "kvs -b adds $N static entries again" "$KVS" -b "$TMPD/add"
mapfile -t q <<<"$(fdbq)"
check_eq "$N static entries again" "${q[0]}" "$((N + 1)) $((N + 1)) $N 1"
t0=$SECONDS
check "kvs switch del $SW with $N entries" "$KVS" switch del "$SW"
diag "deleting the switch took about $((SECONDS - t0)) s"
mapfile -t q <<<"$(fdbq)"
check_eq "no fdb entry of $SW is left" "${q[0]}" "0 0 0 0"
snap
check_eq "$SW is gone" "$(snap_count S 1="$SW")" 0
check_eq "$P1 has no master" "$(master_of "$P1")" none

tests_done
