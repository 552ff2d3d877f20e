# shellcheck shell=bash
# Throwaway Pebble ACME test CA for integration tests. Source this file:
#
#   . tests/integration/pebble-env.sh
#   pebble_start [--eab] [--nonce-reject N] [--alt-roots N]
#   ... use $PEBBLE_DIR_URL etc ...
#   pebble_stop
#
# pebble_start generates a TLS root and a 127.0.0.1/localhost server
# certificate in a temporary directory, picks free 127.0.0.1 ports, starts
# pebble-challtestsrv (DNS on 127.0.0.1 only, its HTTP challenge servers
# off) and pebble (PEBBLE_VA_NOSLEEP=1; PEBBLE_AUTHZREUSE=0 unless set, so
# every order needs its challenges; nonce rejection left at pebble's
# default 5% unless --nonce-reject is given), waits for the directory
# (at most 20 s) and exports:
#
#   PEBBLE_DIR_URL     https://127.0.0.1:<port>/dir
#   PEBBLE_CA_BUNDLE   TLS root that signed the ACME server certificate
#   PEBBLE_MGMT        https://127.0.0.1:<port>/roots/0 (issuing root)
#   PEBBLE_MGMT_URL    https://127.0.0.1:<port> (management API base)
#   CHALLTESTSRV_URL   http://127.0.0.1:<port> (POST /set-txt, /clear-txt)
#   PEBBLE_HTTP_PORT   port pebble's VA uses for http-01
#   PEBBLE_TLS_PORT    port pebble's VA uses for tls-alpn-01
#   PEBBLE_DNS_PORT    challtestsrv DNS port (UDP and TCP)
#   PEBBLE_EAB_KID, PEBBLE_EAB_HMAC   with --eab: the EAB key id and key
#   PEBBLE_ALT_ROOTS   with --alt-roots N: N (alternate chains per cert)
#   PEBBLE_TMP         the temporary directory (logs: pebble.log, dns.log)
#
# Returns non-zero (after cleaning up) when something does not start.

_pebble_free_port() {
	# a port free for both TCP and UDP on 127.0.0.1
	python3 - <<'EOF'
import socket
for _ in range(50):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close()
        continue
    u.close()
    t.close()
    print(port)
    break
EOF
}

_pebble_certs() { # $1 dir
	local d=$1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/tls-root.key" -out "$d/tls-root.pem" -days 2 \
		-subj "/CN=certctl pebble test TLS root" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		>/dev/null 2>&1 || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/server.key" -out "$d/server.csr" \
		-subj "/CN=localhost" >/dev/null 2>&1 || return 1
	printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		"basicConstraints=CA:FALSE" \
		"extendedKeyUsage=serverAuth" \
		"keyUsage=critical,digitalSignature" >"$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/tls-root.pem" \
		-CAkey "$d/tls-root.key" -CAcreateserial -days 2 \
		-extfile "$d/server.ext" -out "$d/server.pem" \
		>/dev/null 2>&1 || return 1
}

pebble_stop() {
	local pid
	for pid in ${PEBBLE_PID:-} ${CHALLTESTSRV_PID:-}; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	[ -n "${PEBBLE_TMP:-}" ] && rm -rf "$PEBBLE_TMP"
	unset PEBBLE_PID CHALLTESTSRV_PID PEBBLE_TMP PEBBLE_DIR_URL \
		PEBBLE_CA_BUNDLE PEBBLE_MGMT PEBBLE_MGMT_URL CHALLTESTSRV_URL \
		PEBBLE_HTTP_PORT PEBBLE_TLS_PORT PEBBLE_DNS_PORT \
		PEBBLE_EAB_KID PEBBLE_EAB_HMAC PEBBLE_ALT_ROOTS
	return 0
}

pebble_start() {
	local eab=0 nonce_reject= alt_roots= acme mgmt http tls dns cmgmt
	local eab_json= i code
	while [ $# -gt 0 ]; do
		case "$1" in
		--eab) eab=1 ;;
		--nonce-reject) nonce_reject=$2; shift ;;
		--alt-roots) alt_roots=$2; shift ;;
		*) echo "pebble_start: unknown option $1" >&2; return 2 ;;
		esac
		shift
	done
	command -v pebble >/dev/null && command -v pebble-challtestsrv \
		>/dev/null || { echo "pebble_start: pebble not installed" >&2
				return 1; }
	PEBBLE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/certctl-pebble.XXXXXX") ||
		return 1
	export PEBBLE_TMP
	if ! _pebble_certs "$PEBBLE_TMP"; then
		echo "pebble_start: cannot create TLS certificates" >&2
		pebble_stop
		return 1
	fi
	acme=$(_pebble_free_port) mgmt=$(_pebble_free_port)
	http=$(_pebble_free_port) tls=$(_pebble_free_port)
	dns=$(_pebble_free_port) cmgmt=$(_pebble_free_port)
	if [ -z "$acme" ] || [ -z "$dns" ] || [ -z "$cmgmt" ]; then
		echo "pebble_start: no free ports" >&2
		pebble_stop
		return 1
	fi
	if [ "$eab" = 1 ]; then
		PEBBLE_EAB_KID=kid-certctl
		PEBBLE_EAB_HMAC=$(openssl rand -base64 32 | tr '+/' '-_' |
				  tr -d '=\n')
		export PEBBLE_EAB_KID PEBBLE_EAB_HMAC
		eab_json=",
    \"externalAccountMACKeys\": {\"$PEBBLE_EAB_KID\": \"$PEBBLE_EAB_HMAC\"}"
	fi
	cat >"$PEBBLE_TMP/pebble-config.json" <<EOF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$acme",
    "managementListenAddress": "127.0.0.1:$mgmt",
    "certificate": "$PEBBLE_TMP/server.pem",
    "privateKey": "$PEBBLE_TMP/server.key",
    "httpPort": $http,
    "tlsPort": $tls,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": $([ "$eab" = 1 ] && echo true || echo false)$eab_json
  }
}
EOF
	pebble-challtestsrv -dns01 "127.0.0.1:$dns" -http01 "" -https01 "" \
		-tlsalpn01 "" -management "127.0.0.1:$cmgmt" \
		-defaultIPv4 127.0.0.1 -defaultIPv6 "" \
		>"$PEBBLE_TMP/dns.log" 2>&1 &
	CHALLTESTSRV_PID=$!
	(
		export PEBBLE_VA_NOSLEEP=1
		# every order gets fresh authorizations (pebble reuses valid
		# ones half of the time by default), so runs are repeatable
		export PEBBLE_AUTHZREUSE=${PEBBLE_AUTHZREUSE:-0}
		[ -n "$nonce_reject" ] && export PEBBLE_WFE_NONCEREJECT=$nonce_reject
		[ -n "$alt_roots" ] && export PEBBLE_ALTERNATE_ROOTS=$alt_roots
		exec pebble -config "$PEBBLE_TMP/pebble-config.json" \
			-dnsserver "127.0.0.1:$dns"
	) >"$PEBBLE_TMP/pebble.log" 2>&1 &
	PEBBLE_PID=$!
	export PEBBLE_PID CHALLTESTSRV_PID
	PEBBLE_DIR_URL="https://127.0.0.1:$acme/dir"
	PEBBLE_CA_BUNDLE="$PEBBLE_TMP/tls-root.pem"
	PEBBLE_MGMT_URL="https://127.0.0.1:$mgmt"
	PEBBLE_MGMT="$PEBBLE_MGMT_URL/roots/0"
	CHALLTESTSRV_URL="http://127.0.0.1:$cmgmt"
	PEBBLE_HTTP_PORT=$http PEBBLE_TLS_PORT=$tls PEBBLE_DNS_PORT=$dns
	[ -n "$alt_roots" ] && export PEBBLE_ALT_ROOTS=$alt_roots
	export PEBBLE_DIR_URL PEBBLE_CA_BUNDLE PEBBLE_MGMT PEBBLE_MGMT_URL \
		CHALLTESTSRV_URL PEBBLE_HTTP_PORT PEBBLE_TLS_PORT \
		PEBBLE_DNS_PORT
	for i in $(seq 1 100); do	# 100 x 0.2 s = 20 s
		code=$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' \
			"$CHALLTESTSRV_URL/" 2>/dev/null)
		if [ "${code:-000}" != 000 ] &&
		   curl -fsS --max-time 2 --cacert "$PEBBLE_CA_BUNDLE" \
			"$PEBBLE_DIR_URL" >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$PEBBLE_PID" 2>/dev/null ||
		   ! kill -0 "$CHALLTESTSRV_PID" 2>/dev/null; then
			break
		fi
		sleep 0.2
	done
	echo "pebble_start: pebble did not come up; logs:" >&2
	tail -n 20 "$PEBBLE_TMP/pebble.log" "$PEBBLE_TMP/dns.log" >&2
	pebble_stop
	return 1
}
