#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvsd.sh - the daemon (issue 11): a declarative configuration that kvsd
# applies and keeps; SIGHUP reloads it; it re-creates everything when the
# module comes back (rmmod; modprobe) and attaches a port when its netdev
# appears, within a second, without polling; it never touches objects it
# did not create; the RPC socket attaches, detaches, lists, answers health,
# refuses bad requests with a JSON error and changes nothing, survives
# garbage and clients that go away; RPC attachments survive a kvsd restart
# and a module reload; kvs events are logged, policy drops rate-limited.
#
#  netns a (VM port, configured)  netns b (RPC port)  netns c (appears late)
#        Pa                           Pb                   Pc
#  +-----|----------------------------|--------------------|----+
#  |                 switch $SW (kvsd's)    nets 10, 20           |
#  +--------------------------------------------------------------+
#  switch $ADM: the admin's own, made with kvs: kvsd must leave it alone
# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require pkt jq python3
command -v kvsd >/dev/null || skip_all "kvsd not built (make tools)"
kvs_load

RPC=$SELFTEST_DIR/kvs_rpc.py
SW=k${PID}s
ADM=k${PID}adm
NSA=kvs-kd-$PID-a
NSB=kvs-kd-$PID-b
NSC=kvs-kd-$PID-c
PA=k${PID}a
PB=k${PID}b
PC=k${PID}c
MA=02:00:00:d0:00:0a
MB=02:00:00:d0:00:0b
MC=02:00:00:d0:00:0c
CONF=$TMPD/kvsd.conf
SOCK=$TMPD/run/kvsd.sock
STATE=$TMPD/state
LOG=$TMPD/kvsd.log
KVSD_PID=

start_kvsd() {
	kvsd --config "$CONF" --socket "$SOCK" --state-dir "$STATE" >>"$LOG" 2>&1 &
	KVSD_PID=$!
	defer_pid "$KVSD_PID"
	wait_until 10 test -S "$SOCK"
}
stop_kvsd() {
	kill "$KVSD_PID" 2>/dev/null
	wait "$KVSD_PID" 2>/dev/null
}
rpc() { "$RPC" "$SOCK" "$@"; }
# ms_until SECONDS CMD... : milliseconds until CMD succeeds (polled every 50 ms), or "never"
ms_until() {
	local t0=$EPOCHREALTIME end=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -gt $end ] && { echo never; return 1; }
		nap 0.05
	done
	local t1=$EPOCHREALTIME
	echo $(( (${t1/./} - ${t0/./}) / 1000 ))
}
port_on() { # port_on DEV NET : DEV is a port of $SW in network NET
	[ "$(kj port show dev "$1" | jq -r '.[0] | "\(.switch) \(.net)"')" = "$SW $2" ]
}
port_absent() { [ "$(kj port show | jq --arg d "$1" '[.[] | select(.ifname == $d)] | length')" = 0 ]; }
logged() { grep -qE "$1" "$LOG"; }
# log_ms ERE : the time of kvsd's last log line matching ERE, in ms since the epoch
log_ms() {
	local t
	t=$(grep -E "$1" "$LOG" | tail -n 1 | cut -d' ' -f1)
	[ -n "$t" ] && echo $(($(date -d "$t" +%s%N) / 1000000))
}

# ---- configuration check ----
cat >"$CONF" <<EOF
# kvsd.sh: $SW with two networks
switch add $SW ageing 60
net add 10 switch $SW name red max-macs 100
net add 20 switch $SW
port add dev $PA switch $SW net 10 mac $MA learning off max-macs 4
port add dev $PC switch $SW net 10 mac $MC
fdb add 02:00:00:d0:00:99 net 10 switch $SW dev $PA
EOF
out=$(kvsd --check "$CONF" 2>&1)
check_eq "kvsd --check: a valid file (exit 0)" "$?" 0
diag "$out"
printf 'switch add x\nnet add 10 switch x max-macs lots\nport show\nswitch add x\n' >"$TMPD/bad.conf"
out=$(kvsd --check "$TMPD/bad.conf" 2>&1)
check_eq "kvsd --check: an invalid file fails (exit 1)" "$?" 1
check_match "kvsd --check names line 2 and what is wrong with it" 'bad.conf:2: .*max-macs.*lots' "$out"
check_match "kvsd --check names line 3: only adds declare objects" 'bad.conf:3: only' "$out"
check_match "kvsd --check names line 4: declared twice" 'bad.conf:4: switch x is already declared on line 1' "$out"
diag "$out"

# ---- start: the admin's switch first, then kvsd ----
must "$KVS" switch add "$ADM"
must "$KVS" net add 10 switch "$ADM"
defer_cmd "$KVS switch del $ADM 2>/dev/null"
defer_cmd "$KVS switch del $SW 2>/dev/null"
mk_veth "$PA" "$NSA" $MA 10.9.0.1/24
start_kvsd
check "kvsd starts and listens on its socket" test -S "$SOCK"
check "switch $SW, networks 10 and 20 created" \
	eval '[ "$(kj net show switch "$SW" | jq -r "[.[].net] | sort | join(\" \")")" = "10 20" ]'
check_eq "switch $SW: ageing 60" "$(kj switch show "$SW" | jq -r '.[0].ageing')" 60
check_eq "port $PA: net 10, its MAC locked, learning off, max-macs 4" \
	"$(kj port show dev "$PA" | jq -c '.[0] | [.net, .macs, .learning, .max_macs]')" \
	"[10,[\"$MA\"],false,4]"
check_eq "fdb entry on $PA created" "$(fdb_field "$SW" 10 02:00:00:d0:00:99 dev)" "$PA"
check "$PC (no netdev yet) is not attached, kvsd waits for it" port_absent "$PC"
check "kvsd logged that it waits for $PC" logged "waiting for the netdev $PC"

# ---- a configured netdev appears later ----
must ip netns add "$NSC"
defer_ns "$NSC"
t0=$(($(date +%s%N) / 1000000))
mk_veth "$PC" "$NSC" $MC 10.9.0.3/24
check_within "port $PC attached once its netdev appears" 5 port_on "$PC" 10
ms=$(($(log_ms "created port $PC") - t0))
check_le "... within a second of ip link add ($ms ms, from kvsd's log)" "$ms" $((1000 * ${KVS_TIMEOUT_SCALE:-1}))
check "$PA and $PC (both configured) ping" nsping "$NSA" 10.9.0.3

# ---- ownership: the admin's switch is left alone ----
check "the admin's switch $ADM is untouched" eval '[ "$(kj net show switch "$ADM" | jq length)" = 1 ]'

# ---- SIGHUP: changed, added, removed ----
sed -i -e "s/ageing 60/ageing 90/" -e "s/max-macs 4/max-macs 6/" -e "/^net add 20/d" "$CONF"
echo "net add 30 switch $SW" >>"$CONF"
kill -HUP "$KVSD_PID"
check_within "SIGHUP: ageing 90" 5 eval '[ "$(kj switch show "$SW" | jq -r ".[0].ageing")" = 90 ]'
check_within "SIGHUP: networks 10 and 30 (20 removed, 30 added)" 5 \
	eval '[ "$(kj net show switch "$SW" | jq -r "[.[].net] | sort | join(\" \")")" = "10 30" ]'
check_eq "SIGHUP: $PA max-macs 6" "$(kj port show dev "$PA" | jq -r '.[0].max_macs')" 6
check "kvsd logged the change of $PA" logged "changed port $PA .*max-macs 6"
# a configuration that does not parse is not applied
cp "$CONF" "$TMPD/good.conf"
echo "net add 40 switch $SW max-macs -1" >>"$CONF"
kill -HUP "$KVSD_PID"
check_within "a bad configuration on SIGHUP: logged, not applied" 5 logged "not applied, keeping"
check_eq "network 40 was not created" "$(kj net show switch "$SW" | jq '[.[] | select(.net == 40)] | length')" 0
cp "$TMPD/good.conf" "$CONF"
# an object kvsd finds but did not create is never removed: the admin adds net 50
must "$KVS" net add 50 switch "$SW"
kill -HUP "$KVSD_PID"
nap 1
check "net 50 (the admin's, on kvsd's switch) is not removed" "$KVS" net show switch "$SW"
check_eq "... still there" "$(kj net show switch "$SW" | jq -r '[.[].net] | sort | join(" ")')" "10 30 50"

# ---- RPC ----
mk_veth "$PB" "$NSB" $MB 10.9.0.2/24
out=$(rpc '{"op":"health"}')
check_eq "health: module loaded, no RPC port yet" "$(jq -c '[.ok, .module, .ports]' <<<"$out")" "[true,true,0]"
out=$(rpc "{\"op\":\"attach\",\"dev\":\"$PB\",\"switch\":\"$SW\",\"net\":10,\"macs\":[\"$MB\"],\"max_macs\":3,\"bum_limit\":100}")
check_eq "attach $PB: ok, attached" "$(jq -c '[.ok, .port.attached, .port.net]' <<<"$out")" "[true,true,10]"
diag "$out"
check_eq "kvs port show $PB: net 10, MAC locked, max-macs 3, bum-limit 100" \
	"$(kj port show dev "$PB" | jq -c '.[0] | [.net, .macs, .max_macs, .bum_limit]')" "[10,[\"$MB\"],3,100]"
check "$PB (RPC) pings $PA (configured)" nsping "$NSB" 10.9.0.1
out=$(rpc "{\"op\":\"attach\",\"dev\":\"$PB\",\"switch\":\"$SW\",\"net\":10,\"macs\":[\"$MB\"],\"max_macs\":5}")
check_eq "attach again with other limits: ok" "$(jq -r .ok <<<"$out")" true
check_eq "... max-macs 5 now" "$(kj port show dev "$PB" | jq -r '.[0].max_macs')" 5
out=$(rpc '{"op":"list"}')
check_eq "list: $PB on $SW net 10, attached" \
	"$(jq -c '[.ports[] | [.dev, .switch, .net, .attached]]' <<<"$out")" "[[\"$PB\",\"$SW\",10,true]]"

before=$(kj port show | jq -c 'sort_by(.ifname)')
# bad requests: a JSON error each, and nothing changes. All go on one
# connection (raw: \xNN escapes), answered in order, one line each.
BAD_DESC=() BAD_ERE=() BAD_REQ=()
bad() { BAD_DESC+=("$1"); BAD_ERE+=("$2"); BAD_REQ+=("$3"); }
bad "not JSON" "not a JSON object" 'hello'
bad "no op" 'string \\"op\\"' '{"dev":"x"}'
bad "unknown op" 'unknown op' '{"op":"reboot"}'
bad "missing dev" '\\"dev\\" is required' "{\"op\":\"attach\",\"switch\":\"$SW\",\"net\":10}"
bad "net out of range" '\\"net\\" must be within' "{\"op\":\"attach\",\"dev\":\"$PB\",\"switch\":\"$SW\",\"net\":16777216}"
bad "net a string" '\\"net\\" must be an integer' "{\"op\":\"attach\",\"dev\":\"$PB\",\"switch\":\"$SW\",\"net\":\"10\"}"
bad "bad MAC" 'not a MAC' "{\"op\":\"attach\",\"dev\":\"$PB\",\"switch\":\"$SW\",\"net\":10,\"macs\":[\"zz\"]}"
bad "unknown key" 'unknown key \\"vlan\\"' "{\"op\":\"attach\",\"dev\":\"$PB\",\"switch\":\"$SW\",\"net\":10,\"vlan\":3}"
bad "bad interface name" 'not a valid interface name' "{\"op\":\"attach\",\"dev\":\"../x\",\"switch\":\"$SW\",\"net\":10}"
bad "a network the switch lacks" "switch $SW has no network 77" "{\"op\":\"attach\",\"dev\":\"$PB\",\"switch\":\"$SW\",\"net\":77}"
bad "a port of the configuration" 'is configured in' "{\"op\":\"attach\",\"dev\":\"$PA\",\"switch\":\"$SW\",\"net\":10}"
bad "list with arguments" 'takes no arguments' '{"op":"list","all":true}'
bad "a NUL byte" 'NUL' '{"op":"list"\x00}'
mapfile -t answers < <(rpc --raw "${BAD_REQ[@]}" 2>&1)
for i in "${!BAD_REQ[@]}"; do
	ans=${answers[i]:-(no answer)}
	check_match "bad request, ${BAD_DESC[i]}: refused with a message" \
		"^\\{\"ok\":false,\"error\":\".*${BAD_ERE[i]}" "$ans"
done
# the socket is 0660 root:root: let anyone connect, kvsd's own check must refuse
chmod 0666 "$SOCK"
chmod o+x "$TMPD"
out=$("$RPC" "$SOCK" --uid 65534 "{\"op\":\"detach\",\"dev\":\"$PB\"}" 2>&1)
check_match "detach by an unprivileged peer: permission denied" 'permission denied' "$out"
out=$("$RPC" "$SOCK" --uid 65534 '{"op":"health"}' 2>&1)
check_eq "health by an unprivileged peer: answered" "$(jq -r .ok <<<"$out")" true
check_eq "after the bad requests, the ports are as before" "$(kj port show | jq -c 'sort_by(.ifname)')" "$before"
# garbage and clients that go away
head -c 200000 /dev/urandom | tr -d '\n' | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
try:
    s.sendall(sys.stdin.buffer.read()); print(s.recv(200).decode(errors="replace"))
except OSError as e:
    print("closed:", e)' "$SOCK" >"$TMPD/long.out" 2>&1
check_match "a 200 kB line without newline: refused, connection closed" 'longer than|closed' "$(cat "$TMPD/long.out")"
check "a client that sends half a request and goes" "$RPC" "$SOCK" --half '{"op":"li'
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b"{\"op\""); time.sleep(30)' "$SOCK" &
defer_pid $!
nap 0.3
out=$(rpc '{"op":"health"}')
check_eq "another client is answered while one stalls mid-request" "$(jq -r .ok <<<"$out")" true
check "kvsd is still running" kill -0 "$KVSD_PID"

# ---- trust: what the RPC may attach, whose it is (issue 19) ----
# Each refused attempt must change nothing: the kvs ports, the device's
# master and flags are compared before and after.
link_state() { ip -o link show "$1" 2>/dev/null | sed -E 's/^[0-9]+: //; s/ +state .*//'; }
refused() { # refused DESC ERE DEV REQUEST
	local ports links out
	ports=$(kj port show | jq -c 'sort_by(.ifname)')
	links=$(link_state "$3")
	out=$(rpc "$4" 2>&1)
	check_match "$1: refused" "^\\{\"ok\":false,\"error\":\".*$2" "$out"
	check_eq "$1: the kvs ports are as before" "$(kj port show | jq -c 'sort_by(.ifname)')" "$ports"
	check_eq "$1: $3 is as before ($(link_state "$3"))" "$(link_state "$3")" "$links"
}
attach_req() { echo "{\"op\":\"attach\",\"dev\":\"$1\",\"switch\":\"$SW\",\"net\":10}"; }
HOSTV=k${PID}h
BR=k${PID}br
BRP=k${PID}bp
DUM=k${PID}d
must ip link add "$HOSTV" type veth peer name "${HOSTV}p"
defer_cmd "ip link del $HOSTV 2>/dev/null"
must ip addr add 198.51.100.1/24 dev "$HOSTV"
must ip link set "$HOSTV" up
must ip link add "$BR" type bridge
defer_cmd "ip link del $BR 2>/dev/null"
must ip link add "$BRP" type veth peer name "${BRP}p"
defer_cmd "ip link del $BRP 2>/dev/null"
must ip link set "$BRP" master "$BR"
must ip link add "$DUM" type dummy
defer_cmd "ip link del $DUM 2>/dev/null"
refused "a veth with the host's IPv4 address" "has an address \\(198.51.100.1\\)" "$HOSTV" "$(attach_req "$HOSTV")"
refused "a bridge" "is a device of kind bridge" "$BR" "$(attach_req "$BR")"
refused "a bridge's port" "has a master \\($BR\\)" "$BRP" "$(attach_req "$BRP")"
refused "a dummy device (no rpc allow line names the kind)" "is a device of kind dummy" "$DUM" "$(attach_req "$DUM")"
refused "the loopback device" "is a device of kind other" lo "$(attach_req lo)"
# an admin's hand-made port, locked to one MAC: never adopted, changed or detached
ADMP=k${PID}ap
NSD=kvs-kd-$PID-d
must ip netns add "$NSD"
defer_ns "$NSD"
mk_veth "$ADMP" "$NSD" - -
must "$KVS" port add dev "$ADMP" switch "$ADM" net 10 mac 02:00:00:d0:00:aa learning off max-macs 1
refused "an admin's locked port" "already a kvs port \\(switch $ADM\\) that kvsd's RPC did not make" "$ADMP" \
	"{\"op\":\"attach\",\"dev\":\"$ADMP\",\"switch\":\"$SW\",\"net\":10,\"learning\":true}"
out=$(rpc "{\"op\":\"detach\",\"dev\":\"$ADMP\"}")
check_eq "detach of the admin's port: nothing removed" "$(jq -c '[.ok, .removed]' <<<"$out")" "[true,false]"
check_eq "... it is still the admin's: switch $ADM, locked, learning off" \
	"$(kj port show dev "$ADMP" | jq -c '.[0] | [.switch, .macs, .learning, .max_macs]')" \
	"[\"$ADM\",[\"02:00:00:d0:00:aa\"],false,1]"
# a pre-registered name that appears as a host device is checked when it appears
LATE=k${PID}l
out=$(rpc "$(attach_req "$LATE")")
check_eq "attach of a netdev that does not exist yet: recorded, not attached" \
	"$(jq -c '[.ok, .port.attached, .port.pending]' <<<"$out")" '[true,false,"waiting for the netdev"]'
must ip link add "$LATE" type dummy
defer_cmd "ip link del $LATE 2>/dev/null"
nap 1
check "when $LATE appears as a dummy device, it is not attached" port_absent "$LATE"
check_match "... list says why" "is a device of kind dummy" "$(rpc '{"op":"list"}' | jq -r ".ports[] | select(.dev == \"$LATE\") | .error")"
check_match "... and health counts it as failed" "\"object\":\"port $LATE\"" "$(rpc '{"op":"health"}')"
must rpc "{\"op\":\"detach\",\"dev\":\"$LATE\"}"
ip link del "$LATE"

# a line of the configuration naming a device an RPC attachment holds: one
# log line at reload, no moving back and forth
echo "port add dev $PB switch $SW net 30" >>"$CONF"
kill -HUP "$KVSD_PID"
check_within "configuration and RPC name $PB: the line is refused at reload" 5 \
	logged "port $PB is attached through the RPC \\(uid 0\\): line ignored"
n0=$(grep -cE "event: port (attached|detached|changed) $PB" "$LOG")
nap 10
n1=$(grep -cE "event: port (attached|detached|changed) $PB" "$LOG")
check_eq "... no port event of $PB in the 10 s that follow (no loop)" "$((n1 - n0))" 0
check "... $PB stays where the RPC put it (net 10)" port_on "$PB" 10
check_eq "... said once" "$(grep -c "port $PB is attached through the RPC" "$LOG")" 1
sed -i "/^port add dev $PB /d" "$CONF"
kill -HUP "$KVSD_PID"

# a hand-made change to a configured port is undone at once (PORT_SET event)
must "$KVS" port set dev "$PA" max-macs 50
check_within "kvs port set on a configured port: kvsd sets it back (max-macs 6)" 3 \
	eval '[ "$(kj port show dev "$PA" | jq -r ".[0].max_macs")" = 6 ]'
must "$KVS" net set 10 switch "$SW" max-macs 7
check_within "kvs net set on a configured network: set back (max-macs 100)" 3 \
	eval '[ "$(kj net show switch "$SW" | jq -r ".[] | select(.net == 10) | .max_macs")" = 100 ]'

# a fabric port whose local address is not there yet: retried, and created
# as soon as the address appears (the address event wakes the retry)
FSW=k${PID}f
UP=k${PID}u
must ip link add "$UP" type dummy
defer_cmd "ip link del $UP 2>/dev/null"
must ip link set "$UP" up
cat >>"$CONF" <<EOF
switch add $FSW
net add 100 switch $FSW name blue
port add dev $UP switch $FSW fabric vxlan local 192.0.2.77
EOF
defer_cmd "$KVS switch del $FSW 2>/dev/null"
kill -HUP "$KVSD_PID"
check_within "a fabric port whose local address is missing: the failure is logged" 5 logged "cannot create port $UP"
check_match "... and reported by health" "\"object\":\"port $UP\"" "$(rpc '{"op":"health"}')"
nap 2
t0=$(($(date +%s%N) / 1000000))
must ip addr add 192.0.2.77/24 dev "$UP"
check_within "... created once the address appears" 5 eval "kj port show dev $UP | jq -e '.[0].type == \"fabric\"' >/dev/null"
ms=$(($(log_ms "created port $UP") - t0))
check_le "... within a second of the address ($ms ms, from kvsd's log)" "$ms" $((1000 * ${KVS_TIMEOUT_SCALE:-1}))
check_eq "... and health has no failure left" "$(rpc '{"op":"health"}' | jq -c .failed)" "[]"
# what "port set" cannot change is replaced
sed -i "s/^port add dev $UP .*/port add dev $UP switch $FSW fabric vxlan local 192.0.2.77 dstport 4790/" "$CONF"
sed -i "s/^net add 100 switch $FSW name blue/net add 100 switch $FSW name navy/" "$CONF"
kill -HUP "$KVSD_PID"
check_within "a changed dstport: the fabric port is replaced (dstport 4790)" 5 \
	eval "[ \"\$(kj port show dev $UP | jq -r '.[0].dstport')\" = 4790 ]"
check "... logged" logged "replaced port $UP: its encapsulation changed"
check_within "a changed network name: the network is replaced (navy)" 5 \
	eval "[ \"\$(kj net show switch $FSW | jq -r '.[0].label')\" = navy ]"
check "... logged" logged "replaced net $FSW 100: its name changed"

# ---- restart: RPC attachments persist ----
stop_kvsd
check "kvsd stopped (SIGTERM); the ports stay" port_on "$PB" 10
must "$KVS" port del dev "$PB"
start_kvsd
check "kvsd restarted" test -S "$SOCK"
check_within "after a restart, $PB is attached again from the state file" 5 port_on "$PB" 10
out=$(rpc '{"op":"list"}')
check_eq "list after a restart: $PB" "$(jq -r '[.ports[].dev] | join(" ")' <<<"$out")" "$PB"

# ---- module reload ----
must "$KVS" switch del "$ADM"
must rmmod kvs
t0=$(($(date +%s%N) / 1000000))
must modprobe kvs
t1=$(($(date +%s%N) / 1000000))
check_within "rmmod kvs; modprobe kvs: kvsd re-created switch, networks, configured and RPC ports" 10 \
	eval 'port_on "$PB" 10 && port_on "$PA" 10 && port_on "$PC" 10'
ms=$(($(log_ms "created port $PB") - $(log_ms "kvs module loaded")))
diag "modprobe took $((t1 - t0)) ms; kvsd saw the family $(($(log_ms "kvs module loaded") - t0)) ms after it started"
check_le "... within a second of the family's appearance ($ms ms, from kvsd's log)" "$ms" $((1000 * ${KVS_TIMEOUT_SCALE:-1}))
check_eq "... and the fdb entry" "$(fdb_field "$SW" 10 02:00:00:d0:00:99 dev)" "$PA"
check "... and traffic flows: $PB pings $PC" nsping "$NSB" 10.9.0.3
check "kvsd logged the unload and the load" eval 'logged "module unloaded" && logged "module loaded"'

# ---- a netdev goes and comes back ----
ip link del "$PB"
nap 0.5
check "kvsd logged the kvs event of a port leaving" logged "event: port detached"
mk_veth "$PB" "$NSB" $MB 10.9.0.2/24
ms=$(ms_until 5 port_on "$PB" 10)
check "$PB re-created: attached again (in $ms ms)" test "$ms" != never

# ---- policy drops: logged, at most 10 a second ----
n0=$(grep -c 'event: drop' "$LOG")
ip netns exec "$NSB" "$KVS_PKT" send eth0 02:00:00:d0:00:ee ff:ff:ff:ff:ff:ff count 200 >/dev/null
nap 1.5
n1=$(grep -c 'event: drop' "$LOG")
diag "drop lines: $((n1 - n0))"
check_ge "spoofed frames: drop events logged" "$((n1 - n0))" 1
check_le "... at most 10 a second (the kernel rate limits too)" "$((n1 - n0))" 20

# ---- detach ----
out=$(rpc "{\"op\":\"detach\",\"dev\":\"$PB\"}")
check_eq "detach $PB: removed" "$(jq -c '[.ok, .removed]' <<<"$out")" "[true,true]"
check "$PB is no longer a port" port_absent "$PB"
out=$(rpc "{\"op\":\"detach\",\"dev\":\"$PB\"}")
check_eq "detach again: ok, nothing removed" "$(jq -c '[.ok, .removed]' <<<"$out")" "[true,false]"
check_eq "the state file has no RPC port" "$(jq '.ports | length' "$STATE/kvsd.state")" 0

stop_kvsd
check "kvsd exited cleanly" eval '! kill -0 '"$KVSD_PID"' 2>/dev/null'
check "no socket left" test ! -e "$SOCK"
diag "$(tail -n 40 "$LOG")"
tests_done
