#!/usr/bin/env python3
"""Fake Sectigo Certificate Manager (SCM) REST API for certctl tests.

Standard library only (plus the openssl CLI for the test CA). It serves HTTPS
on 127.0.0.1 and implements the SCM calls certctl uses, following
/work/shared/ref/sectigo-scm-api.md ("the reference"): it accepts what SCM
accepts and rejects what SCM rejects, with SCM's error body
{"code": <negative int>, "description": "..."} and SCM's HTTP statuses.

Usage:
  scm_server.py --cert SERVER.pem --key SERVER.key [--port 0] [--polls N]
                [--login L --password P --customer-uri C] [--workdir DIR]
                [--seed N] [--require-external-requester] [--refuse-pkcs7]
                [--legacy-collect] [--lf] [--exit-on-stdin-eof] [--verbose]

The first line on stdout is the TCP port (useful with --port 0).

SCM API (prefix /api; every call needs the headers login, password,
customerUri; otherwise 401 {"code":-16,"description":"Unknown user"}):
  GET  /api/ssl/v1/types[?organizationId=N]     profiles
  GET  /api/ssl/v1/customFields                 custom fields
  GET  /api/organization/v1                     orgs with departments
  GET  /api/organization/v1/{id}                org details
  GET  /api/domain/v1?size=&position=           domains (paged, X-Total-Count)
  GET  /api/domain/v1/{id}                      domain details (DCV status)
  GET  /api/ssl/v1?size=&position=&filters      orders (paged, X-Total-Count)
  HEAD /api/ssl/v1?filters                      X-Total-Count only
  GET  /api/ssl/v1/{id}                         order details (counts a poll)
  POST /api/ssl/v1/enroll                       {sslId, renewId}
  GET  /api/ssl/v1/collect/{id}?format=F        certificate (counts a poll)
  GET  /api/ssl/v1/collect/{id}/{F}             same, older path form
  POST /api/ssl/v1/renewById/{id}               {sslId: new}
  POST /api/ssl/v1/renew/{renewId}              204
  POST /api/ssl/v1/replace/{id}                 204 (same sslId, reissued)
  POST /api/ssl/v1/revoke/{id}                  204 (reasonCode required)
  POST /api/ssl/v1/approve/{id}                 204 (Requested only)
  POST /api/ssl/v1/decline/{id}                 204 (Requested only)
  DELETE /api/ssl/v1/{id}                       204 (imported certs only)
There is no cancel call in SCM (reference 2.12), so there is none here.

Status model: an enrolled (renewed, replaced) order starts "Requested" (or
"Applied" after a replace) with a number of pending polls (--polls, or per
order through the control API). Each details or collect call on a pending
order uses one poll and answers "still pending"; the call after the last
pending poll issues the certificate (signed from the enrolled CSR with
`openssl x509 -req` by an intermediate under a root created at start).

Control API (not SCM; no auth):
  GET    /__fake/ca                 {"root": PEM, "intermediate": PEM}
  POST   /__fake/seed               {"count":N[,"status":"Issued","orgId":..,
                                     "commonName":"x"]} -> {"first","last","total"}
  GET    /__fake/orders/{id}        internal state of an order
  POST   /__fake/orders/{id}        {"status":..,"polls":N,"collectLag":N}
  GET    /__fake/log[?prefix=/api/..]  requests received (method, path,
                                     query, headers, body, status)
  DELETE /__fake/log                clear the log
  POST   /__fake/fail               {"path":prefix,"method":M,"status":S,
                                     "code":C,"description":D,"count":N,
                                     "retryAfter":secs[,"html":TEXT]}
                                     inject failures (html: a non-SCM
                                     body, as a proxy would send)
  GET    /__fake/config, POST /__fake/config  {"defaultPolls",
                                     "externalRequesterRequired",
                                     "refusePkcs7","legacyCollect","crlf"}
"""

import argparse
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_PAGE = 200          # OAS: size <= 200
DEFAULT_PAGE = 10       # default page size is UNCONFIRMED; fake's choice
PENDING = ("requested", "approved", "sa approved", "applied", "init")
REVOKE_REASONS = (0, 1, 3, 4, 5)
FORMATS = ("x509", "x509CO", "base64", "bin", "x509IO", "x509IOR", "pem",
           "pemco", "pemia", "x509R")
CSR_CHARS = re.compile(r"^[A-Za-z0-9+/=\-\s]+$")


class ScmError(Exception):
    """An SCM error answer: HTTP status plus {code, description}."""

    def __init__(self, status, code, description, headers=None, raw=None):
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description
        self.headers = headers or {}
        self.raw = raw      # a non-SCM body (proxy page), sent as text/html


def bad_body():
    return ScmError(400, -1002, "Cannot parse message body")


def missing(field):
    return ScmError(400, -7, "%s is required but missing." % field)


def invalid(field):
    return ScmError(400, -1601, "Field '%s' has invalid value." % field)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def fmt_date(d, style):
    if d is None:
        return None
    if style == "ISO":
        return d.strftime("%Y-%m-%d")
    if style == "ISO_HMS":
        return d.strftime("%Y-%m-%dT%H:%M:%S")
    return d.strftime("%m/%d/%Y")


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


# ---------------------------------------------------------------------------
# Test CA (openssl CLI)

OPENSSL_CNF = """\
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_root ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_int ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


def run(argv, data=None):
    p = subprocess.run(argv, input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=False)
    return p.returncode, p.stdout, p.stderr


def must(argv, data=None):
    rc, out, err = run(argv, data)
    if rc != 0:
        raise RuntimeError("%s failed: %s" % (argv[:2], err.decode(errors="replace")))
    return out


class TestCA:
    def __init__(self, workdir):
        self.dir = workdir
        self.lock = threading.Lock()
        self.cnf = os.path.join(workdir, "openssl.cnf")
        with open(self.cnf, "w") as f:
            f.write(OPENSSL_CNF)
        self.root_key = os.path.join(workdir, "root.key")
        self.root_pem = os.path.join(workdir, "root.pem")
        self.int_key = os.path.join(workdir, "int.key")
        self.int_pem = os.path.join(workdir, "int.pem")
        must(["openssl", "req", "-x509", "-config", self.cnf, "-newkey", "ec",
              "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
              "-keyout", self.root_key, "-out", self.root_pem, "-days", "3650",
              "-subj", "/O=certctl fake SCM/CN=Fake SCM Root CA",
              "-extensions", "v3_root"])
        csr = os.path.join(workdir, "int.csr")
        must(["openssl", "req", "-new", "-config", self.cnf, "-newkey", "ec",
              "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
              "-keyout", self.int_key, "-out", csr,
              "-subj", "/O=certctl fake SCM/CN=Fake SCM Intermediate CA"])
        must(["openssl", "x509", "-req", "-in", csr, "-CA", self.root_pem,
              "-CAkey", self.root_key, "-set_serial", "2", "-days", "1825",
              "-extfile", self.cnf, "-extensions", "v3_int", "-sha256",
              "-out", self.int_pem])
        with open(self.root_pem) as f:
            self.root = f.read()
        with open(self.int_pem) as f:
            self.intermediate = f.read()
        self.seq = 0

    def _tmp(self, suffix):
        with self.lock:
            self.seq += 1
            return os.path.join(self.dir, "t%d%s" % (self.seq, suffix))

    def csr_info(self, csr_pem):
        """Parse a PEM CSR: (cn, alg, param) or raise ScmError like SCM."""
        path = self._tmp(".csr")
        with open(path, "w") as f:
            f.write(csr_pem)
        try:
            rc, out, _ = run(["openssl", "req", "-in", path, "-noout",
                              "-verify", "-text", "-nameopt", "RFC2253"])
            if rc != 0:
                raise ScmError(400, -10, "Error while decoding CSR.")
            text = out.decode(errors="replace")
        finally:
            os.unlink(path)
        m = re.search(r"Subject:\s*(.*)", text)
        cn = None
        if m:
            for part in m.group(1).split(","):
                part = part.strip()
                if part.startswith("CN="):
                    cn = part[3:]
        if "rsaEncryption" in text:
            m = re.search(r"Public-Key: \((\d+) bit\)", text)
            return cn, "RSA", m.group(1) if m else "?"
        if "id-ecPublicKey" in text:
            m = re.search(r"NIST CURVE: (P-\d+)", text)
            return cn, "EC", m.group(1) if m else "?"
        raise ScmError(400, -11, "The CSR uses an unsupported algorithm!")

    def new_csr(self, cn):
        """Key + CSR for a seeded order (the key is thrown away)."""
        key = self._tmp(".key")
        try:
            out = must(["openssl", "req", "-new", "-config", self.cnf,
                        "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", key, "-subj", "/CN=" + cn])
        finally:
            if os.path.exists(key):
                os.unlink(key)
        return out.decode()

    def sign(self, csr_pem, names, days, serial):
        """Issue a leaf from csr_pem with DNS SANs names; return PEM."""
        csr = self._tmp(".csr")
        ext = self._tmp(".ext")
        out = self._tmp(".pem")
        with open(csr, "w") as f:
            f.write(csr_pem)
        sans = []
        for n in names:
            if re.match(r"^[0-9.]+$", n) or ":" in n:
                sans.append("IP:" + n)
            else:
                sans.append("DNS:" + n)
        with open(ext, "w") as f:
            f.write("[ v3_leaf ]\n"
                    "basicConstraints = critical,CA:FALSE\n"
                    "keyUsage = critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage = serverAuth,clientAuth\n"
                    "subjectKeyIdentifier = hash\n"
                    "authorityKeyIdentifier = keyid:always\n")
            if sans:
                f.write("subjectAltName = %s\n" % ",".join(sans))
        try:
            must(["openssl", "x509", "-req", "-in", csr, "-CA", self.int_pem,
                  "-CAkey", self.int_key, "-set_serial", "0x%x" % serial,
                  "-days", str(days), "-extfile", ext,
                  "-extensions", "v3_leaf", "-sha256", "-out", out])
            with open(out) as f:
                return f.read()
        finally:
            for p in (csr, ext, out):
                if os.path.exists(p):
                    os.unlink(p)

    def pkcs7(self, pems, der):
        path = self._tmp(".chain")
        with open(path, "w") as f:
            f.write("".join(pems))
        try:
            argv = ["openssl", "crl2pkcs7", "-nocrl", "-certfile", path]
            if der:
                argv += ["-outform", "DER"]
            return must(argv)
        finally:
            os.unlink(path)


# ---------------------------------------------------------------------------
# SCM data

ORGS = [
    {"id": 1001, "name": "Example Corp", "sslCertsApiEnabled": True,
     "certTypes": ["SSL"],
     "departments": [{"id": 2001, "name": "IT"}, {"id": 2002, "name": "Web"}]},
    {"id": 1002, "name": "Disabled Org", "sslCertsApiEnabled": False,
     "certTypes": [], "departments": []},
    {"id": 1003, "name": "Second Org", "sslCertsApiEnabled": True,
     "certTypes": ["SSL", "SMIME"],
     "departments": [{"id": 2003, "name": "Ops"}]},
]

PROFILES = [
    {"id": 301, "name": "OV Multi-Domain", "description": "OV SSL",
     "terms": [365, 730],
     "keyTypes": {"RSA": ["2048", "3072", "4096"], "EC": ["P-256", "P-384"]},
     "useSecondaryOrgName": False, "renew": True, "orgs": None},
    {"id": 302, "name": "DV SSL", "description": "Domain validated",
     "terms": [90, 365],
     "keyTypes": {"RSA": ["2048", "3072", "4096"], "EC": ["P-256"]},
     "useSecondaryOrgName": False, "renew": True, "orgs": None},
    {"id": 303, "name": "EV SSL", "description": "Extended validation",
     "terms": [365], "keyTypes": {"RSA": ["2048", "3072", "4096"]},
     "useSecondaryOrgName": True, "renew": False, "orgs": [1001]},
]

CUSTOM_FIELDS = [
    {"id": 1, "name": "Cost Center", "mandatory": True},
    {"id": 2, "name": "Ticket", "mandatory": False},
]


def make_domains():
    out = []
    statuses = ("VALIDATED", "Not validated", "Expired")
    names = ["example.com", "example.net", "example.org"]
    names += ["d%03d.example.org" % i for i in range(202)]
    for i, n in enumerate(names):
        out.append({"id": 500 + i, "name": n,
                    "validationStatus": statuses[i % 3]})
    return out


def org_ids():
    ids = {}
    for o in ORGS:
        ids[o["id"]] = o
        for d in o["departments"]:
            ids[d["id"]] = o
    return ids


class State:
    def __init__(self, args, ca):
        self.lock = threading.RLock()
        self.ca = ca
        self.login = args.login
        self.password = args.password
        self.customer_uri = args.customer_uri
        self.config = {
            "defaultPolls": args.polls,
            "externalRequesterRequired": args.require_external_requester,
            "refusePkcs7": args.refuse_pkcs7,
            "legacyCollect": args.legacy_collect,
            "crlf": not args.lf,
        }
        self.orders = {}
        self.next_id = 10000
        self.domains = make_domains()
        self.log = []
        self.failures = []
        self.serial = 0x1000

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def new_serial(self):
        self.serial += 1
        return (secrets.randbits(64) << 16) | (self.serial & 0xffff)


def serial_hex(n):
    h = "%x" % n
    if len(h) % 2:
        h = "0" + h
    return ":".join(h[i:i + 2] for i in range(0, len(h), 2)).upper()


def new_order(state, **kw):
    o = {
        "id": state.new_id(), "orgId": 1001, "status": "Requested",
        "commonName": None, "sans": [], "certTypeId": 301, "term": 365,
        "comments": "", "externalRequester": "", "customFields": [],
        "csr": None, "renewId": secrets.token_urlsafe(15),
        "requested": now(), "approved": None, "issued": None,
        "expires": None, "declined": None, "revoked": None,
        "replaced": None, "renewedDate": None, "renewed": False,
        "serial": None, "keyType": None, "cert": None,
        "polls": state.config["defaultPolls"], "collectLag": 0,
        "reasonCode": None, "revokeReason": None, "requestedVia": "REST API",
        "history": [], "renewedFrom": None, "declineMessage": None,
        "approveMessage": None,
    }
    o.update(kw)
    state.orders[o["id"]] = o
    return o


def issue(state, o):
    """Sign the order's CSR; status becomes Issued."""
    if not o["csr"]:
        o["csr"] = state.ca.new_csr(o["commonName"] or "seed.example.com")
    names = []
    for n in [o["commonName"]] + o["sans"]:
        if n and n not in names:
            names.append(n)
    if o["serial"]:     # seeded orders already show a serial number
        serial = int(o["serial"].replace(":", ""), 16)
    else:
        serial = state.new_serial()
    o["cert"] = state.ca.sign(o["csr"], names, o["term"], serial)
    o["serial"] = serial_hex(serial)
    o["status"] = "Issued"
    o["issued"] = now()
    o["expires"] = now() + datetime.timedelta(days=o["term"])
    if not o["approved"]:
        o["approved"] = now()


def poll(state, o):
    """One status/collect poll of an order (may issue it)."""
    if o["status"].lower() not in PENDING:
        return
    if o["polls"] > 0:
        o["polls"] -= 1
        return
    issue(state, o)


def details(state, o, datestyle):
    prof = profile_by_id(o["certTypeId"]) or PROFILES[0]
    d = {
        "id": o["id"], "sslId": o["id"], "orgId": o["orgId"],
        "status": o["status"], "orderNumber": o["id"] + 900000,
        "backendCertId": str(o["id"] + 900000), "vendor": "Sectigo",
        "commonName": o["commonName"],
        "subjectAlternativeNames": list(o["sans"]),
        "certType": public_profile(prof), "term": o["term"],
        "validationType": "Organization Validation (OV)",
        "owner": "Fake Admin", "ownerId": 7, "requester": "api-admin",
        "requesterId": 8, "externalRequester": o["externalRequester"],
        "comments": o["comments"], "requestedVia": o["requestedVia"],
        "requested": fmt_date(o["requested"], datestyle),
        "renewed": o["renewed"],
        "customFields": list(o["customFields"]),
        "suspendNotifications": False,
        "autoRenewDetails": {"state": "NOT_INITIATED"},
    }
    for k in ("approved", "issued", "expires", "declined", "revoked",
              "replaced", "renewedDate"):
        if o[k] is not None:
            d[k] = fmt_date(o[k], datestyle)
    if o["serial"]:
        d["serialNumber"] = o["serial"]
        d["signatureAlg"] = "SHA256WITHECDSA"
        d["keyUsages"] = ["digitalSignature", "keyEncipherment"]
        d["extendedKeyUsages"] = ["serverAuth", "clientAuth"]
        d["certificateDetails"] = {
            "issuer": "CN=Fake SCM Intermediate CA,O=certctl fake SCM",
            "subject": "CN=%s" % o["commonName"],
            "subjectAltNames": ", ".join("dNSName=" + n for n in o["sans"]),
        }
    if o["keyType"]:
        d["keyType"] = o["keyType"]
    if o["reasonCode"] is not None:
        d["reasonCode"] = o["reasonCode"]
    return d


def public_profile(p):
    return {k: p[k] for k in ("id", "name", "description", "terms",
                              "keyTypes", "useSecondaryOrgName")}


def profile_by_id(pid):
    for p in PROFILES:
        if p["id"] == pid:
            return p
    return None


# ---------------------------------------------------------------------------
# HTTP handler

class Handler(BaseHTTPRequestHandler):
    # answer at once: without this every reply waits for a delayed ACK
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server_version = "fake-scm/1.0"
    state = None        # set in main()
    verbose = False

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        if self.verbose:
            sys.stderr.write("scm_server: " + (format % args) + "\n")

    # -- plumbing ---------------------------------------------------------

    def _read_body(self):
        n = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline()
                size = int(line.strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
            return data
        if n is None:
            return b""
        return self.rfile.read(int(n))

    def _send(self, status, body=b"", ctype="application/json",
              headers=None):
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD" and status != 204:
            self.wfile.write(body)
        self.status_sent = status

    def _json(self, status, obj, headers=None):
        self._send(status, json.dumps(obj).encode(), headers=headers)

    def _error(self, e):
        if e.raw is not None:
            self._send(e.status, e.raw.encode(), "text/html", e.headers)
            return
        self._json(e.status, {"code": e.code, "description": e.description},
                   e.headers)

    def _handle(self):
        self.status_sent = 0
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        self.q = {k: v[0] for k, v in query.items()}
        self.body = self._read_body()
        st = self.state
        entry = {
            "method": self.command, "path": path, "query": self.q,
            "headers": {k: v for k, v in self.headers.items()},
            "body": self.body.decode("utf-8", errors="replace"),
        }
        try:
            if path.startswith("/__fake/"):
                self._control(path)
                return
            with st.lock:
                st.log.append(entry)
            self._api(path)
        except ScmError as e:
            self._error(e)
        except Exception as e:  # a bug in the fake: say so loudly
            sys.stderr.write("scm_server: internal error: %r\n" % (e,))
            self._json(500, {"code": -2, "description":
                             "Internal error. Please contact Support for "
                             "details."})
        finally:
            entry["status"] = self.status_sent

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    def _json_body(self, required=True):
        """The request body as a JSON object, or ScmError -1002."""
        ctype = self.headers.get("Content-Type", "")
        if self.body and not ctype.lower().startswith("application/json"):
            raise ScmError(415, -1002, "Cannot parse message body")
        if not self.body.strip():
            if required:
                raise bad_body()
            return {}
        try:
            obj = json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise bad_body() from None
        if not isinstance(obj, dict):
            raise bad_body()
        return obj

    # -- control API --------------------------------------------------------

    def _control(self, path):
        st = self.state
        parts = path.strip("/").split("/")
        m = self.command
        if path == "/__fake/ca" and m == "GET":
            self._json(200, {"root": st.ca.root,
                             "intermediate": st.ca.intermediate})
        elif path == "/__fake/seed" and m == "POST":
            req = json.loads(self.body or b"{}")
            count = int(req.get("count", 1))
            status = req.get("status", "Issued")
            first = None
            with st.lock:
                for i in range(count):
                    cn = req.get("commonName") or "seed%05d.example.com" % i
                    o = new_order(st, commonName=cn, status=status,
                                  orgId=int(req.get("orgId", 1001)),
                                  sans=[cn], requestedVia="Imported",
                                  polls=0)
                    if status == "Issued":
                        o["serial"] = serial_hex(st.new_serial())
                        o["issued"] = o["approved"] = now()
                        o["expires"] = now() + datetime.timedelta(days=365)
                    first = first or o["id"]
                total = len(st.orders)
                last = st.next_id
            self._json(200, {"first": first, "last": last, "total": total})
        elif len(parts) == 3 and parts[1] == "orders":
            with st.lock:
                o = st.orders.get(int(parts[2]))
                if not o:
                    self._json(404, {"error": "no such order"})
                    return
                if m == "POST":
                    req = json.loads(self.body or b"{}")
                    for k in ("status", "polls", "collectLag"):
                        if k in req:
                            o[k] = req[k]
                out = {k: (v.isoformat() if isinstance(v, datetime.datetime)
                           else v) for k, v in o.items()}
            self._json(200, out)
        elif path == "/__fake/log":
            with st.lock:
                if m == "DELETE":
                    st.log.clear()
                    self._json(200, [])
                    return
                pre = self.q.get("prefix", "")
                out = [e for e in st.log if e["path"].startswith(pre)]
                self._json(200, out)
        elif path == "/__fake/fail" and m == "POST":
            req = json.loads(self.body)
            req.setdefault("count", 1)
            with st.lock:
                st.failures.append(req)
            self._json(200, req)
        elif path == "/__fake/config":
            with st.lock:
                if m == "POST":
                    st.config.update(json.loads(self.body))
                self._json(200, st.config)
        else:
            self._json(404, {"error": "unknown control call"})

    # -- SCM API ------------------------------------------------------------

    def _auth(self):
        st = self.state
        if (self.headers.get("login") != st.login or
                self.headers.get("password") != st.password or
                self.headers.get("customerUri") != st.customer_uri):
            raise ScmError(401, -16, "Unknown user")

    def _inject(self, path):
        st = self.state
        with st.lock:
            for f in st.failures:
                if f["count"] <= 0:
                    continue
                if not path.startswith(f.get("path", "/")):
                    continue
                if f.get("method") and f["method"] != self.command:
                    continue
                f["count"] -= 1
                hdrs = {}
                if f.get("retryAfter") is not None:
                    hdrs["Retry-After"] = str(f["retryAfter"])
                raise ScmError(f.get("status", 503), f.get("code", -195),
                               f.get("description",
                                     "CA is not available now. Please try "
                                     "again later."), hdrs, f.get("html"))

    def _api(self, path):
        if not path.startswith("/api/"):
            self._send(404, b"<html><body>Not Found</body></html>",
                       "text/html")
            return
        self._auth()
        self._inject(path)
        p = path[len("/api"):].rstrip("/")
        m = self.command
        routes = [
            (r"/ssl/v1/types", {"GET": self.types}),
            (r"/ssl/v1/customFields", {"GET": self.custom_fields}),
            (r"/organization/v1", {"GET": self.orgs}),
            (r"/organization/v1/([^/]+)", {"GET": self.org}),
            (r"/domain/v1", {"GET": self.domains}),
            (r"/domain/v1/([^/]+)", {"GET": self.domain}),
            (r"/ssl/v1", {"GET": self.list_orders, "HEAD": self.list_orders}),
            (r"/ssl/v1/enroll", {"POST": self.enroll}),
            (r"/ssl/v1/collect/([^/]+)", {"GET": self.collect}),
            (r"/ssl/v1/collect/([^/]+)/([^/]+)", {"GET": self.collect}),
            (r"/ssl/v1/renewById/([^/]+)", {"POST": self.renew_by_id}),
            (r"/ssl/v1/renew/([^/]+)", {"POST": self.renew_by_renew_id}),
            (r"/ssl/v1/replace/([^/]+)", {"POST": self.replace}),
            (r"/ssl/v1/revoke/([^/]+)", {"POST": self.revoke}),
            (r"/ssl/v1/approve/([^/]+)", {"POST": self.approve}),
            (r"/ssl/v1/decline/([^/]+)", {"POST": self.decline}),
            (r"/ssl/v1/([^/]+)", {"GET": self.order, "DELETE": self.delete}),
        ]
        for rx, methods in routes:
            mt = re.fullmatch(rx, p)
            if not mt:
                continue
            if m not in methods:
                raise ScmError(405, -1, "Request method '%s' not supported"
                               % m)
            methods[m](*mt.groups())
            return
        self._send(404, b"<html><body>Not Found</body></html>", "text/html")

    def _paging(self):
        size = self.q.get("size", str(DEFAULT_PAGE))
        pos = self.q.get("position", "0")
        if not re.fullmatch(r"\d+", size) or int(size) > MAX_PAGE:
            raise invalid("size")
        if not re.fullmatch(r"\d+", pos):
            raise invalid("position")
        return int(size), int(pos)

    def _order(self, sid, status=400):
        st = self.state
        if not re.fullmatch(r"\d+", sid) or int(sid) not in st.orders:
            raise ScmError(status, -124, "Wrong SSL certificate id %s." % sid)
        return st.orders[int(sid)]

    def _org_id(self, v, field="orgId"):
        if not is_int(v):
            raise bad_body() if v is not None else missing(field)
        org = org_ids().get(v)
        if not org:
            raise ScmError(400, -1023, "Organization '%d' not found." % v)
        if not org["sslCertsApiEnabled"] or "SSL" not in org["certTypes"]:
            raise ScmError(400, -1021, "This operation cannot be performed "
                           "for Organization '%s'." % org["name"])
        return org

    def types(self):
        org = None
        if "organizationId" in self.q:
            v = self.q["organizationId"]
            if not re.fullmatch(r"\d+", v):
                raise invalid("organizationId")
            org = self._org_id(int(v))
        out = [public_profile(p) for p in PROFILES
               if org is None or p["orgs"] is None or org["id"] in p["orgs"]]
        self._json(200, out)

    def custom_fields(self):
        self._json(200, CUSTOM_FIELDS)

    def orgs(self):
        out = []
        for o in ORGS:
            out.append({"id": o["id"], "name": o["name"], "departments": [
                {"id": d["id"], "name": d["name"], "parentName": o["name"]}
                for d in o["departments"]]})
        self._json(200, out)

    def org(self, oid):
        for o in ORGS:
            if str(o["id"]) == oid:
                d = dict(o)
                d["departments"] = [dict(x, parentName=o["name"])
                                    for x in o["departments"]]
                d.update({"alias": "", "secondaryName": "", "city": "Testville",
                          "country": "US", "validationStatus": "VALIDATED",
                          "clientCertsApiEnabled": False})
                self._json(200, d)
                return
        raise ScmError(404, -1023, "Organization '%s' not found." % oid)

    def domains(self):
        size, pos = self._paging()
        st = self.state
        page = st.domains[pos:pos + size]
        self._json(200, [{"id": d["id"], "name": d["name"]} for d in page],
                   {"X-Total-Count": str(len(st.domains))})

    def domain(self, did):
        for d in self.state.domains:
            if str(d["id"]) == did:
                self._json(200, {
                    "id": d["id"], "name": d["name"],
                    "delegationStatus": "ACTIVE", "state": "ACTIVE",
                    "validationStatus": d["validationStatus"],
                    "validationMethod": "CNAME",
                    "dcvValidation": "2025-01-15",
                    "dcvExpiration": "2026-01-15",
                    "delegations": [{"orgId": 1001, "certTypes": ["SSL"],
                                     "status": "ACTIVE"}]})
                return
        raise ScmError(404, -727, "The domain '%s' does not exist." % did)

    def list_orders(self):
        st = self.state
        size, pos = self._paging()
        filt = {
            "status": lambda o, v: o["status"].replace(" ", "").lower() ==
            v.replace(" ", "").lower(),
            "commonName": lambda o, v: o["commonName"] == v,
            "orgId": lambda o, v: str(o["orgId"]) == v,
            "sslTypeId": lambda o, v: str(o["certTypeId"]) == v,
            "externalRequester": lambda o, v: o["externalRequester"] == v,
            "serialNumber": lambda o, v: o["serial"] == v,
        }
        with st.lock:
            match = [o for _, o in sorted(st.orders.items())
                     if all(filt[k](o, v) for k, v in self.q.items()
                            if k in filt)]
            page = match[pos:pos + size]
            out = [{"sslId": o["id"], "commonName": o["commonName"],
                    "subjectAlternativeNames": list(o["sans"]),
                    "serialNumber": o["serial"]} for o in page]
        self._json(200, out, {"X-Total-Count": str(len(match))})

    def order(self, sid):
        st = self.state
        with st.lock:
            o = self._order(sid, 404)
            poll(st, o)
            d = details(st, o, self.q.get("dateFormat", "US"))
        self._json(200, d)

    def delete(self, sid):
        st = self.state
        with st.lock:
            o = self._order(sid, 404)
            if o["requestedVia"] != "Imported":
                raise ScmError(400, -25, "You are not authorized to execute "
                               "delete")
            del st.orders[o["id"]]
        self._send(204)

    def enroll(self):
        st = self.state
        req = self._json_body()
        # types first: a wrongly typed field fails deserialisation (-1002)
        for k in ("csr", "subjAltNames", "comments", "externalRequester",
                  "dcvMode", "dcvEmail"):
            if k in req and req[k] is not None and \
                    not isinstance(req[k], str):
                raise bad_body()
        for k in ("orgId", "certType", "term", "numberServers", "serverType"):
            if k in req and req[k] is not None and not is_int(req[k]):
                raise bad_body()
        if "customFields" in req:
            cf = req["customFields"]
            if not isinstance(cf, list) or not all(
                    isinstance(x, dict) and isinstance(x.get("name"), str) and
                    isinstance(x.get("value"), str) for x in cf):
                raise bad_body()
        org = self._org_id(req.get("orgId"))
        csr = req.get("csr")
        if not csr:
            raise missing("csr")
        if len(csr) > 32767 or not CSR_CHARS.match(csr):
            raise ScmError(400, -9, "The CSR is not valid Base-64 data!")
        if req.get("certType") is None:
            raise missing("certType")
        prof = profile_by_id(req["certType"])
        if not prof:
            raise ScmError(400, -111, "No certificate profile found by id %d"
                           % req["certType"])
        if prof["orgs"] is not None and org["id"] not in prof["orgs"]:
            raise ScmError(400, -39, "The certificate profile id is invalid!")
        if req.get("term") is None:
            raise missing("term")
        if req["term"] not in prof["terms"]:
            raise ScmError(400, -36, "The validity period (term) is invalid "
                           "for this certificate profile.")
        if "serverType" in req and req["serverType"] is not None and \
                req["serverType"] < -1:
            raise ScmError(400, -35, "The Server type is invalid!")
        if len(req.get("comments") or "") > 1024:
            raise invalid("comments")
        ext = req.get("externalRequester") or ""
        if len(ext) > 512:
            raise invalid("externalRequester")
        for e in filter(None, (x.strip() for x in ext.split(","))):
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", e):
                raise invalid("externalRequester")
        if st.config["externalRequesterRequired"] and not ext:
            raise ScmError(400, -139, "External Requester is required.")
        names = {x["name"]: x["value"] for x in req.get("customFields", [])}
        for f in CUSTOM_FIELDS:
            if f["mandatory"] and not names.get(f["name"]):
                raise ScmError(400, -62, "Missing mandatory custom field!")
        for n in names:
            if n not in [f["name"] for f in CUSTOM_FIELDS]:
                raise ScmError(400, -135, "Custom field cannot be found.")
        sans = [s.strip() for s in (req.get("subjAltNames") or "").split(",")
                if s.strip()]
        for s in sans:
            if not re.fullmatch(r"[A-Za-z0-9*.:-]+", s):
                raise ScmError(400, -1601, "Field 'subjAltNames' has invalid "
                               "value.")
        cn, alg, param = st.ca.csr_info(csr)
        if not cn:
            raise ScmError(400, -138, "Invalid CSR.")
        if alg not in prof["keyTypes"]:
            if alg == "EC":
                raise ScmError(400, -170, "Based on the customer "
                               "configuration, ECC CSRs are not allowed.")
            raise ScmError(400, -11, "The CSR uses an unsupported algorithm!")
        if param not in prof["keyTypes"][alg]:
            raise ScmError(400, -13, "The CSR uses an unsupported key size!")
        with st.lock:
            o = new_order(st, orgId=req["orgId"], commonName=cn, sans=sans,
                          certTypeId=prof["id"], term=req["term"],
                          comments=req.get("comments") or "",
                          externalRequester=ext, csr=csr.rstrip() + "\n",
                          keyType="%s - %s" % (alg, param),
                          customFields=[{"name": k, "value": v}
                                        for k, v in names.items()])
        self._json(200, {"sslId": o["id"], "renewId": o["renewId"]})

    def collect(self, sid, fmt=None):
        st = self.state
        if fmt is None:
            if st.config["legacyCollect"]:
                self._send(404, b"<html><body>Not Found</body></html>",
                           "text/html")
                return
            fmt = self.q.get("format", "base64")
        with st.lock:
            o = self._order(sid, 404)
            if fmt not in FORMATS:
                raise ScmError(400, -126, "Unknown SSL certificate file "
                               "format requested: %s" % fmt)
            if fmt in ("base64", "bin") and st.config["refusePkcs7"]:
                raise ScmError(400, -1450, "Unsupported certificate format "
                               "specified: %s" % fmt)
            poll(st, o)
            if o["status"] == "Revoked":
                raise ScmError(400, -110, "Certificate has been revoked and "
                               "cannot be downloaded.")
            if o["status"] not in ("Issued", "Expired"):
                raise ScmError(400, -183, "Certificate is not collectable.")
            if o["collectLag"] > 0:
                o["collectLag"] -= 1
                raise ScmError(400, -183, "Certificate is not collectable.")
            if not o["cert"]:
                issue(st, o)
            leaf, inter, root = o["cert"], st.ca.intermediate, st.ca.root
        layout = {
            "x509": [root, inter, leaf], "pem": [root, inter, leaf],
            "x509R": [leaf, inter, root], "x509CO": [leaf],
            "pemco": [leaf], "pemia": [leaf, inter],
            "x509IO": [root, inter], "x509IOR": [inter, root],
        }
        if fmt in ("base64", "bin"):
            body = st.ca.pkcs7([leaf, inter, root], fmt == "bin")
        else:
            body = "".join(layout[fmt]).encode()
        if st.config["crlf"] and fmt != "bin":
            body = body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        ext = {"bin": "p7b", "base64": "p7b"}.get(fmt, "crt")
        self._send(200, body, "application/octet-stream", {
            "Content-Disposition": "attachment; filename=%s.%s"
            % (o["commonName"] or sid, ext)})

    def _renew(self, o, req):
        st = self.state
        if "csr" in req and req["csr"] is not None and \
                not isinstance(req["csr"], str):
            raise bad_body()
        prof = profile_by_id(o["certTypeId"]) or PROFILES[0]
        if not prof["renew"]:
            raise ScmError(400, -180, "This SSL Certificate Profile doesn't "
                           "allow renew")
        if o["status"] not in ("Issued", "Expired"):
            raise ScmError(400, -105, "Error was occurred while renewing "
                           "cert. Status = %s" % o["status"])
        csr, cn, key_type = o["csr"], o["commonName"], o["keyType"]
        if req.get("csr"):
            if not CSR_CHARS.match(req["csr"]):
                raise ScmError(400, -9, "The CSR is not valid Base-64 data!")
            cn, alg, param = st.ca.csr_info(req["csr"])
            if alg not in prof["keyTypes"] or \
                    param not in prof["keyTypes"][alg]:
                raise ScmError(400, -13, "The CSR uses an unsupported key "
                               "size!")
            csr, key_type = req["csr"].rstrip() + "\n", "%s - %s" % (alg, param)
        n = new_order(st, orgId=o["orgId"], commonName=cn,
                      sans=list(o["sans"]), certTypeId=o["certTypeId"],
                      term=o["term"], comments=o["comments"],
                      externalRequester=o["externalRequester"], csr=csr,
                      keyType=key_type, customFields=list(o["customFields"]),
                      renewedFrom=o["id"])
        o["renewed"] = True
        o["renewedDate"] = now()
        return n

    def renew_by_id(self, sid):
        st = self.state
        req = self._json_body()
        with st.lock:
            o = self._order(sid)
            n = self._renew(o, req)
        self._json(200, {"sslId": n["id"]})

    def renew_by_renew_id(self, rid):
        st = self.state
        req = self._json_body()
        with st.lock:
            for o in st.orders.values():
                if o["renewId"] == rid:
                    break
            else:
                raise ScmError(400, -123, "SSL Certificate to renew is "
                               "invalid (null)")
            self._renew(o, req)
        self._send(204)

    def replace(self, sid):
        st = self.state
        req = self._json_body()
        for k in ("csr", "reason", "commonName", "dcvMode", "dcvEmail"):
            if k in req and req[k] is not None and \
                    not isinstance(req[k], str):
                raise bad_body()
        sans = req.get("subjectAlternativeNames")
        if sans is not None and (not isinstance(sans, list) or not all(
                isinstance(s, str) for s in sans)):
            raise bad_body()
        if not req.get("csr"):
            raise missing("csr")
        if not req.get("reason"):
            raise missing("reason")
        if len(req["reason"]) > 512:
            raise invalid("reason")
        if req.get("commonName") is not None and \
                not 1 <= len(req["commonName"]) <= 64:
            raise invalid("commonName")
        if not CSR_CHARS.match(req["csr"]):
            raise ScmError(400, -9, "The CSR is not valid Base-64 data!")
        with st.lock:
            o = self._order(sid)
            if o["status"] != "Issued":
                raise ScmError(400, -130, "SSL state is not 'ISSUED': %s"
                               % o["status"])
            cn, alg, param = st.ca.csr_info(req["csr"])
            o["history"].append({"serial": o["serial"], "cert": o["cert"],
                                 "reason": req["reason"]})
            o.update({"csr": req["csr"].rstrip() + "\n", "cert": None,
                      "serial": None, "status": "Applied",
                      "polls": st.config["defaultPolls"],
                      "commonName": req.get("commonName") or cn,
                      "keyType": "%s - %s" % (alg, param),
                      "replaced": now(), "issued": None, "expires": None})
            if sans is not None:
                o["sans"] = [s.strip() for s in sans if s.strip()]
        self._send(204)

    def revoke(self, sid):
        st = self.state
        req = self._json_body()
        rc = req.get("reasonCode")
        if rc is None:
            raise missing("reasonCode")
        if isinstance(rc, str) and re.fullmatch(r"\d+", rc):
            rc = int(rc)
        if not is_int(rc) or rc not in REVOKE_REASONS:
            raise invalid("reasonCode")
        reason = req.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise bad_body()
        if not reason:
            raise missing("reason")
        if len(reason) >= 512:
            raise invalid("reason")
        with st.lock:
            o = self._order(sid)
            if o["status"] == "Revoked":
                raise ScmError(400, -159, "Your certificate already revoked")
            if o["status"] != "Issued":
                raise ScmError(400, -102, "Only issued certificates could be "
                               "revoked.")
            o.update({"status": "Revoked", "revoked": now(),
                      "reasonCode": rc, "revokeReason": reason})
        self._send(204)

    def _message(self, req):
        msg = req.get("message")
        if msg is not None and not isinstance(msg, str):
            raise bad_body()
        if not msg:
            raise missing("message")
        if len(msg) > 512:
            raise invalid("message")
        return msg

    def approve(self, sid):
        st = self.state
        req = self._json_body()
        msg = self._message(req)
        with st.lock:
            o = self._order(sid)
            if o["status"] != "Requested":
                raise ScmError(400, -1112, "Certificate can't be approved "
                               "cause it has state = %s" % o["status"])
            o.update({"status": "Approved", "approved": now(),
                      "approveMessage": msg})
        self._send(204)

    def decline(self, sid):
        st = self.state
        req = self._json_body()
        msg = self._message(req)
        with st.lock:
            o = self._order(sid)
            if o["status"] != "Requested":
                raise ScmError(400, -1112, "Certificate can't be declined "
                               "cause it has state = %s" % o["status"])
            o.update({"status": "Declined", "declined": now(),
                      "declineMessage": msg})
        self._send(204)


def on_sigterm(signum, frame):
    """Leave serve_forever() (in the main thread) and clean up."""
    raise SystemExit(0)


class TLSServer(ThreadingHTTPServer):
    """TLS handshakes run in the per-connection thread, not in accept()."""
    daemon_threads = True

    def __init__(self, addr, handler, ctx):
        super().__init__(addr, handler)
        self.ctx = ctx

    def finish_request(self, request, client_address):
        try:
            request.settimeout(30)
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


def main():
    ap = argparse.ArgumentParser(description="fake Sectigo SCM REST API")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cert", required=True, help="server certificate chain")
    ap.add_argument("--key", required=True, help="server private key")
    ap.add_argument("--login", default="certctl-api")
    ap.add_argument("--password", default="s3cret-Pa55")
    ap.add_argument("--customer-uri", default="ACME")
    ap.add_argument("--polls", type=int, default=0,
                    help="pending polls before a new order is issued")
    ap.add_argument("--workdir", help="directory for CA files (default: temp)")
    ap.add_argument("--seed", type=int, default=0,
                    help="existing issued orders to create at start")
    ap.add_argument("--require-external-requester", action="store_true")
    ap.add_argument("--refuse-pkcs7", action="store_true")
    ap.add_argument("--legacy-collect", action="store_true",
                    help="serve collect only as /collect/{id}/{format}")
    ap.add_argument("--lf", action="store_true",
                    help="LF line endings in collect (default CRLF)")
    ap.add_argument("--exit-on-stdin-eof", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    tmp = None
    workdir = args.workdir
    if not workdir:
        tmp = workdir = tempfile.mkdtemp(prefix="fake-scm-")
    try:
        ca = TestCA(workdir)
        state = State(args, ca)
        for i in range(args.seed):
            cn = "seed%05d.example.com" % i
            o = new_order(state, commonName=cn, sans=[cn], status="Issued",
                          requestedVia="Imported", polls=0)
            o["serial"] = serial_hex(state.new_serial())
            o["issued"] = o["approved"] = now()
            o["expires"] = now() + datetime.timedelta(days=365)
        Handler.state = state
        Handler.verbose = args.verbose
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        httpd = TLSServer(("127.0.0.1", args.port), Handler, ctx)
        signal.signal(signal.SIGTERM, on_sigterm)
        sys.stdout.write("%d\n" % httpd.server_address[1])
        sys.stdout.flush()
        if args.exit_on_stdin_eof:
            def watch():
                while sys.stdin.buffer.read(4096):
                    pass
                httpd.shutdown()
            threading.Thread(target=watch, daemon=True).start()
        httpd.serve_forever()
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    RC = 0
    try:
        main()
    except SystemExit as e:
        RC = e.code if isinstance(e.code, int) else (0 if e.code is None
                                                     else 1)
    except BaseException:  # noqa: B902 (report anything, then exit)
        traceback.print_exc()
        RC = 1
    sys.stdout.flush()
    sys.stderr.flush()
    # no interpreter finalisation: the stdin watcher may still be reading
    os._exit(RC)
