/*
 * ACME orders, authorizations and challenges, polling and finalization.
 */
#include "acme_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"

#define MAX_IDENTIFIERS 100
#define MAX_AUTHZ 100
#define MAX_CHALLENGES 16

/* ------------------------------------------------------------------ */
/* Time */

static int digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int cc_acme_time_parse(const char *s, time_t *out)
{
	struct tm tm;
	int year, mon, day, hh, mm, ss, oh = 0, om = 0;
	long off = 0;
	time_t t;

	if (!s || strlen(s) < 20)
		return -1;
	if (digits(s, 4, &year) || s[4] != '-' || digits(s + 5, 2, &mon) ||
	    s[7] != '-' || digits(s + 8, 2, &day) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &hh) || s[13] != ':' ||
	    digits(s + 14, 2, &mm) || s[16] != ':' ||
	    digits(s + 17, 2, &ss))
		return -1;
	s += 19;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		if (digits(s + 1, 2, &oh) || s[3] != ':' ||
		    digits(s + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = (oh * 60L + om) * 60L * (*s == '-' ? -1 : 1);
		s += 6;
	} else {
		return -1;
	}
	if (*s || mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 ||
	    mm > 59 || ss > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	t = timegm(&tm);
	if (t == (time_t)-1 && !(year == 1969 && mon == 12 && day == 31))
		return -1;
	*out = t - off;
	return 0;
}

static time_t json_time(const cJSON *obj, const char *name)
{
	time_t t = 0;

	if (cc_acme_time_parse(cc_acmei_str(obj, name), &t))
		return 0;
	return t;
}

/* ------------------------------------------------------------------ */
/* Parsing */

static void identifier_release(struct cc_acme_identifier *id)
{
	free(id->type);
	free(id->value);
	id->type = id->value = NULL;
}

static int parse_identifier(const cJSON *obj, struct cc_acme_identifier *id)
{
	if (cc_acmei_dup(obj, "type", &id->type) ||
	    cc_acmei_dup(obj, "value", &id->value))
		return CC_ENOMEM;
	return CC_OK;
}

void cc_acme_order_release(struct cc_acme_order *o)
{
	size_t i;

	if (!o)
		return;
	free(o->url);
	free(o->status);
	for (i = 0; i < o->nidentifiers; i++)
		identifier_release(&o->identifiers[i]);
	free(o->identifiers);
	for (i = 0; i < o->nauthorizations; i++)
		free(o->authorizations[i]);
	free(o->authorizations);
	free(o->finalize);
	free(o->certificate);
	free(o->profile);
	free(o->replaces);
	cc_acmei_problem_release(&o->error);
	memset(o, 0, sizeof(*o));
}

static int parse_order(const cJSON *doc, const char *url,
		       struct cc_acme_order *o)
{
	const cJSON *ids, *authz, *it;
	size_t n;

	o->url = strdup(url);
	if (!o->url || cc_acmei_dup(doc, "status", &o->status) ||
	    cc_acmei_dup(doc, "finalize", &o->finalize) ||
	    cc_acmei_dup(doc, "certificate", &o->certificate) ||
	    cc_acmei_dup(doc, "profile", &o->profile) ||
	    cc_acmei_dup(doc, "replaces", &o->replaces) ||
	    cc_acmei_problem_parse(cJSON_GetObjectItemCaseSensitive(doc,
								    "error"),
				   &o->error))
		return CC_ENOMEM;
	o->expires = json_time(doc, "expires");
	ids = cJSON_GetObjectItemCaseSensitive(doc, "identifiers");
	n = cJSON_IsArray(ids) ? (size_t)cJSON_GetArraySize(ids) : 0;
	if (n > MAX_IDENTIFIERS)
		n = MAX_IDENTIFIERS;
	if (n) {
		o->identifiers = calloc(n, sizeof(*o->identifiers));
		if (!o->identifiers)
			return CC_ENOMEM;
		cJSON_ArrayForEach(it, ids) {
			if (o->nidentifiers >= n)
				break;
			if (parse_identifier(it,
					&o->identifiers[o->nidentifiers++]))
				return CC_ENOMEM;
		}
	}
	authz = cJSON_GetObjectItemCaseSensitive(doc, "authorizations");
	n = cJSON_IsArray(authz) ? (size_t)cJSON_GetArraySize(authz) : 0;
	if (n > MAX_AUTHZ)
		n = MAX_AUTHZ;
	if (n) {
		o->authorizations = calloc(n, sizeof(char *));
		if (!o->authorizations)
			return CC_ENOMEM;
		cJSON_ArrayForEach(it, authz) {
			if (o->nauthorizations >= n)
				break;
			if (!cJSON_IsString(it))
				continue;
			o->authorizations[o->nauthorizations] =
				strdup(it->valuestring);
			if (!o->authorizations[o->nauthorizations++])
				return CC_ENOMEM;
		}
	}
	return CC_OK;
}

/* Parse an order response into *o (replacing its contents). */
static int order_response(const struct cc_http_response *resp,
			  const char *url, struct cc_acme_order *o,
			  struct cc_err *err)
{
	struct cc_acme_order n;
	cJSON *doc = NULL;
	int ret;

	memset(&n, 0, sizeof(n));
	ret = cc_acmei_json(resp, url, &doc, err);
	if (ret)
		goto out;
	if (parse_order(doc, url, &n)) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	if (!n.status) {
		ret = cc_err_set(err, CC_EPROTO, "order '%s' has no status",
				 url);
		goto out;
	}
	n.retry_after = 0;
	cc_acme_order_release(o);
	*o = n;
	memset(&n, 0, sizeof(n));
out:
	cc_acme_order_release(&n);
	cJSON_Delete(doc);
	return ret;
}

void cc_acme_authz_release(struct cc_acme_authz *z)
{
	size_t i;

	if (!z)
		return;
	free(z->url);
	free(z->status);
	identifier_release(&z->identifier);
	for (i = 0; i < z->nchallenges; i++) {
		free(z->challenges[i].type);
		free(z->challenges[i].url);
		free(z->challenges[i].token);
		free(z->challenges[i].status);
		cc_acmei_problem_release(&z->challenges[i].error);
	}
	free(z->challenges);
	memset(z, 0, sizeof(*z));
}

static int parse_challenge(const cJSON *obj, struct cc_acme_challenge *c)
{
	if (cc_acmei_dup(obj, "type", &c->type) ||
	    cc_acmei_dup(obj, "url", &c->url) ||
	    cc_acmei_dup(obj, "token", &c->token) ||
	    cc_acmei_dup(obj, "status", &c->status) ||
	    cc_acmei_problem_parse(cJSON_GetObjectItemCaseSensitive(obj,
								    "error"),
				   &c->error))
		return CC_ENOMEM;
	c->validated = json_time(obj, "validated");
	return CC_OK;
}

static int parse_authz(const cJSON *doc, const char *url,
		       struct cc_acme_authz *z)
{
	const cJSON *chals, *it;
	size_t n;

	z->url = strdup(url);
	if (!z->url || cc_acmei_dup(doc, "status", &z->status) ||
	    parse_identifier(cJSON_GetObjectItemCaseSensitive(doc,
							      "identifier"),
			     &z->identifier))
		return CC_ENOMEM;
	z->wildcard = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc,
								"wildcard"));
	z->expires = json_time(doc, "expires");
	chals = cJSON_GetObjectItemCaseSensitive(doc, "challenges");
	n = cJSON_IsArray(chals) ? (size_t)cJSON_GetArraySize(chals) : 0;
	if (n > MAX_CHALLENGES)
		n = MAX_CHALLENGES;
	if (!n)
		return CC_OK;
	z->challenges = calloc(n, sizeof(*z->challenges));
	if (!z->challenges)
		return CC_ENOMEM;
	cJSON_ArrayForEach(it, chals) {
		if (z->nchallenges >= n)
			break;
		if (!cJSON_IsObject(it))
			continue;
		if (parse_challenge(it, &z->challenges[z->nchallenges++]))
			return CC_ENOMEM;
	}
	return CC_OK;
}

static int authz_response(const struct cc_http_response *resp,
			  const char *url, struct cc_acme_authz *z,
			  struct cc_err *err)
{
	struct cc_acme_authz n;
	cJSON *doc = NULL;
	int ret;

	memset(&n, 0, sizeof(n));
	ret = cc_acmei_json(resp, url, &doc, err);
	if (ret)
		goto out;
	if (parse_authz(doc, url, &n)) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	if (!n.status || !n.identifier.value) {
		ret = cc_err_set(err, CC_EPROTO, "authorization '%s' has no "
				 "status or identifier", url);
		goto out;
	}
	cc_acme_authz_release(z);
	*z = n;
	memset(&n, 0, sizeof(n));
out:
	cc_acme_authz_release(&n);
	cJSON_Delete(doc);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Orders */

static int is_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

static unsigned resp_retry_after(struct cc_acme *a,
				 const struct cc_http_response *resp)
{
	return cc_http_retry_after(cc_http_header_get(resp, "Retry-After"),
				   cc_now(a->clock));
}

int cc_acme_order_new(struct cc_acme *a, const struct cc_acme_order_req *req,
		      struct cc_acme_order *out, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	const struct cc_acme_directory *dir;
	cJSON *payload = NULL, *ids, *id;
	const char *loc;
	char *text = NULL, *url = NULL;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!req || !req->nnames || req->nnames > MAX_IDENTIFIERS) {
		ret = cc_err_set(err, CC_EINVAL, "an order needs 1 to %d "
				 "names", MAX_IDENTIFIERS);
		goto out;
	}
	ret = cc_acme_get_directory(a, &dir, err);
	if (ret)
		goto out;
	payload = cJSON_CreateObject();
	ids = cJSON_AddArrayToObject(payload, "identifiers");
	if (!payload || !ids)
		goto oom;
	for (i = 0; i < req->nnames; i++) {
		if (!req->names[i] || !*req->names[i]) {
			ret = cc_err_set(err, CC_EINVAL, "empty name in order");
			goto out;
		}
		id = cJSON_CreateObject();
		if (!id || !cJSON_AddItemToArray(ids, id)) {
			cJSON_Delete(id);
			goto oom;
		}
		if (!cJSON_AddStringToObject(id, "type", is_ip(req->names[i]) ?
					     "ip" : "dns") ||
		    !cJSON_AddStringToObject(id, "value", req->names[i]))
			goto oom;
	}
	if (req->profile && *req->profile &&
	    !cJSON_AddStringToObject(payload, "profile", req->profile))
		goto oom;
	if (req->replaces && *req->replaces &&
	    !cJSON_AddStringToObject(payload, "replaces", req->replaces))
		goto oom;
	text = cJSON_PrintUnformatted(payload);
	if (!text)
		goto oom;
	ret = cc_acmei_post(a, dir->new_order, text, NULL, 0, NULL, &resp,
			    err);
	if (ret)
		goto out;
	loc = cc_http_header_get(&resp, "Location");
	url = loc ? cc_acmei_resolve_url(dir->new_order, loc) : NULL;
	if (!url) {
		ret = cc_err_set(err, CC_EPROTO, "no order url (Location) in "
				 "the newOrder response");
		goto out;
	}
	ret = order_response(&resp, url, out, err);
	if (!ret)
		out->retry_after = resp_retry_after(a, &resp);
	goto out;
oom:
	ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	free(url);
	cJSON_free(text);
	cJSON_Delete(payload);
	cc_http_response_release(&resp);
	return ret;
}

/* POST-as-GET url and refresh *o. */
static int order_refresh(struct cc_acme *a, const char *url,
			 struct cc_acme_order *o, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	int ret;

	ret = cc_acmei_post(a, url, NULL, NULL, 0, NULL, &resp, err);
	if (!ret)
		ret = order_response(&resp, url, o, err);
	if (!ret)
		o->retry_after = resp_retry_after(a, &resp);
	cc_http_response_release(&resp);
	return ret;
}

int cc_acme_order_fetch(struct cc_acme *a, const char *url,
			struct cc_acme_order *out, struct cc_err *err)
{
	char *u;
	int ret;

	if (!url) {
		memset(out, 0, sizeof(*out));
		return cc_err_set(err, CC_EINVAL, "no order url");
	}
	u = strdup(url);	/* url may belong to *out */
	memset(out, 0, sizeof(*out));
	if (!u)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	ret = order_refresh(a, u, out, err);
	free(u);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Polling */

struct poller {
	unsigned delay_ms;		/* next back-off delay */
	unsigned long slept_ms;		/* total slept */
	time_t start;
};

static void poll_start(struct cc_acme *a, struct poller *p)
{
	p->delay_ms = a->opts.poll_initial_ms;
	p->slept_ms = 0;
	p->start = cc_now(a->clock);
}

/*
 * Wait before the next poll: the back-off delay, or Retry-After when it is
 * longer. CC_EPENDING (err set) when that would pass the polling budget.
 */
static int poll_wait(struct cc_acme *a, struct poller *p, unsigned ra,
		     const char *what, const char *url, const char *status,
		     struct cc_err *err)
{
	unsigned long budget = a->opts.poll_timeout * 1000UL;
	unsigned long elapsed = p->slept_ms, wall, delay = p->delay_ms;
	time_t now = cc_now(a->clock);

	wall = now > p->start ? (unsigned long)(now - p->start) * 1000UL : 0;
	if (wall > elapsed)
		elapsed = wall;
	if (ra && ra * 1000UL > delay)
		delay = ra * 1000UL;
	if (elapsed >= budget || (ra && elapsed + ra * 1000UL > budget)) {
		cc_err_set(err, CC_EPENDING, "timed out after %lu s waiting "
			   "for %s '%s' (status %s)", elapsed / 1000, what,
			   url, status);
		if (err) {
			err->retry_after = ra;
			err->http_status = 0;
			err->problem[0] = '\0';
		}
		return CC_EPENDING;
	}
	if (elapsed + delay > budget)
		delay = budget - elapsed;
	cc_sleep_ms(a->clock, (unsigned)delay);
	p->slept_ms += delay;
	delay = (unsigned long)p->delay_ms * 3 / 2;
	p->delay_ms = delay > a->opts.poll_max_ms ? a->opts.poll_max_ms :
		      (unsigned)delay;
	return CC_OK;
}

static int str_is(const char *s, const char *v)
{
	return s && strcmp(s, v) == 0;
}

static int order_failed(const struct cc_acme_order *o, struct cc_err *err)
{
	char prefix[300];
	int code;

	snprintf(prefix, sizeof(prefix), "order '%s' is invalid", o->url);
	if (!o->error.type && !o->error.message)
		return cc_err_set(err, CC_ECHALLENGE, "%s", prefix);
	code = cc_acmei_problem_code(o->error.type);
	if (code == CC_EHTTP)
		code = CC_ECHALLENGE;
	return cc_acmei_problem_err(&o->error, code, prefix, err);
}

/* Poll while the status is pending (unless only_processing) or processing. */
static int order_wait(struct cc_acme *a, struct cc_acme_order *o,
		      int only_processing, struct cc_err *err)
{
	struct poller p;
	char *url = NULL;
	int ret = CC_OK;

	if (!o->url)
		return cc_err_set(err, CC_EINVAL, "no order url");
	url = strdup(o->url);
	if (!url)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	poll_start(a, &p);
	while (str_is(o->status, "processing") ||
	       (!only_processing && str_is(o->status, "pending"))) {
		ret = poll_wait(a, &p, o->retry_after, "order", url,
				o->status, err);
		if (ret)
			goto out;
		ret = order_refresh(a, url, o, err);
		if (ret)
			goto out;
	}
	if (str_is(o->status, "invalid"))
		ret = order_failed(o, err);
out:
	free(url);
	return ret;
}

int cc_acme_order_poll(struct cc_acme *a, struct cc_acme_order *o,
		       struct cc_err *err)
{
	int ret = order_wait(a, o, 0, err);

	if (!ret && !str_is(o->status, "ready") && !str_is(o->status, "valid"))
		ret = cc_err_set(err, CC_EPROTO, "order '%s' has unexpected "
				 "status '%s'", o->url, o->status);
	return ret;
}

int cc_acme_order_finalize(struct cc_acme *a, struct cc_acme_order *o,
			   const void *csr_der, size_t csr_len,
			   struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	struct cc_buf csr64 = CC_BUF_INIT;
	cJSON *payload = NULL;
	char *text = NULL, *url = NULL;
	int ret = CC_OK;

	if (!o->url || !o->finalize) {
		ret = cc_err_set(err, CC_EPROTO, "order has no finalize url");
		goto out;
	}
	if (!str_is(o->status, "valid")) {
		if (!csr_der || !csr_len) {
			ret = cc_err_set(err, CC_EINVAL, "empty csr");
			goto out;
		}
		payload = cJSON_CreateObject();
		url = strdup(o->url);
		if (!payload || !url ||
		    cc_b64url_encode(csr_der, csr_len, &csr64) ||
		    !cJSON_AddStringToObject(payload, "csr", csr64.data))
			goto oom;
		text = cJSON_PrintUnformatted(payload);
		if (!text)
			goto oom;
		ret = cc_acmei_post(a, o->finalize, text, NULL, 0, NULL,
				    &resp, err);
		if (ret)
			goto out;
		ret = order_response(&resp, url, o, err);
		if (ret)
			goto out;
		o->retry_after = resp_retry_after(a, &resp);
		ret = order_wait(a, o, 1, err);
		if (ret)
			goto out;
	}
	if (!str_is(o->status, "valid")) {
		ret = cc_err_set(err, CC_EPROTO, "order '%s' is '%s' after "
				 "finalize", o->url, o->status);
		goto out;
	}
	if (!o->certificate)
		ret = cc_err_set(err, CC_EPROTO, "valid order '%s' has no "
				 "certificate url", o->url);
	goto out;
oom:
	ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	free(url);
	cJSON_free(text);
	cJSON_Delete(payload);
	cc_buf_release(&csr64);
	cc_http_response_release(&resp);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Authorizations and challenges */

static int authz_refresh(struct cc_acme *a, const char *url,
			 struct cc_acme_authz *z, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	int ret;

	ret = cc_acmei_post(a, url, NULL, NULL, 0, NULL, &resp, err);
	if (!ret)
		ret = authz_response(&resp, url, z, err);
	if (!ret)
		z->retry_after = resp_retry_after(a, &resp);
	cc_http_response_release(&resp);
	return ret;
}

int cc_acme_authz_fetch(struct cc_acme *a, const char *url,
			struct cc_acme_authz *out, struct cc_err *err)
{
	char *u;
	int ret;

	if (!url) {
		memset(out, 0, sizeof(*out));
		return cc_err_set(err, CC_EINVAL, "no authorization url");
	}
	u = strdup(url);	/* url may belong to *out */
	memset(out, 0, sizeof(*out));
	if (!u)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	ret = authz_refresh(a, u, out, err);
	free(u);
	return ret;
}

const struct cc_acme_challenge *
cc_acme_authz_challenge(const struct cc_acme_authz *z, const char *type)
{
	size_t i;

	for (i = 0; z && type && i < z->nchallenges; i++)
		if (str_is(z->challenges[i].type, type))
			return &z->challenges[i];
	return NULL;
}

int cc_acme_challenge_respond(struct cc_acme *a, const char *url,
			      struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	int ret;

	if (!url)
		return cc_err_set(err, CC_EINVAL, "no challenge url");
	ret = cc_acmei_post(a, url, "{}", NULL, 0, NULL, &resp, err);
	cc_http_response_release(&resp);
	return ret;
}

static int authz_failed(const struct cc_acme_authz *z, struct cc_err *err)
{
	const struct cc_acme_challenge *c = NULL;
	size_t i;

	for (i = 0; i < z->nchallenges; i++) {
		if (!z->challenges[i].error.message)
			continue;
		/* prefer the challenge that is itself invalid */
		if (!c || str_is(z->challenges[i].status, "invalid"))
			c = &z->challenges[i];
	}
	if (c && str_is(z->status, "invalid"))
		return cc_acmei_problem_err(&c->error, CC_ECHALLENGE,
					    z->identifier.value, err);
	cc_err_set(err, CC_ECHALLENGE, "authorization for '%s' is %s",
		   z->identifier.value, z->status);
	if (err)
		err->problem[0] = '\0';
	return CC_ECHALLENGE;
}

int cc_acme_authz_poll(struct cc_acme *a, const char *url,
		       struct cc_acme_authz *out, struct cc_err *err)
{
	struct poller p;
	char *u = NULL;
	int ret;

	if (!url) {
		memset(out, 0, sizeof(*out));
		return cc_err_set(err, CC_EINVAL, "no authorization url");
	}
	u = strdup(url);	/* url may belong to *out */
	memset(out, 0, sizeof(*out));
	if (!u)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	poll_start(a, &p);
	ret = authz_refresh(a, u, out, err);
	while (!ret && str_is(out->status, "pending")) {
		ret = poll_wait(a, &p, out->retry_after, "authorization", u,
				out->status, err);
		if (!ret)
			ret = authz_refresh(a, u, out, err);
	}
	if (!ret && !str_is(out->status, "valid"))
		ret = authz_failed(out, err);
	free(u);
	return ret;
}

int cc_acme_authz_deactivate(struct cc_acme *a, const char *url,
			     struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	int ret;

	if (!url)
		return cc_err_set(err, CC_EINVAL, "no authorization url");
	ret = cc_acmei_post(a, url, "{\"status\":\"deactivated\"}", NULL, 0,
			    NULL, &resp, err);
	cc_http_response_release(&resp);
	return ret;
}
