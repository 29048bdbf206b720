#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Offline checks of kvsd: no module needed (kvsd waits for it and serves its
# socket meanwhile). The configuration check, the RPC's validation and
# answers, persistence of RPC attachments across a restart, a bad
# configuration on SIGHUP, garbage on the socket. The kernel side is
# selftests/kvsd.sh's, in the VM.
#
#   kvsd.sh KVSD RPC_CLIENT (selftests/kvs_rpc.py)

KVSD=${1:?usage: kvsd.sh KVSD RPC_CLIENT}
RPC=${2:?usage: kvsd.sh KVSD RPC_CLIENT}
TMP=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
fails=0
count=0

ok() { count=$((count + 1)); echo "ok $count - $*"; }
not_ok() { count=$((count + 1)); fails=$((fails + 1)); echo "not ok $count - $*"; }
# is DESC ACTUAL EXPECTED
is() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; echo "#   got:  $2"; echo "#   want: $3"; fi; }
# like DESC ERE TEXT
like() { if grep -qE -- "$2" <<<"$3"; then ok "$1"; else not_ok "$1"; echo "#   no match for $2 in:"; sed 's/^/#     /' <<<"$3"; fi; }

# ---- --check ----
cat >"$TMP/good.conf" <<'EOF'
# a comment, then a blank line

switch add sw0 ageing 60 batch 8
net add 10 switch sw0 name "red net" max-macs 100
port add dev tap1 switch sw0 net 10 mac 02:00:00:00:00:01 mac 02:00:00:00:00:02 learning off
port add dev up0 switch sw0 fabric vxlan local 2001:db8::1 dstport 4789
fdb add 02:00:00:00:00:99 net 10 switch sw0 remote 2001:db8::2
fdb add 00:00:00:00:00:00 net 10 switch sw0 remote 2001:db8::3
fdb add 00:00:00:00:00:00 net 10 switch sw0 remote 2001:db8::4
rpc allow switch sw0 net 10-19 name vm*,pod*
EOF
out=$("$KVSD" --check "$TMP/good.conf" 2>&1); rc=$?
is "--check: a valid file exits 0" "$rc" 0
is "--check: says how many objects and rpc allow lines" "$out" "$TMP/good.conf: 7 objects and 1 rpc allow line, valid"
check_bad() { # DESC LINE ERE
	printf 'switch add sw0\n%s\n' "$2" >"$TMP/bad.conf"
	out=$("$KVSD" --check "$TMP/bad.conf" 2>&1); rc=$?
	if [ "$rc" = 1 ] && grep -qE -- "^$TMP/bad.conf:2: $3" <<<"$out"; then ok "--check: $1"
	else not_ok "--check: $1 (rc=$rc)"; sed 's/^/#   /' <<<"$out"; fi
}
check_bad "a show line" "port show" "only .switch add"
check_bad "a del line" "switch del sw0" "only .switch add"
check_bad "an unknown object" "frob add x" "only .switch add"
check_bad "a bad number" "net add 10 switch sw0 max-macs lots" '"max-macs" expects'
check_bad "a bad MAC" "port add dev t switch sw0 net 10 mac 02:00:00:00:00:0g" "invalid MAC"
check_bad "an unknown keyword" "port add dev t switch sw0 net 10 colour red" "unknown|colour"
check_bad "a net without switch" "net add 10" "no switch given"
check_bad "an unterminated quote" "net add 10 switch sw0 name 'red" "unterminated quote"
check_bad "the same switch twice" "switch add sw0" "switch sw0 is already declared on line 1"
check_bad "rpc allow without net" "rpc allow switch sw0" 'rpc allow: "switch" and "net" are required'
check_bad "rpc allow, a reversed range" "rpc allow switch sw0 net 20-10" "rpc allow: net expects"
check_bad "rpc allow, an unknown kind" "rpc allow switch sw0 net 1 dev-kind veth,nic" 'rpc allow: unknown dev-kind "nic"'
check_bad "rpc allow, an unknown keyword" "rpc allow switch sw0 net 1 owner bob" 'rpc allow: unknown keyword "owner"'
check_bad "rpc deny" "rpc deny switch sw0 net 1" 'expected .rpc allow'
printf 'switch add sw0\nnet add 1 switch sw0\nport add dev t switch sw0 net 1\nport add dev t switch sw0 net 1\n' >"$TMP/bad.conf"
like "--check: the same port twice" ":4: port t is already declared on line 3" "$("$KVSD" --check "$TMP/bad.conf" 2>&1)"
out=$("$KVSD" --check "$TMP/none.conf" 2>&1); rc=$?
is "--check: a missing file exits 1" "$rc" 1
like "... and names it" "none.conf: No such file" "$out"
"$KVSD" --frob >/dev/null 2>&1; rc=$?
is "an unknown option exits 2" "$rc" 2
like "-V prints the version" '^kvsd [0-9]' "$("$KVSD" -V)"

# ---- the daemon without the module ----
SOCK=$TMP/run/kvsd.sock
start() {
	"$KVSD" -c "$TMP/good.conf" -s "$SOCK" -S "$TMP/state" >>"$TMP/log" 2>&1 &
	PID=$!
	for _ in $(seq 50); do [ -S "$SOCK" ] && return 0; sleep 0.1; done
	return 1
}
if start; then ok "kvsd starts without the module and listens"; else not_ok "kvsd starts"; cat "$TMP/log"; fi
like "it says it waits for the module" "module not loaded: waiting" "$(cat "$TMP/log")"
is "the socket is mode 0660" "$(stat -c %a "$SOCK")" 660
rpc() { "$RPC" "$SOCK" "$@" 2>&1; }
is "health: no module, no port" "$(rpc '{"op":"health"}')" \
	'{"ok":true,"module":false,"version":"'"$("$KVSD" -V | cut -d' ' -f2)"'","ports":0,"attached":0,"waiting":0,"failed":[]}'
is "attach: recorded, not attached (no module)" \
	"$(rpc '{"op":"attach","dev":"vm1","switch":"sw0","net":10,"macs":["02:00:00:00:00:11"],"learning":false,"max_macs":2,"bum_limit":50}')" \
	'{"ok":true,"port":{"dev":"vm1","switch":"sw0","net":10,"macs":["02:00:00:00:00:11"],"learning":false,"max_macs":2,"bum_limit":50,"uid":0,"attached":false,"pending":"the kvs module is not loaded"}}'
out=$(rpc --raw \
	'{"op":"attach","dev":"vm2","switch":"sw0","net":10}' \
	'{"op":"attach","dev":"tap1","switch":"sw0","net":10}' \
	'{"op":"attach","dev":"vm3","switch":"sw0","net":0}' \
	'{"op":"attach","dev":"vm3","switch":"sw0","net":1,"macs":["ff"]}' \
	'{"op":"attach","dev":"vm3","switch":"sw0","net":1,"macs":"02:00:00:00:00:01"}' \
	'{"op":"attach","dev":"this-name-is-too-long","switch":"sw0","net":1}' \
	'{"op":"attach","dev":"vm3","switch":"sw0"}' \
	'{"op":"attach","dev":"vm3","switch":"sw0","net":1,"learning":"yes"}' \
	'{"op":"attach","dev":"vm3","switch":"sw0","net":1,"max_macs":-1}' \
	'{"op":"attach","dev":"vm3","switch":"sw 0","net":1}' \
	'{"op":"detach"}' \
	'{"op":"detach","dev":"vm3","force":true}' \
	'[1,2]' \
	'{"op":3}' \
	'{"op":"health"} trailing' \
	'{"op":"list"}')
mapfile -t a <<<"$out"
is "attach vm2: ok" "${a[0]:0:11}" '{"ok":true,'
like "a port of the configuration is refused" '^\{"ok":false,"error":"tap1 is configured in' "${a[1]}"
like "net 0 is refused" '"error":"\\"net\\" must be within 1..16777215"' "${a[2]}"
like "a bad MAC is refused" '"error":"\\"macs\\"\[0\] is not a MAC address"' "${a[3]}"
like "macs must be an array" '"error":"\\"macs\\" must be an array' "${a[4]}"
like "a too long name is refused" 'not a valid interface name' "${a[5]}"
like "net is required" '"error":"\\"net\\" is required"' "${a[6]}"
like "learning must be a boolean" 'learning\\" must be true or false' "${a[7]}"
like "max_macs -1 is refused" 'max_macs\\" must be within' "${a[8]}"
like "a switch name with a blank is refused" 'not a valid interface name' "${a[9]}"
like "detach without dev is refused" 'detach takes \\"dev\\" and nothing else' "${a[10]}"
like "detach with an extra key is refused" 'detach takes' "${a[11]}"
like "an array is not a request" 'string \\"op\\"' "${a[12]}"
like "a number op is refused" 'string \\"op\\"' "${a[13]}"
like "trailing garbage is refused" 'not a JSON object' "${a[14]}"
is "after all that, list has vm1 and vm2 only" "$(jq -c '[.ports[].dev]' <<<"${a[15]}")" '["vm1","vm2"]'
out=$(rpc '{"op":"detach","dev":"vm2"}' '{"op":"detach","dev":"vm2"}')
is "detach vm2, then again: removed, then not" "$(jq -c .removed <<<"$out" | paste -sd' ')" "true false"
# garbage: binary, a half request, a client that goes away
head -c 3000 /dev/urandom | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read() + b"\n")
s.settimeout(5)
try:
    print(s.recv(100000).decode(errors="replace").count("\"ok\":false"))
except OSError:
    print("closed")' "$SOCK" >"$TMP/garbage" 2>&1
like "random bytes: error answers, no crash" '^[0-9]+$|closed' "$(cat "$TMP/garbage")"
"$RPC" "$SOCK" --half '{"op":"attach","dev":"x' >/dev/null 2>&1
is "a client gone mid-request: the next is answered" "$(rpc '{"op":"health"}' | jq -r .ok)" true
if kill -0 "$PID" 2>/dev/null; then ok "kvsd still runs"; else not_ok "kvsd still runs"; fi

# ---- SIGHUP with a bad file, then a restart ----
cp "$TMP/good.conf" "$TMP/good.bak"
echo "port show" >>"$TMP/good.conf"
kill -HUP "$PID"
for _ in $(seq 30); do grep -q "not applied" "$TMP/log" && break; sleep 0.1; done
like "SIGHUP with a bad file: the line named" 'good.conf:11: only' "$(cat "$TMP/log")"
like "... and not applied" 'not applied, keeping the previous configuration' "$(cat "$TMP/log")"
cp "$TMP/good.bak" "$TMP/good.conf"
kill "$PID"; wait "$PID" 2>/dev/null; rc=$?
is "SIGTERM: exit 0" "$rc" 0
is "SIGTERM: the socket is removed" "$(test -e "$SOCK" && echo left || echo gone)" gone
is "the state file keeps vm1" "$(jq -c '[.ports[] | [.dev, .max_macs, .bum_limit]]' "$TMP/state/kvsd.state")" '[["vm1",2,50]]'
start
is "after a restart, list has vm1 with its settings" \
	"$(rpc '{"op":"list"}' | jq -c '[.ports[] | [.dev, .macs, .learning, .max_macs]]')" '[["vm1",["02:00:00:00:00:11"],false,2]]'
kill "$PID"; wait "$PID" 2>/dev/null
PID=

# ---- --group: its members may change things; the socket is theirs ----
if [ "$(id -u)" = 0 ] && getent group nogroup >/dev/null && getent passwd 65534 >/dev/null; then
	rm -rf "$TMP/state"
	"$KVSD" -c "$TMP/good.conf" -s "$SOCK" -S "$TMP/state" -g nogroup >>"$TMP/log" 2>&1 &
	PID=$!
	for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
	is "-g nogroup: the socket is root:nogroup 0660" "$(stat -c '%U:%G %a' "$SOCK")" "root:nogroup 660"
	chmod o+x "$TMP" "$TMP/run"
	out=$("$RPC" "$SOCK" --uid 65534 '{"op":"attach","dev":"vm9","switch":"sw0","net":10}' 2>&1)
	like "a member of the group may attach what an rpc allow line allows" '^\{"ok":true' "$out"
	u() { "$RPC" "$SOCK" --uid 65534 "$@" 2>&1; }
	# the rpc allow line: sw0, nets 10-19, names vm* and pod*
	like "... not a name the line does not allow (eth0)" \
		'"ok":false,"error":"permission denied: no \\"rpc allow\\" line of .* allows eth0 on switch sw0 net 10"' \
		"$(u '{"op":"attach","dev":"eth0","switch":"sw0","net":10}')"
	like "... not a network outside the range (20)" 'permission denied: no .* allows vm8 on switch sw0 net 20' \
		"$(u '{"op":"attach","dev":"vm8","switch":"sw0","net":20}')"
	like "... not another switch" 'permission denied: no .* allows vm8 on switch sw1 net 10' \
		"$(u '{"op":"attach","dev":"vm8","switch":"sw1","net":10}')"
	like "... no uid, pid or cgroup of its own choosing" 'unknown key \\"uid\\"' \
		"$(u '{"op":"attach","dev":"vm8","switch":"sw0","net":10,"uid":0}')"
	# ownership: root's vm1 is not the member's to change or take away
	"$RPC" "$SOCK" '{"op":"attach","dev":"vm1","switch":"sw0","net":10}' >/dev/null 2>&1
	like "a member may not move root's attachment" 'permission denied: vm1 was attached by uid 0; only that user or root may change it' \
		"$(u '{"op":"attach","dev":"vm1","switch":"sw0","net":11}')"
	like "a member may not detach root's attachment" 'permission denied: vm1 was attached by uid 0; only that user or root may detach it' \
		"$(u '{"op":"detach","dev":"vm1"}')"
	is "list says who attached what" "$("$RPC" "$SOCK" '{"op":"list"}' | jq -c '[.ports[] | [.dev, .uid]] | sort')" \
		'[["vm1",0],["vm9",65534]]'
	like "the member may detach its own" '"ok":true,"removed":true' "$(u '{"op":"detach","dev":"vm9"}')"
	# groups are the connecting process's own (SO_PEERGROUPS), not the user
	# database's: uid 65534 with gid 100 and no supplementary group is not a
	# member, whatever /etc/group says of "nobody"
	chmod 0666 "$SOCK"	# anyone may connect: the check is kvsd's own
	like "uid 65534 in no group of its own: refused" 'permission denied: attach needs root or the group' \
		"$("$RPC" "$SOCK" --uid 65534 --gid 100 '{"op":"attach","dev":"vm7","switch":"sw0","net":10}' 2>&1)"
	like "uid 65534 with nogroup as a supplementary group: allowed" '^\{"ok":true' \
		"$("$RPC" "$SOCK" --uid 65534 --gid 100 --groups 65534 '{"op":"attach","dev":"vm7","switch":"sw0","net":10}' 2>&1)"
	# at most 16 attachments of one uid wait for their netdev
	for i in $(seq 1 16); do u "{\"op\":\"attach\",\"dev\":\"pod$i\",\"switch\":\"sw0\",\"net\":10}" >/dev/null; done
	like "a member's 17th attachment waiting for its netdev is refused" 'too many attachments of uid 65534 wait' \
		"$(u '{"op":"attach","dev":"pod17","switch":"sw0","net":10}')"
	# slow clients: one uid holds at most 4 connections; root still gets in
	for i in $(seq 1 40); do
		python3 -c 'import os, socket, sys, time
os.setgid(65534); os.setuid(65534)
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b"{"); time.sleep(30)' "$SOCK" 2>/dev/null &
		slow+=" $!"
	done
	sleep 1
	like "40 idle connections of one uid: root is still answered" '"ok":true' "$("$RPC" "$SOCK" '{"op":"health"}')"
	like "... and another uid of the group too" '"ok":true' \
		"$("$RPC" "$SOCK" --uid 65533 --gid 65534 '{"op":"health"}' 2>&1)"
	# shellcheck disable=SC2086
	kill $slow 2>/dev/null
	wait $slow 2>/dev/null
	# a burst of requests on one connection: the bucket holds 20
	reqs=()
	for i in $(seq 1 40); do reqs+=('{"op":"health"}'); done
	is "40 requests at once: some are refused as too many" \
		"$(u "${reqs[@]}" | grep -c 'too many requests: at most 10 a second' | awk '{ print ($1 >= 10 && $1 <= 25) ? "yes" : "no: " $1 }')" yes
	kill "$PID"; wait "$PID" 2>/dev/null
	PID=
else
	ok "-g: # SKIP needs root and the nogroup group"
fi

# ---- reload over the socket: kvsd --reload says whether it took ----
rm -rf "$TMP/state"
start
"$KVSD" --reload -s "$SOCK" >"$TMP/out" 2>&1; rc=$?
is "kvsd --reload with a valid file: exit 0" "$rc" 0
cp "$TMP/good.conf" "$TMP/good.bak"
echo "net add 99 switch sw0 max-macs lots" >>"$TMP/good.conf"
"$KVSD" --reload -s "$SOCK" >"$TMP/out" 2>&1; rc=$?
is "kvsd --reload with a bad file: exit 1" "$rc" 1
like "... and it says why" 'reload refused: not applied: .*good.conf:11: .*max-macs' "$(cat "$TMP/out")"
cp "$TMP/good.bak" "$TMP/good.conf"

# ---- one instance per state directory and socket ----
"$KVSD" -c "$TMP/good.conf" -s "$SOCK" -S "$TMP/state" >"$TMP/second" 2>&1; rc=$?
is "a second kvsd on the same state and socket: exit 1" "$rc" 1
like "... saying who holds it" "another kvsd \(pid $PID\) holds $TMP/state/kvsd.lock" "$(cat "$TMP/second")"
is "... and the first one's socket is still there and answers" "$("$RPC" "$SOCK" '{"op":"health"}' | jq -r .ok)" true
"$KVSD" -c "$TMP/good.conf" -s "$SOCK" -S "$TMP/state2" >"$TMP/second" 2>&1; rc=$?
is "a second kvsd on the same socket, another state: exit 1" "$rc" 1
like "... saying who holds the socket" "another kvsd \(pid $PID\) holds $SOCK.lock" "$(cat "$TMP/second")"

# ---- attach answers ok only once the state is on disk ----
mkdir "$TMP/state/kvsd.state.new"	# the temporary file cannot be made
like "attach whose state cannot be written: refused" '"ok":false,"error":"cannot record the attachment in the state file' \
	"$("$RPC" "$SOCK" '{"op":"attach","dev":"vm4","switch":"sw0","net":10}')"
is "... and not listed" "$("$RPC" "$SOCK" '{"op":"list"}' | jq -c '[.ports[].dev]')" '[]'
rmdir "$TMP/state/kvsd.state.new"

# ---- the CNI plugin's detach records, collected at start ----
"$RPC" "$SOCK" '{"op":"attach","dev":"pod1","switch":"sw0","net":10,"tag":"cni:net1:c1:eth0"}' \
	'{"op":"attach","dev":"pod2","switch":"sw0","net":10,"tag":"cni:net1:c2:eth0"}' >/dev/null
kill "$PID"; wait "$PID" 2>/dev/null
mkdir -m 0700 "$TMP/run/detach"
echo "cni:net1:c1:eth0" >"$TMP/run/detach/pod1"
echo "cni:net1:OTHER:eth0" >"$TMP/run/detach/pod2"
start
is "a detach record with the attachment's tag detaches it; one with another tag does not" \
	"$("$RPC" "$SOCK" '{"op":"list"}' | jq -c '[.ports[] | [.dev, .tag]]')" '[["pod2","cni:net1:c2:eth0"]]'
is "... and both records are gone" "$(ls "$TMP/run/detach" | wc -l)" 0
kill "$PID"; wait "$PID" 2>/dev/null
PID=

# ---- a state file kvsd cannot read is kept, never overwritten ----
good_state=$(cat "$TMP/state/kvsd.state")
head -c 40 <<<"$good_state" >"$TMP/state/kvsd.state"	# truncated
start
bad=$(ls "$TMP/state" | grep -c '^kvsd.state.bad-')
is "a truncated state file is set aside as kvsd.state.bad-TIME" "$bad" 1
is "... holding what it held" "$(cat "$TMP/state"/kvsd.state.bad-*)" "$(head -c 40 <<<"$good_state")"
like "... with an error in the log" 'kvsd.state: .*: kept as .*kvsd.state.bad-.*starting without its records' "$(cat "$TMP/log")"
kill "$PID"; wait "$PID" 2>/dev/null
rm -f "$TMP/state"/kvsd.state.bad-*
echo '{"version":99,"owned":[],"ports":[]}' >"$TMP/state/kvsd.state"
start
like "a state file of a newer version is set aside too" 'version 99, newer than this kvsd' "$(cat "$TMP/log")"
is "... kept as it was" "$(cat "$TMP/state"/kvsd.state.bad-*)" '{"version":99,"owned":[],"ports":[]}'
kill "$PID"; wait "$PID" 2>/dev/null
PID=
# log lines carry their priority for the journal
JOURNAL_STREAM=8:1 "$KVSD" -c "$TMP/none.conf" -s "$SOCK" -S "$TMP/state" >"$TMP/jlog" 2>&1 &
PID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
kill "$PID"; wait "$PID" 2>/dev/null
PID=
like "under systemd, errors are logged at priority 3 (err)" '^<3>.*kvs module not loaded|^<4>kvs module not loaded' "$(cat "$TMP/jlog")"
like "... and the rest at 6 (info)" '^<6>kvsd .* starting' "$(cat "$TMP/jlog")"
"$KVSD" -g no-such-group-here >/dev/null 2>&1; rc=$?
is "-g with an unknown group: exit 2" "$rc" 2
echo "1..$count"
[ "$fails" = 0 ]
