#!/usr/bin/env python3
"""ACME front for tests: ARI (RFC 9773) and profiles in front of Pebble 2.4.

Standard library only. Debian's pebble 2.4 has neither ACME Renewal
Information (RFC 9773, "ARI") nor certificate profiles
(draft-ietf-acme-profiles). This is an HTTPS reverse proxy that the client
talks to instead of Pebble; it forwards everything to Pebble and adds those
two features on top.

Usage:
  acme_front.py --upstream https://127.0.0.1:PORT/dir --upstream-ca FILE
                --cert SERVER.pem --key SERVER.key [--listen 127.0.0.1:0]
                [--control-port PORT] [--default-window W]
                [--profiles classic,tlsserver,shortlived] [--no-ari]
                [--check-replaces] [--retry-after SECS]
                [--exit-on-stdin-eof] [--verbose]

The first line on stdout is the front's TCP port; with --control-port the
second line is the plain-HTTP control port. The directory is at the same
path as upstream's (https://127.0.0.1:<port>/dir for Pebble). The server
certificate must be valid for 127.0.0.1; Pebble's own (server.pem and
server.key in $PEBBLE_TMP, see tests/integration/pebble-env.sh) does, so
clients keep trusting $PEBBLE_CA_BUNDLE.

Forwarding. Every request other than the ones below goes to upstream
unchanged: method, path, query, body (the JWS) and headers, including Host
as the client sent it. Pebble builds its URLs from the Host header and
checks each JWS "url" against it, so Pebble itself answers with the front's
URLs and accepts JWS signed for the front's URLs; the front cannot re-sign a
JWS and never changes one. As a safety net it also rewrites any upstream
base URL (https://<upstream host:port>) to the front's base in bodies and
in the Location and Link headers. Replay-Nonce, Location, Link, Retry-After
and Content-Type come back unchanged.

Additions:
  * directory: "renewalInfo": "<front>/renewal-info" (unless --no-ari) and
    "meta": {"profiles": {NAME: DESCRIPTION, ...}} (unless --profiles "").
  * GET /renewal-info/<certID>: {"suggestedWindow": {"start", "end"}
    [, "explanationURL"]} with a Retry-After header (--retry-after, default
    21600). certID must be base64url(AKI keyIdentifier) "."
    base64url(serial DER content bytes) (400 malformed otherwise). The
    window is, first match wins: the one set for that certID through the
    control API; the default window (--default-window or the control API);
    for a certificate issued through the front ("auto"), Boulder's simple
    rule: lifetime L, ideal = notAfter - L/3, window = ideal +- min(1 day,
    L/100); otherwise 404 (like a CA that does not know the certificate).
  * newOrder: the JWS payload is decoded (base64url) and "profile",
    "replaces" and the identifiers are logged (GET /__front/log). A
    "profile" not advertised in the directory is refused with 400
    urn:ietf:params:acme:error:invalidProfile (with a fresh Replay-Nonce
    from upstream), before upstream sees the request. With profiles off
    (--profiles "") the field is ignored, as a CA without profiles would.
    With --check-replaces, "replaces" must name a certificate issued
    through the front to the same account (400 malformed otherwise) that no
    other non-invalid order already replaces (409 alreadyReplaced).
    Accepted requests go to Pebble UNCHANGED: Pebble 2.4 ignores unknown
    newOrder fields (checked: a newOrder with "profile" and "replaces" gets
    201 from pebble 2.4), and the JWS could not be re-signed anyway.
  * order objects (newOrder, finalize and POST-as-GET answers for orders
    created through the front) get the "profile" and "replaces" the order
    was created with, as RFC 9773 and the profiles draft require a CA to
    reflect them.
  * certificate downloads (application/pem-certificate-chain) are parsed
    (a small DER reader) to learn each issued leaf's certID, names,
    validity and account: GET /__front/certs.

How this differs from a real CA:
  * Profiles change nothing: every profile gets Pebble's one certificate
    (same lifetime, key usages, extensions). Only the name is checked,
    logged and reflected in the order.
  * Windows are whatever the test sets; the "auto" window only exists for
    certificates issued through this front (so not for ones issued by
    Pebble directly or before a restart). Without a default window an
    unknown certID gets 404; with one, ANY well-formed certID gets it (a
    real CA answers 404 for certificates it did not issue).
  * "replaces" is not checked at all unless --check-replaces; even then the
    identifiers of the old and new certificate are not compared, the old
    certificate is not marked replaced before Pebble accepts the order, and
    a replacement does not change the new certificate or the old one's
    window. Pebble knows nothing of either field.
  * Only the Pebble endpoints are proxied; the ARI endpoint is GET only
    (no caching headers other than Retry-After, no rate limits), there is
    no explanationURL unless the test sets one, and state lives in memory.
  * A rejected newOrder never reaches Pebble, so the nonce it carried stays
    unused at Pebble (a real CA would have consumed it).

Control API (no auth; on the front's HTTPS port and on --control-port over
plain HTTP, both 127.0.0.1 only):
  GET    /__front/health            "ok"
  GET    /__front/log[?type=T]      JSON array of events: newOrder
                                    (profile, replaces, identifiers, kid,
                                    status, order), renewalInfo (certID,
                                    status, window), rejected newOrders
  DELETE /__front/log               clear the log
  GET    /__front/ari               the configured windows
  POST   /__front/ari               {"certID": ID (absent: the default),
                                     "window": "past"|"future"|"auto",
                                     or "start"/"end": RFC 3339 string or
                                     seconds relative to the query (number),
                                     "explanationURL": URL, "retryAfter": N,
                                     "status": HTTP status to answer instead}
                                    past = [now-2d, now-1d] (renew now),
                                    future = [now+365d, now+366d],
                                    auto = remove (certID) / no default
  DELETE /__front/ari               forget every window (default back to
                                    --default-window)
  GET    /__front/certs             certificates seen, by certID
  GET    /__front/config            profiles, ari, checkReplaces, retryAfter
  POST   /__front/config            same keys to change ("profiles": list or
                                    {name: description} or null)
"""
import argparse
import base64
import binascii
import datetime
import http.client
import json
import os
import signal
import ssl
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate",
              "proxy-authorization", "te", "trailers", "transfer-encoding",
              "upgrade", "content-length", "accept-encoding"}
MAX_BODY = 1 << 20
LOG_MAX = 20000
DEFAULT_PROFILES = {
    "classic": "test front: Pebble's usual certificate",
    "tlsserver": "test front: same certificate as classic (name only)",
    "shortlived": "test front: same certificate as classic (name only)",
}
DAY = 86400


def b64u_decode(s):
    if isinstance(s, str):
        s = s.encode("ascii")
    if b"=" in s:
        raise ValueError("padding in base64url")
    return base64.urlsafe_b64decode(s + b"=" * (-len(s) % 4))


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def rfc3339(t):
    return datetime.datetime.fromtimestamp(
        int(t), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(v, now):
    """number: seconds relative to now; string: RFC 3339."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return now + v
    if isinstance(v, str):
        s = v.replace("Z", "+00:00").replace("z", "+00:00")
        d = datetime.datetime.fromisoformat(s)
        if d.tzinfo is None:
            d = d.replace(tzinfo=datetime.timezone.utc)
        return d.timestamp()
    raise ValueError("time must be a number or an RFC 3339 string")


def valid_certid(cid):
    """RFC 9773 section 4.1: base64url(AKI keyIdentifier) '.'
    base64url(serial), no padding, both non-empty."""
    parts = cid.split(".")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return False
    try:
        aki, serial = b64u_decode(parts[0]), b64u_decode(parts[1])
    except (ValueError, binascii.Error):
        return False
    # a DER INTEGER content: no superfluous leading zero, positive
    if serial[0] & 0x80 or (len(serial) > 1 and serial[0] == 0 and
                            not serial[1] & 0x80):
        return False
    return len(aki) > 0 and b64u(aki) == parts[0] and b64u(serial) == parts[1]


# ---------------------------------------------------------------- DER ----

def der_tlv(b, i):
    tag = b[i]
    ln = b[i + 1]
    i += 2
    if ln & 0x80:
        n = ln & 0x7F
        ln = int.from_bytes(b[i:i + n], "big")
        i += n
    return tag, b[i:i + ln], i + ln


def der_items(b):
    i, out = 0, []
    while i < len(b):
        tag, val, i = der_tlv(b, i)
        out.append((tag, val))
    return out


def der_time(tag, val):
    s = val.decode("ascii").rstrip("Z")
    if tag == 0x17:  # UTCTime YYMMDDHHMMSS
        y = int(s[:2])
        s = ("19" if y >= 50 else "20") + s
    d = datetime.datetime.strptime(s[:14], "%Y%m%d%H%M%S")
    return d.replace(tzinfo=datetime.timezone.utc).timestamp()


def cert_info(der):
    """certID, serial, validity and names of a DER certificate."""
    _, cert, _ = der_tlv(der, 0)
    tbs = der_items(der_items(cert)[0][1])
    k = 1 if tbs[0][0] == 0xA0 else 0
    serial = tbs[k][1]
    validity = der_items(tbs[k + 3][1])
    info = {"serial": serial.hex(), "notBefore": der_time(*validity[0]),
            "notAfter": der_time(*validity[1]), "names": []}
    aki = None
    for tag, val in tbs[k + 6:]:
        if tag != 0xA3:
            continue
        for _, ext in der_items(der_items(val)[0][1]):
            e = der_items(ext)
            oid, octets = e[0][1], e[-1][1]
            if oid == b"\x55\x1d\x23":  # authorityKeyIdentifier
                for t, v in der_items(der_items(octets)[0][1]):
                    if t == 0x80:
                        aki = v
            elif oid == b"\x55\x1d\x11":  # subjectAltName
                for t, v in der_items(der_items(octets)[0][1]):
                    if t == 0x82:
                        info["names"].append(v.decode("ascii", "replace"))
                    elif t == 0x87 and len(v) == 4:
                        info["names"].append(".".join(str(x) for x in v))
    if aki is None:
        return None
    info["certID"] = b64u(aki) + "." + b64u(serial)
    return info


def pem_first_cert(text):
    begin = "-----BEGIN CERTIFICATE-----"
    a = text.find(begin)
    if a < 0:
        return None
    b = text.find("-----END CERTIFICATE-----", a)
    if b < 0:
        return None
    return base64.b64decode("".join(text[a + len(begin):b].split()))


# -------------------------------------------------------------- state ----

class State:
    def __init__(self, args):
        u = urllib.parse.urlsplit(args.upstream)
        if u.scheme != "https" or not u.hostname:
            raise SystemExit("acme_front: --upstream must be an https URL")
        self.up_host = u.hostname
        self.up_port = u.port or 443
        self.up_base = "https://%s" % u.netloc
        self.dir_path = u.path or "/"
        self.up_ctx = ssl.create_default_context(cafile=args.upstream_ca)
        self.lock = threading.Lock()
        self.log = []
        self.seq = 0
        self.windows = {}
        self.default_window = self.window_spec(args.default_window) \
            if args.default_window else None
        self.cli_default = self.default_window
        if args.profiles is None:
            self.profiles = dict(DEFAULT_PROFILES)
        else:
            self.profiles = self.profile_map(
                [p for p in args.profiles.split(",") if p])
        self.ari = not args.no_ari
        self.check_replaces = args.check_replaces
        self.retry_after = args.retry_after
        self.certs = {}          # certID -> info
        self.orders = {}         # order URL path -> extras
        self.finalize = {}       # finalize URL path -> order URL path
        self.replaced = {}       # certID -> order URL path
        self.new_order_path = None
        self.new_nonce_path = None
        self.local = threading.local()

    @staticmethod
    def profile_map(v):
        if v is None:
            return None
        if isinstance(v, dict):
            return {str(k): str(d) for k, d in v.items()} or None
        if isinstance(v, list):
            return {str(p): DEFAULT_PROFILES.get(
                str(p), "test front: same certificate as classic "
                "(name only)") for p in v} or None
        raise ValueError("profiles: a list, an object or null")

    @staticmethod
    def window_spec(v):
        """--default-window: past, future, auto or START:END (seconds
        relative to the query)."""
        if v in ("past", "future"):
            return {"window": v}
        if v == "auto":
            return None
        try:
            a, b = v.split(":")
            return {"start": float(a), "end": float(b)}
        except ValueError:
            raise SystemExit("acme_front: --default-window: past, future, "
                             "auto or START:END (seconds from now)")

    def add_log(self, ev):
        with self.lock:
            self.seq += 1
            ev = dict(ev, seq=self.seq, time=rfc3339(time.time()))
            self.log.append(ev)
            if len(self.log) > LOG_MAX:
                del self.log[:len(self.log) - LOG_MAX]

    def upstream(self, fresh=False):
        c = getattr(self.local, "conn", None)
        if c is None or fresh:
            if c is not None:
                c.close()
            c = http.client.HTTPSConnection(self.up_host, self.up_port,
                                            context=self.up_ctx, timeout=60)
            self.local.conn = c
        return c

    def learn_directory(self, d):
        def path(k):
            v = d.get(k)
            return urllib.parse.urlsplit(v).path if isinstance(v, str) \
                else None
        with self.lock:
            self.new_order_path = path("newOrder") or self.new_order_path
            self.new_nonce_path = path("newNonce") or self.new_nonce_path

    def window_for(self, cid, now):
        """(spec, source) or (None, None)."""
        with self.lock:
            w = self.windows.get(cid)
            if w is not None:
                return w, "certID"
            if self.default_window is not None:
                return self.default_window, "default"
            info = self.certs.get(cid)
        if info is None:
            return None, None
        life = info["notAfter"] - info["notBefore"]
        ideal = info["notAfter"] - life / 3
        half = min(DAY, life / 100)
        return {"start": ideal - half - now, "end": ideal + half - now}, \
            "auto"


def resolve_window(spec, now):
    w = spec.get("window")
    if w == "past":
        return now - 2 * DAY, now - DAY
    if w == "future":
        return now + 365 * DAY, now + 366 * DAY
    return parse_time(spec["start"], now), parse_time(spec["end"], now)


# ------------------------------------------------------------ handler ----

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "acme_front/1"
    state = None
    verbose = False
    control_only = False

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("acme_front: %s %s\n" % (
                self.address_string(), fmt % args))

    # every method goes through one function
    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "").lower()
        if "chunked" in te:
            out = b""
            for _ in range(100000):
                line = self.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n",
                                                            b""):
                        pass
                    return out
                out += self.rfile.read(n)
                self.rfile.readline(1024)
                if len(out) > MAX_BODY:
                    raise ValueError("body too large")
            raise ValueError("too many chunks")
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n) if n else b""

    def front_base(self):
        if self.control_only:
            return ""
        return "https://%s" % (self.headers.get("Host") or "%s:%d" %
                               self.server.server_address[:2])

    def reply(self, code, body=b"", ctype="application/json", headers=(),
              head=False):
        if isinstance(body, (dict, list)):
            body = (json.dumps(body, indent=2) + "\n").encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        if body or ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def dispatch(self, method):
        st = self.state
        try:
            body = self.read_body()
            self._last_body = body  # track_cert: the account's kid
        except ValueError as e:
            self.close_connection = True
            return self.reply(400, {"detail": str(e)})
        path = urllib.parse.urlsplit(self.path).path
        try:
            if path.startswith("/__front/") or path == "/__front":
                return self.control(method, path, body)
            if self.control_only:
                return self.reply(404, {"detail": "control port: only "
                                        "/__front/ is served here"})
            if st.ari and path.startswith("/renewal-info/") and \
                    method in ("GET", "HEAD"):
                return self.renewal_info(path[len("/renewal-info/"):],
                                         method == "HEAD")
            extras = None
            if method == "POST" and st.new_order_path is None:
                self.fetch_directory()
            if method == "POST" and path == st.new_order_path:
                extras = self.inspect_new_order(body)
                if extras is None:
                    return  # rejected, answered
            return self.forward(method, path, body, extras)
        except (ConnectionError, OSError, http.client.HTTPException) as e:
            self.close_connection = True
            try:
                self.reply(502, {"type": "urn:ietf:params:acme:error:"
                                 "serverInternal",
                                 "detail": "acme_front: upstream: %s" % e},
                           ctype="application/problem+json")
            except OSError:
                pass

    # ------------------------------------------------------- upstream ---

    def upstream_request(self, method, target, body, headers):
        st = self.state
        for attempt in range(2):
            c = st.upstream(fresh=attempt > 0)
            try:
                c.request(method, target, body=body if body or method in (
                    "POST", "PUT") else None, headers=headers)
                r = c.getresponse()
                data = r.read()
                return r, data
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError, http.client.CannotSendRequest):
                # a stale keep-alive connection: the request did not get
                # an answer; try once on a new connection
                c.close()
                st.local.conn = None
                if attempt:
                    raise
        raise ConnectionError("unreachable")

    def fetch_directory(self):
        st = self.state
        hdrs = {"Host": self.headers.get("Host") or "%s:%d" % (
            st.up_host, st.up_port), "Accept": "application/json"}
        r, data = self.upstream_request("GET", st.dir_path, None, hdrs)
        if r.status == 200:
            st.learn_directory(json.loads(data))

    def fresh_nonce(self):
        st = self.state
        if st.new_nonce_path is None:
            self.fetch_directory()
        if st.new_nonce_path is None:
            return None
        r, _ = self.upstream_request("HEAD", st.new_nonce_path, None, {
            "Host": self.headers.get("Host") or st.up_host})
        return r.getheader("Replay-Nonce")

    def rewrite(self, b):
        st, base = self.state, self.front_base()
        if isinstance(b, str):
            return b.replace(st.up_base, base)
        return b.replace(st.up_base.encode(), base.encode())

    def forward(self, method, path, body, extras):
        st = self.state
        headers = {}
        for k, v in self.headers.items():
            if k.lower() not in HOP_BY_HOP:
                headers[k] = v
        if body or method in ("POST", "PUT"):
            headers["Content-Length"] = str(len(body))
        r, data = self.upstream_request(method, self.path, body, headers)
        ctype = (r.getheader("Content-Type") or "").split(";")[0].strip()
        jsonish = ctype in ("application/json", "application/problem+json")
        if jsonish and data:
            data = self.rewrite(data)
        if method == "GET" and path == st.dir_path and r.status == 200 \
                and jsonish:
            data = self.directory(data)
        if method == "POST" and jsonish and r.status in (200, 201):
            data = self.track_order(path, r, data, extras)
        if method == "POST" and r.status == 200 and \
                ctype == "application/pem-certificate-chain":
            self.track_cert(data)
        if extras is not None:
            self.log_new_order(extras, r, data)
        self.send_response(r.status)
        for k, v in r.getheaders():
            lk = k.lower()
            if lk in HOP_BY_HOP or lk in ("server", "date"):
                continue
            if lk in ("location", "link"):
                v = self.rewrite(v)
            self.send_header(k, v)
        if method == "HEAD":
            cl = r.getheader("Content-Length")
            if cl is not None:
                self.send_header("Content-Length", cl)
            else:
                self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def directory(self, data):
        st = self.state
        try:
            d = json.loads(data)
        except ValueError:
            return data
        st.learn_directory(d)
        base = self.front_base()
        if st.ari:
            d["renewalInfo"] = base + "/renewal-info"
        with st.lock:
            profiles = dict(st.profiles) if st.profiles else None
        if profiles:
            d.setdefault("meta", {})["profiles"] = profiles
        return (json.dumps(d, indent=3) + "\n").encode()

    # ----------------------------------------------------- newOrder -----

    def problem(self, code, typ, detail):
        hdrs = []
        try:
            n = self.fresh_nonce()
            if n:
                hdrs.append(("Replay-Nonce", n))
        except (OSError, http.client.HTTPException, ValueError):
            pass
        hdrs.append(("Cache-Control", "public, max-age=0, no-cache"))
        hdrs.append(("Link", '<%s%s>;rel="index"' % (
            self.front_base(), self.state.dir_path)))
        self.reply(code, {"type": "urn:ietf:params:acme:error:" + typ,
                          "detail": detail, "status": code},
                   ctype="application/problem+json", headers=hdrs)

    def inspect_new_order(self, body):
        """None when rejected (answered), else what to reflect and log."""
        st = self.state
        ex = {"profile": None, "replaces": None, "identifiers": None,
              "kid": None}
        try:
            jws = json.loads(body)
            prot = json.loads(b64u_decode(jws.get("protected", "")))
            payload = json.loads(b64u_decode(jws.get("payload", "")))
        except (ValueError, TypeError, binascii.Error, AttributeError):
            return ex  # let Pebble answer the malformed request
        if not isinstance(payload, dict):
            return ex
        ex["kid"] = prot.get("kid") if isinstance(prot, dict) else None
        ex["identifiers"] = payload.get("identifiers")
        ex["profile"] = payload.get("profile")
        ex["replaces"] = payload.get("replaces")
        with st.lock:
            profiles = dict(st.profiles) if st.profiles else None
            check = st.check_replaces
        why = None
        if "profile" in payload and profiles is not None and \
                payload["profile"] not in profiles:
            why = (400, "invalidProfile", "profile %s is not one of %s" % (
                json.dumps(payload["profile"]), ", ".join(sorted(profiles))))
        elif "replaces" in payload and st.ari and check:
            why = self.check_replaces(payload["replaces"], ex["kid"])
        if why is None:
            return ex
        st.add_log({"type": "newOrder", "profile": ex["profile"],
                    "replaces": ex["replaces"],
                    "identifiers": ex["identifiers"], "kid": ex["kid"],
                    "status": why[0], "error": why[1], "order": None})
        self.problem(*why)
        return None

    def check_replaces(self, cid, kid):
        st = self.state
        if not isinstance(cid, str) or not valid_certid(cid):
            return (400, "malformed", "replaces: not a certID")
        with st.lock:
            info = st.certs.get(cid)
            prev = st.replaced.get(cid)
            prev_status = st.orders.get(prev, {}).get("status") if prev \
                else None
        if info is None:
            return (400, "malformed", "replaces: unknown certificate %s" %
                    cid)
        if kid and info.get("kid") and info["kid"] != kid:
            return (400, "malformed", "replaces: certificate %s belongs to "
                    "another account" % cid)
        if prev and prev_status != "invalid":
            return (409, "alreadyReplaced", "certificate %s is already "
                    "replaced by order %s" % (cid, prev))
        return None

    def log_new_order(self, ex, r, data):
        loc = r.getheader("Location")
        self.state.add_log({
            "type": "newOrder", "profile": ex["profile"],
            "replaces": ex["replaces"], "identifiers": ex["identifiers"],
            "kid": ex["kid"], "status": r.status,
            "order": self.rewrite(loc) if loc else None})

    def track_order(self, path, r, data, extras):
        """Remember orders created through the front; put their profile
        and replaces back into order objects."""
        st = self.state
        try:
            obj = json.loads(data)
        except ValueError:
            return data
        if not isinstance(obj, dict) or "status" not in obj or \
                "identifiers" not in obj:
            return data
        loc = r.getheader("Location")
        opath = None
        with st.lock:
            if extras is not None and loc:
                opath = urllib.parse.urlsplit(loc).path
                # a CA without profiles (ARI) would not reflect them
                st.orders[opath] = {"profile": extras["profile"] if
                                    st.profiles else None,
                                    "replaces": extras["replaces"] if
                                    st.ari else None,
                                    "kid": extras["kid"],
                                    "status": obj.get("status")}
                fin = obj.get("finalize")
                if isinstance(fin, str):
                    st.finalize[urllib.parse.urlsplit(fin).path] = opath
                rep = extras["replaces"]
                if isinstance(rep, str) and st.ari:
                    st.replaced[rep] = opath
            if opath is None:
                opath = path if path in st.orders else \
                    st.finalize.get(path)
            o = st.orders.get(opath) if opath else None
            if o is None:
                return data
            o["status"] = obj.get("status")
            add = {k: o[k] for k in ("profile", "replaces")
                   if o[k] is not None and k not in obj}
        if not add:
            return data
        obj.update(add)
        return (json.dumps(obj, indent=3) + "\n").encode()

    def track_cert(self, data):
        st = self.state
        try:
            der = pem_first_cert(data.decode("ascii", "replace"))
            info = cert_info(der) if der else None
        except (ValueError, IndexError, binascii.Error):
            info = None
        if info is None:
            return
        kid = None
        try:
            kid = json.loads(b64u_decode(json.loads(
                self._last_body).get("protected", ""))).get("kid")
        except (ValueError, TypeError, AttributeError, binascii.Error):
            pass
        info["kid"] = kid
        with st.lock:
            st.certs[info["certID"]] = info

    # --------------------------------------------------------- ARI ------

    def renewal_info(self, cid, head):
        st = self.state
        now = time.time()
        cid = urllib.parse.unquote(cid)
        if not valid_certid(cid):
            st.add_log({"type": "renewalInfo", "certID": cid,
                        "status": 400})
            return self.reply(400, {
                "type": "urn:ietf:params:acme:error:malformed",
                "detail": "not a certID: %s" % cid, "status": 400},
                ctype="application/problem+json", head=head)
        spec, source = st.window_for(cid, now)
        if spec is None:
            st.add_log({"type": "renewalInfo", "certID": cid,
                        "status": 404})
            return self.reply(404, {
                "type": "urn:ietf:params:acme:error:malformed",
                "detail": "unknown certificate %s" % cid, "status": 404},
                ctype="application/problem+json", head=head)
        status = spec.get("status")
        if status:
            st.add_log({"type": "renewalInfo", "certID": cid,
                        "status": status, "source": source})
            return self.reply(int(status), {
                "type": "urn:ietf:params:acme:error:serverInternal",
                "detail": "acme_front: status set by the test",
                "status": int(status)}, ctype="application/problem+json",
                headers=[("Retry-After", str(spec.get(
                    "retryAfter", st.retry_after)))], head=head)
        start, end = resolve_window(spec, now)
        out = {"suggestedWindow": {"start": rfc3339(start),
                                   "end": rfc3339(end)}}
        if spec.get("explanationURL"):
            out["explanationURL"] = spec["explanationURL"]
        st.add_log({"type": "renewalInfo", "certID": cid, "status": 200,
                    "source": source, "window": out["suggestedWindow"]})
        self.reply(200, out, headers=[
            ("Retry-After", str(int(spec.get("retryAfter",
                                             st.retry_after))))],
            head=head)

    # ------------------------------------------------------ control -----

    def control(self, method, path, body):
        st = self.state
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        try:
            req = json.loads(body) if body else {}
            if not isinstance(req, dict):
                raise ValueError("a JSON object please")
            if path == "/__front/health":
                return self.reply(200, "ok\n", ctype="text/plain")
            if path == "/__front/log":
                if method == "DELETE":
                    with st.lock:
                        st.log.clear()
                    return self.reply(204, b"", ctype=None)
                with st.lock:
                    ev = list(st.log)
                t = q.get("type", [None])[0]
                if t:
                    ev = [e for e in ev if e["type"] == t]
                return self.reply(200, ev)
            if path == "/__front/ari":
                if method == "POST":
                    return self.control_ari(req)
                if method == "DELETE":
                    with st.lock:
                        st.windows.clear()
                        st.default_window = st.cli_default
                    return self.reply(204, b"", ctype=None)
                with st.lock:
                    return self.reply(200, {"default": st.default_window,
                                            "certIDs": st.windows})
            if path == "/__front/certs":
                with st.lock:
                    out = {k: dict(v, notBefore=rfc3339(v["notBefore"]),
                                   notAfter=rfc3339(v["notAfter"]))
                           for k, v in st.certs.items()}
                return self.reply(200, out)
            if path == "/__front/config":
                with st.lock:
                    if method == "POST":
                        if "profiles" in req:
                            st.profiles = st.profile_map(req["profiles"])
                        if "ari" in req:
                            st.ari = bool(req["ari"])
                        if "checkReplaces" in req:
                            st.check_replaces = bool(req["checkReplaces"])
                        if "retryAfter" in req:
                            st.retry_after = int(req["retryAfter"])
                    return self.reply(200, {
                        "profiles": st.profiles, "ari": st.ari,
                        "checkReplaces": st.check_replaces,
                        "retryAfter": st.retry_after,
                        "upstream": st.up_base + st.dir_path})
            return self.reply(404, {"detail": "no such control path"})
        except (ValueError, TypeError, KeyError) as e:
            return self.reply(400, {"detail": str(e)})

    def control_ari(self, req):
        st = self.state
        cid = req.get("certID")
        if cid is not None and (not isinstance(cid, str) or
                                not valid_certid(cid)):
            raise ValueError("certID: not a certID")
        w = req.get("window")
        if w == "auto":
            with st.lock:
                if cid is None:
                    st.default_window = None
                else:
                    st.windows.pop(cid, None)
            return self.reply(200, {"certID": cid, "window": "auto"})
        spec = {}
        if w is not None:
            if w not in ("past", "future"):
                raise ValueError("window: past, future or auto")
            spec["window"] = w
        elif req.get("status"):
            spec["status"] = int(req["status"])
        else:
            if "start" not in req or "end" not in req:
                raise ValueError("window, status or start and end needed")
            now = time.time()
            a, b = parse_time(req["start"], now), parse_time(req["end"], now)
            if b <= a:
                raise ValueError("end must be after start")
            spec["start"], spec["end"] = req["start"], req["end"]
        for k in ("explanationURL", "retryAfter"):
            if k in req:
                spec[k] = req[k]
        if "retryAfter" in spec:
            spec["retryAfter"] = int(spec["retryAfter"])
        with st.lock:
            if cid is None:
                st.default_window = spec
            else:
                st.windows[cid] = spec
        return self.reply(200, {"certID": cid, "spec": spec})


class TLSServer(ThreadingHTTPServer):
    """TLS handshakes run in the per-connection thread, not in accept()."""
    daemon_threads = True

    def __init__(self, addr, handler, ctx):
        super().__init__(addr, handler)
        self.ctx = ctx

    def finish_request(self, request, client_address):
        try:
            request.settimeout(60)
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        if Handler.verbose:
            super().handle_error(request, client_address)


class PlainServer(ThreadingHTTPServer):
    daemon_threads = True

    def finish_request(self, request, client_address):
        request.settimeout(60)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        if Handler.verbose:
            super().handle_error(request, client_address)


class ControlHandler(Handler):
    control_only = True


def on_sigterm(signum, frame):
    raise SystemExit(0)


def main():
    ap = argparse.ArgumentParser(
        description="ACME front adding ARI and profiles to Pebble")
    ap.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT")
    ap.add_argument("--upstream", required=True,
                    help="upstream directory URL (https)")
    ap.add_argument("--upstream-ca", required=True,
                    help="CA file to verify upstream's TLS certificate")
    ap.add_argument("--cert", required=True, help="server certificate")
    ap.add_argument("--key", required=True, help="server private key")
    ap.add_argument("--control-port", type=int,
                    help="also serve /__front/ over plain HTTP here")
    ap.add_argument("--default-window",
                    help="past, future, auto or START:END (seconds from "
                    "the query)")
    ap.add_argument("--profiles", help="comma-separated profile names "
                    "(default classic,tlsserver,shortlived; '' for none)")
    ap.add_argument("--no-ari", action="store_true",
                    help="no renewalInfo in the directory")
    ap.add_argument("--check-replaces", action="store_true")
    ap.add_argument("--retry-after", type=int, default=21600)
    ap.add_argument("--exit-on-stdin-eof", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    host, _, port = args.listen.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    Handler.state = State(args)
    Handler.verbose = args.verbose
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    httpd = TLSServer((host, int(port or 0)), Handler, ctx)
    ctl = None
    if args.control_port is not None:
        ctl = PlainServer(("127.0.0.1", args.control_port), ControlHandler)
        threading.Thread(target=ctl.serve_forever, daemon=True).start()
    signal.signal(signal.SIGTERM, on_sigterm)
    sys.stdout.write("%d\n" % httpd.server_address[1])
    if ctl:
        sys.stdout.write("%d\n" % ctl.server_address[1])
    sys.stdout.flush()
    if args.exit_on_stdin_eof:
        def watch():
            while sys.stdin.buffer.read(4096):
                pass
            httpd.shutdown()
        threading.Thread(target=watch, daemon=True).start()
    httpd.serve_forever()


if __name__ == "__main__":
    RC = 0
    try:
        main()
    except SystemExit as e:
        RC = e.code if isinstance(e.code, int) else (0 if e.code is None
                                                     else 1)
        if isinstance(e.code, str):
            sys.stderr.write(e.code + "\n")
    except BaseException:  # noqa: B902 (report anything, then exit)
        traceback.print_exc()
        RC = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(RC)
