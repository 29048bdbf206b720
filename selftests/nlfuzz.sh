#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nlfuzz.sh - the kvs generic netlink family under kvs_nlfuzz: thousands of
# random, truncated, oversized, wrongly nested, duplicated and out-of-range
# requests for every command, from root and (in forked children) from uid
# 65534 and from root without CAP_NET_ADMIN, interleaved with a script of
# valid changes the fuzzer keeps a model of, while two namespaces ping each
# other through another kvs switch. Afterwards: the fuzzer's dumps matched
# its model, the traffic switch is unchanged and still forwards, and the
# kernel log is clean.
#
#  netns a (10.9.0.1) --- $SW net 10 --- netns b (10.9.0.2)   ping -i 0.2
#  k<pid>d0..d5 (veth, peers down in netns f): the fuzzer's free devices,
#  attached to and detached from its switches kf<pid>0..2; k<pid>d6..d7
#  for its sandbox switches kf<pid>z0..z2 (random well-formed requests)
#
# NLFUZZ_SEED, NLFUZZ_COUNT (default 20000) and NLFUZZ_SECONDS (default 45)
# override the fuzzer's -s, -n and -t. The seed is printed either way.

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

KVS_NLFUZZ=$SELFTEST_DIR/kvs_nlfuzz
kvs_require ping
[ -x "$KVS_NLFUZZ" ] || skip_all "$KVS_NLFUZZ missing (run make -C selftests)"
kvs_load

SW=k${PID}s
NSA=kvs-nlfuzz-$PID-a
NSB=kvs-nlfuzz-$PID-b
NSF=kvs-nlfuzz-$PID-f
FZ=kf$PID
COUNT=${NLFUZZ_COUNT:-20000}
SECS=${NLFUZZ_SECONDS:-45}

mk_switch "$SW"
mk_net "$SW" 10
mk_vm "$NSA" "$SW" 10 10.9.0.1/24 02:00:00:9f:00:01
mk_vm "$NSB" "$SW" 10 10.9.0.2/24 02:00:00:9f:00:02

# the fuzzer's devices: veths whose peers stay down, so no frame ever
# reaches its switches and every fdb entry there is one it configured
mk_ns "$NSF"
cmds=
devs=
zdevs=
for i in 0 1 2 3 4 5 6 7; do
	cmds+="link add k${PID}d$i type veth peer name p$i netns $NSF"$'\n'
	defer_link "k${PID}d$i"
	if [ $i -lt 6 ]; then
		devs+=${devs:+,}k${PID}d$i
	else
		zdevs+=${zdevs:+,}k${PID}d$i
	fi
done
ipb <<<"${cmds%$'\n'}"
defer_cmd "for s in 0 1 2 z0 z1 z2; do $KVS switch del ${FZ}\$s; done"

check "ping through $SW before the fuzzing" nsping "$NSA" 10.9.0.2
before=$(kvs_state)

# traffic during the whole run
ip netns exec "$NSA" ping -q -n -i 0.2 -w "$((SECS + 30))" 10.9.0.2 >"$TMPD/ping" 2>&1 &
PING_PID=$!
defer_pid $PING_PID

args=(-p "$FZ" -d "$devs" -z "$zdevs" -n "$COUNT" -t "$SECS")
[ -n "${NLFUZZ_SEED:-}" ] && args+=(-s "$NLFUZZ_SEED")
echo "# + $KVS_NLFUZZ ${args[*]}"
start=$SECONDS
out=$("$KVS_NLFUZZ" "${args[@]}" 2>&1)
rc=$?
_diag_out "$out"
diag "kvs_nlfuzz took $((SECONDS - start)) s"
seed=$(sed -n 's/^# seed \([0-9]*\) .*/\1/p' <<<"$out")
check_eq "kvs_nlfuzz exit status (seed ${seed:-?})" "$rc" 0
check_ge "kvs_nlfuzz ran its checks" "$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' <<<"$out")" 7
check_eq "kvs_nlfuzz: no failed check" "$(grep -c '^not ok' <<<"$out")" 0
steps=$(sed -n 's/^# parent: \([0-9]*\) steps.*/\1/p' <<<"$out")
check_ge "kvs_nlfuzz sent at least 1000 requests" "${steps:-0}" 1000

kill -INT $PING_PID 2>/dev/null
wait $PING_PID 2>/dev/null
pingout=$(<"$TMPD/ping")
_diag_out "$(tail -n 3 <<<"$pingout")"
received=0
[[ $pingout =~ ([0-9]+)\ received ]] && received=${BASH_REMATCH[1]}
check_ge "ping got replies while the fuzzer ran" "$received" 10

check "ping through $SW after the fuzzing" nsping "$NSA" 10.9.0.2
after=$(kvs_state)
check_eq "the traffic switch's state is unchanged, no fuzzer switch left" "$after" "$before"
snap
check_eq "no port of a fuzzer switch left" "$(snap_count P 2="${FZ}0") $(snap_count P 2="${FZ}1") $(snap_count P 2="${FZ}2")" "0 0 0"
check_eq "the fuzzer's devices are free" "$(master_of k${PID}d0)$(master_of k${PID}d5)$(master_of k${PID}d7)" "nonenonenone"

dmesg_checkpoint "kernel log clean while fuzzing"
tests_done
