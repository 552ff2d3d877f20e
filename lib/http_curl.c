/*
 * The libcurl transport behind lib/http.h, plus the transport-independent
 * helpers (header lookup, Retry-After parsing, response release).
 *
 * One easy handle per context: curl keeps the connection alive between
 * requests, so a run of ACME calls to one server uses one TLS connection.
 * Every request resets the handle options (curl_easy_reset keeps live
 * connections) and sets them again from the request and context options.
 */
#include "http.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#ifndef CERTCTL_VERSION
#define CERTCTL_VERSION "0.0.0"
#endif

#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_TIMEOUT_MS 60000L
#define DEFAULT_MAX_BODY ((size_t)8 << 20)
#define MAX_HEADERS 200
#define RETRY_AFTER_CAP 86400u

struct curl_http {
	struct cc_http base;
	CURL *curl;
	char *ca_bundle;
	char *user_agent;
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_body;
};

/* State of one transfer, shared by the write and header callbacks. */
struct xfer {
	struct cc_http_response *resp;
	size_t max_body;
	int too_large;
	int oom;
};

void cc_http_response_release(struct cc_http_response *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	r->headers = NULL;
	r->nheaders = 0;
	r->status = 0;
	cc_buf_release(&r->body);
}

const char *cc_http_header_get(const struct cc_http_response *r,
			       const char *name)
{
	size_t i;

	if (!r || !name)
		return NULL;
	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

static int parse_2digits(const char *s, int *out)
{
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return -1;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

/*
 * IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 5.6.7), parsed by
 * hand so the result does not depend on the locale.
 */
static int parse_imf_fixdate(const char *s, time_t *out)
{
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	struct tm tm;
	int i, mon = -1, y1, y2;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	/* "Sun, " */
	if (strlen(s) < 29 || s[3] != ',' || s[4] != ' ')
		return -1;
	s += 5;
	if (parse_2digits(s, &tm.tm_mday) || s[2] != ' ')
		return -1;
	s += 3;
	for (i = 0; i < 12; i++)
		if (strncmp(s, months[i], 3) == 0)
			mon = i;
	if (mon < 0 || s[3] != ' ')
		return -1;
	tm.tm_mon = mon;
	s += 4;
	if (parse_2digits(s, &y1) || parse_2digits(s + 2, &y2) || s[4] != ' ')
		return -1;
	tm.tm_year = y1 * 100 + y2 - 1900;
	s += 5;
	if (parse_2digits(s, &tm.tm_hour) || s[2] != ':' ||
	    parse_2digits(s + 3, &tm.tm_min) || s[5] != ':' ||
	    parse_2digits(s + 6, &tm.tm_sec) || strncmp(s + 8, " GMT", 4))
		return -1;
	if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t;
	return 0;
}

unsigned cc_http_retry_after(const char *value, time_t now)
{
	unsigned long v = 0;
	time_t when;
	const char *p;

	if (!value)
		return 0;
	while (*value == ' ' || *value == '\t')
		value++;
	if (isdigit((unsigned char)*value)) {
		for (p = value; isdigit((unsigned char)*p); p++) {
			v = v * 10 + (unsigned long)(*p - '0');
			if (v > RETRY_AFTER_CAP)
				v = RETRY_AFTER_CAP;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		return *p ? 0 : (unsigned)v;
	}
	if (parse_imf_fixdate(value, &when) || when <= now)
		return 0;
	if (when - now > (time_t)RETRY_AFTER_CAP)
		return RETRY_AFTER_CAP;
	return (unsigned)(when - now);
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;

	if (n > x->max_body || x->resp->body.len > x->max_body - n) {
		x->too_large = 1;
		return 0;
	}
	if (cc_buf_add(&x->resp->body, ptr, n)) {
		x->oom = 1;
		return 0;
	}
	return n;
}

static void headers_clear(struct cc_http_response *r)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	r->nheaders = 0;
}

static char *dup_range(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* One header line of the response (also status lines and the blank line). */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	struct cc_http_response *r = x->resp;
	struct cc_http_header *nh;
	size_t n = size * nmemb, len = n, nlen;
	const char *colon, *v;
	char *name, *value;

	while (len && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n'))
		len--;
	if (len >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		/* a new response (1xx, redirect, or the final one) */
		headers_clear(r);
		return n;
	}
	if (len == 0 || ptr[0] == ' ' || ptr[0] == '\t')
		return n;	/* end of headers, or obsolete line folding */
	colon = memchr(ptr, ':', len);
	if (!colon || colon == ptr)
		return n;
	if (r->nheaders >= MAX_HEADERS) {
		x->too_large = 1;
		return 0;
	}
	nlen = (size_t)(colon - ptr);
	v = colon + 1;
	while (v < ptr + len && (*v == ' ' || *v == '\t'))
		v++;
	while (len > (size_t)(v - ptr) && (ptr[len - 1] == ' ' ||
					    ptr[len - 1] == '\t'))
		len--;
	name = dup_range(ptr, nlen);
	value = dup_range(v, len - (size_t)(v - ptr));
	nh = realloc(r->headers, (r->nheaders + 1) * sizeof(*nh));
	if (!name || !value || !nh) {
		free(name);
		free(value);
		if (nh)
			r->headers = nh;
		x->oom = 1;
		return 0;
	}
	r->headers = nh;
	nh[r->nheaders].name = name;
	nh[r->nheaders].value = value;
	r->nheaders++;
	return n;
}

/* Method and body options. */
static CURLcode set_method(CURL *c, const struct cc_http_request *req)
{
	const char *m = req->method ? req->method : "GET";
	const void *body = req->body ? req->body : "";
	CURLcode rc;

	if (strcmp(m, "GET") == 0 && !req->body_len)
		return curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	if (strcmp(m, "HEAD") == 0)
		return curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (strcmp(m, "GET") == 0 || strcmp(m, "DELETE") == 0) {
		rc = curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
		if (rc || !req->body_len)
			return rc;
	} else if (strcmp(m, "POST") != 0) {
		/* PUT, PATCH and anything else: a POST with another verb */
		rc = curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
		if (rc)
			return rc;
	}
	rc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
			      (curl_off_t)req->body_len);
	if (!rc)
		rc = curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	return rc;
}

static int valid_method(const char *m)
{
	static const char *const ok[] = {
		"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"
	};
	size_t i;

	if (!m)
		return 1;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(m, ok[i]) == 0)
			return 1;
	return 0;
}

static int curl_perform(struct cc_http *h, const struct cc_http_request *req,
			struct cc_http_response *resp, struct cc_err *err)
{
	struct curl_http *ch = (struct curl_http *)h;
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL, *tmp;
	struct xfer x;
	const char *const *hp;
	CURLcode rc = CURLE_OK;
	long status = 0;
	int ret = CC_OK;
	CURL *c = ch->curl;

	cc_http_response_release(resp);
	if (!req || !req->url || !valid_method(req->method)) {
		ret = cc_err_set(err, CC_EINVAL, "invalid http request");
		goto out;
	}
	memset(&x, 0, sizeof(x));
	x.resp = resp;
	x.max_body = ch->max_body;
	errbuf[0] = '\0';
	/* "Expect:" suppresses 100-continue round trips on large bodies */
	hdrs = curl_slist_append(NULL, "Expect:");
	if (!hdrs)
		goto oom;
	for (hp = req->headers; hp && *hp; hp++) {
		tmp = curl_slist_append(hdrs, *hp);
		if (!tmp)
			goto oom;
		hdrs = tmp;
	}

	curl_easy_reset(c);
#define SET(opt, val) do { if (!rc) rc = curl_easy_setopt(c, opt, val); } \
	while (0)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (ch->ca_bundle)
		SET(CURLOPT_CAINFO, ch->ca_bundle);
	SET(CURLOPT_USERAGENT, ch->user_agent);
	SET(CURLOPT_CONNECTTIMEOUT_MS, ch->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, ch->timeout_ms);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, &x);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, &x);
#undef SET
	if (!rc)
		rc = set_method(c, req);
	if (rc) {
		ret = cc_err_set(err, CC_ENET, "cannot set up http request: %s",
				 curl_easy_strerror(rc));
		goto out;
	}
	rc = curl_easy_perform(c);
	/* do not keep pointers to our stack or request in the handle */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	if (x.oom)
		goto oom;
	if (x.too_large) {
		ret = cc_err_set(err, CC_EPROTO, "response too large from '%s'",
				 req->url);
		goto out;
	}
	if (rc) {
		/* a server we cannot trust is a setup problem: no retries */
		int tls = rc == CURLE_PEER_FAILED_VERIFICATION ||
			  rc == CURLE_SSL_CACERT_BADFILE ||
			  rc == CURLE_SSL_CERTPROBLEM;

		ret = cc_err_set(err, tls ? CC_ETLS : CC_ENET, "%s %s: %s",
				 req->method ? req->method : "GET", req->url,
				 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	resp->status = status;
	/* body must be a valid (empty) string even when nothing came */
	if (cc_buf_grow(&resp->body, 0))
		goto oom;
	goto out;
oom:
	ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	if (ret)
		cc_http_response_release(resp);
	curl_slist_free_all(hdrs);
	return ret;
}

static void curl_http_free(struct cc_http *h)
{
	struct curl_http *ch = (struct curl_http *)h;

	if (!ch)
		return;
	if (ch->curl)
		curl_easy_cleanup(ch->curl);
	free(ch->ca_bundle);
	free(ch->user_agent);
	free(ch);
}

static const struct cc_http_ops curl_ops = {
	curl_perform,
	curl_http_free,
};

int cc_http_curl_new(struct cc_http **out, const struct cc_http_opts *opts,
		     struct cc_err *err)
{
	struct curl_http *ch = NULL;
	int ret = CC_OK;

	*out = NULL;
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK) {
		ret = cc_err_set(err, CC_ENET, "cannot initialise libcurl: %s",
				 curl_easy_strerror(global_rc));
		goto out;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		goto oom;
	ch->base.ops = &curl_ops;
	ch->connect_timeout_ms = DEFAULT_CONNECT_MS;
	ch->timeout_ms = DEFAULT_TIMEOUT_MS;
	ch->max_body = DEFAULT_MAX_BODY;
	if (opts) {
		if (opts->connect_timeout_ms > 0)
			ch->connect_timeout_ms = opts->connect_timeout_ms;
		if (opts->timeout_ms > 0)
			ch->timeout_ms = opts->timeout_ms;
		if (opts->max_body)
			ch->max_body = opts->max_body;
		if (opts->ca_bundle) {
			ch->ca_bundle = strdup(opts->ca_bundle);
			if (!ch->ca_bundle)
				goto oom;
		}
		if (opts->user_agent) {
			ch->user_agent = strdup(opts->user_agent);
			if (!ch->user_agent)
				goto oom;
		}
	}
	if (!ch->user_agent) {
		ch->user_agent = strdup("certctl/" CERTCTL_VERSION);
		if (!ch->user_agent)
			goto oom;
	}
	ch->curl = curl_easy_init();
	if (!ch->curl) {
		ret = cc_err_set(err, CC_ENET, "cannot create a curl handle");
		goto out;
	}
	*out = &ch->base;
	ch = NULL;
	goto out;
oom:
	ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	curl_http_free(ch ? &ch->base : NULL);
	return ret;
}
