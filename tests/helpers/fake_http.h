/*
 * Test doubles for the ACME client: a scripted struct cc_http that pops
 * canned responses and records every request, a decoder for the JWS
 * bodies it recorded, and a fake clock whose sleeps are recorded and only
 * advance its notion of time. Test code only; failures abort.
 */
#ifndef CERTCTL_FAKE_HTTP_H
#define CERTCTL_FAKE_HTTP_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "http.h"

#define FAKE_HTTP_MAX 128

struct fake_req {
	char *method;
	char *url;
	char *body;		/* NUL-terminated copy ("" if none) */
	size_t body_len;
	char **headers;		/* "Name: value" lines as sent */
	size_t nheaders;
};

struct fake_resp {
	long status;		/* 0 = transport failure (CC_ENET) */
	char *headers;		/* "Name: value" lines separated by '\n' */
	char *body;
};

struct fake_http {
	struct cc_http base;
	struct fake_resp q[FAKE_HTTP_MAX];
	size_t nq, next;
	struct fake_req reqs[FAKE_HTTP_MAX];
	size_t nreqs;
};

/* Free with cc_http_free(&f->base). */
struct fake_http *fake_http_new(void);

/* Queue a response; headers may be NULL, body may be NULL. */
void fake_http_push(struct fake_http *f, long status, const char *headers,
		    const char *body);
/* Queue a transport failure. */
void fake_http_push_fail(struct fake_http *f);
/* Responses queued but not consumed yet. */
size_t fake_http_left(const struct fake_http *f);

/* Header value of a recorded request (case-insensitive), or NULL. */
const char *fake_req_header(const struct fake_req *r, const char *name);

/*
 * Decode a flattened JWS: *hdr = parsed protected header, *payload =
 * decoded payload text (malloc'd). Either out pointer may be NULL.
 */
void fake_jws_decode(const char *body, cJSON **hdr, char **payload);

/* String member of a cJSON object or NULL. */
const char *fake_json_str(const cJSON *obj, const char *name);

struct fake_clock {
	struct cc_clock clock;
	time_t base;
	unsigned long now_ms;		/* advanced by sleeps */
	unsigned sleeps[256];
	size_t nsleeps;
};

void fake_clock_init(struct fake_clock *c, time_t base);

#endif
