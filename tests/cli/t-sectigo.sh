#!/usr/bin/env bash
# certctl sectigo against the fake SCM server (tests/fakes/scm_server.py):
# account (wrong password, stored and env passwords, never shown), sync and
# listings, local order checks that send nothing, an order pending across
# several status checks then collected (chain verified, key matches),
# keystores, import of 500 seeded orders (paged, idempotent), renew,
# reissue, revoke, cancel (requested and issued) and delete.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
R=$CERTCTL_REPO
F="$T_DIR/fake"
mkdir -p "$F/work"

# ---- the fake SCM server over TLS, with a root made here -------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$F/tls-root.key" -out "$F/tls-root.pem" -days 30 \
	-subj "/CN=certctl SCM test TLS root" \
	-addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$F/server.key" -out "$F/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$F/server.ext"
openssl x509 -req -in "$F/server.csr" -CA "$F/tls-root.pem" -CAkey "$F/tls-root.key" \
	-CAcreateserial -days 30 -extfile "$F/server.ext" -out "$F/server.pem" 2>/dev/null
CA="$F/tls-root.pem"
LOGIN=certctl-api CUST=ACME PW='Pw-7xQ!scm-secret-93'
# The fake exits when its standard input (held by this shell) closes. Its
# replies are small writes: TCP_NODELAY keeps them from waiting for delayed
# ACKs (40 ms a request otherwise).
exec 8> >(exec python3 -c 'import runpy, socketserver, sys
socketserver.StreamRequestHandler.disable_nagle_algorithm = True
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")' "$SRC/tests/fakes/scm_server.py" \
	--cert "$F/server.pem" --key "$F/server.key" --port 0 --workdir "$F/work" \
	--login "$LOGIN" --password "$PW" --customer-uri "$CUST" --polls 0 --lf \
	--exit-on-stdin-eof >"$F/port" 2>"$F/log")
FAKE_PID=$!
T_CLEANUP_HOOK='exec 8>&-; kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null'
for _ in $(seq 1 300); do [ -s "$F/port" ] && break; sleep 0.1; done
PORT=$(head -n1 "$F/port")
if [ -z "$PORT" ]; then
	fail "the fake SCM server did not start"; cat "$F/log"; finish; exit 1
fi
URL="https://127.0.0.1:$PORT/api"
# ctl METHOD PATH [JSON]: the fake's control API, answer on stdout
ctl() {
	curl -sS --max-time 30 --cacert "$CA" -X "$1" ${3:+-H 'Content-Type: application/json' -d "$3"} \
		"https://127.0.0.1:$PORT$2"
}
# jq-like: json FILE EXPR (python, d = the document)
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
api_log_count() { ctl GET "/__fake/log" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
ROOT="$F/scm-root.pem"
ctl GET /__fake/ca | python3 -c 'import json,sys; d=json.load(sys.stdin); open(sys.argv[1],"w").write(d["root"]); open(sys.argv[2],"w").write(d["intermediate"])' "$ROOT" "$F/scm-int.pem"
check "the fake's issuing root" test -s "$ROOT"
ok "init" init

# ---- account -------------------------------------------------------------
fails "no account yet" 2 sectigo account show
check "says how to set it" err_has "sectigo account set"
echo 'not-the-password' >"$T_DIR/wrong.pw"
printf '%s\n' "$PW" >"$T_DIR/scm.pw"
fails "wrong password" 1 sectigo account set --login "$LOGIN" --customer-uri "$CUST" \
	--password-file "$T_DIR/wrong.pw" --url "$URL" --ca-bundle "$CA"
check "wrong password: one line" one_line_error
check "wrong password: SCM code -16" err_has "SCM code -16"
check "wrong password: nothing saved" test ! -e "$R/sectigo/account.yaml" -a ! -e "$R/sectigo/password"
fails "untrusted server" 1 sectigo account set --login "$LOGIN" --customer-uri "$CUST" \
	--password-file "$T_DIR/scm.pw" --url "$URL"
check "untrusted server: nothing saved" test ! -e "$R/sectigo/account.yaml"
fails "login is required" 2 sectigo account set --customer-uri "$CUST" --password-file "$T_DIR/scm.pw"
ok "account set (password file)" sectigo account set --login "$LOGIN" --customer-uri "$CUST" \
	--password-file "$T_DIR/scm.pw" --url "$URL" --ca-bundle "$CA"
check "account saved" test -f "$R/sectigo/account.yaml"
check "password stored 0600" test "$(stat -c %a "$R/sectigo/password")" = 600
check "account.yaml is 0600" test "$(stat -c %a "$R/sectigo/account.yaml")" = 600
check "password not in the output" sh -c "! grep -qF -- '$PW' '$OUT' '$ERR'"
ok "account show" sectigo account show
check "show: login" out_has "$LOGIN"
check "show: where the password is" out_has "stored in"
check "show: no password" sh -c "! grep -qF -- '$PW' '$OUT' '$ERR'"
ok "account show --json" sectigo account show --json
check "show json" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert d["login"]=="certctl-api" and d["customer_uri"]=="ACME" and d["password_source"]=="stored", d
assert d["url"].startswith("https://127.0.0.1:") and d["ca_bundle"].endswith("tls-root.pem")
assert "password" not in d
' "$OUT"
check "password only in sectigo/password" test "$(grep -rlF -- "$PW" "$R")" = "$R/sectigo/password"
# the password from a variable: stored only as the variable's name
SCM_PW=$PW; export SCM_PW
ok "account set --password-env" sectigo account set --login "$LOGIN" --customer-uri "$CUST" \
	--password-env SCM_PW --url "$URL" --ca-bundle "$CA"
check "env: stored password removed" test ! -e "$R/sectigo/password"
check "env: variable name kept" grep -q 'password-env: SCM_PW' "$R/sectigo/account.yaml"
ok "account show (env)" sectigo account show
check "show: names the variable" out_has "environment variable SCM_PW"
check "env: password nowhere in the repository" sh -c "! grep -rqF -- '$PW' '$R'"
unset SCM_PW
fails "env: variable unset" 2 sectigo sync orgs
check "env unset: one line" one_line_error
ok "back to a stored password" sectigo account set --login "$LOGIN" --customer-uri "$CUST" \
	--password-file "$T_DIR/scm.pw" --url "$URL" --ca-bundle "$CA" --json
check "set --json" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["saved"] and d["password_source"]=="stored"' "$OUT"

# ---- sync and listings ---------------------------------------------------------
ok "sync" sectigo sync
check "sync summary" out_has "3 organizations (3 departments), 205 domains (69 validated), 3 profiles (2 custom fields)"
for f in orgs domains profiles; do
	check "sectigo/$f.yaml 0600 with the sync time" sh -c "test \"\$(stat -c %a '$R/sectigo/$f.yaml')\" = 600 && grep -q '^synced: ' '$R/sectigo/$f.yaml'"
done
ok "orgs" sectigo orgs
check "orgs: table" out_has "Example Corp"
check "orgs: departments" out_has "IT (department of Example Corp)"
ok "orgs --json" sectigo orgs --json
check "orgs json" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); o={x["name"]:x for x in d["organizations"]}
assert o["Example Corp"]["ssl_api_enabled"] is True and o["Disabled Org"]["ssl_api_enabled"] is False
assert [x["id"] for x in o["Example Corp"]["departments"]]==[2001,2002] and o["Second Org"]["cert_types"]==["SSL","SMIME"]
assert d["synced"]
' "$OUT"
ok "domains --json" --json sectigo domains
check "domains json" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))["domains"]; m={x["name"]:x for x in d}
assert len(d)==205 and m["example.com"]["validated"] is True and m["example.net"]["validated"] is False
assert m["example.org"]["validation_status"]=="Expired" and m["example.com"]["dcv_expires"].startswith("2026-01-15")
' "$OUT"
ok "domains" sectigo domains
check "domains table" out_has "example.net.*no.*Not validated"
ok "profiles --json" sectigo profiles --json
check "profiles json" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); p={x["name"]:x for x in d["profiles"]}
assert p["OV Multi-Domain"]["terms"]==[365,730] and p["DV SSL"]["key_types"]["EC"]==["P-256"]
assert p["EV SSL"]["orgs"]==[1001] and sorted(p["OV Multi-Domain"]["orgs"])==[1001,1003]
assert {f["name"]:f["mandatory"] for f in d["custom_fields"]}=={"Cost Center":True,"Ticket":False}
' "$OUT"
ok "profiles" sectigo profiles
check "profiles table" out_has "Cost Center (mandatory)"
ok "sync one part" sectigo sync domains --json
check "sync domains json" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["domains"]==205 and "profiles" not in d' "$OUT"
fails "sync unknown part" 2 sectigo sync everything

# ---- order: local checks send nothing ---------------------------------------
ctl DELETE /__fake/log >/dev/null
ORD=(sectigo order --org "Example Corp" --key-type ec:p256 --field "Cost Center=4711")
bad_order() { # NAME TEXT ARGS...: exit 2, one line naming TEXT
	local n=$1 t=$2; shift 2
	fails "local check: $n" 2 "$@"
	check "local check: $n: one line" one_line_error
	check "local check: $n: says what" err_has "$t"
}
bad_order "term not allowed" "term 200 days is not allowed by the profile 'OV Multi-Domain' (allowed: 365, 730)" \
	"${ORD[@]}" --cn www.example.com --profile 301 --term 200
bad_order "key type not allowed" "key type ec:p384 is not allowed by the profile 'DV SSL'" \
	sectigo order --cn www.example.com --org 1001 --profile "DV SSL" --term 90 --key-type ec:p384 --field "Cost Center=1"
bad_order "unknown organization" "unknown organization 'Nope Inc'" \
	sectigo order --cn www.example.com --org "Nope Inc" --profile 301 --term 365 --key-type ec:p256
bad_order "unknown profile" "unknown profile 'Gold'" \
	"${ORD[@]}" --cn www.example.com --profile Gold --term 365
bad_order "organization not enabled" "not enabled for the SSL REST API" \
	sectigo order --cn www.example.com --org "Disabled Org" --profile 301 --term 365 --key-type ec:p256
bad_order "profile not offered to the org" "not offered to the organization 'Second Org'" \
	sectigo order --cn www.example.com --org "Second Org" --profile "EV SSL" --term 365 --key-type rsa:2048
bad_order "unvalidated domain" "covered by the domain 'example.net', which is not validated" \
	"${ORD[@]}" --cn www.example.com --san shop.example.net --profile 301 --term 365
bad_order "unknown domain" "'www.other.test' is not covered by any domain" \
	"${ORD[@]}" --cn www.other.test --profile 301 --term 365
bad_order "description too long" "description is 1025 characters long" \
	"${ORD[@]}" --cn www.example.com --profile 301 --term 365 --description "$(printf 'x%.0s' $(seq 1025))"
bad_order "mandatory custom field" "custom field 'Cost Center' is mandatory" \
	sectigo order --cn www.example.com --org 1001 --profile 301 --term 365 --key-type ec:p256
bad_order "bad external requester" "not an e-mail address" \
	"${ORD[@]}" --cn www.example.com --profile 301 --term 365 --external-requester nobody
bad_order "keystore without password source" "needs --keystore-password-file" \
	"${ORD[@]}" --cn www.example.com --profile 301 --term 365 --keystore p12
check "local checks sent nothing" test "$(api_log_count)" = 0
check "local checks left nothing behind" test -z "$(find "$R/pending" "$R/certs" -mindepth 1)"

# ---- order, pending across several checks, collection -------------------------
ok "order" --json "${ORD[@]}" --cn www.example.com --san api.example.com --org "Example Corp/IT" \
	--profile "OV Multi-Domain" --term 365 --description "web front" --external-requester ops@example.com
ID1=$(json "$OUT" 'd["ssl_id"]')
check "order json" test "$(json "$OUT" 'd["name"], d["status"]')" = "('www.example.com', 'pending')"
check "enroll sent once with the SANs and fields" python3 -c '
import json,sys; log=json.load(sys.stdin); e=[x for x in log if x["path"]=="/api/ssl/v1/enroll"]
assert len(e)==1, e; b=json.loads(e[0]["body"])
assert b["orgId"]==2001 and b["certType"]==301 and b["term"]==365 and b["subjAltNames"]=="api.example.com"
assert b["comments"]=="web front" and b["externalRequester"]=="ops@example.com"
assert b["customFields"]==[{"name":"Cost Center","value":"4711"}]
' < <(ctl GET /__fake/log)
ctl POST "/__fake/orders/$ID1" '{"polls":3}' >/dev/null
check "pending key kept 0600" test "$(stat -c %a "$R/pending/www.example.com/key.pem")" = 600
ok "list shows it pending" --json cert list --source sectigo
check "pending in the list" python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["certificates"]; assert [x["status"] for x in c]==["pending"]' "$OUT"
for n in 1 2 3; do
	fails "status: still pending ($n)" 4 sectigo status www.example.com
	check "status: says pending ($n)" out_has "still pending"
done
ok "status: collected" sectigo status www.example.com
check "status: says collected" out_has "collected version 1"
C="$R/certs/www.example.com"
check "chain verifies against the fake's root" openssl verify -CAfile "$ROOT" -untrusted "$C/chain.pem" "$C/cert.pem"
check "fullchain is leaf first" bash -c "openssl x509 -in '$C/fullchain.pem' -noout -fingerprint | cmp -s - <(openssl x509 -in '$C/cert.pem' -noout -fingerprint)" 
check "fullchain = cert + chain" sh -c "cat '$C/cert.pem' '$C/chain.pem' | cmp -s - '$C/fullchain.pem'"
check "key matches the certificate" bash -c "cmp -s <(openssl x509 -in '$C/cert.pem' -noout -pubkey) <(openssl pkey -in '$C/key.pem' -pubout)"
check "key.pem 0600" test "$(stat -L -c %a "$C/key.pem")" = 600
check "pending key removed" test ! -e "$R/pending/www.example.com"
check "both names in the certificate" sh -c "openssl x509 -in '$C/cert.pem' -noout -ext subjectAltName | grep -q api.example.com"
ok "show --json" --json cert show www.example.com
check "meta: source, status, CA refs" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); ca=d["ca"]
assert d["source"]=="sectigo" and d["status"]=="valid" and d["version"]==1, d
assert ca["ssl-id"]==sys.argv[2] and ca["org-id"]=="2001" and ca["profile-id"]=="301" and ca["term"]=="365"
assert ca["renew-id"] and ca["url"].endswith("/api") and "pending-ssl-id" not in ca
assert d["current"]["ca"]["ssl-id"]==sys.argv[2] and d["current"]["key_type"]=="ec:p256"
' "$OUT" "$ID1"
ok "status of a settled certificate" sectigo status www.example.com
check "nothing pending" out_has "nothing pending"

# a keystore, its password read from a variable only when collecting
KS_PW='ks-Secret-5501'; export KS_PW
ctl POST /__fake/config '{"defaultPolls":1}' >/dev/null
ok "order with a p12 keystore" "${ORD[@]}" --cn shop.example.com --profile 302 --term 90 \
	--keystore p12 --keystore-password-env KS_PW
check "only the variable name is kept" sh -c "grep -q 'keystore-password-env: KS_PW' '$R/certs/shop.example.com/meta.yaml' && ! grep -rqF -- '$KS_PW' '$R'"
ok "order with a jks keystore" "${ORD[@]}" --cn jks.example.com --profile 301 --term 730 \
	--keystore jks --keystore-password-file "$T_DIR/scm.pw" --name jks-cert
ctl POST /__fake/config '{"defaultPolls":0}' >/dev/null
ok "status --all: pending ones stay pending" sectigo status --all
check "status --all: 2 pending" out_has "0 collected, 2 still pending, 0 failed"
ok "status --all --json: collects" sectigo status --all --json
check "status --all json" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert d["collected"]==2 and d["pending"]==0 and d["failed"]==0, d
assert sorted(x["name"] for x in d["certificates"])==["jks-cert","shop.example.com"]
' "$OUT"
check "p12 opens with the password" openssl pkcs12 -in "$R/certs/shop.example.com/cert.p12" -noout -passin env:KS_PW
check "p12 is 0600" test "$(stat -L -c %a "$R/certs/shop.example.com/cert.p12")" = 600
if command -v keytool >/dev/null; then
	check "keytool opens the jks" keytool -list -keystore "$R/certs/jks-cert/cert.jks" -storepass:file "$T_DIR/scm.pw"
fi
ok "status --all with nothing pending" sectigo status --all
check "says nothing pending" out_has "no pending Sectigo orders"

# issued, but not ready for download yet: still pending
ok "order (collect lag)" --json "${ORD[@]}" --cn lag.example.com --profile 301 --term 365
LAG_ID=$(json "$OUT" 'd["ssl_id"]')
ctl POST "/__fake/orders/$LAG_ID" '{"collectLag":1}' >/dev/null
fails "status: issued but not downloadable" 4 sectigo status lag.example.com
check "status: says not ready" out_has "not ready for download yet"
ok "status: collected after the lag" sectigo status lag.example.com --json
check "status json" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); c=d["certificates"][0]
assert d["collected"]==1 and c["name"]=="lag.example.com" and c["status"]=="valid" and c["version"]==1, d
' "$OUT"

# an error from SCM: its code and description, nothing left behind
ctl POST /__fake/config '{"externalRequesterRequired":true}' >/dev/null
fails "SCM refuses the order" 1 "${ORD[@]}" --cn refused.example.com --profile 301 --term 365
check "SCM error: one line" one_line_error
check "SCM error: code and description" err_has "External Requester is required. (SCM code -139)"
check "SCM error: no password in it" sh -c "! grep -qF -- '$PW' '$ERR'"
check "SCM error: nothing left behind" test ! -e "$R/pending/refused.example.com" -a ! -e "$R/certs/refused.example.com"
ctl POST /__fake/config '{"externalRequesterRequired":false}' >/dev/null

# stale synced data is fetched again before an order uses it
printf 'sectigo:\n  sync-max-age: 1s\n' >"$R/certctl.conf"
sleep 1.2
ctl DELETE /__fake/log >/dev/null
ok "order with stale synced data" "${ORD[@]}" --cn stale.example.com --profile 301 --term 365
check "stale data refreshed first" err_has "refreshing the Sectigo organizations"
check "refresh requests sent" python3 -c '
import json,sys; p=[x["path"] for x in json.load(sys.stdin)]
assert "/api/organization/v1" in p and "/api/domain/v1" in p and p.index("/api/organization/v1") < p.index("/api/ssl/v1/enroll"), p
' < <(ctl GET /__fake/log)
# certctl.conf keys take precedence over the stored account
printf 'sectigo:\n  login: someone-else\n' >"$R/certctl.conf"
ok "account show with a config override" sectigo account show
check "config login shown as such" out_has "someone-else (certctl.conf)"
fails "config override is used" 1 sectigo sync orgs
check "override: rejected login" err_has "SCM code -16"
rm -f "$R/certctl.conf"
ok "status: stale order collected" sectigo status stale.example.com

# ---- import: 500 seeded orders across pages, then again unchanged --------------
ctl POST /__fake/seed '{"count":420,"status":"Revoked"}' >/dev/null
ctl POST /__fake/seed '{"count":40,"status":"Issued"}' >/dev/null
ctl POST /__fake/seed '{"count":20,"status":"Declined"}' >/dev/null
ctl POST /__fake/seed '{"count":20,"status":"Expired"}' >/dev/null
ctl DELETE /__fake/log >/dev/null
ok "import" sectigo import --json
check "import summary" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert d["orders"]==505 and d["imported"]==500 and d["collected"]==40 and d["failed"]==0, d
assert d["imported"]+d["updated"]+d["unchanged"]==505
' "$OUT"
check "listed page by page" python3 -c '
import json,sys; log=json.load(sys.stdin)
pos=[int(x["query"]["position"]) for x in log if x["path"]=="/api/ssl/v1" and x["method"]=="GET"]
assert pos==[0,200,400,600][:len(pos)] and len(pos)>=3, pos
' < <(ctl GET /__fake/log)
ok "cert list --source sectigo" --json cert list --source sectigo
check "505 Sectigo certificates, statuses mapped" python3 -c '
import json,sys,collections; c=json.load(open(sys.argv[1]))["certificates"]
s=collections.Counter(x["status"] for x in c)
assert len(c)==505 and s["revoked"]==420 and s["failed"]==20 and s["expired"]==20 and s["valid"]==45, s
assert len(set(x["name"] for x in c))==505
' "$OUT"
check "names made unique" test -d "$R/certs/seed00000.example.com-2"
I=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["certificates"]; print([x["name"] for x in d if x["status"]=="valid" and x["name"].startswith("seed")][0])' "$OUT")
check "imported issued certificate verifies" openssl verify -CAfile "$ROOT" -untrusted "$R/certs/$I/chain.pem" "$R/certs/$I/cert.pem"
ok "imported meta" --json cert show "$I"
check "imported CA refs" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); ca=d["ca"]
assert d["source"]=="sectigo" and int(ca["order-number"])==int(ca["ssl-id"])+900000 and ca["org-id"]=="1001"
assert ca["profile-id"]=="301" and ca["term"]=="365" and d["current"]["key"] is False
' "$OUT"
before=$(tree_digest "$R")
ok "import again" sectigo import
check "import again: nothing imported or updated" out_has "imported 0, updated 0, unchanged 505, collected 0"
check "import again: repository unchanged" test "$before" = "$(tree_digest "$R")"
mv "$R/sectigo/orders.yaml" "$T_DIR/orders.yaml"
ok "import without the order map" sectigo import
check "orders found in the metadata" out_has "imported 0, updated 0, unchanged 505, collected 0"
check "the same map again" cmp -s "$R/sectigo/orders.yaml" "$T_DIR/orders.yaml"
check "repository unchanged" test "$before" = "$(tree_digest "$R")"
ok "import --status --prefix" sectigo import --status Issued --prefix scm- --json
check "filtered import: all known" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["imported"]==0 and d["orders"]==45, d' "$OUT"
fails "import: bad prefix" 2 sectigo import --prefix "a/b"

# ---- renew, reissue ----------------------------------------------------------------
ok "renew" sectigo renew www.example.com --json
ID2=$(json "$OUT" 'd["ssl_id"]')
check "renew: a new order" test "$ID2" != "$ID1"
check "renew: pending id recorded" grep -q "pending-ssl-id: \"\\?$ID2" "$C/meta.yaml"
ok "renew: show" --json cert show www.example.com
check "renew: still valid meanwhile" test "$(json "$OUT" 'd["status"]')" = valid
fails "renew twice" 1 sectigo renew www.example.com
check "renew twice: says pending" err_has "already has a pending SCM order $ID2"
ok "renew: collected" sectigo status www.example.com
ok "history" --json cert history www.example.com
check "renew: version 2, new key, new id, old id kept" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); v=d["versions"]
assert d["current"]==2 and v[0]["reason"]=="renewed" and v[0]["ca"]["ssl-id"]==sys.argv[3] and v[1]["ca"]["ssl-id"]==sys.argv[2]
' "$OUT" "$ID1" "$ID2"
ok "renew meta" --json cert show www.example.com
check "renew: meta ids" python3 -c '
import json,sys; ca=json.load(open(sys.argv[1]))["ca"]
assert ca["ssl-id"]==sys.argv[3] and ca["previous-ssl-ids"]==sys.argv[2] and "pending-ssl-id" not in ca, ca
' "$OUT" "$ID1" "$ID2"
check "renew: new key" sh -c "! cmp -s '$C/versions/1/key.pem' '$C/versions/2/key.pem'"
check "renew: key matches" bash -c "cmp -s <(openssl x509 -in '$C/cert.pem' -noout -pubkey) <(openssl pkey -in '$C/key.pem' -pubout)"
check "renew: chain verifies" openssl verify -CAfile "$ROOT" -untrusted "$C/chain.pem" "$C/cert.pem"
ok "import after renew changes nothing" sectigo import
check "import after renew: old order not re-imported" out_has "imported 0, updated 0"
SHOP_ID=$(json <("$CERTCTL" --json cert show shop.example.com) 'd["ca"]["ssl-id"]')
fails "reissue needs a reason" 2 sectigo reissue shop.example.com
ok "reissue" sectigo reissue shop.example.com --reason "key rotation drill"
check "reissue: replace sent" python3 -c '
import json,sys; log=json.load(sys.stdin); r=[x for x in log if x["path"]=="/api/ssl/v1/replace/"+sys.argv[1]]
assert len(r)==1 and json.loads(r[0]["body"])["reason"]=="key rotation drill"
' "$SHOP_ID" < <(ctl GET /__fake/log)
ok "reissue: collected" sectigo status shop.example.com
ok "reissue history" --json cert history shop.example.com
check "reissue: same order, new version and key" python3 -c '
import json,sys; v=json.load(open(sys.argv[1]))["versions"]
assert v[0]["reason"]=="reissued" and v[0]["ca"]["ssl-id"]==v[1]["ca"]["ssl-id"]==sys.argv[2] and v[0]["serial"]!=v[1]["serial"]
assert v[0]["p12"] is True
' "$OUT" "$SHOP_ID"
check "reissue: new p12 opens" openssl pkcs12 -in "$R/certs/shop.example.com/cert.p12" -noout -passin env:KS_PW

# ---- revoke, cancel, delete ----------------------------------------------------
fails "revoke: unknown reason" 2 sectigo revoke www.example.com --reason because
check "revoke: lists the reasons" err_has "keyCompromise"
ok "revoke" sectigo revoke www.example.com --reason keyCompromise --message "test key leaked"
check "revoke: sent with code 1" test "$(ctl GET "/__fake/orders/$ID2" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["reasonCode"])')" = "Revoked 1"
ok "cert list --status revoked" cert list --status revoked --source sectigo
check "cert list shows it revoked" out_has "^www.example.com "
ok "order to cancel" "${ORD[@]}" --cn cancel.example.com --profile 301 --term 365 --json
ID3=$(json "$OUT" 'd["ssl_id"]')
ctl POST "/__fake/orders/$ID3" '{"polls":100}' >/dev/null
ok "cancel a requested order" sectigo cancel cancel.example.com
check "cancel: declined in SCM" test "$(ctl GET "/__fake/orders/$ID3" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = Declined
check "cancel: says so" out_has "declined"
ok "cancelled one is failed" --json cert show cancel.example.com
check "cancel: status failed, key gone" sh -c "test \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"status\"])' '$OUT')\" = failed && test ! -e '$R/pending/cancel.example.com'"
fails "cancel an issued one" 1 sectigo cancel jks-cert
check "cancel issued: one line" one_line_error
check "cancel issued: says why" err_has "already issued: revoke it"
JKS_ID=$(json <("$CERTCTL" --json cert show jks-cert) 'd["ca"]["ssl-id"]')
fails "delete without --yes" 2 sectigo delete jks-cert
ok "delete" sectigo delete jks-cert --yes
check "delete: says it stays in Sectigo" out_has "stays in Sectigo"
check "delete: gone locally" test ! -e "$R/certs/jks-cert"
check "delete: still in SCM" test "$(ctl GET "/__fake/orders/$JKS_ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = Issued
check "delete: order map forgets it" sh -c "! grep -q 'jks-cert' '$R/sectigo/orders.yaml'"
fails "delete: unknown certificate" 1 sectigo delete nosuch --yes
fails "status of an unknown certificate" 1 sectigo status nosuch

ok "cert renew dispatches to sectigo" cert renew lag.example.com
check "cert renew: a renewal is pending" grep -q 'sectigo-pending: renew' "$R/certs/lag.example.com/meta.yaml"
ok "cert renew: collected" sectigo status lag.example.com
ok "cert revoke dispatches to sectigo" cert revoke lag.example.com --reason superseded
check "cert revoke: revoked in SCM" test "$(ctl GET "/__fake/orders/$(json <("$CERTCTL" --json cert show lag.example.com) 'd["ca"]["ssl-id"]')" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["reasonCode"])')" = "Revoked 4"
ok "import after delete brings it back" sectigo import --prefix scm-
check "import after delete: one imported" out_has "imported 1, "
check "import after delete: prefixed name" test -f "$R/certs/scm-jks.example.com/cert.pem"

# ---- help, usage, the password never shows ----------------------------------
for c in "account set" "account show" sync orgs domains profiles import order status renew reissue revoke cancel delete; do
	# shellcheck disable=SC2086
	ok "help: $c" sectigo $c --help
	check "help: $c usage" out_has "^usage: certctl sectigo $c"
done
# the SYNOPSIS of certctl-sectigo(1) is the usage strings
: >"$T_DIR/usage-syn"
for c in "account set" "account show" sync orgs domains profiles import order status renew reissue revoke cancel delete; do
	# shellcheck disable=SC2086
	"$CERTCTL" sectigo $c --help | sed -n 's/^usage: //p' | tr -d '<>' >>"$T_DIR/usage-syn"
done
if command -v mandoc >/dev/null; then
	mandoc -Tascii -O width=1000 "$SRC/man/certctl-sectigo.1" | sed 's/.\x08//g' |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/s/^ *\(certctl sectigo\)/\1/p' >"$T_DIR/man-syn"
	check "man SYNOPSIS = usage strings" diff "$T_DIR/man-syn" "$T_DIR/usage-syn"
fi
fails "sectigo without subcommand" 2 sectigo
fails "unknown subcommand" 2 sectigo ordr
check "suggests order" err_has "did you mean 'order'"
check "password only in sectigo/password (end)" test "$(grep -rlF -- "$PW" "$R")" = "$R/sectigo/password"
check "sectigo/password still 0600" test "$(stat -c %a "$R/sectigo/password")" = 600
finish
