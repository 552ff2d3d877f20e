/* Unit tests for lib/key.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "key.h"
#include "testpki.h"

/* Keys shared by the tests, generated once (RSA is slow). */
static EVP_PKEY *ec256, *rsa2048;

static int group_setup(void **state)
{
	struct cc_key_spec spec = { CC_KEY_EC, 256 };

	(void)state;
	if (cc_key_generate(&spec, &ec256, NULL))
		return -1;
	spec.alg = CC_KEY_RSA;
	spec.bits = 2048;
	if (cc_key_generate(&spec, &rsa2048, NULL))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(ec256);
	EVP_PKEY_free(rsa2048);
	return 0;
}

/* Contents of a memory BIO as a malloc'd buffer. */
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

static unsigned char *pem_pkcs8_enc(EVP_PKEY *key, const char *pass,
				    size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());

	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PKCS8PrivateKey(bio, key,
		EVP_aes_256_cbc(), NULL, 0, NULL, (void *)pass), 1);
	return bio_take(bio, len);
}

static unsigned char *pem_traditional(EVP_PKEY *key, const char *pass,
				      size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());

	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PrivateKey_traditional(bio, key,
		pass ? EVP_aes_128_cbc() : NULL, NULL, 0, NULL,
		(void *)pass), 1);
	return bio_take(bio, len);
}

static unsigned char *der_pkcs8(EVP_PKEY *key, const char *pass,
				size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());

	assert_non_null(bio);
	assert_int_equal(i2d_PKCS8PrivateKey_bio(bio, key,
		pass ? EVP_aes_256_cbc() : NULL, NULL, 0, NULL,
		(void *)pass), 1);
	return bio_take(bio, len);
}

/* Load data with the three password cases: right, wrong, missing. */
static void check_password_cases(EVP_PKEY *orig, const unsigned char *data,
				 size_t len)
{
	struct cc_err err = CC_ERR_INIT;
	EVP_PKEY *k = NULL;

	assert_int_equal(cc_key_load(data, len, "s3cret pass", &k, &err),
			 CC_OK);
	assert_true(cc_key_public_equal(orig, k));
	EVP_PKEY_free(k);

	k = (EVP_PKEY *)1;
	assert_int_equal(cc_key_load(data, len, "not-it", &k, &err),
			 CC_EPASSWORD);
	assert_null(k);
	assert_string_equal(err.msg, "wrong password for the key");
	assert_null(strstr(err.msg, "not-it"));

	assert_int_equal(cc_key_load(data, len, NULL, &k, &err),
			 CC_EPASSWORD);
	assert_null(k);
	assert_string_equal(err.msg, "key is encrypted: a password is needed");
	assert_int_equal(ERR_peek_error(), 0);
}

static void key_spec_parse_valid(void **state)
{
	static const struct {
		const char *s;
		enum cc_key_alg alg;
		int bits;
		const char *canon;
	} t[] = {
		{ "rsa:2048", CC_KEY_RSA, 2048, "rsa:2048" },
		{ "rsa:3072", CC_KEY_RSA, 3072, "rsa:3072" },
		{ "rsa:4096", CC_KEY_RSA, 4096, "rsa:4096" },
		{ "rsa", CC_KEY_RSA, 2048, "rsa:2048" },
		{ "RSA:4096", CC_KEY_RSA, 4096, "rsa:4096" },
		{ "ec", CC_KEY_EC, 256, "ec:p256" },
		{ "ec:p256", CC_KEY_EC, 256, "ec:p256" },
		{ "ec:p-256", CC_KEY_EC, 256, "ec:p256" },
		{ "ec:prime256v1", CC_KEY_EC, 256, "ec:p256" },
		{ "ec:p384", CC_KEY_EC, 384, "ec:p384" },
		{ "ec:P-384", CC_KEY_EC, 384, "ec:p384" },
		{ "ec:secp384r1", CC_KEY_EC, 384, "ec:p384" },
	};
	struct cc_key_spec spec;
	char buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&spec, 0, sizeof(spec));
		assert_int_equal(cc_key_spec_parse(t[i].s, &spec, NULL),
				 CC_OK);
		assert_int_equal(spec.alg, t[i].alg);
		assert_int_equal(spec.bits, t[i].bits);
		cc_key_spec_format(&spec, buf, sizeof(buf));
		assert_string_equal(buf, t[i].canon);
	}
}

static void key_spec_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"", "rsa:1024", "rsa:2047", "rsa:", "ec:p521", "ec:p-521",
		"dsa", "ed25519", "rsa 2048", "ec:", ":", "rsa:2048x",
	};
	struct cc_err err = CC_ERR_INIT;
	struct cc_key_spec spec;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cc_key_spec_parse(bad[i], &spec, &err),
				 CC_EUSAGE);
		assert_int_equal(err.code, CC_EUSAGE);
		assert_non_null(strstr(err.msg, "rsa:2048, rsa:3072, "
					"rsa:4096, ec:p256, ec:p384"));
	}
	assert_int_equal(cc_key_spec_parse(NULL, &spec, NULL), CC_EUSAGE);
}

static void key_spec_format_invalid(void **state)
{
	struct cc_key_spec spec = { CC_KEY_RSA, 1024 };
	char buf[16] = "x";

	(void)state;
	cc_key_spec_format(&spec, buf, sizeof(buf));
	assert_string_equal(buf, "other");
	spec.alg = CC_KEY_EC;
	spec.bits = 521;
	cc_key_spec_format(&spec, buf, sizeof(buf));
	assert_string_equal(buf, "other");
	/* truncation stays NUL-terminated */
	spec.alg = CC_KEY_RSA;
	spec.bits = 4096;
	cc_key_spec_format(&spec, buf, 4);
	assert_string_equal(buf, "rsa");
}

/* Generate, check spec, PEM round trip. */
static void roundtrip(EVP_PKEY *key, enum cc_key_alg alg, int bits)
{
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf pem = CC_BUF_INIT;
	struct cc_key_spec spec;
	EVP_PKEY *back = NULL;

	assert_int_equal(cc_key_get_spec(key, &spec, &err), CC_OK);
	assert_int_equal(spec.alg, alg);
	assert_int_equal(spec.bits, bits);
	assert_int_equal(EVP_PKEY_get_bits(key), bits);

	assert_int_equal(cc_key_to_pem(key, &pem, &err), CC_OK);
	assert_int_equal(pem.secret, 1);
	assert_int_equal(strncmp(pem.data, "-----BEGIN PRIVATE KEY-----\n",
				 28), 0);
	assert_non_null(strstr(pem.data, "-----END PRIVATE KEY-----\n"));
	assert_int_equal(cc_key_load(pem.data, pem.len, NULL, &back, &err),
			 CC_OK);
	assert_true(cc_key_public_equal(key, back));
	/* private parts equal too: same serialisation */
	{
		struct cc_buf pem2 = CC_BUF_SECRET_INIT;

		assert_int_equal(cc_key_to_pem(back, &pem2, &err), CC_OK);
		assert_int_equal(pem2.len, pem.len);
		assert_memory_equal(pem2.data, pem.data, pem.len);
		cc_buf_release(&pem2);
	}
	assert_int_equal(cc_key_get_spec(back, &spec, &err), CC_OK);
	assert_int_equal(spec.alg, alg);
	assert_int_equal(spec.bits, bits);
	EVP_PKEY_free(back);
	cc_buf_release(&pem);
}

static void key_generate_ec(void **state)
{
	struct cc_key_spec spec = { CC_KEY_EC, 384 };
	EVP_PKEY *k = NULL, *k2 = NULL;

	(void)state;
	roundtrip(ec256, CC_KEY_EC, 256);
	assert_int_equal(cc_key_generate(&spec, &k, NULL), CC_OK);
	roundtrip(k, CC_KEY_EC, 384);
	/* two generations differ */
	assert_int_equal(cc_key_generate(&spec, &k2, NULL), CC_OK);
	assert_false(cc_key_public_equal(k, k2));
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

static void key_generate_rsa(void **state)
{
	struct cc_key_spec spec = { CC_KEY_RSA, 3072 };
	EVP_PKEY *k = NULL;

	(void)state;
	roundtrip(rsa2048, CC_KEY_RSA, 2048);
	assert_int_equal(cc_key_generate(&spec, &k, NULL), CC_OK);
	roundtrip(k, CC_KEY_RSA, 3072);
	EVP_PKEY_free(k);
	spec.bits = 4096;
	assert_int_equal(cc_key_generate(&spec, &k, NULL), CC_OK);
	roundtrip(k, CC_KEY_RSA, 4096);
	EVP_PKEY_free(k);
}

static void key_generate_invalid(void **state)
{
	struct cc_key_spec spec = { CC_KEY_RSA, 1024 };
	struct cc_err err = CC_ERR_INIT;
	EVP_PKEY *k = (EVP_PKEY *)1;

	(void)state;
	assert_int_equal(cc_key_generate(&spec, &k, &err), CC_EUSAGE);
	assert_null(k);
	spec.alg = CC_KEY_EC;
	spec.bits = 521;
	assert_int_equal(cc_key_generate(&spec, &k, &err), CC_EUSAGE);
	spec.alg = (enum cc_key_alg)7;
	spec.bits = 256;
	assert_int_equal(cc_key_generate(&spec, &k, &err), CC_EUSAGE);
	assert_null(k);
}

static void key_load_pkcs8_encrypted(void **state)
{
	unsigned char *data;
	size_t len;

	(void)state;
	data = pem_pkcs8_enc(ec256, "s3cret pass", &len);
	assert_non_null(strstr((char *)data, "ENCRYPTED PRIVATE KEY"));
	check_password_cases(ec256, data, len);
	free(data);
	data = pem_pkcs8_enc(rsa2048, "s3cret pass", &len);
	check_password_cases(rsa2048, data, len);
	free(data);
}

static void key_load_traditional(void **state)
{
	struct cc_err err = CC_ERR_INIT;
	EVP_PKEY *k = NULL;
	unsigned char *data;
	size_t len;

	(void)state;
	data = pem_traditional(ec256, NULL, &len);
	assert_non_null(strstr((char *)data, "BEGIN EC PRIVATE KEY"));
	/* a password given for a clear key is ignored */
	assert_int_equal(cc_key_load(data, len, "unused", &k, &err), CC_OK);
	assert_true(cc_key_public_equal(ec256, k));
	EVP_PKEY_free(k);
	free(data);

	data = pem_traditional(rsa2048, NULL, &len);
	assert_non_null(strstr((char *)data, "BEGIN RSA PRIVATE KEY"));
	assert_int_equal(cc_key_load(data, len, NULL, &k, &err), CC_OK);
	assert_true(cc_key_public_equal(rsa2048, k));
	EVP_PKEY_free(k);
	free(data);

	data = pem_traditional(ec256, "s3cret pass", &len);
	assert_non_null(strstr((char *)data, "Proc-Type: 4,ENCRYPTED"));
	check_password_cases(ec256, data, len);
	free(data);
	data = pem_traditional(rsa2048, "s3cret pass", &len);
	check_password_cases(rsa2048, data, len);
	free(data);
}

static void key_load_der_pkcs8(void **state)
{
	struct cc_err err = CC_ERR_INIT;
	EVP_PKEY *k = NULL;
	unsigned char *data;
	size_t len;

	(void)state;
	data = der_pkcs8(ec256, NULL, &len);
	assert_int_equal(data[0], 0x30);
	assert_int_equal(cc_key_load(data, len, NULL, &k, &err), CC_OK);
	assert_true(cc_key_public_equal(ec256, k));
	EVP_PKEY_free(k);
	free(data);

	data = der_pkcs8(rsa2048, NULL, &len);
	assert_int_equal(cc_key_load(data, len, NULL, &k, &err), CC_OK);
	assert_true(cc_key_public_equal(rsa2048, k));
	EVP_PKEY_free(k);
	free(data);

	data = der_pkcs8(ec256, "s3cret pass", &len);
	check_password_cases(ec256, data, len);
	free(data);
}

static void key_load_skips_other_blocks(void **state)
{
	static const char params[] = "-----BEGIN EC PARAMETERS-----\n"
		"BggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
	struct cc_err err = CC_ERR_INIT;
	char *cert;
	struct tp_pki pki;
	struct cc_buf all = CC_BUF_SECRET_INIT;
	EVP_PKEY *k = NULL;
	unsigned char *trad;
	size_t len;
	X509 *leaf;

	(void)state;
	/* "openssl ecparam -genkey" output: parameters, then the key */
	trad = pem_traditional(ec256, NULL, &len);
	assert_int_equal(cc_buf_adds(&all, params), CC_OK);
	assert_int_equal(cc_buf_add(&all, trad, len), CC_OK);
	assert_int_equal(cc_key_load(all.data, all.len, NULL, &k, &err),
			 CC_OK);
	assert_true(cc_key_public_equal(ec256, k));
	EVP_PKEY_free(k);
	free(trad);

	/* certificate first, then the key */
	tp_pki_init(&pki);
	leaf = tp_issue(&pki, ec256, "k.example", NULL, 0, 0, 3600);
	cert = tp_cert_pem(leaf);
	cc_buf_reset(&all);
	assert_int_equal(cc_buf_adds(&all, cert), CC_OK);
	{
		char *kp = tp_key_pem(ec256);

		assert_int_equal(cc_buf_adds(&all, kp), CC_OK);
		OPENSSL_cleanse(kp, strlen(kp));
		free(kp);
	}
	assert_int_equal(cc_key_load(all.data, all.len, NULL, &k, &err),
			 CC_OK);
	assert_true(cc_key_public_equal(ec256, k));
	EVP_PKEY_free(k);

	/* a certificate alone is not a key */
	assert_int_equal(cc_key_load(cert, strlen(cert), NULL, &k, &err),
			 CC_EINVAL);
	assert_null(k);
	free(cert);
	X509_free(leaf);
	tp_pki_release(&pki);
	cc_buf_release(&all);
}

static void key_load_garbage(void **state)
{
	static const char junk[] = "this is not a key at all";
	static const char badpem[] = "-----BEGIN PRIVATE KEY-----\n"
		"AAAA\n-----END PRIVATE KEY-----\n";
	static const unsigned char der[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	struct cc_err err = CC_ERR_INIT;
	EVP_PKEY *k = (EVP_PKEY *)1;

	(void)state;
	assert_int_equal(cc_key_load(junk, sizeof(junk) - 1, NULL, &k, &err),
			 CC_EINVAL);
	assert_null(k);
	assert_non_null(strstr(err.msg, "not a private key"));
	assert_int_equal(cc_key_load(badpem, sizeof(badpem) - 1, "pw", &k,
				     &err), CC_EINVAL);
	assert_int_equal(cc_key_load(der, sizeof(der), NULL, &k, &err),
			 CC_EINVAL);
	assert_int_equal(cc_key_load(junk, 0, NULL, &k, &err), CC_EINVAL);
	assert_int_equal(cc_key_load(NULL, 10, NULL, &k, NULL), CC_EINVAL);
	assert_null(k);
	assert_int_equal(ERR_peek_error(), 0);
}

static void key_load_rejects_public_keys(void **state)
{
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf pem = CC_BUF_INIT;
	unsigned char *der = NULL;
	EVP_PKEY *k = (EVP_PKEY *)1;
	int len;

	(void)state;
	len = i2d_PUBKEY(ec256, &der);
	assert_true(len > 0);
	assert_int_equal(cc_key_load(der, (size_t)len, NULL, &k, &err),
			 CC_EINVAL);
	assert_null(k);
	OPENSSL_free(der);
	assert_int_equal(cc_pubkey_to_pem(rsa2048, &pem, &err), CC_OK);
	assert_int_equal(cc_key_load(pem.data, pem.len, NULL, &k, &err),
			 CC_EINVAL);
	assert_non_null(strstr(err.msg, "not a private key"));
	assert_null(k);
	cc_buf_release(&pem);
}

static void key_load_unsupported_type(void **state)
{
	struct cc_err err = CC_ERR_INIT;
	EVP_PKEY *ed, *k = (EVP_PKEY *)1;
	char *pem;

	(void)state;
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(ed);
	pem = tp_key_pem(ed);
	assert_int_equal(cc_key_load(pem, strlen(pem), NULL, &k, &err),
			 CC_EUNSUPPORTED);
	assert_null(k);
	assert_non_null(strstr(err.msg, "ED25519"));
	assert_int_equal(cc_key_get_spec(ed, &(struct cc_key_spec){ 0, 0 },
					 &err), CC_EUNSUPPORTED);
	free(pem);
	EVP_PKEY_free(ed);
}

static void key_get_spec_unsupported(void **state)
{
	struct cc_err err = CC_ERR_INIT;
	struct cc_key_spec spec;
	EVP_PKEY *k;

	(void)state;
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	assert_non_null(k);
	assert_int_equal(cc_key_get_spec(k, &spec, &err), CC_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "secp521r1"));
	/* but it loads: callers decide what to accept */
	{
		char *pem = tp_key_pem(k);
		EVP_PKEY *back = NULL;

		assert_int_equal(cc_key_load(pem, strlen(pem), NULL, &back,
					     &err), CC_OK);
		assert_true(cc_key_public_equal(k, back));
		EVP_PKEY_free(back);
		free(pem);
	}
	EVP_PKEY_free(k);
	assert_int_equal(cc_key_get_spec(NULL, &spec, &err), CC_EINVAL);
}

static void key_pubkey_to_pem(void **state)
{
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf pem = CC_BUF_INIT;
	EVP_PKEY *pub;
	BIO *bio;

	(void)state;
	assert_int_equal(cc_pubkey_to_pem(ec256, &pem, &err), CC_OK);
	assert_int_equal(strncmp(pem.data, "-----BEGIN PUBLIC KEY-----\n",
				 27), 0);
	assert_null(strstr(pem.data, "PRIVATE"));
	bio = BIO_new_mem_buf(pem.data, (int)pem.len);
	assert_non_null(bio);
	pub = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	assert_non_null(pub);
	assert_true(cc_key_public_equal(ec256, pub));
	EVP_PKEY_free(pub);
	BIO_free(bio);
	assert_int_equal(cc_pubkey_to_pem(NULL, &pem, &err), CC_EINVAL);
	assert_int_equal(cc_key_to_pem(NULL, &pem, &err), CC_EINVAL);
	cc_buf_release(&pem);
}

static void key_public_equal(void **state)
{
	EVP_PKEY *other = tp_key_ec();

	(void)state;
	assert_int_equal(cc_key_public_equal(ec256, ec256), 1);
	assert_int_equal(cc_key_public_equal(ec256, other), 0);
	assert_int_equal(cc_key_public_equal(ec256, rsa2048), 0);
	assert_int_equal(cc_key_public_equal(rsa2048, ec256), 0);
	assert_int_equal(cc_key_public_equal(NULL, ec256), 0);
	assert_int_equal(cc_key_public_equal(ec256, NULL), 0);
	assert_int_equal(ERR_peek_error(), 0);
	EVP_PKEY_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_spec_parse_valid),
		cmocka_unit_test(key_spec_parse_invalid),
		cmocka_unit_test(key_spec_format_invalid),
		cmocka_unit_test(key_generate_ec),
		cmocka_unit_test(key_generate_rsa),
		cmocka_unit_test(key_generate_invalid),
		cmocka_unit_test(key_load_pkcs8_encrypted),
		cmocka_unit_test(key_load_traditional),
		cmocka_unit_test(key_load_der_pkcs8),
		cmocka_unit_test(key_load_skips_other_blocks),
		cmocka_unit_test(key_load_garbage),
		cmocka_unit_test(key_load_rejects_public_keys),
		cmocka_unit_test(key_load_unsupported_type),
		cmocka_unit_test(key_get_spec_unsupported),
		cmocka_unit_test(key_pubkey_to_pem),
		cmocka_unit_test(key_public_equal),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
