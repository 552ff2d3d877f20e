/* Unit tests for lib/csr.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "x509.h"
#include "testpki.h"

static EVP_PKEY *eckey, *rsakey;

static int group_setup(void **state)
{
	(void)state;
	eckey = tp_key_ec();
	rsakey = tp_key_rsa(2048);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(eckey);
	EVP_PKEY_free(rsakey);
	return 0;
}

/* Build a CSR (DER and PEM), check both agree and the signature. */
static X509_REQ *build_ok(EVP_PKEY *key, const char *const *names,
			  size_t n, const char *digest)
{
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf der = CC_BUF_INIT, pem = CC_BUF_INIT;
	const unsigned char *p;
	unsigned char *der2 = NULL;
	X509_REQ *req, *req2;
	EVP_PKEY *pub;
	BIO *bio;
	int len2;

	if (cc_csr_build(key, names, n, digest, &der, &pem, &err))
		fail_msg("cc_csr_build: %s", err.msg);
	p = (const unsigned char *)der.data;
	req = d2i_X509_REQ(NULL, &p, (long)der.len);
	assert_non_null(req);
	assert_ptr_equal(p, (const unsigned char *)der.data + der.len);
	assert_int_equal(X509_REQ_verify(req, key), 1);
	pub = X509_REQ_get0_pubkey(req);
	assert_non_null(pub);
	assert_int_equal(EVP_PKEY_eq(pub, key), 1);

	assert_int_equal(strncmp(pem.data, "-----BEGIN CERTIFICATE REQUEST"
				 "-----\n", 36), 0);
	bio = BIO_new_mem_buf(pem.data, (int)pem.len);
	assert_non_null(bio);
	req2 = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
	assert_non_null(req2);
	len2 = i2d_X509_REQ(req2, &der2);
	assert_int_equal(len2, (int)der.len);
	assert_memory_equal(der2, der.data, der.len);
	OPENSSL_free(der2);
	X509_REQ_free(req2);
	BIO_free(bio);
	cc_buf_release(&der);
	cc_buf_release(&pem);
	return req;
}

/* Subject CN of the request or NULL. */
static char *req_cn(X509_REQ *req)
{
	X509_NAME *name = X509_REQ_get_subject_name(req);
	char buf[256];
	int n;

	if (X509_NAME_entry_count(name) == 0)
		return NULL;
	assert_int_equal(X509_NAME_entry_count(name), 1);
	n = X509_NAME_get_text_by_NID(name, NID_commonName, buf, sizeof(buf));
	assert_true(n > 0);
	return strdup(buf);
}

/* Check the SAN extension holds exactly names, in order, with types. */
static void check_sans(X509_REQ *req, const char *const *names, size_t n,
		       int critical)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	X509_EXTENSION *ext;
	GENERAL_NAMES *gens;
	GENERAL_NAME *gen;
	unsigned char bin[16];
	int idx, i, af;

	assert_non_null(exts);
	assert_int_equal(sk_X509_EXTENSION_num(exts), 1);
	idx = X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1);
	assert_int_equal(idx, 0);
	ext = sk_X509_EXTENSION_value(exts, idx);
	assert_int_equal(X509_EXTENSION_get_critical(ext), critical);
	gens = X509V3_EXT_d2i(ext);
	assert_non_null(gens);
	assert_int_equal(sk_GENERAL_NAME_num(gens), (int)n);
	for (i = 0; i < (int)n; i++) {
		gen = sk_GENERAL_NAME_value(gens, i);
		if (strchr(names[i], ':'))
			af = AF_INET6;
		else if (inet_pton(AF_INET, names[i], bin) == 1)
			af = AF_INET;
		else
			af = 0;
		if (af) {
			assert_int_equal(gen->type, GEN_IPADD);
			assert_int_equal(inet_pton(af, names[i], bin), 1);
			assert_int_equal(ASN1_STRING_length(gen->d.iPAddress),
					 af == AF_INET ? 4 : 16);
			assert_memory_equal(ASN1_STRING_get0_data(
						gen->d.iPAddress), bin,
					    af == AF_INET ? 4 : 16);
		} else {
			assert_int_equal(gen->type, GEN_DNS);
			assert_int_equal(ASN1_STRING_length(gen->d.dNSName),
					 (int)strlen(names[i]));
			assert_memory_equal(ASN1_STRING_get0_data(
						gen->d.dNSName), names[i],
					    strlen(names[i]));
		}
	}
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

static void csr_build_names_and_signature(void **state)
{
	static const char *const names[] = {
		"example.com", "www.example.com", "*.example.net",
		"192.0.2.10", "2001:db8::1", "::ffff:198.51.100.7",
	};
	X509_REQ *req;
	char *cn;

	(void)state;
	req = build_ok(eckey, names, 6, NULL);
	cn = req_cn(req);
	assert_non_null(cn);
	assert_string_equal(cn, "example.com");
	free(cn);
	check_sans(req, names, 6, 0);
	assert_int_equal(X509_REQ_get_signature_nid(req),
			 NID_ecdsa_with_SHA256);
	assert_int_equal(X509_REQ_get_version(req), X509_REQ_VERSION_1);
	X509_REQ_free(req);
}

static void csr_build_digests(void **state)
{
	static const char *const names[] = { "d.example.org" };
	static const struct {
		const char *digest;
		int ec_nid, rsa_nid;
	} t[] = {
		{ "sha256", NID_ecdsa_with_SHA256,
		  NID_sha256WithRSAEncryption },
		{ "sha384", NID_ecdsa_with_SHA384,
		  NID_sha384WithRSAEncryption },
		{ "sha512", NID_ecdsa_with_SHA512,
		  NID_sha512WithRSAEncryption },
	};
	X509_REQ *req;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		req = build_ok(eckey, names, 1, t[i].digest);
		assert_int_equal(X509_REQ_get_signature_nid(req),
				 t[i].ec_nid);
		X509_REQ_free(req);
		req = build_ok(rsakey, names, 1, t[i].digest);
		assert_int_equal(X509_REQ_get_signature_nid(req),
				 t[i].rsa_nid);
		check_sans(req, names, 1, 0);
		X509_REQ_free(req);
	}
}

static void csr_build_bad_digest(void **state)
{
	static const char *const names[] = { "d.example.org" };
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf der = CC_BUF_INIT;

	(void)state;
	assert_int_equal(cc_csr_build(eckey, names, 1, "md5", &der, NULL,
				      &err), CC_EINVAL);
	assert_non_null(strstr(err.msg, "md5"));
	assert_int_equal(cc_csr_build(eckey, names, 1, "sha1", &der, NULL,
				      &err), CC_EINVAL);
	assert_int_equal(der.len, 0);
	cc_buf_release(&der);
}

static void csr_build_no_cn_for_ip_or_long(void **state)
{
	/* 69 characters: valid DNS name, too long for a CN */
	static const char *const longn[] = {
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
		"example", "short.example",
	};
	static const char *const ipn[] = { "198.51.100.1", "ip.example" };
	static const char *const v6[] = { "2001:db8::42" };
	static const char *const cn64[] = {
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbb.example"
	};
	X509_REQ *req;
	char *cn;

	(void)state;
	assert_int_equal(strlen(longn[0]), 69);
	req = build_ok(eckey, longn, 2, NULL);
	assert_null(req_cn(req));
	check_sans(req, longn, 2, 1);
	X509_REQ_free(req);

	req = build_ok(eckey, ipn, 2, NULL);
	assert_null(req_cn(req));
	check_sans(req, ipn, 2, 1);
	X509_REQ_free(req);

	req = build_ok(eckey, v6, 1, NULL);
	assert_null(req_cn(req));
	check_sans(req, v6, 1, 1);
	X509_REQ_free(req);

	assert_int_equal(strlen(cn64[0]), 64);
	req = build_ok(eckey, cn64, 1, NULL);
	cn = req_cn(req);
	assert_non_null(cn);
	assert_string_equal(cn, cn64[0]);
	free(cn);
	X509_REQ_free(req);
}

static void csr_build_name_limit(void **state)
{
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf der = CC_BUF_INIT;
	char *names[CC_MAX_NAMES + 1];
	X509_REQ *req;
	size_t i;

	(void)state;
	for (i = 0; i < CC_MAX_NAMES + 1; i++) {
		names[i] = malloc(32);
		assert_non_null(names[i]);
		snprintf(names[i], 32, "host%zu.example.com", i);
	}
	req = build_ok(eckey, (const char *const *)names, CC_MAX_NAMES,
		       NULL);
	check_sans(req, (const char *const *)names, CC_MAX_NAMES, 0);
	X509_REQ_free(req);
	assert_int_equal(cc_csr_build(eckey, (const char *const *)names,
				      CC_MAX_NAMES + 1, NULL, &der, NULL,
				      &err), CC_EINVAL);
	assert_non_null(strstr(err.msg, "too many names"));
	assert_int_equal(der.len, 0);
	for (i = 0; i < CC_MAX_NAMES + 1; i++)
		free(names[i]);
	cc_buf_release(&der);
}

static void csr_build_rejects_bad_input(void **state)
{
	static const struct {
		const char *names[3];
		size_t n;
		const char *msg;
	} t[] = {
		{ { "a.example", "a.example" }, 2, "duplicate" },
		{ { "a.example", "A.EXAMPLE" }, 2, "duplicate" },
		{ { "2001:db8::1", "2001:DB8:0:0::1" }, 2, "duplicate" },
		{ { "a.example", "b.example", "a.example" }, 3, "duplicate" },
		{ { "a..example" }, 1, "empty label" },
		{ { "ok.example", "foo.*.example" }, 2, "wildcard" },
		{ { "" }, 1, "empty" },
		{ { "bad_char.example" }, 1, "character" },
	};
	struct cc_err err;
	struct cc_buf der = CC_BUF_INIT, pem = CC_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cc_err_clear(&err);
		assert_int_equal(cc_csr_build(eckey, t[i].names, t[i].n,
					      NULL, &der, &pem, &err),
				 CC_EINVAL);
		if (!strstr(err.msg, t[i].msg))
			fail_msg("case %zu: '%s'", i, err.msg);
	}
	assert_int_equal(cc_csr_build(eckey, t[0].names, 0, NULL, &der, &pem,
				      &err), CC_EINVAL);
	assert_int_equal(cc_csr_build(eckey, NULL, 1, NULL, &der, &pem,
				      &err), CC_EINVAL);
	assert_int_equal(cc_csr_build(NULL, t[0].names, 1, NULL, &der, &pem,
				      NULL), CC_EINVAL);
	assert_int_equal(der.len, 0);
	assert_int_equal(pem.len, 0);
	cc_buf_release(&der);
	cc_buf_release(&pem);
}

static void csr_build_outputs_optional(void **state)
{
	static const char *const names[] = { "opt.example" };
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf der = CC_BUF_INIT, pem = CC_BUF_INIT;

	(void)state;
	assert_int_equal(cc_csr_build(eckey, names, 1, NULL, NULL, &pem,
				      &err), CC_OK);
	assert_non_null(strstr(pem.data, "CERTIFICATE REQUEST"));
	assert_int_equal(cc_csr_build(eckey, names, 1, NULL, &der, NULL,
				      &err), CC_OK);
	assert_true(der.len > 0);
	assert_int_equal((unsigned char)der.data[0], 0x30);
	/* appends */
	assert_int_equal(cc_csr_build(eckey, names, 1, NULL, NULL, &pem,
				      &err), CC_OK);
	assert_non_null(strstr(strstr(pem.data, "END CERTIFICATE REQUEST"),
			       "BEGIN CERTIFICATE REQUEST"));
	assert_int_equal(cc_csr_build(eckey, names, 1, NULL, NULL, NULL,
				      &err), CC_OK);
	cc_buf_release(&der);
	cc_buf_release(&pem);
}

static void csr_name_validate_good(void **state)
{
	static const char *const good[] = {
		"example.com", "EXAMPLE.COM", "a", "localhost",
		"a-b.c-d.example",
		"xn--bcher-kva.example", "*.example.com", "*.a", "1.example",
		"123abc.example", "a.b.c.d.e.f.g", "192.0.2.1", "0.0.0.0",
		"::1", "2001:db8::", "fe80::1:2:3:4", "::ffff:1.2.3.4",
		"host.example.123abc",
		/* 63-character label */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		".example",
	};
	struct cc_err err = CC_ERR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (cc_name_validate(good[i], &err))
			fail_msg("'%s' rejected: %s", good[i], err.msg);
}

static void csr_name_validate_bad(void **state)
{
	static const char *const bad[] = {
		"", ".", "a.", ".a", "a..b", "-a.example", "a-.example",
		"a.-b.example", "*", "*.", "**.example", "*a.example",
		"a*.example", "a.*.example", "example.*", "*.*.example",
		"a b.example", "a_b.example", "\xc3\xa9.example", "a/b",
		"a:b.example",
		"192.0.2.256", "1.2.3", "192.0.2.1.", "fe80::1%eth0",
		"2001:db8::g", "[::1]", "1.2.3.4/32", "a.example\n",
		/* 64-character label */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		".example",
	};
	struct cc_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cc_err_clear(&err);
		if (cc_name_validate(bad[i], &err) != CC_EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(err.code, CC_EINVAL);
		assert_true(err.msg[0] != '\0');
	}
	assert_int_equal(cc_name_validate(NULL, NULL), CC_EINVAL);
}

static void csr_name_validate_length(void **state)
{
	char name[300];
	size_t i;

	(void)state;
	/* 4 labels of 63 + 3 dots = 255; trim to exactly 253 and 254 */
	for (i = 0; i < 4; i++) {
		memset(name + i * 64, 'a', 63);
		name[i * 64 + 63] = '.';
	}
	name[253] = '\0';	/* last label 61 characters */
	assert_int_equal(strlen(name), 253);
	assert_int_equal(cc_name_validate(name, NULL), CC_OK);
	name[253] = 'a';
	name[254] = '\0';
	assert_int_equal(cc_name_validate(name, NULL), CC_EINVAL);
}

static void csr_is_ip(void **state)
{
	(void)state;
	assert_true(cc_is_ip("192.0.2.1"));
	assert_true(cc_is_ip("255.255.255.255"));
	assert_true(cc_is_ip("::"));
	assert_true(cc_is_ip("2001:db8::1"));
	assert_true(cc_is_ip("::ffff:192.0.2.1"));
	assert_false(cc_is_ip("example.com"));
	assert_false(cc_is_ip("192.0.2"));
	assert_false(cc_is_ip("192.0.2.1.5"));
	assert_false(cc_is_ip("256.0.0.1"));
	assert_false(cc_is_ip("2001:db8::1%lo"));
	assert_false(cc_is_ip(" 192.0.2.1"));
	assert_false(cc_is_ip(""));
	assert_false(cc_is_ip(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csr_build_names_and_signature),
		cmocka_unit_test(csr_build_digests),
		cmocka_unit_test(csr_build_bad_digest),
		cmocka_unit_test(csr_build_no_cn_for_ip_or_long),
		cmocka_unit_test(csr_build_name_limit),
		cmocka_unit_test(csr_build_rejects_bad_input),
		cmocka_unit_test(csr_build_outputs_optional),
		cmocka_unit_test(csr_name_validate_good),
		cmocka_unit_test(csr_name_validate_bad),
		cmocka_unit_test(csr_name_validate_length),
		cmocka_unit_test(csr_is_ip),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
