/*
 * Tests for the ACME client (providers/acme*.c) against the scripted
 * transport and fake clock of tests/helpers/fake_http.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "acme.h"
#include "b64.h"
#include "fake_http.h"
#include "jws.h"
#include "testpki.h"

#define CA "https://ca.test"
#define DIR_URL CA "/dir"
#define ACCT_URL CA "/acct/1"
#define ERR_NS "urn:ietf:params:acme:error:"
#define T0 1700000000

static const char dir_json[] =
	"{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/new-acct\","
	"\"newOrder\":\"" CA "/new-order\",\"revokeCert\":\"" CA "/revoke\","
	"\"keyChange\":\"" CA "/key-change\","
	"\"renewalInfo\":\"" CA "/ari/\","
	"\"meta\":{\"termsOfService\":\"" CA "/tos.pdf\","
	"\"website\":\"" CA "/\",\"caaIdentities\":[\"ca.test\"],"
	"\"profiles\":{\"classic\":\"90 days\",\"shortlived\":\"6 days\"}}}";

struct fx {
	struct fake_http *f;
	struct fake_clock clk;
	EVP_PKEY *key;
	struct cc_acme *a;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct cc_err err = CC_ERR_INIT;

	assert_non_null(x);
	x->f = fake_http_new();
	fake_clock_init(&x->clk, T0);
	x->key = tp_key_ec();
	assert_int_equal(cc_acme_new(&x->a, DIR_URL, &x->f->base,
				     &x->clk.clock, x->key, ACCT_URL, &err),
			 CC_OK);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	cc_acme_free(x->a);
	EVP_PKEY_free(x->key);
	cc_http_free(&x->f->base);
	free(x);
	return 0;
}

/* Queue the directory and a newNonce answer. */
static void start(struct fx *x, const char *dir)
{
	fake_http_push(x->f, 200, "Content-Type: application/json",
		       dir ? dir : dir_json);
	fake_http_push(x->f, 200, "Replay-Nonce: nonce-0", NULL);
}

static const struct fake_req *req(struct fx *x, size_t i)
{
	assert_true(i < x->f->nreqs);
	return &x->f->reqs[i];
}

/*
 * Check a signed POST: url, content type, alg, nonce, url header, kid (or
 * jwk of key when kid is NULL). Returns the payload (free it) if wanted.
 */
static char *check_post(const struct fake_req *r, const char *url,
			const char *nonce, const char *kid, EVP_PKEY *key,
			const char *alg)
{
	cJSON *hdr = NULL, *jwk = NULL;
	struct cc_err err = CC_ERR_INIT;
	char *payload = NULL;

	assert_string_equal(r->method, "POST");
	assert_string_equal(r->url, url);
	assert_string_equal(fake_req_header(r, "Content-Type"),
			    "application/jose+json");
	fake_jws_decode(r->body, &hdr, &payload);
	assert_string_equal(fake_json_str(hdr, "alg"), alg ? alg : "ES256");
	assert_string_equal(fake_json_str(hdr, "url"), url);
	if (nonce)
		assert_string_equal(fake_json_str(hdr, "nonce"), nonce);
	else
		assert_non_null(fake_json_str(hdr, "nonce"));
	if (kid) {
		assert_string_equal(fake_json_str(hdr, "kid"), kid);
		assert_null(cJSON_GetObjectItem(hdr, "jwk"));
	} else {
		assert_null(cJSON_GetObjectItem(hdr, "kid"));
		assert_int_equal(cc_jwk_new(key, &jwk, &err), CC_OK);
		assert_true(cJSON_Compare(cJSON_GetObjectItem(hdr, "jwk"), jwk,
					  1));
		cJSON_Delete(jwk);
	}
	cJSON_Delete(hdr);
	return payload;
}

/* ------------------------------------------------------------------ */

static void acme_directory_parse_and_cache(void **state)
{
	struct fx *x = *state;
	const struct cc_acme_directory *d = NULL, *d2 = NULL;
	struct cc_err err = CC_ERR_INIT;

	fake_http_push(x->f, 200, NULL, dir_json);
	assert_int_equal(cc_acme_get_directory(x->a, &d, &err), CC_OK);
	assert_string_equal(d->new_nonce, CA "/nonce");
	assert_string_equal(d->new_account, CA "/new-acct");
	assert_string_equal(d->new_order, CA "/new-order");
	assert_string_equal(d->revoke_cert, CA "/revoke");
	assert_string_equal(d->key_change, CA "/key-change");
	assert_string_equal(d->renewal_info, CA "/ari/");
	assert_string_equal(d->terms_of_service, CA "/tos.pdf");
	assert_string_equal(d->website, CA "/");
	assert_int_equal(d->external_account_required, 0);
	assert_int_equal(d->nprofiles, 2);
	assert_string_equal(d->profiles[0], "classic");
	assert_string_equal(d->profile_descs[0], "90 days");
	assert_string_equal(d->profiles[1], "shortlived");
	assert_string_equal(d->profile_descs[1], "6 days");
	/* cached: no second request */
	assert_int_equal(cc_acme_get_directory(x->a, &d2, &err), CC_OK);
	assert_ptr_equal(d, d2);
	assert_int_equal(x->f->nreqs, 1);
	assert_string_equal(req(x, 0)->method, "GET");
	assert_string_equal(req(x, 0)->url, DIR_URL);
	assert_string_equal(cc_acme_account_url(x->a), ACCT_URL);
	assert_ptr_equal(cc_acme_account_key(x->a), x->key);
}

static void acme_directory_malformed(void **state)
{
	struct fx *x = *state;
	const struct cc_acme_directory *d = NULL;
	struct cc_err err = CC_ERR_INIT;

	fake_http_push(x->f, 200, NULL, "{\"newNonce\":\"" CA "/n\"}");
	assert_int_equal(cc_acme_get_directory(x->a, &d, &err), CC_EPROTO);
	assert_non_null(strstr(err.msg, "not an acme directory"));
	assert_null(d);
	fake_http_push(x->f, 200, NULL, "<html>");
	assert_int_equal(cc_acme_get_directory(x->a, &d, &err), CC_EPROTO);
	fake_http_push(x->f, 404, NULL, "not here");
	assert_int_equal(cc_acme_get_directory(x->a, &d, &err), CC_EHTTP);
	assert_int_equal(err.http_status, 404);
	assert_non_null(strstr(err.msg, "unexpected http status 404"));
	fake_http_push_fail(x->f);
	assert_int_equal(cc_acme_get_directory(x->a, &d, &err), CC_ENET);
	/* and a good one afterwards still works */
	fake_http_push(x->f, 200, NULL, dir_json);
	assert_int_equal(cc_acme_get_directory(x->a, &d, &err), CC_OK);
	assert_int_equal(d->nprofiles, 2);
}

static void acme_new_account_and_nonce_reuse(void **state)
{
	struct fx *x = *state;
	struct cc_acme *a = NULL;
	struct cc_acme_account acct;
	struct cc_err err = CC_ERR_INIT;
	const char *contacts[] = { "admin@example.com",
				   "mailto:ops@example.com" };
	struct cc_acme_account_req ar = { contacts, 2, 1, NULL, NULL };
	char *payload;
	cJSON *p;

	/* a client without an account URL */
	assert_int_equal(cc_acme_new(&a, DIR_URL, &x->f->base, &x->clk.clock,
				     x->key, NULL, &err), CC_OK);
	assert_null(cc_acme_account_url(a));
	/* kid requests need the account URL: refused before any traffic */
	assert_int_equal(cc_acme_account_fetch(a, &acct, &err), CC_EINVAL);
	assert_int_equal(x->f->nreqs, 0);

	start(x, NULL);
	fake_http_push(x->f, 201, "Replay-Nonce: nonce-1\nLocation: " ACCT_URL,
		       "{\"status\":\"valid\",\"contact\":[\"mailto:admin@"
		       "example.com\",\"mailto:ops@example.com\"],"
		       "\"orders\":\"" ACCT_URL "/orders\"}");
	assert_int_equal(cc_acme_account_new(a, &ar, &acct, &err), CC_OK);
	assert_string_equal(acct.url, ACCT_URL);
	assert_string_equal(acct.status, "valid");
	assert_int_equal(acct.created, 1);
	assert_int_equal(acct.ncontact, 2);
	assert_string_equal(acct.contact[1], "mailto:ops@example.com");
	assert_string_equal(acct.orders, ACCT_URL "/orders");
	assert_string_equal(cc_acme_account_url(a), ACCT_URL);
	cc_acme_account_release(&acct);

	assert_int_equal(x->f->nreqs, 3);
	assert_string_equal(req(x, 1)->method, "HEAD");
	assert_string_equal(req(x, 1)->url, CA "/nonce");
	payload = check_post(req(x, 2), CA "/new-acct", "nonce-0", NULL,
			     x->key, NULL);
	p = cJSON_Parse(payload);
	assert_non_null(p);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p,
					"termsOfServiceAgreed")));
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(p,
				"contact"), 0)->valuestring,
			    "mailto:admin@example.com");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(p,
				"contact"), 1)->valuestring,
			    "mailto:ops@example.com");
	assert_null(cJSON_GetObjectItem(p, "externalAccountBinding"));
	cJSON_Delete(p);
	free(payload);

	/* the nonce of the last response is reused: no HEAD */
	fake_http_push(x->f, 200, "Replay-Nonce: nonce-2",
		       "{\"status\":\"valid\"}");
	assert_int_equal(cc_acme_account_fetch(a, &acct, &err), CC_OK);
	assert_int_equal(acct.created, 0);
	cc_acme_account_release(&acct);
	assert_int_equal(x->f->nreqs, 4);
	payload = check_post(req(x, 3), ACCT_URL, "nonce-1", ACCT_URL, NULL,
			     NULL);
	assert_string_equal(payload, "");	/* POST-as-GET */
	free(payload);

	/* a response without Replay-Nonce leaves none: HEAD again */
	fake_http_push(x->f, 200, NULL, "{\"status\":\"valid\"}");
	assert_int_equal(cc_acme_account_fetch(a, &acct, &err), CC_OK);
	cc_acme_account_release(&acct);
	fake_http_push(x->f, 200, "Replay-Nonce: nonce-9", NULL);
	fake_http_push(x->f, 200, NULL, "{\"status\":\"valid\"}");
	assert_int_equal(cc_acme_account_fetch(a, &acct, &err), CC_OK);
	cc_acme_account_release(&acct);
	assert_int_equal(x->f->nreqs, 7);
	assert_string_equal(req(x, 5)->method, "HEAD");
	free(check_post(req(x, 6), ACCT_URL, "nonce-9", ACCT_URL, NULL,
			NULL));
	assert_int_equal(fake_http_left(x->f), 0);
	cc_acme_free(a);
}

static void acme_account_find_update_deactivate(void **state)
{
	struct fx *x = *state;
	struct cc_acme_account acct;
	struct cc_err err = CC_ERR_INIT;
	const char *contacts[] = { "new@example.com" };
	char *payload;

	start(x, NULL);
	fake_http_push(x->f, 400, "Replay-Nonce: n1\n"
		       "Content-Type: application/problem+json",
		       "{\"type\":\"" ERR_NS "accountDoesNotExist\","
		       "\"detail\":\"no account for this key\"}");
	assert_int_equal(cc_acme_account_find(x->a, &acct, &err), CC_ENOENT);
	assert_string_equal(err.msg,
			    "accountDoesNotExist: no account for this key");
	assert_string_equal(err.problem, ERR_NS "accountDoesNotExist");
	assert_int_equal(err.http_status, 400);
	payload = check_post(req(x, 2), CA "/new-acct", "nonce-0", NULL,
			     x->key, NULL);
	assert_string_equal(payload, "{\"onlyReturnExisting\":true}");
	free(payload);

	/* found: 200 with Location, here relative (an empty body is fine) */
	fake_http_push(x->f, 200, "Replay-Nonce: n2\nLocation: /acct/9",
		       NULL);
	assert_int_equal(cc_acme_account_find(x->a, &acct, &err), CC_OK);
	assert_string_equal(acct.url, CA "/acct/9");
	assert_int_equal(acct.created, 0);
	assert_null(acct.status);
	cc_acme_account_release(&acct);
	assert_string_equal(cc_acme_account_url(x->a), CA "/acct/9");

	fake_http_push(x->f, 200, "Replay-Nonce: n3",
		       "{\"status\":\"valid\",\"contact\":"
		       "[\"mailto:new@example.com\"]}");
	assert_int_equal(cc_acme_account_update(x->a, contacts, 1, &acct,
						&err), CC_OK);
	assert_int_equal(acct.ncontact, 1);
	cc_acme_account_release(&acct);
	payload = check_post(req(x, 4), CA "/acct/9", "n2", CA "/acct/9",
			     NULL, NULL);
	assert_string_equal(payload,
			    "{\"contact\":[\"mailto:new@example.com\"]}");
	free(payload);

	fake_http_push(x->f, 200, "Replay-Nonce: n4",
		       "{\"status\":\"deactivated\"}");
	assert_int_equal(cc_acme_account_deactivate(x->a, &acct, &err),
			 CC_OK);
	assert_string_equal(acct.status, "deactivated");
	cc_acme_account_release(&acct);
	payload = check_post(req(x, 5), CA "/acct/9", "n3", CA "/acct/9",
			     NULL, NULL);
	assert_string_equal(payload, "{\"status\":\"deactivated\"}");
	free(payload);
	cc_acme_account_release(NULL);
}

static void acme_eab(void **state)
{
	static const char eab_dir[] =
		"{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA
		"/new-acct\",\"newOrder\":\"" CA "/new-order\","
		"\"meta\":{\"externalAccountRequired\":true}}";
	struct fx *x = *state;
	struct cc_acme_account acct;
	struct cc_err err = CC_ERR_INIT;
	struct cc_acme_account_req ar = { NULL, 0, 1, NULL, NULL };
	cJSON *p, *eab, *hdr = NULL, *jwk = NULL;
	struct cc_buf b = CC_BUF_INIT;
	char *payload, *eab_text, *eab_payload = NULL;

	fake_http_push(x->f, 200, NULL, eab_dir);
	assert_int_equal(cc_acme_account_new(x->a, &ar, &acct, &err),
			 CC_EAUTH);
	assert_non_null(strstr(err.msg, "external account binding"));
	assert_string_equal(err.problem, ERR_NS "externalAccountRequired");
	assert_int_equal(x->f->nreqs, 1);	/* nothing posted */

	ar.eab_kid = "kid-1";
	ar.eab_hmac_key = "c2VjcmV0LWhtYWMta2V5";
	fake_http_push(x->f, 200, "Replay-Nonce: n0", NULL);
	fake_http_push(x->f, 201, "Replay-Nonce: n1\nLocation: " ACCT_URL,
		       "{\"status\":\"valid\"}");
	assert_int_equal(cc_acme_account_new(x->a, &ar, &acct, &err), CC_OK);
	cc_acme_account_release(&acct);
	payload = check_post(req(x, 2), CA "/new-acct", "n0", NULL, x->key,
			     NULL);
	p = cJSON_Parse(payload);
	eab = cJSON_GetObjectItem(p, "externalAccountBinding");
	assert_true(cJSON_IsObject(eab));
	eab_text = cJSON_PrintUnformatted(eab);
	fake_jws_decode(eab_text, &hdr, &eab_payload);
	assert_string_equal(fake_json_str(hdr, "alg"), "HS256");
	assert_string_equal(fake_json_str(hdr, "kid"), "kid-1");
	assert_string_equal(fake_json_str(hdr, "url"), CA "/new-acct");
	assert_null(cJSON_GetObjectItem(hdr, "nonce"));
	assert_int_equal(cc_jwk_new(x->key, &jwk, &err), CC_OK);
	{
		cJSON *pj = cJSON_Parse(eab_payload);

		assert_true(cJSON_Compare(pj, jwk, 1));
		cJSON_Delete(pj);
	}
	/* the HMAC key never leaves in clear */
	assert_null(strstr(payload, "c2VjcmV0LWhtYWMta2V5"));
	assert_null(strstr(payload, "secret-hmac-key"));
	cJSON_free(eab_text);
	free(eab_payload);
	cJSON_Delete(hdr);
	cJSON_Delete(jwk);
	cJSON_Delete(p);
	free(payload);
	cc_buf_release(&b);
}

static void acme_bad_nonce_retry(void **state)
{
	struct fx *x = *state;
	struct cc_acme_account acct;
	struct cc_err err = CC_ERR_INIT;
	struct cc_acme_opts o = { 0, 0, 0, 0, 2 };
	static const char bad[] = "{\"type\":\"" ERR_NS "badNonce\","
				  "\"detail\":\"JWS has an invalid anti-replay "
				  "nonce\"}";

	start(x, NULL);
	/* badNonce with a fresh nonce: retried with it */
	fake_http_push(x->f, 400, "Replay-Nonce: fresh-1", bad);
	/* badNonce without a nonce: the client asks newNonce */
	fake_http_push(x->f, 400, NULL, bad);
	fake_http_push(x->f, 200, "Replay-Nonce: fresh-2", NULL);
	fake_http_push(x->f, 200, "Replay-Nonce: after",
		       "{\"status\":\"valid\"}");
	assert_int_equal(cc_acme_account_fetch(x->a, &acct, &err), CC_OK);
	assert_string_equal(acct.status, "valid");
	cc_acme_account_release(&acct);
	assert_int_equal(x->f->nreqs, 6);
	free(check_post(req(x, 2), ACCT_URL, "nonce-0", ACCT_URL, NULL, NULL));
	free(check_post(req(x, 3), ACCT_URL, "fresh-1", ACCT_URL, NULL, NULL));
	assert_string_equal(req(x, 4)->method, "HEAD");
	free(check_post(req(x, 5), ACCT_URL, "fresh-2", ACCT_URL, NULL, NULL));

	/* bounded: with 2 retries the third badNonce is returned */
	cc_acme_set_opts(x->a, &o);
	fake_http_push(x->f, 400, "Replay-Nonce: b1", bad);
	fake_http_push(x->f, 400, "Replay-Nonce: b2", bad);
	fake_http_push(x->f, 400, "Replay-Nonce: b3", bad);
	fake_http_push(x->f, 200, "Replay-Nonce: unused", "{}");
	assert_int_equal(cc_acme_account_fetch(x->a, &acct, &err), CC_EPROTO);
	assert_string_equal(err.problem, ERR_NS "badNonce");
	assert_string_equal(err.msg,
			    "badNonce: JWS has an invalid anti-replay nonce");
	assert_int_equal(x->f->nreqs, 9);
	assert_int_equal(fake_http_left(x->f), 1);
	free(check_post(req(x, 8), ACCT_URL, "b2", ACCT_URL, NULL, NULL));
	assert_int_equal(x->clk.nsleeps, 0);
}

static void acme_problem_documents(void **state)
{
	static const struct {
		const char *type;
		int code;
	} map[] = {
		{ "rateLimited", CC_ERATELIMIT },
		{ "unauthorized", CC_ECHALLENGE },
		{ "incorrectResponse", CC_ECHALLENGE },
		{ "dns", CC_ECHALLENGE },
		{ "connection", CC_ECHALLENGE },
		{ "accountDoesNotExist", CC_ENOENT },
		{ "externalAccountRequired", CC_EAUTH },
		{ "alreadyRevoked", CC_EEXIST },
		{ "malformed", CC_EHTTP },
		{ "serverInternal", CC_EHTTP },
	};
	struct fx *x = *state;
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	struct cc_err err = CC_ERR_INIT;
	char body[256];
	size_t i;

	start(x, NULL);
	fake_http_push(x->f, 400, "Replay-Nonce: n1\n"
		       "Content-Type: application/problem+json",
		       "{\"type\":\"" ERR_NS "rejectedIdentifier\","
		       "\"detail\":\"Error creating new order :: 2 identifiers"
		       " rejected\",\"status\":400,\"subproblems\":["
		       "{\"type\":\"" ERR_NS "rejectedIdentifier\","
		       "\"detail\":\"bad\\nname\",\"identifier\":"
		       "{\"type\":\"dns\",\"value\":\"bad.example\"}},"
		       "{\"type\":\"" ERR_NS "caa\",\"identifier\":"
		       "{\"type\":\"ip\",\"value\":\"192.0.2.1\"}}]}");
	assert_int_equal(cc_acme_post(x->a, CA "/new-order", "{}", &resp,
				      &err), CC_EHTTP);
	assert_string_equal(err.msg, "rejectedIdentifier: Error creating new "
			    "order :: 2 identifiers rejected; bad.example: bad"
			    " name; 192.0.2.1: caa");
	assert_string_equal(err.problem, ERR_NS "rejectedIdentifier");
	assert_int_equal(err.http_status, 400);
	assert_int_equal(err.retry_after, 0);
	assert_int_equal(resp.status, 0);
	assert_null(resp.body.data);

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		snprintf(body, sizeof(body), "{\"type\":\"" ERR_NS "%s\","
			 "\"detail\":\"d%zu\"}", map[i].type, i);
		fake_http_push(x->f, 403, "Replay-Nonce: nn", body);
		cc_err_clear(&err);
		assert_int_equal(cc_acme_post(x->a, CA "/x", NULL, &resp,
					      &err), map[i].code);
		assert_int_equal(err.code, map[i].code);
		snprintf(body, sizeof(body), "%s: d%zu", map[i].type, i);
		assert_string_equal(err.msg, body);
		assert_int_equal(err.http_status, 403);
	}

	/* not a problem document */
	fake_http_push(x->f, 500, "Replay-Nonce: nn", "<html>oops</html>");
	assert_int_equal(cc_acme_post(x->a, CA "/x", NULL, &resp, &err),
			 CC_EHTTP);
	assert_string_equal(err.msg, "unexpected http status 500 from '"
			    CA "/x'");
	assert_string_equal(err.problem, "");
	/* non-ACME problem type: the type is kept whole */
	fake_http_push(x->f, 400, "Replay-Nonce: nn",
		       "{\"type\":\"about:blank\",\"detail\":\"nope\"}");
	assert_int_equal(cc_acme_post(x->a, CA "/x", NULL, &resp, &err),
			 CC_EHTTP);
	assert_string_equal(err.msg, "about:blank: nope");
	/* transport failure */
	fake_http_push_fail(x->f);
	assert_int_equal(cc_acme_post(x->a, CA "/x", NULL, &resp, &err),
			 CC_ENET);
	/* success passes the response through (after a new nonce: the
	   failed request consumed the last one) */
	fake_http_push(x->f, 200, "Replay-Nonce: nn", NULL);
	fake_http_push(x->f, 200, "Replay-Nonce: nn\nX-A: b", "{\"ok\":1}");
	assert_int_equal(cc_acme_post(x->a, CA "/x", NULL, &resp, &err),
			 CC_OK);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body.data, "{\"ok\":1}");
	assert_string_equal(cc_http_header_get(&resp, "x-a"), "b");
	cc_http_response_release(&resp);
}

static void acme_retry_after_429(void **state)
{
	static const char rl[] = "{\"type\":\"" ERR_NS "rateLimited\","
				 "\"detail\":\"too many new orders\"}";
	struct fx *x = *state;
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	struct cc_err err = CC_ERR_INIT;
	struct cc_acme_opts o = { 5, 0, 0, 0, 0 };

	start(x, NULL);
	/* short Retry-After: wait through the clock, retry once, succeed */
	fake_http_push(x->f, 429, "Replay-Nonce: n1\nRetry-After: 3", rl);
	fake_http_push(x->f, 201, "Replay-Nonce: n2", "{}");
	assert_int_equal(cc_acme_post(x->a, CA "/new-order", "{}", &resp,
				      &err), CC_OK);
	assert_int_equal(x->clk.nsleeps, 1);
	assert_int_equal(x->clk.sleeps[0], 3000);
	free(check_post(req(x, 3), CA "/new-order", "n1", ACCT_URL, NULL,
			NULL));

	/* only one retry */
	fake_http_push(x->f, 429, "Replay-Nonce: n3\nRetry-After: 2", rl);
	fake_http_push(x->f, 429, "Replay-Nonce: n4\nRetry-After: 2", rl);
	assert_int_equal(cc_acme_post(x->a, CA "/new-order", "{}", &resp,
				      &err), CC_ERATELIMIT);
	assert_int_equal(x->clk.nsleeps, 2);
	assert_int_equal(err.retry_after, 2);
	assert_int_equal(err.http_status, 429);
	assert_string_equal(err.msg, "rateLimited: too many new orders");

	/* longer than the maximum: returned at once with retry_after */
	cc_acme_set_opts(x->a, &o);
	fake_http_push(x->f, 429, "Replay-Nonce: n5\nRetry-After: 6", rl);
	assert_int_equal(cc_acme_post(x->a, CA "/new-order", "{}", &resp,
				      &err), CC_ERATELIMIT);
	assert_int_equal(err.retry_after, 6);
	assert_int_equal(x->clk.nsleeps, 2);
	/* 429 without Retry-After: no wait */
	fake_http_push(x->f, 429, "Replay-Nonce: n6", rl);
	assert_int_equal(cc_acme_post(x->a, CA "/new-order", "{}", &resp,
				      &err), CC_ERATELIMIT);
	assert_int_equal(err.retry_after, 0);
	/* 503 on an unsigned GET is retried as well */
	fake_http_push(x->f, 503, "Retry-After: 1", "busy");
	fake_http_push(x->f, 200, "Retry-After: 7",
		       "{\"suggestedWindow\":{\"start\":"
		       "\"2025-01-02T04:00:00Z\",\"end\":"
		       "\"2025-01-03T04:00:00Z\"}}");
	{
		struct cc_acme_renewal_info ri;

		assert_int_equal(cc_acme_renewal_info(x->a, "aa.bb", &ri,
						      &err), CC_OK);
		assert_int_equal(ri.retry_after, 7);
		cc_acme_renewal_info_release(&ri);
	}
	assert_int_equal(x->clk.nsleeps, 3);
	assert_int_equal(x->clk.sleeps[2], 1000);
	assert_int_equal(fake_http_left(x->f), 0);
	cc_http_response_release(&resp);
}

static const char order_json[] =
	"{\"status\":\"pending\",\"expires\":\"2030-01-01T00:00:00Z\","
	"\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.com\"},"
	"{\"type\":\"dns\",\"value\":\"*.example.com\"},"
	"{\"type\":\"ip\",\"value\":\"192.0.2.1\"},"
	"{\"type\":\"ip\",\"value\":\"2001:db8::1\"}],"
	"\"authorizations\":[\"" CA "/authz/1\",\"" CA "/authz/2\"],"
	"\"finalize\":\"" CA "/order/1/finalize\",\"profile\":\"shortlived\","
	"\"replaces\":\"aa.bb\"}";

static void acme_new_order(void **state)
{
	struct fx *x = *state;
	struct cc_acme_order o;
	struct cc_err err = CC_ERR_INIT;
	const char *names[] = { "example.com", "*.example.com", "192.0.2.1",
				"2001:db8::1" };
	struct cc_acme_order_req orq = { names, 4, "shortlived", "aa.bb" };
	static const char *const types[] = { "dns", "dns", "ip", "ip" };
	cJSON *p, *ids;
	char *payload;
	int i;

	start(x, NULL);
	fake_http_push(x->f, 201, "Replay-Nonce: n1\nLocation: " CA
		       "/order/1", order_json);
	assert_int_equal(cc_acme_order_new(x->a, &orq, &o, &err), CC_OK);
	assert_string_equal(o.url, CA "/order/1");
	assert_string_equal(o.status, "pending");
	assert_int_equal(o.expires, 1893456000);
	assert_int_equal(o.nidentifiers, 4);
	assert_string_equal(o.identifiers[3].type, "ip");
	assert_string_equal(o.identifiers[3].value, "2001:db8::1");
	assert_int_equal(o.nauthorizations, 2);
	assert_string_equal(o.authorizations[1], CA "/authz/2");
	assert_string_equal(o.finalize, CA "/order/1/finalize");
	assert_null(o.certificate);
	assert_string_equal(o.profile, "shortlived");
	assert_string_equal(o.replaces, "aa.bb");
	assert_null(o.error.type);

	payload = check_post(req(x, 2), CA "/new-order", "nonce-0", ACCT_URL,
			     NULL, NULL);
	p = cJSON_Parse(payload);
	ids = cJSON_GetObjectItem(p, "identifiers");
	assert_int_equal(cJSON_GetArraySize(ids), 4);
	for (i = 0; i < 4; i++) {
		cJSON *id = cJSON_GetArrayItem(ids, i);

		assert_string_equal(fake_json_str(id, "type"), types[i]);
		assert_string_equal(fake_json_str(id, "value"), names[i]);
	}
	assert_string_equal(fake_json_str(p, "profile"), "shortlived");
	assert_string_equal(fake_json_str(p, "replaces"), "aa.bb");
	cJSON_Delete(p);
	free(payload);
	cc_acme_order_release(&o);

	/* no profile/replaces keys when not asked for */
	orq.nnames = 1;
	orq.profile = NULL;
	orq.replaces = "";
	fake_http_push(x->f, 201, "Replay-Nonce: n2\nLocation: " CA
		       "/order/2", order_json);
	assert_int_equal(cc_acme_order_new(x->a, &orq, &o, &err), CC_OK);
	cc_acme_order_release(&o);
	payload = check_post(req(x, 3), CA "/new-order", "n1", ACCT_URL, NULL,
			     NULL);
	assert_string_equal(payload, "{\"identifiers\":[{\"type\":\"dns\","
			    "\"value\":\"example.com\"}]}");
	free(payload);

	/* missing Location */
	fake_http_push(x->f, 201, "Replay-Nonce: n3", order_json);
	assert_int_equal(cc_acme_order_new(x->a, &orq, &o, &err), CC_EPROTO);
	/* no names */
	orq.nnames = 0;
	assert_int_equal(cc_acme_order_new(x->a, &orq, &o, &err), CC_EINVAL);
	assert_int_equal(fake_http_left(x->f), 0);
	cc_acme_order_release(&o);
}

static const char authz_json[] =
	"{\"status\":\"pending\",\"expires\":\"2030-01-01T00:00:00.5+01:00\","
	"\"identifier\":{\"type\":\"dns\",\"value\":\"example.com\"},"
	"\"wildcard\":true,\"challenges\":["
	"{\"type\":\"http-01\",\"url\":\"" CA "/chal/1\",\"status\":\"pending\","
	"\"token\":\"tok-http\"},"
	"{\"type\":\"dns-01\",\"url\":\"" CA "/chal/2\",\"status\":\"pending\","
	"\"token\":\"tok-dns\"},"
	"{\"type\":\"tls-alpn-01\",\"url\":\"" CA "/chal/3\","
	"\"status\":\"pending\",\"token\":\"tok-alpn\"}]}";

static const char authz_invalid_json[] =
	"{\"status\":\"invalid\","
	"\"identifier\":{\"type\":\"dns\",\"value\":\"example.com\"},"
	"\"challenges\":["
	"{\"type\":\"http-01\",\"url\":\"" CA "/chal/1\",\"status\":\"pending\","
	"\"token\":\"tok-http\"},"
	"{\"type\":\"dns-01\",\"url\":\"" CA "/chal/2\",\"status\":\"invalid\","
	"\"token\":\"tok-dns\",\"validated\":\"2025-01-02T04:00:00Z\","
	"\"error\":{\"type\":\"" ERR_NS "incorrectResponse\",\"detail\":"
	"\"Incorrect TXT record \\\"abc\\\" found\",\"status\":403}}]}";

static void acme_authz_and_challenges(void **state)
{
	struct fx *x = *state;
	struct cc_acme_authz z;
	const struct cc_acme_challenge *c;
	struct cc_err err = CC_ERR_INIT;
	char *payload;

	start(x, NULL);
	fake_http_push(x->f, 200, "Replay-Nonce: n1", authz_json);
	assert_int_equal(cc_acme_authz_fetch(x->a, CA "/authz/1", &z, &err),
			 CC_OK);
	assert_string_equal(z.url, CA "/authz/1");
	assert_string_equal(z.status, "pending");
	assert_string_equal(z.identifier.type, "dns");
	assert_string_equal(z.identifier.value, "example.com");
	assert_int_equal(z.wildcard, 1);
	assert_int_equal(z.expires, 1893456000 - 3600);
	assert_int_equal(z.nchallenges, 3);
	c = cc_acme_authz_challenge(&z, "dns-01");
	assert_non_null(c);
	assert_string_equal(c->url, CA "/chal/2");
	assert_string_equal(c->token, "tok-dns");
	assert_string_equal(c->status, "pending");
	assert_null(c->error.message);
	assert_ptr_equal(cc_acme_authz_challenge(&z, "http-01"),
			 &z.challenges[0]);
	assert_null(cc_acme_authz_challenge(&z, "dns-account-01"));
	free(check_post(req(x, 2), CA "/authz/1", "nonce-0", ACCT_URL, NULL,
			NULL));

	fake_http_push(x->f, 200, "Replay-Nonce: n2",
		       "{\"type\":\"dns-01\",\"status\":\"processing\"}");
	assert_int_equal(cc_acme_challenge_respond(x->a, c->url, &err), CC_OK);
	payload = check_post(req(x, 3), CA "/chal/2", "n1", ACCT_URL, NULL,
			     NULL);
	assert_string_equal(payload, "{}");
	free(payload);
	cc_acme_authz_release(&z);

	/* a failed validation: the challenge error, identifier first */
	fake_http_push(x->f, 200, "Replay-Nonce: n3", authz_invalid_json);
	assert_int_equal(cc_acme_authz_poll(x->a, CA "/authz/1", &z, &err),
			 CC_ECHALLENGE);
	assert_string_equal(err.msg, "example.com: incorrectResponse: "
			    "Incorrect TXT record \"abc\" found");
	assert_string_equal(err.problem, ERR_NS "incorrectResponse");
	assert_string_equal(z.status, "invalid");
	assert_int_equal(z.challenges[1].validated, 1735790400);
	assert_string_equal(z.challenges[1].error.type,
			    ERR_NS "incorrectResponse");
	cc_acme_authz_release(&z);

	fake_http_push(x->f, 200, "Replay-Nonce: n4",
		       "{\"status\":\"deactivated\",\"identifier\":{\"type\":"
		       "\"dns\",\"value\":\"example.com\"}}");
	assert_int_equal(cc_acme_authz_deactivate(x->a, CA "/authz/1", &err),
			 CC_OK);
	payload = check_post(req(x, 5), CA "/authz/1", "n3", ACCT_URL, NULL,
			     NULL);
	assert_string_equal(payload, "{\"status\":\"deactivated\"}");
	free(payload);
	/* an authorization without a status is malformed */
	fake_http_push(x->f, 200, "Replay-Nonce: n5",
		       "{\"identifier\":{\"type\":\"dns\",\"value\":\"a\"}}");
	assert_int_equal(cc_acme_authz_fetch(x->a, CA "/authz/1", &z, &err),
			 CC_EPROTO);
	cc_acme_authz_release(&z);
}

static const char authz_pending[] =
	"{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\","
	"\"value\":\"example.com\"},\"challenges\":[]}";
static const char authz_valid[] =
	"{\"status\":\"valid\",\"identifier\":{\"type\":\"dns\","
	"\"value\":\"example.com\"},\"challenges\":[]}";

static void acme_poll_backoff(void **state)
{
	static const unsigned expect[] = {
		250, 375, 562, 843, 1264, 1896, 2844, 4266, 5000, 5000
	};
	struct fx *x = *state;
	struct cc_acme_authz z;
	struct cc_err err = CC_ERR_INIT;
	struct cc_acme_opts o = { 0, 0, 250, 0, 0 };
	size_t i;

	cc_acme_set_opts(x->a, &o);
	start(x, NULL);
	for (i = 0; i < 11; i++)
		fake_http_push(x->f, 200, "Replay-Nonce: p", authz_pending);
	fake_http_push(x->f, 200, "Replay-Nonce: p", authz_valid);
	assert_int_equal(cc_acme_authz_poll(x->a, CA "/authz/1", &z, &err),
			 CC_OK);
	assert_string_equal(z.status, "valid");
	cc_acme_authz_release(&z);
	assert_int_equal(x->clk.nsleeps, 11);
	for (i = 0; i < 10; i++)
		assert_int_equal(x->clk.sleeps[i], expect[i]);
	assert_int_equal(x->clk.sleeps[10], 5000);
	assert_int_equal(fake_http_left(x->f), 0);
	/* 1 directory + 1 nonce + 12 polls */
	assert_int_equal(x->f->nreqs, 14);
}

static void acme_poll_starts_fast(void **state)
{
	struct fx *x = *state;
	struct cc_acme_authz z;
	struct cc_err err = CC_ERR_INIT;

	start(x, NULL);
	fake_http_push(x->f, 200, "Replay-Nonce: p", authz_pending);
	fake_http_push(x->f, 200, "Replay-Nonce: p", authz_pending);
	fake_http_push(x->f, 200, "Replay-Nonce: p", authz_valid);
	assert_int_equal(cc_acme_authz_poll(x->a, CA "/authz/1", &z, &err),
			 CC_OK);
	cc_acme_authz_release(&z);
	/* a local CA answers in milliseconds: do not make it wait 250 ms */
	assert_int_equal(x->clk.nsleeps, 2);
	assert_int_equal(x->clk.sleeps[0], 10);
	assert_int_equal(x->clk.sleeps[1], 15);
}

static void acme_poll_timeout(void **state)
{
	struct fx *x = *state;
	struct cc_acme_authz z;
	struct cc_err err = CC_ERR_INIT;
	struct cc_acme_opts o = { 0, 3, 250, 0, 0 };
	static const unsigned expect[] = { 250, 375, 562, 843, 970 };
	size_t i;

	cc_acme_set_opts(x->a, &o);
	start(x, NULL);
	for (i = 0; i < 6; i++)
		fake_http_push(x->f, 200, "Replay-Nonce: p", authz_pending);
	assert_int_equal(cc_acme_authz_poll(x->a, CA "/authz/1", &z, &err),
			 CC_EPENDING);
	assert_non_null(strstr(err.msg, "timed out after 3 s"));
	assert_non_null(strstr(err.msg, "authorization '" CA "/authz/1'"));
	assert_string_equal(z.status, "pending");
	cc_acme_authz_release(&z);
	assert_int_equal(x->clk.nsleeps, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(x->clk.sleeps[i], expect[i]);
	assert_int_equal(x->clk.now_ms, 3000);
	assert_int_equal(fake_http_left(x->f), 0);
}

static void acme_poll_retry_after(void **state)
{
	struct fx *x = *state;
	struct cc_acme_order o;
	struct cc_err err = CC_ERR_INIT;
	struct cc_acme_opts opt = { 0, 10, 250, 0, 0 };
	static const char ready[] = "{\"status\":\"ready\",\"finalize\":\""
				    CA "/fin\"}";
	static const char pending[] = "{\"status\":\"pending\",\"finalize\":\""
				      CA "/fin\"}";

	cc_acme_set_opts(x->a, &opt);
	start(x, NULL);
	fake_http_push(x->f, 200, "Replay-Nonce: a", pending);
	assert_int_equal(cc_acme_order_fetch(x->a, CA "/order/1", &o, &err),
			 CC_OK);
	assert_int_equal(o.retry_after, 0);
	/* Retry-After 2 s wins over the 250 ms back-off, then back-off */
	fake_http_push(x->f, 200, "Replay-Nonce: b\nRetry-After: 2", pending);
	fake_http_push(x->f, 200, "Replay-Nonce: c", pending);
	fake_http_push(x->f, 200, "Replay-Nonce: d", ready);
	assert_int_equal(cc_acme_order_poll(x->a, &o, &err), CC_OK);
	assert_string_equal(o.status, "ready");
	assert_int_equal(x->clk.nsleeps, 3);
	assert_int_equal(x->clk.sleeps[0], 250);
	assert_int_equal(x->clk.sleeps[1], 2000);
	assert_int_equal(x->clk.sleeps[2], 562);

	/* a Retry-After beyond the budget: give up now, pass it on */
	cc_acme_order_release(&o);
	fake_http_push(x->f, 200, "Replay-Nonce: e\nRetry-After: 30", pending);
	assert_int_equal(cc_acme_order_fetch(x->a, CA "/order/1", &o, &err),
			 CC_OK);
	assert_int_equal(o.retry_after, 30);
	assert_int_equal(cc_acme_order_poll(x->a, &o, &err), CC_EPENDING);
	assert_int_equal(err.retry_after, 30);
	assert_int_equal(x->clk.nsleeps, 3);

	/* an invalid order carries its error */
	fake_http_push(x->f, 200, "Replay-Nonce: f",
		       "{\"status\":\"invalid\",\"error\":{\"type\":\""
		       ERR_NS "unauthorized\",\"detail\":\"authz failed\"}}");
	o.retry_after = 0;
	assert_int_equal(cc_acme_order_poll(x->a, &o, &err), CC_ECHALLENGE);
	assert_string_equal(err.msg, "order '" CA "/order/1' is invalid: "
			    "unauthorized: authz failed");
	assert_string_equal(err.problem, ERR_NS "unauthorized");
	assert_int_equal(fake_http_left(x->f), 0);
	cc_acme_order_release(&o);
}

static void acme_finalize(void **state)
{
	struct fx *x = *state;
	struct cc_acme_order o;
	struct cc_err err = CC_ERR_INIT;
	static const unsigned char csr[] = { 0x30, 0x82, 0x01, 0xff, 0xfe };
	cJSON *p;
	char *payload;

	start(x, NULL);
	fake_http_push(x->f, 200, "Replay-Nonce: a",
		       "{\"status\":\"ready\",\"finalize\":\"" CA "/fin\"}");
	assert_int_equal(cc_acme_order_fetch(x->a, CA "/order/1", &o, &err),
			 CC_OK);
	fake_http_push(x->f, 200, "Replay-Nonce: b\nRetry-After: 1",
		       "{\"status\":\"processing\",\"finalize\":\""
		       CA "/fin\"}");
	fake_http_push(x->f, 200, "Replay-Nonce: c",
		       "{\"status\":\"valid\",\"finalize\":\"" CA "/fin\","
		       "\"certificate\":\"" CA "/cert/1\"}");
	assert_int_equal(cc_acme_order_finalize(x->a, &o, csr, sizeof(csr),
						&err), CC_OK);
	assert_string_equal(o.status, "valid");
	assert_string_equal(o.url, CA "/order/1");
	assert_string_equal(o.certificate, CA "/cert/1");
	assert_int_equal(x->clk.nsleeps, 1);
	assert_int_equal(x->clk.sleeps[0], 1000);
	payload = check_post(req(x, 3), CA "/fin", "a", ACCT_URL, NULL, NULL);
	p = cJSON_Parse(payload);
	assert_string_equal(fake_json_str(p, "csr"), "MIIB__4");
	cJSON_Delete(p);
	free(payload);
	/* the poll goes to the order URL, as POST-as-GET */
	payload = check_post(req(x, 4), CA "/order/1", "b", ACCT_URL, NULL,
			     NULL);
	assert_string_equal(payload, "");
	free(payload);
	/* finalizing a valid order again is a no-op */
	assert_int_equal(cc_acme_order_finalize(x->a, &o, csr, sizeof(csr),
						&err), CC_OK);
	assert_int_equal(x->f->nreqs, 5);
	cc_acme_order_release(&o);

	/* finalize refused: badCSR */
	fake_http_push(x->f, 200, "Replay-Nonce: d",
		       "{\"status\":\"ready\",\"finalize\":\"" CA "/fin\"}");
	assert_int_equal(cc_acme_order_fetch(x->a, CA "/order/2", &o, &err),
			 CC_OK);
	fake_http_push(x->f, 400, "Replay-Nonce: e",
		       "{\"type\":\"" ERR_NS "badCSR\",\"detail\":\"key too "
		       "small\"}");
	assert_int_equal(cc_acme_order_finalize(x->a, &o, csr, sizeof(csr),
						&err), CC_EHTTP);
	assert_string_equal(err.msg, "badCSR: key too small");
	/* a valid order without a certificate URL is malformed */
	fake_http_push(x->f, 200, "Replay-Nonce: f",
		       "{\"status\":\"valid\",\"finalize\":\"" CA "/fin\"}");
	assert_int_equal(cc_acme_order_finalize(x->a, &o, csr, sizeof(csr),
						&err), CC_EPROTO);
	assert_int_equal(fake_http_left(x->f), 0);
	cc_acme_order_release(&o);
}

/* Chains built from the test PKI, with known top issuers. */
struct chains_fx {
	struct tp_pki pki;
	EVP_PKEY *leaf_key;
	X509 *leaf;
	char *leaf_pem, *int_pem, *root_pem;
};

static void chains_init(struct chains_fx *c)
{
	const char *sans[] = { "example.com" };

	tp_pki_init(&c->pki);
	c->leaf_key = tp_key_ec();
	c->leaf = tp_issue(&c->pki, c->leaf_key, "example.com", sans, 1, 0,
			   86400);
	c->leaf_pem = tp_cert_pem(c->leaf);
	c->int_pem = tp_cert_pem(c->pki.intermediate);
	c->root_pem = tp_cert_pem(c->pki.root);
}

static void chains_release(struct chains_fx *c)
{
	free(c->leaf_pem);
	free(c->int_pem);
	free(c->root_pem);
	X509_free(c->leaf);
	EVP_PKEY_free(c->leaf_key);
	tp_pki_release(&c->pki);
}

static void acme_download_alternates(void **state)
{
	struct fx *x = *state;
	struct chains_fx c;
	struct cc_acme_chains ch;
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf b0 = CC_BUF_INIT, b2 = CC_BUF_INIT;
	size_t i;

	chains_init(&c);
	assert_int_equal(cc_buf_addf(&b0, "%s%s", c.leaf_pem, c.int_pem),
			 CC_OK);
	assert_int_equal(cc_buf_addf(&b2, "%s%s%s", c.leaf_pem, c.int_pem,
				     c.root_pem), CC_OK);
	start(x, NULL);
	fake_http_push(x->f, 200, "Replay-Nonce: a\n"
		       "Content-Type: application/pem-certificate-chain\n"
		       "Link: <" CA "/dir>;rel=\"index\"\n"
		       "Link: </cert/1/1>;rel=\"alternate\", <" CA "/cert/1/2>"
		       "; title=\"x,y\"; rel=\"alternate\"\n"
		       "Link: <" CA "/other>;rel=\"up\"", b0.data);
	fake_http_push(x->f, 200, "Replay-Nonce: b", c.leaf_pem);
	fake_http_push(x->f, 200, "Replay-Nonce: c", b2.data);
	assert_int_equal(cc_acme_cert_download(x->a, CA "/cert/1", 1, &ch,
					       &err), CC_OK);
	assert_int_equal(ch.n, 3);
	assert_string_equal(ch.v[0].url, CA "/cert/1");
	assert_string_equal(ch.v[0].pem, b0.data);
	assert_int_equal(ch.v[0].pem_len, b0.len);
	assert_string_equal(ch.v[1].url, CA "/cert/1/1");
	assert_string_equal(ch.v[1].pem, c.leaf_pem);
	assert_string_equal(ch.v[2].url, CA "/cert/1/2");
	for (i = 2; i < 5; i++) {
		assert_string_equal(fake_req_header(req(x, i), "Accept"),
				    "application/pem-certificate-chain");
		free(check_post(req(x, i), ch.v[i - 2].url, NULL, ACCT_URL,
				NULL, NULL));
	}
	/* top issuer CN: chain 0 and 2 end under the root, 1 under the int */
	assert_int_equal(cc_acme_chain_pick(&ch, "certctl Test Intermediate"),
			 1);
	assert_int_equal(cc_acme_chain_pick(&ch, "certctl Test Root"), 0);
	assert_int_equal(cc_acme_chain_pick(&ch, "Nobody"), 0);
	assert_int_equal(cc_acme_chain_pick(&ch, NULL), 0);
	assert_int_equal(cc_acme_chain_pick(&ch, ""), 0);
	cc_acme_chains_release(&ch);

	/* without alternates: one request, Link ignored */
	fake_http_push(x->f, 200, "Replay-Nonce: d\n"
		       "Link: <" CA "/cert/1/1>;rel=\"alternate\"", b0.data);
	assert_int_equal(cc_acme_cert_download(x->a, CA "/cert/1", 0, &ch,
					       &err), CC_OK);
	assert_int_equal(ch.n, 1);
	cc_acme_chains_release(&ch);
	cc_acme_chains_release(&ch);

	/* not PEM */
	fake_http_push(x->f, 200, "Replay-Nonce: e", "{\"oops\":1}");
	assert_int_equal(cc_acme_cert_download(x->a, CA "/cert/1", 1, &ch,
					       &err), CC_EPROTO);
	assert_int_equal(ch.n, 0);
	assert_null(ch.v);
	assert_int_equal(fake_http_left(x->f), 0);
	cc_buf_release(&b0);
	cc_buf_release(&b2);
	chains_release(&c);
}

static void acme_revoke_payload(void **state)
{
	struct fx *x = *state;
	struct chains_fx c;
	struct cc_err err = CC_ERR_INIT;
	unsigned char *der = NULL;
	struct cc_buf der64 = CC_BUF_INIT;
	EVP_PKEY *rsa = tp_key_rsa(2048);
	char *payload;
	cJSON *p;
	int len;

	chains_init(&c);
	len = i2d_X509(c.leaf, &der);
	assert_true(len > 0);
	assert_int_equal(cc_b64url_encode(der, (size_t)len, &der64), CC_OK);

	/* bad reason: refused before any traffic */
	assert_int_equal(cc_acme_revoke(x->a, der, (size_t)len, 7, NULL,
					&err), CC_EINVAL);
	assert_int_equal(x->f->nreqs, 0);

	start(x, NULL);
	fake_http_push(x->f, 200, "Replay-Nonce: a", NULL);
	assert_int_equal(cc_acme_revoke(x->a, der, (size_t)len, 4, NULL,
					&err), CC_OK);
	payload = check_post(req(x, 2), CA "/revoke", "nonce-0", ACCT_URL,
			     NULL, NULL);
	p = cJSON_Parse(payload);
	assert_string_equal(fake_json_str(p, "certificate"), der64.data);
	assert_int_equal(cJSON_GetObjectItem(p, "reason")->valueint, 4);
	cJSON_Delete(p);
	free(payload);

	/* by the certificate key: jwk of that key, no reason */
	fake_http_push(x->f, 200, "Replay-Nonce: b", NULL);
	assert_int_equal(cc_acme_revoke(x->a, der, (size_t)len,
					CC_ACME_REASON_NONE, c.leaf_key, &err),
			 CC_OK);
	payload = check_post(req(x, 3), CA "/revoke", "a", NULL, c.leaf_key,
			     NULL);
	p = cJSON_Parse(payload);
	assert_null(cJSON_GetObjectItem(p, "reason"));
	assert_string_equal(fake_json_str(p, "certificate"), der64.data);
	cJSON_Delete(p);
	free(payload);

	/* an RSA certificate key signs RS256 */
	fake_http_push(x->f, 200, "Replay-Nonce: c", NULL);
	assert_int_equal(cc_acme_revoke(x->a, der, (size_t)len, 0, rsa, &err),
			 CC_OK);
	free(check_post(req(x, 4), CA "/revoke", "b", NULL, rsa, "RS256"));

	fake_http_push(x->f, 400, "Replay-Nonce: d",
		       "{\"type\":\"" ERR_NS "alreadyRevoked\",\"detail\":"
		       "\"Certificate already revoked\"}");
	assert_int_equal(cc_acme_revoke(x->a, der, (size_t)len, 1, NULL,
					&err), CC_EEXIST);
	assert_string_equal(err.problem, ERR_NS "alreadyRevoked");
	assert_int_equal(fake_http_left(x->f), 0);
	OPENSSL_free(der);
	cc_buf_release(&der64);
	EVP_PKEY_free(rsa);
	chains_release(&c);
}

static void acme_key_change(void **state)
{
	struct fx *x = *state;
	EVP_PKEY *nk = tp_key_rsa(2048);
	struct cc_acme_account acct;
	struct cc_err err = CC_ERR_INIT;
	cJSON *inner_hdr = NULL, *inner = NULL, *jwk = NULL, *old = NULL;
	char *payload, *inner_payload = NULL;

	start(x, NULL);
	fake_http_push(x->f, 200, "Replay-Nonce: a", "{\"status\":\"valid\"}");
	assert_int_equal(cc_acme_account_key_change(x->a, nk, &err), CC_OK);
	assert_ptr_equal(cc_acme_account_key(x->a), nk);
	/* outer: old key, kid */
	payload = check_post(req(x, 2), CA "/key-change", "nonce-0", ACCT_URL,
			     NULL, "ES256");
	/* inner: new key, jwk, no nonce, same url */
	fake_jws_decode(payload, &inner_hdr, &inner_payload);
	assert_string_equal(fake_json_str(inner_hdr, "alg"), "RS256");
	assert_string_equal(fake_json_str(inner_hdr, "url"), CA "/key-change");
	assert_null(cJSON_GetObjectItem(inner_hdr, "nonce"));
	assert_null(cJSON_GetObjectItem(inner_hdr, "kid"));
	assert_int_equal(cc_jwk_new(nk, &jwk, &err), CC_OK);
	assert_true(cJSON_Compare(cJSON_GetObjectItem(inner_hdr, "jwk"), jwk,
				  1));
	inner = cJSON_Parse(inner_payload);
	assert_string_equal(fake_json_str(inner, "account"), ACCT_URL);
	assert_int_equal(cc_jwk_new(x->key, &old, &err), CC_OK);
	assert_true(cJSON_Compare(cJSON_GetObjectItem(inner, "oldKey"), old,
				  1));
	/* later requests are signed by the new key */
	fake_http_push(x->f, 200, "Replay-Nonce: b", "{\"status\":\"valid\"}");
	assert_int_equal(cc_acme_account_fetch(x->a, &acct, &err), CC_OK);
	cc_acme_account_release(&acct);
	free(check_post(req(x, 3), ACCT_URL, "a", ACCT_URL, NULL, "RS256"));

	free(payload);
	free(inner_payload);
	cJSON_Delete(inner_hdr);
	cJSON_Delete(inner);
	cJSON_Delete(jwk);
	cJSON_Delete(old);
	EVP_PKEY_free(nk);	/* the client holds its own reference */
	fake_http_push(x->f, 200, "Replay-Nonce: c", "{\"status\":\"valid\"}");
	assert_int_equal(cc_acme_account_fetch(x->a, &acct, &err), CC_OK);
	cc_acme_account_release(&acct);
}

/* RFC 9773 appendix A */
static const char rfc9773_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBQzCB66ADAgECAgUAh2VDITAKBggqhkjOPQQDAjAVMRMwEQYDVQQDEwpFeGFt\n"
	"cGxlIENBMCIYDzAwMDEwMTAxMDAwMDAwWhgPMDAwMTAxMDEwMDAwMDBaMBYxFDAS\n"
	"BgNVBAMTC2V4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeBZu\n"
	"7cbpAYNXZLbbh8rNIzuOoqOOtmxA1v7cRm//AwyMwWxyHz4zfwmBhcSrf47NUAFf\n"
	"qzLQ2PPQxdTXREYEnKMjMCEwHwYDVR0jBBgwFoAUaYhba4dGQEHhs3uEe6CuLN4B\n"
	"yNQwCgYIKoZIzj0EAwIDRwAwRAIge09+S5TZAlw5tgtiVvuERV6cT4mfutXIlwTb\n"
	"+FYN/8oCIClDsqBklhB9KAelFiYt9+6FDj3z4KGVelYM5MdsO3pK\n"
	"-----END CERTIFICATE-----\n";

static X509 *pem_cert(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x;

	assert_non_null(bio);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	assert_non_null(x);
	BIO_free(bio);
	return x;
}

static void acme_ari_cert_id(void **state)
{
	struct chains_fx c;
	struct cc_buf b = CC_BUF_INIT, kid = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	const ASN1_OCTET_STRING *ski;
	X509 *cert = pem_cert(rfc9773_pem), *bare;
	EVP_PKEY *k;
	char *dot;

	(void)state;
	assert_int_equal(cc_acme_ari_cert_id(cert, &b, &err), CC_OK);
	assert_string_equal(b.data, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
	X509_free(cert);

	/* a test PKI leaf: the AKI is the intermediate's SKI */
	chains_init(&c);
	cc_buf_reset(&b);
	assert_int_equal(cc_acme_ari_cert_id(c.leaf, &b, &err), CC_OK);
	dot = strchr(b.data, '.');
	assert_non_null(dot);
	assert_int_equal(cc_b64url_decode(b.data, (size_t)(dot - b.data),
					  &kid, &err), CC_OK);
	ski = X509_get0_subject_key_id(c.pki.intermediate);
	assert_non_null(ski);
	assert_int_equal(kid.len, (size_t)ASN1_STRING_length(ski));
	assert_memory_equal(kid.data, ASN1_STRING_get0_data(ski), kid.len);
	chains_release(&c);

	/* no AKI: CC_EINVAL, out untouched */
	bare = X509_new();
	k = tp_key_ec();
	assert_non_null(bare);
	assert_int_equal(X509_set_version(bare, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(bare), 0x80),
			 1);
	assert_int_equal(X509_set_pubkey(bare, k), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(bare), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(bare), 60));
	assert_true(X509_sign(bare, k, EVP_sha256()) > 0);
	cc_buf_reset(&b);
	assert_int_equal(cc_buf_adds(&b, "keep"), CC_OK);
	assert_int_equal(cc_acme_ari_cert_id(bare, &b, &err), CC_EINVAL);
	assert_string_equal(b.data, "keep");
	X509_free(bare);
	EVP_PKEY_free(k);
	cc_buf_release(&b);
	cc_buf_release(&kid);
}

static void acme_renewal_info(void **state)
{
	static const char no_ari_dir[] =
		"{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA
		"/new-acct\",\"newOrder\":\"" CA "/new-order\"}";
	struct fx *x = *state;
	struct cc_acme_renewal_info ri;
	struct cc_err err = CC_ERR_INIT;
	struct cc_acme *a2 = NULL;

	fake_http_push(x->f, 200, NULL, dir_json);
	fake_http_push(x->f, 200, "Retry-After: 21600\n"
		       "Content-Type: application/json",
		       "{\"suggestedWindow\":{\"start\":"
		       "\"2025-01-02T04:00:00Z\",\"end\":"
		       "\"2025-01-03T04:00:00.123456789Z\"},"
		       "\"explanationURL\":\"" CA "/docs/ari\"}");
	assert_int_equal(cc_acme_renewal_info(x->a,
			 "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", &ri, &err),
			 CC_OK);
	assert_int_equal(ri.start, 1735790400);
	assert_int_equal(ri.end, 1735790400 + 86400);
	assert_string_equal(ri.explanation_url, CA "/docs/ari");
	assert_int_equal(ri.retry_after, 21600);
	cc_acme_renewal_info_release(&ri);
	/* an unsigned GET with the trailing slash of the base folded */
	assert_string_equal(req(x, 1)->method, "GET");
	assert_string_equal(req(x, 1)->url,
			    CA "/ari/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");

	/* end before start, missing window */
	fake_http_push(x->f, 200, NULL, "{\"suggestedWindow\":{\"start\":"
		       "\"2025-01-03T04:00:00Z\",\"end\":"
		       "\"2025-01-02T04:00:00Z\"}}");
	assert_int_equal(cc_acme_renewal_info(x->a, "a.b", &ri, &err),
			 CC_EPROTO);
	fake_http_push(x->f, 200, NULL, "{}");
	assert_int_equal(cc_acme_renewal_info(x->a, "a.b", &ri, &err),
			 CC_EPROTO);
	assert_null(ri.explanation_url);
	/* bad IDs never reach the network */
	assert_int_equal(cc_acme_renewal_info(x->a, "../x.y", &ri, &err),
			 CC_EINVAL);
	assert_int_equal(cc_acme_renewal_info(x->a, "nodot", &ri, &err),
			 CC_EINVAL);
	assert_int_equal(x->f->nreqs, 4);

	/* a CA without ARI */
	assert_int_equal(cc_acme_new(&a2, DIR_URL, &x->f->base, &x->clk.clock,
				     x->key, ACCT_URL, &err), CC_OK);
	fake_http_push(x->f, 200, NULL, no_ari_dir);
	assert_int_equal(cc_acme_renewal_info(a2, "a.b", &ri, &err),
			 CC_EUNSUPPORTED);
	assert_int_equal(fake_http_left(x->f), 0);
	cc_acme_free(a2);
	cc_acme_free(NULL);
}

static void acme_time_parse(void **state)
{
	time_t t = 0;

	(void)state;
	assert_int_equal(cc_acme_time_parse("2025-01-02T04:00:00Z", &t), 0);
	assert_int_equal(t, 1735790400);
	assert_int_equal(cc_acme_time_parse("2025-01-02t04:00:00.999z", &t),
			 0);
	assert_int_equal(t, 1735790400);
	assert_int_equal(cc_acme_time_parse("2025-01-02T05:30:00+01:30", &t),
			 0);
	assert_int_equal(t, 1735790400);
	assert_int_equal(cc_acme_time_parse("2025-01-01T22:00:00-06:00", &t),
			 0);
	assert_int_equal(t, 1735790400);
	assert_int_equal(cc_acme_time_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(cc_acme_time_parse("2025-01-02T04:00:00", &t), -1);
	assert_int_equal(cc_acme_time_parse("2025-13-02T04:00:00Z", &t), -1);
	assert_int_equal(cc_acme_time_parse("2025-01-02T04:00:00.Z", &t), -1);
	assert_int_equal(cc_acme_time_parse("2025-01-02T04:00:00Zjunk", &t),
			 -1);
	assert_int_equal(cc_acme_time_parse("2025-1-2T04:00:00Z", &t), -1);
	assert_int_equal(cc_acme_time_parse(NULL, &t), -1);
	assert_int_equal(cc_acme_time_parse("", &t), -1);
}

static void acme_new_rejects_bad_args(void **state)
{
	struct fx *x = *state;
	struct cc_acme *a = NULL;
	struct cc_err err = CC_ERR_INIT;
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	assert_int_equal(cc_acme_new(&a, DIR_URL, &x->f->base, &x->clk.clock,
				     ed, NULL, &err), CC_EUNSUPPORTED);
	assert_null(a);
	assert_int_equal(cc_acme_new(&a, "", &x->f->base, &x->clk.clock,
				     x->key, NULL, &err), CC_EINVAL);
	assert_int_equal(cc_acme_new(&a, DIR_URL, NULL, &x->clk.clock,
				     x->key, NULL, &err), CC_EINVAL);
	assert_null(a);
	EVP_PKEY_free(ed);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(acme_directory_parse_and_cache),
		T(acme_directory_malformed),
		T(acme_new_account_and_nonce_reuse),
		T(acme_account_find_update_deactivate),
		T(acme_eab),
		T(acme_bad_nonce_retry),
		T(acme_problem_documents),
		T(acme_retry_after_429),
		T(acme_new_order),
		T(acme_authz_and_challenges),
		T(acme_poll_backoff),
		T(acme_poll_starts_fast),
		T(acme_poll_timeout),
		T(acme_poll_retry_after),
		T(acme_finalize),
		T(acme_download_alternates),
		T(acme_revoke_payload),
		T(acme_key_change),
		cmocka_unit_test(acme_ari_cert_id),
		T(acme_renewal_info),
		cmocka_unit_test(acme_time_parse),
		T(acme_new_rejects_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
