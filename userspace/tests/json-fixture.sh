#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The JSON schema of Documentation/json.md, pinned: every object, -s and
# the monitor's events as kvs -j prints them against tests/fake_knl.c.
#
#   json-fixture.sh KVS_FAKE            compare with tests/json.expected
#   json-fixture.sh KVS_FAKE --update   write tests/json.expected anew
#
# A difference fails "make check": a change of the schema must be made on
# purpose, here and in Documentation/json.md together.

FAKE=${1:?usage: json-fixture.sh KVS_FAKE [--update]}
EXPECTED=$(dirname "$0")/json.expected

fixture() {
	echo "# kvs -j -b: every show"
	"$FAKE" -j -b - <<-EOF
	switch add sw0
	switch add sw1 ageing 60 batch 8
	net add 100 switch sw0 name red
	net add 200 switch sw0 max-macs 0
	net add 7 switch sw1 max-macs 50
	port add dev veth1 switch sw0 net 100 mac 02:00:00:00:00:01 mac 2:0:0:0:0:2 learning off max-macs 5
	port add dev veth2 switch sw0 net 200 group-fwd-mask 0x4008
	port add dev veth3 switch sw1 net 7
	port add dev veth4 switch sw1 net 7
	fdb add 02:00:00:00:00:aa net 200 switch sw0 dev veth2
	switch show
	net show
	port show
	fdb show
	stats show
	stats show switch sw0
	EOF
	echo "# kvs -j -s -b: counters in the objects"
	"$FAKE" -j -s -b - <<-EOF
	switch add sw0
	net add 1 switch sw0
	port add dev veth1 switch sw0 net 1
	switch show
	port show
	EOF
	echo "# kvs -j monitor"
	"$FAKE" -j monitor 2>/dev/null
	echo "# kvs -j monitor port drop"
	"$FAKE" -j monitor port drop 2>/dev/null
}

if [ "${2:-}" = --update ]; then
	fixture >"$EXPECTED"
	echo "wrote $EXPECTED"
	exit 0
fi
d=$(mktemp)
if diff -u "$EXPECTED" <(fixture) >"$d"; then
	echo "ok 1 - kvs -j output matches tests/json.expected (Documentation/json.md)"
	rc=0
else
	echo "not ok 1 - kvs -j output differs from tests/json.expected:"
	sed 's/^/# /' "$d"
	rc=1
fi
rm -f "$d"
echo "1..1"
exit $rc
