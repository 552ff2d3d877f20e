#!/usr/bin/env bash
# certctl acme and renew end to end against a local pebble (Debian's
# pebble 2.4 with its default 5% bad-nonce rejection left on) and
# pebble-challtestsrv, all on 127.0.0.1: accounts (register, show, update,
# rollover, export/import, deactivate, delete), requests over http-01
# (webroot, standalone, manual + verify), dns-01 (hook, manual + verify),
# apex + wildcard, 100 names, an IP address, retry after a failed
# challenge, renewal with each key policy, renew --all --jobs, revocation
# checked at pebble, and EAB against a pebble that requires it.
. "$(dirname "$0")/../cli/lib.sh"
cd "$(dirname "$0")/../.."
if ! command -v pebble >/dev/null; then
	echo "# skipped: pebble is not installed"
	finish
	exit
fi
. tests/integration/pebble-env.sh
T_CLEANUP_HOOK='pebble_stop; [ -n "${WEB_PID:-}" ] && kill $WEB_PID 2>/dev/null'
pebble_start || { fail "pebble starts"; finish; exit 1; }
S=(--server "$PEBBLE_DIR_URL" --ca-bundle "$PEBBLE_CA_BUNDLE")
SA=(--standalone "127.0.0.1:$PEBBLE_HTTP_PORT")
R=$CERTCTL_REPO
ok "init" init

# serial of the current version of a certificate (hex, lower case)
serial() { openssl x509 -in "$R/certs/$1/cert.pem" -noout -serial | cut -d= -f2 | tr A-F a-f; }
pubkey() { openssl x509 -in "$R/certs/$1/cert.pem" -noout -pubkey; }

# ---- accounts
fails "register refuses without --agree-tos when not interactive" 2 acme account register "${S[@]}" --email a@example.test
check "names the terms" err_has "terms of service"
ok "register" acme account register "${S[@]}" --email a@example.test --agree-tos
check "account key is 0600" test "$(stat -c %a "$(find "$R/accounts" -name key.pem | head -1)")" = 600
fails "register twice under one name" 1 acme account register "${S[@]}" --email a@example.test --agree-tos
ok "show (asks the CA)" --json acme account show "${S[@]}"
check "show json" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert d["status"]=="valid" and d["contact"]==["mailto:a@example.test"] and d["default"]' "$OUT"
ok "list" acme account list
check "list shows it" out_has "default"
ok "update --email" acme account update "${S[@]}" --email b@example.test --email c@example.test
ok "show after update" --json acme account show "${S[@]}"
check "CA has the new contacts" grep -q 'mailto:c@example.test' "$OUT"
ok "export-key" acme account export-key "${S[@]}" --out "$T_DIR/acct1.pem"
ok "rollover" acme account rollover "${S[@]}" --key-type ec:p384
check "key changed locally" bash -c '! cmp -s "$1" <("$2" acme account export-key "${@:3}")' _ "$T_DIR/acct1.pem" "$CERTCTL" "${S[@]}"
ok "account works after rollover" --json acme account show "${S[@]}"
check "still valid" grep -q '"valid"' "$OUT"
ok "export the rolled key" acme account export-key "${S[@]}" --out "$T_DIR/acct2.pem"
ok "delete locally" acme account delete "${S[@]}" --yes
check "says it stays active" out_has "still active"
fails "no account now" 1 acme account show "${S[@]}"
fails "import of the old key finds nothing" 1 acme account import "${S[@]}" --key "$T_DIR/acct1.pem"
ok "import finds the account of the new key" acme account import "${S[@]}" --key "$T_DIR/acct2.pem"
check "same account URL" out_has "my-account"

# ---- http-01: standalone, webroot, manual
ok "request (standalone, 2 names)" acme request "${S[@]}" -d www.example.test -d example.test "${SA[@]}"
check "stored" test -f "$R/certs/www.example.test/fullchain.pem"
check "chain verifies to pebble's root" bash -c 'curl -fsk "$1" >"$2/pebble-root.pem" && openssl verify -CAfile "$2/pebble-root.pem" -untrusted "$3/chain.pem" "$3/cert.pem"' _ "$PEBBLE_MGMT" "$T_DIR" "$R/certs/www.example.test"
check "both names in the certificate" bash -c 'openssl x509 -in "$1" -noout -ext subjectAltName | grep -q "DNS:example.test"' _ "$R/certs/www.example.test/cert.pem"
ok "show" --json cert show www.example.test
check "source acme, valid" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert d["source"]=="acme" and d["status"]=="valid", d' "$OUT"

mkdir -p "$T_DIR/web"
python3 -m http.server --bind 127.0.0.1 --directory "$T_DIR/web" "$PEBBLE_HTTP_PORT" >/dev/null 2>&1 &
WEB_PID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PEBBLE_HTTP_PORT/" && break; sleep 0.1; done
ok "request (webroot)" acme request "${S[@]}" -d web.example.test --webroot "$T_DIR/web" --key-type rsa:2048
check "webroot tokens removed" test -z "$(ls -A "$T_DIR/web" 2>/dev/null)"
check "rsa key" bash -c 'openssl x509 -in "$1" -noout -text | grep -q "rsaEncryption"' _ "$R/certs/web.example.test/cert.pem"
kill $WEB_PID; wait $WEB_PID 2>/dev/null; WEB_PID=

fails "manual http-01 waits (exit 4)" 4 acme request "${S[@]}" -d manual.example.test --manual
check "prints the path" out_has "/.well-known/acme-challenge/"
ok "pending lists it" --json acme pending
check "pending json" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert d[0]["name"]=="manual.example.test" and d[0]["status"]=="manual", d' "$OUT"
ok "challenges" --json acme challenges manual.example.test
tok=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["challenges"][0]; print(c["path"].rsplit("/",1)[1])' "$OUT")
content=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["challenges"][0]["content"])' "$OUT")
mkdir -p "$T_DIR/web2/.well-known/acme-challenge"
printf '%s' "$content" >"$T_DIR/web2/.well-known/acme-challenge/$tok"
python3 -m http.server --bind 127.0.0.1 --directory "$T_DIR/web2" "$PEBBLE_HTTP_PORT" >/dev/null 2>&1 &
WEB_PID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PEBBLE_HTTP_PORT/" && break; sleep 0.1; done
fails "a second request while manual is pending is refused" 1 acme request "${S[@]}" -d manual.example.test "${SA[@]}"
check "says verify or retry" err_has "acme verify"
ok "verify after manual placement" acme verify manual.example.test
check "issued" test -f "$R/certs/manual.example.test/cert.pem"
kill $WEB_PID; wait $WEB_PID 2>/dev/null; WEB_PID=
ok "no pending left" acme pending
check "empty" test ! -s "$OUT"

# ---- dns-01 through a hook (pebble-challtestsrv holds the records)
cat >"$T_DIR/hook" <<EOF
#!/bin/sh
echo "\$1 \$2 \$3 \$4 \$CERTCTL_WILDCARD" >>"$T_DIR/hook.log"
case "\$1" in
add) curl -fsS -X POST -d "{\"host\":\"\$2\",\"value\":\"\$3\"}" $CHALLTESTSRV_URL/set-txt
     if [ -e "$T_DIR/hang" ]; then sleep 20; fi ;;
remove) curl -fsS -X POST -d "{\"host\":\"\$2\"}" $CHALLTESTSRV_URL/clear-txt ;;
esac
EOF
chmod +x "$T_DIR/hook"
D=(--dns-hook "$T_DIR/hook" --dns-server "127.0.0.1:$PEBBLE_DNS_PORT" --dns-wait 20s)
ok "request (dns-01 hook)" acme request "${S[@]}" -d dns.example.test "${D[@]}"
check "hook added and removed" bash -c 'grep -q "^add _acme-challenge.dns.example.test." "$1" && grep -q "^remove _acme-challenge.dns.example.test." "$1"' _ "$T_DIR/hook.log"
ok "apex plus wildcard in one certificate" acme request "${S[@]}" -d wild.example.test -d '*.wild.example.test' "${D[@]}"
check "two values on one name" test "$(grep -c '^add _acme-challenge.wild.example.test.' "$T_DIR/hook.log")" = 2
check "wildcard flag passed" grep -q '^add _acme-challenge.wild.example.test. .* 1$' "$T_DIR/hook.log"
check "certificate has the wildcard" bash -c 'openssl x509 -in "$1" -noout -ext subjectAltName | grep -q "DNS:\*.wild.example.test"' _ "$R/certs/wild.example.test/cert.pem"
fails "wildcard over http-01 is refused" 2 acme request "${S[@]}" -d '*.x.example.test' "${SA[@]}"

# a run killed after publishing is cleaned up by the next run
touch "$T_DIR/hang"
"$CERTCTL" acme request "${S[@]}" -d crash.example.test "${D[@]}" >/dev/null 2>&1 &
crashpid=$!
for _ in $(seq 50); do grep -q '^add _acme-challenge.crash' "$T_DIR/hook.log" 2>/dev/null && break; sleep 0.1; done
kill -KILL $crashpid; wait $crashpid 2>/dev/null
check "the killed run left its record" grep -q "dns-hook" "$R/pending/crash.example.test/order.yaml"
crashval=$(grep '^add _acme-challenge.crash.example.test.' "$T_DIR/hook.log" | head -1 | cut -d' ' -f3)
rm -f "$T_DIR/hang"
ok "the next run succeeds" acme request "${S[@]}" -d crash.example.test "${D[@]}"
check "it removed what the killed run published" grep -q "^remove _acme-challenge.crash.example.test. $crashval " "$T_DIR/hook.log"
check "no pending record left" test ! -e "$R/pending/crash.example.test"

fails "manual dns-01 waits" 4 acme request "${S[@]}" -d mdns.example.test --manual --challenge dns-01
check "prints the TXT name" out_has "_acme-challenge.mdns.example.test"
ok "challenges (json)" --json acme challenges mdns.example.test
val=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["challenges"][0]["value"])' "$OUT")
curl -fsS -X POST -d "{\"host\":\"_acme-challenge.mdns.example.test.\",\"value\":\"$val\"}" "$CHALLTESTSRV_URL/set-txt" >/dev/null
ok "verify dns-01" acme verify mdns.example.test --dns-server "127.0.0.1:$PEBBLE_DNS_PORT"
check "issued" test -f "$R/certs/mdns.example.test/cert.pem"

# ---- 100 names, an IP address
names=(); for i in $(seq 1 100); do names+=(-d "n$i.hundred.example.test"); done
ok "a 100-name certificate" acme request "${S[@]}" "${names[@]}" --name hundred "${SA[@]}"
check "100 SANs" test "$(openssl x509 -in "$R/certs/hundred/cert.pem" -noout -ext subjectAltName | tr ',' '\n' | grep -c DNS:)" = 100
names+=(-d n101.hundred.example.test)
fails "101 names are refused" 2 acme request "${S[@]}" "${names[@]}" --name toomany "${SA[@]}"
ok "an IP identifier (RFC 8738)" acme request "${S[@]}" -d 127.0.0.1 --name ip "${SA[@]}"
check "IP SAN" bash -c 'openssl x509 -in "$1" -noout -ext subjectAltName | grep -q "IP Address:127.0.0.1"' _ "$R/certs/ip/cert.pem"

# ---- a failed challenge, then retry with fresh challenges
mkdir -p "$T_DIR/empty"
python3 -m http.server --bind 127.0.0.1 --directory "$T_DIR/empty" "$PEBBLE_HTTP_PORT" >/dev/null 2>&1 &
WEB_PID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PEBBLE_HTTP_PORT/" && break; sleep 0.1; done
# the tokens go to a directory no server serves: pebble gets 404
ok "pending is empty before" acme pending
fails "a webroot that does not exist" 1 acme request "${S[@]}" -d retry.example.test --webroot "$T_DIR/web3"
mkdir -p "$T_DIR/web3"
fails "a challenge that fails (404)" 1 acme request "${S[@]}" -d retry.example.test --webroot "$T_DIR/web3"
check "error names the problem" err_has "retry.example.test"
check "error is one line" one_line_error
ok "pending shows the failure" --json acme pending
check "failed status kept" grep -q '"failed"' "$OUT"
kill $WEB_PID; wait $WEB_PID 2>/dev/null; WEB_PID=
ok "retry with fresh challenges" acme retry retry.example.test "${SA[@]}"
check "issued after retry" test -f "$R/certs/retry.example.test/cert.pem"

# ---- renewal with each key policy
ok "request (key policy same)" acme request "${S[@]}" -d same.example.test --key-policy same "${SA[@]}"
ok "request (key policy new)" acme request "${S[@]}" -d new.example.test "${SA[@]}"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$T_DIR/imp.key" 2>/dev/null
ok "request (key policy import)" acme request "${S[@]}" -d imp.example.test --key "$T_DIR/imp.key" "${SA[@]}"
check "imported key used" cmp -s <(pubkey imp.example.test) <(openssl pkey -in "$T_DIR/imp.key" -pubout)
same0=$(pubkey same.example.test) new0=$(pubkey new.example.test) s0=$(serial same.example.test)
ok "renew not due yet" renew same.example.test
check "says not due" out_has "not due"
check "no new version" test "$(serial same.example.test)" = "$s0"
ok "renew --force (same, new, import)" renew same.example.test new.example.test imp.example.test --force "${SA[@]}"
check "same key kept" test "$same0" = "$(pubkey same.example.test)"
check "new serial" test "$(serial same.example.test)" != "$s0"
check "new key changed" test "$new0" != "$(pubkey new.example.test)"
check "imported key kept" cmp -s <(pubkey imp.example.test) <(openssl pkey -in "$T_DIR/imp.key" -pubout)
ok "history keeps both versions" --json cert history same.example.test
check "versions 2 and 1" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert [v["version"] for v in d["versions"]]==[2,1]
assert d["versions"][0]["reason"]=="renewed"' "$OUT"
ok "renew --within forces by expiry" --json renew same.example.test --within 3650d --dry-run
check "due with --within" grep -q '"due"' "$OUT"

# ---- renew --all --jobs (the standalone port is shared by the workers)
fails "renew --all --force --jobs 4 (a manual one waits: exit 4)" 4 renew --all --force --jobs 4 "${SA[@]}"
check "summary" out_has "0 failed, 1 pending"
check "the manual dns-01 certificate waits" out_has "^pending   mdns.example.test"
ok "every certificate renewed" --json cert list --source acme
check "versions grew" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); c=d["certificates"]
assert len(c) >= 12 and all(x["version"] >= 2 for x in c if x["name"] != "mdns.example.test"), [(x["name"],x["version"]) for x in c]' "$OUT"

# ---- revoke, and pebble agrees
sr=$(serial web.example.test)
ok "revoke" acme revoke web.example.test --reason keyCompromise
ok "list shows revoked" --json cert list --status revoked
check "revoked in the repository" grep -q web.example.test "$OUT"
check "pebble reports it revoked" bash -c 'curl -fsS --cacert "$1" "$2/cert-status-by-serial/$3" | grep -qi revoked' _ "$PEBBLE_CA_BUNDLE" "$PEBBLE_MGMT_URL" "$sr"
fails "revoke twice" 1 acme revoke web.example.test
sr=$(serial dns.example.test)
ok "revoke with the certificate key" acme revoke dns.example.test --by-cert-key
check "pebble: revoked" bash -c 'curl -fsS --cacert "$1" "$2/cert-status-by-serial/$3" | grep -qi revoked' _ "$PEBBLE_CA_BUNDLE" "$PEBBLE_MGMT_URL" "$sr"

# ---- deactivate
ok "deactivate" acme account deactivate "${S[@]}" --yes
fails "a deactivated account cannot order" 1 acme request "${S[@]}" -d after.example.test "${SA[@]}"
check "error is one line" one_line_error
pebble_stop

# ---- EAB: a pebble that requires External Account Binding
pebble_start --eab || fail "pebble with EAB starts"
S=(--server "$PEBBLE_DIR_URL" --ca-bundle "$PEBBLE_CA_BUNDLE")
SA=(--standalone "127.0.0.1:$PEBBLE_HTTP_PORT")
fails "EAB required: refused without it" 2 acme account register "${S[@]}" --email e@example.test --agree-tos
check "says EAB" err_has "External Account Binding"
printf '%s\n' "$PEBBLE_EAB_HMAC" >"$T_DIR/eab.key"
printf '%s\n' "AAAA$PEBBLE_EAB_HMAC" >"$T_DIR/eab-bad.key"
fails "EAB with a wrong key" 1 acme account register "${S[@]}" --email e@example.test --agree-tos --eab-kid "$PEBBLE_EAB_KID" --eab-hmac-key-file "$T_DIR/eab-bad.key"
ok "EAB register" acme account register "${S[@]}" --email e@example.test --agree-tos --eab-kid "$PEBBLE_EAB_KID" --eab-hmac-key-file "$T_DIR/eab.key"
check "the HMAC key is nowhere in the repository" bash -c '! grep -rqF "$1" "$2"' _ "$PEBBLE_EAB_HMAC" "$R"
ok "request with the EAB account" acme request "${S[@]}" -d eab.example.test "${SA[@]}"

finish
