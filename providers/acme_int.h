/*
 * Internals shared by providers/acme*.c. Not for use outside the ACME
 * client.
 */
#ifndef CERTCTL_ACME_INT_H
#define CERTCTL_ACME_INT_H

#include <cjson/cJSON.h>

#include "acme.h"

#define ACME_ERROR_NS "urn:ietf:params:acme:error:"

struct cc_acme {
	char *dir_url;
	struct cc_http *http;
	const struct cc_clock *clock;
	EVP_PKEY *key;
	char *account_url;
	char *nonce;			/* next nonce to use, or NULL */
	struct cc_acme_directory dir;
	int have_dir;
	struct cc_acme_opts opts;	/* defaults filled in */
};

/*
 * Signed POST. key NULL = the account key; use_jwk embeds the JWK of the
 * key instead of the account kid; accept is an Accept header value or
 * NULL. Handles nonces, badNonce retries, one 429/503 wait and problem
 * documents (see acme.h). resp is released on failure.
 */
int cc_acmei_post(struct cc_acme *a, const char *url, const char *payload,
		  EVP_PKEY *key, int use_jwk, const char *accept,
		  struct cc_http_response *resp, struct cc_err *err);

/* Unsigned GET with the same error handling and 429/503 wait. */
int cc_acmei_get(struct cc_acme *a, const char *url,
		 struct cc_http_response *resp, struct cc_err *err);

/* Parse the body of resp as a JSON object (CC_EPROTO otherwise). */
int cc_acmei_json(const struct cc_http_response *resp, const char *url,
		  cJSON **out, struct cc_err *err);

/* String member or NULL. */
const char *cc_acmei_str(const cJSON *obj, const char *name);

/* strdup of a string member into *out (NULL if absent): CC_ENOMEM. */
int cc_acmei_dup(const cJSON *obj, const char *name, char **out);

/* Parse an embedded problem (p may be NULL: out stays empty). */
int cc_acmei_problem_parse(const cJSON *p, struct cc_acme_problem *out);
void cc_acmei_problem_release(struct cc_acme_problem *p);

/* Error code for a problem type (see acme.h). */
int cc_acmei_problem_code(const char *type);

/* Set err from a problem: code, message, err->problem. */
int cc_acmei_problem_err(const struct cc_acme_problem *p, int code,
			 const char *prefix, struct cc_err *err);

/* Resolve a possibly relative reference (Link header) against base. */
char *cc_acmei_resolve_url(const char *base, const char *ref);

#endif
