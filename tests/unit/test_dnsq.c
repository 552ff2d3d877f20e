/*
 * DNS stub client: wire format units, a fake DNS server forked by the
 * tests (UDP+TCP on 127.0.0.1), and live checks against
 * pebble-challtestsrv when it is installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "dnsq.h"
#include "err.h"
#include "testpki.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Helpers */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A fake clock: time advances only by sleeping. */
struct fclock {
	time_t base;
	unsigned long long slept_ms;
	unsigned sleeps;
	unsigned delays[64];
	void (*on_sleep)(struct fclock *fc);
};

static time_t fc_now(void *arg)
{
	struct fclock *fc = arg;

	return fc->base + (time_t)(fc->slept_ms / 1000);
}

static void fc_sleep(void *arg, unsigned ms)
{
	struct fclock *fc = arg;

	if (fc->sleeps < 64)
		fc->delays[fc->sleeps] = ms;
	fc->sleeps++;
	fc->slept_ms += ms;
	if (fc->on_sleep)
		fc->on_sleep(fc);
}

static void fc_init(struct fclock *fc, struct cc_clock *c)
{
	memset(fc, 0, sizeof(*fc));
	fc->base = 1700000000;
	c->now = fc_now;
	c->sleep_ms = fc_sleep;
	c->arg = fc;
}

/* ------------------------------------------------------------------ */
/* Wire format */

static void dnsq_msg_roundtrip(void **state)
{
	struct cc_dns_msg m = CC_DNS_MSG_INIT, p = CC_DNS_MSG_INIT;
	struct cc_buf b = CC_BUF_INIT;
	char longtxt[301];

	(void)state;
	memset(longtxt, 'x', 300);
	longtxt[300] = '\0';
	longtxt[0] = 'A';
	longtxt[299] = 'Z';
	m.id = 0xbeef;
	m.flags = CC_DNS_F_QR | CC_DNS_F_AA | CC_DNS_NXDOMAIN;
	assert_int_equal(cc_dns_msg_set_question(&m, "_acme-challenge.Ex"
						 "ample.COM", CC_DNS_TXT,
						 NULL), 0);
	assert_int_equal(cc_dns_msg_add_rr(&m, CC_DNS_SEC_AN, "a.example.",
					   CC_DNS_A, 300, "192.0.2.1", NULL),
			 0);
	assert_int_equal(cc_dns_msg_add_rr(&m, CC_DNS_SEC_AN, "a.example.",
					   CC_DNS_AAAA, 300, "2001:db8::1",
					   NULL), 0);
	assert_int_equal(cc_dns_msg_add_rr(&m, CC_DNS_SEC_AN, "t.example",
					   CC_DNS_TXT, 60, longtxt, NULL), 0);
	assert_int_equal(cc_dns_msg_add_rr(&m, CC_DNS_SEC_NS, "example.",
					   CC_DNS_SOA, 60, "ns.example. h\\.m."
					   "example. 7 3600 600 86400 300",
					   NULL), 0);
	assert_int_equal(cc_dns_msg_add_rr(&m, CC_DNS_SEC_AR, "x.example.",
					   CC_DNS_CNAME, 5, "y.example.", NULL),
			 0);
	assert_int_equal(cc_dns_msg_encode(&m, &b, NULL), 0);
	assert_int_equal(cc_dns_msg_parse(b.data, b.len, &p, NULL), 0);
	assert_int_equal(p.id, 0xbeef);
	assert_int_equal(p.flags & 0xf, CC_DNS_NXDOMAIN);
	assert_true(p.flags & CC_DNS_F_AA);
	assert_string_equal(p.qname, "_acme-challenge.Example.COM.");
	assert_int_equal(p.qtype, CC_DNS_TXT);
	assert_int_equal(p.nan, 3);
	assert_string_equal(p.an[0].text, "192.0.2.1");
	assert_int_equal(p.an[0].ttl, 300);
	assert_string_equal(p.an[1].text, "2001:db8::1");
	assert_string_equal(p.an[2].name, "t.example.");
	/* 300 bytes go out as two strings (255 + 45) and come back joined */
	assert_int_equal(p.an[2].rdlen, 302);
	assert_int_equal((unsigned char)p.an[2].rdata[0], 255);
	assert_string_equal(p.an[2].text, longtxt);
	assert_int_equal(p.nns, 1);
	assert_string_equal(p.ns[0].text, "ns.example. h\\.m.example. 7 3600 "
			    "600 86400 300");
	assert_int_equal(p.nar, 1);
	assert_string_equal(p.ar[0].text, "y.example.");
	assert_true(cc_dns_name_equal("A.example.", "a.EXAMPLE"));
	assert_false(cc_dns_name_equal("a.example.", "b.example."));
	assert_false(cc_dns_name_equal("a.example.", "aa.example."));
	cc_dns_msg_release(&m);
	cc_dns_msg_release(&p);
	cc_buf_release(&b);
}

static void dnsq_encode_rejects(void **state)
{
	static const char *const bad[] = {
		"a..example.", ".a.", "", "a\\", "a\\300.",
		/* a 64-byte label */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaa.example.",
	};
	struct cc_dns_msg m = CC_DNS_MSG_INIT;
	struct cc_buf b = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	char longname[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cc_dns_msg_set_question(&m, bad[i], 1, NULL),
				 0);
		cc_buf_reset(&b);
		assert_int_equal(cc_dns_msg_encode(&m, &b, &err), CC_EINVAL);
		assert_non_null(strstr(err.msg, "invalid dns name"));
	}
	/* 4 x 63-byte labels + dots: 257 wire bytes */
	for (i = 0; i < 256; i++)
		longname[i] = i % 64 == 63 ? '.' : 'b';
	longname[256] = '\0';
	assert_int_equal(cc_dns_msg_set_question(&m, longname, 1, NULL), 0);
	assert_int_equal(cc_dns_msg_encode(&m, &b, NULL), CC_EINVAL);
	/* but 3 x 63 + 61 fits (255 bytes) */
	longname[253] = '.';
	longname[254] = '\0';
	assert_int_equal(cc_dns_msg_set_question(&m, longname, 1, NULL), 0);
	cc_buf_reset(&b);
	assert_int_equal(cc_dns_msg_encode(&m, &b, NULL), 0);
	assert_int_equal(b.len, 12 + 255 + 4);
	assert_int_equal(cc_dns_msg_set_question(&m, "ok.example.", 1, NULL),
			 0);
	assert_int_equal(cc_dns_msg_add_rr(&m, CC_DNS_SEC_AN, "ok.example.",
					   CC_DNS_A, 1, "300.1.2.3", NULL), 0);
	assert_int_equal(cc_dns_msg_encode(&m, &b, &err), CC_EINVAL);
	assert_non_null(strstr(err.msg, "300.1.2.3"));
	cc_dns_msg_release(&m);
	cc_buf_release(&b);
}

/*
 * A response written by hand with compression pointers:
 *   question a.example.com TXT
 *   a.example.com CNAME b.<ptr example.com>
 *   <ptr b.example.com> TXT "abc" "" "def"
 *   www.<ptr example.com> A 192.0.2.7
 */
static const unsigned char compressed[] = {
	0x12, 0x34, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0,
	/* 12 */ 1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o',
	'm', 0,
	/* 27 */ 0, 16, 0, 1,
	/* 31 */ 0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 4,
	/* 43 */ 1, 'b', 0xc0, 14,
	/* 47 */ 0xc0, 43, 0, 16, 0, 1, 0, 0, 0, 60, 0, 9,
	/* 59 */ 3, 'a', 'b', 'c', 0, 3, 'd', 'e', 'f',
	/* 68 */ 3, 'w', 'w', 'w', 0xc0, 14, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4,
	192, 0, 2, 7,
};

static void dnsq_parse_compression(void **state)
{
	struct cc_dns_msg m = CC_DNS_MSG_INIT;

	(void)state;
	assert_int_equal(cc_dns_msg_parse(compressed, sizeof(compressed), &m,
					  NULL), 0);
	assert_int_equal(m.id, 0x1234);
	assert_string_equal(m.qname, "a.example.com.");
	assert_int_equal(m.qtype, CC_DNS_TXT);
	assert_int_equal(m.nan, 3);
	assert_string_equal(m.an[0].name, "a.example.com.");
	assert_int_equal(m.an[0].type, CC_DNS_CNAME);
	assert_string_equal(m.an[0].text, "b.example.com.");
	assert_string_equal(m.an[1].name, "b.example.com.");
	assert_string_equal(m.an[1].text, "abcdef");
	assert_string_equal(m.an[2].name, "www.example.com.");
	assert_string_equal(m.an[2].text, "192.0.2.7");
	assert_int_equal(m.an[2].ttl, 256);
	cc_dns_msg_release(&m);
}

static void expect_reject(const unsigned char *p, size_t len)
{
	struct cc_dns_msg m = CC_DNS_MSG_INIT;
	struct cc_err err = CC_ERR_INIT;

	assert_int_equal(cc_dns_msg_parse(p, len, &m, &err), CC_EPROTO);
	assert_string_equal(err.msg, "malformed dns message");
	assert_null(m.qname);
	assert_int_equal(m.nan, 0);
}

static void dnsq_parse_rejects(void **state)
{
	unsigned char b[600];
	struct cc_dns_msg m = CC_DNS_MSG_INIT;
	size_t i, n;

	(void)state;
	/* every truncation of a valid message */
	for (i = 0; i < sizeof(compressed); i++)
		expect_reject(compressed, i);
	/* pointer to itself, forward, and a loop through a label */
	memcpy(b, compressed, 31);
	b[12] = 0xc0;
	b[13] = 12;
	expect_reject(b, 31);
	b[13] = 20;
	expect_reject(b, 31);
	memcpy(b, compressed, sizeof(compressed));
	b[43 + 2] = 0xc0;
	b[43 + 3] = 43;		/* "b" then back to itself */
	expect_reject(b, sizeof(compressed));
	/* reserved label type 0x40 */
	memcpy(b, compressed, sizeof(compressed));
	b[12] = 0x41;
	expect_reject(b, sizeof(compressed));
	/* rdlength past the end */
	memcpy(b, compressed, sizeof(compressed));
	b[83] = 9;
	expect_reject(b, sizeof(compressed));
	/* A record with 3 bytes; CNAME rdata longer than its name */
	memcpy(b, compressed, sizeof(compressed));
	b[83] = 3;
	expect_reject(b, sizeof(compressed));
	memcpy(b, compressed, sizeof(compressed));
	b[42] = 5;
	expect_reject(b, sizeof(compressed));
	/* TXT string running past its rdata */
	memcpy(b, compressed, sizeof(compressed));
	b[64] = 4;
	expect_reject(b, sizeof(compressed));
	/* two questions; huge counts */
	memcpy(b, compressed, sizeof(compressed));
	b[5] = 2;
	expect_reject(b, sizeof(compressed));
	memcpy(b, compressed, sizeof(compressed));
	b[6] = b[7] = 0xff;
	expect_reject(b, sizeof(compressed));
	/* a name longer than 255 bytes (five 63-byte labels) */
	memset(b, 0, sizeof(b));
	b[5] = 1;
	for (i = 0, n = 12; i < 5; i++) {
		b[n++] = 63;
		memset(b + n, 'q', 63);
		n += 63;
	}
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 16;
	b[n++] = 0;
	b[n++] = 1;
	expect_reject(b, n);
	/* the valid message still parses (the test data is right) */
	assert_int_equal(cc_dns_msg_parse(compressed, sizeof(compressed), &m,
					  NULL), 0);
	cc_dns_msg_release(&m);
}

static void dnsq_parse_fuzz(void **state)
{
	unsigned char b[sizeof(compressed)];
	struct cc_dns_msg m = CC_DNS_MSG_INIT;
	unsigned long x = 88172645463325252UL;
	size_t i, j, parsed = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		memcpy(b, compressed, sizeof(b));
		for (j = 0; j < 1 + i % 4; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[x % sizeof(b)] = (unsigned char)(x >> 24);
		}
		if (cc_dns_msg_parse(b, sizeof(b) - (x >> 40) % 8, &m, NULL) ==
		    0)
			parsed++;
		cc_dns_msg_release(&m);
	}
	/* some mutations only touch data bytes, most break the message */
	assert_true(parsed > 0 && parsed < 20000);
}

static void dnsq_resolvers_file(void **state)
{
	static const char conf[] =
		"# comment\n"
		"search example.com\n"
		"nameserver 192.0.2.53\n"
		"  nameserver\t2001:db8::53 # trailing\n"
		"nameserver 192.0.2.53\n"
		"nameserver not-an-ip\n"
		"nameservers 192.0.2.99\n"
		"nameserver 127.0.0.1;x\n";
	struct cc_strlist l = CC_STRLIST_INIT;
	char *dir = tp_mkdtemp(), path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	tp_write_file(path, conf, strlen(conf));
	assert_int_equal(cc_dnsq_resolvers_read(path, &l, NULL), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "192.0.2.53");
	assert_string_equal(l.v[1], "2001:db8::53");
	assert_string_equal(l.v[2], "127.0.0.1");
	cc_strlist_release(&l);
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(cc_dnsq_resolvers_read(path, &l, NULL), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "127.0.0.1");
	cc_strlist_release(&l);
	assert_int_equal(cc_dnsq_system_resolvers(&l, NULL), 0);
	assert_true(l.n >= 1);
	cc_strlist_release(&l);
	tp_rmtree(dir);
	free(dir);
}

/* ------------------------------------------------------------------ */
/* A fake DNS server */

struct frec {
	const char *name;
	unsigned type;
	const char *text;
};

static const struct frec fake_zone[] = {
	{ "example.test.", CC_DNS_SOA, "ns1.example.test. hostmaster."
	  "example.test. 1 7200 900 1209600 300" },
	{ "example.test.", CC_DNS_NS, "ns1.example.test." },
	{ "ns1.example.test.", CC_DNS_A, "127.0.0.1" },
	{ "_acme-challenge.example.test.", CC_DNS_TXT, "value-one" },
	{ "_acme-challenge.example.test.", CC_DNS_TXT, "value-two" },
	{ "c1.example.test.", CC_DNS_CNAME, "c2.example.test." },
	{ "c2.example.test.", CC_DNS_CNAME, "C3.example.test." },
	{ "c3.example.test.", CC_DNS_TXT, "at-c3" },
	{ "l1.example.test.", CC_DNS_CNAME, "l2.example.test." },
	{ "l2.example.test.", CC_DNS_CNAME, "l1.example.test." },
	{ "spoof.example.test.", CC_DNS_TXT, "genuine" },
	{ "old.example.test.", CC_DNS_TXT, "old-value" },
	{ "walk.test.", CC_DNS_SOA, "ns1.example.test. h.example.test. 1 2 "
	  "3 4 5" },
	{ "noglue.test.", CC_DNS_SOA, "ns1.example.test. h.example.test. 1 "
	  "2 3 4 5" },
	{ "noglue.test.", CC_DNS_NS, "ns1.example.test." },
	{ "noglue.test.", CC_DNS_NS, "nowhere.example.test." },
	{ NULL, 0, NULL }
};

static int ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return n >= s && strcasecmp(name + n - s, suffix) == 0;
}

/* Fill r for question q; 0 = answer, -1 = stay silent. */
static int fake_lookup(const struct cc_dns_msg *q, struct cc_dns_msg *r)
{
	const char *name = q->qname;
	const struct frec *f;
	char big[64];
	int found = 0, i;
	unsigned rcode = CC_DNS_NOERROR;

	if (!name)
		return -1;
	if (cc_dns_name_equal(name, "silent.example.test."))
		return -1;
	if (cc_dns_name_equal(name, "fail.test.")) {
		r->flags |= CC_DNS_SERVFAIL;
		return 0;
	}
	if (cc_dns_name_equal(name, "big.example.test.")) {
		for (i = 0; i < 40; i++) {
			snprintf(big, sizeof(big), "value-%02d-%s", i,
				 "0123456789012345678901234567890123456789"
				 "0123456789");
			cc_dns_msg_add_rr(r, CC_DNS_SEC_AN, name, CC_DNS_TXT,
					  60, big, NULL);
		}
		return 0;
	}
	if ((ends_with(name, ".walk.test.") || ends_with(name, "nosoa.test.")
	     || cc_dns_name_equal(name, "test."))) {
		r->flags |= CC_DNS_NXDOMAIN;
		return 0;
	}
	for (f = fake_zone; f->name; f++) {
		if (!cc_dns_name_equal(f->name, name))
			continue;
		found = 1;
		if (f->type == q->qtype || f->type == CC_DNS_CNAME)
			cc_dns_msg_add_rr(r, CC_DNS_SEC_AN, f->name, f->type,
					  60, f->text, NULL);
	}
	if (!found && !ends_with(name, "example.test.") &&
	    !ends_with(name, "noglue.test.") &&
	    !ends_with(name, "walk.test.")) {
		r->flags |= CC_DNS_REFUSED;
		return 0;
	}
	if (!found)
		rcode = CC_DNS_NXDOMAIN;
	r->flags |= rcode;
	if (r->nan == 0 && ends_with(name, "example.test."))
		cc_dns_msg_add_rr(r, CC_DNS_SEC_NS, "example.test.",
				  CC_DNS_SOA, 60, fake_zone[0].text, NULL);
	/* glue for example.test only */
	if (q->qtype == CC_DNS_NS && cc_dns_name_equal(name, "example.test."))
		cc_dns_msg_add_rr(r, CC_DNS_SEC_AR, "ns1.example.test.",
				  CC_DNS_A, 60, "127.0.0.1", NULL);
	return 0;
}

/* Build the answer to the query in; 0 with out filled, -1 for none. */
static int fake_answer(const unsigned char *in, size_t len, int tcp,
		       struct cc_buf *out, int *edns_out)
{
	struct cc_dns_msg q = CC_DNS_MSG_INIT, r = CC_DNS_MSG_INIT;
	size_t i;
	int edns = 0, rc = -1;

	if (cc_dns_msg_parse(in, len, &q, NULL) || (q.flags & CC_DNS_F_QR))
		goto out;
	for (i = 0; i < q.nar; i++)
		if (q.ar[i].type == CC_DNS_OPT)
			edns = 1;
	r.id = q.id;
	r.flags = CC_DNS_F_QR | CC_DNS_F_AA | (q.flags & CC_DNS_F_RD);
	if (q.qname)
		cc_dns_msg_set_question(&r, q.qname, q.qtype, NULL);
	if (edns && q.qname &&
	    cc_dns_name_equal(q.qname, "old.example.test.")) {
		r.flags |= CC_DNS_FORMERR;	/* an old server */
	} else if (fake_lookup(&q, &r) < 0) {
		goto out;
	}
	if (edns && !(r.flags & 0xf)) {
		cc_dns_msg_add_rr(&r, CC_DNS_SEC_AR, ".", CC_DNS_OPT, 0, NULL,
				  NULL);
		r.ar[r.nar - 1].rclass = CC_DNS_EDNS_SIZE;
	}
	if (cc_dns_msg_encode(&r, out, NULL))
		goto out;
	if (!tcp && out->len > (edns ? CC_DNS_EDNS_SIZE : 512u)) {
		/* too big for UDP: empty and truncated */
		cc_dns_msg_release(&r);
		r.id = q.id;
		r.flags = CC_DNS_F_QR | CC_DNS_F_AA | CC_DNS_F_TC;
		cc_dns_msg_set_question(&r, q.qname, q.qtype, NULL);
		cc_buf_reset(out);
		if (cc_dns_msg_encode(&r, out, NULL))
			goto out;
	}
	*edns_out = edns;
	rc = 0;
out:
	cc_dns_msg_release(&q);
	cc_dns_msg_release(&r);
	return rc;
}

static void fake_udp(int fd)
{
	unsigned char in[4096];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	struct cc_buf out = CC_BUF_INIT;
	struct cc_dns_msg q = CC_DNS_MSG_INIT;
	ssize_t n;
	int edns;

	n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);
	if (n <= 0)
		return;
	if (fake_answer(in, (size_t)n, 0, &out, &edns) == 0) {
		if (cc_dns_msg_parse(in, (size_t)n, &q, NULL) == 0 &&
		    cc_dns_name_equal(q.qname, "spoof.example.test.")) {
			/* a wrong ID with another value, then garbage */
			struct cc_dns_msg s = CC_DNS_MSG_INIT;
			struct cc_buf sb = CC_BUF_INIT;

			s.id = (q.id + 1) & 0xffff;
			s.flags = CC_DNS_F_QR;
			cc_dns_msg_set_question(&s, q.qname, q.qtype, NULL);
			cc_dns_msg_add_rr(&s, CC_DNS_SEC_AN, q.qname,
					  CC_DNS_TXT, 1, "spoofed", NULL);
			cc_dns_msg_encode(&s, &sb, NULL);
			sendto(fd, sb.data, sb.len, 0,
			       (struct sockaddr *)&from, fl);
			sendto(fd, "\x01\x02garbage", 9, 0,
			       (struct sockaddr *)&from, fl);
			/* the right ID for another question */
			s.id = q.id;
			cc_dns_msg_set_question(&s, "spoog.example.test.",
						q.qtype, NULL);
			cc_buf_reset(&sb);
			cc_dns_msg_encode(&s, &sb, NULL);
			sendto(fd, sb.data, sb.len, 0,
			       (struct sockaddr *)&from, fl);
			cc_dns_msg_release(&s);
			cc_buf_release(&sb);
		}
		sendto(fd, out.data, out.len, 0, (struct sockaddr *)&from, fl);
	}
	cc_dns_msg_release(&q);
	cc_buf_release(&out);
}

static int read_full(int fd, void *p, size_t len)
{
	size_t got = 0;
	ssize_t n;
	struct pollfd pfd = { fd, POLLIN, 0 };

	while (got < len) {
		if (poll(&pfd, 1, 2000) <= 0)
			return -1;
		n = read(fd, (char *)p + got, len - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static void fake_tcp(int lfd)
{
	unsigned char hdr[2], in[4096];
	struct cc_buf out = CC_BUF_INIT;
	size_t len;
	int fd, edns;

	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return;
	if (read_full(fd, hdr, 2) == 0) {
		len = (size_t)hdr[0] << 8 | hdr[1];
		if (len <= sizeof(in) && read_full(fd, in, len) == 0 &&
		    fake_answer(in, len, 1, &out, &edns) == 0) {
			hdr[0] = (unsigned char)(out.len >> 8);
			hdr[1] = (unsigned char)out.len;
			if (write(fd, hdr, 2) == 2 &&
			    write(fd, out.data, out.len) < 0)
				len = 0;
		}
	}
	cc_buf_release(&out);
	close(fd);
}

struct fake_dns {
	pid_t pid;
	unsigned port;
	char server[32];
};

static void fake_start(struct fake_dns *f)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct pollfd pfd[2];
	pid_t parent = getpid();
	int u = -1, t = -1, one = 1, tries;

	for (tries = 0; tries < 50; tries++) {
		u = socket(AF_INET, SOCK_DGRAM, 0);
		assert_true(u >= 0);
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(bind(u, (struct sockaddr *)&sa, sizeof(sa)),
				 0);
		assert_int_equal(getsockname(u, (struct sockaddr *)&sa, &sl),
				 0);
		t = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(t, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    listen(t, 16) == 0)
			break;
		close(u);
		close(t);
		u = t = -1;
	}
	assert_true(u >= 0 && t >= 0);
	f->port = ntohs(sa.sin_port);
	snprintf(f->server, sizeof(f->server), "127.0.0.1:%u", f->port);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		for (;;) {
			pfd[0].fd = u;
			pfd[1].fd = t;
			pfd[0].events = pfd[1].events = POLLIN;
			pfd[0].revents = pfd[1].revents = 0;
			if (poll(pfd, 2, 1000) < 0)
				_exit(1);
			if (getppid() != parent)
				_exit(0);
			if (pfd[0].revents & POLLIN)
				fake_udp(u);
			if (pfd[1].revents & POLLIN)
				fake_tcp(t);
		}
	}
	close(u);
	close(t);
}

static void fake_stop(struct fake_dns *f)
{
	int st;

	if (f->pid <= 0)
		return;
	kill(f->pid, SIGKILL);
	waitpid(f->pid, &st, 0);
	f->pid = 0;
}

/* ------------------------------------------------------------------ */
/* pebble-challtestsrv */

struct cts {
	pid_t pid;
	unsigned dns_port;
	unsigned mgmt_port;
	char server[32];
};

static struct fake_dns fake;
static struct cts cts;

static unsigned free_port(int type)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, type, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static int connect_port(unsigned port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* POST json to the management API; returns the HTTP status. */
static int cts_post(const char *path, const char *json)
{
	char req[1024], resp[512];
	size_t got = 0;
	ssize_t n;
	int fd, len, status = 0;

	fd = connect_port(cts.mgmt_port);
	assert_true(fd >= 0);
	len = snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nHost: 127.0.0"
		       ".1\r\nContent-Type: application/json\r\nContent-Leng"
		       "th: %zu\r\nConnection: close\r\n\r\n%s", path,
		       strlen(json), json);
	assert_true(len > 0 && (size_t)len < sizeof(req));
	assert_int_equal(write(fd, req, (size_t)len), len);
	while (got < sizeof(resp) - 1 &&
	       (n = read(fd, resp + got, sizeof(resp) - 1 - got)) > 0)
		got += (size_t)n;
	resp[got] = '\0';
	close(fd);
	sscanf(resp, "HTTP/1.%*d %d", &status);
	return status;
}

static void cts_set_txt(const char *host, const char *value)
{
	char json[512];

	snprintf(json, sizeof(json), "{\"host\":\"%s\",\"value\":\"%s\"}",
		 host, value);
	assert_int_equal(cts_post("/set-txt", json), 200);
}

static void cts_clear_txt(const char *host)
{
	char json[512];

	snprintf(json, sizeof(json), "{\"host\":\"%s\"}", host);
	assert_int_equal(cts_post("/clear-txt", json), 200);
}

static void cts_start(void)
{
	char dns[32], mgmt[32];
	int fd = -1, i, devnull;

	if (access("/usr/bin/pebble-challtestsrv", X_OK) != 0)
		return;
	cts.dns_port = free_port(SOCK_DGRAM);
	cts.mgmt_port = free_port(SOCK_STREAM);
	snprintf(dns, sizeof(dns), "127.0.0.1:%u", cts.dns_port);
	snprintf(mgmt, sizeof(mgmt), "127.0.0.1:%u", cts.mgmt_port);
	snprintf(cts.server, sizeof(cts.server), "127.0.0.1:%u", cts.dns_port);
	cts.pid = fork();
	assert_true(cts.pid >= 0);
	if (cts.pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execl("/usr/bin/pebble-challtestsrv", "pebble-challtestsrv",
		      "-dns01", dns, "-management", mgmt, "-http01", "",
		      "-https01", "", "-tlsalpn01", "", (char *)NULL);
		_exit(127);
	}
	/* wait (bounded) until the management API and DNS answer */
	for (i = 0; i < 200; i++) {
		fd = connect_port(cts.mgmt_port);
		if (fd >= 0)
			break;
		nap_ms(25);
	}
	assert_true(fd >= 0);
	close(fd);
}

static void cts_stop(void)
{
	int st;

	if (cts.pid <= 0)
		return;
	kill(cts.pid, SIGTERM);
	waitpid(cts.pid, &st, 0);
	cts.pid = 0;
}

static int group_setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	fake_start(&fake);
	cts_start();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fake_stop(&fake);
	cts_stop();
	return 0;
}

#define NEED_CTS()                                                     \
	do {                                                           \
		if (cts.pid <= 0) {                                    \
			print_message("pebble-challtestsrv missing\n"); \
			skip();                                        \
		}                                                      \
	} while (0)

/* ------------------------------------------------------------------ */
/* Queries against the fake server */

static int list_has(const struct cc_strlist *l, const char *s)
{
	return cc_strlist_has(l, s);
}

static void dnsq_fake_txt(void **state)
{
	struct cc_strlist l = CC_STRLIST_INIT;
	struct cc_dnsq_opts o = { 1000, 1, 0, 0 };
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	assert_int_equal(cc_dnsq_txt(fake.server, "_acme-challenge.example."
				     "test", 0, &o, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_true(list_has(&l, "value-one"));
	assert_true(list_has(&l, "value-two"));
	cc_strlist_release(&l);
	/* NXDOMAIN: empty, not an error */
	assert_int_equal(cc_dnsq_txt(fake.server, "none.example.test.", 0, &o,
				     &l, NULL), 0);
	assert_int_equal(l.n, 0);
	/* REFUSED is */
	assert_int_equal(cc_dnsq_txt(fake.server, "elsewhere.org.", 0, &o, &l,
				     &err), CC_ENET);
	assert_non_null(strstr(err.msg, "REFUSED"));
	/* a chain of CNAMEs in one answer is not chased by the server here */
	assert_int_equal(cc_dnsq_txt(fake.server, "c3.example.test.", 0, &o,
				     &l, NULL), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "at-c3");
	cc_strlist_release(&l);
	/* other types */
	assert_int_equal(cc_dnsq_values(fake.server, "ns1.example.test.",
					CC_DNS_A, 0, &o, &l, NULL), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "127.0.0.1");
	cc_strlist_release(&l);
	assert_int_equal(cc_dnsq_values(fake.server, "example.test.",
					CC_DNS_SOA, 0, &o, &l, NULL), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "ns1.example.test. hostmaster.example."
			    "test. 1 7200 900 1209600 300");
	cc_strlist_release(&l);
	assert_int_equal(cc_dnsq_values(fake.server, "c1.example.test.",
					CC_DNS_CNAME, 0, &o, &l, NULL), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "c2.example.test.");
	cc_strlist_release(&l);
	assert_int_equal(cc_dnsq_values(fake.server, "example.test.",
					CC_DNS_AAAA, 0, &o, &l, NULL), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(cc_dns_wait_txt(NULL, 1, NULL, &err), CC_EINVAL);
}

static void dnsq_fake_tcp_fallback(void **state)
{
	struct cc_strlist l = CC_STRLIST_INIT;
	struct cc_dns_msg m = CC_DNS_MSG_INIT;

	(void)state;
	assert_int_equal(cc_dnsq_txt(fake.server, "big.example.test.", 1,
				     NULL, &l, NULL), 0);
	assert_int_equal(l.n, 40);
	assert_true(list_has(&l, "value-39-012345678901234567890123456789"
			     "01234567890123456789"));
	cc_strlist_release(&l);
	/* without EDNS too */
	assert_int_equal(cc_dnsq_query(fake.server, "big.example.test.",
				       CC_DNS_TXT, 0,
				       &(struct cc_dnsq_opts){ 0, 0, 0, 1 },
				       &m, NULL), 0);
	assert_int_equal(m.nan, 40);
	assert_false(m.flags & CC_DNS_F_TC);
	cc_dns_msg_release(&m);
}

static void dnsq_fake_checks_id(void **state)
{
	struct cc_strlist l = CC_STRLIST_INIT;
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		assert_int_equal(cc_dnsq_txt(fake.server, "spoof.example.test.",
					     0, NULL, &l, NULL), 0);
		assert_int_equal(l.n, 1);
		assert_string_equal(l.v[0], "genuine");
		cc_strlist_release(&l);
	}
}

static void dnsq_fake_edns_downgrade(void **state)
{
	struct cc_strlist l = CC_STRLIST_INIT;

	(void)state;
	assert_int_equal(cc_dnsq_txt(fake.server, "old.example.test.", 0, NULL,
				     &l, NULL), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "old-value");
	cc_strlist_release(&l);
}

static void dnsq_timeouts_bounded(void **state)
{
	struct cc_dns_msg m = CC_DNS_MSG_INIT;
	struct cc_dnsq_opts o = { 150, 2, 0, 0 };
	struct cc_err err = CC_ERR_INIT;
	char closed[32];
	long long t0;

	(void)state;
	t0 = now_ms();
	assert_int_equal(cc_dnsq_query(fake.server, "silent.example.test.",
				       CC_DNS_A, 0, &o, &m, &err), CC_ENET);
	assert_non_null(strstr(err.msg, "no answer from dns server"));
	assert_non_null(strstr(err.msg, "2 tries"));
	assert_true(now_ms() - t0 >= 250);
	assert_true(now_ms() - t0 < 3000);
	/* nobody on that port: refused at once */
	snprintf(closed, sizeof(closed), "127.0.0.1:%u",
		 free_port(SOCK_DGRAM));
	t0 = now_ms();
	assert_int_equal(cc_dnsq_query(closed, "a.test.", CC_DNS_A, 0, &o, &m,
				       &err), CC_ENET);
	assert_true(now_ms() - t0 < 3000);
	/* bad server strings */
	assert_int_equal(cc_dnsq_query("example.com", "a.", 1, 0, NULL, &m,
				       &err), CC_EINVAL);
	assert_int_equal(cc_dnsq_query("127.0.0.1:70000", "a.", 1, 0, NULL, &m,
				       &err), CC_EINVAL);
	assert_int_equal(cc_dnsq_query("[::1", "a.", 1, 0, NULL, &m, &err),
			 CC_EINVAL);
	assert_int_equal(cc_dnsq_resolve(NULL, 0, "a.", 1, NULL, &m, &err),
			 CC_EINVAL);
}

static void dnsq_find_zone(void **state)
{
	const char *r[] = { fake.server };
	const char *two[] = { "127.0.0.1:1", fake.server };
	struct cc_dnsq_opts o = { 300, 1, 0, 0 };
	struct cc_err err = CC_ERR_INIT;
	char *zone = NULL;

	(void)state;
	assert_int_equal(cc_dnsq_find_zone(r, 1, "_acme-challenge.www.example"
					   ".test", &o, &zone, &err), 0);
	assert_string_equal(zone, "example.test.");
	free(zone);
	assert_int_equal(cc_dnsq_find_zone(r, 1, "example.test.", &o, &zone,
					   NULL), 0);
	assert_string_equal(zone, "example.test.");
	free(zone);
	/* no SOA in negative answers: walk up label by label */
	assert_int_equal(cc_dnsq_find_zone(r, 1, "a.b.walk.test.", &o, &zone,
					   NULL), 0);
	assert_string_equal(zone, "walk.test.");
	free(zone);
	/* the first resolver does not answer: the second does */
	assert_int_equal(cc_dnsq_find_zone(two, 2, "x.example.test.", &o,
					   &zone, NULL), 0);
	assert_string_equal(zone, "example.test.");
	free(zone);
	assert_int_equal(cc_dnsq_find_zone(r, 1, "a.nosoa.test.", &o, &zone,
					   &err), CC_ENOENT);
	assert_null(zone);
	assert_non_null(strstr(err.msg, "cannot find the dns zone of "
			       "a.nosoa.test."));
	assert_int_equal(cc_dnsq_find_zone(r, 1, "fail.test.", &o, &zone,
					   &err), CC_ENET);
	assert_non_null(strstr(err.msg, "SERVFAIL"));
	assert_int_equal(cc_dnsq_find_zone(r, 1, "bad..name", &o, &zone,
					   &err), CC_EINVAL);
}

static void dnsq_zone_servers(void **state)
{
	const char *r[] = { fake.server };
	struct cc_dnsq_opts o = { 300, 1, 0, 0 };
	struct cc_dnsq_nslist ns = CC_DNSQ_NSLIST_INIT;
	char want[32];

	(void)state;
	o.ns_port = fake.port;
	snprintf(want, sizeof(want), "127.0.0.1:%u", fake.port);
	/* from the glue */
	assert_int_equal(cc_dnsq_zone_servers(r, 1, "example.test.", &o, &ns,
					      NULL), 0);
	assert_int_equal(ns.n, 1);
	assert_string_equal(ns.v[0].name, "ns1.example.test.");
	assert_int_equal(ns.v[0].addrs.n, 1);
	assert_string_equal(ns.v[0].addrs.v[0], want);
	cc_dnsq_nslist_release(&ns);
	/* asked separately; a name server without address is left out */
	o.ns_port = 0;
	assert_int_equal(cc_dnsq_zone_servers(r, 1, "noglue.test.", &o, &ns,
					      NULL), 0);
	assert_int_equal(ns.n, 1);
	assert_string_equal(ns.v[0].addrs.v[0], "127.0.0.1");
	cc_dnsq_nslist_release(&ns);
	assert_int_equal(cc_dnsq_zone_servers(r, 1, "walk.test.", &o, &ns,
					      NULL), CC_ENOENT);
	assert_int_equal(ns.n, 0);
}

static void dnsq_follow_cname_fake(void **state)
{
	const char *r[] = { fake.server };
	struct cc_err err = CC_ERR_INIT;
	char *t = NULL;

	(void)state;
	assert_int_equal(cc_dnsq_follow_cname(r, 1, "c1.example.test", NULL,
					      &t, NULL), 0);
	assert_string_equal(t, "C3.example.test.");
	free(t);
	assert_int_equal(cc_dnsq_follow_cname(r, 1, "_acme-challenge.example"
					      ".test", NULL, &t, NULL), 0);
	assert_string_equal(t, "_acme-challenge.example.test.");
	free(t);
	assert_int_equal(cc_dnsq_follow_cname(r, 1, "l1.example.test.", NULL,
					      &t, &err), CC_EINVAL);
	assert_null(t);
	assert_non_null(strstr(err.msg, "cname loop"));
}

static void dnsq_wait_authoritative(void **state)
{
	const char *r[] = { fake.server };
	struct cc_dnsq_opts q = { 300, 1, 0, 0 };
	struct cc_dns_expect ex[] = {
		{ "_acme-challenge.example.test.", "value-one" },
		{ "_acme-challenge.EXAMPLE.test", "value-two" },
		{ "_acme-challenge.example.test.", "value-three" },
	};
	struct cc_dns_wait_opts o;
	struct cc_clock c;
	struct fclock fc;
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	q.ns_port = fake.port;
	fc_init(&fc, &c);
	memset(&o, 0, sizeof(o));
	o.resolvers = r;
	o.nresolvers = 1;
	o.clock = &c;
	o.q = &q;
	o.timeout = 30;
	assert_int_equal(cc_dns_wait_txt(ex, 2, &o, &err), 0);
	assert_int_equal(fc.sleeps, 0);
	/* value-three never shows up */
	assert_int_equal(cc_dns_wait_txt(ex, 3, &o, &err), CC_EPENDING);
	assert_string_equal(err.msg, "TXT record for _acme-challenge.example"
			    ".test. not visible at 1 of 1 servers after 30 s");
	assert_true(fc.slept_ms >= 30000 && fc.slept_ms < 31000);
	/* discovery failures come back at once */
	fc_init(&fc, &c);
	ex[0].fqdn = "x.nosoa.test.";
	assert_int_equal(cc_dns_wait_txt(ex, 1, &o, &err), CC_ENOENT);
	assert_int_equal(fc.sleeps, 0);
}

/* ------------------------------------------------------------------ */
/* Live against pebble-challtestsrv */

static void dnsq_cts_txt_values(void **state)
{
	struct cc_strlist l = CC_STRLIST_INIT;

	(void)state;
	NEED_CTS();
	cts_set_txt("_acme-challenge.a.test.", "first-value");
	cts_set_txt("_acme-challenge.a.test.", "second-value");
	assert_int_equal(cc_dnsq_txt(cts.server, "_acme-challenge.a.test.", 1,
				     NULL, &l, NULL), 0);
	assert_int_equal(l.n, 2);
	assert_true(list_has(&l, "first-value"));
	assert_true(list_has(&l, "second-value"));
	cc_strlist_release(&l);
	cts_clear_txt("_acme-challenge.a.test.");
	assert_int_equal(cc_dnsq_txt(cts.server, "_acme-challenge.a.test.", 1,
				     NULL, &l, NULL), 0);
	assert_int_equal(l.n, 0);
}

static void add_on_third_sleep(struct fclock *fc)
{
	if (fc->sleeps == 3)
		cts_set_txt("_acme-challenge.w.test.", "late-value");
}

static void dnsq_cts_wait_success(void **state)
{
	const char *servers[1];
	struct cc_dns_expect ex[] = {
		{ "_acme-challenge.w.test.", "early-value" },
		{ "_acme-challenge.w.test.", "late-value" },
	};
	struct cc_dns_wait_opts o;
	struct cc_clock c;
	struct fclock fc;
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	NEED_CTS();
	servers[0] = cts.server;
	cts_set_txt("_acme-challenge.w.test.", "early-value");
	fc_init(&fc, &c);
	fc.on_sleep = add_on_third_sleep;
	memset(&o, 0, sizeof(o));
	o.servers = servers;
	o.nservers = 1;
	o.clock = &c;
	o.initial_ms = 500;
	o.max_ms = 1500;
	assert_int_equal(cc_dns_wait_txt(ex, 2, &o, &err), 0);
	/* both values needed: done in the round after the third sleep */
	assert_int_equal(fc.sleeps, 3);
	assert_int_equal(fc.delays[0], 500);
	assert_int_equal(fc.delays[1], 1000);
	assert_int_equal(fc.delays[2], 1500);
	cts_clear_txt("_acme-challenge.w.test.");
}

static void dnsq_cts_wait_timeout(void **state)
{
	const char *servers[2];
	struct cc_dns_expect ex[] = {
		{ "_acme-challenge.t.test.", "present" },
	};
	struct cc_dns_wait_opts o;
	struct cc_dnsq_opts q = { 300, 1, 0, 0 };
	struct cc_clock c;
	struct fclock fc;
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	NEED_CTS();
	fc_init(&fc, &c);
	memset(&o, 0, sizeof(o));
	servers[0] = cts.server;
	o.servers = servers;
	o.nservers = 1;
	o.clock = &c;
	o.q = &q;
	o.timeout = 10;
	o.max_ms = 4000;
	assert_int_equal(cc_dns_wait_txt(ex, 1, &o, &err), CC_EPENDING);
	assert_string_equal(err.msg, "TXT record for _acme-challenge.t.test. "
			    "not visible at 1 of 1 servers after 10 s");
	/* 1 + 2 + 4 + 3 (the rest of the budget) */
	assert_int_equal(fc.sleeps, 4);
	assert_int_equal(fc.delays[2], 4000);
	assert_int_equal(fc.delays[3], 3000);
	assert_int_equal(fc.slept_ms, 10000);
	/* present at one of two servers (the fake one refuses the name) */
	cts_set_txt("_acme-challenge.t.test.", "present");
	servers[1] = fake.server;
	o.nservers = 2;
	fc_init(&fc, &c);
	assert_int_equal(cc_dns_wait_txt(ex, 1, &o, &err), CC_EPENDING);
	assert_non_null(strstr(err.msg, "not visible at 1 of 2 servers after "
			       "10 s (last error: "));
	assert_non_null(strstr(err.msg, "REFUSED"));
	o.nservers = 1;
	fc_init(&fc, &c);
	assert_int_equal(cc_dns_wait_txt(ex, 1, &o, &err), 0);
	assert_int_equal(fc.sleeps, 0);
	cts_clear_txt("_acme-challenge.t.test.");
}

static void dnsq_cts_cname(void **state)
{
	const char *r[1];
	struct cc_strlist l = CC_STRLIST_INIT;
	char *t = NULL;

	(void)state;
	NEED_CTS();
	r[0] = cts.server;
	assert_int_equal(cts_post("/set-cname", "{\"host\":\"_acme-challenge."
				  "alias.test.\",\"target\":\"_acme-challenge."
				  "real.test.\"}"), 200);
	cts_set_txt("_acme-challenge.real.test.", "via-cname");
	assert_int_equal(cc_dnsq_follow_cname(r, 1, "_acme-challenge.alias."
					      "test", NULL, &t, NULL), 0);
	assert_string_equal(t, "_acme-challenge.real.test.");
	free(t);
	/* a TXT query at the alias gets the target's values */
	assert_int_equal(cc_dnsq_txt(cts.server, "_acme-challenge.alias.test.",
				     1, NULL, &l, NULL), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "via-cname");
	cc_strlist_release(&l);
	assert_int_equal(cts_post("/clear-cname", "{\"host\":\"_acme-challen"
				  "ge.alias.test.\"}"), 200);
	cts_clear_txt("_acme-challenge.real.test.");
	assert_int_equal(cc_dnsq_follow_cname(r, 1, "_acme-challenge.alias."
					      "test", NULL, &t, NULL), 0);
	assert_string_equal(t, "_acme-challenge.alias.test.");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dnsq_msg_roundtrip),
		cmocka_unit_test(dnsq_encode_rejects),
		cmocka_unit_test(dnsq_parse_compression),
		cmocka_unit_test(dnsq_parse_rejects),
		cmocka_unit_test(dnsq_parse_fuzz),
		cmocka_unit_test(dnsq_resolvers_file),
		cmocka_unit_test(dnsq_fake_txt),
		cmocka_unit_test(dnsq_fake_tcp_fallback),
		cmocka_unit_test(dnsq_fake_checks_id),
		cmocka_unit_test(dnsq_fake_edns_downgrade),
		cmocka_unit_test(dnsq_timeouts_bounded),
		cmocka_unit_test(dnsq_find_zone),
		cmocka_unit_test(dnsq_zone_servers),
		cmocka_unit_test(dnsq_follow_cname_fake),
		cmocka_unit_test(dnsq_wait_authoritative),
		cmocka_unit_test(dnsq_cts_txt_values),
		cmocka_unit_test(dnsq_cts_wait_success),
		cmocka_unit_test(dnsq_cts_wait_timeout),
		cmocka_unit_test(dnsq_cts_cname),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
