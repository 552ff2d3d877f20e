/*
 * End-to-end ACME run against a local Pebble (tests/integration/
 * pebble-env.sh). Skipped unless CERTCTL_TEST_PEBBLE_DIR is set:
 *
 *   . tests/integration/pebble-env.sh && pebble_start
 *   CERTCTL_TEST_PEBBLE_DIR=$PEBBLE_DIR_URL build/tests/unit/test_acme_pebble
 *   pebble_stop
 *
 * Uses PEBBLE_CA_BUNDLE, CHALLTESTSRV_URL, and when set PEBBLE_MGMT_URL
 * (revocation status), PEBBLE_EAB_KID / PEBBLE_EAB_HMAC and
 * PEBBLE_ALT_ROOTS (number of alternate chains to expect).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "acme.h"
#include "clock.h"
#include "http.h"
#include "jws.h"
#include "testpki.h"

#define NAME "x.test"

struct env {
	const char *dir;
	const char *ca_bundle;
	const char *chall;
	const char *mgmt;
	const char *eab_kid;
	const char *eab_hmac;
	long alt_roots;
};

static int read_env(struct env *e)
{
	memset(e, 0, sizeof(*e));
	e->dir = getenv("CERTCTL_TEST_PEBBLE_DIR");
	if (!e->dir || !*e->dir)
		return 0;
	e->ca_bundle = getenv("PEBBLE_CA_BUNDLE");
	e->chall = getenv("CHALLTESTSRV_URL");
	e->mgmt = getenv("PEBBLE_MGMT_URL");
	e->eab_kid = getenv("PEBBLE_EAB_KID");
	e->eab_hmac = getenv("PEBBLE_EAB_HMAC");
	if (getenv("PEBBLE_ALT_ROOTS"))
		e->alt_roots = strtol(getenv("PEBBLE_ALT_ROOTS"), NULL, 10);
	return 1;
}

/* POST json to challtestsrv's management API. */
static void chall_post(struct cc_http *h, const char *base, const char *path,
		       const char *json)
{
	struct cc_http_response r = CC_HTTP_RESPONSE_INIT;
	struct cc_http_request req;
	struct cc_err err = CC_ERR_INIT;
	char url[512];

	snprintf(url, sizeof(url), "%s%s", base, path);
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.body = json;
	req.body_len = strlen(json);
	assert_int_equal(cc_http_perform(h, &req, &r, &err), CC_OK);
	assert_int_equal(r.status, 200);
	cc_http_response_release(&r);
}

/* DER CSR for key with CN and SAN name. */
static unsigned char *make_csr(EVP_PKEY *key, const char *name, int *len)
{
	X509_REQ *rq = X509_REQ_new();
	X509_NAME *subj;
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *san;
	unsigned char *der = NULL;
	char sanval[300];

	assert_non_null(rq);
	assert_non_null(exts);
	subj = X509_REQ_get_subject_name(rq);
	assert_int_equal(X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_UTF8,
		(const unsigned char *)name, -1, -1, 0), 1);
	snprintf(sanval, sizeof(sanval), "DNS:%s", name);
	san = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, sanval);
	assert_non_null(san);
	assert_true(sk_X509_EXTENSION_push(exts, san) > 0);
	assert_int_equal(X509_REQ_add_extensions(rq, exts), 1);
	assert_int_equal(X509_REQ_set_pubkey(rq, key), 1);
	assert_true(X509_REQ_sign(rq, key, EVP_sha256()) > 0);
	*len = i2d_X509_REQ(rq, &der);
	assert_true(*len > 0);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(rq);
	return der;
}

static X509 *first_cert(const char *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x;

	assert_non_null(bio);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	assert_non_null(x);
	BIO_free(bio);
	return x;
}

/* Issuer CN of the last certificate of a PEM chain (malloc'd). */
static char *top_issuer(const char *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x, *last = NULL;
	char cn[256];
	int n = 0;

	assert_non_null(bio);
	while (n++ < 10 && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		X509_free(last);
		last = x;
	}
	ERR_clear_error();
	assert_non_null(last);
	assert_true(X509_NAME_get_text_by_NID(X509_get_issuer_name(last),
					      NID_commonName, cn,
					      sizeof(cn)) > 0);
	X509_free(last);
	BIO_free(bio);
	return strdup(cn);
}

/* Revocation status from pebble's management API ("Revoked"/"Valid"). */
static void check_revoked(struct cc_http *h, const char *mgmt, X509 *cert)
{
	struct cc_http_response r = CC_HTTP_RESPONSE_INIT;
	struct cc_http_request req;
	struct cc_err err = CC_ERR_INIT;
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = BN_bn2hex(bn), *p, url[512];

	assert_non_null(hex);
	for (p = hex; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	snprintf(url, sizeof(url), "%s/cert-status-by-serial/%s", mgmt, hex);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	assert_int_equal(cc_http_perform(h, &req, &r, &err), CC_OK);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "\"Revoked\""));
	cc_http_response_release(&r);
	OPENSSL_free(hex);
	BN_free(bn);
}

static void acme_pebble_issue_and_revoke(void **state)
{
	struct env e;
	struct cc_http_opts ho = { NULL, NULL, 5000, 30000, 0 };
	struct cc_http *http = NULL, *plain = NULL;
	struct cc_acme *a = NULL;
	struct cc_err err = CC_ERR_INIT;
	const struct cc_acme_directory *dir;
	const char *contacts[] = { "certctl-test@example.com" };
	struct cc_acme_account_req ar = { contacts, 1, 1, NULL, NULL };
	struct cc_acme_account acct, found;
	const char *names[] = { NAME };
	struct cc_acme_order_req orq = { names, 1, NULL, NULL };
	struct cc_acme_order o;
	struct cc_acme_authz z;
	struct cc_acme_chains ch;
	const struct cc_acme_challenge *c;
	struct cc_buf txt = CC_BUF_INIT, json = CC_BUF_INIT, id = CC_BUF_INIT;
	EVP_PKEY *key = tp_key_ec(), *cert_key = tp_key_ec(), *new_key;
	unsigned char *csr;
	X509 *leaf;
	size_t i;
	int csr_len;

	(void)state;
	if (!read_env(&e)) {
		EVP_PKEY_free(key);
		EVP_PKEY_free(cert_key);
		skip();
	}
	assert_non_null(e.ca_bundle);
	assert_non_null(e.chall);
	ho.ca_bundle = e.ca_bundle;
	assert_int_equal(cc_http_curl_new(&http, &ho, &err), CC_OK);
	assert_int_equal(cc_http_curl_new(&plain, NULL, &err), CC_OK);
	assert_int_equal(cc_acme_new(&a, e.dir, http, &cc_clock_real, key,
				     NULL, &err), CC_OK);
	assert_int_equal(cc_acme_get_directory(a, &dir, &err), CC_OK);
	assert_non_null(dir->terms_of_service);

	/* register, then find the same account by key */
	if (e.eab_kid && e.eab_hmac) {
		ar.eab_kid = e.eab_kid;
		ar.eab_hmac_key = e.eab_hmac;
	}
	if (cc_acme_account_new(a, &ar, &acct, &err))
		fail_msg("newAccount: %s", err.msg);
	assert_string_equal(acct.status, "valid");
	assert_int_equal(acct.created, 1);
	assert_non_null(cc_acme_account_url(a));
	if (cc_acme_account_find(a, &found, &err))
		fail_msg("find account: %s", err.msg);
	assert_string_equal(found.url, acct.url);
	cc_acme_account_release(&found);

	/* order one name by dns-01 */
	if (cc_acme_order_new(a, &orq, &o, &err))
		fail_msg("newOrder: %s", err.msg);
	assert_string_equal(o.status, "pending");
	assert_true(o.nauthorizations >= 1);
	for (i = 0; i < o.nauthorizations; i++) {
		if (cc_acme_authz_fetch(a, o.authorizations[i], &z, &err))
			fail_msg("authz: %s", err.msg);
		assert_string_equal(z.identifier.value, NAME);
		if (strcmp(z.status, "valid") == 0) {
			cc_acme_authz_release(&z);
			continue;
		}
		c = cc_acme_authz_challenge(&z, "dns-01");
		assert_non_null(c);
		cc_buf_reset(&txt);
		cc_buf_reset(&json);
		assert_int_equal(cc_jws_dns01_value(key, c->token, &txt,
						    &err), CC_OK);
		assert_int_equal(cc_buf_addf(&json, "{\"host\":\"_acme-"
					     "challenge." NAME ".\",\"value\":"
					     "\"%s\"}", txt.data), CC_OK);
		chall_post(plain, e.chall, "/set-txt", json.data);
		if (cc_acme_challenge_respond(a, c->url, &err))
			fail_msg("respond: %s", err.msg);
		cc_acme_authz_release(&z);
		if (cc_acme_authz_poll(a, o.authorizations[i], &z, &err))
			fail_msg("authz poll: %s", err.msg);
		assert_string_equal(z.status, "valid");
		cc_acme_authz_release(&z);
	}
	if (cc_acme_order_poll(a, &o, &err))
		fail_msg("order poll: %s", err.msg);
	assert_string_equal(o.status, "ready");

	/* finalize and download */
	csr = make_csr(cert_key, NAME, &csr_len);
	if (cc_acme_order_finalize(a, &o, csr, (size_t)csr_len, &err))
		fail_msg("finalize: %s", err.msg);
	OPENSSL_free(csr);
	assert_string_equal(o.status, "valid");
	assert_non_null(o.certificate);
	if (cc_acme_cert_download(a, o.certificate, 1, &ch, &err))
		fail_msg("download: %s", err.msg);
	assert_int_equal(ch.n, 1 + (size_t)e.alt_roots);
	assert_true(cc_acme_chain_pick(&ch, "no such issuer") == 0);
	for (i = 1; i < ch.n; i++) {
		char *cn = top_issuer(ch.v[i].pem, ch.v[i].pem_len);

		assert_int_equal(cc_acme_chain_pick(&ch, cn), i);
		free(cn);
	}
	leaf = first_cert(ch.v[0].pem, ch.v[0].pem_len);
	assert_int_equal(X509_check_host(leaf, NAME, 0, 0, NULL), 1);
	assert_int_equal(X509_check_private_key(leaf, cert_key), 1);
	assert_int_equal(cc_acme_ari_cert_id(leaf, &id, &err), CC_OK);
	assert_non_null(strchr(id.data, '.'));
	if (dir->renewal_info) {
		struct cc_acme_renewal_info ri;

		if (cc_acme_renewal_info(a, id.data, &ri, &err))
			fail_msg("renewalInfo: %s", err.msg);
		assert_true(ri.end >= ri.start);
		cc_acme_renewal_info_release(&ri);
	}
	chall_post(plain, e.chall, "/clear-txt",
		   "{\"host\":\"_acme-challenge." NAME ".\"}");

	/* revoke (account key), then again: alreadyRevoked */
	{
		unsigned char *der = NULL;
		int len = i2d_X509(leaf, &der);

		assert_true(len > 0);
		if (cc_acme_revoke(a, der, (size_t)len, 4, NULL, &err))
			fail_msg("revoke: %s", err.msg);
		assert_int_equal(cc_acme_revoke(a, der, (size_t)len, 4,
						cert_key, &err), CC_EEXIST);
		OPENSSL_free(der);
	}
	if (e.mgmt)
		check_revoked(http, e.mgmt, leaf);

	/* account key rollover, then deactivate with the new key */
	new_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	assert_non_null(new_key);
	if (cc_acme_account_key_change(a, new_key, &err))
		fail_msg("key change: %s", err.msg);
	cc_acme_account_release(&found);
	if (cc_acme_account_fetch(a, &found, &err))
		fail_msg("fetch with new key: %s", err.msg);
	assert_string_equal(found.status, "valid");
	cc_acme_account_release(&found);
	if (cc_acme_account_deactivate(a, &found, &err))
		fail_msg("deactivate: %s", err.msg);
	assert_string_equal(found.status, "deactivated");
	cc_acme_account_release(&found);

	X509_free(leaf);
	cc_acme_chains_release(&ch);
	cc_acme_order_release(&o);
	cc_acme_account_release(&acct);
	cc_buf_release(&txt);
	cc_buf_release(&json);
	cc_buf_release(&id);
	cc_acme_free(a);
	cc_http_free(http);
	cc_http_free(plain);
	EVP_PKEY_free(new_key);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cert_key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(acme_pebble_issue_and_revoke),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
