#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# systemd.sh - kvsd's units under a real systemd (issue 19). Not in TEST_PROGS: it needs
# a VM boot of its own with systemd as PID 1 (selftests/vm/run.sh -y; check.sh runs it
# after the suite's VM on the 6.1 lane), where the work tree's kvsd.service and
# kvsd.socket are installed in /etc/systemd/system and its kvsd is /usr/sbin/kvsd:
#
#   systemctl start kvsd   ExecStartPre=+modprobe kvs (the fresh kvs.ko), kvsd with its
#                          sandbox (NoNewPrivs, CapBnd, seccomp, ProtectSystem=strict)
#   systemctl reload kvsd  ExecReload=kvsd --reload: a good file applied, a file that
#                          does not parse fails the reload, the previous one stays;
#                          journalctl -u kvsd -p err shows the parse error (<3> prefix)
#   systemctl kill         SIGKILL: Restart=on-failure restarts it; SIGTERM: kvsd stops
#                          cleanly (exit 0), so it stays stopped
#   systemctl restart      kvsd answers {"op":"health"} on its socket
#   kvsd.socket            systemd makes the socket (its SocketMode, SocketGroup), the
#                          first connection starts kvsd, which takes it over
#
# systemd.sh --offline (on the host, no VM, no root needed; check.sh runs it too):
# systemd-analyze verify of both units passes without a word (with kvs(8) and kvsd(8) in
# a temporary MANPATH and a root with the built kvsd as /usr/sbin/kvsd), and
# systemd-analyze security rates kvsd.service no worse than the unit of commit 006a246.
#
# KVS_SYSTEMD_UNITS=DIR tests DIR's kvsd.service and kvsd.socket instead of the work
# tree's (run.sh -y installs the same ones).
# shellcheck disable=SC2317 # functions called through check and check_within
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

TREE=$(cd "$SELFTEST_DIR/.." && pwd)
UNITS=${KVS_SYSTEMD_UNITS:-$TREE/userspace/kvsd}
KVSD_BIN=$TREE/userspace/kvsd/kvsd
# the unit before issue 19 (ExecReload=/bin/kill -HUP): the security baseline
BASE_COMMIT=006a246

# ---- offline: systemd-analyze on the host ------------------------------------------------

exposure() { # exposure UNITFILE : the overall exposure level systemd-analyze prints
	systemd-analyze security --offline=true "$1" 2>/dev/null |
		sed -n 's/^.*Overall exposure level for [^:]*: \([0-9.]*\).*$/\1/p'
}

offline() {
	local root=$TMPD/root man=$TMPD/man out rc f p manopt=() old new

	command -v systemd-analyze >/dev/null || skip_all "systemd-analyze not found (systemd)"
	[ -x "$KVSD_BIN" ] || skip_all "$KVSD_BIN not built (make tools)"
	# A root for "verify --root": the host's units (what kvsd's pull in), ours, and the
	# programs the units run (the built kvsd as /usr/sbin/kvsd).
	mkdir -p "$root/usr/lib/systemd" "$man/man8" || tests_done
	cp -a /lib/systemd/system "$root/usr/lib/systemd/" || tests_done
	cp "$UNITS/kvsd.service" "$UNITS/kvsd.socket" "$root/usr/lib/systemd/system/" || tests_done
	sed -n 's/^Exec[A-Za-z]*=[-+@:!]*\(\/[^ ]*\).*$/\1/p' "$UNITS"/kvsd.service | sort -u >"$TMPD/exec"
	while read -r p; do
		mkdir -p "$root${p%/*}"
		if [ "$p" = /usr/sbin/kvsd ]; then
			cp "$KVSD_BIN" "$root$p"
		else
			cp -L "$p" "$root$p" 2>/dev/null || diag "$p: not on this host either"
		fi
	done <"$TMPD/exec"
	# Documentation=man:kvsd(8) man:kvs(8): the pages of this tree, not installed here
	if command -v man >/dev/null; then
		cp "$TREE/Documentation/kvsd.8" "$TREE/Documentation/kvs.8" "$man/man8/"
	else
		manopt=(--man=no)
		skip "systemd-analyze verify: Documentation= pages found by man" "man not installed"
	fi
	echo "# + MANPATH=$man: systemd-analyze verify ${manopt[*]} --root=$root kvsd.service kvsd.socket"
	out=$(MANPATH=$man: systemd-analyze verify "${manopt[@]}" --root="$root" \
		kvsd.service kvsd.socket 2>&1)
	rc=$?
	# an unknown key or a bad value is only a warning (exit 0): any word fails
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		pass "systemd-analyze verify kvsd.service kvsd.socket: exit 0, nothing to say"
	else
		fail "systemd-analyze verify kvsd.service kvsd.socket: exit 0, nothing to say" \
			"exit status $rc"
		_diag_out "$out"
	fi

	# security: today's unit against the one of $BASE_COMMIT, both computed here
	new=$(exposure "$UNITS/kvsd.service")
	mkdir -p "$TMPD/base"
	f=$TMPD/base/kvsd.service
	if ! git -C "$TREE" show "$BASE_COMMIT:userspace/kvsd/kvsd.service" >"$f" 2>/dev/null; then
		skip "systemd-analyze security: kvsd.service no worse than at $BASE_COMMIT" \
			"commit $BASE_COMMIT not in this tree (not a git clone, or a shallow one)"
	else
		old=$(exposure "$f")
		diag "exposure: $old at $BASE_COMMIT, ${new:-?} now (0 best, 10 worst)"
		if [ -z "$old" ] || [ -z "$new" ]; then
			fail "systemd-analyze security: kvsd.service no worse than at $BASE_COMMIT" \
				"no \"Overall exposure level\" line (now: '$new', then: '$old')"
		elif awk -v a="$new" -v b="$old" 'BEGIN { exit !(a <= b) }'; then
			pass "systemd-analyze security: kvsd.service exposure $new, no worse than $old at $BASE_COMMIT"
		else
			fail "systemd-analyze security: kvsd.service exposure $new, no worse than $old at $BASE_COMMIT"
			_diag_out "$(systemd-analyze security --offline=true "$UNITS/kvsd.service" 2>&1 |
				grep -v '^✓' | head -n 30)"
		fi
	fi
	echo "1..$TESTS_RUN"
	echo "# Totals: pass:$((TESTS_RUN - TESTS_FAILED - TESTS_SKIPPED)) fail:$TESTS_FAILED xfail:0 xpass:0 skip:$TESTS_SKIPPED error:0"
	[ "$TESTS_FAILED" -eq 0 ]
	exit
}
[ "${1:-}" = --offline ] && offline

# ---- under systemd -------------------------------------------------------------------------

if [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ]; then
	# in run.sh -y's boot this is the boot failing, not a reason to skip
	if [ -n "${KVS_SYSTEMD:-}" ]; then
		fail "PID 1 is systemd (run.sh -y)" "PID 1 is '$(cat /proc/1/comm 2>/dev/null)'"
		tests_done
	fi
	skip_all "needs systemd as PID 1: selftests/vm/run.sh -y"
fi
kvs_require python3 systemctl journalctl nsenter

RPC=$SELFTEST_DIR/kvs_rpc.py
SW=k${PID}s
CONF=/etc/kvs/kvsd.conf
SOCK=/run/kvs/kvsd.sock
defer_cmd "systemctl stop kvsd.socket kvsd.service"
defer_cmd "$KVS switch del $SW"

prop() { systemctl show -p "$2" --value "$1"; }	# prop UNIT PROPERTY
active() { [ "$(systemctl is-active "$1")" = active ]; }
nets() { kj net show switch "$SW" | jq -r '[.[].net] | sort | join(" ")'; }
journal_err() { journalctl -b -u kvsd -p err --no-pager -o cat; }
health() { "$RPC" "$SOCK" '{"op":"health"}'; }
# restarted PID : kvsd is active again with a main PID other than PID
restarted() { active kvsd && [ "$(prop kvsd MainPID)" != "$1" ] && [ "$(prop kvsd MainPID)" != 0 ]; }
stopped() { ! systemctl -q is-active kvsd; }
parse_error_logged() { journal_err | grep -qE 'kvsd\.conf:3: .*lots'; }
# took_socket INVOCATION : that run of kvsd logged that it uses systemd's socket
took_socket() {
	journalctl "_SYSTEMD_INVOCATION_ID=$1" --no-pager -o cat |
		grep -q 'listening on the socket systemd passed'
}

# The socket test's mode and group, ones kvsd would never choose itself (it makes 0660
# root:root), so that what the socket ends up with can only come from the .socket unit: a
# runtime drop-in (systemctl edit --runtime), written before anything loads kvsd.socket
# (systemd reads a unit when it is first needed; a daemon-reload costs 10 s under TCG).
grp=$(getent group adm bin daemon | head -n 1 | cut -d: -f1)
mkdir -p /run/systemd/system/kvsd.socket.d
printf '[Socket]\nSocketMode=0620\nSocketGroup=%s\n' "$grp" \
	>/run/systemd/system/kvsd.socket.d/systemd-sh.conf

diag "systemd $(systemctl --version | head -n 1 | cut -d' ' -f2), booted to" \
	"$(systemctl list-units --type=target --state=active --no-legend | awk '{ printf "%s ", $1 }')"
diag "$(systemd-analyze time 2>&1 | head -n 1)"
check_fail "systemd does not take the VM for a container (systemd-detect-virt --container)" \
	systemd-detect-virt --container
check_eq "booted kvs-test.target, not the default target (no multi-user.target)" \
	"$(systemctl is-active kvs-test.target) $(systemctl is-active multi-user.target)" "active inactive"
check_eq "systemd-journald is running (journalctl -p needs it)" \
	"$(systemctl is-active systemd-journald)" active
check_eq "kvsd.service is the work tree's unit (/etc/systemd/system)" \
	"$(prop kvsd FragmentPath)" /etc/systemd/system/kvsd.service
check "/usr/sbin/kvsd is the work tree's build" cmp /usr/sbin/kvsd "$KVSD_BIN"

# ---- start -------------------------------------------------------------------------------
mkdir -p /etc/kvs
printf '# systemd.sh\nswitch add %s\nnet add 10 switch %s\n' "$SW" "$SW" >"$CONF"
check "systemctl start kvsd" systemctl start kvsd
check_eq "kvsd.service active" "$(systemctl is-active kvsd)" active
check "kvs is loaded (ExecStartPre=+modprobe kvs, outside the sandbox)" kvs_loaded
if [ -f /run/kvs-vm/kvs.ko ]; then
	check_eq "the loaded kvs is run.sh's fresh kvs.ko (srcversion)" \
		"$(cat /sys/module/kvs/srcversion 2>/dev/null)" "$(modinfo -F srcversion /run/kvs-vm/kvs.ko)"
fi
check_eq "the configured switch exists (kvs switch show $SW) with network 10" \
	"$(kj switch show "$SW" | jq -r '.[0].ifname // empty') $(nets)" "$SW 10"

# ---- the sandbox, as the kernel sees kvsd ----------------------------------------------------
pid=$(prop kvsd MainPID)
st=$(cat "/proc/$pid/status" 2>/dev/null)
diag "kvsd is PID $pid; $(grep -E '^(NoNewPrivs|Cap(Bnd|Eff|Prm|Amb)|Seccomp):' <<<"$st" | tr '\n\t' '  ')"
check_eq "kvsd: NoNewPrivs 1 (NoNewPrivileges=yes)" "$(sed -n 's/^NoNewPrivs:\s*//p' <<<"$st")" 1
# CAP_CHOWN is bit 0, CAP_NET_ADMIN bit 12
want=$(printf '%016x' $(((1 << 0) | (1 << 12))))
check_eq "kvsd: CapBnd is cap_chown,cap_net_admin and nothing else" \
	"$(sed -n 's/^CapBnd:\s*//p' <<<"$st")" "$want"
check_eq "kvsd: CapEff within it (root keeps only those two)" "$(sed -n 's/^CapEff:\s*//p' <<<"$st")" "$want"
check_eq "kvsd: seccomp filter mode (SystemCallFilter=)" "$(sed -n 's/^Seccomp:\s*//p' <<<"$st")" 2
probe=.kvs-systemd-$PID
check "/usr is writable outside kvsd (the overlay), so the next check means something" \
	touch "/usr/$probe"
rm -f "/usr/$probe"
out=$(nsenter -t "$pid" -m touch "/usr/$probe" 2>&1)
check_match "kvsd's /usr is read-only (ProtectSystem=strict)" 'read-only file system' "$out"
# the file that bounds what the RPC may do is not kvsd's to change
out=$(nsenter -t "$pid" -m touch "/etc/kvs/$probe" 2>&1)
check_match "kvsd's /etc/kvs is read-only (ProtectSystem=strict)" 'read-only file system' "$out"
check "kvsd's state directory is writable (StateDirectory=kvs)" \
	nsenter -t "$pid" -m touch "/var/lib/kvs/$probe"
rm -f "/var/lib/kvs/$probe" "/usr/$probe" "/etc/kvs/$probe"

# ---- reload ------------------------------------------------------------------------------------
printf '# systemd.sh\nswitch add %s\nnet add 10 switch %s\nnet add 20 switch %s\n' \
	"$SW" "$SW" "$SW" >"$CONF"
check "systemctl reload kvsd: a good file" systemctl reload kvsd
check_eq "the reload applied it (networks 10 20)" "$(nets)" "10 20"
# line 3 does not parse; line 4 is gone: nothing of it may be applied
printf '# systemd.sh\nswitch add %s\nnet add 10 switch %s max-macs lots\n' "$SW" "$SW" >"$CONF"
check_fail "systemctl reload kvsd: a file that does not parse FAILS (ExecReload=kvsd --reload)" \
	systemctl reload kvsd
check_eq "kvsd still active, same PID" "$(systemctl is-active kvsd) $(prop kvsd MainPID)" "active $pid"
check_eq "the previous configuration stays (networks 10 20)" "$(nets)" "10 20"
journalctl --sync 2>/dev/null
check_within "journalctl -u kvsd -p err: the parse error (kvsd.conf:3: ... lots)" 5 \
	parse_error_logged
_diag_out "$(journal_err | tail -n 5)"
out=$(journal_err)
check_nomatch "journalctl -u kvsd -p err: not the info lines (\"starting\" is priority 6)" \
	'kvsd .* starting' "$out"
check_match "journalctl -u kvsd: the info lines are there" 'kvsd .* starting' \
	"$(journalctl -b -u kvsd --no-pager -o cat)"
# back to the good file for what follows
printf '# systemd.sh\nswitch add %s\nnet add 10 switch %s\nnet add 20 switch %s\n' \
	"$SW" "$SW" "$SW" >"$CONF"

# ---- systemctl kill: Restart=on-failure ------------------------------------------------------
check "systemctl kill -s SIGKILL kvsd" systemctl kill -s SIGKILL kvsd
check_within "killed by a signal is a failure: Restart=on-failure starts kvsd again" 20 \
	restarted "$pid"
check_eq "NRestarts=1" "$(prop kvsd NRestarts)" 1
pid=$(prop kvsd MainPID)
check "systemctl kill kvsd (SIGTERM)" systemctl kill kvsd
check_within "SIGTERM: kvsd stops" 10 stopped
nap 2	# RestartSec is 100 ms: a restart would have come
# kvsd exits 0 on SIGTERM (after STOPPING=1): a clean stop, which on-failure leaves alone
check_eq "SIGTERM: kvsd exited 0, result success, not restarted 2 s later" \
	"$(systemctl is-active kvsd) $(prop kvsd Result) $(prop kvsd ExecMainStatus)" "inactive success 0"
diag "$(systemctl status kvsd --no-pager -n 0 2>&1 | sed -n 's/^ *\(Active\|Process\|Main PID\):/\1:/p')"
check_eq "the switch stays when kvsd stops" "$(nets)" "10 20"

# ---- restart -------------------------------------------------------------------------------
check "systemctl restart kvsd" systemctl restart kvsd
check_eq "kvsd.service active" "$(systemctl is-active kvsd)" active
out=$(health 2>&1)
check_eq "kvsd answers {\"op\":\"health\"} on $SOCK" "$(jq -r .ok <<<"$out" 2>&1)" true
diag "$out"

# ---- socket activation -----------------------------------------------------------------------
must systemctl stop kvsd
check_eq "kvsd.socket has the drop-in's SocketMode and SocketGroup (loaded after it)" \
	"$(prop kvsd.socket SocketMode) $(prop kvsd.socket SocketGroup)" "0620 $grp"
check "systemctl start kvsd.socket" systemctl start kvsd.socket
want="$(prop kvsd.socket SocketMode | sed 's/^0*//') $(prop kvsd.socket SocketGroup)"
check_eq "systemd made $SOCK with the unit's SocketMode and SocketGroup" \
	"$(stat -c '%a %G' "$SOCK" 2>&1)" "$want"
check_eq "kvsd not started yet" "$(systemctl is-active kvsd)" inactive
ino=$(stat -c %i "$SOCK")
out=$(health 2>&1)
check_eq "a connection starts kvsd, which answers health" "$(jq -r .ok <<<"$out" 2>&1)" true
diag "$out"
check_eq "kvsd.service active" "$(systemctl is-active kvsd)" active
# this run of kvsd's lines only
check_within "kvsd took systemd's socket (\"listening on the socket systemd passed\")" 5 \
	took_socket "$(prop kvsd InvocationID)"
check_eq "the socket keeps its inode, the unit's mode and group with kvsd running" \
	"$(stat -c '%i %a %G' "$SOCK" 2>&1)" "$ino $want"
check_eq "the switch is kvsd's again (networks 10 20)" "$(nets)" "10 20"

tests_done
