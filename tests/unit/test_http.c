/*
 * Tests for the libcurl transport (lib/http_curl.c) against a minimal
 * HTTP/1.1 server on 127.0.0.1 that each test forks for itself.
 *
 * Server routes:
 *   /hello    200, X-Test: abc, body "hello world"
 *   /echo     200, body "<METHOD> <request body>", X-Got-Custom: <X-Custom>
 *   /stats    200, body = number of connections accepted so far
 *   /big      200, 100000 bytes
 *   /retry    429, Retry-After: 7
 *   /interim  103 Early Hints (X-Early) then 200 (X-Final)
 *   /stall    never answers
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http.h"

#define MAX_CONNS 16
#define REQ_MAX 65536

struct conn {
	int fd;
	int stalled;
	size_t len;
	char buf[REQ_MAX];
};

static struct conn conns[MAX_CONNS];
static unsigned long accepted;

static void send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n) {
		w = send(fd, c, n, MSG_NOSIGNAL);
		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return;
		}
		c += w;
		n -= (size_t)w;
	}
}

static void respond(int fd, int head, const char *status, const char *extra,
		    const char *body, size_t blen)
{
	char hdr[1024];
	int n;

	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.1 %s\r\nContent-Length: %zu\r\n%s\r\n",
		     status, blen, extra);
	send_all(fd, hdr, (size_t)n);
	if (!head)
		send_all(fd, body, blen);
}

static const char *find_header(const char *hdrs, const char *name,
			       size_t *vlen)
{
	const char *p = strstr(hdrs, "\r\n");
	size_t nl = strlen(name);

	while (p && p[2] != '\r') {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			*vlen = (size_t)(e - v);
			return v;
		}
		p = strstr(p, "\r\n");
	}
	return NULL;
}

/* Handle every complete request in c->buf; 0 to keep, -1 to close. */
static int serve(struct conn *c)
{
	char method[16], path[256], extra[512], out[1024];
	const char *end, *cl, *custom, *body;
	size_t hlen, blen, vlen;
	int head;

	for (;;) {
		if (c->stalled)
			return 0;
		c->buf[c->len] = '\0';
		end = strstr(c->buf, "\r\n\r\n");
		if (!end)
			return c->len >= REQ_MAX - 1 ? -1 : 0;
		hlen = (size_t)(end - c->buf) + 4;
		blen = 0;
		cl = find_header(c->buf, "Content-Length", &vlen);
		if (cl)
			blen = strtoul(cl, NULL, 10);
		if (c->len < hlen + blen)
			return 0;
		if (sscanf(c->buf, "%15s %255s", method, path) != 2)
			return -1;
		head = strcmp(method, "HEAD") == 0;
		body = c->buf + hlen;
		if (strcmp(path, "/hello") == 0) {
			respond(c->fd, head, "200 OK",
				"X-Test: abc\r\nContent-Type: text/plain\r\n",
				"hello world", 11);
		} else if (strcmp(path, "/echo") == 0) {
			custom = find_header(c->buf, "X-Custom", &vlen);
			snprintf(extra, sizeof(extra), "X-Got-Custom: %.*s\r\n",
				 custom ? (int)vlen : 4,
				 custom ? custom : "none");
			snprintf(out, sizeof(out), "%s %.*s", method,
				 (int)(blen < 900 ? blen : 900), body);
			respond(c->fd, head, "200 OK", extra, out,
				strlen(out));
		} else if (strcmp(path, "/stats") == 0) {
			snprintf(out, sizeof(out), "%lu", accepted);
			respond(c->fd, head, "200 OK", "", out, strlen(out));
		} else if (strcmp(path, "/big") == 0) {
			static char big[100000];

			memset(big, 'a', sizeof(big));
			respond(c->fd, head, "200 OK", "", big, sizeof(big));
		} else if (strcmp(path, "/retry") == 0) {
			respond(c->fd, head, "429 Too Many Requests",
				"Retry-After: 7\r\n", "slow down", 9);
		} else if (strcmp(path, "/interim") == 0) {
			static const char early[] =
				"HTTP/1.1 103 Early Hints\r\n"
				"X-Early: 1\r\n\r\n";

			send_all(c->fd, early, sizeof(early) - 1);
			respond(c->fd, head, "200 OK", "X-Final: 1\r\n",
				"ok", 2);
		} else if (strcmp(path, "/stall") == 0) {
			c->stalled = 1;
		} else {
			respond(c->fd, head, "404 Not Found", "", "nope", 4);
		}
		memmove(c->buf, c->buf + hlen + blen, c->len - hlen - blen);
		c->len -= hlen + blen;
	}
}

static void server_loop(int lfd)
{
	struct pollfd pfd[MAX_CONNS + 1];
	size_t i, n;
	ssize_t r;
	int fd;

	for (i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;
	alarm(60);	/* never outlive a hung test */
	for (;;) {
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < MAX_CONNS; i++) {
			pfd[i + 1].fd = conns[i].fd;
			pfd[i + 1].events = POLLIN;
		}
		if (poll(pfd, MAX_CONNS + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pfd[0].revents & POLLIN) {
			fd = accept(lfd, NULL, NULL);
			for (i = 0; fd >= 0 && i < MAX_CONNS; i++)
				if (conns[i].fd < 0)
					break;
			if (fd >= 0 && i < MAX_CONNS) {
				accepted++;
				conns[i].fd = fd;
				conns[i].len = 0;
				conns[i].stalled = 0;
			} else if (fd >= 0) {
				close(fd);
			}
		}
		for (i = 0; i < MAX_CONNS; i++) {
			if (conns[i].fd < 0 || !pfd[i + 1].revents)
				continue;
			n = REQ_MAX - 1 - conns[i].len;
			r = n ? recv(conns[i].fd, conns[i].buf + conns[i].len,
				     n, 0) : -1;
			if (r > 0) {
				conns[i].len += (size_t)r;
				if (serve(&conns[i]) == 0)
					continue;
			}
			close(conns[i].fd);
			conns[i].fd = -1;
		}
	}
}

struct server {
	pid_t pid;
	int port;
	char base[64];
};

static int server_setup(void **state)
{
	struct server *s = calloc(1, sizeof(*s));
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int lfd, one = 1;

	assert_non_null(s);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 16), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	s->port = ntohs(sa.sin_port);
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->port);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		server_loop(lfd);
		_exit(0);
	}
	close(lfd);
	*state = s;
	return 0;
}

static int server_teardown(void **state)
{
	struct server *s = *state;
	int st;

	kill(s->pid, SIGTERM);
	waitpid(s->pid, &st, 0);
	free(s);
	return 0;
}

static struct cc_http *new_http(long timeout_ms, size_t max_body)
{
	struct cc_http_opts o = { NULL, "certctl-test", 2000, timeout_ms,
				  max_body };
	struct cc_err err = CC_ERR_INIT;
	struct cc_http *h = NULL;

	assert_int_equal(cc_http_curl_new(&h, &o, &err), CC_OK);
	assert_non_null(h);
	return h;
}

static int do_req(struct cc_http *h, const struct server *s,
		  const char *method, const char *path, const char *body,
		  const char *const *hdrs, struct cc_http_response *resp,
		  struct cc_err *err)
{
	char url[256];
	struct cc_http_request req;

	snprintf(url, sizeof(url), "%s%s", s->base, path);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = hdrs;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	return cc_http_perform(h, &req, resp, err);
}

static void http_get_status_headers_body(void **state)
{
	struct server *s = *state;
	struct cc_http *h = new_http(5000, 0);
	struct cc_http_response r = CC_HTTP_RESPONSE_INIT;
	struct cc_err err = CC_ERR_INIT;

	assert_int_equal(do_req(h, s, "GET", "/hello", NULL, NULL, &r, &err),
			 CC_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 11);
	assert_string_equal(r.body.data, "hello world");
	assert_string_equal(cc_http_header_get(&r, "x-test"), "abc");
	assert_string_equal(cc_http_header_get(&r, "X-TEST"), "abc");
	assert_string_equal(cc_http_header_get(&r, "content-type"),
			    "text/plain");
	assert_string_equal(cc_http_header_get(&r, "Content-Length"), "11");
	assert_null(cc_http_header_get(&r, "X-Missing"));
	assert_null(cc_http_header_get(NULL, "X-Test"));

	/* 404 is a response, not a transport error */
	assert_int_equal(do_req(h, s, "GET", "/nothing", NULL, NULL, &r, &err),
			 CC_OK);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body.data, "nope");
	assert_null(cc_http_header_get(&r, "X-Test"));
	cc_http_response_release(&r);
	cc_http_response_release(&r);	/* idempotent */
	cc_http_response_release(NULL);
	cc_http_free(h);
	cc_http_free(NULL);
}

static void http_post_body_and_headers(void **state)
{
	struct server *s = *state;
	struct cc_http *h = new_http(5000, 0);
	struct cc_http_response r = CC_HTTP_RESPONSE_INIT;
	struct cc_err err = CC_ERR_INIT;
	const char *const hdrs[] = { "X-Custom: foo bar",
				     "Content-Type: application/jose+json",
				     NULL };

	assert_int_equal(do_req(h, s, "POST", "/echo", "{\"a\":1}", hdrs, &r,
				&err), CC_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.data, "POST {\"a\":1}");
	assert_string_equal(cc_http_header_get(&r, "X-Got-Custom"),
			    "foo bar");

	/* empty POST body (ACME POST-as-GET bodies are never empty, but) */
	assert_int_equal(do_req(h, s, "POST", "/echo", "", NULL, &r, &err),
			 CC_OK);
	assert_string_equal(r.body.data, "POST ");
	assert_string_equal(cc_http_header_get(&r, "X-Got-Custom"), "none");

	/* a body larger than curl's Expect: 100-continue threshold */
	{
		char big[3000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		assert_int_equal(do_req(h, s, "POST", "/echo", big, NULL, &r,
					&err), CC_OK);
		assert_int_equal(r.status, 200);
		assert_int_equal(r.body.len, 5 + 900);
		assert_memory_equal(r.body.data, "POST xxxx", 9);
	}
	cc_http_response_release(&r);
	cc_http_free(h);
}

static void http_methods(void **state)
{
	struct server *s = *state;
	struct cc_http *h = new_http(5000, 0);
	struct cc_http_response r = CC_HTTP_RESPONSE_INIT;
	struct cc_err err = CC_ERR_INIT;

	assert_int_equal(do_req(h, s, "PUT", "/echo", "p1", NULL, &r, &err),
			 CC_OK);
	assert_string_equal(r.body.data, "PUT p1");
	assert_int_equal(do_req(h, s, "PATCH", "/echo", "p2", NULL, &r, &err),
			 CC_OK);
	assert_string_equal(r.body.data, "PATCH p2");
	assert_int_equal(do_req(h, s, "DELETE", "/echo", NULL, NULL, &r,
				&err), CC_OK);
	assert_string_equal(r.body.data, "DELETE ");
	assert_int_equal(do_req(h, s, "DELETE", "/echo", "d", NULL, &r, &err),
			 CC_OK);
	assert_string_equal(r.body.data, "DELETE d");
	assert_int_equal(do_req(h, s, "GET", "/echo", NULL, NULL, &r, &err),
			 CC_OK);
	assert_string_equal(r.body.data, "GET ");
	/* a NULL method is GET */
	assert_int_equal(do_req(h, s, NULL, "/echo", NULL, NULL, &r, &err),
			 CC_OK);
	assert_string_equal(r.body.data, "GET ");
	assert_int_equal(do_req(h, s, "HEAD", "/hello", NULL, NULL, &r, &err),
			 CC_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 0);
	assert_non_null(r.body.data);
	assert_string_equal(r.body.data, "");
	assert_string_equal(cc_http_header_get(&r, "X-Test"), "abc");
	/* and the connection still works after HEAD */
	assert_int_equal(do_req(h, s, "GET", "/hello", NULL, NULL, &r, &err),
			 CC_OK);
	assert_string_equal(r.body.data, "hello world");
	/* unknown methods are refused before any traffic */
	assert_int_equal(do_req(h, s, "BREW", "/echo", NULL, NULL, &r, &err),
			 CC_EINVAL);
	assert_int_equal(r.status, 0);
	cc_http_response_release(&r);
	cc_http_free(h);
}

static void http_connection_reused(void **state)
{
	struct server *s = *state;
	struct cc_http *h = new_http(5000, 0);
	struct cc_http_response r = CC_HTTP_RESPONSE_INIT;
	struct cc_err err = CC_ERR_INIT;
	int i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(do_req(h, s, i == 1 ? "POST" : "GET",
					i == 1 ? "/echo" : "/hello",
					i == 1 ? "x" : NULL, NULL, &r, &err),
				 CC_OK);
		assert_int_equal(r.status, 200);
	}
	assert_int_equal(do_req(h, s, "GET", "/stats", NULL, NULL, &r, &err),
			 CC_OK);
	assert_string_equal(r.body.data, "1");
	cc_http_free(h);

	/* a second context is a second connection */
	h = new_http(5000, 0);
	assert_int_equal(do_req(h, s, "GET", "/stats", NULL, NULL, &r, &err),
			 CC_OK);
	assert_string_equal(r.body.data, "2");
	cc_http_response_release(&r);
	cc_http_free(h);
}

static void http_body_cap(void **state)
{
	struct server *s = *state;
	struct cc_http *h = new_http(5000, 1000);
	struct cc_http_response r = CC_HTTP_RESPONSE_INIT;
	struct cc_err err = CC_ERR_INIT;

	assert_int_equal(do_req(h, s, "GET", "/big", NULL, NULL, &r, &err),
			 CC_EPROTO);
	assert_int_equal(err.code, CC_EPROTO);
	assert_non_null(strstr(err.msg, "response too large"));
	assert_int_equal(r.status, 0);
	assert_int_equal(r.nheaders, 0);
	assert_null(r.body.data);
	/* the handle is usable afterwards */
	assert_int_equal(do_req(h, s, "GET", "/hello", NULL, NULL, &r, &err),
			 CC_OK);
	assert_string_equal(r.body.data, "hello world");
	cc_http_response_release(&r);
	cc_http_free(h);

	/* the default cap (8 MiB) lets 100000 bytes through */
	h = new_http(5000, 0);
	assert_int_equal(do_req(h, s, "GET", "/big", NULL, NULL, &r, &err),
			 CC_OK);
	assert_int_equal(r.body.len, 100000);
	cc_http_response_release(&r);
	cc_http_free(h);
}

static void http_retry_after_response(void **state)
{
	struct server *s = *state;
	struct cc_http *h = new_http(5000, 0);
	struct cc_http_response r = CC_HTTP_RESPONSE_INIT;
	struct cc_err err = CC_ERR_INIT;

	assert_int_equal(do_req(h, s, "GET", "/retry", NULL, NULL, &r, &err),
			 CC_OK);
	assert_int_equal(r.status, 429);
	assert_int_equal(cc_http_retry_after(cc_http_header_get(&r,
			 "retry-after"), time(NULL)), 7);
	cc_http_response_release(&r);
	cc_http_free(h);
}

static void http_interim_headers_reset(void **state)
{
	struct server *s = *state;
	struct cc_http *h = new_http(5000, 0);
	struct cc_http_response r = CC_HTTP_RESPONSE_INIT;
	struct cc_err err = CC_ERR_INIT;

	assert_int_equal(do_req(h, s, "GET", "/interim", NULL, NULL, &r,
				&err), CC_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.data, "ok");
	assert_string_equal(cc_http_header_get(&r, "X-Final"), "1");
	assert_null(cc_http_header_get(&r, "X-Early"));
	assert_int_equal(r.nheaders, 2);	/* Content-Length, X-Final */
	cc_http_response_release(&r);
	cc_http_free(h);
}

static void http_timeout(void **state)
{
	struct server *s = *state;
	struct cc_http *h = new_http(300, 0);
	struct cc_http_response r = CC_HTTP_RESPONSE_INIT;
	struct cc_err err = CC_ERR_INIT;

	assert_int_equal(do_req(h, s, "GET", "/stall", NULL, NULL, &r, &err),
			 CC_ENET);
	assert_non_null(strstr(err.msg, "/stall"));
	assert_int_equal(r.status, 0);
	/* a new connection is made for the next request */
	assert_int_equal(do_req(h, s, "GET", "/hello", NULL, NULL, &r, &err),
			 CC_OK);
	assert_int_equal(r.status, 200);
	cc_http_response_release(&r);
	cc_http_free(h);
}

static void http_connect_refused(void **state)
{
	struct cc_http *h = new_http(2000, 0);
	struct cc_http_response r = CC_HTTP_RESPONSE_INIT;
	struct cc_err err = CC_ERR_INIT;
	struct cc_http_request req;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char url[64];
	int fd;

	(void)state;
	/* a bound socket that does not listen: connections are refused */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x",
		 ntohs(sa.sin_port));
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	assert_int_equal(cc_http_perform(h, &req, &r, &err), CC_ENET);
	assert_int_equal(err.code, CC_ENET);
	assert_true(strlen(err.msg) > 0);
	/* only http and https */
	req.url = "file:///etc/passwd";
	assert_int_equal(cc_http_perform(h, &req, &r, &err), CC_ENET);
	assert_null(r.body.data);
	close(fd);
	cc_http_free(h);
}

static void http_retry_after_parse(void **state)
{
	struct tm tm;
	time_t t;

	(void)state;
	assert_int_equal(cc_http_retry_after(NULL, 0), 0);
	assert_int_equal(cc_http_retry_after("", 0), 0);
	assert_int_equal(cc_http_retry_after("120", 0), 120);
	assert_int_equal(cc_http_retry_after(" 5 ", 0), 5);
	assert_int_equal(cc_http_retry_after("0", 0), 0);
	assert_int_equal(cc_http_retry_after("12a", 0), 0);
	assert_int_equal(cc_http_retry_after("-5", 0), 0);
	assert_int_equal(cc_http_retry_after("abc", 0), 0);
	assert_int_equal(cc_http_retry_after("999999999999999999999", 0),
			 86400);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 94;
	tm.tm_mon = 10;
	tm.tm_mday = 6;
	tm.tm_hour = 8;
	tm.tm_min = 49;
	tm.tm_sec = 37;
	t = timegm(&tm);
	assert_int_equal(cc_http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
					     t - 30), 30);
	assert_int_equal(cc_http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
					     t), 0);
	assert_int_equal(cc_http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
					     t + 100), 0);
	assert_int_equal(cc_http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
					     t - 200000), 86400);
	assert_int_equal(cc_http_retry_after("Sun, 06 Xyz 1994 08:49:37 GMT",
					     t - 30), 0);
	assert_int_equal(cc_http_retry_after("Sunday, 06-Nov-94 08:49:37 GMT",
					     t - 30), 0);
	assert_int_equal(cc_http_retry_after("Sun, 06 Nov 1994 08:49:37",
					     t - 30), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(http_get_status_headers_body,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(http_post_body_and_headers,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(http_methods,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(http_connection_reused,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(http_body_cap,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(http_retry_after_response,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(http_interim_headers_reset,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(http_timeout,
						server_setup, server_teardown),
		cmocka_unit_test(http_connect_refused),
		cmocka_unit_test(http_retry_after_parse),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
