/*
 * Minimal DNS stub client: wire format, UDP/TCP transport, zone discovery
 * and the TXT propagation wait.
 */
#include "dnsq.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "fsutil.h"

#define NAME_TEXT_MAX	1024	/* 255 wire bytes, <= 4 chars each */
#define MAX_CHAIN	16	/* CNAME links followed */
#define MAX_WALK	128	/* labels walked up to find a zone */
#define UDP_MAX		65536
#define WAIT_ROUNDS_MAX	100000	/* defensive bound on rounds */

/* ------------------------------------------------------------------ */
/* Names */

/* Append the wire form of a text name to out. */
static int name_to_wire(const char *name, struct cc_buf *out,
			struct cc_err *err)
{
	unsigned char wire[256];
	size_t wlen = 1, lab = 0;
	const char *p = name;
	unsigned c;

	if (!name || !*name)
		goto bad;
	wire[0] = 0;
	if (strcmp(name, ".") == 0)
		return cc_buf_add(out, wire, 1) ? cc_err_set(err, CC_ENOMEM,
							   "out of memory")
						 : CC_OK;
	while (*p) {
		if (*p == '.') {
			if (wire[lab] == 0)
				goto bad;	/* empty label */
			p++;
			if (!*p)
				break;
			if (wlen >= 254)
				goto bad;
			lab = wlen;
			wire[wlen++] = 0;
			continue;
		}
		if (*p == '\\') {
			p++;
			if (isdigit((unsigned char)p[0]) &&
			    isdigit((unsigned char)p[1]) &&
			    isdigit((unsigned char)p[2])) {
				c = (unsigned)(p[0] - '0') * 100 +
				    (unsigned)(p[1] - '0') * 10 +
				    (unsigned)(p[2] - '0');
				if (c > 255)
					goto bad;
				p += 3;
			} else if (*p) {
				c = (unsigned char)*p++;
			} else {
				goto bad;
			}
		} else {
			c = (unsigned char)*p++;
		}
		if (wire[lab] >= 63 || wlen >= 254)
			goto bad;
		wire[wlen++] = (unsigned char)c;
		wire[lab]++;
	}
	if (wire[lab] == 0)
		goto bad;
	wire[wlen++] = 0;
	if (cc_buf_add(out, wire, wlen))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	return CC_OK;
bad:
	return cc_err_set(err, CC_EINVAL, "invalid dns name '%s'",
			  name ? name : "");
}

/*
 * Decode the name at *pos of message m; *pos moves past it (past the first
 * pointer when compressed). Pointers must go strictly backwards from the
 * lowest position read so far, so loops are impossible. -1 if malformed.
 */
static int name_from_wire(const unsigned char *m, size_t len, size_t *pos,
			  char **out)
{
	char text[NAME_TEXT_MAX];
	size_t p = *pos, limit = *pos, end = 0, t = 0, wire = 1, i;
	int jumped = 0;
	unsigned c;

	for (;;) {
		if (p >= len)
			return -1;
		c = m[p];
		if ((c & 0xc0) == 0xc0) {
			size_t ptr;

			if (p + 1 >= len)
				return -1;
			ptr = ((size_t)(c & 0x3f) << 8) | m[p + 1];
			if (!jumped)
				end = p + 2;
			if (ptr >= limit)
				return -1;
			limit = ptr;
			p = ptr;
			jumped = 1;
			continue;
		}
		if (c & 0xc0)
			return -1;
		p++;
		if (c == 0)
			break;
		if (p + c > len)
			return -1;
		wire += c + 1;
		if (wire > 255)
			return -1;
		for (i = 0; i < c; i++) {
			unsigned char ch = m[p + i];

			if (ch == '.' || ch == '\\') {
				text[t++] = '\\';
				text[t++] = (char)ch;
			} else if (ch < 0x21 || ch > 0x7e) {
				snprintf(text + t, 5, "\\%03u", ch);
				t += 4;
			} else {
				text[t++] = (char)ch;
			}
		}
		text[t++] = '.';
		p += c;
	}
	if (!jumped)
		end = p;
	if (t == 0)
		text[t++] = '.';
	text[t] = '\0';
	*out = strdup(text);
	if (!*out)
		return -2;
	*pos = end;
	return 0;
}

/* Length of name without its trailing (unescaped) dot. */
static size_t name_len(const char *s)
{
	size_t n = strlen(s), bs = 0;

	if (n == 0 || s[n - 1] != '.')
		return n;
	while (bs + 1 < n && s[n - 2 - bs] == '\\')
		bs++;
	return bs % 2 ? n : n - 1;
}

int cc_dns_name_equal(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !b)
		return 0;
	la = name_len(a);
	lb = name_len(b);
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* 1 if name is zone or below it. */
static int name_in_zone(const char *name, const char *zone)
{
	size_t ln = name_len(name), lz = name_len(zone), bs = 0, i;

	if (lz == 0)
		return 1;
	if (ln == lz)
		return strncasecmp(name, zone, ln) == 0;
	if (ln < lz + 1 || strncasecmp(name + ln - lz, zone, lz) != 0 ||
	    name[ln - lz - 1] != '.')
		return 0;
	for (i = ln - lz - 1; i > 0 && name[i - 1] == '\\'; i--)
		bs++;
	return bs % 2 == 0;
}

/* The parent of name ("b.c." for "a.b.c."), NULL for the root. */
static const char *name_parent(const char *name)
{
	const char *p = name;

	if (strcmp(name, ".") == 0 || !*name)
		return NULL;
	while (*p) {
		if (*p == '\\' && p[1]) {
			p += 2;
			continue;
		}
		if (*p == '.')
			return p[1] ? p + 1 : ".";
		p++;
	}
	return ".";
}

/* malloc'd copy of name with a trailing dot. */
static char *name_abs(const char *name)
{
	size_t n = strlen(name);
	char *s;

	if (n && name_len(name) != n)
		return strdup(name);
	s = malloc(n + 2);
	if (!s)
		return NULL;
	memcpy(s, name, n);
	s[n] = '.';
	s[n + 1] = '\0';
	return s;
}

const char *cc_dns_type_name(unsigned type, char *buf, size_t size)
{
	static const struct { unsigned t; const char *n; } tab[] = {
		{ CC_DNS_A, "A" }, { CC_DNS_NS, "NS" },
		{ CC_DNS_CNAME, "CNAME" }, { CC_DNS_SOA, "SOA" },
		{ CC_DNS_TXT, "TXT" }, { CC_DNS_AAAA, "AAAA" },
		{ CC_DNS_OPT, "OPT" } };
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (tab[i].t == type)
			return tab[i].n;
	snprintf(buf, size, "TYPE%u", type);
	return buf;
}

const char *cc_dns_rcode_name(unsigned rcode, char *buf, size_t size)
{
	static const char *const tab[] = { "NOERROR", "FORMERR", "SERVFAIL",
					   "NXDOMAIN", "NOTIMP", "REFUSED" };

	if (rcode < sizeof(tab) / sizeof(tab[0]))
		return tab[rcode];
	snprintf(buf, size, "RCODE%u", rcode);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Messages */

static void rr_release(struct cc_dns_rr *rr)
{
	free(rr->name);
	free(rr->text);
	free(rr->rdata);
	memset(rr, 0, sizeof(*rr));
}

static void rrs_free(struct cc_dns_rr *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		rr_release(&v[i]);
	free(v);
}

void cc_dns_msg_release(struct cc_dns_msg *m)
{
	if (!m)
		return;
	free(m->qname);
	rrs_free(m->an, m->nan);
	rrs_free(m->ns, m->nns);
	rrs_free(m->ar, m->nar);
	memset(m, 0, sizeof(*m));
}

int cc_dns_msg_set_question(struct cc_dns_msg *m, const char *name,
			    unsigned type, struct cc_err *err)
{
	if (cc_str_set(&m->qname, name))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	m->qtype = type;
	m->qclass = CC_DNS_CLASS_IN;
	return CC_OK;
}

static struct cc_dns_rr *rr_append(struct cc_dns_msg *m,
				   enum cc_dns_section sec)
{
	struct cc_dns_rr **v = sec == CC_DNS_SEC_AN ? &m->an :
			       sec == CC_DNS_SEC_NS ? &m->ns : &m->ar;
	size_t *n = sec == CC_DNS_SEC_AN ? &m->nan :
		    sec == CC_DNS_SEC_NS ? &m->nns : &m->nar;
	struct cc_dns_rr *nv;

	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return NULL;
	*v = nv;
	memset(&nv[*n], 0, sizeof(nv[*n]));
	return &nv[(*n)++];
}

int cc_dns_msg_add_rr(struct cc_dns_msg *m, enum cc_dns_section sec,
		      const char *name, unsigned type, unsigned long ttl,
		      const char *text, struct cc_err *err)
{
	struct cc_dns_rr *rr = rr_append(m, sec);

	if (!rr)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	rr->type = type;
	rr->rclass = CC_DNS_CLASS_IN;
	rr->ttl = ttl;
	rr->name = strdup(name);
	rr->text = cc_strdup0(text);
	if (!rr->name || (text && !rr->text))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	return CC_OK;
}

static int put16(struct cc_buf *b, unsigned v)
{
	unsigned char x[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	return cc_buf_add(b, x, 2);
}

static int put32(struct cc_buf *b, unsigned long v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24),
			       (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	return cc_buf_add(b, x, 4);
}

static int soa_to_wire(const char *text, struct cc_buf *out,
		       struct cc_err *err)
{
	char mname[NAME_TEXT_MAX], rname[NAME_TEXT_MAX];
	unsigned long v[5];
	char extra;
	int i, rc;

	if (sscanf(text, "%1023s %1023s %lu %lu %lu %lu %lu %c", mname, rname,
		   &v[0], &v[1], &v[2], &v[3], &v[4], &extra) != 7)
		return cc_err_set(err, CC_EINVAL, "invalid soa data '%s'",
				  text);
	rc = name_to_wire(mname, out, err);
	if (!rc)
		rc = name_to_wire(rname, out, err);
	for (i = 0; !rc && i < 5; i++) {
		if (v[i] > 0xffffffffUL)
			return cc_err_set(err, CC_EINVAL,
					  "invalid soa data '%s'", text);
		if (put32(out, v[i]))
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	return rc;
}

static int rdata_to_wire(const struct cc_dns_rr *rr, struct cc_buf *out,
			 struct cc_err *err)
{
	unsigned char addr[16];
	size_t len, off, chunk;

	if (rr->type == CC_DNS_NS || rr->type == CC_DNS_CNAME ||
	    rr->type == CC_DNS_SOA) {
		if (!rr->text)
			return cc_err_set(err, CC_EINVAL,
					  "record '%s' has no data", rr->name);
		if (rr->type == CC_DNS_SOA)
			return soa_to_wire(rr->text, out, err);
		return name_to_wire(rr->text, out, err);
	}
	if (rr->rdata || !rr->text)
		return cc_buf_add(out, rr->rdata, rr->rdlen) ?
			cc_err_set(err, CC_ENOMEM, "out of memory") : CC_OK;
	switch (rr->type) {
	case CC_DNS_A:
	case CC_DNS_AAAA:
		if (inet_pton(rr->type == CC_DNS_A ? AF_INET : AF_INET6,
			      rr->text, addr) != 1)
			return cc_err_set(err, CC_EINVAL,
					  "invalid address '%s'", rr->text);
		len = rr->type == CC_DNS_A ? 4 : 16;
		return cc_buf_add(out, addr, len) ?
			cc_err_set(err, CC_ENOMEM, "out of memory") : CC_OK;
	case CC_DNS_TXT:
		len = strlen(rr->text);
		off = 0;
		do {
			unsigned char l;

			chunk = len - off > 255 ? 255 : len - off;
			l = (unsigned char)chunk;
			if (cc_buf_add(out, &l, 1) ||
			    cc_buf_add(out, rr->text + off, chunk))
				return cc_err_set(err, CC_ENOMEM,
						  "out of memory");
			off += chunk;
		} while (off < len);
		return CC_OK;
	default:
		return cc_err_set(err, CC_EINVAL,
				  "cannot encode record type %u from text",
				  rr->type);
	}
}

static int rr_to_wire(const struct cc_dns_rr *rr, struct cc_buf *out,
		      struct cc_err *err)
{
	size_t lenpos, start, rdlen;
	int rc;

	rc = name_to_wire(rr->name ? rr->name : "", out, err);
	if (rc)
		return rc;
	if (put16(out, rr->type) || put16(out, rr->rclass) ||
	    put32(out, rr->ttl) || put16(out, 0))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	lenpos = out->len - 2;
	start = out->len;
	rc = rdata_to_wire(rr, out, err);
	if (rc)
		return rc;
	rdlen = out->len - start;
	if (rdlen > 65535)
		return cc_err_set(err, CC_EINVAL, "record '%s' is too large",
				  rr->name);
	out->data[lenpos] = (char)(rdlen >> 8);
	out->data[lenpos + 1] = (char)(rdlen & 0xff);
	return CC_OK;
}

int cc_dns_msg_encode(const struct cc_dns_msg *m, struct cc_buf *out,
		      struct cc_err *err)
{
	const struct cc_dns_rr *secs[3] = { m->an, m->ns, m->ar };
	size_t counts[3] = { m->nan, m->nns, m->nar };
	size_t s, i;
	int rc = CC_OK;

	for (s = 0; s < 3; s++)
		if (counts[s] > 65535)
			return cc_err_set(err, CC_EINVAL, "too many records");
	if (put16(out, m->id & 0xffff) || put16(out, m->flags & 0xffff) ||
	    put16(out, m->qname ? 1 : 0) || put16(out, (unsigned)m->nan) ||
	    put16(out, (unsigned)m->nns) || put16(out, (unsigned)m->nar))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	if (m->qname) {
		rc = name_to_wire(m->qname, out, err);
		if (rc)
			return rc;
		if (put16(out, m->qtype) || put16(out, m->qclass))
			return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	for (s = 0; s < 3 && !rc; s++)
		for (i = 0; i < counts[s] && !rc; i++)
			rc = rr_to_wire(&secs[s][i], out, err);
	return rc;
}

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned long get32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	       (unsigned long)p[2] << 8 | p[3];
}

/* Decode the RDATA of rr (at m[p..p+rdlen)) into rr->text. */
static int rdata_text(const unsigned char *m, size_t len, size_t p,
		      struct cc_dns_rr *rr)
{
	size_t end = p + rr->rdlen, q = p;
	char addr[INET6_ADDRSTRLEN];
	char *a = NULL, *b = NULL;
	struct cc_buf t = CC_BUF_INIT;
	int rc = -1;

	switch (rr->type) {
	case CC_DNS_A:
	case CC_DNS_AAAA:
		if (rr->rdlen != (rr->type == CC_DNS_A ? 4u : 16u))
			break;
		if (!inet_ntop(rr->type == CC_DNS_A ? AF_INET : AF_INET6,
			       m + p, addr, sizeof(addr)))
			break;
		rr->text = strdup(addr);
		rc = rr->text ? 0 : -2;
		break;
	case CC_DNS_NS:
	case CC_DNS_CNAME:
		rc = name_from_wire(m, len, &q, &rr->text);
		if (rc == 0 && q != end)
			rc = -1;
		break;
	case CC_DNS_SOA:
		rc = name_from_wire(m, len, &q, &a);
		if (rc == 0)
			rc = name_from_wire(m, len, &q, &b);
		if (rc == 0 && q + 20 != end)
			rc = -1;
		if (rc == 0 &&
		    cc_buf_addf(&t, "%s %s %lu %lu %lu %lu %lu", a, b,
				get32(m + q), get32(m + q + 4),
				get32(m + q + 8), get32(m + q + 12),
				get32(m + q + 16)))
			rc = -2;
		if (rc == 0) {
			rr->text = cc_buf_detach(&t, NULL);
			rc = rr->text ? 0 : -2;
		}
		break;
	case CC_DNS_TXT:
		rc = 0;
		while (q < end && rc == 0) {
			size_t l = m[q++];

			if (q + l > end)
				rc = -1;
			else if (cc_buf_add(&t, m + q, l))
				rc = -2;
			q += l;
		}
		if (rc == 0) {
			rr->text = cc_buf_detach(&t, NULL);
			rc = rr->text ? 0 : -2;
		}
		break;
	default:
		rc = 0;
		break;
	}
	free(a);
	free(b);
	cc_buf_release(&t);
	return rc;
}

static int rr_from_wire(const unsigned char *m, size_t len, size_t *pos,
			struct cc_dns_rr *rr)
{
	size_t p = *pos;
	int rc;

	rc = name_from_wire(m, len, &p, &rr->name);
	if (rc)
		return rc;
	if (len - p < 10)
		return -1;
	rr->type = get16(m + p);
	rr->rclass = get16(m + p + 2);
	rr->ttl = get32(m + p + 4);
	rr->rdlen = get16(m + p + 8);
	p += 10;
	if (len - p < rr->rdlen)
		return -1;
	rr->rdata = malloc(rr->rdlen ? rr->rdlen : 1);
	if (!rr->rdata)
		return -2;
	if (rr->rdlen)
		memcpy(rr->rdata, m + p, rr->rdlen);
	rc = rdata_text(m, len, p, rr);
	if (rc)
		return rc;
	*pos = p + rr->rdlen;
	return 0;
}

int cc_dns_msg_parse(const void *data, size_t len, struct cc_dns_msg *out,
		     struct cc_err *err)
{
	const unsigned char *m = data;
	unsigned qd, counts[3];
	size_t p = 12, s, i;
	int rc = 0;

	cc_dns_msg_release(out);
	if (!m || len < 12)
		goto bad;
	out->id = get16(m);
	out->flags = get16(m + 2);
	qd = get16(m + 4);
	counts[0] = get16(m + 6);
	counts[1] = get16(m + 8);
	counts[2] = get16(m + 10);
	if (qd > 1)
		goto bad;
	if (qd == 1) {
		rc = name_from_wire(m, len, &p, &out->qname);
		if (rc)
			goto fail;
		if (len - p < 4)
			goto bad;
		out->qtype = get16(m + p);
		out->qclass = get16(m + p + 2);
		p += 4;
	}
	for (s = 0; s < 3; s++) {
		/* every record takes at least 11 bytes */
		if (counts[s] > (len - p) / 11 + 1)
			goto bad;
		for (i = 0; i < counts[s]; i++) {
			struct cc_dns_rr *rr = rr_append(out,
						(enum cc_dns_section)s);

			if (!rr) {
				rc = -2;
				goto fail;
			}
			rc = rr_from_wire(m, len, &p, rr);
			if (rc)
				goto fail;
		}
	}
	return CC_OK;
bad:
	rc = -1;
fail:
	cc_dns_msg_release(out);
	if (rc == -2)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	return cc_err_set(err, CC_EPROTO, "malformed dns message");
}

/* ------------------------------------------------------------------ */
/* Transport */

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Parse "ip", "ip:port", "[ip6]:port" or a bare IPv6 address. */
static int server_addr(const char *server, struct sockaddr_storage *ss,
		       socklen_t *sslen, struct cc_err *err)
{
	char host[128];
	const char *h = server, *port = NULL, *close, *colon;
	size_t hlen;
	unsigned long pn = 53;
	struct addrinfo hints, *ai = NULL;
	char *end;

	if (!server || !*server)
		goto bad;
	if (server[0] == '[') {
		close = strchr(server, ']');
		if (!close)
			goto bad;
		h = server + 1;
		hlen = (size_t)(close - h);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			goto bad;
	} else if ((colon = strchr(server, ':')) && !strchr(colon + 1, ':')) {
		hlen = (size_t)(colon - server);
		port = colon + 1;
	} else {
		hlen = strlen(server);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (port) {
		if (!isdigit((unsigned char)*port))
			goto bad;
		errno = 0;
		pn = strtoul(port, &end, 10);
		if (errno || *end || pn == 0 || pn > 65535)
			goto bad;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(host, NULL, &hints, &ai) != 0 || !ai ||
	    ai->ai_addrlen > sizeof(*ss)) {
		if (ai)
			freeaddrinfo(ai);
		goto bad;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sslen = (socklen_t)ai->ai_addrlen;
	freeaddrinfo(ai);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)pn);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)pn);
	else
		goto bad;
	return CC_OK;
bad:
	return cc_err_set(err, CC_EINVAL,
			  "invalid dns server '%s' (use ip[:port])",
			  server ? server : "");
}

static int has_opt(const struct cc_dns_msg *m)
{
	size_t i;

	for (i = 0; i < m->nar; i++)
		if (m->ar[i].type == CC_DNS_OPT)
			return 1;
	return 0;
}

/* 1 if r answers the query (id, name, type). */
static int reply_matches(const struct cc_dns_msg *r, unsigned id,
			 const char *name, unsigned type)
{
	if (r->id != id || !(r->flags & CC_DNS_F_QR))
		return 0;
	if (!r->qname)	/* some servers drop the question in errors */
		return (r->flags & 0xf) != CC_DNS_NOERROR && !r->nan;
	return cc_dns_name_equal(r->qname, name) && r->qtype == type &&
	       r->qclass == CC_DNS_CLASS_IN;
}

static int build_query(unsigned *id, const char *name, unsigned type,
		       int rd, int edns, int tcp, struct cc_buf *out,
		       struct cc_err *err)
{
	struct cc_dns_msg q = CC_DNS_MSG_INIT;
	unsigned char r[2];
	size_t start;
	int rc;

	if (RAND_bytes(r, 2) != 1) {
		rc = cc_err_set(err, CC_ECRYPTO, "cannot get random bytes");
		goto out;
	}
	*id = get16(r);
	q.id = *id;
	q.flags = rd ? CC_DNS_F_RD : 0;
	rc = cc_dns_msg_set_question(&q, name, type, err);
	if (!rc && edns) {
		rc = cc_dns_msg_add_rr(&q, CC_DNS_SEC_AR, ".", CC_DNS_OPT, 0,
				       NULL, err);
		if (!rc)
			q.ar[0].rclass = CC_DNS_EDNS_SIZE;
	}
	if (rc)
		goto out;
	cc_buf_reset(out);
	if (tcp && put16(out, 0)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	start = out->len;
	rc = cc_dns_msg_encode(&q, out, err);
	if (!rc && tcp) {
		out->data[0] = (char)((out->len - start) >> 8);
		out->data[1] = (char)((out->len - start) & 0xff);
	}
out:
	cc_dns_msg_release(&q);
	return rc;
}

/* Wait for events on fd until deadline; 0 ready, -1 timeout or error. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd;
	long long left;
	int r;

	for (;;) {
		left = deadline - mono_ms();
		if (left <= 0)
			return -1;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/*
 * One UDP attempt. *timed_out is set when nothing matching arrived in
 * time (worth another try).
 */
static int udp_exchange(const struct sockaddr_storage *ss, socklen_t sl,
			const char *server, const struct cc_buf *q,
			unsigned id, const char *name, unsigned type,
			unsigned timeout_ms, int *timed_out,
			struct cc_dns_msg *out, struct cc_err *err)
{
	unsigned char *buf = NULL;
	long long deadline = mono_ms() + timeout_ms;
	struct cc_dns_msg r = CC_DNS_MSG_INIT;
	ssize_t n;
	int fd, rc;

	*timed_out = 0;
	fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0) {
		rc = cc_err_set(err, CC_ENET, "cannot create socket: %s",
				strerror(errno));
		goto out;
	}
	if (connect(fd, (const struct sockaddr *)ss, sl) < 0 ||
	    send(fd, q->data, q->len, 0) != (ssize_t)q->len) {
		rc = cc_err_set(err, CC_ENET,
				"cannot send to dns server %s: %s", server,
				strerror(errno));
		goto out;
	}
	buf = malloc(UDP_MAX);
	if (!buf) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		if (wait_fd(fd, POLLIN, deadline)) {
			*timed_out = 1;
			rc = cc_err_set(err, CC_ENET,
					"no answer from dns server %s", server);
			goto out;
		}
		n = recv(fd, buf, UDP_MAX, 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			rc = cc_err_set(err, CC_ENET,
					"no answer from dns server %s: %s",
					server, strerror(errno));
			goto out;
		}
		if (cc_dns_msg_parse(buf, (size_t)n, &r, NULL))
			continue;	/* garbage: keep listening */
		if (reply_matches(&r, id, name, type))
			break;
		cc_dns_msg_release(&r);
	}
	*out = r;
	rc = CC_OK;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int tcp_exchange(const struct sockaddr_storage *ss, socklen_t sl,
			const char *server, const struct cc_buf *q,
			unsigned id, const char *name, unsigned type,
			unsigned timeout_ms, struct cc_dns_msg *out,
			struct cc_err *err)
{
	long long deadline = mono_ms() + timeout_ms;
	unsigned char *buf = NULL, hdr[2];
	size_t want, got, off;
	socklen_t el = sizeof(int);
	int fd, e = 0, rc, phase;
	ssize_t n;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0) {
		rc = cc_err_set(err, CC_ENET, "cannot create socket: %s",
				strerror(errno));
		goto out;
	}
	if (connect(fd, (const struct sockaddr *)ss, sl) < 0) {
		if (errno != EINPROGRESS) {
			e = errno;
			goto neterr;
		}
		if (wait_fd(fd, POLLOUT, deadline))
			goto timeout;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
			e = errno;
		if (e)
			goto neterr;
	}
	for (off = 0; off < q->len;) {
		if (wait_fd(fd, POLLOUT, deadline))
			goto timeout;
		n = send(fd, q->data + off, q->len - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			e = errno;
			goto neterr;
		}
		off += (size_t)n;
	}
	/* 2-byte length, then the message */
	buf = malloc(UDP_MAX);
	if (!buf) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	for (phase = 0; phase < 2; phase++) {
		unsigned char *dst = phase ? buf : hdr;

		want = phase ? get16(hdr) : 2;
		if (phase && want < 12) {
			rc = cc_err_set(err, CC_EPROTO,
					"malformed dns message from %s",
					server);
			goto out;
		}
		for (got = 0; got < want;) {
			if (wait_fd(fd, POLLIN, deadline))
				goto timeout;
			n = recv(fd, dst + got, want - got, 0);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n < 0) {
				e = errno;
				goto neterr;
			}
			if (n == 0) {
				rc = cc_err_set(err, CC_ENET, "dns server %s "
						"closed the tcp connection",
						server);
				goto out;
			}
			got += (size_t)n;
		}
	}
	rc = cc_dns_msg_parse(buf, want, out, err);
	if (rc)
		goto out;
	if (!reply_matches(out, id, name, type)) {
		cc_dns_msg_release(out);
		rc = cc_err_set(err, CC_EPROTO,
				"mismatched answer from dns server %s", server);
	}
	goto out;
timeout:
	rc = cc_err_set(err, CC_ENET, "no answer from dns server %s (tcp)",
			server);
	goto out;
neterr:
	rc = cc_err_set(err, CC_ENET, "cannot reach dns server %s (tcp): %s",
			server, strerror(e));
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

int cc_dnsq_query(const char *server, const char *name, unsigned type,
		  int rd, const struct cc_dnsq_opts *opts,
		  struct cc_dns_msg *out, struct cc_err *err)
{
	unsigned timeout = opts && opts->timeout_ms ? opts->timeout_ms : 2000;
	unsigned tries = opts && opts->tries ? opts->tries : 2;
	int edns = !(opts && opts->no_edns), timed_out, rc;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct cc_buf q = CC_BUF_INIT;
	struct cc_dns_msg r = CC_DNS_MSG_INIT;
	char tb[16];
	unsigned attempt = 0, id;

	cc_dns_msg_release(out);
	rc = server_addr(server, &ss, &sl, err);
	if (rc)
		goto out;
	while (attempt < tries) {
		rc = build_query(&id, name, type, rd, edns, 0, &q, err);
		if (rc)
			goto out;
		rc = udp_exchange(&ss, sl, server, &q, id, name, type, timeout,
				  &timed_out, &r, err);
		if (rc && timed_out) {
			attempt++;
			continue;
		}
		if (rc)
			goto out;
		if (r.flags & CC_DNS_F_TC) {
			cc_dns_msg_release(&r);
			rc = build_query(&id, name, type, rd, edns, 1, &q, err);
			if (!rc)
				rc = tcp_exchange(&ss, sl, server, &q, id, name,
						  type, timeout, out, err);
			goto out;
		}
		if (edns && !has_opt(&r) &&
		    ((r.flags & 0xf) == CC_DNS_FORMERR ||
		     (r.flags & 0xf) == CC_DNS_NOTIMP)) {
			/* an old server that does not know EDNS */
			cc_dns_msg_release(&r);
			edns = 0;
			continue;
		}
		*out = r;
		memset(&r, 0, sizeof(r));
		rc = CC_OK;
		goto out;
	}
	rc = cc_err_set(err, CC_ENET,
			"no answer from dns server %s for %s %s (%u tries)",
			server, name, cc_dns_type_name(type, tb, sizeof(tb)),
			tries);
out:
	cc_dns_msg_release(&r);
	cc_buf_release(&q);
	return rc;
}

int cc_dnsq_resolve(const char *const *resolvers, size_t nresolvers,
		    const char *name, unsigned type,
		    const struct cc_dnsq_opts *opts, struct cc_dns_msg *out,
		    struct cc_err *err)
{
	char rb[16], tb[16];
	unsigned rcode;
	size_t i;
	int rc = CC_EINVAL;

	if (nresolvers == 0)
		return cc_err_set(err, CC_EINVAL,
				  "no dns resolvers configured");
	for (i = 0; i < nresolvers; i++) {
		rc = cc_dnsq_query(resolvers[i], name, type, 1, opts, out,
				   err);
		if (rc == CC_EINVAL || rc == CC_ENOMEM || rc == CC_ECRYPTO)
			return rc;
		if (rc)
			continue;
		rcode = out->flags & 0xf;
		if (rcode == CC_DNS_NOERROR || rcode == CC_DNS_NXDOMAIN)
			return CC_OK;
		rc = cc_err_set(err, CC_ENET,
				"dns server %s answered %s for %s %s",
				resolvers[i],
				cc_dns_rcode_name(rcode, rb, sizeof(rb)), name,
				cc_dns_type_name(type, tb, sizeof(tb)));
		cc_dns_msg_release(out);
	}
	return rc;
}

/* The name that name leads to through the CNAMEs in the answer. */
static const char *chase(const struct cc_dns_msg *m, const char *name)
{
	const char *cur = name;
	size_t hop, i;
	int moved;

	for (hop = 0; hop < MAX_CHAIN; hop++) {
		moved = 0;
		for (i = 0; i < m->nan && !moved; i++)
			if (m->an[i].type == CC_DNS_CNAME && m->an[i].text &&
			    cc_dns_name_equal(m->an[i].name, cur)) {
				cur = m->an[i].text;
				moved = 1;
			}
		if (!moved)
			break;
	}
	return cur;
}

/* Append the text of answer records of type at name (after CNAMEs). */
static int answer_values(const struct cc_dns_msg *m, const char *name,
			 unsigned type, struct cc_strlist *out)
{
	const char *at = type == CC_DNS_CNAME ? name : chase(m, name);
	size_t i;

	for (i = 0; i < m->nan; i++)
		if (m->an[i].type == type && m->an[i].text &&
		    cc_dns_name_equal(m->an[i].name, at) &&
		    cc_strlist_add(out, m->an[i].text))
			return CC_ENOMEM;
	return CC_OK;
}

int cc_dnsq_values(const char *server, const char *name, unsigned type,
		   int rd, const struct cc_dnsq_opts *opts,
		   struct cc_strlist *out, struct cc_err *err)
{
	struct cc_dns_msg m = CC_DNS_MSG_INIT;
	unsigned rcode;
	char rb[16], tb[16];
	int rc;

	rc = cc_dnsq_query(server, name, type, rd, opts, &m, err);
	if (rc)
		goto out;
	rcode = m.flags & 0xf;
	if (rcode == CC_DNS_NXDOMAIN)
		goto out;
	if (rcode != CC_DNS_NOERROR) {
		rc = cc_err_set(err, CC_ENET, "dns server %s answered %s for "
				"%s %s", server,
				cc_dns_rcode_name(rcode, rb, sizeof(rb)), name,
				cc_dns_type_name(type, tb, sizeof(tb)));
		goto out;
	}
	if (answer_values(&m, name, type, out))
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cc_dns_msg_release(&m);
	return rc;
}

int cc_dnsq_txt(const char *server, const char *name, int rd,
		const struct cc_dnsq_opts *opts, struct cc_strlist *out,
		struct cc_err *err)
{
	return cc_dnsq_values(server, name, CC_DNS_TXT, rd, opts, out, err);
}

int cc_dnsq_find_zone(const char *const *resolvers, size_t nresolvers,
		      const char *name, const struct cc_dnsq_opts *opts,
		      char **zone, struct cc_err *err)
{
	struct cc_dns_msg m = CC_DNS_MSG_INIT;
	struct cc_buf chk = CC_BUF_INIT;
	const char *cur, *found = NULL;
	char *abs = NULL;
	size_t i, walk;
	int rc, alias;

	*zone = NULL;
	rc = name_to_wire(name, &chk, err);
	if (rc)
		goto out;
	abs = name_abs(name);
	if (!abs) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	cur = abs;
	for (walk = 0; walk < MAX_WALK && cur && strcmp(cur, ".") != 0;
	     walk++) {
		rc = cc_dnsq_resolve(resolvers, nresolvers, cur, CC_DNS_SOA,
				     opts, &m, err);
		if (rc)
			goto out;
		alias = 0;
		for (i = 0; i < m.nan; i++)
			if (m.an[i].type == CC_DNS_CNAME &&
			    cc_dns_name_equal(m.an[i].name, cur))
				alias = 1;
		for (i = 0; i < m.nan && !alias && !found; i++)
			if (m.an[i].type == CC_DNS_SOA &&
			    cc_dns_name_equal(m.an[i].name, cur))
				found = cur;
		/* negative answers carry the SOA of the enclosing zone */
		for (i = 0; i < m.nns && !alias && !found; i++)
			if (m.ns[i].type == CC_DNS_SOA && !m.nan &&
			    strcmp(m.ns[i].name, ".") != 0 &&
			    name_in_zone(cur, m.ns[i].name))
				found = m.ns[i].name;
		if (found) {
			*zone = name_abs(found);
			if (!*zone)
				rc = cc_err_set(err, CC_ENOMEM,
						"out of memory");
			goto out;
		}
		cc_dns_msg_release(&m);
		cur = name_parent(cur);
	}
	rc = cc_err_set(err, CC_ENOENT, "cannot find the dns zone of %s",
			name);
out:
	cc_dns_msg_release(&m);
	cc_buf_release(&chk);
	free(abs);
	return rc;
}

void cc_dnsq_nslist_release(struct cc_dnsq_nslist *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		cc_strlist_release(&l->v[i].addrs);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Add addr (with port unless 53) to list, skipping duplicates. */
static int add_server(struct cc_strlist *l, const char *addr, unsigned port)
{
	struct cc_buf b = CC_BUF_INIT;
	int rc;

	if (port == 53)
		rc = cc_buf_adds(&b, addr);
	else if (strchr(addr, ':'))
		rc = cc_buf_addf(&b, "[%s]:%u", addr, port);
	else
		rc = cc_buf_addf(&b, "%s:%u", addr, port);
	if (!rc && !cc_strlist_has(l, b.data))
		rc = cc_strlist_add(l, b.data);
	cc_buf_release(&b);
	return rc ? CC_ENOMEM : CC_OK;
}

static int ns_addrs(const char *const *resolvers, size_t nresolvers,
		    const struct cc_dns_msg *nsmsg, struct cc_dnsq_ns *ns,
		    const struct cc_dnsq_opts *opts, unsigned port)
{
	static const unsigned types[2] = { CC_DNS_A, CC_DNS_AAAA };
	struct cc_dns_msg m = CC_DNS_MSG_INIT;
	struct cc_strlist vals = CC_STRLIST_INIT;
	size_t t, i;
	int rc = CC_OK;

	for (t = 0; t < 2 && !rc; t++) {
		for (i = 0; i < nsmsg->nar; i++)
			if (nsmsg->ar[i].type == types[t] &&
			    nsmsg->ar[i].text &&
			    cc_dns_name_equal(nsmsg->ar[i].name, ns->name) &&
			    cc_strlist_add(&vals, nsmsg->ar[i].text))
				rc = CC_ENOMEM;
	}
	for (t = 0; t < 2 && !rc && !vals.n; t++) {
		/* not in the glue: ask; a failure just leaves it out */
		if (cc_dnsq_resolve(resolvers, nresolvers, ns->name,
				    types[t], opts, &m, NULL) == CC_OK)
			rc = answer_values(&m, ns->name, types[t], &vals);
		cc_dns_msg_release(&m);
	}
	for (i = 0; i < vals.n && !rc; i++)
		rc = add_server(&ns->addrs, vals.v[i], port);
	cc_strlist_release(&vals);
	return rc;
}

int cc_dnsq_zone_servers(const char *const *resolvers, size_t nresolvers,
			 const char *zone, const struct cc_dnsq_opts *opts,
			 struct cc_dnsq_nslist *out, struct cc_err *err)
{
	unsigned port = opts && opts->ns_port ? opts->ns_port : 53;
	struct cc_dns_msg m = CC_DNS_MSG_INIT;
	struct cc_dnsq_ns *nv;
	size_t i, j, k;
	int rc, dup;

	rc = cc_dnsq_resolve(resolvers, nresolvers, zone, CC_DNS_NS, opts,
			     &m, err);
	if (rc)
		goto out;
	for (i = 0; i < m.nan; i++) {
		if (m.an[i].type != CC_DNS_NS || !m.an[i].text ||
		    !cc_dns_name_equal(m.an[i].name, zone))
			continue;
		for (j = 0, dup = 0; j < out->n; j++)
			if (cc_dns_name_equal(out->v[j].name, m.an[i].text))
				dup = 1;
		if (dup)
			continue;
		nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (!nv)
			goto nomem;
		out->v = nv;
		memset(&nv[out->n], 0, sizeof(nv[0]));
		nv[out->n].name = strdup(m.an[i].text);
		out->n++;
		if (!nv[out->n - 1].name)
			goto nomem;
	}
	if (!out->n) {
		rc = cc_err_set(err, CC_ENOENT, "dns zone %s has no NS records",
				zone);
		goto out;
	}
	for (i = 0; i < out->n; i++)
		if (ns_addrs(resolvers, nresolvers, &m, &out->v[i], opts,
			     port))
			goto nomem;
	/* drop name servers without an address */
	for (i = 0, k = 0; i < out->n; i++) {
		if (out->v[i].addrs.n) {
			out->v[k++] = out->v[i];
		} else {
			free(out->v[i].name);
			cc_strlist_release(&out->v[i].addrs);
		}
	}
	out->n = k;
	if (!out->n)
		rc = cc_err_set(err, CC_ENOENT, "no address for any name "
				"server of dns zone %s", zone);
	goto out;
nomem:
	rc = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	if (rc)
		cc_dnsq_nslist_release(out);
	cc_dns_msg_release(&m);
	return rc;
}

int cc_dnsq_follow_cname(const char *const *resolvers, size_t nresolvers,
			 const char *name, const struct cc_dnsq_opts *opts,
			 char **target, struct cc_err *err)
{
	struct cc_dns_msg m = CC_DNS_MSG_INIT;
	struct cc_buf chk = CC_BUF_INIT;
	char *cur = NULL, *next;
	const char *t;
	size_t hop, i;
	struct cc_strlist seen = CC_STRLIST_INIT;
	int rc;

	*target = NULL;
	rc = name_to_wire(name, &chk, err);
	if (rc)
		goto out;
	cur = name_abs(name);
	if (!cur)
		goto nomem;
	for (hop = 0;; hop++) {
		for (i = 0; i < seen.n; i++)
			if (cc_dns_name_equal(seen.v[i], cur)) {
				rc = cc_err_set(err, CC_EINVAL,
						"cname loop at %s (from %s)",
						cur, name);
				goto out;
			}
		if (hop > MAX_CHAIN) {
			rc = cc_err_set(err, CC_EINVAL,
					"cname chain of %s is too long", name);
			goto out;
		}
		if (cc_strlist_add(&seen, cur))
			goto nomem;
		rc = cc_dnsq_resolve(resolvers, nresolvers, cur, CC_DNS_CNAME,
				     opts, &m, err);
		if (rc)
			goto out;
		t = NULL;
		for (i = 0; i < m.nan && !t; i++)
			if (m.an[i].type == CC_DNS_CNAME && m.an[i].text &&
			    cc_dns_name_equal(m.an[i].name, cur))
				t = m.an[i].text;
		if (!t)
			break;
		next = name_abs(t);
		if (!next)
			goto nomem;
		free(cur);
		cur = next;
		cc_dns_msg_release(&m);
	}
	*target = cur;
	cur = NULL;
	goto out;
nomem:
	rc = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cc_dns_msg_release(&m);
	cc_buf_release(&chk);
	cc_strlist_release(&seen);
	free(cur);
	return rc;
}

int cc_dnsq_resolvers_read(const char *path, struct cc_strlist *out,
			   struct cc_err *err)
{
	struct cc_buf text = CC_BUF_INIT;
	struct sockaddr_storage ss;
	socklen_t sl;
	char addr[128];
	const char *p, *e;
	size_t n, before = out->n;
	int rc;

	rc = cc_read_file(path, &text, err);
	if (rc == CC_ENOENT)
		rc = CC_OK;
	if (rc)
		goto out;
	for (p = text.data; p && *p; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(e - p) < 11 || strncmp(p, "nameserver", 10) ||
		    (p[10] != ' ' && p[10] != '\t'))
			continue;
		p += 10;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		for (n = 0; p + n < e && !isspace((unsigned char)p[n]) &&
			    p[n] != '#' && p[n] != ';'; n++)
			;
		if (n == 0 || n >= sizeof(addr))
			continue;
		memcpy(addr, p, n);
		addr[n] = '\0';
		if (server_addr(addr, &ss, &sl, NULL) == CC_OK &&
		    !cc_strlist_has(out, addr) && cc_strlist_add(out, addr)) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (out->n == before && cc_strlist_add(out, "127.0.0.1"))
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cc_buf_release(&text);
	return rc;
}

int cc_dnsq_system_resolvers(struct cc_strlist *out, struct cc_err *err)
{
	return cc_dnsq_resolvers_read("/etc/resolv.conf", out, err);
}

/* ------------------------------------------------------------------ */
/* Propagation wait */

struct wzone {
	char *name;			/* zone, or NULL for the override */
	struct cc_dnsq_nslist ns;
};

struct wtarget {
	const char *fqdn;
	size_t zone;			/* index into the zones */
	unsigned char *seen;		/* per server of the zone */
	char why[160];			/* last failure at some server */
};

struct wstate {
	struct wzone *zones;
	size_t nzones;
	struct wtarget *t;
	size_t nt;
};

static void wstate_release(struct wstate *w)
{
	size_t i;

	for (i = 0; i < w->nzones; i++) {
		free(w->zones[i].name);
		cc_dnsq_nslist_release(&w->zones[i].ns);
	}
	for (i = 0; i < w->nt; i++)
		free(w->t[i].seen);
	free(w->zones);
	free(w->t);
}

static struct wzone *zone_add(struct wstate *w)
{
	struct wzone *nv = realloc(w->zones, (w->nzones + 1) * sizeof(*nv));

	if (!nv)
		return NULL;
	w->zones = nv;
	memset(&nv[w->nzones], 0, sizeof(nv[0]));
	return &nv[w->nzones++];
}

/* Zone (and servers) for one fqdn, reusing an earlier zone. */
static int target_zone(struct wstate *w, const char *fqdn,
		       const struct cc_dns_wait_opts *o, size_t *idx,
		       struct cc_err *err)
{
	struct wzone *z;
	char *zone = NULL;
	size_t i;
	int rc;

	if (o->nservers) {
		*idx = 0;
		return CC_OK;
	}
	rc = cc_dnsq_find_zone(o->resolvers, o->nresolvers, fqdn, o->q,
			       &zone, err);
	if (rc)
		return rc;
	for (i = 0; i < w->nzones; i++)
		if (cc_dns_name_equal(w->zones[i].name, zone)) {
			free(zone);
			*idx = i;
			return CC_OK;
		}
	z = zone_add(w);
	if (!z) {
		free(zone);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	z->name = zone;
	*idx = w->nzones - 1;
	rc = cc_dnsq_zone_servers(o->resolvers, o->nresolvers, zone, o->q,
				  &z->ns, err);
	if (rc)
		cc_err_prefix(err, "cannot find the servers of %s", fqdn);
	return rc;
}

static int wait_setup(struct wstate *w, const struct cc_dns_expect *ex,
		      size_t n, const struct cc_dns_wait_opts *o,
		      struct cc_err *err)
{
	struct wzone *z;
	size_t i, j;
	int rc = CC_OK;

	if (o->nservers) {
		z = zone_add(w);
		if (!z)
			return cc_err_set(err, CC_ENOMEM, "out of memory");
		z->ns.v = calloc(o->nservers, sizeof(*z->ns.v));
		if (!z->ns.v)
			return cc_err_set(err, CC_ENOMEM, "out of memory");
		for (i = 0; i < o->nservers; i++) {
			z->ns.n++;
			z->ns.v[i].name = strdup(o->servers[i]);
			if (!z->ns.v[i].name ||
			    cc_strlist_add(&z->ns.v[i].addrs, o->servers[i]))
				return cc_err_set(err, CC_ENOMEM,
						  "out of memory");
		}
	}
	w->t = calloc(n, sizeof(*w->t));
	if (!w->t)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	for (i = 0; i < n && !rc; i++) {
		if (!ex[i].fqdn || !ex[i].value)
			return cc_err_set(err, CC_EINVAL,
					  "missing name or value to wait for");
		for (j = 0; j < w->nt; j++)
			if (cc_dns_name_equal(w->t[j].fqdn, ex[i].fqdn))
				break;
		if (j < w->nt)
			continue;
		w->t[w->nt].fqdn = ex[i].fqdn;
		rc = target_zone(w, ex[i].fqdn, o, &w->t[w->nt].zone, err);
		if (rc)
			break;
		w->t[w->nt].seen = calloc(w->zones[w->t[w->nt].zone].ns.n + 1,
					  1);
		w->nt++;
		if (!w->t[w->nt - 1].seen)
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	return rc;
}

/* 1 if every expected value of fqdn is in vals. */
static int all_present(const struct cc_dns_expect *ex, size_t n,
		       const char *fqdn, const struct cc_strlist *vals)
{
	size_t i, j;
	int ok;

	for (i = 0; i < n; i++) {
		if (!cc_dns_name_equal(ex[i].fqdn, fqdn))
			continue;
		for (j = 0, ok = 0; j < vals->n && !ok; j++)
			ok = strcmp(vals->v[j], ex[i].value) == 0;
		if (!ok)
			return 0;
	}
	return 1;
}

/* One round: ask every server that has not shown all values yet. */
static int wait_round(struct wstate *w, const struct cc_dns_expect *ex,
		      size_t n, const struct cc_dns_wait_opts *o,
		      size_t *pending)
{
	struct cc_strlist vals = CC_STRLIST_INIT;
	struct cc_err e = CC_ERR_INIT;
	size_t i, s, a;
	int rc, rd = o->nservers > 0, answered;

	*pending = 0;
	for (i = 0; i < w->nt; i++) {
		struct wtarget *t = &w->t[i];
		struct cc_dnsq_nslist *ns = &w->zones[t->zone].ns;

		for (s = 0; s < ns->n; s++) {
			if (t->seen[s])
				continue;
			answered = 0;
			for (a = 0; a < ns->v[s].addrs.n && !answered; a++) {
				cc_strlist_release(&vals);
				rc = cc_dnsq_txt(ns->v[s].addrs.v[a], t->fqdn,
						 rd, o->q, &vals, &e);
				if (rc == CC_ENOMEM)
					return rc;
				if (rc) {
					snprintf(t->why, sizeof(t->why), "%s",
						 e.msg);
					continue;
				}
				answered = 1;
				t->seen[s] = (unsigned char)all_present(
					ex, n, t->fqdn, &vals);
			}
			if (!t->seen[s])
				(*pending)++;
		}
	}
	cc_strlist_release(&vals);
	return CC_OK;
}

static int wait_timeout(const struct wstate *w, unsigned timeout,
			struct cc_err *err)
{
	size_t i, s, missing, more = 0;
	const struct wtarget *first = NULL;
	size_t first_missing = 0, total = 0;
	char extra[256];

	for (i = 0; i < w->nt; i++) {
		const struct cc_dnsq_nslist *ns = &w->zones[w->t[i].zone].ns;

		for (s = 0, missing = 0; s < ns->n; s++)
			missing += !w->t[i].seen[s];
		if (!missing)
			continue;
		if (first) {
			more++;
			continue;
		}
		first = &w->t[i];
		first_missing = missing;
		total = ns->n;
	}
	if (!first)
		return cc_err_set(err, CC_EPENDING, "TXT records not visible "
				  "after %u s", timeout);
	snprintf(extra, sizeof(extra), "%s%s%s%s", first->why[0] ?
		 " (last error: " : "", first->why, first->why[0] ? ")" : "",
		 more ? " (and other names)" : "");
	return cc_err_set(err, CC_EPENDING, "TXT record for %s not visible "
			  "at %zu of %zu servers after %u s%s", first->fqdn,
			  first_missing, total, timeout, extra);
}

int cc_dns_wait_txt(const struct cc_dns_expect *expect, size_t n,
		    const struct cc_dns_wait_opts *opts, struct cc_err *err)
{
	static const struct cc_dns_wait_opts none;
	const struct cc_dns_wait_opts *o = opts ? opts : &none;
	const struct cc_clock *clock = o->clock ? o->clock : &cc_clock_real;
	unsigned timeout = o->timeout ? o->timeout : 120;
	unsigned delay = o->initial_ms ? o->initial_ms : 1000;
	unsigned maxd = o->max_ms ? o->max_ms : 10000;
	struct wstate w = { NULL, 0, NULL, 0 };
	unsigned long long left_ms;
	time_t start;
	size_t pending, round;
	long long elapsed;
	unsigned d;
	int rc;

	if (n == 0)
		return CC_OK;
	if (!expect || (!o->nservers && !o->nresolvers))
		return cc_err_set(err, CC_EINVAL, "no dns servers to check");
	start = cc_now(clock);
	rc = wait_setup(&w, expect, n, o, err);
	if (rc)
		goto out;
	for (round = 0; round < WAIT_ROUNDS_MAX; round++) {
		rc = wait_round(&w, expect, n, o, &pending);
		if (rc) {
			rc = cc_err_set(err, rc, "out of memory");
			goto out;
		}
		if (!pending)
			goto out;
		elapsed = (long long)(cc_now(clock) - start);
		if (elapsed < 0)
			elapsed = 0;
		if (elapsed >= (long long)timeout)
			break;
		left_ms = ((unsigned long long)timeout -
			   (unsigned long long)elapsed) * 1000ULL;
		d = delay < left_ms ? delay : (unsigned)left_ms;
		cc_sleep_ms(clock, d);
		delay = delay > maxd / 2 ? maxd : delay * 2;
	}
	rc = wait_timeout(&w, timeout, err);
out:
	wstate_release(&w);
	return rc;
}
