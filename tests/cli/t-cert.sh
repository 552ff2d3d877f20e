#!/usr/bin/env bash
# certctl cert: import (PEM, DER, PKCS#7, PKCS#12), list, show, export
# (PEM, PKCS#12 modern/legacy, JKS), history, delete; bad input, concurrent
# imports and an injected failure halfway through a write.
. "$(dirname "$0")/lib.sh"
pki_init
ok "init" init
R=$CERTCTL_REPO

pki_leaf www www.example.test 90
ok "import PEM chain with key" cert import "$P/www.full.pem" --key "$P/www.key"
check "named after the CN" test -d "$R/certs/www.example.test"
check "key.pem is 0600" test "$(stat -L -c %a "$R/certs/www.example.test/key.pem")" = 600
check "cert dir is 0700" test "$(stat -c %a "$R/certs/www.example.test")" = 700
check "fullchain stored" cmp -s "$R/certs/www.example.test/fullchain.pem" "$P/www.full.pem"
ok "re-import is a no-op" cert import "$P/www.full.pem" --key "$P/www.key"
check "says up to date" out_has "up to date"
ok "show" cert show www.example.test
check "show has issuer" out_has "certctl Test Intermediate"
ok "show --json" --json cert show www.example.test
check "json schema" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert d["format"]==1 and d["name"]=="www.example.test" and d["source"]=="imported"
assert d["status"]=="valid" and d["version"]==1
c=d["current"]; assert c["common_name"]=="www.example.test" and c["names"]==["www.example.test"]
assert len(c["fingerprint_sha256"])==64 and c["key"] is True and c["key_type"]=="ec:p256"
' "$OUT"
fp=$(openssl x509 -in "$P/www.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)
check "fingerprint matches openssl" grep -q "$fp" "$OUT"

# DER, PKCS#7, PKCS#12 inputs
pki_leaf der der.example.test 30
openssl x509 -in "$P/der.pem" -outform DER -out "$P/der.der"
ok "import DER" cert import "$P/der.der" --name der
pki_leaf p7 p7.example.test 60
openssl crl2pkcs7 -nocrl -certfile "$P/p7.full.pem" -outform DER -out "$P/p7.p7b"
ok "import PKCS#7 (DER)" cert import "$P/p7.p7b" --key "$P/p7.key"
pki_leaf p12 p12.example.test 45 rsa
echo 'p12-secret' >"$P/pw"
openssl pkcs12 -export -in "$P/p12.pem" -inkey "$P/p12.key" -certfile "$P/int.pem" \
	-passout file:"$P/pw" -out "$P/in.p12" 2>/dev/null
ok "import PKCS#12" cert import "$P/in.p12" --password-file "$P/pw"
check "p12 key imported" test -f "$R/certs/p12.example.test/key.pem"
ok "PKCS#12 round trip: export" cert export p12.example.test --format p12 --password-file "$P/pw" --out "$T_DIR/rt.p12"
ok "PKCS#12 round trip: import again under another name" cert import "$T_DIR/rt.p12" --password-file "$P/pw" --name p12-copy
check "round trip keeps the certificate" cmp -s "$R/certs/p12-copy/cert.pem" "$R/certs/p12.example.test/cert.pem"
check "round trip keeps the key" cmp -s <(openssl pkey -in "$R/certs/p12-copy/key.pem" -pubout) <(openssl pkey -in "$P/p12.key" -pubout)
check "round trip keeps the chain" cmp -s "$R/certs/p12-copy/chain.pem" "$P/int.pem"

# export formats, checked with openssl and keytool
ok "export pem" cert export www.example.test --format pem
check "export pem = leaf" cmp -s "$OUT" "$P/www.pem"
ok "export fullchain to file" cert export www.example.test --format fullchain --out "$T_DIR/fc.pem"
check "fullchain file" cmp -s "$T_DIR/fc.pem" "$P/www.full.pem"
ok "export key to file" cert export www.example.test --format key --out "$T_DIR/k.pem"
check "exported key is 0600" test "$(stat -c %a "$T_DIR/k.pem")" = 600
ok "export p12 (modern)" cert export www.example.test --format p12 --password-file "$P/pw" --out "$T_DIR/m.p12"
check "openssl opens the modern p12" openssl pkcs12 -in "$T_DIR/m.p12" -info -noout -passin file:"$P/pw"
openssl pkcs12 -in "$T_DIR/m.p12" -info -noout -passin file:"$P/pw" >"$T_DIR/info" 2>&1
check "modern p12 uses AES-256-CBC" grep -q 'AES-256-CBC' "$T_DIR/info"
check "modern p12 uses a SHA-256 MAC" grep -qi 'MAC: sha256' "$T_DIR/info"
check "modern p12 holds 2 certs + key" test "$(openssl pkcs12 -in "$T_DIR/m.p12" -nodes -passin file:"$P/pw" 2>/dev/null | grep -c 'BEGIN CERTIFICATE')" = 2
P12PW=p12-secret cc cert export www.example.test --format p12 --legacy --password-env P12PW --out "$T_DIR/l.p12"
check "legacy export ran" test $RC -eq 0
openssl pkcs12 -legacy -in "$T_DIR/l.p12" -info -noout -passin file:"$P/pw" >"$T_DIR/info" 2>&1
check "openssl opens the legacy p12" test $? -eq 0
check "legacy p12 uses 3DES" grep -q 'pbeWithSHA1And3-KeyTripleDES-CBC' "$T_DIR/info"
check "legacy p12 uses a SHA-1 MAC" grep -qi 'MAC: sha1' "$T_DIR/info"
ok "export jks" cert export www.example.test --format jks --password-file "$P/pw" --out "$T_DIR/k.jks"
if command -v keytool >/dev/null; then
	keytool -list -v -keystore "$T_DIR/k.jks" -storepass:file "$P/pw" >"$T_DIR/kt" 2>&1
	check "keytool opens the JKS" test $? -eq 0
	check "JKS holds a PrivateKeyEntry" grep -q 'PrivateKeyEntry' "$T_DIR/kt"
	check "JKS entry has the chain" grep -q 'Certificate chain length: 2' "$T_DIR/kt"
	check "JKS alias is the name" grep -q 'Alias name: www.example.test' "$T_DIR/kt"
	check "JKS is JKS" grep -qi 'Keystore type: JKS' "$T_DIR/kt"
else
	fail "keytool is not installed"
fi
fails "export without password source" 2 cert export www.example.test --format p12 --out "$T_DIR/x.p12"
fails "export unknown format" 2 cert export www.example.test --format pfx

# list
pki_leaf soon soon.example.test 5
ok "import soon" cert import "$P/soon.full.pem" --key "$P/soon.key"
ok "list" cert list
check "list header" out_has "^NAME"
check "sorted by expiry: soon first" test "$(sed -n 2p "$OUT" | awk '{print $1}')" = soon.example.test
ok "list --expiring 10d" cert list --expiring 10d
check "only soon" test "$(grep -c example.test "$OUT")" = 1
ok "list --json" --json cert list --expiring 30d
check "json list" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); c=d["certificates"]
assert d["format"]==1 and [x["name"] for x in c]==["soon.example.test","der"], c
assert c[0]["days_left"] in (4,5) and c[0]["status"]=="valid" and c[0]["source"]=="imported"
' "$OUT"
ok "list --source imported" cert list --source imported
fails "list --source bogus" 2 cert list --source bogus
ok "list --status expired is empty" cert list --status expired
check "no expired" test "$(grep -c example "$OUT")" = 0
fails "bad duration" 2 cert list --expiring soon

# history: a renewal-like import keeps the old version
pki_leaf www2 www.example.test 120
ok "import a new version" cert import "$P/www2.full.pem" --key "$P/www2.key"
ok "history" cert history www.example.test
check "two versions" test "$(grep -cE '^[12] ' "$OUT")" = 2
check "version 1 kept" cmp -s "$R/certs/www.example.test/versions/1/cert.pem" "$P/www.pem"
check "current is version 2" cmp -s "$R/certs/www.example.test/cert.pem" "$P/www2.pem"
ok "history --json" --json cert history www.example.test
check "history json" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); v=d["versions"]
assert d["current"]==2 and [x["version"] for x in v]==[2,1]
' "$OUT"
ok "export an old version" cert export www.example.test --format pem --version 1
check "old version exported" cmp -s "$OUT" "$P/www.pem"

# bad input: one-line error, non-zero exit, nothing on disk changes
before=$(tree_digest "$R")
head -c 3000 /dev/urandom >"$T_DIR/garbage"
fails "garbage file" 1 cert import "$T_DIR/garbage"
check "garbage: one-line error" one_line_error
echo wrong >"$P/wrong"
fails "wrong PKCS#12 password" 1 cert import "$P/in.p12" --password-file "$P/wrong"
check "wrong password: one-line error" one_line_error
check "says password" err_has "password"
fails "key does not match" 1 cert import "$P/soon.full.pem" --key "$P/www.key"
check "mismatch: one-line error" one_line_error
check "says does not match" err_has "does not match"
fails "name with ../" 1 cert import "$P/soon.full.pem" --name ../evil
check "bad name: one-line error" one_line_error
fails "name with /" 1 cert import "$P/soon.full.pem" --name a/b
fails "name with leading dash" 1 cert import "$P/soon.full.pem" --name=-x
fails "missing file" 1 cert import "$T_DIR/nope.pem"
check "missing: one-line error" one_line_error
openssl pkcs8 -topk8 -in "$P/soon.key" -passout pass:kpw -out "$P/soon.enc.key" 2>/dev/null
fails "encrypted key without password" 1 cert import "$P/soon.full.pem" --key "$P/soon.enc.key" --name enc
check "says how to give the password" err_has "password-file"
check "no repository change after bad input" test "$before" = "$(tree_digest "$R")"
check "nothing escaped the repository" test ! -e "$T_DIR/evil"
echo kpw >"$P/kpw"
ok "encrypted key with password" cert import "$P/soon.full.pem" --key "$P/soon.enc.key" --password-file "$P/kpw" --name enc

# an injected failure halfway through a write keeps the previous version
pki_leaf www3 www.example.test 200
V="$R/certs/www.example.test/versions"
C="$R/certs/www.example.test"
for n in $(seq 0 40); do
	before=$(tree_digest "$V/1")$(tree_digest "$V/2")
	CERTCTL_TEST_FAULT=$n "$CERTCTL" cert import "$P/www3.full.pem" --key "$P/www3.key" >"$OUT" 2>"$ERR"
	RC=$?
	if [ $RC -eq 0 ]; then break; fi
	check "fault $n: one-line error" one_line_error
	# a crash before the commit point leaves version 2 current, after it
	# version 3; never a mix, and the index agrees with the files
	check "fault $n: current is the old or the new certificate" \
		bash -c 'cmp -s "$1/cert.pem" "$2" || cmp -s "$1/cert.pem" "$3"' _ "$C" "$P/www2.pem" "$P/www3.pem"
	check "fault $n: key matches the current certificate" cmp -s <(openssl x509 -in "$C/cert.pem" -noout -pubkey) <(openssl pkey -in "$C/key.pem" -pubout)
	check "fault $n: fullchain matches cert" bash -c 'openssl x509 -in "$1/fullchain.pem" | cmp -s - <(openssl x509 -in "$1/cert.pem")' _ "$C"
	check "fault $n: old versions untouched" test "$before" = "$(tree_digest "$V/1")$(tree_digest "$V/2")"
	exp=$(date -u -d "$(openssl x509 -in "$C/cert.pem" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
	ok "fault $n: repository still lists" cert list
	check "fault $n: index agrees with the current version" grep -q "^www.example.test .*$exp" "$OUT"
	ok "fault $n: show works" cert show www.example.test
done
check "import succeeded after faults" test $RC -eq 0
check "new version current" cmp -s "$R/certs/www.example.test/cert.pem" "$P/www3.pem"

# 20 concurrent imports into one repository
mkdir -p "$T_DIR/conc"
for i in $(seq 1 20); do pki_leaf "c$i" "c$i.example.test" 30; done
pids=()
for i in $(seq 1 20); do
	"$CERTCTL" cert import "$P/c$i.full.pem" --key "$P/c$i.key" >"$T_DIR/conc/$i.out" 2>&1 &
	pids+=($!)
	# half of them also write to one shared name
	if [ $((i % 2)) -eq 0 ]; then
		"$CERTCTL" cert import "$P/c$i.full.pem" --key "$P/c$i.key" --name shared >"$T_DIR/conc/s$i.out" 2>&1 &
		pids+=($!)
	fi
done
cfail=0
for p in "${pids[@]}"; do wait "$p" || cfail=$((cfail + 1)); done
check "all 30 concurrent imports succeeded" test $cfail -eq 0
ok "list after concurrent imports" --json cert list
check "20 certificates listed + shared" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); n=[c["name"] for c in d["certificates"]]
assert sum(1 for x in n if x.startswith("c") and x.endswith(".example.test"))==20, n
assert "shared" in n
' "$OUT"
ok "shared history" --json cert history shared
check "shared has 10 versions numbered 1..10" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert sorted(v["version"] for v in d["versions"])==list(range(1,11)), d
' "$OUT"
check "no temp files left" test -z "$(find "$R" -name '*.tmp*' -o -name '.tmp-*' | head -1)"
check "every current key matches its cert" bash -c '
for d in "$1"/certs/*/; do
  [ -e "$d/key.pem" ] || continue
  cmp -s <(openssl x509 -in "$d/cert.pem" -noout -pubkey) <(openssl pkey -in "$d/key.pem" -pubout) || exit 1
done' _ "$R"

# delete
fails "delete without --yes and no tty" 2 cert delete der
check "still there" test -d "$R/certs/der"
ok "delete --yes" cert delete der --yes
check "gone" test ! -e "$R/certs/der"
ok "list after delete" cert list
check "not listed" bash -c "! grep -q '^der ' '$OUT'"
fails "show deleted" 1 cert show der
check "says no certificate" err_has "no certificate named 'der'"

finish
