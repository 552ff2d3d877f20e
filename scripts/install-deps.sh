#!/bin/sh
# Installs the Debian 12 packages certctl needs to build, test and run its
# demo, if any is missing. Run by `make check`, `make demo` and `.ci/run`.
#   scripts/install-deps.sh           install what is missing (root or sudo)
#   scripts/install-deps.sh --check   only report what is missing (exit 1)
#   scripts/install-deps.sh --bench   also the ACME clients `make bench`
#                                     compares certctl with
set -eu

# build: compiler, pkg-config and the libraries of the design card
BUILD_PKGS="gcc make pkg-config libc6-dev libcurl4-openssl-dev libssl-dev
libcjson-dev libyaml-dev libcmocka-dev"
# tests and demo, each for a reason:
#   openssl, ca-certificates  test PKIs, checking PKCS#12 output
#   curl                      pebble-env.sh and tests talk to pebble's and
#                             challtestsrv's management APIs
#   python3                   fake SCM server, ACME front, http.server
#   mandoc, man-db            man-page lint; `certctl help` shows pages
#   pebble                    the ACME CA (and pebble-challtestsrv) tests use
#   openjdk-17-jre-headless   keytool, to check JKS output
#   valgrind                  make valgrind
TEST_PKGS="openssl ca-certificates curl python3 mandoc man-db pebble
openjdk-17-jre-headless valgrind"

# make bench only: the clients certctl is measured against
BENCH_PKGS="uacme lego certbot"
[ "${1:-}" = "--bench" ] && TEST_PKGS="$TEST_PKGS $BENCH_PKGS"

missing=""
have_pkg() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}
for p in $BUILD_PKGS $TEST_PKGS; do
	have_pkg "$p" || missing="$missing $p"
done

if [ -z "$missing" ]; then
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	echo "missing packages:$missing"
	exit 1
fi
echo "installing missing packages:$missing"
if [ "$(id -u)" = 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1; then
	SUDO=sudo
else
	echo "install-deps: need root (or sudo) to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
