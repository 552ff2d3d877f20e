#include "fake_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"

static void fail(const char *what)
{
	fprintf(stderr, "fake_http: %s\n", what);
	abort();
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		fail("out of memory");
	return p;
}

static void add_header(struct cc_http_response *resp, const char *line,
		       size_t len)
{
	const char *colon = memchr(line, ':', len), *v;
	struct cc_http_header *h;

	if (!colon)
		return;
	h = realloc(resp->headers, (resp->nheaders + 1) * sizeof(*h));
	if (!h)
		fail("out of memory");
	resp->headers = h;
	v = colon + 1;
	while (*v == ' ')
		v++;
	h[resp->nheaders].name = strndup(line, (size_t)(colon - line));
	h[resp->nheaders].value = strndup(v, len - (size_t)(v - line));
	if (!h[resp->nheaders].name || !h[resp->nheaders].value)
		fail("out of memory");
	resp->nheaders++;
}

static int fake_perform(struct cc_http *h, const struct cc_http_request *req,
			struct cc_http_response *resp, struct cc_err *err)
{
	struct fake_http *f = (struct fake_http *)h;
	struct fake_req *r;
	struct fake_resp *q;
	const char *const *hp;
	const char *p, *nl;
	size_t n = 0;

	cc_http_response_release(resp);
	if (f->nreqs >= FAKE_HTTP_MAX)
		fail("too many requests");
	r = &f->reqs[f->nreqs++];
	r->method = xstrdup(req->method ? req->method : "GET");
	r->url = xstrdup(req->url);
	r->body = malloc(req->body_len + 1);
	if (!r->body)
		fail("out of memory");
	if (req->body_len)
		memcpy(r->body, req->body, req->body_len);
	r->body[req->body_len] = '\0';
	r->body_len = req->body_len;
	for (hp = req->headers; hp && *hp; hp++)
		n++;
	r->headers = calloc(n + 1, sizeof(char *));
	if (!r->headers)
		fail("out of memory");
	for (hp = req->headers; hp && *hp; hp++)
		r->headers[r->nheaders++] = xstrdup(*hp);

	if (f->next >= f->nq)
		return cc_err_set(err, CC_ENET, "fake_http: no response "
				  "queued for %s %s", r->method, r->url);
	q = &f->q[f->next++];
	if (q->status == 0)
		return cc_err_set(err, CC_ENET, "fake_http: connection "
				  "refused");
	resp->status = q->status;
	for (p = q->headers; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		add_header(resp, p, (size_t)(nl - p));
		if (!*nl)
			break;
	}
	if (strcmp(r->method, "HEAD") != 0 &&
	    cc_buf_adds(&resp->body, q->body ? q->body : ""))
		fail("out of memory");
	if (cc_buf_grow(&resp->body, 0))
		fail("out of memory");
	return CC_OK;
}

static void fake_free(struct cc_http *h)
{
	struct fake_http *f = (struct fake_http *)h;
	size_t i, j;

	if (!f)
		return;
	for (i = 0; i < f->nq; i++) {
		free(f->q[i].headers);
		free(f->q[i].body);
	}
	for (i = 0; i < f->nreqs; i++) {
		free(f->reqs[i].method);
		free(f->reqs[i].url);
		free(f->reqs[i].body);
		for (j = 0; j < f->reqs[i].nheaders; j++)
			free(f->reqs[i].headers[j]);
		free(f->reqs[i].headers);
	}
	free(f);
}

static const struct cc_http_ops fake_ops = { fake_perform, fake_free };

struct fake_http *fake_http_new(void)
{
	struct fake_http *f = calloc(1, sizeof(*f));

	if (!f)
		fail("out of memory");
	f->base.ops = &fake_ops;
	return f;
}

void fake_http_push(struct fake_http *f, long status, const char *headers,
		    const char *body)
{
	if (f->nq >= FAKE_HTTP_MAX)
		fail("too many queued responses");
	f->q[f->nq].status = status;
	f->q[f->nq].headers = headers ? xstrdup(headers) : NULL;
	f->q[f->nq].body = body ? xstrdup(body) : NULL;
	f->nq++;
}

void fake_http_push_fail(struct fake_http *f)
{
	fake_http_push(f, 0, NULL, NULL);
}

size_t fake_http_left(const struct fake_http *f)
{
	return f->nq - f->next;
}

const char *fake_req_header(const struct fake_req *r, const char *name)
{
	size_t i, n = strlen(name);
	const char *v;

	for (i = 0; i < r->nheaders; i++) {
		if (strncasecmp(r->headers[i], name, n) == 0 &&
		    r->headers[i][n] == ':') {
			v = r->headers[i] + n + 1;
			while (*v == ' ')
				v++;
			return v;
		}
	}
	return NULL;
}

const char *fake_json_str(const cJSON *obj, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

void fake_jws_decode(const char *body, cJSON **hdr, char **payload)
{
	struct cc_buf b = CC_BUF_INIT;
	const char *prot, *pay;
	cJSON *jws = cJSON_Parse(body);

	if (!jws)
		fail("request body is not json");
	prot = fake_json_str(jws, "protected");
	pay = fake_json_str(jws, "payload");
	if (!prot || !pay || !fake_json_str(jws, "signature"))
		fail("request body is not a flattened jws");
	if (hdr) {
		if (cc_b64url_decode(prot, strlen(prot), &b, NULL))
			fail("bad protected header encoding");
		*hdr = cJSON_Parse(b.data);
		if (!*hdr)
			fail("protected header is not json");
	}
	if (payload) {
		cc_buf_reset(&b);
		if (cc_b64url_decode(pay, strlen(pay), &b, NULL) ||
		    cc_buf_grow(&b, 0))
			fail("bad payload encoding");
		*payload = cc_buf_detach(&b, NULL);
	}
	cc_buf_release(&b);
	cJSON_Delete(jws);
}

static time_t fake_now(void *arg)
{
	struct fake_clock *c = arg;

	return c->base + (time_t)(c->now_ms / 1000);
}

static void fake_sleep(void *arg, unsigned ms)
{
	struct fake_clock *c = arg;

	if (c->nsleeps < sizeof(c->sleeps) / sizeof(c->sleeps[0]))
		c->sleeps[c->nsleeps] = ms;
	c->nsleeps++;
	c->now_ms += ms;
}

void fake_clock_init(struct fake_clock *c, time_t base)
{
	memset(c, 0, sizeof(*c));
	c->base = base;
	c->clock.now = fake_now;
	c->clock.sleep_ms = fake_sleep;
	c->clock.arg = c;
}
