#!/usr/bin/env bash
# ARI (RFC 9773) and ACME profiles. Debian's pebble 2.4 has neither, so
# certctl talks to tests/fakes/acme_front.py, a front that forwards to
# pebble and adds a renewalInfo endpoint and a profile list (see its header
# for how it differs from a real CA: windows are set by this test,
# profiles do not change the certificate).
. "$(dirname "$0")/../cli/lib.sh"
cd "$(dirname "$0")/../.."
if ! command -v pebble >/dev/null; then
	echo "# skipped: pebble is not installed"
	finish
	exit
fi
. tests/integration/pebble-env.sh
T_CLEANUP_HOOK='[ -n "${FRONT_PID:-}" ] && kill $FRONT_PID 2>/dev/null; pebble_stop'
pebble_start || { fail "pebble starts"; finish; exit 1; }
python3 tests/fakes/acme_front.py --upstream "$PEBBLE_DIR_URL" \
	--upstream-ca "$PEBBLE_CA_BUNDLE" --cert "$PEBBLE_TMP/server.pem" \
	--key "$PEBBLE_TMP/server.key" --listen 127.0.0.1:0 \
	>"$T_DIR/front.out" 2>"$T_DIR/front.err" &
FRONT_PID=$!
for _ in $(seq 100); do [ -s "$T_DIR/front.out" ] && break; sleep 0.1; done
FPORT=$(head -1 "$T_DIR/front.out")
FRONT="https://127.0.0.1:$FPORT"
check "the front started" test -n "$FPORT"
S=(--server "$FRONT/dir" --ca-bundle "$PEBBLE_CA_BUNDLE")
SA=(--standalone "127.0.0.1:$PEBBLE_HTTP_PORT")
front() { curl -fsS --cacert "$PEBBLE_CA_BUNDLE" "$@"; }
R=$CERTCTL_REPO
ok "init" init
ok "register through the front" acme account register "${S[@]}" --email ari@example.test --agree-tos

# ---- profiles
ok "request with a listed profile" acme request "${S[@]}" -d prof.example.test --profile shortlived "${SA[@]}"
check "the order carried the profile" bash -c 'curl -fsS --cacert "$1" "$2/__front/log?type=newOrder" | python3 -c "
import json,sys; e=json.load(sys.stdin); assert any(x.get(\"profile\")==\"shortlived\" for x in e), e"' _ "$PEBBLE_CA_BUNDLE" "$FRONT"
front -X DELETE "$FRONT/__front/log" >/dev/null
fails "an unlisted profile is refused before ordering" 2 acme request "${S[@]}" -d prof2.example.test --profile gold "${SA[@]}"
check "names the offered profiles" err_has "shortlived"
check "nothing was ordered" bash -c '[ "$(curl -fsS --cacert "$1" "$2/__front/log?type=newOrder")" = "[]" ]' _ "$PEBBLE_CA_BUNDLE" "$FRONT"
ok "renewal keeps the profile" renew prof.example.test --force "${SA[@]}"
check "the renewal order carried it" bash -c 'curl -fsS --cacert "$1" "$2/__front/log?type=newOrder" | grep -q shortlived' _ "$PEBBLE_CA_BUNDLE" "$FRONT"

# ---- ARI: the CA's window decides, ahead of the lifetime rule
ok "request" acme request "${S[@]}" -d ari.example.test "${SA[@]}"
ok "show" --json cert show ari.example.test
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["current"]["ca"]["ari-id"])' "$OUT")
check "the ARI certificate id is stored" test -n "$id"
serial1=$(openssl x509 -in "$R/certs/ari.example.test/cert.pem" -noout -serial)
front -X POST -d "{\"certID\":\"$id\",\"window\":\"future\",\"retryAfter\":3600}" "$FRONT/__front/ari" >/dev/null
ok "window in the future: not due" renew ari.example.test
check "says ari window" out_has "not due.*ari window"
ok "the window is kept in the repository" --json cert show ari.example.test
check "renewal state holds the window and the next check" python3 -c '
import json,sys; r=json.load(open(sys.argv[1]))["renewal"]
assert "ari-start" in r and "ari-end" in r and "ari-next" in r, r' "$OUT"
n1=$(front "$FRONT/__front/log?type=renewalInfo" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
front -X POST -d "{\"certID\":\"$id\",\"window\":\"past\"}" "$FRONT/__front/ari" >/dev/null
ok "second run inside the CA's Retry-After" renew ari.example.test
check "no new renewalInfo request (Retry-After kept)" test "$(front "$FRONT/__front/log?type=renewalInfo" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = "$n1"
check "still not due (stored window)" out_has "not due"
# let the stored next-check time pass
python3 - "$R/certs/ari.example.test/meta.yaml" <<'EOF'
import re,sys
p=sys.argv[1]; s=open(p).read()
s=re.sub(r'(ari-next: ).*', r'\g<1>2000-01-01T00:00:00Z', s)
open(p,'w').write(s)
EOF
front -X DELETE "$FRONT/__front/log" >/dev/null
ok "the CA moved the window into the past: renewed" renew ari.example.test "${SA[@]}"
check "renewed" out_has "^renewed   ari.example.test"
check "new certificate" test "$serial1" != "$(openssl x509 -in "$R/certs/ari.example.test/cert.pem" -noout -serial)"
check "the order said which certificate it replaces" bash -c 'curl -fsS --cacert "$1" "$2/__front/log?type=newOrder" | grep -q "\"replaces\": *\"$3\""' _ "$PEBBLE_CA_BUNDLE" "$FRONT" "$id"

# a window that opens before the next expected run: renew now
ok "show the new certificate" --json cert show ari.example.test
id2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["current"]["ca"]["ari-id"])' "$OUT")
start=$(date -u -d '+3 hours' +%Y-%m-%dT%H:%M:%SZ) end=$(date -u -d '+4 hours' +%Y-%m-%dT%H:%M:%SZ)
front -X POST -d "{\"certID\":\"$id2\",\"start\":\"$start\",\"end\":\"$end\"}" "$FRONT/__front/ari" >/dev/null
ok "hourly runs: not yet" --json renew ari.example.test --interval 1h --dry-run
check "not due with hourly runs" grep -q '"not-due"' "$OUT"
ok "daily runs: the window opens before the next run, so now" --json renew ari.example.test --interval 1d --dry-run
check "due with daily runs" grep -q '"due"' "$OUT"

# without ARI the lifetime rule applies: pebble's 5-year certificates
ok "a certificate from pebble directly" acme account register --server "$PEBBLE_DIR_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" --email x@example.test --agree-tos
fails "profiles at a CA without them" 2 acme request --server "$PEBBLE_DIR_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" -d x.example.test --profile classic "${SA[@]}"
check "says the CA has none" err_has "offers no certificate profiles"
ok "request without ARI" acme request --server "$PEBBLE_DIR_URL" --ca-bundle "$PEBBLE_CA_BUNDLE" -d noari.example.test "${SA[@]}"
ok "not due by the lifetime rule" --json renew noari.example.test --dry-run
check "one third of the lifetime" grep -q 'one third of lifetime left' "$OUT"

finish
