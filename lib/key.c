/*
 * Private keys: generation, import, serialisation and description.
 */
#include "key.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#define VALID_TYPES "rsa:2048, rsa:3072, rsa:4096, ec:p256, ec:p384"

static const struct {
	const char *name;
	enum cc_key_alg alg;
	int bits;
} spec_names[] = {
	{ "rsa", CC_KEY_RSA, 2048 },
	{ "rsa:2048", CC_KEY_RSA, 2048 },
	{ "rsa:3072", CC_KEY_RSA, 3072 },
	{ "rsa:4096", CC_KEY_RSA, 4096 },
	{ "ec", CC_KEY_EC, 256 },
	{ "ec:p256", CC_KEY_EC, 256 },
	{ "ec:p-256", CC_KEY_EC, 256 },
	{ "ec:prime256v1", CC_KEY_EC, 256 },
	{ "ec:secp256r1", CC_KEY_EC, 256 },
	{ "ec:p384", CC_KEY_EC, 384 },
	{ "ec:p-384", CC_KEY_EC, 384 },
	{ "ec:secp384r1", CC_KEY_EC, 384 },
};

int cc_key_spec_parse(const char *s, struct cc_key_spec *out,
		      struct cc_err *err)
{
	size_t i;

	for (i = 0; s && i < sizeof(spec_names) / sizeof(spec_names[0]);
	     i++) {
		if (strcasecmp(s, spec_names[i].name))
			continue;
		out->alg = spec_names[i].alg;
		out->bits = spec_names[i].bits;
		return CC_OK;
	}
	return cc_err_set(err, CC_EUSAGE,
			  "unknown key type '%s' (valid: " VALID_TYPES ")",
			  s ? s : "");
}

static int spec_valid(const struct cc_key_spec *spec)
{
	if (!spec)
		return 0;
	if (spec->alg == CC_KEY_RSA)
		return spec->bits == 2048 || spec->bits == 3072 ||
		       spec->bits == 4096;
	if (spec->alg == CC_KEY_EC)
		return spec->bits == 256 || spec->bits == 384;
	return 0;
}

void cc_key_spec_format(const struct cc_key_spec *spec, char *buf,
			size_t size)
{
	if (!buf || !size)
		return;
	if (!spec_valid(spec))
		snprintf(buf, size, "other");
	else if (spec->alg == CC_KEY_RSA)
		snprintf(buf, size, "rsa:%d", spec->bits);
	else
		snprintf(buf, size, "ec:p%d", spec->bits);
}

int cc_key_generate(const struct cc_key_spec *spec, EVP_PKEY **out,
		    struct cc_err *err)
{
	EVP_PKEY *key = NULL;
	char name[16];

	*out = NULL;
	if (!spec_valid(spec))
		return cc_err_set(err, CC_EUSAGE,
				  "unsupported key type (valid: " VALID_TYPES
				  ")");
	if (spec->alg == CC_KEY_RSA)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
					(size_t)spec->bits);
	else
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
					spec->bits == 256 ? "P-256" : "P-384");
	if (!key) {
		cc_key_spec_format(spec, name, sizeof(name));
		return cc_err_openssl(err, CC_ECRYPTO,
				      "cannot generate a %s key", name);
	}
	*out = key;
	return CC_OK;
}

struct pw_state {
	const char *pass;
	int asked;
};

/* pem_password_cb: hand over the given password, remember we were asked. */
static int pw_cb(char *buf, int size, int rwflag, void *u)
{
	struct pw_state *st = u;
	size_t len;

	(void)rwflag;
	st->asked = 1;
	if (!st->pass || size <= 0)
		return -1;
	len = strlen(st->pass);
	if (len > (size_t)size)
		return -1;
	memcpy(buf, st->pass, len);
	return (int)len;
}

static int looks_like_pem(const unsigned char *p, size_t len)
{
	static const char tag[] = "-----BEGIN ";
	size_t i;

	if (len < sizeof(tag) - 1)
		return 0;
	for (i = 0; i + sizeof(tag) - 1 <= len; i++)
		if (!memcmp(p + i, tag, sizeof(tag) - 1))
			return 1;
	return 0;
}

static EVP_PKEY *load_pem(const void *data, size_t len, struct pw_state *st)
{
	EVP_PKEY *key = NULL;
	BIO *bio;

	if (len > INT_MAX)
		return NULL;
	bio = BIO_new_mem_buf(data, (int)len);
	if (!bio)
		return NULL;
	key = PEM_read_bio_PrivateKey_ex(bio, NULL, pw_cb, st, NULL, NULL);
	BIO_free(bio);
	return key;
}

static EVP_PKEY *load_der(const void *data, size_t len, struct pw_state *st)
{
	OSSL_DECODER_CTX *dctx;
	EVP_PKEY *key = NULL;
	const unsigned char *p = data;
	size_t left = len;

	dctx = OSSL_DECODER_CTX_new_for_pkey(&key, "DER", NULL, NULL,
					     EVP_PKEY_KEYPAIR, NULL, NULL);
	if (!dctx)
		return NULL;
	if (!OSSL_DECODER_CTX_set_pem_password_cb(dctx, pw_cb, st) ||
	    !OSSL_DECODER_from_data(dctx, &p, &left)) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	OSSL_DECODER_CTX_free(dctx);
	return key;
}

static int check_alg(EVP_PKEY *key, struct cc_err *err)
{
	const char *name;

	if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "EC"))
		return CC_OK;
	name = EVP_PKEY_get0_type_name(key);
	return cc_err_set(err, CC_EUNSUPPORTED,
			  "unsupported key type '%s' (only RSA and EC keys "
			  "are supported)", name ? name : "unknown");
}

int cc_key_load(const void *data, size_t len, const char *pass,
		EVP_PKEY **out, struct cc_err *err)
{
	struct pw_state st = { pass, 0 };
	EVP_PKEY *key = NULL;
	int rc = CC_OK;

	*out = NULL;
	if (!data || !len) {
		rc = cc_err_set(err, CC_EINVAL, "empty key data");
		goto out;
	}
	if (looks_like_pem(data, len))
		key = load_pem(data, len, &st);
	else
		key = load_der(data, len, &st);
	if (!key) {
		ERR_clear_error();
		if (st.asked && !pass)
			rc = cc_err_set(err, CC_EPASSWORD, "key is encrypted: "
					"a password is needed");
		else if (st.asked)
			rc = cc_err_set(err, CC_EPASSWORD,
					"wrong password for the key");
		else
			rc = cc_err_set(err, CC_EINVAL, "not a private key "
					"(PEM or DER PKCS#8 expected)");
		goto out;
	}
	rc = check_alg(key, err);
	if (rc)
		goto out;
	*out = key;
	key = NULL;
out:
	EVP_PKEY_free(key);
	return rc;
}

/* Append the contents of a memory BIO to out. */
static int bio_append(BIO *bio, struct cc_buf *out, struct cc_err *err)
{
	char *mem = NULL;
	long n = BIO_get_mem_data(bio, &mem);

	if (n < 0)
		return cc_err_set(err, CC_ECRYPTO, "cannot read a memory BIO");
	if (cc_buf_add(out, mem, (size_t)n))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	return CC_OK;
}

int cc_key_to_pem(EVP_PKEY *key, struct cc_buf *out, struct cc_err *err)
{
	BIO *bio = NULL;
	int rc = CC_OK;

	if (!key) {
		rc = cc_err_set(err, CC_EINVAL, "no key");
		goto out;
	}
	out->secret = 1;
	bio = BIO_new(BIO_s_secmem());
	if (!bio || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
					      NULL)) {
		rc = cc_err_openssl(err, CC_ECRYPTO,
				    "cannot serialise the private key");
		goto out;
	}
	rc = bio_append(bio, out, err);
out:
	BIO_free(bio);	/* memory BIO buffers are cleansed when freed */
	return rc;
}

int cc_pubkey_to_pem(EVP_PKEY *key, struct cc_buf *out, struct cc_err *err)
{
	BIO *bio = NULL;
	int rc = CC_OK;

	if (!key) {
		rc = cc_err_set(err, CC_EINVAL, "no key");
		goto out;
	}
	bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_PUBKEY(bio, key)) {
		rc = cc_err_openssl(err, CC_ECRYPTO,
				    "cannot serialise the public key");
		goto out;
	}
	rc = bio_append(bio, out, err);
out:
	BIO_free(bio);
	return rc;
}

int cc_key_get_spec(EVP_PKEY *key, struct cc_key_spec *out,
		    struct cc_err *err)
{
	char group[64];
	size_t glen = 0;
	int bits;

	if (!key)
		return cc_err_set(err, CC_EINVAL, "no key");
	if (EVP_PKEY_is_a(key, "RSA")) {
		bits = EVP_PKEY_get_bits(key);
		if (bits != 2048 && bits != 3072 && bits != 4096)
			return cc_err_set(err, CC_EUNSUPPORTED,
					  "unsupported RSA key size %d (valid: "
					  "2048, 3072, 4096)", bits);
		out->alg = CC_KEY_RSA;
		out->bits = bits;
		return CC_OK;
	}
	if (EVP_PKEY_is_a(key, "EC")) {
		if (!EVP_PKEY_get_utf8_string_param(key,
						    OSSL_PKEY_PARAM_GROUP_NAME,
						    group, sizeof(group),
						    &glen)) {
			ERR_clear_error();
			return cc_err_set(err, CC_EUNSUPPORTED,
					  "unsupported EC key (no named "
					  "curve)");
		}
		if (!strcasecmp(group, "prime256v1") ||
		    !strcasecmp(group, "P-256") ||
		    !strcasecmp(group, "secp256r1")) {
			out->alg = CC_KEY_EC;
			out->bits = 256;
			return CC_OK;
		}
		if (!strcasecmp(group, "secp384r1") ||
		    !strcasecmp(group, "P-384")) {
			out->alg = CC_KEY_EC;
			out->bits = 384;
			return CC_OK;
		}
		return cc_err_set(err, CC_EUNSUPPORTED,
				  "unsupported EC curve '%s' (valid: P-256, "
				  "P-384)", group);
	}
	return check_alg(key, err);
}

int cc_key_public_equal(EVP_PKEY *a, EVP_PKEY *b)
{
	int r;

	if (!a || !b)
		return 0;
	r = EVP_PKEY_eq(a, b);
	ERR_clear_error();
	return r == 1;
}
