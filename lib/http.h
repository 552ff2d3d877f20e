/*
 * HTTP client used by the ACME, Sectigo and DNS-provider code. One context
 * keeps one reused libcurl easy handle (one connection to each server).
 * TLS verification is always on; ca_bundle adds a CA file for the server.
 * The transport is a vtable so unit tests can script responses.
 */
#ifndef CERTCTL_HTTP_H
#define CERTCTL_HTTP_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"

struct cc_http_header {
	char *name;
	char *value;
};

struct cc_http_request {
	const char *method;		/* "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH" */
	const char *url;
	const char *const *headers;	/* NULL-terminated "Name: value" lines, or NULL */
	const void *body;		/* may be NULL */
	size_t body_len;
	int secret_headers;		/* headers carry credentials: never log them */
};

struct cc_http_response {
	long status;
	struct cc_http_header *headers;	/* in order received (last response only) */
	size_t nheaders;
	struct cc_buf body;
};

#define CC_HTTP_RESPONSE_INIT { 0, NULL, 0, CC_BUF_INIT }

void cc_http_response_release(struct cc_http_response *r);
/* Case-insensitive header lookup; first match or NULL. */
const char *cc_http_header_get(const struct cc_http_response *r,
			       const char *name);

/*
 * Parse a Retry-After value (delta-seconds or HTTP-date) relative to now;
 * returns seconds (0 if absent/unparseable, capped at 86400).
 */
unsigned cc_http_retry_after(const char *value, time_t now);

struct cc_http;

struct cc_http_ops {
	/* Perform req; fill resp (status, headers, body). CC_ENET on transport failure. */
	int (*perform)(struct cc_http *h, const struct cc_http_request *req,
		       struct cc_http_response *resp, struct cc_err *err);
	void (*free)(struct cc_http *h);
};

struct cc_http_opts {
	const char *ca_bundle;		/* extra CA file for server verification, or NULL */
	const char *user_agent;		/* NULL = "certctl/<version>" */
	long connect_timeout_ms;	/* 0 = 10000 */
	long timeout_ms;		/* 0 = 60000 */
	size_t max_body;		/* 0 = 8 MiB */
};

struct cc_http {
	const struct cc_http_ops *ops;
};

/* The libcurl transport. */
int cc_http_curl_new(struct cc_http **out, const struct cc_http_opts *opts,
		     struct cc_err *err);

static inline int cc_http_perform(struct cc_http *h,
				  const struct cc_http_request *req,
				  struct cc_http_response *resp,
				  struct cc_err *err)
{
	return h->ops->perform(h, req, resp, err);
}

static inline void cc_http_free(struct cc_http *h)
{
	if (h)
		h->ops->free(h);
}

#endif
