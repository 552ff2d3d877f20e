#!/usr/bin/env bash
# bench/acme.sh [BUILD_DIR]: the ACME benchmark (run by `make bench` through
# bench/run.sh). certctl against uacme, lego and certbot, in one run against
# the same local Pebble (tests/integration/pebble-env.sh, 127.0.0.1 only):
#
#  (a) one certificate end to end (EC P-256 key, http-01): one untimed
#      warm-up, then BENCH_ACME_RUNS (5) timed runs per tool, each for a
#      name never used before; the median, best and worst are printed.
#  (b) BENCH_RENEW_N certificates renewed: `certctl renew --all --force
#      --jobs BENCH_RENEW_JOBS` (one command), a loop of `uacme -f issue`
#      (one per certificate), a loop of `lego renew` (one per certificate)
#      and `certbot renew --force-renewal` (one command). Issuing the
#      initial certificates ("setup") is not timed.
#
# Fairness: Pebble runs with PEBBLE_VA_NOSLEEP=1, no nonce rejection
# (--nonce-reject 0) and PEBBLE_AUTHZREUSE=0 (Pebble 2.4 otherwise reuses a
# valid authorization of the same account half of the time, which would
# skip the challenge at random), and every name is fresh or renewed once,
# so every certificate goes through a real http-01 validation. Each tool
# gets its own account, registered untimed. Each tool runs "its usual way",
# with its own defaults, notably its own polling intervals.
#
# http-01 (BENCH_ACME_SOLVER): "webroot" (the default): ONE python3
# http.server on PEBBLE_HTTP_PORT for the whole run serves a shared webroot
# and every tool writes its tokens there (certctl --webroot, lego
# --http.webroot, certbot --webroot, uacme through a hook script); the
# serving side is then the same for everybody, and lego's and uacme's setup
# can run in parallel. "standalone": certctl, lego and certbot each serve
# with their own built-in server; uacme has none, so it keeps the webroot
# (the server then runs only while uacme does).
#
# uacme 1.7.4 has no option for a CA file, and Debian's libcurl-gnutls reads
# the directory /etc/ssl/certs: uacme runs in a private mount namespace
# (unshare -m, or -rm when not root) where a directory holding only Pebble's
# TLS root is bind-mounted over /etc/ssl/certs; the timer starts inside the
# namespace, so that costs uacme nothing. uacme runs with -o (no OCSP:
# Pebble's certificates have no OCSP URL anyway). lego renews with --days
# 3650 because Pebble 2.4 issues 5-year certificates (--days 999 would not
# renew), and with --no-random-sleep; certbot renews with
# --no-random-sleep-on-renew: both otherwise sleep up to 8 minutes when not
# on a terminal.
#
# Environment: BENCH_RENEW_N (200, as the ACME issue asks: about 50 minutes
# on 2 cores, lego's renewal loop alone 18; 40 takes about 11),
# BENCH_ACME_RUNS (5),
# BENCH_RENEW_JOBS (8), BENCH_SETUP_JOBS (8), BENCH_ACME_SOLVER (webroot),
# BENCH_ACME_TOOLS ("certctl uacme lego certbot"), BENCH_CMD_TIMEOUT (120 s
# per command), CERTCTL (default BUILD_DIR/certctl).
# Output: the table on stdout; progress and failures on stderr.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1
B=${1:-build}
case "$B" in /*) ;; *) B=$PWD/$B ;; esac
CERTCTL=${CERTCTL:-$B/certctl}
N=${BENCH_RENEW_N:-200}
RUNS=${BENCH_ACME_RUNS:-5}
JOBS=${BENCH_RENEW_JOBS:-8}
SETUP_JOBS=${BENCH_SETUP_JOBS:-8}
SOLVER=${BENCH_ACME_SOLVER:-webroot}
TOOLS=${BENCH_ACME_TOOLS:-certctl uacme lego certbot}
TMO=${BENCH_CMD_TIMEOUT:-120}
EMAIL=bench@example.test

case "$SOLVER" in webroot | standalone) ;; *)
	echo "bench/acme.sh: BENCH_ACME_SOLVER is webroot or standalone" >&2
	exit 2 ;;
esac
for v in "$N" "$RUNS" "$JOBS" "$SETUP_JOBS" "$TMO"; do
	case "$v" in '' | *[!0-9]* | 0)
		echo "bench/acme.sh: counts must be positive integers" >&2
		exit 2 ;;
	esac
done

say() { echo "# $*" >&2; }

echo
echo "== ACME: certctl, uacme, lego, certbot against Pebble =="
if ! command -v pebble >/dev/null || ! command -v pebble-challtestsrv \
	>/dev/null; then
	echo "skipped: pebble or pebble-challtestsrv not installed"
	exit 0
fi

# shellcheck source=tests/integration/pebble-env.sh
. tests/integration/pebble-env.sh
W=$(mktemp -d "${TMPDIR:-/tmp}/certctl-bench-acme.XXXXXX") || exit 1
WR=$W/webroot
WR_PID=
mkdir -p "$WR/.well-known/acme-challenge" "$W/res" "$W/log"

webroot_start() {
	local i
	[ -n "$WR_PID" ] && return 0
	python3 -m http.server --bind 127.0.0.1 --directory "$WR" \
		"$PEBBLE_HTTP_PORT" >"$W/log/webroot.log" 2>&1 &
	WR_PID=$!
	for i in $(seq 1 50); do	# at most 5 s
		curl -s -o /dev/null --max-time 1 \
			"http://127.0.0.1:$PEBBLE_HTTP_PORT/" && return 0
		sleep 0.1
	done
	echo "bench/acme.sh: the webroot server did not start" >&2
	return 1
}
webroot_stop() {
	[ -n "$WR_PID" ] || return 0
	kill "$WR_PID" 2>/dev/null
	wait "$WR_PID" 2>/dev/null
	WR_PID=
	sleep 0.2	# let the port go before a standalone server binds it
}
cleanup() {
	webroot_stop
	pebble_stop
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# timeit.py OUT LOG CMD...: run CMD (stdin /dev/null, output to LOG), append
# "wall_s cpu_s maxrss_kb rc" (CPU and peak RSS of CMD and its children) to
# OUT and exit with CMD's status.
cat >"$W/timeit.py" <<'EOF'
import resource, subprocess, sys, time
out, log, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(log, "ab") as lg:
    t0 = time.monotonic()
    rc = subprocess.call(cmd, stdin=subprocess.DEVNULL, stdout=lg, stderr=lg)
    wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "a") as f:
    f.write("%.4f %.4f %d %d\n" % (wall, ru.ru_utime + ru.ru_stime,
                                  ru.ru_maxrss, rc))
sys.exit(rc)
EOF
timeit() { python3 "$W/timeit.py" "$@"; }

# ------------------------------------------------------------- pebble ---
# shellcheck disable=SC2031 # (pebble_start inherits it)
export PEBBLE_AUTHZREUSE=0
if ! pebble_start --nonce-reject 0; then
	echo "failed: pebble did not start"
	exit 1
fi
DIR=$PEBBLE_DIR_URL CA=$PEBBLE_CA_BUNDLE PORT=$PEBBLE_HTTP_PORT
if [ "$SOLVER" = webroot ]; then
	webroot_start || exit 1
fi

# ------------------------------------------------------------- tools ----
version() {
	case "$1" in
	certctl) "$CERTCTL" --version 2>/dev/null | head -n 1 ;;
	uacme) uacme -V 2>&1 | head -n 1 ;;
	lego) lego --version 2>/dev/null | head -n 1 ;;
	certbot) certbot --version 2>&1 | head -n 1 ;;
	esac
}
available() {
	case "$1" in
	certctl)
		[ -x "$CERTCTL" ] &&
			"$CERTCTL" acme request --help >/dev/null 2>&1 &&
			"$CERTCTL" renew --help >/dev/null 2>&1 ;;
	uacme)
		command -v uacme >/dev/null && command -v unshare \
			>/dev/null && ns_run true ;;
	lego | certbot) command -v "$1" >/dev/null ;;
	*) return 1 ;;
	esac
}

# uacme: trust Pebble's TLS root only (see the header)
mkdir -p "$W/uacme-ca"
cp "$CA" "$W/uacme-ca/pebble-tls-root.pem"
ns_run() { # CMD...: run CMD with $W/uacme-ca as /etc/ssl/certs, at most
	# NS_TMO (default BENCH_CMD_TIMEOUT) seconds
	local u=-m
	[ "$(id -u)" = 0 ] || u=-rm
	# shellcheck disable=SC2016
	timeout "${NS_TMO:-$TMO}" unshare "$u" sh -c \
		'mount --bind "$0" /etc/ssl/certs && exec "$@"' \
		"$W/uacme-ca" "$@"
}
cat >"$W/uacme-hook.sh" <<EOF
#!/bin/sh
# uacme hook: METHOD TYPE IDENT TOKEN AUTH; http-01 through the webroot
[ "\$2" = http-01 ] || exit 1
f="$WR/.well-known/acme-challenge/\$4"
case "\$1" in
begin) printf '%s' "\$5" >"\$f" ;;
*) rm -f "\$f" ;;
esac
EOF
chmod +x "$W/uacme-hook.sh"

if [ "$SOLVER" = webroot ]; then
	CC_SOLVER=(--webroot "$WR")
	LEGO_SOLVER=(--http --http.webroot "$WR")
	CB_SOLVER=(--webroot -w "$WR")
else
	CC_SOLVER=(--standalone "127.0.0.1:$PORT")
	LEGO_SOLVER=(--http --http.port "127.0.0.1:$PORT")
	CB_SOLVER=(--standalone --http-01-port "$PORT"
		--http-01-address 127.0.0.1)
fi
export LEGO_CA_CERTIFICATES=$CA REQUESTS_CA_BUNDLE=$CA
unset CERTCTL_CONFIG XDG_CONFIG_HOME XDG_DATA_HOME
mkdir -p "$W/home"

# Per tool, for a state directory $1:
#   T_register D      create the account (untimed)
#   T_issue D NAME    obtain one certificate (argv for timeit)
#   T_setup D NAMES   issue the initial certificates (untimed)
#   T_renew D NAMES   the timed renewal of all of them
#   T_count D MARKER  how many certificates are newer than MARKER

cc() { # D ARGS...: certctl with the repository D/repo
	local d=$1
	shift
	env HOME="$W/home" CERTCTL_REPO="$d/repo" timeout "$TMO" \
		"$CERTCTL" "$@"
}
certctl_register() {
	cc "$1" init >/dev/null &&
		cc "$1" acme account register --email "$EMAIL" --agree-tos \
			--server "$DIR" --ca-bundle "$CA"
}
certctl_issue() {
	local d=$1 name=$2
	shift 2
	timeit "$@" env HOME="$W/home" CERTCTL_REPO="$d/repo" \
		timeout "$TMO" "$CERTCTL" acme request -d "$name" \
		--key-type ec:p256 "${CC_SOLVER[@]}" --server "$DIR" \
		--ca-bundle "$CA"
}
certctl_setup() {
	local d=$1 name
	shift
	for name in "$@"; do
		cc "$d" acme request -d "$name" --key-type ec:p256 \
			"${CC_SOLVER[@]}" --server "$DIR" --ca-bundle "$CA" ||
			return 1
	done
}
certctl_renew() {
	local d=$1
	shift
	timeit "$W/res/renew.certctl" "$W/log/certctl.log" \
		env HOME="$W/home" CERTCTL_REPO="$d/repo" \
		timeout $((TMO * N)) "$CERTCTL" renew --all --force \
		--jobs "$JOBS" "${CC_SOLVER[@]}" --server "$DIR" \
		--ca-bundle "$CA"
}
certctl_count() {
	find -L "$1/repo/certs" -mindepth 2 -maxdepth 2 -name fullchain.pem \
		-newer "$2" 2>/dev/null | wc -l
}

uacme_args() { # D
	echo "-o -t EC -b 256 -a $DIR -c $1/conf -h $W/uacme-hook.sh"
}
uacme_register() {
	ns_run uacme -y -a "$DIR" -c "$1/conf" new "$EMAIL"
}
uacme_issue() {
	local d=$1 name=$2
	shift 2
	# shellcheck disable=SC2046
	ns_run python3 "$W/timeit.py" "$@" uacme $(uacme_args "$d") \
		issue "$name"
}
uacme_setup() {
	local d=$1
	shift
	[ "$SOLVER" = standalone ] && { webroot_start || return 1; }
	# shellcheck disable=SC2046
	printf '%s\n' "$@" | NS_TMO=$((TMO * $#)) ns_run xargs -P "$SETUP_JOBS" -I{} \
		timeout "$TMO" uacme $(uacme_args "$d") issue {}
}
uacme_renew() {
	local d=$1 name
	shift
	{
		echo 'set -e'
		for name in "$@"; do
			echo "timeout $TMO uacme -f $(uacme_args "$d") issue $name"
		done
	} >"$W/uacme-loop.sh"
	[ "$SOLVER" = standalone ] && { webroot_start || return 1; }
	NS_TMO=$((TMO * N + 10)) ns_run python3 "$W/timeit.py" \
		"$W/res/renew.uacme" "$W/log/uacme.log" sh "$W/uacme-loop.sh"
}
uacme_count() {
	find "$1/conf" -mindepth 2 -maxdepth 2 -name cert.pem -newer "$2" \
		2>/dev/null | wc -l
}

lego_cmd() { # D ARGS...
	local d=$1
	shift
	timeout "$TMO" lego --path "$d" --server "$DIR" --email "$EMAIL" \
		--accept-tos --key-type ec256 "$@"
}
lego_register() { :; }	# `lego run` registers the first time
lego_issue() {
	local d=$1 name=$2
	shift 2
	timeit "$@" timeout "$TMO" lego --path "$d" --server "$DIR" \
		--email "$EMAIL" --accept-tos --key-type ec256 \
		"${LEGO_SOLVER[@]}" -d "$name" run
}
lego_setup() {
	local d=$1 first=$2
	shift
	lego_cmd "$d" "${LEGO_SOLVER[@]}" -d "$first" run || return 1
	shift
	[ $# -eq 0 ] && return 0
	if [ "$SOLVER" = webroot ]; then
		printf '%s\n' "$@" | xargs -P "$SETUP_JOBS" -I{} \
			timeout "$TMO" lego --path "$d" --server "$DIR" \
			--email "$EMAIL" --accept-tos --key-type ec256 \
			"${LEGO_SOLVER[@]}" -d {} run
	else
		local name
		for name in "$@"; do
			lego_cmd "$d" "${LEGO_SOLVER[@]}" -d "$name" run ||
				return 1
		done
	fi
}
lego_renew() {
	local d=$1 name q
	shift
	{
		echo 'set -e'
		printf 'export LEGO_CA_CERTIFICATES=%q\n' "$CA"
		for name in "$@"; do
			q=$(printf '%q ' timeout "$TMO" lego --path "$d" \
				--server "$DIR" --email "$EMAIL" --accept-tos \
				--key-type ec256 "${LEGO_SOLVER[@]}" -d "$name" \
				renew --days 3650 --no-random-sleep)
			echo "$q"
		done
	} >"$W/lego-loop.sh"
	timeit "$W/res/renew.lego" "$W/log/lego.log" \
		timeout $((TMO * N)) bash "$W/lego-loop.sh"
}
lego_count() {
	find "$1/certificates" -name '*.crt' ! -name '*.issuer.crt' \
		-newer "$2" 2>/dev/null | wc -l
}

cb_args() { # D
	echo "--config-dir $1/c --work-dir $1/w --logs-dir $1/l" \
		"--non-interactive --server $DIR"
}
certbot_register() {
	# shellcheck disable=SC2046
	timeout "$TMO" certbot $(cb_args "$1") register --agree-tos \
		-m "$EMAIL" --no-eff-email
}
certbot_issue() {
	local d=$1 name=$2
	shift 2
	# shellcheck disable=SC2046
	timeit "$@" timeout "$TMO" certbot $(cb_args "$d") certonly \
		"${CB_SOLVER[@]}" --key-type ecdsa --elliptic-curve secp256r1 \
		-d "$name"
}
certbot_setup() {
	local d=$1 name
	shift
	for name in "$@"; do	# certbot locks its directories: one at a time
		# shellcheck disable=SC2046
		timeout "$TMO" certbot $(cb_args "$d") certonly \
			"${CB_SOLVER[@]}" --key-type ecdsa \
			--elliptic-curve secp256r1 -d "$name" || return 1
	done
}
certbot_renew() {
	local d=$1
	shift
	# shellcheck disable=SC2046
	timeit "$W/res/renew.certbot" "$W/log/certbot.log" \
		timeout $((TMO * N)) certbot $(cb_args "$d") renew \
		--force-renewal --no-random-sleep-on-renew
}
certbot_count() {
	find -L "$1/c/live" -mindepth 2 -maxdepth 2 -name cert.pem \
		-newer "$2" 2>/dev/null | wc -l
}

fail_log() { # TOOL
	tail -n 15 "$W/log/$1.log" 2>/dev/null | sed "s/^/# $1: /" >&2
}

# ------------------------------------------------------------- run ------
ACTIVE=
for t in $TOOLS; do
	if available "$t"; then
		ACTIVE="$ACTIVE $t"
		echo "$t: $(version "$t")" >"$W/res/version.$t"
	else
		say "$t: not available, skipped"
		echo "$t: not available (skipped)" >"$W/res/version.$t"
	fi
done

start=$(date +%s)
for t in $ACTIVE; do	# (a)
	[ "$t" = uacme ] && [ "$SOLVER" = standalone ] && webroot_start
	[ "$t" != uacme ] && [ "$SOLVER" = standalone ] && webroot_stop
	d=$W/$t-a
	mkdir -p "$d"
	say "(a) $t: register"
	if ! "${t}_register" "$d" >>"$W/log/$t.log" 2>&1; then
		say "(a) $t: account registration failed"
		fail_log "$t"
		echo failed >"$W/res/one.$t"
		continue
	fi
	for i in $(seq 0 "$RUNS"); do
		out=$W/res/one.$t
		[ "$i" = 0 ] && out=$W/res/warmup.$t	# untimed warm-up
		if ! "${t}_issue" "$d" "a$i-$t.example.test" "$out" \
			"$W/log/$t.log"; then
			say "(a) $t: run $i failed"
			fail_log "$t"
			echo failed >>"$W/res/one.$t"
			break
		fi
	done
	say "(a) $t: done"
done

names() { # TOOL
	local i
	for i in $(seq 1 "$N"); do echo "r$i-$1.example.test"; done
}
for t in $ACTIVE; do	# (b)
	[ "$t" = uacme ] && [ "$SOLVER" = standalone ] && webroot_start
	[ "$t" != uacme ] && [ "$SOLVER" = standalone ] && webroot_stop
	d=$W/$t-b
	mkdir -p "$d"
	mapfile -t nm < <(names "$t")
	say "(b) $t: register and issue $N certificates (not timed)"
	s0=$(date +%s)
	if ! "${t}_register" "$d" >>"$W/log/$t.log" 2>&1 ||
	   ! "${t}_setup" "$d" "${nm[@]}" >>"$W/log/$t.log" 2>&1; then
		say "(b) $t: setup failed"
		fail_log "$t"
		echo "failed setup" >"$W/res/renew.$t"
		continue
	fi
	echo "$(($(date +%s) - s0))" >"$W/res/setup.$t"
	sleep 1	# file times: renewed certificates are strictly newer
	touch "$W/marker.$t"
	sleep 1
	say "(b) $t: renew $N certificates (timed)"
	if ! "${t}_renew" "$d" "${nm[@]}"; then
		say "(b) $t: renewal failed"
		fail_log "$t"
	fi
	"${t}_count" "$d" "$W/marker.$t" >"$W/res/count.$t"
	say "(b) $t: done"
done
webroot_stop

# ------------------------------------------------------------ report ----
python3 - "$W/res" "$N" "$RUNS" "$JOBS" "$SOLVER" "$(($(date +%s) - start))" \
	"$TOOLS" <<'EOF'
import os, statistics, sys
res, n, runs, jobs, solver, total, tools = sys.argv[1:8]
tools = tools.split()

def rows(name):
    try:
        with open(os.path.join(res, name)) as f:
            return [l.split() for l in f if l.strip()]
    except OSError:
        return None

print("solver: http-01 via %s; pebble: no nonce rejection, "
      "PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0; EC P-256 keys" % (
          "one shared webroot (python3 http.server)" if solver == "webroot"
          else "each tool's standalone server (uacme: webroot)"))
for t in tools:
    r = rows("version." + t)
    if r:
        print("  " + " ".join(r[0]))
print()
print("(a) one certificate end to end: %s timed runs after one warm-up, "
      "fresh names" % runs)
print("    %-8s %9s %9s %9s %10s %9s  %s" % (
    "tool", "median", "best", "worst", "CPU(med)", "peak RSS", "all runs"))
for t in tools:
    r = rows("one." + t)
    if r is None:
        continue
    ok = [x for x in r if len(x) == 4 and x[3] == "0"]
    if len(ok) != len(r) or not ok:
        print("    %-8s failed after %d run(s)" % (t, len(ok)))
        continue
    w = [float(x[0]) for x in ok]
    c = [float(x[1]) for x in ok]
    m = max(int(x[2]) for x in ok)
    print("    %-8s %8.3fs %8.3fs %8.3fs %9.3fs %6.1f MB  %s" % (
        t, statistics.median(w), min(w), max(w), statistics.median(c),
        m / 1024.0, " ".join("%.2f" % x for x in w)))
print()
print("(b) %s certificates renewed (setup not timed)" % n)
how = {
    "certctl": "certctl renew --all --force --jobs %s" % jobs,
    "uacme": "%s x uacme -f issue" % n,
    "lego": "%s x lego renew --days 3650" % n,
    "certbot": "certbot renew --force-renewal",
}
print("    %-8s %-40s %9s %9s %9s %9s %7s" % (
    "tool", "command", "total", "per cert", "CPU", "peak RSS", "renewed"))
for t in tools:
    r = rows("renew." + t)
    if r is None:
        continue
    cnt = rows("count." + t)
    cnt = cnt[0][0] if cnt else "?"
    setup = rows("setup." + t)
    if not r or len(r[0]) != 4:
        print("    %-8s %-40s %s" % (t, how.get(t, ""), " ".join(r[0])))
        continue
    wall, cpu, rss, rc = r[0]
    note = "" if rc == "0" else "  (exit %s)" % rc
    print("    %-8s %-40s %8.2fs %8.3fs %8.2fs %6.1f MB %3s/%s%s" % (
        t, how.get(t, ""), float(wall), float(wall) / int(n), float(cpu),
        int(rss) / 1024.0, cnt, n, note))
setups = []
for t in tools:
    s = rows("setup." + t)
    if s:
        setups.append("%s %ss" % (t, s[0][0]))
if setups:
    print("    untimed setup: " + ", ".join(setups))
print()
print("ACME benchmark wall time: %s s" % total)
EOF
