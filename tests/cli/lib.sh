# Shared helpers for CLI test scripts (sourced). Each script runs checks
# with `ok NAME CMD...`, `fails NAME CODE CMD...` and ends with `finish`,
# which prints "N passed, N failed".
set -u
: "${CERTCTL:?CERTCTL must point at the certctl binary}"
T_PASS=0 T_FAIL=0
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/certctl-test.XXXXXX")
trap 't_cleanup' EXIT
t_cleanup() {
	[ -n "${T_CLEANUP_HOOK:-}" ] && eval "$T_CLEANUP_HOOK"
	rm -rf "$T_DIR"
}
export CERTCTL_REPO="$T_DIR/repo"
unset CERTCTL_CONFIG XDG_DATA_HOME
export HOME="$T_DIR/home"
mkdir -p "$HOME"
OUT="$T_DIR/out" ERR="$T_DIR/err"

pass() { T_PASS=$((T_PASS + 1)); echo "ok - $1"; }
fail() {
	T_FAIL=$((T_FAIL + 1)); echo "not ok - $1"
	[ -s "$OUT" ] && sed 's/^/#   out: /' "$OUT" | head -n 20
	[ -s "$ERR" ] && sed 's/^/#   err: /' "$ERR" | head -n 20
	return 0
}

# cc ARGS...: run certctl, output in $OUT/$ERR, exit code in $RC
cc() { "$CERTCTL" "$@" >"$OUT" 2>"$ERR" </dev/null; RC=$?; return 0; }

# ok NAME ARGS...: certctl ARGS must exit 0
ok() { local n=$1; shift; cc "$@"; if [ $RC -eq 0 ]; then pass "$n"; else fail "$n (exit $RC)"; fi; }
# fails NAME CODE ARGS...: certctl ARGS must exit CODE
fails() {
	local n=$1 code=$2; shift 2; cc "$@"
	if [ $RC -eq "$code" ]; then pass "$n"; else fail "$n (exit $RC, wanted $code)"; fi
}
# check NAME CMD...: any shell command must succeed
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then pass "$n"; else fail "$n"; fi; }
out_has() { grep -q -- "$1" "$OUT"; }
err_has() { grep -q -- "$1" "$ERR"; }
# one_line_error: stderr is exactly one line starting with "certctl: "
one_line_error() { [ "$(wc -l <"$ERR")" -eq 1 ] && grep -q '^certctl: ' "$ERR"; }

# tree_digest DIR: a digest of every path, mode and content under DIR
tree_digest() {
	(cd "$1" && find . -printf '%p %m %y %l\n' | LC_ALL=C sort &&
		find . -type f ! -name lock -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) | sha256sum
}

# A throwaway PKI made with the openssl CLI: root -> intermediate -> leaves.
pki_init() {
	P="$T_DIR/pki"; mkdir -p "$P"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$P/root.key" -out "$P/root.pem" -days 3650 \
		-subj "/CN=certctl Test Root" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$P/int.key" -out "$P/int.csr" -subj "/CN=certctl Test Intermediate" 2>/dev/null
	printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$P/int.ext"
	openssl x509 -req -in "$P/int.csr" -CA "$P/root.pem" -CAkey "$P/root.key" \
		-CAcreateserial -days 3650 -extfile "$P/int.ext" -out "$P/int.pem" 2>/dev/null
}

# pki_leaf NAME CN DAYS [KEYALG]: writes $P/NAME.key, $P/NAME.pem (leaf),
# $P/NAME.full.pem (leaf + intermediate)
pki_leaf() {
	local name=$1 cn=$2 days=$3 alg=${4:-ec}
	if [ "$alg" = rsa ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$P/$name.key" 2>/dev/null
	else
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$P/$name.key" 2>/dev/null
	fi
	openssl req -new -key "$P/$name.key" -subj "/CN=$cn" -out "$P/$name.csr" 2>/dev/null
	printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n' "$cn" >"$P/$name.ext"
	openssl x509 -req -in "$P/$name.csr" -CA "$P/int.pem" -CAkey "$P/int.key" \
		-CAcreateserial -days "$days" -extfile "$P/$name.ext" -out "$P/$name.pem" 2>/dev/null
	cat "$P/$name.pem" "$P/int.pem" >"$P/$name.full.pem"
}

finish() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}
