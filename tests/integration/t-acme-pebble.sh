#!/usr/bin/env bash
# The ACME protocol layer end to end against a local Pebble: runs the
# cmocka binary test_acme_pebble (register, dns-01 order, finalize,
# download, revoke, key rollover, deactivate) under a few Pebble setups.
# Prints "N passed, N failed" last. Skips when pebble is not installed.
set -u
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
bin=$build/tests/unit/test_acme_pebble
if ! command -v pebble >/dev/null || ! command -v pebble-challtestsrv \
	>/dev/null || [ ! -x "$bin" ]; then
	echo "# skipped: pebble, pebble-challtestsrv or $bin missing"
	echo "0 passed, 0 failed"
	exit 0
fi
# shellcheck source=tests/integration/pebble-env.sh
. tests/integration/pebble-env.sh
trap pebble_stop EXIT
pass=0 fail=0

run() { # $1 description, rest: pebble_start options
	local name=$1 out
	shift
	if ! pebble_start "$@"; then
		echo "not ok - $name (pebble did not start)"
		fail=$((fail + 1))
		return
	fi
	out=$PEBBLE_TMP/test.out
	if CERTCTL_TEST_PEBBLE_DIR=$PEBBLE_DIR_URL timeout 300 "$bin" \
		>"$out" 2>&1 && grep -q '^\[       OK \]' "$out"; then
		echo "ok - $name"
		pass=$((pass + 1))
	else
		echo "not ok - $name"
		sed 's/^/# /' "$out" | tail -n 30
		tail -n 20 "$PEBBLE_TMP/pebble.log" | sed 's/^/# pebble: /'
		fail=$((fail + 1))
	fi
	pebble_stop
}

run "issue and revoke (pebble's default 5% nonce rejection)"
run "eab, 50% nonce rejection, alternate chains" --eab --nonce-reject 50 \
	--alt-roots 1
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
