/*
 * Challenge solvers: items and records, webroot, the standalone responder
 * (talked to with plain sockets on 127.0.0.1), the dns hook (shell scripts
 * written by the tests), manual instructions and the provider solver with
 * a test provider.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fsutil.h"
#include "jws.h"
#include "solver.h"
#include "testpki.h"
#include "util.h"

#define KA1 "tok-Apex_1.thumbprint-one"
#define KA2 "tokWild2.thumbprint-two"

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

static char *read_text(const char *path)
{
	struct cc_buf b = CC_BUF_INIT;

	if (cc_read_file(path, &b, NULL))
		return NULL;
	return cc_buf_detach(&b, NULL);
}

/* Two http-01 items (tokens tok-Apex_1, tokWild2). */
static void http_items(struct cc_chal_list *l)
{
	assert_int_equal(cc_chal_list_add(l, "example.com", 0, "http-01",
					  "tok-Apex_1", KA1, NULL), 0);
	assert_int_equal(cc_chal_list_add(l, "www.example.com", 0, "http-01",
					  "tokWild2", KA2, NULL), 0);
}

/* Apex and wildcard of example.com: two values on one name. */
static void dns_items(struct cc_chal_list *l)
{
	assert_int_equal(cc_chal_list_add(l, "example.com", 0, "dns-01",
					  "tok-Apex_1", KA1, NULL), 0);
	assert_int_equal(cc_chal_list_add(l, "*.example.com", 0, "dns-01",
					  "tokWild2", KA2, NULL), 0);
}

struct rec_log {
	int calls;
	int fail;
	char last[512];
};

static int rec_cb(void *arg, const struct cc_chal_item *it,
		  struct cc_err *err)
{
	struct rec_log *rl = arg;

	rl->calls++;
	snprintf(rl->last, sizeof(rl->last), "%s",
		 it->record ? it->record : "(cleared)");
	if (rl->fail)
		return cc_err_set(err, CC_EIO, "cannot persist");
	return CC_OK;
}

/* ------------------------------------------------------------------ */
/* Items and records */

static void solver_item_values(void **state)
{
	struct cc_chal_item it;
	struct cc_buf ka = CC_BUF_INIT, txt = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	EVP_PKEY *key = tp_key_ec();

	(void)state;
	assert_int_equal(cc_jws_key_authorization(key, "Abc-_9", &ka, NULL),
			 0);
	assert_int_equal(cc_jws_dns01_value(key, "Abc-_9", &txt, NULL), 0);
	assert_int_equal(cc_chal_item_init(&it, "*.Example.org", 0, "dns-01",
					   "Abc-_9", ka.data, &err), 0);
	assert_string_equal(it.identifier, "Example.org");
	assert_int_equal(it.wildcard, 1);
	assert_string_equal(it.dns_name, "_acme-challenge.Example.org.");
	/* the same value lib/jws.c computes from the key */
	assert_string_equal(it.txt_value, txt.data);
	assert_null(it.record);
	assert_null(it.zone);
	cc_chal_item_release(&it);
	assert_int_equal(cc_chal_item_init(&it, "192.0.2.1", 0, "http-01",
					   "Abc-_9", ka.data, NULL), 0);
	assert_null(it.dns_name);
	assert_null(it.txt_value);
	cc_chal_item_release(&it);
	cc_chal_item_release(&it);	/* twice is fine */
	cc_buf_release(&ka);
	cc_buf_release(&txt);
	EVP_PKEY_free(key);
}

static void solver_item_rejects(void **state)
{
	static const struct {
		const char *id, *type, *token, *ka, *msg;
	} bad[] = {
		{ "a.com", "http-01", "../../etc/passwd", "x.y", "token" },
		{ "a.com", "http-01", "a/b", "a/b.y", "token" },
		{ "a.com", "http-01", "", ".y", "token" },
		{ "a.com", "http-01", "tok%2e", "tok%2e.y", "token" },
		{ "a.com", "tls-alpn-01", "tok", "tok.y", "unsupported" },
		{ "a.com", "http-01", "tok", "other.y", "key authorization" },
		{ "a.com", "http-01", "tok", "tok.", "key authorization" },
		{ "a.com", "http-01", "tok", "tok.y\nz", "key authorization" },
		{ "192.0.2.1", "dns-01", "tok", "tok.y", "IP address" },
		{ "*.a.com", "http-01", "tok", "tok.y", "wildcard" },
		{ "a/b.com", "http-01", "tok", "tok.y", "identifier" },
		{ "a..com", "dns-01", "tok", "tok.y", "identifier" },
		{ "", "dns-01", "tok", "tok.y", "identifier" },
	};
	struct cc_chal_item it;
	struct cc_err err = CC_ERR_INIT;
	char longtok[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cc_chal_item_init(&it, bad[i].id, 0,
						   bad[i].type, bad[i].token,
						   bad[i].ka, &err), CC_EINVAL);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("case %zu: '%s'", i, err.msg);
		assert_null(it.identifier);
	}
	memset(longtok, 'a', 513);
	longtok[513] = '\0';
	assert_false(cc_chal_token_valid(longtok));
	longtok[512] = '\0';
	assert_true(cc_chal_token_valid(longtok));
	assert_false(cc_chal_token_valid(NULL));
	assert_false(cc_chal_token_valid("a.b"));
}

static void solver_record_format(void **state)
{
	struct cc_solver *s;
	struct cc_chal_list l = CC_CHAL_LIST_INIT;
	struct rec_log rl;
	char name[32], *v = NULL, *dir = tp_mkdtemp(), odd[512], want[600];

	(void)state;
	memset(&rl, 0, sizeof(rl));
	dns_items(&l);
	assert_int_equal(cc_solver_manual_new(&s, "dns-01", NULL), 0);
	cc_solver_set_record_cb(s, rec_cb, &rl);
	assert_int_equal(cc_solver_publish(s, l.v, 1, NULL), 0);
	assert_int_equal(rl.calls, 1);
	assert_string_equal(rl.last, l.v[0].record);
	assert_int_equal(cc_chal_record_solver(l.v[0].record, name,
					       sizeof(name)), 0);
	assert_string_equal(name, "dns-manual");
	assert_int_equal(cc_chal_record_get(l.v[0].record, "fqdn", &v), 0);
	assert_string_equal(v, "_acme-challenge.example.com.");
	free(v);
	assert_int_equal(cc_chal_record_get(l.v[0].record, "value", &v), 0);
	assert_string_equal(v, l.v[0].txt_value);
	free(v);
	assert_int_equal(cc_chal_record_get(l.v[0].record, "nope", &v), 0);
	assert_null(v);
	cc_solver_free(s);
	cc_chal_list_release(&l);

	/* odd bytes in values survive the round trip, on one line */
	snprintf(odd, sizeof(odd), "%s/we b%%r=o\tot\n", dir);
	assert_int_equal(mkdir(odd, 0700), 0);
	http_items(&l);
	assert_int_equal(cc_solver_webroot_new(&s, odd, NULL), 0);
	assert_int_equal(cc_solver_publish(s, l.v, 1, NULL), 0);
	assert_null(strchr(l.v[0].record, '\n'));
	assert_null(strstr(l.v[0].record, "we b"));	/* space encoded */
	assert_null(strchr(l.v[0].record, '\t'));
	assert_int_equal(cc_chal_record_get(l.v[0].record, "path", &v), 0);
	snprintf(want, sizeof(want), "%s/.well-known/acme-challenge/"
		 "tok-Apex_1", odd);
	assert_string_equal(v, want);
	assert_true(cc_exists(v));
	free(v);
	assert_int_equal(cc_solver_cleanup(s, l.v, 1, NULL), 0);
	assert_false(cc_exists(want));
	cc_solver_free(s);
	cc_chal_list_release(&l);

	assert_int_equal(cc_chal_record_solver(NULL, name, sizeof(name)),
			 CC_EINVAL);
	assert_int_equal(cc_chal_record_solver("Bad!", name, sizeof(name)),
			 CC_EINVAL);
	assert_int_equal(cc_chal_record_get("x a%20b=%41%zz b=1", "a b", &v),
			 0);
	assert_null(v);	/* keys never hold spaces */
	assert_int_equal(cc_chal_record_get("x k=%41%zz%2 b=1", "k", &v), 0);
	assert_string_equal(v, "A%zz%2");
	free(v);
	tp_rmtree(dir);
	free(dir);
}

static void solver_interface_rules(void **state)
{
	struct cc_solver *http, *dns;
	struct cc_chal_list l = CC_CHAL_LIST_INIT;
	struct cc_err err = CC_ERR_INIT;
	struct rec_log rl;
	char *first;

	(void)state;
	memset(&rl, 0, sizeof(rl));
	http_items(&l);
	assert_int_equal(cc_solver_manual_new(&dns, "tls-alpn-01", &err),
			 CC_EINVAL);
	assert_null(dns);
	assert_int_equal(cc_solver_manual_new(&http, "http-01", NULL), 0);
	assert_int_equal(cc_solver_manual_new(&dns, "dns-01", NULL), 0);
	assert_string_equal(cc_solver_name(http), "http-manual");
	assert_string_equal(cc_solver_type(dns), "dns-01");
	/* wrong type: nothing is done */
	assert_int_equal(cc_solver_publish(dns, l.v, 2, &err), CC_EINVAL);
	assert_non_null(strstr(err.msg, "cannot solve the http-01 challenge "
			       "for example.com"));
	assert_null(l.v[0].record);
	cc_solver_set_record_cb(http, rec_cb, &rl);
	assert_int_equal(cc_solver_publish(http, l.v, 1, NULL), 0);
	assert_int_equal(rl.calls, 1);
	first = l.v[0].record;
	/* already published items are skipped */
	assert_int_equal(cc_solver_publish(http, l.v, 2, NULL), 0);
	assert_int_equal(rl.calls, 2);
	assert_ptr_equal(l.v[0].record, first);
	assert_int_equal(l.v[1].manual, 1);
	/* another solver's record is refused by publish, ignored by cleanup */
	free(l.v[1].record);
	l.v[1].record = strdup("webroot path=/x/.well-known/acme-challenge/"
			       "tokWild2");
	assert_int_equal(cc_solver_publish(http, l.v, 2, &err), CC_EINVAL);
	assert_non_null(strstr(err.msg, "already published by another "
			       "solver"));
	assert_int_equal(cc_solver_cleanup(http, l.v, 2, NULL), 0);
	assert_null(l.v[0].record);
	assert_int_equal(l.v[0].manual, 0);
	assert_non_null(l.v[1].record);
	assert_int_equal(rl.calls, 3);
	assert_string_equal(rl.last, "(cleared)");
	cc_solver_free(http);
	cc_solver_free(dns);
	cc_solver_free(NULL);
	cc_chal_list_release(&l);
}

/* ------------------------------------------------------------------ */
/* Webroot */

static void solver_webroot_publish_cleanup(void **state)
{
	struct cc_solver *s;
	struct cc_chal_list l = CC_CHAL_LIST_INIT;
	struct rec_log rl;
	struct stat st;
	char *root = tp_mkdtemp(), p1[512], p2[512], wk[512], ac[512];
	char rootsl[512];
	char *text, *v = NULL;
	mode_t old;

	(void)state;
	memset(&rl, 0, sizeof(rl));
	http_items(&l);
	snprintf(wk, sizeof(wk), "%s/.well-known", root);
	snprintf(ac, sizeof(ac), "%s/acme-challenge", wk);
	snprintf(p1, sizeof(p1), "%s/tok-Apex_1", ac);
	snprintf(p2, sizeof(p2), "%s/tokWild2", ac);
	snprintf(rootsl, sizeof(rootsl), "%s//", root);
	assert_int_equal(cc_solver_webroot_new(&s, rootsl, NULL), 0);
	cc_solver_set_record_cb(s, rec_cb, &rl);
	old = umask(077);	/* the modes must not depend on the umask */
	assert_int_equal(cc_solver_publish(s, l.v, 2, NULL), 0);
	umask(old);
	assert_int_equal(rl.calls, 2);
	text = read_text(p1);
	assert_string_equal(text, KA1);
	free(text);
	text = read_text(p2);
	assert_string_equal(text, KA2);
	free(text);
	assert_int_equal(stat(p1, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(stat(ac, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(wk, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	/* the first item created both directories, the second none */
	assert_int_equal(cc_chal_record_get(l.v[0].record, "path", &v), 0);
	assert_string_equal(v, p1);
	free(v);
	assert_int_equal(cc_chal_record_get(l.v[0].record, "mkdir1", &v), 0);
	assert_string_equal(v, wk);
	free(v);
	assert_int_equal(cc_chal_record_get(l.v[1].record, "mkdir1", &v), 0);
	assert_null(v);
	assert_int_equal(cc_solver_cleanup(s, l.v, 2, NULL), 0);
	assert_false(cc_exists(p1));
	assert_false(cc_exists(p2));
	assert_false(cc_exists(ac));
	assert_false(cc_exists(wk));
	assert_true(cc_exists(root));
	assert_null(l.v[0].record);
	assert_null(l.v[1].record);
	assert_int_equal(rl.calls, 4);
	cc_solver_free(s);
	cc_chal_list_release(&l);
	tp_rmtree(root);
	free(root);
}

static void solver_webroot_keeps_foreign(void **state)
{
	struct cc_solver *s;
	struct cc_chal_list l = CC_CHAL_LIST_INIT;
	char *root = tp_mkdtemp(), ac[512], other[512], p1[512];

	(void)state;
	http_items(&l);
	snprintf(ac, sizeof(ac), "%s/.well-known/acme-challenge", root);
	snprintf(other, sizeof(other), "%s/keep-me", ac);
	snprintf(p1, sizeof(p1), "%s/tok-Apex_1", ac);
	assert_int_equal(cc_mkdir_p(ac, 0755, NULL), 0);
	tp_write_file(other, "x", 1);
	assert_int_equal(cc_solver_webroot_new(&s, root, NULL), 0);
	assert_int_equal(cc_solver_publish(s, l.v, 1, NULL), 0);
	assert_true(cc_exists(p1));
	assert_null(strstr(l.v[0].record, "mkdir"));
	assert_int_equal(cc_solver_cleanup(s, l.v, 1, NULL), 0);
	assert_false(cc_exists(p1));
	assert_true(cc_exists(other));
	cc_solver_free(s);
	cc_chal_list_release(&l);
	tp_rmtree(root);
	free(root);
}

static void solver_webroot_crash_cleanup(void **state)
{
	struct cc_solver *s;
	struct cc_chal_list l = CC_CHAL_LIST_INIT;
	struct cc_chal_item later[2];
	char *root = tp_mkdtemp(), wk[512];
	size_t i;

	(void)state;
	http_items(&l);
	snprintf(wk, sizeof(wk), "%s/.well-known", root);
	assert_int_equal(cc_solver_webroot_new(&s, root, NULL), 0);
	assert_int_equal(cc_solver_publish(s, l.v, 2, NULL), 0);
	cc_solver_free(s);
	/* a later run knows only what was persisted: records */
	memset(later, 0, sizeof(later));
	for (i = 0; i < 2; i++) {
		later[i].identifier = strdup(l.v[i].identifier);
		later[i].type = strdup("http-01");
		later[i].record = strdup(l.v[i].record);
	}
	assert_int_equal(cc_solver_webroot_new(&s, "/nonexistent-elsewhere",
					       NULL), 0);
	assert_int_equal(cc_solver_cleanup(s, later, 2, NULL), 0);
	assert_false(cc_exists(wk));
	assert_null(later[0].record);
	assert_null(later[1].record);
	cc_solver_free(s);
	for (i = 0; i < 2; i++)
		cc_chal_item_release(&later[i]);
	cc_chal_list_release(&l);
	tp_rmtree(root);
	free(root);
}

static void solver_webroot_rejects(void **state)
{
	struct cc_solver *s;
	struct cc_chal_list l = CC_CHAL_LIST_INIT;
	struct cc_err err = CC_ERR_INIT;
	struct rec_log rl;
	char *root = tp_mkdtemp(), victim[512], wk[512], rec[1200];

	(void)state;
	memset(&rl, 0, sizeof(rl));
	http_items(&l);
	snprintf(victim, sizeof(victim), "%s/victim", root);
	snprintf(wk, sizeof(wk), "%s/.well-known", root);
	tp_write_file(victim, "precious", 8);
	assert_int_equal(cc_solver_webroot_new(&s, root, NULL), 0);
	/* a token smuggled past cc_chal_item_init */
	free(l.v[0].token);
	l.v[0].token = strdup("../../victim");
	assert_int_equal(cc_solver_publish(s, l.v, 1, &err), CC_EINVAL);
	assert_non_null(strstr(err.msg, "invalid challenge token"));
	assert_false(cc_exists(wk));
	assert_null(l.v[0].record);
	/* a forged record does not make cleanup remove other files */
	snprintf(rec, sizeof(rec), "webroot path=%s", victim);
	l.v[0].record = strdup(rec);
	assert_int_equal(cc_solver_cleanup(s, l.v, 1, &err), CC_ECORRUPT);
	snprintf(rec, sizeof(rec), "webroot path=%s/.well-known/acme-"
		 "challenge/../../victim", root);
	free(l.v[0].record);
	l.v[0].record = strdup(rec);
	assert_int_equal(cc_solver_cleanup(s, l.v, 1, &err), CC_ECORRUPT);
	assert_true(cc_exists(victim));
	assert_non_null(l.v[0].record);	/* kept: not undone */
	cc_solver_free(s);
	/* a missing webroot */
	assert_int_equal(cc_solver_webroot_new(&s, wk, NULL), 0);
	assert_int_equal(cc_solver_publish(s, l.v + 1, 1, &err), CC_ENOENT);
	assert_non_null(strstr(err.msg, "is not a directory"));
	cc_solver_free(s);
	assert_int_equal(cc_solver_webroot_new(&s, "", &err), CC_EINVAL);
	/* a record that cannot be persisted stops publish first */
	assert_int_equal(cc_solver_webroot_new(&s, root, NULL), 0);
	rl.fail = 1;
	cc_solver_set_record_cb(s, rec_cb, &rl);
	assert_int_equal(cc_solver_publish(s, l.v + 1, 1, &err), CC_EIO);
	assert_false(cc_exists(wk));
	cc_solver_free(s);
	cc_chal_list_release(&l);
	tp_rmtree(root);
	free(root);
}

/* ------------------------------------------------------------------ */
/* Standalone */

static int sa_connect(unsigned port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), e;

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void send_str(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL),
			 (ssize_t)strlen(s));
}

/* Read one byte within 5 s: 1, 0 at EOF, -1 on error or timeout. */
static int read_byte(int fd, char *c)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	if (poll(&pfd, 1, 5000) <= 0)
		return -1;
	return (int)read(fd, c, 1) == 1 ? 1 : (errno = 0, 0);
}

/*
 * Read one response (head, then Content-Length bytes unless head_only).
 * Returns malloc'd "<status>\n<body>" plus the header block in *hdrs.
 */
static char *sa_response(int fd, int head_only, char **hdrs)
{
	struct cc_buf b = CC_BUF_INIT, out = CC_BUF_INIT;
	char c, *cl;
	long len = 0, i;
	int status = 0;

	while (!b.len || !strstr(b.data, "\r\n\r\n")) {
		if (read_byte(fd, &c) != 1 || b.len > 4096)
			goto fail;
		cc_buf_add(&b, &c, 1);
	}
	if (sscanf(b.data, "HTTP/1.1 %d ", &status) != 1)
		goto fail;
	cl = strstr(b.data, "Content-Length: ");
	if (cl)
		len = strtol(cl + 16, NULL, 10);
	cc_buf_addf(&out, "%d\n", status);
	for (i = 0; !head_only && i < len; i++) {
		if (read_byte(fd, &c) != 1)
			goto fail;
		cc_buf_add(&out, &c, 1);
	}
	if (hdrs)
		*hdrs = cc_buf_detach(&b, NULL);
	cc_buf_release(&b);
	return cc_buf_detach(&out, NULL);
fail:
	cc_buf_release(&b);
	cc_buf_release(&out);
	return NULL;
}

/* Send a request on fd and return "<status>\n<body>". */
static char *sa_req(int fd, const char *req)
{
	send_str(fd, req);
	return sa_response(fd, 0, NULL);
}

static void expect_eof(int fd)
{
	char c;

	assert_int_equal(read_byte(fd, &c), 0);
}

/* One GET on a new connection. */
static char *sa_get(unsigned port, const char *path)
{
	char req[512], *r;
	int fd = sa_connect(port);

	assert_true(fd >= 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: example.com\r\n"
		 "Connection: close\r\n\r\n", path);
	r = sa_req(fd, req);
	close(fd);
	return r;
}

#define ACME "/.well-known/acme-challenge/"

static void expect_get(unsigned port, const char *path, const char *want)
{
	char *r = sa_get(port, path);

	assert_non_null(r);
	assert_string_equal(r, want);
	free(r);
}

static void solver_standalone_serves(void **state)
{
	struct cc_solver *s;
	struct cc_chal_list l = CC_CHAL_LIST_INIT;
	char *r, *hdrs = NULL, big[8193];
	int fd, fds[8], i;
	unsigned port;

	(void)state;
	http_items(&l);
	assert_int_equal(cc_solver_standalone_new(&s, "127.0.0.1:0", NULL), 0);
	assert_int_equal(cc_solver_standalone_port(s), 0);
	/* two publish calls: the second adds to the first */
	assert_int_equal(cc_solver_publish(s, l.v, 1, NULL), 0);
	port = cc_solver_standalone_port(s);
	print_message("standalone responder on 127.0.0.1:%u\n", port);
	assert_true(port > 0);
	assert_non_null(strstr(l.v[0].record, "standalone listen=127.0.0.1:"));
	assert_int_equal(cc_solver_publish(s, l.v + 1, 1, NULL), 0);
	assert_int_equal(cc_solver_standalone_port(s), port);

	/* keep-alive: several requests on one connection */
	fd = sa_connect(port);
	assert_true(fd >= 0);
	send_str(fd, "GET " ACME "tok-Apex_1 HTTP/1.1\r\nHost: x\r\n\r\n");
	r = sa_response(fd, 0, &hdrs);
	assert_string_equal(r, "200\n" KA1);
	assert_non_null(strstr(hdrs, "Content-Type: text/plain\r\n"));
	free(r);
	free(hdrs);
	r = sa_req(fd, "GET " ACME "unknown HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_string_equal(r, "404\nnot found\n");
	free(r);
	/* HEAD: headers only (the next response must start cleanly) */
	send_str(fd, "HEAD " ACME "tokWild2 HTTP/1.1\r\nHost: x\r\n\r\n");
	r = sa_response(fd, 1, &hdrs);
	assert_string_equal(r, "200\n");
	assert_non_null(strstr(hdrs, "Content-Length: 23\r\n"));
	free(r);
	free(hdrs);
	/* pipelined */
	send_str(fd, "GET " ACME "tokWild2 HTTP/1.1\r\nHost: x\r\n\r\nGET "
		 ACME "tok-Apex_1 HTTP/1.1\r\nHost: x\r\n\r\n");
	r = sa_response(fd, 0, NULL);
	assert_string_equal(r, "200\n" KA2);
	free(r);
	r = sa_response(fd, 0, NULL);
	assert_string_equal(r, "200\n" KA1);
	free(r);
	/* Connection: close ends it */
	r = sa_req(fd, "GET " ACME "tokWild2 HTTP/1.1\r\nConnection: close"
		   "\r\n\r\n");
	assert_string_equal(r, "200\n" KA2);
	free(r);
	expect_eof(fd);
	close(fd);

	/* HTTP/1.0 closes unless asked to keep alive */
	fd = sa_connect(port);
	r = sa_req(fd, "GET " ACME "tok-Apex_1 HTTP/1.0\r\n\r\n");
	assert_string_equal(r, "200\n" KA1);
	free(r);
	expect_eof(fd);
	close(fd);
	fd = sa_connect(port);
	r = sa_req(fd, "GET " ACME "tok-Apex_1 HTTP/1.0\r\nConnection: Keep-"
		   "Alive\r\n\r\n");
	assert_string_equal(r, "200\n" KA1);
	free(r);
	r = sa_req(fd, "GET " ACME "tokWild2 HTTP/1.0\r\n\r\n");
	assert_string_equal(r, "200\n" KA2);
	free(r);
	expect_eof(fd);
	close(fd);

	/* only exact paths */
	expect_get(port, ACME "tok-Apex_1x", "404\nnot found\n");
	expect_get(port, ACME "../tok-Apex_1", "404\nnot found\n");
	expect_get(port, "/tok-Apex_1", "404\nnot found\n");
	expect_get(port, ACME "tok-Apex_1?x=1", "404\nnot found\n");
	expect_get(port, "http://example.com" ACME "tok-Apex_1",
		   "200\n" KA1);
	fd = sa_connect(port);
	r = sa_req(fd, "POST " ACME "tok-Apex_1 HTTP/1.1\r\nContent-Length: 3"
		   "\r\n\r\nabc");
	assert_string_equal(r, "404\nnot found\n");
	free(r);
	expect_eof(fd);
	close(fd);
	fd = sa_connect(port);
	r = sa_req(fd, "GET\r\n\r\n");
	assert_string_equal(r, "400\nbad request\n");
	free(r);
	close(fd);

	/* bounded request size */
	fd = sa_connect(port);
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', sizeof(big) - 6);
	big[sizeof(big) - 1] = '\0';
	send_str(fd, big);
	r = sa_response(fd, 0, NULL);
	assert_non_null(r);
	assert_string_equal(r, "431\nrequest too large\n");
	free(r);
	expect_eof(fd);
	close(fd);

	/* concurrent connections, one of them idle halfway a request */
	for (i = 0; i < 8; i++) {
		fds[i] = sa_connect(port);
		assert_true(fds[i] >= 0);
	}
	send_str(fds[0], "GET " ACME "tok-Ap");
	for (i = 7; i >= 1; i--)
		send_str(fds[i], "GET " ACME "tokWild2 HTTP/1.1\r\n\r\n");
	for (i = 1; i < 8; i++) {
		r = sa_response(fds[i], 0, NULL);
		assert_string_equal(r, "200\n" KA2);
		free(r);
	}
	r = sa_req(fds[0], "ex_1 HTTP/1.1\r\n\r\n");
	assert_string_equal(r, "200\n" KA1);
	free(r);
	for (i = 0; i < 8; i++)
		close(fds[i]);

	/* cleanup of one: the other is still served */
	assert_int_equal(cc_solver_cleanup(s, l.v, 1, NULL), 0);
	assert_null(l.v[0].record);
	expect_get(port, ACME "tok-Apex_1", "404\nnot found\n");
	expect_get(port, ACME "tokWild2", "200\n" KA2);
	/* cleanup of the last: stopped */
	assert_int_equal(cc_solver_cleanup(s, l.v, 2, NULL), 0);
	assert_int_equal(cc_solver_standalone_port(s), 0);
	assert_int_equal(sa_connect(port), -1);
	assert_int_equal(errno, ECONNREFUSED);
	/* and it can start again */
	assert_int_equal(cc_solver_publish(s, l.v, 2, NULL), 0);
	assert_true(cc_solver_standalone_port(s) > 0);
	expect_get(cc_solver_standalone_port(s), ACME "tokWild2",
		   "200\n" KA2);
	port = cc_solver_standalone_port(s);
	cc_solver_free(s);	/* stops it too */
	assert_int_equal(sa_connect(port), -1);
	cc_chal_list_release(&l);
}

static void solver_standalone_errors(void **state)
{
	static const char *const bad[] = { "abc", "127.0.0.1:99999",
					   "::1:80", "[::1]", "1.2.3:80",
					   "127.0.0.1:", "example.com:80",
					   "[127.0.0.1]:80" };
	struct cc_solver *s;
	struct cc_chal_list l = CC_CHAL_LIST_INIT;
	struct cc_err err = CC_ERR_INIT;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char listen_on[64], want[64];
	size_t i;
	int fd;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cc_solver_standalone_new(&s, bad[i], &err),
				 CC_EINVAL);
		assert_null(s);
		assert_non_null(strstr(err.msg, "invalid listen address"));
	}
	/* a port that is taken */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(listen_on, sizeof(listen_on), "127.0.0.1:%u",
		 ntohs(sa.sin_port));
	snprintf(want, sizeof(want), "port %u ", ntohs(sa.sin_port));
	http_items(&l);
	assert_int_equal(cc_solver_standalone_new(&s, listen_on, NULL), 0);
	assert_int_equal(cc_solver_publish(s, l.v, 2, &err), CC_EIO);
	assert_non_null(strstr(err.msg, want));
	assert_non_null(strstr(err.msg, "in use"));
	assert_null(l.v[0].record);
	assert_int_equal(cc_solver_standalone_port(s), 0);
	cc_solver_free(s);
	close(fd);
	/* IPv6 literal syntax is accepted */
	assert_int_equal(cc_solver_standalone_new(&s, "[::1]:0", NULL), 0);
	cc_solver_free(s);
	assert_int_equal(cc_solver_standalone_new(&s, ":0", NULL), 0);
	cc_solver_free(s);
	cc_chal_list_release(&l);
}

static void solver_standalone_dies_with_parent(void **state)
{
	struct cc_chal_list l = CC_CHAL_LIST_INIT;
	unsigned port = 0;
	int p[2], st, fd = -1, i;
	pid_t pid;

	(void)state;
	http_items(&l);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cc_solver *s;

		close(p[0]);
		if (cc_solver_standalone_new(&s, "127.0.0.1:0", NULL) ||
		    cc_solver_publish(s, l.v, 2, NULL))
			_exit(1);
		port = cc_solver_standalone_port(s);
		if (write(p[1], &port, sizeof(port)) != sizeof(port))
			_exit(1);
		_exit(0);	/* "crash": no cleanup */
	}
	close(p[1]);
	assert_int_equal(read(p[0], &port, sizeof(port)), sizeof(port));
	close(p[0]);
	waitpid(pid, &st, 0);
	assert_true(port > 0);
	for (i = 0; i < 200; i++) {
		fd = sa_connect(port);
		if (fd < 0)
			break;
		close(fd);
		nap_ms(10);
	}
	assert_int_equal(fd, -1);
	cc_chal_list_release(&l);
}

/* ------------------------------------------------------------------ */
/* dns hook */

struct hookenv {
	char *dir;
	char log[512];
	char script[512];
	char logenv[600];
	const char *env[3];
};

static void hook_write(struct hookenv *h, const char *name, const char *body)
{
	struct cc_buf b = CC_BUF_INIT;

	snprintf(h->script, sizeof(h->script), "%s/%s", h->dir, name);
	cc_buf_addf(&b, "#!/bin/sh\n%s", body);
	tp_write_file(h->script, b.data, b.len);
	assert_int_equal(chmod(h->script, 0700), 0);
	cc_buf_release(&b);
}

static void hook_env(struct hookenv *h)
{
	memset(h, 0, sizeof(*h));
	h->dir = tp_mkdtemp();
	snprintf(h->log, sizeof(h->log), "%s/log", h->dir);
	snprintf(h->logenv, sizeof(h->logenv), "HOOKLOG=%s", h->log);
	h->env[0] = "PATH=/usr/bin:/bin";
	h->env[1] = h->logenv;
	h->env[2] = NULL;
	setenv("SECRET_LEAK", "leaked", 1);
}

static void hook_env_done(struct hookenv *h)
{
	unsetenv("SECRET_LEAK");
	tp_rmtree(h->dir);
	free(h->dir);
}

static const char record_script[] =
	"printf '%s|%s|%s|%s|%s\\n' \"$#\" \"$1\" \"$2\" \"$3\" \"$4\" "
	">> \"$HOOKLOG\"\n"
	"printf 'env %s|%s|%s|%s|%s|%s|%s|%s\\n' \"$CERTCTL_ACTION\" "
	"\"$CERTCTL_FQDN\" \"$CERTCTL_TXT_VALUE\" \"$CERTCTL_IDENTIFIER\" "
	"\"$CERTCTL_WILDCARD\" \"${CERTCTL_ZONE-unset}\" "
	"\"${SECRET_LEAK-clean}\" \"${HOME-nohome}\" >> \"$HOOKLOG\"\n"
	"if read -r x; then echo 'stdin not empty' >> \"$HOOKLOG\"; fi\n"
	"echo 'some output'\n";

static void solver_hook_calls(void **state)
{
	struct hookenv h;
	struct cc_dns_hook_opts o;
	struct cc_solver *s;
	struct cc_chal_list l = CC_CHAL_LIST_INIT;
	struct cc_buf want = CC_BUF_INIT;
	struct cc_chal_item later;
	char *log, *v1, *v2;

	(void)state;
	hook_env(&h);
	hook_write(&h, "hook.sh", record_script);
	dns_items(&l);
	l.v[0].zone = strdup("example.com.");
	v1 = l.v[0].txt_value;
	v2 = l.v[1].txt_value;
	assert_string_not_equal(v1, v2);
	assert_string_equal(l.v[0].dns_name, l.v[1].dns_name);
	memset(&o, 0, sizeof(o));
	o.program = h.script;
	o.env = h.env;
	assert_int_equal(cc_solver_dns_hook_new(&s, &o, NULL), 0);
	assert_string_equal(cc_solver_name(s), "dns-hook");
	assert_int_equal(cc_solver_publish(s, l.v, 2, NULL), 0);
	cc_buf_addf(&want, "4|add|_acme-challenge.example.com.|%s|example.com"
		    "\nenv add|_acme-challenge.example.com.|%s|example.com|0|"
		    "example.com.|clean|nohome\n", v1, v1);
	cc_buf_addf(&want, "4|add|_acme-challenge.example.com.|%s|example.com"
		    "\nenv add|_acme-challenge.example.com.|%s|example.com|1|"
		    "unset|clean|nohome\n", v2, v2);
	log = read_text(h.log);
	assert_string_equal(log, want.data);
	free(log);
	/* cleanup from the records alone, by a new solver */
	cc_solver_free(s);
	memset(&later, 0, sizeof(later));
	later.type = strdup("dns-01");
	later.record = strdup(l.v[1].record);
	unlink(h.log);
	assert_int_equal(cc_solver_dns_hook_new(&s, &o, NULL), 0);
	assert_int_equal(cc_solver_cleanup(s, &later, 1, NULL), 0);
	assert_null(later.record);
	assert_int_equal(cc_solver_cleanup(s, l.v, 2, NULL), 0);
	cc_buf_reset(&want);
	cc_buf_addf(&want, "4|remove|_acme-challenge.example.com.|%s|example."
		    "com\nenv remove|_acme-challenge.example.com.|%s|example."
		    "com|1|unset|clean|nohome\n", v2, v2);
	cc_buf_addf(&want, "4|remove|_acme-challenge.example.com.|%s|example."
		    "com\nenv remove|_acme-challenge.example.com.|%s|example."
		    "com|0|example.com.|clean|nohome\n", v1, v1);
	cc_buf_addf(&want, "4|remove|_acme-challenge.example.com.|%s|example."
		    "com\nenv remove|_acme-challenge.example.com.|%s|example."
		    "com|1|unset|clean|nohome\n", v2, v2);
	log = read_text(h.log);
	assert_string_equal(log, want.data);
	free(log);
	assert_null(l.v[0].record);
	assert_null(l.v[1].record);
	cc_chal_item_release(&later);
	cc_solver_free(s);
	cc_buf_release(&want);
	cc_chal_list_release(&l);
	hook_env_done(&h);
}

static void solver_hook_failures(void **state)
{
	struct hookenv h;
	struct cc_dns_hook_opts o;
	struct cc_solver *s;
	struct cc_chal_list l = CC_CHAL_LIST_INIT;
	struct cc_err err = CC_ERR_INIT;
	char want[1024], missing[600];

	(void)state;
	hook_env(&h);
	dns_items(&l);
	memset(&o, 0, sizeof(o));
	o.env = h.env;

	/* non-zero exit: the first line of its output (stderr too) */
	hook_write(&h, "fail.sh", "echo\necho '  api said no  ' >&2\n"
		   "echo second line\nexit 3\n");
	o.program = h.script;
	assert_int_equal(cc_solver_dns_hook_new(&s, &o, NULL), 0);
	assert_int_equal(cc_solver_publish(s, l.v, 2, &err), CC_ERR);
	snprintf(want, sizeof(want), "dns hook '%s' failed (exit 3): api said"
		 " no", h.script);
	assert_string_equal(err.msg, want);
	/* stopped at the first; its record stays so cleanup tries remove */
	assert_non_null(l.v[0].record);
	assert_null(l.v[1].record);
	assert_int_equal(cc_solver_cleanup(s, l.v, 2, &err), CC_ERR);
	assert_non_null(l.v[0].record);
	cc_solver_free(s);

	/* silent failure; a lot of output is cut, not waited for */
	hook_write(&h, "quiet.sh", "exit 2\n");
	assert_int_equal(cc_solver_dns_hook_new(&s, &o, NULL), 0);
	assert_int_equal(cc_solver_cleanup(s, l.v, 1, &err), CC_ERR);
	snprintf(want, sizeof(want), "dns hook '%s' failed (exit 2)",
		 h.script);
	assert_string_equal(err.msg, want);
	cc_solver_free(s);
	hook_write(&h, "loud.sh", "i=0\nwhile [ $i -lt 2000 ]; do echo "
		   "\"line $i: 0123456789012345678901234567890123456789\"; "
		   "i=$((i+1)); done\nexit 0\n");
	assert_int_equal(cc_solver_dns_hook_new(&s, &o, NULL), 0);
	assert_int_equal(cc_solver_cleanup(s, l.v, 1, &err), 0);
	assert_null(l.v[0].record);
	cc_solver_free(s);

	/* a program that does not exist */
	snprintf(missing, sizeof(missing), "%s/missing.sh", h.dir);
	o.program = missing;
	assert_int_equal(cc_solver_dns_hook_new(&s, &o, NULL), 0);
	assert_int_equal(cc_solver_publish(s, l.v + 1, 1, &err), CC_ERR);
	assert_non_null(strstr(err.msg, "cannot run dns hook"));
	assert_non_null(strstr(err.msg, "No such file"));
	cc_solver_free(s);
	/* found through the PATH given in env */
	o.program = "true";
	assert_int_equal(cc_solver_dns_hook_new(&s, &o, NULL), 0);
	assert_int_equal(cc_solver_cleanup(s, l.v + 1, 1, NULL), 0);
	assert_null(l.v[1].record);
	cc_solver_free(s);

	o.program = "";
	assert_int_equal(cc_solver_dns_hook_new(&s, &o, &err), CC_EINVAL);
	o.program = "true";
	h.env[1] = "NOEQUALS";
	assert_int_equal(cc_solver_dns_hook_new(&s, &o, &err), CC_EINVAL);
	cc_chal_list_release(&l);
	hook_env_done(&h);
}

static void solver_hook_timeout(void **state)
{
	struct hookenv h;
	struct cc_dns_hook_opts o;
	struct cc_solver *s;
	struct cc_chal_list l = CC_CHAL_LIST_INIT;
	struct cc_err err = CC_ERR_INIT;
	char want[1024], pidfile[600], proc[64], *pidtext;
	long long t0;
	long pid;
	int i, gone = 0;
	FILE *f;

	(void)state;
	hook_env(&h);
	dns_items(&l);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", h.dir);
	/* the hook and the child it waits for must both go */
	hook_write(&h, "hang.sh", "trap '' TERM\nsleep 30 &\n"
		   "echo $! > \"$HOOKLOG.pid\"\nwait\n");
	memset(&o, 0, sizeof(o));
	o.program = h.script;
	o.env = h.env;
	o.timeout_ms = 300;
	assert_int_equal(cc_solver_dns_hook_new(&s, &o, NULL), 0);
	t0 = now_ms();
	assert_int_equal(cc_solver_publish(s, l.v, 1, &err), CC_ERR);
	assert_true(now_ms() - t0 >= 300);
	assert_true(now_ms() - t0 < 5000);
	snprintf(want, sizeof(want), "dns hook '%s' timed out after 300 ms",
		 h.script);
	assert_string_equal(err.msg, want);
	snprintf(pidfile, sizeof(pidfile), "%s.pid", h.log);
	pidtext = read_text(pidfile);
	assert_non_null(pidtext);
	pid = strtol(pidtext, NULL, 10);
	free(pidtext);
	assert_true(pid > 1);
	/* gone, or a zombie waiting for a reaper */
	snprintf(proc, sizeof(proc), "/proc/%ld/stat", pid);
	for (i = 0; i < 200 && !gone; i++) {
		char line[256] = "", *rp;

		f = fopen(proc, "r");
		if (!f) {
			gone = 1;
			break;
		}
		if (fgets(line, sizeof(line), f) && (rp = strrchr(line, ')')) &&
		    rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X'))
			gone = 1;
		fclose(f);
		if (!gone)
			nap_ms(10);
	}
	assert_true(gone);
	cc_solver_free(s);
	cc_chal_list_release(&l);
	hook_env_done(&h);
}

/* ------------------------------------------------------------------ */
/* Manual */

static void solver_manual_instructions(void **state)
{
	struct cc_chal_list hl = CC_CHAL_LIST_INIT, dl = CC_CHAL_LIST_INIT;
	struct cc_buf b = CC_BUF_INIT, want = CC_BUF_INIT;
	struct cc_solver *s;

	(void)state;
	http_items(&hl);
	dns_items(&dl);
	assert_int_equal(cc_chal_list_add(&dl, "other.org", 0, "dns-01",
					  "tok3", "tok3.t", NULL), 0);
	assert_int_equal(cc_solver_manual_new(&s, "http-01", NULL), 0);
	assert_int_equal(cc_solver_publish(s, hl.v, 2, NULL), 0);
	assert_int_equal(hl.v[0].manual, 1);
	assert_string_equal(hl.v[0].record, "http-manual path=/.well-known/"
			    "acme-challenge/tok-Apex_1");
	assert_int_equal(cc_solver_manual_instructions(hl.v, 1, 0, &b, NULL),
			 0);
	assert_string_equal(b.data, "Serve this file over HTTP on port 80 of "
			    "example.com:\n  URL:     http://example.com/"
			    ".well-known/acme-challenge/tok-Apex_1\n  Content: "
			    KA1 "\n");
	cc_buf_reset(&b);
	assert_int_equal(cc_solver_manual_instructions(hl.v, 1, 1, &b, NULL),
			 0);
	assert_string_equal(b.data, "Remove from the web server of example."
			    "com:\n  URL:     http://example.com/.well-known/"
			    "acme-challenge/tok-Apex_1\n");
	assert_int_equal(cc_solver_cleanup(s, hl.v, 2, NULL), 0);
	assert_null(hl.v[1].record);
	cc_solver_free(s);

	cc_buf_reset(&b);
	assert_int_equal(cc_solver_manual_instructions(dl.v, 3, 0, &b, NULL),
			 0);
	cc_buf_addf(&want, "Create a DNS TXT record for example.com:\n  Name:"
		    "  _acme-challenge.example.com.\n  Value: %s\n"
		    "Create a DNS TXT record for *.example.com:\n  Name:  "
		    "_acme-challenge.example.com.\n  Value: %s\n"
		    "Create a DNS TXT record for other.org:\n  Name:  "
		    "_acme-challenge.other.org.\n  Value: %s\n"
		    "Note: _acme-challenge.example.com. must have all 2 TXT "
		    "values above at the same time.\n", dl.v[0].txt_value,
		    dl.v[1].txt_value, dl.v[2].txt_value);
	assert_string_equal(b.data, want.data);
	cc_buf_reset(&b);
	assert_int_equal(cc_solver_manual_instructions(dl.v + 2, 1, 1, &b,
						       NULL), 0);
	cc_buf_reset(&want);
	cc_buf_addf(&want, "Remove the DNS TXT record for other.org:\n  Name:"
		    "  _acme-challenge.other.org.\n  Value: %s\n",
		    dl.v[2].txt_value);
	assert_string_equal(b.data, want.data);
	cc_buf_release(&b);
	cc_buf_release(&want);
	cc_chal_list_release(&hl);
	cc_chal_list_release(&dl);
}

/* ------------------------------------------------------------------ */
/* DNS provider */

#define TSLOTS 8

static struct {
	char fqdn[TSLOTS][128];
	char value[TSLOTS][128];
	char zone[TSLOTS][128];
	int used[TSLOTS];
	int adds, dels, opens, closes, next_id, fail_add;
} tstore;

struct tdns {
	struct cc_dns base;
	const char *label;
};

static int t_open(struct cc_dns **out, const struct cc_dns_params *p,
		  struct cc_err *err)
{
	struct tdns *d = calloc(1, sizeof(*d));

	(void)err;
	assert_non_null(d);
	d->label = p && p->config ? "configured" : "plain";
	tstore.opens++;
	*out = &d->base;
	return CC_OK;
}

static int t_add(struct cc_dns *d, const char *zone, const char *fqdn,
		 const char *value, unsigned ttl, char **record_id,
		 struct cc_err *err)
{
	char id[16];
	int i;

	(void)d;
	assert_int_equal(ttl, 120);
	if (tstore.fail_add)
		return cc_err_set(err, CC_EHTTP, "api said 500");
	for (i = 0; i < TSLOTS && tstore.used[i]; i++)
		;
	assert_true(i < TSLOTS);
	tstore.used[i] = 1;
	snprintf(tstore.fqdn[i], 128, "%s", fqdn);
	snprintf(tstore.value[i], 128, "%s", value);
	snprintf(tstore.zone[i], 128, "%s", zone ? zone : "-");
	snprintf(id, sizeof(id), "id-%d", i);
	*record_id = strdup(id);
	tstore.adds++;
	return CC_OK;
}

static int t_del(struct cc_dns *d, const char *zone, const char *fqdn,
		 const char *value, const char *record_id, struct cc_err *err)
{
	int i;

	(void)d;
	(void)zone;
	(void)err;
	for (i = 0; i < TSLOTS; i++) {
		char id[16];

		snprintf(id, sizeof(id), "id-%d", i);
		if (tstore.used[i] && strcmp(tstore.fqdn[i], fqdn) == 0 &&
		    strcmp(tstore.value[i], value) == 0 &&
		    (!record_id || strcmp(record_id, id) == 0))
			tstore.used[i] = 0;
	}
	tstore.dels++;
	return CC_OK;
}

static void t_close(struct cc_dns *d)
{
	tstore.closes++;
	free(d);
}

static const struct cc_dns_ops test_ops = {
	"test", t_open, t_add, t_del, t_close
};

static const struct cc_dns_ops other_ops = {
	"test", t_open, t_add, t_del, t_close
};

static int used_slots(void)
{
	int i, n = 0;

	for (i = 0; i < TSLOTS; i++)
		n += tstore.used[i];
	return n;
}

static void solver_dns_provider(void **state)
{
	struct cc_strlist names = CC_STRLIST_INIT;
	struct cc_chal_list l = CC_CHAL_LIST_INIT;
	struct cc_err err = CC_ERR_INIT;
	struct cc_solver *s;
	struct cc_dns *d;
	char *v = NULL;

	(void)state;
	memset(&tstore, 0, sizeof(tstore));
	assert_null(cc_dns_provider_find("test"));
	assert_null(cc_dns_provider_find("cloudflare"));
	assert_null(cc_dns_provider_find(NULL));
	assert_int_equal(cc_dns_provider_register(&test_ops, NULL), 0);
	assert_int_equal(cc_dns_provider_register(&test_ops, NULL), 0);
	assert_int_equal(cc_dns_provider_register(&other_ops, &err),
			 CC_EEXIST);
	assert_ptr_equal(cc_dns_provider_find("test"), &test_ops);
	assert_int_equal(cc_dns_provider_names(&names), 0);
	assert_true(cc_strlist_has(&names, "test"));
	cc_strlist_release(&names);

	dns_items(&l);
	l.v[1].zone = strdup("example.com.");
	assert_int_equal(cc_dns_open(cc_dns_provider_find("test"), NULL, &d,
				     NULL), 0);
	assert_ptr_equal(d->ops, &test_ops);
	assert_int_equal(cc_solver_dns_new(&s, d, 120, NULL), 0);
	assert_string_equal(cc_solver_name(s), "dns-provider");
	assert_int_equal(cc_solver_publish(s, l.v, 2, NULL), 0);
	assert_int_equal(tstore.adds, 2);
	assert_int_equal(used_slots(), 2);
	assert_string_equal(tstore.fqdn[0], "_acme-challenge.example.com.");
	assert_string_equal(tstore.value[1], l.v[1].txt_value);
	assert_string_equal(tstore.zone[0], "-");
	assert_string_equal(tstore.zone[1], "example.com.");
	assert_int_equal(cc_chal_record_get(l.v[1].record, "id", &v), 0);
	assert_string_equal(v, "id-1");
	free(v);
	cc_solver_free(s);
	assert_int_equal(tstore.closes, 1);

	/* a new process: provider and solver from scratch, records only */
	assert_int_equal(cc_dns_open(&test_ops, NULL, &d, NULL), 0);
	assert_int_equal(cc_solver_dns_new(&s, d, 120, NULL), 0);
	assert_int_equal(cc_solver_cleanup(s, l.v, 2, NULL), 0);
	assert_int_equal(tstore.dels, 2);
	assert_int_equal(used_slots(), 0);
	assert_null(l.v[0].record);

	/* add fails: the record stays for cleanup, which deletes by value */
	tstore.fail_add = 1;
	assert_int_equal(cc_solver_publish(s, l.v, 2, &err), CC_EHTTP);
	assert_non_null(strstr(err.msg, "cannot add the TXT record _acme-"
			       "challenge.example.com. (dns provider 'test'): "
			       "api said 500"));
	assert_non_null(l.v[0].record);
	assert_null(strstr(l.v[0].record, " id="));
	assert_int_equal(cc_solver_cleanup(s, l.v, 2, NULL), 0);
	assert_null(l.v[0].record);
	assert_int_equal(tstore.dels, 3);

	/* a record of another provider is not touched */
	l.v[0].record = strdup("dns-provider provider=cloudflare fqdn=x. "
			       "value=y");
	assert_int_equal(cc_solver_cleanup(s, l.v, 1, &err), CC_EINVAL);
	assert_non_null(strstr(err.msg, "made by dns provider 'cloudflare', "
			       "not 'test'"));
	assert_int_equal(tstore.dels, 3);
	assert_non_null(l.v[0].record);
	cc_solver_free(s);
	assert_int_equal(cc_solver_dns_new(&s, NULL, 0, &err), CC_EINVAL);
	cc_chal_list_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(solver_item_values),
		cmocka_unit_test(solver_item_rejects),
		cmocka_unit_test(solver_record_format),
		cmocka_unit_test(solver_interface_rules),
		cmocka_unit_test(solver_webroot_publish_cleanup),
		cmocka_unit_test(solver_webroot_keeps_foreign),
		cmocka_unit_test(solver_webroot_crash_cleanup),
		cmocka_unit_test(solver_webroot_rejects),
		cmocka_unit_test(solver_standalone_serves),
		cmocka_unit_test(solver_standalone_errors),
		cmocka_unit_test(solver_standalone_dies_with_parent),
		cmocka_unit_test(solver_hook_calls),
		cmocka_unit_test(solver_hook_failures),
		cmocka_unit_test(solver_hook_timeout),
		cmocka_unit_test(solver_manual_instructions),
		cmocka_unit_test(solver_dns_provider),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
