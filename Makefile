# SPDX-License-Identifier: GPL-2.0
#
# kvs: the kernel module (kvs.ko, built by Kbuild) and the kvs tool (userspace/).
#
#   make [KERNELRELEASE=6.1.0-NN-amd64 | KERNELDIR=/path/to/tree]   kvs.ko and the tool
#   make check      everything the CI runs: four lanes (6.1, 6.12, 6.12-rt, debug kernel)
#   make check-quick  one lane: builds, checkpatch, sparse, selftests in a VM (6.1)
#   make demo       two isolated networks on one switch and a server over VXLAN, in a VM (or here)
#   make help       all targets
#
# Caches (the initramfs, the checkpatch script) go to $(KVS_CACHE); nothing else is
# written outside the tree except by the install targets.

KVS_CACHE ?= /var/cache/kvs
export KVS_CACHE

# The kernel to build for: the running one when it has headers, else the distribution's
# default kernel (the one the linux-headers-ARCH metapackage depends on, e.g. 6.1 on
# Debian 12 even with the 6.12 kernels of "make kernels" installed) if it has them, else
# the newest kernel in /lib/modules that has them (this is the usual case on the build
# VMs, whose kernel has no module support at all). Expanded when used, so that check and
# demo see the kernel that their deps prerequisite may just have installed.
RUNNING_KERNEL := $(shell uname -r)
DISTRO_KERNEL = $(shell dpkg-query -W -f='$${Depends}' \
	linux-headers-$$(dpkg --print-architecture 2>/dev/null) 2>/dev/null | \
	sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
NEWEST_KERNEL = $(shell for k in $(DISTRO_KERNEL) $$(ls /lib/modules 2>/dev/null | sort -rV); do \
	[ -e /lib/modules/$$k/build/Makefile ] && echo $$k && break; done)
KERNELRELEASE ?= $(if $(wildcard /lib/modules/$(RUNNING_KERNEL)/build/Makefile),$(RUNNING_KERNEL),$(NEWEST_KERNEL))
KERNELDIR ?= /lib/modules/$(KERNELRELEASE)/build
ifeq ($(origin KERNELRELEASE),file)
ifneq ($(KERNELRELEASE),$(RUNNING_KERNEL))
ifneq ($(KERNELRELEASE),)
$(shell echo "kvs: building for $(KERNELRELEASE) (running kernel has no headers)" >&2)
endif
endif
endif

# The version: "git describe" of this tree (0.1-gHASH before the first v* tag), else the
# .version file "make dkms-install" leaves in /usr/src/kvs-VERSION, else 0.1. Passed to
# Kbuild and to userspace/ as KVS_VERSION.
KVS_BASE_VERSION := 0.1
ifeq ($(origin KVS_VERSION),undefined)
KVS_VERSION := $(shell \
	if [ "$$(git -C '$(CURDIR)' rev-parse --show-toplevel 2>/dev/null)" = "$$(cd '$(CURDIR)' && pwd -P)" ]; then \
		v=$$(git -C '$(CURDIR)' describe --always --dirty --tags --match 'v[0-9]*' 2>/dev/null); \
		case $$v in (v[0-9]*) echo "$${v\#v}" ;; (?*) echo "$(KVS_BASE_VERSION)-g$$v" ;; esac; \
	elif [ -s '$(CURDIR)/.version' ]; then cat '$(CURDIR)/.version'; \
	else echo $(KVS_BASE_VERSION); fi)
endif

KBUILD = $(MAKE) -C $(KERNELDIR) M=$(CURDIR) KVS_VERSION=$(KVS_VERSION)
DKMS_SRC := /usr/src/kvs-$(KVS_VERSION)
CHECKPATCH_SOURCES := $(sort $(wildcard $(CURDIR)/kernel/*.[ch] $(CURDIR)/uapi/linux/*.h))

# Debian 12 packages for building, checking and the test VM ("make deps" installs them).
DEPS := build-essential gcc make bc flex bison libelf-dev kmod cpio xz-utils zstd git perl \
	pkg-config libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libjson-c-dev libsystemd-dev \
	linux-image-amd64 linux-headers-amd64 linux-source-6.1 sparse dkms \
	qemu-system-x86 busybox-static iproute2 iputils-ping tcpdump ethtool procps \
	python3 python3-scapy jq openvswitch-switch iperf3 \
	podman containernetworking-plugins \
	gobgpd frr golang-github-osrg-gobgp-dev protobuf-compiler libprotobuf-dev python3-grpcio python3-protobuf

all: module tools

module: kernel-headers
	$(KBUILD) W=1 modules

tools:
	$(MAKE) -C userspace KVS_VERSION=$(KVS_VERSION)

kernel-headers:
	@test -n "$(KERNELRELEASE)" -a -e "$(KERNELDIR)/Makefile" || { \
		echo "kvs: no kernel headers for '$(KERNELRELEASE)' in $(KERNELDIR):" \
		     "apt-get install linux-headers-amd64 (or run make deps)" >&2; exit 1; }

# Installs into /lib/modules/$(KERNELRELEASE)/extra (or under $(DESTDIR)) and the tool
# and its man page via userspace/. Distribution headers have no signing key: then the
# module is installed unsigned instead of failing to sign it.
SIGN_KEY = $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="*\([^"]*\)"*$$/\1/p' $(KERNELDIR)/include/config/auto.conf 2>/dev/null)
NO_SIGN = $(if $(SIGN_KEY),$(if $(wildcard $(KERNELDIR)/$(SIGN_KEY) $(SIGN_KEY)),,CONFIG_MODULE_SIG_ALL=))

install: all
	$(KBUILD) INSTALL_MOD_DIR=extra $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) $(NO_SIGN) modules_install
	$(if $(DESTDIR),,depmod -a $(KERNELRELEASE))
	$(MAKE) -C userspace KVS_VERSION=$(KVS_VERSION) install

# Registers this tree with DKMS as kvs/$(KVS_VERSION), after removing any other kvs
# version, and builds and installs it for $(KERNELRELEASE).
dkms-install: dkms-uninstall kernel-headers
	install -d $(DKMS_SRC)
	cd $(CURDIR) && find Kbuild Makefile dkms.conf kernel uapi -type f \
		\( -name '*.[ch]' ! -name '*.mod.c' -o -name Kbuild -o -name Makefile -o -name dkms.conf \) \
		-exec cp --parents {} $(DKMS_SRC)/ \;
	sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(KVS_VERSION)"/' $(DKMS_SRC)/dkms.conf
	echo '$(KVS_VERSION)' >$(DKMS_SRC)/.version
	dkms add kvs/$(KVS_VERSION)
	dkms build kvs/$(KVS_VERSION) -k $(KERNELRELEASE)
	dkms install kvs/$(KVS_VERSION) -k $(KERNELRELEASE)

dkms-uninstall:
	@for v in $$(dkms status kvs 2>/dev/null | sed -n 's|^kvs/\([^,:]*\).*|\1|p' | sort -u); do \
		echo "dkms remove kvs/$$v --all"; dkms remove kvs/$$v --all || exit 1; \
	done
	rm -rf /usr/src/kvs-*

# checkpatch --strict on kernel/ and uapi/: the script comes from linux-source-6.1,
# extracted once (just scripts/) into $(KVS_CACHE).
CHECKPATCH ?= $(firstword $(wildcard /usr/src/linux-source-6.1/scripts/checkpatch.pl) \
	$(KVS_CACHE)/linux-source-6.1/scripts/checkpatch.pl)

$(KVS_CACHE)/linux-source-6.1/scripts/checkpatch.pl:
	@test -f /usr/src/linux-source-6.1.tar.xz || { \
		echo "kvs: /usr/src/linux-source-6.1.tar.xz missing: apt-get install linux-source-6.1" >&2; \
		exit 1; }
	mkdir -p $(KVS_CACHE)
	tar -xf /usr/src/linux-source-6.1.tar.xz -C $(KVS_CACHE) linux-source-6.1/scripts

style: $(CHECKPATCH)
	@out=$$(cd $(CURDIR) && $(CHECKPATCH) --no-tree --strict --show-types --terse --no-summary \
		-f $(CHECKPATCH_SOURCES:$(CURDIR)/%=%) 2>&1); \
	if [ -n "$$out" ]; then printf '%s\n' "$$out"; \
		echo "kvs: checkpatch: $$(printf '%s\n' "$$out" | wc -l) findings"; exit 1; fi; \
	echo "kvs: checkpatch --strict: no findings in $(words $(CHECKPATCH_SOURCES)) files"

# sparse on every source file (C=2; W=1 as for "module", so nothing is recompiled); any
# warning fails.
sparse: kernel-headers
	@out=$$($(KBUILD) W=1 C=2 modules 2>&1); rc=$$?; printf '%s\n' "$$out"; \
	n=$$(printf '%s\n' "$$out" | grep -cE '(warning|error):'); \
	if [ $$rc -ne 0 ] || [ $$n -ne 0 ]; then echo "kvs: sparse: $$n warnings (exit $$rc)"; exit 1; fi

# Packages: installs what is missing (as root, or with sudo), non-interactively.
deps:
	@command -v dpkg-query >/dev/null || { echo "kvs: not a Debian system; make sure these are installed: $(DEPS)"; exit 0; }; \
	missing=$$(for p in $(DEPS); do \
		dpkg-query -W -f='$${db:Status-Status}\n' $$p 2>/dev/null | grep -qx installed || echo $$p; done); \
	[ -z "$$missing" ] && exit 0; \
	sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	echo "kvs: installing" $$missing; \
	$$sudo apt-get update -q && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing

# Everything the CI runs, in four lanes: check-quick on the default kernel (6.1), on 6.12
# and on 6.12-rt, then check-debug; a table of the lanes and the sum "N passed, M failed".
# See selftests/vm/kernels.sh.
check: deps kernels
	@KVS_VERSION='$(KVS_VERSION)' $(CURDIR)/selftests/vm/kernels.sh check --debug

# One lane: builds, checkpatch, sparse, then the whole suite in a VM booting Debian 12's
# 6.1 kernel (kernels.sh base), or the KERNELRELEASE given on the command line. See
# selftests/vm/check.sh (it runs the builds itself).
QUICK_KERNEL = $(if $(filter file,$(origin KERNELRELEASE)),$(or $(shell $(CURDIR)/selftests/vm/kernels.sh base 2>/dev/null),$(KERNELRELEASE)),$(KERNELRELEASE))
QUICK_KERNELDIR = $(if $(filter file,$(origin KERNELDIR)),/lib/modules/$(QUICK_KERNEL)/build,$(KERNELDIR))

check-quick: deps
	@KERNELRELEASE='$(QUICK_KERNEL)' KERNELDIR='$(QUICK_KERNELDIR)' KVS_VERSION='$(KVS_VERSION)' \
		$(CURDIR)/selftests/vm/check.sh

# The whole suite on a debug kernel (KASAN, lockdep, PROVE_RCU, kmemleak) built once from
# linux-source-6.1 into $(KVS_CACHE)/debug-kernel: see selftests/vm/check-debug.sh.
check-debug: deps
	@KVS_VERSION='$(KVS_VERSION)' $(CURDIR)/selftests/vm/check-debug.sh

# The other kernels kvs supports (6.12 LTS and 6.12 PREEMPT_RT, Debian 12 packages; never
# the default one): "kernels" installs what is missing (as root, or with sudo),
# "check-kernels" runs check-quick for the default kernel and each of them and ends with
# the sum "N passed, M failed". See selftests/vm/kernels.sh.
kernels:
	@if [ "$$(id -u)" = 0 ]; then $(CURDIR)/selftests/vm/kernels.sh install; else \
		$(CURDIR)/selftests/vm/kernels.sh install 2>/dev/null || \
		sudo $(CURDIR)/selftests/vm/kernels.sh install; fi

check-kernels: deps
	@$(CURDIR)/selftests/vm/kernels.sh check

# Not part of check: config churn under traffic with module reloads, in a VM, for
# SOAK_SECONDS (default 600); KVS_DEBUG=1 boots the debug kernel. See selftests/soak.sh.
soak: deps
	@SOAK_SECONDS='$(SOAK_SECONDS)' KVS_DEBUG='$(KVS_DEBUG)' KVS_VERSION='$(KVS_VERSION)' \
		$(CURDIR)/selftests/soak.sh --vm
.PHONY: soak

# Not part of check: the benchmark (kvs against the Linux bridge, Open vSwitch, tc mirred
# and the no-switch floor), in one VM; writes BENCH_OUT (default bench-results/). Knobs:
# BENCH_MODE (exact: instructions per frame, the default; wall), BENCH_REPS, BENCH_FRAMES,
# BENCH_SECS, BENCH_QUICK=1, BENCH_OUT. See selftests/bench/README. perf (linux-perf) for
# the exact mode's profiles; ethtool is in DEPS.
BENCH_DEPS := $(DEPS) gnuplot-nox linux-perf

# the deps recipe with the bench's list (a command-line DEPS overrides the Makefile's)
bench-deps:
	@$(MAKE) --no-print-directory deps DEPS='$(BENCH_DEPS)'

bench: bench-deps
	@KERNELRELEASE='$(KERNELRELEASE)' KERNELDIR='$(KERNELDIR)' KVS_VERSION='$(KVS_VERSION)' \
		$(CURDIR)/selftests/bench/host.sh
.PHONY: bench bench-deps

# The demo needs a kernel that loads modules: the running one if it can (as root), else a
# VM booting $(KERNELRELEASE).
demo: deps
	@$(MAKE) --no-print-directory KERNELRELEASE=$(KERNELRELEASE) KERNELDIR=$(KERNELDIR) all
	@if [ -e /proc/modules ] && [ "$(KERNELRELEASE)" = "$(RUNNING_KERNEL)" ]; then \
		set -e; \
		if ! grep -q '^kvs ' /proc/modules; then \
			$(MAKE) --no-print-directory load KVS_MODULE_ARGS=dyndbg=+p; \
		fi; \
		KVS_KO=$(CURDIR)/kvs.ko PATH=$(CURDIR)/userspace/kvs:$(CURDIR)/userspace/kvsd:$$PATH \
			$(CURDIR)/selftests/vm/demo.sh; \
	else \
		$(CURDIR)/selftests/vm/run.sh -s -k $(KERNELRELEASE) -- selftests/vm/demo.sh; \
	fi

# Loads the kvs.ko of this build tree (KO=FILE for another) into the running kernel: the
# modules it needs first (udp_tunnel and ip6_udp_tunnel, from "modinfo -F depends", with
# modprobe), then the module with insmod, which loads no dependency itself. "unload"
# removes it. Both as root. (An installed module needs neither: "modprobe kvs".)
KO ?= $(CURDIR)/kvs.ko

load:
	@test -f '$(KO)' || { echo "kvs: $(KO) missing: run make first" >&2; exit 1; }
	@set -e; for d in $$(modinfo -F depends '$(KO)' | tr , ' '); do \
		echo "modprobe $$d"; modprobe $$d; done
	insmod '$(KO)' $(KVS_MODULE_ARGS)

unload:
	rmmod kvs

# For scripts: the kernel and version this tree builds for.
kernelrelease:
	@echo $(KERNELRELEASE)

version:
	@echo $(KVS_VERSION)

clean:
	-test -e $(KERNELDIR)/Makefile && $(KBUILD) clean
	$(MAKE) -C userspace clean
	-test -e selftests/Makefile && $(MAKE) -C selftests clean

help:
	@echo "kvs $(KVS_VERSION), for kernel $(KERNELRELEASE) ($(KERNELDIR))"
	@echo "  all           kvs.ko (module) and the kvs tool (tools)"
	@echo "  module        kvs.ko, with W=1"
	@echo "  tools         userspace/kvs/kvs"
	@echo "  install       kvs.ko into /lib/modules/KERNELRELEASE/extra, depmod, the tool and man page"
	@echo "  load, unload  insmod this tree's kvs.ko (KO=FILE) after modprobe of its dependencies; rmmod"
	@echo "  dkms-install  register with DKMS as kvs/$(KVS_VERSION), build and install"
	@echo "  dkms-uninstall  remove every kvs version from DKMS"
	@echo "  style         checkpatch --strict on kernel/ and uapi/"
	@echo "  sparse        sparse (C=2), failing on any warning"
	@echo "  deps          apt-get install what building and testing need"
	@echo "  check         what CI runs: check-kernels' three lanes, then check-debug; ends with the sum"
	@echo "  check-quick   one lane: builds, style, sparse, then the selftests in a VM booting KERNELRELEASE"
	@echo "  check-debug   the selftests on a KASAN/lockdep/kmemleak kernel built from linux-source-6.1"
	@echo "  kernels       install the other kernels kvs is tested on (6.12, 6.12-rt)"
	@echo "  check-kernels check-quick on the default kernel and each of those; ends with the sum"
	@echo "  bench         benchmark vs bridge, OVS, tc mirred in a VM: bench-results/ (BENCH_MODE=exact|wall, BENCH_QUICK=1)"
	@echo "  bench-deps    apt-get install what bench needs (deps, gnuplot and perf)"
	@echo "  demo          two isolated networks, one switch, a server over VXLAN (in a VM unless kvs loads here)"
	@echo "  kernelrelease, version   print them"
	@echo "  clean"
	@echo "Variables: KERNELRELEASE, KERNELDIR, KVS_VERSION, KVS_CACHE, DESTDIR"

.PHONY: all module tools kernel-headers install dkms-install dkms-uninstall style sparse deps \
	check check-quick check-debug kernels check-kernels demo kernelrelease version clean help \
	load unload
