/*
 * Tests of providers/sectigo.c: the pure JSON parsing and building
 * functions, then the client against tests/fakes/scm_server.py (started on
 * 127.0.0.1 with a TLS certificate from a throwaway test PKI).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "http.h"
#include "sectigo.h"
#include "testpki.h"

#define LOGIN "certctl-api"
#define PASSWORD "Tr0ub4dor&3-scm-secret"
#define CUSTOMER "ACME"

/* ---- recording transport and fake clock ---------------------------------- */

/* Wraps the curl transport; counts requests and checks secret handling. */
struct rec_http {
	struct cc_http base;
	struct cc_http *inner;
	unsigned requests;
	unsigned with_password;
	unsigned not_secret;	/* password header without secret_headers */
	unsigned leaked;	/* password in the url or the body */
};

static int rec_perform(struct cc_http *h, const struct cc_http_request *req,
		       struct cc_http_response *resp, struct cc_err *err)
{
	struct rec_http *r = (struct rec_http *)h;
	const char *const *p;

	r->requests++;
	for (p = req->headers; p && *p; p++) {
		if (strncasecmp(*p, "password:", 9) == 0) {
			r->with_password++;
			if (!req->secret_headers)
				r->not_secret++;
		}
	}
	if (strstr(req->url, PASSWORD) ||
	    (req->body && strstr(req->body, PASSWORD)))
		r->leaked++;
	return cc_http_perform(r->inner, req, resp, err);
}

static void rec_free(struct cc_http *h)
{
	(void)h;
}

static const struct cc_http_ops rec_ops = { rec_perform, rec_free };

struct fclock {
	unsigned nsleeps;
	unsigned sleeps[16];
};

static time_t fc_now(void *arg)
{
	(void)arg;
	return time(NULL);
}

static void fc_sleep(void *arg, unsigned ms)
{
	struct fclock *c = arg;

	if (c->nsleeps < 16)
		c->sleeps[c->nsleeps] = ms;
	c->nsleeps++;
}

/* ---- the fake server ----------------------------------------------------- */

static struct {
	pid_t pid;
	int in_fd;
	int out_fd;
	int port;
	char *dir;
	char base[64];		/* https://127.0.0.1:N/api */
	char ctl[64];		/* https://127.0.0.1:N */
	char *root_pem;		/* the fake SCM's issuing root */
	struct cc_http *curl;
	struct rec_http rec;
	unsigned errors_checked;
} F = { .pid = -1, .in_fd = -1, .out_fd = -1 };

/* Every error message must be free of the password. */
static void no_secret(const struct cc_err *e)
{
	assert_null(strstr(e->msg, PASSWORD));
	assert_true(e->msg[0] != '\0');
	F.errors_checked++;
}

static char *path_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", a, b);
	return p;
}

static int read_port(int fd, int timeout_ms)
{
	char line[32];
	size_t n = 0;
	struct pollfd pfd;
	ssize_t r;
	int waited = 0;

	while (n < sizeof(line) - 1 && waited < timeout_ms) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 100) <= 0) {
			waited += 100;
			continue;
		}
		r = read(fd, line + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return n ? (int)strtol(line, NULL, 10) : -1;
}

static void spawn_fake(const char *cert, const char *key, const char *work)
{
	const char *src = getenv("CERTCTL_SRCDIR");
	char *script = path_join(src && *src ? src : ".",
				 "tests/fakes/scm_server.py");
	int in[2], out[2];
	pid_t pid;

	if (access(script, R_OK) != 0) {
		fprintf(stderr, "cannot find %s (run from the source tree or "
			"set CERTCTL_SRCDIR)\n", script);
		free(script);
		fail();
	}
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = {
			"python3", script, "--cert", (char *)cert,
			"--key", (char *)key, "--port", "0",
			"--workdir", (char *)work, "--login", LOGIN,
			"--password", PASSWORD, "--customer-uri", CUSTOMER,
			"--polls", "0", "--exit-on-stdin-eof", NULL
		};

		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	fcntl(in[1], F_SETFD, FD_CLOEXEC);
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	F.pid = pid;
	F.in_fd = in[1];
	F.out_fd = out[0];
	free(script);
	F.port = read_port(F.out_fd, 30000);
	if (F.port <= 0) {
		fprintf(stderr, "the fake scm server did not start\n");
		fail();
	}
	snprintf(F.base, sizeof(F.base), "https://127.0.0.1:%d/api", F.port);
	snprintf(F.ctl, sizeof(F.ctl), "https://127.0.0.1:%d", F.port);
}

static void stop_fake(void)
{
	int i, status;

	if (F.pid > 0) {
		kill(F.pid, SIGTERM);
		for (i = 0; i < 100; i++) {
			if (waitpid(F.pid, &status, WNOHANG) == F.pid)
				break;
			usleep(50000);
		}
		if (i == 100) {
			kill(F.pid, SIGKILL);
			waitpid(F.pid, &status, 0);
		}
		F.pid = -1;
	}
	if (F.in_fd >= 0)
		close(F.in_fd);
	if (F.out_fd >= 0)
		close(F.out_fd);
	F.in_fd = F.out_fd = -1;
}

static cJSON *ctl(const char *method, const char *path, const char *body,
		  long want);

static int group_setup(void **state)
{
	const char *sans[] = { "127.0.0.1", "localhost" };
	struct cc_http_opts o = { 0 };
	struct cc_err err = CC_ERR_INIT;
	struct tp_pki pki;
	EVP_PKEY *key;
	X509 *leaf;
	char *a, *b, *k, *cert_path, *key_path, *ca_path, *work;
	size_t na, nb;
	cJSON *ca;

	(void)state;
	F.dir = tp_mkdtemp();
	tp_pki_init(&pki);
	key = tp_key_ec();
	leaf = tp_issue(&pki, key, "127.0.0.1", sans, 2, -60, 86400);
	a = tp_cert_pem(leaf);
	b = tp_cert_pem(pki.intermediate);
	na = strlen(a);
	nb = strlen(b);
	a = realloc(a, na + nb + 1);
	assert_non_null(a);
	memcpy(a + na, b, nb + 1);
	cert_path = path_join(F.dir, "server.pem");
	key_path = path_join(F.dir, "server.key");
	ca_path = path_join(F.dir, "ca.pem");
	work = path_join(F.dir, "fake");
	tp_write_file(cert_path, a, strlen(a));
	free(a);
	free(b);
	k = tp_key_pem(key);
	tp_write_file(key_path, k, strlen(k));
	free(k);
	b = tp_cert_pem(pki.root);
	tp_write_file(ca_path, b, strlen(b));
	free(b);
	assert_int_equal(mkdir(work, 0700), 0);
	X509_free(leaf);
	EVP_PKEY_free(key);
	tp_pki_release(&pki);

	spawn_fake(cert_path, key_path, work);
	o.ca_bundle = ca_path;
	o.timeout_ms = 60000;
	if (cc_http_curl_new(&F.curl, &o, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		fail();
	}
	F.rec.base.ops = &rec_ops;
	F.rec.inner = F.curl;
	ca = ctl("GET", "/__fake/ca", NULL, 200);
	F.root_pem = strdup(cJSON_GetObjectItem(ca, "root")->valuestring);
	cJSON_Delete(ca);
	free(cert_path);
	free(key_path);
	free(ca_path);
	free(work);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	stop_fake();
	cc_http_free(F.curl);
	F.curl = NULL;
	free(F.root_pem);
	if (F.dir)
		tp_rmtree(F.dir);
	free(F.dir);
	F.dir = NULL;
	return 0;
}

/* Control API call (no SCM auth); returns the parsed JSON answer. */
static cJSON *ctl(const char *method, const char *path, const char *body,
		  long want)
{
	const char *hdrs[] = { "Content-Type: application/json", NULL };
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	struct cc_http_request req;
	struct cc_err err = CC_ERR_INIT;
	char url[256];
	cJSON *j;

	snprintf(url, sizeof(url), "%s%s", F.ctl, path);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = hdrs;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	if (cc_http_perform(F.curl, &req, &resp, &err)) {
		fprintf(stderr, "control call %s failed: %s\n", path, err.msg);
		fail();
	}
	assert_int_equal(resp.status, want);
	j = cJSON_ParseWithLength(resp.body.data, resp.body.len);
	assert_non_null(j);
	cc_http_response_release(&resp);
	return j;
}

/*
 * An SCM call sent by hand (to check what the fake rejects); returns the
 * HTTP status and sets *code from the error body (0 if none).
 */
static long raw_scm(const char *method, const char *path, const char *body,
		    long *code)
{
	const char *hdrs[] = {
		"login: " LOGIN, "password: " PASSWORD, "customerUri: " CUSTOMER,
		"Content-Type: application/json;charset=UTF-8", NULL
	};
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	struct cc_http_request req;
	struct cc_err err = CC_ERR_INIT;
	char url[256];
	cJSON *j, *c;
	long status;

	snprintf(url, sizeof(url), "%s%s", F.base, path);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = hdrs;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.secret_headers = 1;
	assert_int_equal(cc_http_perform(F.curl, &req, &resp, &err), CC_OK);
	status = resp.status;
	*code = 0;
	j = cJSON_ParseWithLength(resp.body.data, resp.body.len);
	c = cJSON_GetObjectItem(j, "code");
	if (cJSON_IsNumber(c))
		*code = (long)c->valuedouble;
	cJSON_Delete(j);
	cc_http_response_release(&resp);
	return status;
}

/* A logged query parameter as a number (-1 if absent or not a number). */
static long qnum(const cJSON *query, const char *name)
{
	const cJSON *v = cJSON_GetObjectItem(query, name);
	char *end;
	long n;

	if (!cJSON_IsString(v) || !v->valuestring[0])
		return -1;
	n = strtol(v->valuestring, &end, 10);
	return *end ? -1 : n;
}

static void log_clear(void)
{
	cJSON_Delete(ctl("DELETE", "/__fake/log", NULL, 200));
}

/* Requests logged whose path starts with prefix (and method, if given). */
static cJSON *log_get(const char *prefix)
{
	char path[200];

	snprintf(path, sizeof(path), "/__fake/log?prefix=%s", prefix);
	return ctl("GET", path, NULL, 200);
}

static int log_count(const char *method, const char *prefix)
{
	cJSON *l = log_get(prefix), *e;
	int n = 0;

	cJSON_ArrayForEach(e, l)
		if (!method || strcmp(cJSON_GetObjectItem(e, "method")->valuestring,
				      method) == 0)
			n++;
	cJSON_Delete(l);
	return n;
}

/* Body of the last logged request under prefix, parsed (caller frees). */
static cJSON *last_body(const char *prefix, char **raw)
{
	cJSON *l = log_get(prefix), *last, *j;
	int n = cJSON_GetArraySize(l);

	assert_true(n > 0);
	last = cJSON_GetArrayItem(l, n - 1);
	if (raw)
		*raw = strdup(cJSON_GetObjectItem(last, "body")->valuestring);
	j = cJSON_Parse(cJSON_GetObjectItem(last, "body")->valuestring);
	cJSON_Delete(l);
	return j;
}

static void set_order(long id, const char *json)
{
	char path[64];

	snprintf(path, sizeof(path), "/__fake/orders/%ld", id);
	cJSON_Delete(ctl("POST", path, json, 200));
}

static char *order_status(long id)
{
	char path[64];
	cJSON *j;
	char *s;

	snprintf(path, sizeof(path), "/__fake/orders/%ld", id);
	j = ctl("GET", path, NULL, 200);
	s = strdup(cJSON_GetObjectItem(j, "status")->valuestring);
	cJSON_Delete(j);
	return s;
}

static void set_config(const char *json)
{
	cJSON_Delete(ctl("POST", "/__fake/config", json, 200));
}

static struct cc_sectigo *client_with(const char *password,
				      struct fclock *fc, struct cc_clock *clk,
				      unsigned max_pages)
{
	struct cc_sectigo_opts o = { 0 };
	struct cc_err err = CC_ERR_INIT;
	struct cc_sectigo *s = NULL;

	memset(fc, 0, sizeof(*fc));
	clk->now = fc_now;
	clk->sleep_ms = fc_sleep;
	clk->arg = fc;
	o.base_url = F.base;
	o.login = LOGIN;
	o.customer_uri = CUSTOMER;
	o.password = password;
	o.http = &F.rec.base;
	o.clock = clk;
	o.backoff_ms = 100;
	o.backoff_max_ms = 5000;
	o.max_pages = max_pages;
	assert_int_equal(cc_sectigo_new(&s, &o, &err), CC_OK);
	return s;
}

static struct cc_sectigo *client(struct fclock *fc, struct cc_clock *clk)
{
	return client_with(PASSWORD, fc, clk, 0);
}

/* Every request so far marked its password header secret, leaked nothing. */
static void transport_clean(void)
{
	assert_true(F.rec.with_password > 0);
	assert_int_equal(F.rec.not_secret, 0);
	assert_int_equal(F.rec.leaked, 0);
}

/* ---- crypto helpers ------------------------------------------------------ */

static char *make_csr(EVP_PKEY *key, const char *cn)
{
	X509_REQ *req = X509_REQ_new();
	BIO *bio = BIO_new(BIO_s_mem());
	char *mem = NULL, *s;
	long n;

	assert_non_null(req);
	assert_non_null(bio);
	assert_true(X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req),
					       "CN", MBSTRING_UTF8,
					       (const unsigned char *)cn, -1,
					       -1, 0));
	assert_true(X509_REQ_set_pubkey(req, key));
	assert_true(X509_REQ_sign(req, key, EVP_sha256()) > 0);
	assert_true(PEM_write_bio_X509_REQ(bio, req));
	n = BIO_get_mem_data(bio, &mem);
	s = strndup(mem, (size_t)n);
	assert_non_null(s);
	BIO_free(bio);
	X509_REQ_free(req);
	return s;
}

static X509 *pem_cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);

	BIO_free(b);
	assert_non_null(x);
	return x;
}

/*
 * pem is leaf, intermediate, root: it must verify against the fake's root,
 * match key and carry every name.
 */
static void verify_chain(const char *pem, EVP_PKEY *key,
			 const char *const *names, size_t nnames)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	STACK_OF(X509) *rest = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509 *leaf, *c, *root = pem_cert(F.root_pem);
	size_t i;

	assert_null(strchr(pem, '\r'));
	leaf = PEM_read_bio_X509(b, NULL, NULL, NULL);
	assert_non_null(leaf);
	while ((c = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		assert_true(sk_X509_push(rest, c) > 0);
	ERR_clear_error();
	assert_int_equal(sk_X509_num(rest), 2);
	/* leaf first, then its issuer, then the root */
	assert_int_equal(X509_check_issued(sk_X509_value(rest, 0), leaf),
			 X509_V_OK);
	assert_int_equal(X509_check_issued(sk_X509_value(rest, 1),
					   sk_X509_value(rest, 0)), X509_V_OK);
	assert_int_equal(X509_cmp(sk_X509_value(rest, 1), root), 0);
	assert_true(X509_STORE_add_cert(store, root));
	assert_true(X509_STORE_CTX_init(ctx, store, leaf, rest));
	assert_int_equal(X509_verify_cert(ctx), 1);
	assert_int_equal(X509_check_private_key(leaf, key), 1);
	for (i = 0; i < nnames; i++)
		assert_int_equal(X509_check_host(leaf, names[i], 0, 0, NULL),
				 1);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(rest, X509_free);
	X509_free(leaf);
	X509_free(root);
	BIO_free(b);
}

static const struct cc_sectigo_field cost_center[] = {
	{ "Cost Center", "42" },
};

/* Enroll cn (+ sans) in department 2001 with profile 301, 365 days. */
static long enroll(struct cc_sectigo *s, EVP_PKEY *key, const char *cn,
		   const char *const *sans, size_t nsans, char **renew_id)
{
	struct cc_sectigo_enroll_req req = { 0 };
	struct cc_sectigo_enrolled e = { 0, NULL };
	struct cc_err err = CC_ERR_INIT;
	char *csr = make_csr(key, cn);
	long id;

	req.csr_pem = csr;
	req.org_id = 2001;
	req.profile_id = 301;
	req.term = 365;
	req.sans = sans;
	req.nsans = nsans;
	req.comments = "web frontend";
	req.external_requester = "ops@example.com";
	req.custom_fields = cost_center;
	req.ncustom_fields = 1;
	if (cc_sectigo_enroll(s, &req, &e, &err)) {
		fprintf(stderr, "enroll: %s\n", err.msg);
		fail();
	}
	assert_true(e.ssl_id > 0);
	assert_non_null(e.renew_id);
	id = e.ssl_id;
	if (renew_id)
		*renew_id = strdup(e.renew_id);
	cc_sectigo_enrolled_release(&e);
	free(csr);
	return id;
}

/* Enroll and poll once so the fake issues it (server default: 0 polls). */
static long enroll_issued(struct cc_sectigo *s, EVP_PKEY *key,
			  const char *cn)
{
	struct cc_sectigo_order o;
	struct cc_err err = CC_ERR_INIT;
	const char *sans[] = { cn };
	long id = enroll(s, key, cn, sans, 1, NULL);

	assert_int_equal(cc_sectigo_get_order(s, id, &o, &err), CC_OK);
	assert_int_equal(o.state, CC_SECTIGO_ISSUED);
	cc_sectigo_order_release(&o);
	return id;
}

/* ===== pure functions ===================================================== */

static void sectigo_parse_orgs(void **state)
{
	static const char json[] =
		"[{\"id\":1001,\"name\":\"Example Corp\",\"departments\":["
		"{\"id\":2001,\"name\":\"IT\",\"parentName\":\"Example Corp\"},"
		"{\"id\":2002,\"name\":\"Web\",\"parentName\":\"Example Corp\"}]},"
		"{\"id\":1002,\"name\":\"Empty\",\"departments\":[]},"
		"{\"id\":1003,\"name\":\"No depts\"}]";
	static const char details[] =
		"{\"id\":1001,\"name\":\"Example Corp\",\"certTypes\":[\"SSL\"],"
		"\"sslCertsApiEnabled\":true,\"clientCertsApiEnabled\":false,"
		"\"departments\":[]}";
	struct cc_sectigo_orgs l;
	struct cc_sectigo_org o;
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	assert_int_equal(cc_sectigo_parse_orgs(json, strlen(json), &l, &err),
			 CC_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].id, 1001);
	assert_string_equal(l.v[0].name, "Example Corp");
	assert_int_equal(l.v[0].ndepts, 2);
	assert_int_equal(l.v[0].depts[1].id, 2002);
	assert_string_equal(l.v[0].depts[1].name, "Web");
	assert_string_equal(l.v[0].depts[1].parent_name, "Example Corp");
	assert_int_equal(l.v[0].ssl_api_enabled, -1);
	assert_int_equal(l.v[1].ndepts, 0);
	assert_int_equal(l.v[2].ndepts, 0);
	cc_sectigo_orgs_release(&l);
	assert_null(l.v);
	cc_sectigo_orgs_release(&l);	/* twice is fine */

	assert_int_equal(cc_sectigo_parse_org(details, strlen(details), &o,
					      &err), CC_OK);
	assert_int_equal(o.ssl_api_enabled, 1);
	assert_int_equal(o.ncert_types, 1);
	assert_string_equal(o.cert_types[0], "SSL");
	cc_sectigo_org_release(&o);
	cc_sectigo_org_release(NULL);
}

static void sectigo_parse_malformed(void **state)
{
	static const char bad_id[] = "[{\"id\":\"abc\",\"name\":\"x\"}]";
	static const char bad_sans[] =
		"{\"id\":5,\"status\":\"Issued\",\"subjectAlternativeNames\":5}";
	static const char bad_date[] =
		"{\"id\":5,\"status\":\"Issued\",\"expires\":\"31/31/2026\"}";
	struct cc_sectigo_orgs l;
	struct cc_sectigo_order o;
	struct cc_sectigo_profiles p;
	struct cc_sectigo_enrolled e;
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	assert_int_equal(cc_sectigo_parse_orgs(bad_id, strlen(bad_id), &l,
					       &err), CC_EPROTO);
	assert_non_null(strstr(err.msg, "'id'"));
	assert_null(l.v);
	assert_int_equal(cc_sectigo_parse_orgs("{}", 2, &l, &err), CC_EPROTO);
	assert_non_null(strstr(err.msg, "array"));
	assert_int_equal(cc_sectigo_parse_orgs("<html>", 6, &l, &err),
			 CC_EPROTO);
	assert_int_equal(cc_sectigo_parse_orgs(NULL, 0, &l, &err), CC_EPROTO);
	assert_int_equal(cc_sectigo_parse_order(bad_sans, strlen(bad_sans),
						&o, &err), CC_EPROTO);
	assert_non_null(strstr(err.msg, "subjectAlternativeNames"));
	assert_int_equal(cc_sectigo_parse_order(bad_date, strlen(bad_date),
						&o, &err), CC_EPROTO);
	assert_non_null(strstr(err.msg, "expires"));
	assert_int_equal(cc_sectigo_parse_profiles("[{\"id\":1,\"terms\":"
						   "[\"x\"]}]", 26, &p, &err),
			 CC_EPROTO);
	assert_non_null(strstr(err.msg, "terms"));
	assert_int_equal(cc_sectigo_parse_enrolled("{\"renewId\":\"x\"}", 15,
						   &e, &err), CC_EPROTO);
	assert_non_null(strstr(err.msg, "sslId"));
	assert_null(e.renew_id);
}

static void sectigo_parse_profiles(void **state)
{
	static const char json[] =
		"[{\"id\":301,\"name\":\"OV Multi-Domain\",\"description\":\"OV\","
		"\"terms\":[365,730],\"keyTypes\":{\"RSA\":[\"2048\",\"3072\"],"
		"\"EC\":[\"P-256\",\"P-384\"]},\"useSecondaryOrgName\":false},"
		"{\"id\":303,\"name\":\"EV\",\"terms\":[365],"
		"\"keyTypes\":{\"RSA\":[\"4096\"]},\"useSecondaryOrgName\":true}]";
	static const char fields[] =
		"[{\"id\":1,\"name\":\"Cost Center\",\"mandatory\":true},"
		"{\"id\":2,\"name\":\"Ticket\",\"mandatory\":false}]";
	struct cc_sectigo_profiles l;
	struct cc_sectigo_custom_fields cf;
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	assert_int_equal(cc_sectigo_parse_profiles(json, strlen(json), &l,
						   &err), CC_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].id, 301);
	assert_string_equal(l.v[0].description, "OV");
	assert_int_equal(l.v[0].nterms, 2);
	assert_int_equal(l.v[0].terms[1], 730);
	assert_int_equal(l.v[0].nkey_types, 2);
	assert_string_equal(l.v[0].key_types[1].alg, "EC");
	assert_string_equal(l.v[0].key_types[1].params[0], "P-256");
	assert_int_equal(l.v[0].use_secondary_org_name, 0);
	assert_int_equal(l.v[1].use_secondary_org_name, 1);
	assert_true(cc_sectigo_profile_allows_term(&l.v[0], 365));
	assert_false(cc_sectigo_profile_allows_term(&l.v[0], 366));
	assert_true(cc_sectigo_profile_allows_key(&l.v[0], "rsa", "3072"));
	assert_false(cc_sectigo_profile_allows_key(&l.v[0], "RSA", "1024"));
	assert_true(cc_sectigo_profile_allows_key(&l.v[0], "EC", "P-256"));
	assert_true(cc_sectigo_profile_allows_key(&l.v[0], "ecdsa",
						  "prime256v1"));
	assert_true(cc_sectigo_profile_allows_key(&l.v[0], "EC",
						  "secp384r1"));
	assert_false(cc_sectigo_profile_allows_key(&l.v[0], "EC", "P-521"));
	assert_false(cc_sectigo_profile_allows_key(&l.v[1], "EC", "P-256"));
	cc_sectigo_profiles_release(&l);

	assert_int_equal(cc_sectigo_parse_custom_fields(fields, strlen(fields),
							&cf, &err), CC_OK);
	assert_int_equal(cf.n, 2);
	assert_string_equal(cf.v[0].name, "Cost Center");
	assert_int_equal(cf.v[0].mandatory, 1);
	assert_int_equal(cf.v[1].mandatory, 0);
	cc_sectigo_custom_fields_release(&cf);
}

static void sectigo_parse_order(void **state)
{
	static const char json[] =
		"{\"id\":1234,\"sslId\":1234,\"orgId\":1001,\"status\":\"Issued\","
		"\"orderNumber\":5678,\"backendCertId\":\"5678\","
		"\"commonName\":\"www.example.com\",\"subjectAlternativeNames\":"
		"[\"www.example.com\",\"api.example.com\"],\"certType\":{\"id\":"
		"301,\"name\":\"OV Multi-Domain\",\"terms\":[365]},\"term\":365,"
		"\"requested\":\"05/20/2025\",\"issued\":\"05/21/2025\","
		"\"expires\":\"05/21/2026\",\"serialNumber\":\"A9:3E:C0:01\","
		"\"keyType\":\"RSA - 2048\",\"externalRequester\":"
		"\"ops@example.com\",\"comments\":\"web\",\"requestedVia\":"
		"\"REST API\",\"renewed\":true,\"revoked\":null}";
	static const char page[] =
		"[{\"sslId\":7,\"commonName\":\"a.example.com\","
		"\"subjectAlternativeNames\":[\"a.example.com\"],"
		"\"serialNumber\":null},{\"sslId\":8,\"commonName\":"
		"\"b.example.com\",\"subjectAlternativeNames\":null,"
		"\"serialNumber\":\"01:02\"}]";
	struct cc_sectigo_order o;
	struct cc_sectigo_orders l = { 0 };
	struct cc_sectigo_enrolled e;
	struct cc_err err = CC_ERR_INIT;
	size_t n;

	(void)state;
	assert_int_equal(cc_sectigo_parse_order(json, strlen(json), &o, &err),
			 CC_OK);
	assert_int_equal(o.id, 1234);
	assert_int_equal(o.org_id, 1001);
	assert_string_equal(o.status, "Issued");
	assert_int_equal(o.state, CC_SECTIGO_ISSUED);
	assert_string_equal(o.common_name, "www.example.com");
	assert_int_equal(o.nsans, 2);
	assert_string_equal(o.sans[1], "api.example.com");
	assert_int_equal(o.profile_id, 301);
	assert_string_equal(o.profile_name, "OV Multi-Domain");
	assert_int_equal(o.term, 365);
	assert_int_equal(o.expires, 1779321600);
	assert_int_equal(o.issued, 1779321600 - 365 * 86400);
	assert_int_equal(o.revoked, 0);
	assert_int_equal(o.approved, 0);
	assert_string_equal(o.serial, "A9:3E:C0:01");
	assert_string_equal(o.key_type, "RSA - 2048");
	assert_string_equal(o.backend_cert_id, "5678");
	assert_string_equal(o.external_requester, "ops@example.com");
	assert_int_equal(o.renewed, 1);
	assert_int_equal(o.reason_code, -1);
	cc_sectigo_order_release(&o);

	assert_int_equal(cc_sectigo_parse_order_page(page, strlen(page), &l,
						     &n, &err), CC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].id, 7);
	assert_null(l.v[0].serial);
	assert_int_equal(l.v[1].nsans, 0);
	assert_string_equal(l.v[1].serial, "01:02");
	cc_sectigo_orders_release(&l);

	assert_int_equal(cc_sectigo_parse_enrolled(
				 "{\"sslId\":55,\"renewId\":\"gu03sW6WENt7\"}",
				 38, &e, &err), CC_OK);
	assert_int_equal(e.ssl_id, 55);
	assert_string_equal(e.renew_id, "gu03sW6WENt7");
	cc_sectigo_enrolled_release(&e);
}

static void sectigo_parse_dates(void **state)
{
	struct cc_err err = CC_ERR_INIT;
	time_t t;

	(void)state;
	assert_int_equal(cc_sectigo_parse_date("05/21/2026", &t, &err), 0);
	assert_int_equal(t, 1779321600);
	assert_int_equal(cc_sectigo_parse_date("2026-05-21", &t, &err), 0);
	assert_int_equal(t, 1779321600);
	assert_int_equal(cc_sectigo_parse_date("2026-05-21T10:00:00Z", &t,
					       &err), 0);
	assert_int_equal(t, 1779321600 + 36000);
	assert_int_equal(cc_sectigo_parse_date("2026-05-21T12:00:00.250+02:00",
					       &t, &err), 0);
	assert_int_equal(t, 1779321600 + 36000);
	assert_int_equal(cc_sectigo_parse_date("2024-02-29", &t, &err), 0);
	assert_int_equal(t, 1709164800);
	assert_int_equal(cc_sectigo_parse_date("02/29/2025", &t, &err),
			 CC_EPROTO);
	assert_int_equal(cc_sectigo_parse_date("13/01/2026", &t, &err),
			 CC_EPROTO);
	assert_int_equal(cc_sectigo_parse_date("2026-05-21junk", &t, &err),
			 CC_EPROTO);
	assert_int_equal(cc_sectigo_parse_date("garbage", &t, &err),
			 CC_EPROTO);
	assert_non_null(strstr(err.msg, "garbage"));
	assert_int_equal(cc_sectigo_parse_date("", &t, &err), CC_EPROTO);
}

static void sectigo_state_mapping(void **state)
{
	(void)state;
	assert_int_equal(cc_sectigo_state_parse("Issued"), CC_SECTIGO_ISSUED);
	assert_int_equal(cc_sectigo_state_parse("ISSUED"), CC_SECTIGO_ISSUED);
	assert_int_equal(cc_sectigo_state_parse("Requested"),
			 CC_SECTIGO_PENDING);
	assert_int_equal(cc_sectigo_state_parse("SA Approved"),
			 CC_SECTIGO_PENDING);
	assert_int_equal(cc_sectigo_state_parse("SAApproved"),
			 CC_SECTIGO_PENDING);
	assert_int_equal(cc_sectigo_state_parse("Applied"),
			 CC_SECTIGO_PENDING);
	assert_int_equal(cc_sectigo_state_parse("Declined"),
			 CC_SECTIGO_FAILED);
	assert_int_equal(cc_sectigo_state_parse("rejected"),
			 CC_SECTIGO_FAILED);
	assert_int_equal(cc_sectigo_state_parse("Revoked"),
			 CC_SECTIGO_REVOKED);
	assert_int_equal(cc_sectigo_state_parse("Expired"),
			 CC_SECTIGO_EXPIRED);
	assert_int_equal(cc_sectigo_state_parse("Replaced"),
			 CC_SECTIGO_REPLACED);
	assert_int_equal(cc_sectigo_state_parse("Enrolled - Pending Download"),
			 CC_SECTIGO_UNKNOWN);
	assert_int_equal(cc_sectigo_state_parse(NULL), CC_SECTIGO_UNKNOWN);
	assert_string_equal(cc_sectigo_state_name(CC_SECTIGO_PENDING),
			    "pending");
	assert_string_equal(cc_sectigo_state_name(CC_SECTIGO_UNKNOWN),
			    "unknown");
}

static void sectigo_map_error(void **state)
{
	static const char auth[] = "{\"code\":-16,\"description\":\"Unknown user\"}";
	static const char pend[] =
		"{\"code\":-183,\"description\":\"Certificate is not collectable.\"}";
	static const char term[] =
		"{\"code\":-36,\"description\":\"The validity period (term) is "
		"invalid for this certificate profile.\"}";
	static const char strcode[] = "{\"code\":\"-1450\",\"description\":\"x\"}";
	char big[1200];
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	assert_int_equal(cc_sectigo_map_error(401, auth, strlen(auth), &err),
			 CC_EAUTH);
	assert_string_equal(err.msg, "Unknown user (SCM code -16)");
	assert_string_equal(err.problem, "-16");
	assert_int_equal(err.http_status, 401);
	assert_int_equal(err.code, CC_EAUTH);

	assert_int_equal(cc_sectigo_map_error(400, pend, strlen(pend), &err),
			 CC_EPENDING);
	assert_string_equal(err.problem, "-183");
	assert_int_equal(cc_sectigo_map_error(400, term, strlen(term), &err),
			 CC_EINVAL);
	assert_non_null(strstr(err.msg, "(SCM code -36)"));
	assert_int_equal(cc_sectigo_map_error(400, strcode, strlen(strcode),
					      &err), CC_EUNSUPPORTED);
	assert_string_equal(err.problem, "-1450");

	assert_int_equal(cc_sectigo_map_error(404, "<html>", 6, &err),
			 CC_ENOENT);
	assert_string_equal(err.problem, "");
	assert_string_equal(err.msg, "unexpected http status 404 from scm");
	assert_int_equal(cc_sectigo_map_error(503, NULL, 0, &err), CC_EHTTP);
	assert_int_equal(err.http_status, 503);
	assert_int_equal(cc_sectigo_map_error(429, "", 0, &err),
			 CC_ERATELIMIT);
	assert_int_equal(cc_sectigo_map_error(401, NULL, 0, &err), CC_EAUTH);
	assert_int_equal(cc_sectigo_map_error(400, "{\"code\":-124}", 13,
					      &err), CC_ENOENT);
	assert_string_equal(err.msg, "scm error (SCM code -124)");
	assert_int_equal(cc_sectigo_map_error(400, auth, strlen(auth), NULL),
			 CC_EAUTH);

	/* a long description with line breaks stays one bounded line */
	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"code\":-2,\"description\":\"a\\nb", 30);
	memcpy(big + sizeof(big) - 3, "\"}", 3);
	assert_int_equal(cc_sectigo_map_error(500, big, strlen(big), &err),
			 CC_EHTTP);
	assert_null(strchr(err.msg, '\n'));
	assert_true(strncmp(err.msg, "a b", 3) == 0);
	assert_non_null(strstr(err.msg, "(SCM code -2)"));
}

static void sectigo_enroll_json(void **state)
{
	static const char csr[] =
		"-----BEGIN CERTIFICATE REQUEST-----\nMIIBaz+/=\n"
		"-----END CERTIFICATE REQUEST-----\n\n  ";
	const char *sans[] = { "www.example.com", "api.example.com" };
	const char *bad_sans[] = { "a.example.com,b.example.com" };
	struct cc_sectigo_field cf[] = { { "Cost Center", "42" } };
	struct cc_sectigo_enroll_req req = { 0 };
	struct cc_err err = CC_ERR_INIT;
	char *json, *long_text;
	cJSON *j, *f;

	(void)state;
	req.csr_pem = csr;
	req.org_id = 2001;
	req.profile_id = 301;
	req.term = 365;
	req.sans = sans;
	req.nsans = 2;
	req.comments = "web frontend";
	req.external_requester = "ops@example.com";
	req.custom_fields = cf;
	req.ncustom_fields = 1;
	assert_int_equal(cc_sectigo_enroll_json(&req, &json, &err), CC_OK);
	j = cJSON_Parse(json);
	assert_non_null(j);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(j, "orgId")));
	assert_int_equal(cJSON_GetObjectItem(j, "orgId")->valueint, 2001);
	assert_int_equal(cJSON_GetObjectItem(j, "certType")->valueint, 301);
	assert_int_equal(cJSON_GetObjectItem(j, "term")->valueint, 365);
	/* SANs as ONE comma-separated string on enroll */
	assert_true(cJSON_IsString(cJSON_GetObjectItem(j, "subjAltNames")));
	assert_string_equal(cJSON_GetObjectItem(j, "subjAltNames")->valuestring,
			    "www.example.com,api.example.com");
	assert_string_equal(cJSON_GetObjectItem(j, "csr")->valuestring,
			    "-----BEGIN CERTIFICATE REQUEST-----\nMIIBaz+/=\n"
			    "-----END CERTIFICATE REQUEST-----");
	assert_string_equal(cJSON_GetObjectItem(j, "comments")->valuestring,
			    "web frontend");
	assert_string_equal(cJSON_GetObjectItem(j,
						"externalRequester")->valuestring,
			    "ops@example.com");
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "customFields"), 0);
	assert_string_equal(cJSON_GetObjectItem(f, "name")->valuestring,
			    "Cost Center");
	assert_string_equal(cJSON_GetObjectItem(f, "value")->valuestring, "42");
	assert_int_equal(cJSON_GetObjectItem(j, "numberServers")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(j, "serverType")->valueint, -1);
	assert_null(cJSON_GetObjectItem(j, "dcvMode"));
	cJSON_Delete(j);
	free(json);

	/* comments: 1024 characters (even 2 bytes each) pass, 1025 do not */
	long_text = malloc(2049);
	assert_non_null(long_text);
	for (int i = 0; i < 1024; i++)
		memcpy(long_text + 2 * i, "\xc3\xa9", 2);
	long_text[2048] = '\0';
	req.comments = long_text;
	assert_int_equal(cc_sectigo_enroll_json(&req, &json, &err), CC_OK);
	free(json);
	memset(long_text, 'c', 1025);
	long_text[1025] = '\0';
	assert_int_equal(cc_sectigo_enroll_json(&req, &json, &err), CC_EINVAL);
	assert_null(json);
	assert_non_null(strstr(err.msg, "comments"));
	req.comments = NULL;
	memset(long_text, 'e', 513);
	long_text[513] = '\0';
	req.external_requester = long_text;
	assert_int_equal(cc_sectigo_enroll_json(&req, &json, &err), CC_EINVAL);
	req.external_requester = NULL;
	free(long_text);

	req.sans = bad_sans;
	req.nsans = 1;
	assert_int_equal(cc_sectigo_enroll_json(&req, &json, &err), CC_EINVAL);
	req.nsans = 0;
	req.csr_pem = "-----BEGIN CERTIFICATE REQUEST-----\n\"}\n";
	assert_int_equal(cc_sectigo_enroll_json(&req, &json, &err), CC_EINVAL);
	req.csr_pem = "  \n";
	assert_int_equal(cc_sectigo_enroll_json(&req, &json, &err), CC_EINVAL);
	req.csr_pem = csr;
	req.term = 0;
	assert_int_equal(cc_sectigo_enroll_json(&req, &json, &err), CC_EINVAL);
	req.term = 365;
	assert_int_equal(cc_sectigo_enroll_json(&req, &json, &err), CC_OK);
	j = cJSON_Parse(json);
	assert_null(cJSON_GetObjectItem(j, "subjAltNames"));
	cJSON_Delete(j);
	free(json);
}

static void sectigo_replace_json(void **state)
{
	static const char csr[] =
		"-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n"
		"-----END CERTIFICATE REQUEST-----\n";
	const char *sans[] = { "www.example.com", "new.example.com" };
	struct cc_sectigo_replace_req req = { 0 };
	struct cc_err err = CC_ERR_INIT;
	char *json;
	cJSON *j, *a;

	(void)state;
	req.csr_pem = csr;
	req.reason = "key rotation";
	req.sans = sans;
	req.nsans = 2;
	assert_int_equal(cc_sectigo_replace_json(&req, &json, &err), CC_OK);
	j = cJSON_Parse(json);
	a = cJSON_GetObjectItem(j, "subjectAlternativeNames");
	/* SANs as an ARRAY on replace */
	assert_true(cJSON_IsArray(a));
	assert_int_equal(cJSON_GetArraySize(a), 2);
	assert_string_equal(cJSON_GetArrayItem(a, 1)->valuestring,
			    "new.example.com");
	assert_string_equal(cJSON_GetObjectItem(j, "reason")->valuestring,
			    "key rotation");
	assert_null(cJSON_GetObjectItem(j, "commonName"));
	cJSON_Delete(j);
	free(json);
	req.reason = NULL;
	assert_int_equal(cc_sectigo_replace_json(&req, &json, &err), CC_EINVAL);
	assert_non_null(strstr(err.msg, "reason"));
	req.reason = "";
	assert_int_equal(cc_sectigo_replace_json(&req, &json, &err), CC_EINVAL);
	req.reason = "x";
	req.common_name = "";
	assert_int_equal(cc_sectigo_replace_json(&req, &json, &err), CC_EINVAL);
}

static void sectigo_new_rejects_bad_args(void **state)
{
	struct rec_http dummy = { { &rec_ops }, NULL, 0, 0, 0, 0 };
	struct cc_sectigo_opts o = { 0 };
	struct cc_err err = CC_ERR_INIT;
	struct cc_sectigo *s = NULL;

	(void)state;
	o.base_url = "https://cert-manager.com/api/";
	o.login = "admin";
	o.customer_uri = "ACME";
	o.password = "pw";
	o.http = &dummy.base;
	assert_int_equal(cc_sectigo_new(&s, &o, &err), CC_OK);
	cc_sectigo_free(s);
	cc_sectigo_free(NULL);
	o.base_url = "http://cert-manager.com/api";
	assert_int_equal(cc_sectigo_new(&s, &o, &err), CC_EINVAL);
	assert_null(s);
	o.base_url = "https://cert-manager.com/api";
	o.login = "admin\r\nX-Evil: 1";
	assert_int_equal(cc_sectigo_new(&s, &o, &err), CC_EINVAL);
	o.login = "admin";
	o.password = "";
	assert_int_equal(cc_sectigo_new(&s, &o, &err), CC_EINVAL);
	o.password = "p\nw";
	assert_int_equal(cc_sectigo_new(&s, &o, &err), CC_EINVAL);
	assert_null(strstr(err.msg, "p\nw"));
	o.password = "pw";
	o.http = NULL;
	assert_int_equal(cc_sectigo_new(&s, &o, &err), CC_EINVAL);
}

/* ===== against the fake server ============================================ */

static void sectigo_auth_failure(void **state)
{
	struct fclock fc;
	struct cc_clock clk;
	struct cc_err err = CC_ERR_INIT;
	struct cc_sectigo *s;
	struct cc_sectigo_opts o = { 0 };
	long code;

	(void)state;
	s = client_with("wrong-Pa55word", &fc, &clk, 0);
	assert_int_equal(cc_sectigo_check(s, &err), CC_EAUTH);
	assert_non_null(strstr(err.msg, "-16"));
	assert_non_null(strstr(err.msg, "(SCM code -16)"));
	assert_string_equal(err.problem, "-16");
	assert_int_equal(err.http_status, 401);
	assert_null(strstr(err.msg, "wrong-Pa55word"));
	no_secret(&err);
	assert_int_equal(fc.nsleeps, 0);	/* credentials: no retry */
	cc_sectigo_free(s);

	/* right password, wrong customer URI */
	o.base_url = F.base;
	o.login = LOGIN;
	o.customer_uri = "OTHER";
	o.password = PASSWORD;
	o.http = &F.rec.base;
	clk.now = fc_now;
	clk.sleep_ms = fc_sleep;
	clk.arg = &fc;
	o.clock = &clk;
	assert_int_equal(cc_sectigo_new(&s, &o, &err), CC_OK);
	assert_int_equal(cc_sectigo_check(s, &err), CC_EAUTH);
	no_secret(&err);
	cc_sectigo_free(s);

	/* the fake itself: no password header -> 401 / -16 */
	{
		const char *hdrs[] = { "login: " LOGIN,
				       "customerUri: " CUSTOMER, NULL };
		struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
		struct cc_http_request req = { 0 };
		char url[128];

		snprintf(url, sizeof(url), "%s/ssl/v1/types", F.base);
		req.method = "GET";
		req.url = url;
		req.headers = hdrs;
		assert_int_equal(cc_http_perform(F.curl, &req, &resp, &err),
				 CC_OK);
		assert_int_equal(resp.status, 401);
		assert_int_equal(cc_sectigo_map_error(resp.status,
						      resp.body.data,
						      resp.body.len, &err),
				 CC_EAUTH);
		assert_string_equal(err.problem, "-16");
		cc_http_response_release(&resp);
	}
	assert_int_equal(raw_scm("GET", "/ssl/v1/types", NULL, &code), 200);
	transport_clean();
}

static void sectigo_sync_lists(void **state)
{
	struct fclock fc;
	struct cc_clock clk;
	struct cc_err err = CC_ERR_INIT;
	struct cc_sectigo *s;
	struct cc_sectigo_orgs orgs;
	struct cc_sectigo_org org;
	struct cc_sectigo_profiles prof;
	struct cc_sectigo_custom_fields cf;
	struct cc_sectigo_domains doms;
	struct cc_sectigo_domain dom;
	cJSON *l, *e;
	size_t i;

	(void)state;
	s = client(&fc, &clk);
	assert_int_equal(cc_sectigo_check(s, &err), CC_OK);

	assert_int_equal(cc_sectigo_list_orgs(s, &orgs, &err), CC_OK);
	assert_int_equal(orgs.n, 3);
	assert_int_equal(orgs.v[0].id, 1001);
	assert_int_equal(orgs.v[0].ndepts, 2);
	assert_int_equal(orgs.v[0].depts[0].id, 2001);
	assert_string_equal(orgs.v[0].depts[0].parent_name, "Example Corp");
	assert_int_equal(orgs.v[2].ndepts, 1);
	cc_sectigo_orgs_release(&orgs);

	assert_int_equal(cc_sectigo_get_org(s, 1001, &org, &err), CC_OK);
	assert_int_equal(org.ssl_api_enabled, 1);
	assert_string_equal(org.cert_types[0], "SSL");
	cc_sectigo_org_release(&org);
	assert_int_equal(cc_sectigo_get_org(s, 1002, &org, &err), CC_OK);
	assert_int_equal(org.ssl_api_enabled, 0);
	assert_int_equal(org.ncert_types, 0);
	cc_sectigo_org_release(&org);
	assert_int_equal(cc_sectigo_get_org(s, 4242, &org, &err), CC_ENOENT);
	assert_int_equal(err.http_status, 404);
	no_secret(&err);

	assert_int_equal(cc_sectigo_list_profiles(s, 0, &prof, &err), CC_OK);
	assert_int_equal(prof.n, 3);
	assert_int_equal(prof.v[0].id, 301);
	assert_true(cc_sectigo_profile_allows_term(&prof.v[0], 730));
	assert_true(cc_sectigo_profile_allows_key(&prof.v[0], "EC", "P-384"));
	assert_false(cc_sectigo_profile_allows_key(&prof.v[2], "EC", "P-256"));
	cc_sectigo_profiles_release(&prof);
	/* EV (303) is only available to org 1001 */
	assert_int_equal(cc_sectigo_list_profiles(s, 1003, &prof, &err), CC_OK);
	assert_int_equal(prof.n, 2);
	cc_sectigo_profiles_release(&prof);
	/* REST API disabled for this org */
	assert_int_equal(cc_sectigo_list_profiles(s, 1002, &prof, &err),
			 CC_EINVAL);
	assert_string_equal(err.problem, "-1021");
	no_secret(&err);

	assert_int_equal(cc_sectigo_list_custom_fields(s, &cf, &err), CC_OK);
	assert_int_equal(cf.n, 2);
	assert_int_equal(cf.v[0].mandatory, 1);
	cc_sectigo_custom_fields_release(&cf);

	log_clear();
	assert_int_equal(cc_sectigo_list_domains(s, &doms, &err), CC_OK);
	assert_int_equal(doms.total, 205);
	assert_int_equal(doms.n, 205);
	assert_string_equal(doms.v[0].name, "example.com");
	assert_string_equal(doms.v[204].name, "d201.example.org");
	/* two pages of at most 200 */
	l = log_get("/api/domain/v1");
	assert_int_equal(cJSON_GetArraySize(l), 2);
	i = 0;
	cJSON_ArrayForEach(e, l) {
		cJSON *q = cJSON_GetObjectItem(e, "query");

		assert_string_equal(cJSON_GetObjectItem(q, "size")->valuestring,
				    "200");
		assert_int_equal(qnum(q, "position"), 200 * i);
		i++;
	}
	cJSON_Delete(l);
	assert_int_equal(cc_sectigo_get_domain(s, doms.v[0].id, &dom, &err),
			 CC_OK);
	assert_string_equal(dom.validation_status, "VALIDATED");
	assert_int_equal(dom.validated, 1);
	assert_int_equal(dom.dcv_expires, 1736899200 + 365 * 86400);
	cc_sectigo_domain_release(&dom);
	assert_int_equal(cc_sectigo_get_domain(s, doms.v[1].id, &dom, &err),
			 CC_OK);
	assert_int_equal(dom.validated, 0);
	cc_sectigo_domain_release(&dom);
	cc_sectigo_domains_release(&doms);
	cc_sectigo_free(s);
	transport_clean();
}

static void sectigo_list_orders_paging(void **state)
{
	struct cc_sectigo_order_filter f = { 0 };
	struct fclock fc;
	struct cc_clock clk;
	struct cc_err err = CC_ERR_INIT;
	struct cc_sectigo *s;
	struct cc_sectigo_orders l;
	cJSON *seed, *log, *e, *q;
	size_t i, expect_pages;

	(void)state;
	seed = ctl("POST", "/__fake/seed", "{\"count\":520}", 200);
	assert_true(cJSON_GetObjectItem(seed, "total")->valueint >= 520);
	cJSON_Delete(seed);
	s = client(&fc, &clk);
	log_clear();
	assert_int_equal(cc_sectigo_list_orders(s, NULL, &l, &err), CC_OK);
	assert_true(l.total >= 520);
	assert_int_equal(l.n, l.total);
	expect_pages = (l.total + 199) / 200;
	assert_int_equal(l.pages, expect_pages);
	for (i = 1; i < l.n; i++)
		assert_true(l.v[i - 1].id < l.v[i].id);
	log = log_get("/api/ssl/v1");
	assert_int_equal(cJSON_GetArraySize(log), (int)expect_pages);
	i = 0;
	cJSON_ArrayForEach(e, log) {
		q = cJSON_GetObjectItem(e, "query");
		assert_string_equal(cJSON_GetObjectItem(e, "path")->valuestring,
				    "/api/ssl/v1");
		assert_in_range(qnum(q, "size"), 1, 200);
		assert_int_equal(qnum(q, "position"), 200 * i);
		i++;
	}
	cJSON_Delete(log);
	cc_sectigo_orders_release(&l);

	/* filters are sent (URL-encoded) and applied */
	f.status = "Issued";
	f.common_name = "seed00007.example.com";
	log_clear();
	assert_int_equal(cc_sectigo_list_orders(s, &f, &l, &err), CC_OK);
	assert_true(l.n >= 1);
	assert_int_equal(l.n, l.total);
	for (i = 0; i < l.n; i++)
		assert_string_equal(l.v[i].common_name, "seed00007.example.com");
	assert_non_null(l.v[0].serial);
	cc_sectigo_orders_release(&l);
	log = log_get("/api/ssl/v1");
	q = cJSON_GetObjectItem(cJSON_GetArrayItem(log, 0), "query");
	assert_string_equal(cJSON_GetObjectItem(q, "commonName")->valuestring,
			    "seed00007.example.com");
	assert_string_equal(cJSON_GetObjectItem(q, "status")->valuestring,
			    "Issued");
	cJSON_Delete(log);
	cc_sectigo_free(s);

	/* the page count is bounded */
	s = client_with(PASSWORD, &fc, &clk, 2);
	log_clear();
	assert_int_equal(cc_sectigo_list_orders(s, NULL, &l, &err), CC_EPROTO);
	no_secret(&err);
	assert_int_equal(l.n, 0);
	assert_int_equal(log_count("GET", "/api/ssl/v1"), 2);
	cc_sectigo_free(s);
	transport_clean();
}

static void sectigo_enroll_collect_pending(void **state)
{
	const char *sans[] = { "www.example.com", "api.example.com" };
	struct fclock fc;
	struct cc_clock clk;
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf buf = CC_BUF_INIT;
	struct cc_sectigo *s;
	struct cc_sectigo_order o;
	EVP_PKEY *key = tp_key_ec();
	cJSON *body, *l, *e, *hdr;
	char path[64];
	long id;
	int i;

	(void)state;
	s = client(&fc, &clk);
	log_clear();
	id = enroll(s, key, "www.example.com", sans, 2, NULL);

	/* what went over the wire */
	body = last_body("/api/ssl/v1/enroll", NULL);
	assert_non_null(body);
	assert_true(cJSON_IsString(cJSON_GetObjectItem(body, "subjAltNames")));
	assert_string_equal(cJSON_GetObjectItem(body,
						"subjAltNames")->valuestring,
			    "www.example.com,api.example.com");
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(body, "orgId")));
	assert_int_equal(cJSON_GetObjectItem(body, "orgId")->valueint, 2001);
	assert_int_equal(cJSON_GetObjectItem(body, "certType")->valueint, 301);
	assert_string_equal(cJSON_GetObjectItem(body, "comments")->valuestring,
			    "web frontend");
	assert_true(strncmp(cJSON_GetObjectItem(body, "csr")->valuestring,
			    "-----BEGIN CERTIFICATE REQUEST-----", 35) == 0);
	cJSON_Delete(body);
	l = log_get("/api/ssl/v1/enroll");
	hdr = cJSON_GetObjectItem(cJSON_GetArrayItem(l, 0), "headers");
	assert_non_null(strstr(cJSON_GetObjectItem(hdr,
						   "Content-Type")->valuestring,
			       "application/json"));
	assert_string_equal(cJSON_GetObjectItem(hdr, "login")->valuestring,
			    LOGIN);
	assert_string_equal(cJSON_GetObjectItem(hdr, "customerUri")->valuestring,
			    CUSTOMER);
	cJSON_Delete(l);

	/* pending across three checks */
	set_order(id, "{\"polls\":3}");
	for (i = 0; i < 3; i++) {
		cc_buf_add(&buf, "junk", 4);
		assert_int_equal(cc_sectigo_collect(s, id, "x509CO", &buf, &err),
				 CC_EPENDING);
		assert_string_equal(err.problem, "-183");
		assert_int_equal(err.http_status, 400);
		assert_non_null(strstr(err.msg, "(SCM code -183)"));
		assert_int_equal(buf.len, 0);
		no_secret(&err);
	}
	assert_int_equal(fc.nsleeps, 0);	/* pending is not retried */
	snprintf(path, sizeof(path), "/api/ssl/v1/collect/%ld", id);
	l = log_get(path);
	assert_int_equal(cJSON_GetArraySize(l), 3);
	cJSON_ArrayForEach(e, l)
		assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(e,
				"query"), "format")->valuestring, "x509CO");
	cJSON_Delete(l);

	/* the next check finds it issued */
	assert_int_equal(cc_sectigo_get_order(s, id, &o, &err), CC_OK);
	assert_int_equal(o.id, id);
	assert_int_equal(o.state, CC_SECTIGO_ISSUED);
	assert_string_equal(o.status, "Issued");
	assert_int_equal(o.org_id, 2001);
	assert_int_equal(o.profile_id, 301);
	assert_string_equal(o.common_name, "www.example.com");
	assert_int_equal(o.nsans, 2);
	assert_non_null(o.serial);
	assert_string_equal(o.key_type, "EC - P-256");
	assert_string_equal(o.comments, "web frontend");
	assert_true(o.expires > time(NULL) + 360 * 86400L);
	cc_sectigo_order_release(&o);

	assert_int_equal(cc_sectigo_collect_chain(s, id, &buf, &err), CC_OK);
	verify_chain(buf.data, key, sans, 2);
	cc_buf_release(&buf);
	cc_sectigo_free(s);
	EVP_PKEY_free(key);
	transport_clean();
}

static void sectigo_collect_formats(void **state)
{
	struct fclock fc;
	struct cc_clock clk;
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf buf = CC_BUF_INIT;
	struct cc_sectigo *s;
	EVP_PKEY *key = tp_key_ec();
	const char *names[] = { "fmt.example.com" };
	cJSON *l;
	char path[64], *p;
	X509 *first, *root;
	int n;
	long id;

	(void)state;
	s = client(&fc, &clk);
	id = enroll_issued(s, key, "fmt.example.com");

	/* x509: the whole chain, root first, CRLF from this server */
	assert_int_equal(cc_sectigo_collect(s, id, "x509", &buf, &err), CC_OK);
	for (n = 0, p = buf.data; (p = strstr(p, "-----BEGIN CERT")); p++)
		n++;
	assert_int_equal(n, 3);
	assert_non_null(strstr(buf.data, "\r\n"));
	first = pem_cert(buf.data);
	root = pem_cert(F.root_pem);
	assert_int_equal(X509_cmp(first, root), 0);
	X509_free(first);
	X509_free(root);
	assert_int_equal(cc_sectigo_collect(s, id, "base64", &buf, &err),
			 CC_OK);
	assert_non_null(strstr(buf.data, "-----BEGIN PKCS7-----"));

	assert_int_equal(cc_sectigo_collect(s, id, "nonsense", &buf, &err),
			 CC_EUNSUPPORTED);
	assert_string_equal(err.problem, "-126");
	no_secret(&err);
	assert_int_equal(cc_sectigo_collect(s, id, "x509 CO", &buf, &err),
			 CC_EINVAL);
	no_secret(&err);
	assert_int_equal(cc_sectigo_collect(s, 99999999, "x509CO", &buf, &err),
			 CC_ENOENT);
	assert_string_equal(err.problem, "-124");
	no_secret(&err);

	/* an instance that only knows /collect/{id}/{format} */
	set_config("{\"legacyCollect\":true}");
	log_clear();
	assert_int_equal(cc_sectigo_collect_chain(s, id, &buf, &err), CC_OK);
	verify_chain(buf.data, key, names, 1);
	snprintf(path, sizeof(path), "/api/ssl/v1/collect/%ld/x509CO", id);
	assert_int_equal(log_count("GET", path), 1);
	snprintf(path, sizeof(path), "/api/ssl/v1/collect/%ld", id);
	l = log_get(path);
	assert_int_equal(cJSON_GetArraySize(l), 4);	/* 2 x (404, 200) */
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(l, 0),
					     "status")->valueint, 404);
	cJSON_Delete(l);
	set_config("{\"legacyCollect\":false}");

	/* an instance that refuses PKCS#7 */
	set_config("{\"refusePkcs7\":true}");
	assert_int_equal(cc_sectigo_collect(s, id, "base64", &buf, &err),
			 CC_EUNSUPPORTED);
	assert_string_equal(err.problem, "-1450");
	no_secret(&err);
	assert_int_equal(cc_sectigo_collect_chain(s, id, &buf, &err), CC_OK);
	set_config("{\"refusePkcs7\":false}");

	/* revoked: -110 is final */
	assert_int_equal(cc_sectigo_revoke(s, id, 5, "done", &err), CC_OK);
	assert_int_equal(cc_sectigo_collect(s, id, "x509CO", &buf, &err),
			 CC_EINVAL);
	assert_string_equal(err.problem, "-110");
	no_secret(&err);

	cc_buf_release(&buf);
	cc_sectigo_free(s);
	EVP_PKEY_free(key);
	transport_clean();
}

static void sectigo_renew(void **state)
{
	struct fclock fc;
	struct cc_clock clk;
	struct cc_err err = CC_ERR_INIT;
	struct cc_sectigo *s;
	struct cc_sectigo_order o;
	EVP_PKEY *key = tp_key_ec(), *key2 = tp_key_ec(), *rsa;
	struct cc_sectigo_enroll_req req = { 0 };
	struct cc_sectigo_enrolled e;
	const char *sans[] = { "renew.example.com" };
	char path[96], *raw, *csr, *renew_id = NULL;
	cJSON *body;
	long id, new_id, new2, code;

	(void)state;
	s = client(&fc, &clk);
	id = enroll(s, key, "renew.example.com", sans, 1, &renew_id);
	assert_int_equal(cc_sectigo_get_order(s, id, &o, &err), CC_OK);
	cc_sectigo_order_release(&o);

	/* same key: the body is an empty JSON object */
	assert_int_equal(cc_sectigo_renew(s, id, NULL, &new_id, &err), CC_OK);
	assert_true(new_id > id);
	snprintf(path, sizeof(path), "/api/ssl/v1/renewById/%ld", id);
	body = last_body(path, &raw);
	assert_string_equal(raw, "{}");
	assert_true(cJSON_IsObject(body));
	cJSON_Delete(body);
	free(raw);
	assert_int_equal(cc_sectigo_get_order(s, id, &o, &err), CC_OK);
	assert_int_equal(o.renewed, 1);
	cc_sectigo_order_release(&o);
	assert_int_equal(cc_sectigo_get_order(s, new_id, &o, &err), CC_OK);
	assert_string_equal(o.common_name, "renew.example.com");
	cc_sectigo_order_release(&o);

	/* new key: {"csr": ...} */
	csr = make_csr(key2, "renew.example.com");
	assert_int_equal(cc_sectigo_renew(s, id, csr, &new2, &err), CC_OK);
	assert_true(new2 > new_id);
	body = last_body(path, NULL);
	assert_true(strncmp(cJSON_GetObjectItem(body, "csr")->valuestring,
			    "-----BEGIN CERTIFICATE REQUEST-----", 35) == 0);
	cJSON_Delete(body);
	free(csr);

	/* by renewId: 204, no new id */
	assert_int_equal(cc_sectigo_renew_by_renew_id(s, renew_id, NULL, &err),
			 CC_OK);
	snprintf(path, sizeof(path), "/api/ssl/v1/renew/%s", renew_id);
	body = last_body(path, &raw);
	assert_string_equal(raw, "{}");
	cJSON_Delete(body);
	free(raw);
	assert_int_equal(cc_sectigo_renew_by_renew_id(s, "no-such-id", NULL,
						      &err), CC_ENOENT);
	assert_string_equal(err.problem, "-123");
	no_secret(&err);

	/* the fake rejects a non-object body as SCM does */
	snprintf(path, sizeof(path), "/ssl/v1/renewById/%ld", id);
	assert_int_equal(raw_scm("POST", path, "\"\"", &code), 400);
	assert_int_equal(code, -1002);
	assert_int_equal(raw_scm("POST", path, NULL, &code), 400);
	assert_int_equal(code, -1002);
	assert_int_equal(raw_scm("POST", path, "[]", &code), 400);
	assert_int_equal(code, -1002);

	/* a pending order cannot be renewed; EV does not allow renew */
	set_order(new2, "{\"status\":\"Applied\",\"polls\":5}");
	assert_int_equal(cc_sectigo_renew(s, new2, NULL, &new_id, &err),
			 CC_EINVAL);
	assert_string_equal(err.problem, "-105");
	assert_int_equal(new_id, 0);
	no_secret(&err);
	rsa = tp_key_rsa(2048);
	csr = make_csr(rsa, "ev.example.com");
	req.csr_pem = csr;
	req.org_id = 1001;
	req.profile_id = 303;
	req.term = 365;
	req.custom_fields = cost_center;
	req.ncustom_fields = 1;
	assert_int_equal(cc_sectigo_enroll(s, &req, &e, &err), CC_OK);
	assert_int_equal(cc_sectigo_renew(s, e.ssl_id, NULL, &new_id, &err),
			 CC_EUNSUPPORTED);
	assert_string_equal(err.problem, "-180");
	no_secret(&err);
	cc_sectigo_enrolled_release(&e);
	free(csr);
	EVP_PKEY_free(rsa);

	free(renew_id);
	cc_sectigo_free(s);
	EVP_PKEY_free(key);
	EVP_PKEY_free(key2);
	transport_clean();
}

static void sectigo_replace(void **state)
{
	const char *sans[] = { "www.example.com", "new.example.com" };
	struct cc_sectigo_replace_req req = { 0 };
	struct fclock fc;
	struct cc_clock clk;
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf buf = CC_BUF_INIT;
	struct cc_sectigo *s;
	struct cc_sectigo_order o;
	EVP_PKEY *key = tp_key_ec(), *key2 = tp_key_ec();
	char path[64], *csr, *serial, *body_s;
	cJSON *body, *a;
	long id, code;
	unsigned before;

	(void)state;
	s = client(&fc, &clk);
	id = enroll_issued(s, key, "www.example.com");
	assert_int_equal(cc_sectigo_get_order(s, id, &o, &err), CC_OK);
	serial = strdup(o.serial);
	cc_sectigo_order_release(&o);

	csr = make_csr(key2, "www.example.com");
	req.csr_pem = csr;
	req.reason = "key rotation";
	req.sans = sans;
	req.nsans = 2;
	assert_int_equal(cc_sectigo_replace(s, id, &req, &err), CC_OK);
	snprintf(path, sizeof(path), "/api/ssl/v1/replace/%ld", id);
	body = last_body(path, NULL);
	a = cJSON_GetObjectItem(body, "subjectAlternativeNames");
	assert_true(cJSON_IsArray(a));
	assert_int_equal(cJSON_GetArraySize(a), 2);
	assert_string_equal(cJSON_GetArrayItem(a, 1)->valuestring,
			    "new.example.com");
	assert_string_equal(cJSON_GetObjectItem(body, "reason")->valuestring,
			    "key rotation");
	cJSON_Delete(body);

	/* same sslId, reissued with a new serial, new key and new SAN */
	assert_int_equal(cc_sectigo_get_order(s, id, &o, &err), CC_OK);
	assert_int_equal(o.id, id);
	assert_int_equal(o.state, CC_SECTIGO_ISSUED);
	assert_string_not_equal(o.serial, serial);
	cc_sectigo_order_release(&o);
	assert_int_equal(cc_sectigo_collect_chain(s, id, &buf, &err), CC_OK);
	verify_chain(buf.data, key2, sans, 2);
	cc_buf_release(&buf);

	/* no reason: refused before anything is sent */
	before = F.rec.requests;
	req.reason = NULL;
	assert_int_equal(cc_sectigo_replace(s, id, &req, &err), CC_EINVAL);
	no_secret(&err);
	assert_int_equal(F.rec.requests, before);

	/* the fake: replace takes an array, enroll a string */
	snprintf(path, sizeof(path), "/ssl/v1/replace/%ld", id);
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "csr", csr);
	cJSON_AddStringToObject(body, "reason", "x");
	cJSON_AddStringToObject(body, "subjectAlternativeNames", "a.example.com");
	body_s = cJSON_PrintUnformatted(body);
	assert_int_equal(raw_scm("POST", path, body_s, &code), 400);
	assert_int_equal(code, -1002);
	free(body_s);
	cJSON_DeleteItemFromObject(body, "subjectAlternativeNames");
	cJSON_DeleteItemFromObject(body, "reason");
	body_s = cJSON_PrintUnformatted(body);
	assert_int_equal(raw_scm("POST", path, body_s, &code), 400);
	assert_int_equal(code, -7);
	free(body_s);
	cJSON_Delete(body);
	body = cJSON_CreateObject();
	cJSON_AddNumberToObject(body, "orgId", 2001);
	cJSON_AddStringToObject(body, "csr", csr);
	cJSON_AddNumberToObject(body, "certType", 301);
	cJSON_AddNumberToObject(body, "term", 365);
	cJSON_AddItemToObject(body, "subjAltNames",
			      cJSON_CreateStringArray(sans, 2));
	body_s = cJSON_PrintUnformatted(body);
	assert_int_equal(raw_scm("POST", "/ssl/v1/enroll", body_s, &code),
			 400);
	assert_int_equal(code, -1002);
	free(body_s);
	cJSON_Delete(body);

	free(serial);
	free(csr);
	cc_sectigo_free(s);
	EVP_PKEY_free(key);
	EVP_PKEY_free(key2);
	transport_clean();
}

static void sectigo_revoke(void **state)
{
	struct fclock fc;
	struct cc_clock clk;
	struct cc_err err = CC_ERR_INIT;
	struct cc_sectigo *s;
	struct cc_sectigo_order o;
	EVP_PKEY *key = tp_key_ec();
	const char *sans[] = { "pending.example.com" };
	char path[64], *st;
	cJSON *body, *j;
	long id, id2, id3, code;
	unsigned before;

	(void)state;
	s = client(&fc, &clk);
	log_clear();
	id = enroll_issued(s, key, "revoke.example.com");
	assert_int_equal(cc_sectigo_revoke(s, id, CC_SECTIGO_REVOKE_SUPERSEDED,
					   "superseded by a new key", &err),
			 CC_OK);
	snprintf(path, sizeof(path), "/api/ssl/v1/revoke/%ld", id);
	body = last_body(path, NULL);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(body, "reasonCode")));
	assert_int_equal(cJSON_GetObjectItem(body, "reasonCode")->valueint, 4);
	assert_string_equal(cJSON_GetObjectItem(body, "reason")->valuestring,
			    "superseded by a new key");
	cJSON_Delete(body);
	snprintf(path, sizeof(path), "/__fake/orders/%ld", id);
	j = ctl("GET", path, NULL, 200);
	assert_string_equal(cJSON_GetObjectItem(j, "status")->valuestring,
			    "Revoked");
	assert_int_equal(cJSON_GetObjectItem(j, "reasonCode")->valueint, 4);
	cJSON_Delete(j);
	assert_int_equal(cc_sectigo_get_order(s, id, &o, &err), CC_OK);
	assert_int_equal(o.state, CC_SECTIGO_REVOKED);
	assert_int_equal(o.reason_code, 4);
	assert_true(o.revoked > 0);
	cc_sectigo_order_release(&o);

	/* already revoked (-159) is success */
	assert_int_equal(cc_sectigo_revoke(s, id, 4, "again", &err), CC_OK);
	assert_int_equal(log_count("POST", "/api/ssl/v1/revoke/"), 2);

	/* bad arguments never reach the server */
	before = F.rec.requests;
	assert_int_equal(cc_sectigo_revoke(s, id, 2, "x", &err), CC_EINVAL);
	no_secret(&err);
	assert_int_equal(cc_sectigo_revoke(s, id, 4, "", &err), CC_EINVAL);
	no_secret(&err);
	assert_int_equal(cc_sectigo_revoke(s, id, 4, NULL, &err), CC_EINVAL);
	assert_int_equal(F.rec.requests, before);

	/* the fake: reasonCode is required (and must be a valid code) */
	id2 = enroll_issued(s, key, "revoke2.example.com");
	snprintf(path, sizeof(path), "/ssl/v1/revoke/%ld", id2);
	assert_int_equal(raw_scm("POST", path, "{\"reason\":\"no code\"}",
				 &code), 400);
	assert_int_equal(code, -7);
	assert_int_equal(raw_scm("POST", path,
				 "{\"reasonCode\":2,\"reason\":\"x\"}", &code),
			 400);
	assert_int_equal(code, -1601);
	assert_int_equal(raw_scm("POST", path, "{\"reasonCode\":1}", &code),
			 400);
	assert_int_equal(code, -7);
	st = order_status(id2);
	assert_string_equal(st, "Issued");
	free(st);

	/* only issued certificates can be revoked */
	id3 = enroll(s, key, "pending.example.com", sans, 1, NULL);
	set_order(id3, "{\"polls\":10}");
	assert_int_equal(cc_sectigo_revoke(s, id3, 0, "oops", &err), CC_EINVAL);
	assert_non_null(strstr(err.msg, "(SCM code -102)"));
	assert_int_equal(err.http_status, 400);
	no_secret(&err);

	cc_sectigo_free(s);
	EVP_PKEY_free(key);
	transport_clean();
}

static void sectigo_cancel(void **state)
{
	const char *sans[] = { "cancel.example.com" };
	struct fclock fc;
	struct cc_clock clk;
	struct cc_err err = CC_ERR_INIT;
	struct cc_sectigo *s;
	enum cc_sectigo_state st;
	EVP_PKEY *key = tp_key_ec();
	char path[64], *status;
	cJSON *body;
	long id, id2, id3;

	(void)state;
	s = client(&fc, &clk);

	/* Requested: cancel = decline */
	id = enroll(s, key, "cancel.example.com", sans, 1, NULL);
	set_order(id, "{\"polls\":100}");
	assert_int_equal(cc_sectigo_cancel(s, id, NULL, &st, &err), CC_OK);
	assert_int_equal(st, CC_SECTIGO_FAILED);
	snprintf(path, sizeof(path), "/api/ssl/v1/decline/%ld", id);
	body = last_body(path, NULL);
	assert_true(strlen(cJSON_GetObjectItem(body,
					       "message")->valuestring) > 0);
	cJSON_Delete(body);
	status = order_status(id);
	assert_string_equal(status, "Declined");
	free(status);
	/* again: nothing left to do, no second decline */
	assert_int_equal(cc_sectigo_cancel(s, id, "again", &st, &err), CC_OK);
	assert_int_equal(log_count("POST", path), 1);

	/* approved (past the approval step): SCM cannot cancel */
	id2 = enroll(s, key, "cancel.example.com", sans, 1, NULL);
	set_order(id2, "{\"polls\":100}");
	assert_int_equal(cc_sectigo_approve(s, id2, "ok", &err), CC_OK);
	assert_int_equal(cc_sectigo_cancel(s, id2, NULL, &st, &err),
			 CC_EUNSUPPORTED);
	assert_int_equal(st, CC_SECTIGO_PENDING);
	assert_non_null(strstr(err.msg, "Approved"));
	assert_non_null(strstr(err.msg, "revoke"));
	no_secret(&err);
	snprintf(path, sizeof(path), "/api/ssl/v1/decline/%ld", id2);
	assert_int_equal(log_count("POST", path), 0);
	/* approve twice: wrong state */
	assert_int_equal(cc_sectigo_approve(s, id2, "ok", &err), CC_EINVAL);
	assert_string_equal(err.problem, "-1112");
	no_secret(&err);

	/* issued: revoke instead */
	id3 = enroll_issued(s, key, "cancel3.example.com");
	assert_int_equal(cc_sectigo_cancel(s, id3, NULL, &st, &err),
			 CC_EUNSUPPORTED);
	assert_int_equal(st, CC_SECTIGO_ISSUED);
	assert_non_null(strstr(err.msg, "revoke"));
	no_secret(&err);
	snprintf(path, sizeof(path), "/api/ssl/v1/decline/%ld", id3);
	assert_int_equal(log_count("POST", path), 0);
	assert_int_equal(cc_sectigo_decline(s, id3, "no", &err), CC_EINVAL);
	assert_string_equal(err.problem, "-1112");
	no_secret(&err);
	assert_int_equal(cc_sectigo_decline(s, id3, "", &err), CC_EINVAL);
	no_secret(&err);
	assert_int_equal(cc_sectigo_cancel(s, 99999999, NULL, &st, &err),
			 CC_ENOENT);
	no_secret(&err);

	cc_sectigo_free(s);
	EVP_PKEY_free(key);
	transport_clean();
}

static void sectigo_retry_backoff(void **state)
{
	struct fclock fc;
	struct cc_clock clk;
	struct cc_err err = CC_ERR_INIT;
	struct cc_sectigo *s;
	EVP_PKEY *key = tp_key_ec();
	const char *sans[] = { "retry.example.com" };

	(void)state;
	s = client(&fc, &clk);

	/* two 503/-195 then success: back-off 100 ms, then 200 ms */
	log_clear();
	cJSON_Delete(ctl("POST", "/__fake/fail",
			 "{\"path\":\"/api/ssl/v1/types\",\"status\":503,"
			 "\"code\":-195,\"count\":2}", 200));
	assert_int_equal(cc_sectigo_check(s, &err), CC_OK);
	assert_int_equal(fc.nsleeps, 2);
	assert_int_equal(fc.sleeps[0], 100);
	assert_int_equal(fc.sleeps[1], 200);
	assert_int_equal(log_count("GET", "/api/ssl/v1/types"), 3);

	/* three failures: give up after three attempts */
	fc.nsleeps = 0;
	log_clear();
	cJSON_Delete(ctl("POST", "/__fake/fail",
			 "{\"path\":\"/api/ssl/v1/types\",\"status\":503,"
			 "\"code\":-195,\"count\":3}", 200));
	assert_int_equal(cc_sectigo_check(s, &err), CC_EHTTP);
	assert_int_equal(err.http_status, 503);
	assert_string_equal(err.problem, "-195");
	assert_non_null(strstr(err.msg, "(SCM code -195)"));
	no_secret(&err);
	assert_int_equal(fc.nsleeps, 2);
	assert_int_equal(log_count("GET", "/api/ssl/v1/types"), 3);

	/* a proxy's 502 page on a GET: retried too */
	fc.nsleeps = 0;
	cJSON_Delete(ctl("POST", "/__fake/fail",
			 "{\"path\":\"/api/ssl/v1/types\",\"status\":502,"
			 "\"html\":\"<html>Bad Gateway</html>\",\"count\":1}",
			 200));
	assert_int_equal(cc_sectigo_check(s, &err), CC_OK);
	assert_int_equal(fc.nsleeps, 1);
	assert_int_equal(fc.sleeps[0], 100);
	cJSON_Delete(ctl("POST", "/__fake/fail",
			 "{\"path\":\"/api/ssl/v1/types\",\"status\":502,"
			 "\"html\":\"<html>Bad Gateway</html>\",\"count\":3}",
			 200));
	assert_int_equal(cc_sectigo_check(s, &err), CC_EHTTP);
	assert_string_equal(err.msg, "unexpected http status 502 from scm");
	assert_string_equal(err.problem, "");
	assert_int_equal(err.http_status, 502);
	assert_int_equal(fc.nsleeps, 3);

	/* 429 with Retry-After: wait what the server asked */
	fc.nsleeps = 0;
	cJSON_Delete(ctl("POST", "/__fake/fail",
			 "{\"path\":\"/api/ssl/v1/types\",\"status\":429,"
			 "\"code\":-1,\"retryAfter\":2,\"count\":1}", 200));
	assert_int_equal(cc_sectigo_check(s, &err), CC_OK);
	assert_int_equal(fc.nsleeps, 1);
	assert_int_equal(fc.sleeps[0], 2000);

	/* longer than we are willing to wait: hand it to the caller */
	fc.nsleeps = 0;
	cJSON_Delete(ctl("POST", "/__fake/fail",
			 "{\"path\":\"/api/ssl/v1/types\",\"status\":429,"
			 "\"description\":\"slow down\",\"retryAfter\":60,"
			 "\"count\":1}", 200));
	assert_int_equal(cc_sectigo_check(s, &err), CC_ERATELIMIT);
	assert_int_equal(err.retry_after, 60);
	assert_int_equal(fc.nsleeps, 0);
	no_secret(&err);

	/* a 500 on enroll is not retried (it might have created an order) */
	log_clear();
	cJSON_Delete(ctl("POST", "/__fake/fail",
			 "{\"path\":\"/api/ssl/v1/enroll\",\"status\":500,"
			 "\"code\":-2,\"count\":1}", 200));
	{
		struct cc_sectigo_enroll_req req = { 0 };
		struct cc_sectigo_enrolled e;
		char *csr = make_csr(key, "retry.example.com");

		req.csr_pem = csr;
		req.org_id = 2001;
		req.profile_id = 301;
		req.term = 365;
		req.sans = sans;
		req.nsans = 1;
		req.custom_fields = cost_center;
		req.ncustom_fields = 1;
		assert_int_equal(cc_sectigo_enroll(s, &req, &e, &err),
				 CC_EHTTP);
		assert_int_equal(err.http_status, 500);
		no_secret(&err);
		assert_int_equal(log_count("POST", "/api/ssl/v1/enroll"), 1);
		assert_int_equal(fc.nsleeps, 0);
		/* but "CA not available, try later" is */
		cJSON_Delete(ctl("POST", "/__fake/fail",
				 "{\"path\":\"/api/ssl/v1/enroll\","
				 "\"status\":400,\"code\":-195,\"count\":1}",
				 200));
		assert_int_equal(cc_sectigo_enroll(s, &req, &e, &err), CC_OK);
		assert_int_equal(fc.nsleeps, 1);
		assert_int_equal(log_count("POST", "/api/ssl/v1/enroll"), 3);
		cc_sectigo_enrolled_release(&e);
		free(csr);
	}
	cc_sectigo_free(s);
	EVP_PKEY_free(key);
	transport_clean();
}

static void sectigo_error_mapping(void **state)
{
	struct fclock fc;
	struct cc_clock clk;
	struct cc_err err = CC_ERR_INIT;
	struct cc_sectigo *s;
	struct cc_sectigo_order o;
	struct cc_sectigo_enroll_req req = { 0 };
	struct cc_sectigo_enrolled e;
	EVP_PKEY *key = tp_key_ec();
	char *csr = make_csr(key, "errors.example.com");

	(void)state;
	s = client(&fc, &clk);
	req.csr_pem = csr;
	req.org_id = 2001;
	req.profile_id = 301;
	req.term = 400;
	req.custom_fields = cost_center;
	req.ncustom_fields = 1;
	assert_int_equal(cc_sectigo_enroll(s, &req, &e, &err), CC_EINVAL);
	assert_non_null(strstr(err.msg, "(SCM code -36)"));
	assert_non_null(strstr(err.msg, "term"));
	assert_string_equal(err.problem, "-36");
	assert_int_equal(err.http_status, 400);
	assert_int_equal(e.ssl_id, 0);
	no_secret(&err);

	req.term = 365;
	req.ncustom_fields = 0;
	assert_int_equal(cc_sectigo_enroll(s, &req, &e, &err), CC_EINVAL);
	assert_string_equal(err.problem, "-62");
	no_secret(&err);

	req.ncustom_fields = 1;
	req.org_id = 1002;
	assert_int_equal(cc_sectigo_enroll(s, &req, &e, &err), CC_EINVAL);
	assert_string_equal(err.problem, "-1021");
	no_secret(&err);

	req.org_id = 2001;
	req.profile_id = 999;
	assert_int_equal(cc_sectigo_enroll(s, &req, &e, &err), CC_EINVAL);
	assert_string_equal(err.problem, "-111");
	no_secret(&err);

	req.profile_id = 301;
	set_config("{\"externalRequesterRequired\":true}");
	assert_int_equal(cc_sectigo_enroll(s, &req, &e, &err), CC_EINVAL);
	assert_string_equal(err.problem, "-139");
	no_secret(&err);
	req.external_requester = "ops@example.com";
	assert_int_equal(cc_sectigo_enroll(s, &req, &e, &err), CC_OK);
	cc_sectigo_enrolled_release(&e);
	set_config("{\"externalRequesterRequired\":false}");

	assert_int_equal(cc_sectigo_get_order(s, 99999999, &o, &err),
			 CC_ENOENT);
	assert_int_equal(err.http_status, 404);
	assert_string_equal(err.problem, "-124");
	no_secret(&err);

	/* a server that echoes the password: redacted from the message */
	cJSON_Delete(ctl("POST", "/__fake/fail",
			 "{\"path\":\"/api/ssl/v1/types\",\"status\":400,"
			 "\"code\":-970,\"description\":\"Incorrect login "
			 "credentials: password '" PASSWORD "' for "
			 LOGIN "\",\"count\":1}", 200));
	assert_int_equal(cc_sectigo_check(s, &err), CC_EAUTH);
	assert_null(strstr(err.msg, PASSWORD));
	assert_null(strstr(err.msg, "Tr0ub4dor"));
	assert_non_null(strstr(err.msg, "(SCM code -970)"));
	no_secret(&err);

	free(csr);
	cc_sectigo_free(s);
	EVP_PKEY_free(key);
	transport_clean();
	/* every failing call in this file was checked for the password */
	assert_true(F.errors_checked >= 30);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(sectigo_parse_orgs),
		cmocka_unit_test(sectigo_parse_malformed),
		cmocka_unit_test(sectigo_parse_profiles),
		cmocka_unit_test(sectigo_parse_order),
		cmocka_unit_test(sectigo_parse_dates),
		cmocka_unit_test(sectigo_state_mapping),
		cmocka_unit_test(sectigo_map_error),
		cmocka_unit_test(sectigo_enroll_json),
		cmocka_unit_test(sectigo_replace_json),
		cmocka_unit_test(sectigo_new_rejects_bad_args),
	};
	const struct CMUnitTest server[] = {
		cmocka_unit_test(sectigo_auth_failure),
		cmocka_unit_test(sectigo_sync_lists),
		cmocka_unit_test(sectigo_list_orders_paging),
		cmocka_unit_test(sectigo_enroll_collect_pending),
		cmocka_unit_test(sectigo_collect_formats),
		cmocka_unit_test(sectigo_renew),
		cmocka_unit_test(sectigo_replace),
		cmocka_unit_test(sectigo_revoke),
		cmocka_unit_test(sectigo_cancel),
		cmocka_unit_test(sectigo_retry_backoff),
		cmocka_unit_test(sectigo_error_mapping),
	};
	int failed;

	signal(SIGPIPE, SIG_IGN);
	failed = cmocka_run_group_tests_name("sectigo_pure", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("sectigo_server", server,
					      group_setup, group_teardown);
	return failed ? 1 : 0;
}
