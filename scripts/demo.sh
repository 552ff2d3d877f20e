#!/usr/bin/env bash
# make demo: certctl doing its job against a local CA it starts itself.
# With pebble (Debian's ACME test CA) installed, it registers an account,
# obtains certificates over ACME (http-01 and dns-01), renews and revokes;
# everything runs on 127.0.0.1 in a throwaway directory.
set -euo pipefail
cd "$(dirname "$0")/.."
CERTCTL=${1:-build/certctl}
CERTCTL=$(readlink -f "$CERTCTL")
work=$(mktemp -d "${TMPDIR:-/tmp}/certctl-demo.XXXXXX")
export CERTCTL_REPO="$work/repo"
step() { printf '\n\033[1m$ certctl %s\033[0m\n' "$*"; "$CERTCTL" "$@"; }

if [ -f tests/integration/pebble-env.sh ] && "$CERTCTL" acme request --help >/dev/null 2>&1; then
	# shellcheck source=/dev/null
	. tests/integration/pebble-env.sh
	trap 'set +e; pebble_stop; rm -rf "$work"' EXIT
	echo "starting pebble (a local ACME CA) and pebble-challtestsrv on 127.0.0.1..."
	set +e	# pebble-env.sh is written for scripts without set -e
	pebble_start >/dev/null || { echo "pebble did not start" >&2; exit 1; }
	set -e
	S=(--server "$PEBBLE_DIR_URL" --ca-bundle "$PEBBLE_CA_BUNDLE")
	step init
	step acme account register "${S[@]}" --email admin@example.test --agree-tos
	step acme request "${S[@]}" -d www.example.test -d example.test --standalone "127.0.0.1:$PEBBLE_HTTP_PORT"
	echo demo-secret >"$work/p12.pass"
	step acme request "${S[@]}" -d api.example.test --key-type rsa:2048 --keystore p12 \
		--keystore-password-file "$work/p12.pass" --standalone "127.0.0.1:$PEBBLE_HTTP_PORT"
	step cert list
	step cert show www.example.test
	echo "(api.example.test.p12 opens with openssl:)"
	openssl pkcs12 -in "$CERTCTL_REPO/certs/api.example.test/cert.p12" -noout -passin file:"$work/p12.pass" && echo "  MAC verified OK"
	step renew --all --dry-run
	step renew --all --force --jobs 2 --standalone "127.0.0.1:$PEBBLE_HTTP_PORT"
	step cert history www.example.test
	step acme revoke "${S[@]}" api.example.test --reason superseded
	step cert list
else
	trap 'rm -rf "$work"' EXIT
	echo "(ACME demo unavailable in this build: showing the repository with a local openssl CA)"
	P="$work/pki"; mkdir -p "$P"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/ca.key" \
		-out "$P/ca.pem" -days 30 -subj "/CN=certctl Demo CA" 2>/dev/null
	for h in www.example.test api.example.test; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/$h.key" \
			-out "$P/$h.csr" -subj "/CN=$h" 2>/dev/null
		openssl x509 -req -in "$P/$h.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial \
			-days 20 -out "$P/$h.pem" -extfile <(printf 'subjectAltName=DNS:%s' "$h") 2>/dev/null
		cat "$P/$h.pem" "$P/ca.pem" >"$P/$h.full.pem"
	done
	step init
	step cert import "$P/www.example.test.full.pem" --key "$P/www.example.test.key"
	step cert import "$P/api.example.test.full.pem" --key "$P/api.example.test.key"
	step cert list --expiring 30d
	step cert show www.example.test
	echo demo-secret >"$work/pw"
	step cert export www.example.test --format p12 --password-file "$work/pw" --out "$work/www.p12"
	openssl pkcs12 -in "$work/www.p12" -info -noout -passin file:"$work/pw"
fi
echo
echo "demo finished; everything it made is removed."
