/* Unit tests for lib/x509.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "key.h"
#include "x509.h"
#include "testpki.h"

#define NOT_A_CERT "not a certificate, PKCS#7 or PKCS#12 file"

/* Shared PKI: root -> intermediate -> two leaves. */
static struct tp_pki pki;
static EVP_PKEY *key1, *key2;
static X509 *leaf1, *leaf2;
static time_t issued_from, issued_to;

#define LEAF_OFFSET (-120L)
#define LEAF_LIFETIME (90L * 86400)

static const char *const leaf1_sans[] = {
	"example.com", "www.example.com", "192.0.2.7", "2001:db8::7",
};

static int group_setup(void **state)
{
	static const char *const sans2[] = { "two.example" };

	(void)state;
	tp_pki_init(&pki);
	key1 = tp_key_ec();
	key2 = tp_key_ec();
	issued_from = time(NULL);
	leaf1 = tp_issue(&pki, key1, "www.example.com", leaf1_sans, 4,
			 LEAF_OFFSET, LEAF_LIFETIME);
	issued_to = time(NULL);
	leaf2 = tp_issue(&pki, key2, "two.example", sans2, 1, 0, 3600);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	X509_free(leaf1);
	X509_free(leaf2);
	EVP_PKEY_free(key1);
	EVP_PKEY_free(key2);
	tp_pki_release(&pki);
	return 0;
}

/* Concatenated PEM of certs (NULL-terminated list) into b. */
static void add_pems(struct cc_buf *b, X509 *const *certs, size_t n)
{
	size_t i;
	char *s;

	for (i = 0; i < n; i++) {
		s = tp_cert_pem(certs[i]);
		assert_int_equal(cc_buf_adds(b, s), CC_OK);
		free(s);
	}
}

static void parse_ok(const void *data, size_t len, const char *pass,
		     struct cc_bundle *b)
{
	struct cc_err err = CC_ERR_INIT;

	if (cc_bundle_parse(data, len, pass, b, &err))
		fail_msg("cc_bundle_parse: %s", err.msg);
	assert_int_equal(ERR_peek_error(), 0);
}

/* Bundle certs are exactly want[0..n) in that order. */
static void expect_certs(const struct cc_bundle *b, X509 *const *want,
			 size_t n)
{
	size_t i;

	assert_int_equal(b->ncerts, n);
	for (i = 0; i < n; i++)
		if (X509_cmp(b->certs[i], want[i]))
			fail_msg("certificate %zu is not the expected one", i);
}

static void order_ok(struct cc_bundle *b)
{
	struct cc_err err = CC_ERR_INIT;

	if (cc_chain_order(b, &err))
		fail_msg("cc_chain_order: %s", err.msg);
}

static unsigned char *bio_take(BIO *bio, size_t *len)
{
	char *mem = NULL;
	long n = BIO_get_mem_data(bio, &mem);
	unsigned char *out;

	assert_true(n > 0);
	out = malloc((size_t)n + 1);
	assert_non_null(out);
	memcpy(out, mem, (size_t)n);
	out[n] = '\0';
	*len = (size_t)n;
	BIO_free(bio);
	return out;
}

/* The legacy provider must not be loaded yet: keep this test first. */
static void x509_parse_pkcs12_legacy(void **state)
{
	OSSL_LIB_CTX *ctx;
	OSSL_PROVIDER *leg, *def;
	STACK_OF(X509) *ca;
	PKCS12 *p12;
	EVP_CIPHER *rc2;
	unsigned char *der = NULL;
	struct cc_bundle b = CC_BUNDLE_INIT;
	X509 *want[2];
	int len;

	(void)state;
	/* build an RC2/3DES file in a private context with "legacy" */
	ctx = OSSL_LIB_CTX_new();
	assert_non_null(ctx);
	leg = OSSL_PROVIDER_load(ctx, "legacy");
	def = OSSL_PROVIDER_load(ctx, "default");
	if (!leg || !def) {
		OSSL_PROVIDER_unload(leg);
		OSSL_PROVIDER_unload(def);
		OSSL_LIB_CTX_free(ctx);
		skip();
	}
	ca = sk_X509_new_null();
	assert_non_null(ca);
	assert_true(sk_X509_push(ca, pki.intermediate) > 0);
	p12 = PKCS12_create_ex("legacy pw", "leaf", key1, leaf1, ca,
			       NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
			       NID_pbe_WithSHA1And40BitRC2_CBC, 0, 0, 0, ctx,
			       NULL);
	assert_non_null(p12);
	len = i2d_PKCS12(p12, &der);
	assert_true(len > 0);
	PKCS12_free(p12);
	sk_X509_free(ca);
	OSSL_PROVIDER_unload(leg);
	OSSL_PROVIDER_unload(def);
	OSSL_LIB_CTX_free(ctx);

	/* the default context cannot decrypt it without help */
	rc2 = EVP_CIPHER_fetch(NULL, "RC2-40-CBC", NULL);
	assert_null(rc2);
	ERR_clear_error();

	parse_ok(der, (size_t)len, "legacy pw", &b);
	assert_non_null(b.key);
	assert_true(cc_key_public_equal(b.key, key1));
	order_ok(&b);
	want[0] = leaf1;
	want[1] = pki.intermediate;
	expect_certs(&b, want, 2);
	cc_bundle_release(&b);
	/* "default" is still usable next to "legacy" */
	assert_true(OSSL_PROVIDER_available(NULL, "default"));
	assert_true(OSSL_PROVIDER_available(NULL, "legacy"));
	rc2 = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
	assert_non_null(rc2);
	EVP_CIPHER_free(rc2);
	OPENSSL_free(der);
}

static void x509_parse_pem_chain_any_order(void **state)
{
	static const size_t perms[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
		{ 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	X509 *chain[3] = { leaf1, pki.intermediate, pki.root };
	X509 *shuffled[3];
	struct cc_buf pem = CC_BUF_INIT;
	struct cc_bundle b = CC_BUNDLE_INIT;
	size_t i, j;

	(void)state;
	for (i = 0; i < 6; i++) {
		for (j = 0; j < 3; j++)
			shuffled[j] = chain[perms[i][j]];
		cc_buf_reset(&pem);
		add_pems(&pem, shuffled, 3);
		parse_ok(pem.data, pem.len, NULL, &b);
		assert_null(b.key);
		expect_certs(&b, shuffled, 3);	/* parse keeps input order */
		order_ok(&b);
		expect_certs(&b, chain, 3);
		cc_bundle_release(&b);
	}
	cc_buf_release(&pem);
}

static void x509_parse_pem_key_picks_leaf(void **state)
{
	struct cc_buf pem = CC_BUF_SECRET_INIT;
	struct cc_bundle b = CC_BUNDLE_INIT;
	X509 *in[4] = { pki.intermediate, leaf1, pki.root, leaf2 };
	X509 *want[4] = { leaf2, pki.intermediate, pki.root, leaf1 };
	char *k;

	(void)state;
	add_pems(&pem, in, 2);
	k = tp_key_pem(key2);
	assert_int_equal(cc_buf_adds(&pem, k), CC_OK);
	free(k);
	add_pems(&pem, in + 2, 2);
	parse_ok(pem.data, pem.len, NULL, &b);
	assert_non_null(b.key);
	assert_true(cc_key_public_equal(b.key, key2));
	order_ok(&b);
	expect_certs(&b, want, 4);
	cc_bundle_release(&b);

	/* without the key, the first non-CA leaf wins */
	cc_buf_reset(&pem);
	add_pems(&pem, in, 4);
	parse_ok(pem.data, pem.len, NULL, &b);
	order_ok(&b);
	want[0] = leaf1;
	want[3] = leaf2;
	expect_certs(&b, want, 4);
	cc_bundle_release(&b);
	cc_buf_release(&pem);
}

static void x509_parse_pem_encrypted_key(void **state)
{
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf pem = CC_BUF_INIT;
	struct cc_bundle b = CC_BUNDLE_INIT;
	BIO *bio;
	unsigned char *k;
	size_t klen;

	(void)state;
	add_pems(&pem, &leaf1, 1);
	bio = BIO_new(BIO_s_mem());
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PKCS8PrivateKey(bio, key1,
		EVP_aes_256_cbc(), NULL, 0, NULL, (void *)"pem pw"), 1);
	k = bio_take(bio, &klen);
	assert_int_equal(cc_buf_add(&pem, k, klen), CC_OK);
	free(k);
	add_pems(&pem, &pki.intermediate, 1);

	assert_int_equal(cc_bundle_parse(pem.data, pem.len, "nope", &b, &err),
			 CC_EPASSWORD);
	assert_string_equal(err.msg, "wrong password for the key");
	assert_int_equal(b.ncerts, 0);
	assert_null(b.key);
	assert_int_equal(cc_bundle_parse(pem.data, pem.len, NULL, &b, &err),
			 CC_EPASSWORD);
	assert_string_equal(err.msg, "key is encrypted: a password is needed");
	assert_int_equal(b.ncerts, 0);
	parse_ok(pem.data, pem.len, "pem pw", &b);
	assert_int_equal(b.ncerts, 2);
	assert_true(cc_key_matches_cert(b.key, leaf1));
	cc_bundle_release(&b);
	cc_buf_release(&pem);
}

static void x509_parse_pem_noise_and_crlf(void **state)
{
	static const char params[] = "-----BEGIN EC PARAMETERS-----\n"
		"BggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
	struct cc_buf pem = CC_BUF_INIT, crlf = CC_BUF_INIT;
	struct cc_bundle b = CC_BUNDLE_INIT;
	X509 *want[2] = { leaf1, pki.intermediate };
	size_t i;

	(void)state;
	assert_int_equal(cc_buf_adds(&pem, "Bag Attributes\n"
		"    friendlyName: leaf\nsubject=CN = www.example.com\n"),
		CC_OK);
	add_pems(&pem, &pki.intermediate, 1);
	assert_int_equal(cc_buf_adds(&pem, "\nsome comment\n"), CC_OK);
	assert_int_equal(cc_buf_adds(&pem, params), CC_OK);
	add_pems(&pem, &leaf1, 1);
	assert_int_equal(cc_buf_adds(&pem, "trailing text"), CC_OK);
	parse_ok(pem.data, pem.len, NULL, &b);
	order_ok(&b);
	expect_certs(&b, want, 2);
	cc_bundle_release(&b);

	for (i = 0; i < pem.len; i++) {
		if (pem.data[i] == '\n')
			assert_int_equal(cc_buf_add(&crlf, "\r", 1), CC_OK);
		assert_int_equal(cc_buf_add(&crlf, pem.data + i, 1), CC_OK);
	}
	parse_ok(crlf.data, crlf.len, NULL, &b);
	order_ok(&b);
	expect_certs(&b, want, 2);
	cc_bundle_release(&b);
	cc_buf_release(&pem);
	cc_buf_release(&crlf);
}

static void x509_chain_order_drops_duplicates(void **state)
{
	X509 *in[5] = { leaf1, pki.intermediate, leaf1, pki.intermediate,
			pki.root };
	X509 *want[3] = { leaf1, pki.intermediate, pki.root };
	struct cc_buf pem = CC_BUF_INIT;
	struct cc_bundle b = CC_BUNDLE_INIT;

	(void)state;
	add_pems(&pem, in, 5);
	parse_ok(pem.data, pem.len, NULL, &b);
	assert_int_equal(b.ncerts, 5);
	order_ok(&b);
	expect_certs(&b, want, 3);
	/* idempotent */
	order_ok(&b);
	expect_certs(&b, want, 3);
	cc_bundle_release(&b);
	cc_buf_release(&pem);
}

static void x509_chain_order_unrelated_last(void **state)
{
	struct tp_pki other;
	struct cc_buf pem = CC_BUF_INIT;
	struct cc_bundle b = CC_BUNDLE_INIT;
	struct cc_err err = CC_ERR_INIT;
	X509 *in[4], *want[4];

	(void)state;
	tp_pki_init(&other);
	/* an unrelated root first; a leaf without its intermediate */
	in[0] = other.root;
	in[1] = pki.root;
	in[2] = leaf1;
	add_pems(&pem, in, 3);
	parse_ok(pem.data, pem.len, NULL, &b);
	order_ok(&b);
	want[0] = leaf1;
	want[1] = other.root;
	want[2] = pki.root;
	expect_certs(&b, want, 3);
	cc_bundle_release(&b);

	/* a key that matches nothing: fall back to the structure */
	cc_buf_reset(&pem);
	in[0] = other.intermediate;
	in[1] = pki.intermediate;
	in[2] = leaf1;
	in[3] = other.root;
	add_pems(&pem, in, 4);
	parse_ok(pem.data, pem.len, NULL, &b);
	b.key = tp_key_ec();
	order_ok(&b);
	want[0] = leaf1;
	want[1] = pki.intermediate;
	want[2] = other.intermediate;
	want[3] = other.root;
	expect_certs(&b, want, 4);
	cc_bundle_release(&b);

	/* only CAs: the one that issued nothing is the "leaf" */
	cc_buf_reset(&pem);
	in[0] = other.root;
	in[1] = other.intermediate;
	add_pems(&pem, in, 2);
	parse_ok(pem.data, pem.len, NULL, &b);
	order_ok(&b);
	want[0] = other.intermediate;
	want[1] = other.root;
	expect_certs(&b, want, 2);
	cc_bundle_release(&b);

	assert_int_equal(cc_chain_order(&b, &err), CC_EINVAL);
	assert_int_equal(cc_chain_order(NULL, NULL), CC_EINVAL);
	tp_pki_release(&other);
	cc_buf_release(&pem);
}

/*
 * Certificate without extensions for pub with the given subject, signed by
 * signer_key under issuer's subject name.
 */
static X509 *bare_cert(EVP_PKEY *pub, const X509_NAME *subject,
		       X509 *issuer, EVP_PKEY *signer_key)
{
	X509 *c = X509_new();

	assert_non_null(c);
	assert_int_equal(X509_set_version(c, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(c), 77), 1);
	assert_int_equal(X509_set_subject_name(c, subject), 1);
	assert_int_equal(X509_set_issuer_name(c,
		X509_get_subject_name(issuer)), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(c), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(c), 3600));
	assert_int_equal(X509_set_pubkey(c, pub), 1);
	assert_true(X509_sign(c, signer_key, EVP_sha256()) > 0);
	return c;
}

static void x509_chain_order_checks_signatures(void **state)
{
	struct cc_buf pem = CC_BUF_INIT;
	struct cc_bundle b = CC_BUNDLE_INIT;
	EVP_PKEY *k = tp_key_ec();
	X509 *fake, *in[4], *want[4];

	(void)state;
	/* same name as the real intermediate, other key, no SKID */
	fake = bare_cert(k, X509_get_subject_name(pki.intermediate), pki.root,
			 pki.root_key);
	assert_int_equal(X509_check_issued(fake, leaf1), X509_V_OK);
	in[0] = leaf1;
	in[1] = fake;
	in[2] = pki.intermediate;
	in[3] = pki.root;
	add_pems(&pem, in, 4);
	parse_ok(pem.data, pem.len, NULL, &b);
	order_ok(&b);
	want[0] = leaf1;
	want[1] = pki.intermediate;
	want[2] = pki.root;
	want[3] = fake;
	expect_certs(&b, want, 4);
	cc_bundle_release(&b);
	cc_buf_release(&pem);
	X509_free(fake);
	EVP_PKEY_free(k);
}

static void x509_parse_der(void **state)
{
	struct cc_bundle b = CC_BUNDLE_INIT;
	struct cc_err err = CC_ERR_INIT;
	unsigned char *der = NULL;
	int len;

	(void)state;
	len = i2d_X509(leaf1, &der);
	assert_true(len > 0);
	parse_ok(der, (size_t)len, NULL, &b);
	expect_certs(&b, &leaf1, 1);
	assert_null(b.key);
	/* truncated DER is garbage */
	assert_int_equal(cc_bundle_parse(der, (size_t)len - 1, NULL, &b,
					 &err), CC_EINVAL);
	assert_string_equal(err.msg, NOT_A_CERT);
	assert_int_equal(b.ncerts, 1);	/* untouched on failure */
	cc_bundle_release(&b);
	OPENSSL_free(der);
}

static PKCS7 *make_p7(X509 *const *certs, size_t n)
{
	PKCS7 *p7 = PKCS7_new();
	size_t i;

	assert_non_null(p7);
	assert_int_equal(PKCS7_set_type(p7, NID_pkcs7_signed), 1);
	assert_int_equal(PKCS7_content_new(p7, NID_pkcs7_data), 1);
	for (i = 0; i < n; i++)
		assert_int_equal(PKCS7_add_certificate(p7, certs[i]), 1);
	return p7;
}

static void x509_parse_pkcs7(void **state)
{
	X509 *in[3] = { pki.root, leaf1, pki.intermediate };
	X509 *want[3] = { leaf1, pki.intermediate, pki.root };
	struct cc_bundle b = CC_BUNDLE_INIT;
	struct cc_err err = CC_ERR_INIT;
	unsigned char *der = NULL, *pem;
	size_t pemlen;
	PKCS7 *p7;
	BIO *bio;
	int len;

	(void)state;
	p7 = make_p7(in, 3);
	len = i2d_PKCS7(p7, &der);
	assert_true(len > 0);
	parse_ok(der, (size_t)len, NULL, &b);
	expect_certs(&b, in, 3);
	order_ok(&b);
	expect_certs(&b, want, 3);
	cc_bundle_release(&b);

	bio = BIO_new(BIO_s_mem());
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PKCS7(bio, p7), 1);
	pem = bio_take(bio, &pemlen);
	assert_non_null(strstr((char *)pem, "-----BEGIN PKCS7-----"));
	parse_ok(pem, pemlen, NULL, &b);
	order_ok(&b);
	expect_certs(&b, want, 3);
	cc_bundle_release(&b);
	free(pem);
	PKCS7_free(p7);
	OPENSSL_free(der);

	/* a PKCS#7 without certificates */
	der = NULL;
	p7 = make_p7(NULL, 0);
	len = i2d_PKCS7(p7, &der);
	assert_true(len > 0);
	assert_int_equal(cc_bundle_parse(der, (size_t)len, NULL, &b, &err),
			 CC_EINVAL);
	assert_non_null(strstr(err.msg, "PKCS#7"));
	assert_int_equal(b.ncerts, 0);
	PKCS7_free(p7);
	OPENSSL_free(der);
}

static unsigned char *make_p12(const char *pass, EVP_PKEY *key, X509 *cert,
			       X509 *const *ca, size_t nca, size_t *len)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	unsigned char *der = NULL;
	PKCS12 *p12;
	size_t i;
	int n;

	assert_non_null(sk);
	for (i = 0; i < nca; i++)
		assert_true(sk_X509_push(sk, ca[i]) > 0);
	p12 = PKCS12_create(pass, "certctl", key, cert, sk, 0, 0, 0, 0, 0);
	assert_non_null(p12);
	n = i2d_PKCS12(p12, &der);
	assert_true(n > 0);
	PKCS12_free(p12);
	sk_X509_free(sk);
	*len = (size_t)n;
	return der;
}

static void x509_parse_pkcs12(void **state)
{
	X509 *ca[2] = { pki.root, pki.intermediate };
	X509 *want[3] = { leaf1, pki.intermediate, pki.root };
	struct cc_bundle b = CC_BUNDLE_INIT;
	struct cc_err err = CC_ERR_INIT;
	unsigned char *der;
	size_t len;

	(void)state;
	der = make_p12("p12 pw", key1, leaf1, ca, 2, &len);
	parse_ok(der, len, "p12 pw", &b);
	assert_non_null(b.key);
	assert_true(cc_key_public_equal(b.key, key1));
	assert_int_equal(X509_cmp(b.certs[0], leaf1), 0);
	order_ok(&b);
	expect_certs(&b, want, 3);
	cc_bundle_release(&b);

	assert_int_equal(cc_bundle_parse(der, len, "wrong", &b, &err),
			 CC_EPASSWORD);
	assert_string_equal(err.msg, "wrong password for the PKCS#12 file");
	assert_int_equal(b.ncerts, 0);
	assert_null(b.key);
	assert_int_equal(cc_bundle_parse(der, len, NULL, &b, &err),
			 CC_EPASSWORD);
	assert_non_null(strstr(err.msg, "password is needed"));
	assert_int_equal(cc_bundle_parse(der, len, "", &b, &err),
			 CC_EPASSWORD);
	assert_int_equal(b.ncerts, 0);
	assert_int_equal(ERR_peek_error(), 0);
	OPENSSL_free(der);

	/* no password at all; certificates only */
	der = make_p12(NULL, NULL, NULL, ca, 2, &len);
	parse_ok(der, len, NULL, &b);
	assert_null(b.key);
	order_ok(&b);
	expect_certs(&b, want + 1, 2);
	cc_bundle_release(&b);
	OPENSSL_free(der);

	/* empty password, given or not */
	der = make_p12("", key2, leaf2, NULL, 0, &len);
	parse_ok(der, len, NULL, &b);
	assert_true(cc_key_matches_cert(b.key, b.certs[0]));
	cc_bundle_release(&b);
	parse_ok(der, len, "", &b);
	expect_certs(&b, &leaf2, 1);
	cc_bundle_release(&b);
	OPENSSL_free(der);
}

static void x509_parse_garbage(void **state)
{
	static const char text[] = "hello, this is certainly not a cert\n";
	static const unsigned char bin[] = { 0x30, 0x82, 0x01, 0x00, 0x02,
					     0x01, 0x00, 0xff, 0xfe };
	static const char csr_only[] = "-----BEGIN FOO-----\nAAAA\n"
		"-----END FOO-----\n";
	static const char truncated[] = "-----BEGIN CERTIFICATE-----\n"
		"MIIB\n";
	static const char badb64[] = "-----BEGIN CERTIFICATE-----\n"
		"!!!!notbase64\n-----END CERTIFICATE-----\n";
	struct cc_bundle b = CC_BUNDLE_INIT;
	struct cc_err err = CC_ERR_INIT;
	char *k;

	(void)state;
	/* failures leave a non-empty bundle untouched */
	k = tp_cert_pem(leaf1);
	parse_ok(k, strlen(k), NULL, &b);
	free(k);

	assert_int_equal(cc_bundle_parse(text, sizeof(text) - 1, NULL, &b,
					 &err), CC_EINVAL);
	assert_string_equal(err.msg, NOT_A_CERT);
	assert_int_equal(cc_bundle_parse(bin, sizeof(bin), "pw", &b, &err),
			 CC_EINVAL);
	assert_string_equal(err.msg, NOT_A_CERT);
	assert_int_equal(cc_bundle_parse(csr_only, sizeof(csr_only) - 1, NULL,
					 &b, &err), CC_EINVAL);
	assert_string_equal(err.msg, NOT_A_CERT);
	assert_int_equal(cc_bundle_parse(truncated, sizeof(truncated) - 1,
					 NULL, &b, &err), CC_EINVAL);
	assert_non_null(strstr(err.msg, "truncated"));
	assert_int_equal(cc_bundle_parse(badb64, sizeof(badb64) - 1, NULL,
					 &b, &err), CC_EINVAL);
	assert_non_null(strstr(err.msg, "bad certificate"));
	assert_int_equal(cc_bundle_parse(text, 0, NULL, &b, &err), CC_EINVAL);
	assert_int_equal(cc_bundle_parse(NULL, 5, NULL, &b, NULL), CC_EINVAL);

	/* a key alone is not a bundle */
	k = tp_key_pem(key1);
	assert_int_equal(cc_bundle_parse(k, strlen(k), NULL, &b, &err),
			 CC_EINVAL);
	assert_non_null(strstr(err.msg, "only a key"));
	free(k);
	assert_int_equal(b.ncerts, 1);
	assert_null(b.key);
	assert_int_equal(ERR_peek_error(), 0);
	cc_bundle_release(&b);
	cc_bundle_release(&b);	/* release twice is harmless */
	cc_bundle_release(NULL);
}

static void x509_parse_appends_one_key(void **state)
{
	struct cc_buf pem = CC_BUF_SECRET_INIT;
	struct cc_bundle b = CC_BUNDLE_INIT;
	struct cc_err err = CC_ERR_INIT;
	char *k;

	(void)state;
	add_pems(&pem, &leaf1, 1);
	k = tp_key_pem(key1);
	assert_int_equal(cc_buf_adds(&pem, k), CC_OK);
	free(k);
	parse_ok(pem.data, pem.len, NULL, &b);
	/* a second input adds certificates... */
	k = tp_cert_pem(pki.intermediate);
	parse_ok(k, strlen(k), NULL, &b);
	free(k);
	assert_int_equal(b.ncerts, 2);
	/* ...but not a second key */
	assert_int_equal(cc_bundle_parse(pem.data, pem.len, NULL, &b, &err),
			 CC_EINVAL);
	assert_non_null(strstr(err.msg, "more than one private key"));
	assert_int_equal(b.ncerts, 2);
	cc_bundle_release(&b);

	/* two keys in one input */
	k = tp_key_pem(key2);
	assert_int_equal(cc_buf_adds(&pem, k), CC_OK);
	free(k);
	assert_int_equal(cc_bundle_parse(pem.data, pem.len, NULL, &b, &err),
			 CC_EINVAL);
	assert_non_null(strstr(err.msg, "more than one private key"));
	assert_int_equal(b.ncerts, 0);
	cc_buf_release(&pem);
}

static void x509_key_matches_cert(void **state)
{
	EVP_PKEY *rsa = tp_key_rsa(2048);
	X509 *rsaleaf;

	(void)state;
	rsaleaf = tp_issue(&pki, rsa, "rsa.example", NULL, 0, 0, 3600);
	assert_int_equal(cc_key_matches_cert(key1, leaf1), 1);
	assert_int_equal(cc_key_matches_cert(key2, leaf2), 1);
	assert_int_equal(cc_key_matches_cert(key1, leaf2), 0);
	assert_int_equal(cc_key_matches_cert(key2, leaf1), 0);
	assert_int_equal(cc_key_matches_cert(pki.int_key, pki.intermediate),
			 1);
	assert_int_equal(cc_key_matches_cert(rsa, rsaleaf), 1);
	assert_int_equal(cc_key_matches_cert(rsa, leaf1), 0);
	assert_int_equal(cc_key_matches_cert(key1, rsaleaf), 0);
	assert_int_equal(cc_key_matches_cert(NULL, leaf1), 0);
	assert_int_equal(cc_key_matches_cert(key1, NULL), 0);
	assert_int_equal(ERR_peek_error(), 0);
	{
		struct cc_cert_info info;

		assert_int_equal(cc_cert_info_get(rsaleaf, &info, NULL),
				 CC_OK);
		assert_string_equal(info.key_type, "rsa:2048");
		assert_int_equal(info.nnames, 1);
		assert_string_equal(info.names[0], "rsa.example");
		cc_cert_info_release(&info);
	}
	X509_free(rsaleaf);
	EVP_PKEY_free(rsa);
}

static void x509_cert_info_leaf(void **state)
{
	struct cc_cert_info info;
	struct cc_err err = CC_ERR_INIT;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen, i;
	char hex[65];
	BIGNUM *bn;
	char *bnhex, *p;

	(void)state;
	assert_int_equal(cc_cert_info_get(leaf1, &info, &err), CC_OK);
	assert_string_equal(info.common_name, "www.example.com");
	assert_int_equal(info.nnames, 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(info.names[i], leaf1_sans[i]);
	assert_string_equal(info.issuer, "certctl Test Intermediate");

	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf1), NULL);
	assert_non_null(bn);
	bnhex = BN_bn2hex(bn);
	for (p = bnhex; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	assert_string_equal(info.serial, bnhex);
	assert_true(strlen(info.serial) >= 30);
	OPENSSL_free(bnhex);
	BN_free(bn);

	assert_true(info.not_after >= issued_from + LEAF_OFFSET +
		    LEAF_LIFETIME);
	assert_true(info.not_after <= issued_to + LEAF_OFFSET +
		    LEAF_LIFETIME);
	assert_int_equal(info.not_after - info.not_before, LEAF_LIFETIME);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notAfter(leaf1),
					      info.not_after), 0);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(leaf1),
					      info.not_before), 0);

	assert_string_equal(info.key_type, "ec:p256");
	assert_int_equal(X509_digest(leaf1, EVP_sha256(), md, &mdlen), 1);
	assert_int_equal(mdlen, 32);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(info.fingerprint, hex);
	assert_int_equal(info.self_signed, 0);
	cc_cert_info_release(&info);
	assert_null(info.names);
	cc_cert_info_release(&info);
	cc_cert_info_release(NULL);
}

static void x509_cert_info_cn_not_in_sans(void **state)
{
	static const char *const sans[] = { "a.example", "b.example" };
	struct cc_cert_info info;
	X509 *c;

	(void)state;
	c = tp_issue(&pki, key1, "Legacy.Example", sans, 2, 0, 3600);
	assert_int_equal(cc_cert_info_get(c, &info, NULL), CC_OK);
	assert_int_equal(info.nnames, 3);
	assert_string_equal(info.names[0], "Legacy.Example");
	assert_string_equal(info.names[1], "a.example");
	assert_string_equal(info.names[2], "b.example");
	cc_cert_info_release(&info);
	X509_free(c);

	/* CN repeated in the SANs with another case: not added */
	c = tp_issue(&pki, key1, "B.EXAMPLE", sans, 2, 0, 3600);
	assert_int_equal(cc_cert_info_get(c, &info, NULL), CC_OK);
	assert_int_equal(info.nnames, 2);
	assert_string_equal(info.common_name, "B.EXAMPLE");
	cc_cert_info_release(&info);
	X509_free(c);
}

static void x509_cert_info_root(void **state)
{
	struct cc_cert_info info;

	(void)state;
	assert_int_equal(cc_cert_info_get(pki.root, &info, NULL), CC_OK);
	assert_int_equal(info.self_signed, 1);
	assert_string_equal(info.common_name, "certctl Test Root");
	assert_string_equal(info.issuer, "certctl Test Root");
	assert_int_equal(info.nnames, 1);
	assert_string_equal(info.names[0], "certctl Test Root");
	cc_cert_info_release(&info);

	assert_int_equal(cc_cert_info_get(pki.intermediate, &info, NULL),
			 CC_OK);
	assert_int_equal(info.self_signed, 0);
	assert_string_equal(info.issuer, "certctl Test Root");
	cc_cert_info_release(&info);
}

/* Self-signed certificate whose subject has only the given O and C. */
static X509 *self_signed_no_cn(EVP_PKEY *key, const char *org)
{
	X509 *c = X509_new();
	X509_NAME *n;

	assert_non_null(c);
	assert_int_equal(X509_set_version(c, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(c), 0x1f), 1);
	n = X509_get_subject_name(c);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC,
		(const unsigned char *)"FR", -1, -1, 0), 1);
	if (org)
		assert_int_equal(X509_NAME_add_entry_by_txt(n, "O",
			MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0),
			1);
	assert_int_equal(X509_set_issuer_name(c, n), 1);
	assert_non_null(ASN1_TIME_set(X509_getm_notBefore(c), 1700000000));
	assert_non_null(ASN1_TIME_set(X509_getm_notAfter(c), 2147483648));
	assert_int_equal(X509_set_pubkey(c, key), 1);
	assert_true(X509_sign(c, key, EVP_sha256()) > 0);
	return c;
}

static void x509_cert_info_no_cn(void **state)
{
	struct cc_cert_info info;
	X509 *c;

	(void)state;
	c = self_signed_no_cn(key2, "Only Org");
	assert_int_equal(cc_cert_info_get(c, &info, NULL), CC_OK);
	assert_string_equal(info.common_name, "");
	assert_int_equal(info.nnames, 0);
	assert_string_equal(info.issuer, "Only Org");
	assert_string_equal(info.serial, "1f");
	assert_int_equal(info.not_before, 1700000000);
	assert_int_equal(info.not_after, (time_t)2147483648LL);
	assert_int_equal(info.self_signed, 1);
	cc_cert_info_release(&info);
	X509_free(c);

	c = self_signed_no_cn(key2, NULL);
	assert_int_equal(cc_cert_info_get(c, &info, NULL), CC_OK);
	assert_string_equal(info.issuer, "C=FR");
	cc_cert_info_release(&info);
	X509_free(c);

	assert_int_equal(cc_cert_info_get(NULL, &info, NULL), CC_EINVAL);
}

static void x509_certs_to_pem(void **state)
{
	X509 *chain[3] = { leaf1, pki.intermediate, pki.root };
	struct cc_buf pem = CC_BUF_INIT;
	struct cc_bundle b = CC_BUNDLE_INIT;
	struct cc_err err = CC_ERR_INIT;
	char *ref;

	(void)state;
	assert_int_equal(cc_cert_to_pem(leaf1, &pem, &err), CC_OK);
	ref = tp_cert_pem(leaf1);
	assert_string_equal(pem.data, ref);
	free(ref);
	cc_buf_reset(&pem);
	assert_int_equal(cc_certs_to_pem(chain, 3, &pem, &err), CC_OK);
	parse_ok(pem.data, pem.len, NULL, &b);
	expect_certs(&b, chain, 3);
	cc_bundle_release(&b);
	assert_int_equal(cc_certs_to_pem(chain, 0, &pem, &err), CC_OK);
	assert_int_equal(cc_cert_to_pem(NULL, &pem, &err), CC_EINVAL);
	cc_buf_release(&pem);
}

static void x509_time_format(void **state)
{
	char buf[32];

	(void)state;
	cc_time_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	cc_time_format(1795435200, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-23T12:00:00Z");
	cc_time_format(1709251199, buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-29T23:59:59Z");
	cc_time_format((time_t)2147483648LL, buf, sizeof(buf));
	assert_string_equal(buf, "2038-01-19T03:14:08Z");
	cc_time_format(1795435200, buf, 21);
	assert_string_equal(buf, "2026-11-23T12:00:00Z");
	cc_time_format(1795435200, buf, 20);	/* too small: empty */
	assert_string_equal(buf, "");
}

static void x509_time_parse(void **state)
{
	static const struct {
		const char *s;
		time_t t;
	} good[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2026-11-23T12:00:00Z", 1795435200 },
		{ "2026-11-23t12:00:00z", 1795435200 },
		{ "2026-11-23T12:00:00.123456Z", 1795435200 },
		{ "2026-11-23T13:30:00+01:30", 1795435200 },
		{ "2026-11-23T07:00:00-05:00", 1795435200 },
		{ "2024-02-29T23:59:59Z", 1709251199 },
		{ "2038-01-19T03:14:08Z", (time_t)2147483648LL },
		{ "1969-12-31T23:59:59Z", -1 },
	};
	static const char *const bad[] = {
		"", "2026-11-23", "2026-11-23T12:00:00", "2026-11-23T12:00Z",
		"2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
		"2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
		"2026-11-23T24:00:00Z", "2026-11-23T12:60:00Z",
		"2026-11-23T12:00:60Z", "2026-11-23T12:00:00Zjunk",
		"2026-11-23T12:00:00.Z", "26-11-23T12:00:00Z",
		"2026/11/23T12:00:00Z", "2026-11-23T12:00:00+0100",
		" 2026-11-23T12:00:00Z", "2026-1a-23T12:00:00Z",
	};
	char buf[32];
	time_t t, samples[] = { 1, 86399, 951782400, 1795435200 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		t = 12345;
		if (cc_time_parse(good[i].s, &t))
			fail_msg("'%s' rejected", good[i].s);
		assert_int_equal(t, good[i].t);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = 12345;
		if (cc_time_parse(bad[i], &t) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(t, 12345);
	}
	assert_int_equal(cc_time_parse(NULL, &t), -1);
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		cc_time_format(samples[i], buf, sizeof(buf));
		assert_int_equal(cc_time_parse(buf, &t), 0);
		assert_int_equal(t, samples[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(x509_parse_pkcs12_legacy),
		cmocka_unit_test(x509_parse_pem_chain_any_order),
		cmocka_unit_test(x509_parse_pem_key_picks_leaf),
		cmocka_unit_test(x509_parse_pem_encrypted_key),
		cmocka_unit_test(x509_parse_pem_noise_and_crlf),
		cmocka_unit_test(x509_chain_order_drops_duplicates),
		cmocka_unit_test(x509_chain_order_unrelated_last),
		cmocka_unit_test(x509_chain_order_checks_signatures),
		cmocka_unit_test(x509_parse_der),
		cmocka_unit_test(x509_parse_pkcs7),
		cmocka_unit_test(x509_parse_pkcs12),
		cmocka_unit_test(x509_parse_garbage),
		cmocka_unit_test(x509_parse_appends_one_key),
		cmocka_unit_test(x509_key_matches_cert),
		cmocka_unit_test(x509_cert_info_leaf),
		cmocka_unit_test(x509_cert_info_cn_not_in_sans),
		cmocka_unit_test(x509_cert_info_root),
		cmocka_unit_test(x509_cert_info_no_cn),
		cmocka_unit_test(x509_certs_to_pem),
		cmocka_unit_test(x509_time_format),
		cmocka_unit_test(x509_time_parse),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
