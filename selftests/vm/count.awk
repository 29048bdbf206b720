# SPDX-License-Identifier: GPL-2.0
#
# Tally the output of run_tests.sh for check.sh; prints shell assignments:
# t_planned, t_pass, t_fail, t_skip and t_failures (one failed item a line).
#
# A test program's "ok N - desc" lines reach this output indented by "# " and each counts
# once ("# SKIP" ones as skips). A program with no such line counts once by its own
# "ok N NAME" line; one that failed without a failing subtest (crash, timeout, bad exit)
# adds a failure, and so does every planned program the run never reached.

function q(s) {
	gsub(/'/, "'\\''", s)
	return "'" s "'"
}

function fail(what) {
	t_fail++
	failures = failures what "\n"
}

BEGIN {
	planned = 0; reported = 0; cur = ""; sp = 0; sf = 0; ss = 0
}

/^1\.\.[0-9]+/ {
	planned = substr($0, 4) + 0
	next
}

/^# selftests: kvs: / {
	cur = substr($0, 19)
	sp = 0; sf = 0; ss = 0
	next
}

/^# (not )?ok [0-9]+/ {
	line = substr($0, 3)
	if (line ~ /#[ \t]*(SKIP|skip|TODO|todo)/)
		ss++
	else if (line ~ /^not ok/) {
		sf++
		fail(cur ": " line)
	} else
		sp++
	next
}

/^(not )?ok [0-9]+ / {
	reported++
	rest = $0
	sub(/^(not )?ok [0-9]+ /, "", rest)
	if ($0 ~ /^not ok/) {
		if (sf == 0)
			fail(rest)
	} else if (sp + sf + ss == 0) {
		if ($0 ~ /# SKIP/)
			ss++
		else
			sp++
	}
	t_pass += sp; t_skip += ss
	sp = 0; sf = 0; ss = 0; cur = ""
	next
}

END {
	if (cur != "") {
		reported++
		t_pass += sp; t_skip += ss
		if (sf == 0)
			fail(cur ": did not finish (the VM stopped during it)")
	}
	if (planned > reported)
		fail((planned - reported) " planned test program(s) never ran")
	printf "t_planned=%d\nt_pass=%d\nt_fail=%d\nt_skip=%d\nt_failures=%s\n",
		planned, t_pass, t_fail, t_skip, q(failures)
}
