#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the kvs test VM, as root, with the host's read-only / as root (see init).
# Makes the system usable for the tests, makes "modprobe kvs" load the kvs.ko run.sh was
# given (with dynamic debug on), runs the command from /run/kvs-vm/env, then tears kvs
# down and leaves everything run.sh checks in /run/kvs-vm:
#
#   output	the command's stdout and stderr (also echoed to the console)
#   status	the command's exit status
#   rmmod	"rmmod kvs" status (absent if kvs was not loaded at the end)
#   dyndbg	the kvs lines of dynamic_debug/control before rmmod
#   dmesg	the kernel log after rmmod
#   dmesg.live	the kernel log as it was written (all run.sh has if the VM hung)
#   kmemleak	kmemleak report, on kernels with kmemleak (kmemleak.loaded: before rmmod)
#   uptime	seconds from boot to the start of the command
#
# Under systemd (run.sh -y, KVS_SYSTEMD=1: started by kvs-test.service on an overlay
# root) the mounts below are systemd's and the root is writable: they are left alone.

res=/run/kvs-vm
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# shellcheck source=/dev/null
. "$res/env" || exit 1
cut -d' ' -f1 /proc/uptime >"$res/uptime"

log() { echo "kvs-vm: $*"; }

mkdir -p /run/kvs
system_mounts() {
	# Writable scratch space. /tmp or /var/tmp may hold the work tree on the host: keep that
	# visible by moving a bind mount of it over the new tmpfs.
	for d in /tmp /var/tmp; do
		keep=
		case $KVS_TREE/ in
		"$d"/*)
			keep=/run/kvs/keep
			mkdir -p "$keep" && mount --bind "$KVS_TREE" "$keep"
			;;
		esac
		mount -t tmpfs -o mode=1777 tmpfs "$d"
		if [ -n "$keep" ]; then
			mkdir -p "$KVS_TREE" && mount --move "$keep" "$KVS_TREE"
		fi
	done
	mkdir -p /dev/pts /dev/shm
	ln -sfn /proc/self/fd /dev/fd
	ln -sfn /proc/self/fd/0 /dev/stdin
	ln -sfn /proc/self/fd/1 /dev/stdout
	ln -sfn /proc/self/fd/2 /dev/stderr
	mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	mount -t bpf bpf /sys/fs/bpf 2>/dev/null
	mount -t tmpfs -o mode=0755 tmpfs /var/log
}
[ -n "${KVS_SYSTEMD:-}" ] || system_mounts

# Only errors and worse reach the console; everything (the kvs pr_debug lines too) goes
# to the log, which is copied to the share as it grows: if the VM hangs and run.sh kills
# it, the log up to the hang is still checked.
dmesg -n 4
dmesg --follow >"$res/dmesg.live" 2>/dev/null &
follow=$!
sysctl -qw kernel.sysrq=1
hostname kvs-vm
ip link set lo up

# /etc/modprobe.d: a tmpfs copy with "options kvs dyndbg=+p" added, so the module's
# created/destroyed and attached/detached debug lines reach the log.
mkdir -p /run/kvs/modprobe.d
cp -a /etc/modprobe.d/. /run/kvs/modprobe.d/ 2>/dev/null
echo "options kvs dyndbg=+p" >/run/kvs/modprobe.d/kvs.conf
mount --bind /run/kvs/modprobe.d /etc/modprobe.d

# /lib/modules/$KVER: a tmpfs tree of symlinks to the real one, with run.sh's kvs.ko as
# extra/kvs.ko and the module indexes run.sh made with depmod for the same tree.
kver=$(uname -r)
if [ -f "$res/kvs.ko" ] && [ -d "$res/modules" ]; then
	# shellcheck source-path=SCRIPTDIR source=modtree.sh
	. "$res/modtree.sh"
	orig=/run/kvs/modules.orig
	mkdir -p "$orig"
	if [ -d "/lib/modules/$kver" ]; then
		# private: under systemd / is shared, and the bind below would propagate to
		# this peer and hide the original behind the tree of links to it (a loop)
		mount --bind "/lib/modules/$kver" "$orig" && mount --make-private "$orig"
	else
		# a kernel with no installed modules (run.sh -B): an empty /lib/modules/$kver
		mount -t tmpfs -o mode=0755 tmpfs /lib/modules && mkdir -p "/lib/modules/$kver"
	fi
	if kvs_modtree "$orig" "/run/kvs/modules/$kver" "$res/kvs.ko" &&
	   cp "$res"/modules/modules.* "/run/kvs/modules/$kver/"; then
		mount --bind "/run/kvs/modules/$kver" "/lib/modules/$kver"
	else
		log "could not set up the module tree; modprobe kvs will not find the new build"
	fi
fi

export HOME=/tmp TERM=dumb LANG=C.UTF-8 KVS_VM=1
for d in userspace/kvsd userspace/kvs userspace/evpn; do
	[ -d "$KVS_TREE/$d" ] && PATH=$KVS_TREE/$d:$PATH
done
export PATH

cd "$KVS_TREE" || exit 1
"${KVS_CMD[@]}" </dev/null 2>&1 | tee "$res/output"
echo "${PIPESTATUS[0]}" >"$res/status"

# kmemleak (debug kernels): scan twice, as recommended, while kvs is still loaded, so
# that its frames in the leaks' backtraces still resolve to kvs symbols.
kmemleak_scan() { # FILE
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	log "scanning for memory leaks (kmemleak)"
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >"$1"
}

# Tear kvs down so that the log holds a "destroyed"/"detached" line for everything made.
if grep -q '^kvs ' /proc/modules; then
	kmemleak_scan "$res/kmemleak.loaded"
	grep '\[kvs\]' /sys/kernel/debug/dynamic_debug/control >"$res/dyndbg" 2>/dev/null
	left=$(ip -br link show type kvs 2>/dev/null | wc -l)
	[ "$left" -gt 0 ] && log "$left kvs switch(es) left at the end, rmmod removes them"
	# a reference may still be in flight from the last test: a few tries
	for _ in 1 2 3 4 5; do
		rmmod kvs && break
		sleep 1
	done
	grep -q '^kvs ' /proc/modules
	echo $((! $?)) >"$res/rmmod"
fi

kmemleak_scan "$res/kmemleak"

kill "$follow" 2>/dev/null
dmesg >"$res/dmesg"
sync
