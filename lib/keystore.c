/*
 * Keystores: PKCS#12 through OpenSSL, and the Sun JKS format written and
 * read by hand.
 *
 * JKS layout (all integers big-endian):
 *   u32 magic 0xFEEDFEED, u32 version (2; 1 has no certificate types),
 *   u32 entry count, then per entry:
 *     u32 tag (1 = private key, 2 = trusted certificate),
 *     UTF alias (u16 length + Java modified UTF-8), u64 creation time (ms),
 *     tag 1: u32 length + EncryptedPrivateKeyInfo DER, u32 chain length,
 *            per certificate: UTF type ("X.509", v2 only), u32 length, DER
 *     tag 2: UTF type (v2 only), u32 length, DER
 *   then SHA-1(password as UTF-16BE || "Mighty Aphrodite" || all the above).
 */
#include "keystore.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#define P12_ITER_MODERN 10000	/* PBKDF2 and MAC iterations */
#define P12_ITER_LEGACY 2048

#define JKS_MAGIC 0xFEEDFEEDu
#define JCEKS_MAGIC 0xCECECECEu
#define JKS_TAG_KEY 1u
#define JKS_TAG_CERT 2u
#define JKS_SHA1_LEN 20
#define JKS_SALT_LEN 20
#define JKS_KEY_PROTECTOR_OID "1.3.6.1.4.1.42.2.17.1.1"
#define JKS_WHITENER "Mighty Aphrodite"
#define JKS_DEFAULT_ALIAS "certctl"
#define JKS_CERT_TYPE "X.509"
#define JKS_U32_MAX 0x7fffffffu	/* Java reads lengths as signed ints */

void cc_keystore_certs_free(X509 **certs, size_t n)
{
	size_t i;

	if (!certs)
		return;
	for (i = 0; i < n; i++)
		X509_free(certs[i]);
	free(certs);
}

static int check_inputs(EVP_PKEY *key, X509 *const *certs, size_t ncerts,
			const char *pass, struct cc_err *err)
{
	int rc = CC_OK;
	size_t i;

	if (!key || !certs || ncerts == 0 || !pass) {
		rc = cc_err_set(err, CC_EINVAL,
				"keystore needs a key, a certificate and a "
				"password");
		goto out;
	}
	for (i = 0; i < ncerts; i++) {
		if (!certs[i]) {
			rc = cc_err_set(err, CC_EINVAL,
					"missing certificate %zu in chain", i);
			goto out;
		}
	}
	if (X509_check_private_key(certs[0], key) != 1) {
		ERR_clear_error();
		rc = cc_err_set(err, CC_EMISMATCH,
				"the private key does not match the "
				"certificate");
	}
out:
	return rc;
}

/* ---------------------------------------------------------------- PKCS#12 */

int cc_p12_write(EVP_PKEY *key, X509 *const *certs, size_t ncerts,
		 const char *pass, const char *alias, enum cc_p12_flavor fl,
		 struct cc_buf *out, struct cc_err *err)
{
	STACK_OF(X509) *ca = NULL;
	PKCS12 *p12 = NULL;
	unsigned char *der = NULL;
	const EVP_MD *md;
	int nid, iter, len, rc;
	size_t i;

	rc = check_inputs(key, certs, ncerts, pass, err);
	if (rc)
		goto out;
	if (fl == CC_P12_MODERN) {
		nid = NID_aes_256_cbc;
		iter = P12_ITER_MODERN;
		md = EVP_sha256();
	} else if (fl == CC_P12_LEGACY) {
		nid = NID_pbe_WithSHA1And3_Key_TripleDES_CBC;
		iter = P12_ITER_LEGACY;
		md = EVP_sha1();
	} else {
		rc = cc_err_set(err, CC_EINVAL, "unknown pkcs#12 flavor %d",
				(int)fl);
		goto out;
	}
	ca = sk_X509_new_null();
	if (!ca) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 1; i < ncerts; i++) {
		if (!sk_X509_push(ca, certs[i])) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			goto out;
		}
	}
	/* mac_iter -1: no MAC yet; it is added below with the chosen digest */
	p12 = PKCS12_create_ex(pass, alias ? alias : JKS_DEFAULT_ALIAS, key,
			       certs[0], ca, nid, nid, iter, -1, 0, NULL,
			       NULL);
	if (!p12) {
		rc = cc_err_openssl(err, CC_ECRYPTO,
				    "cannot create the pkcs#12 structure");
		goto out;
	}
	if (!PKCS12_set_mac(p12, pass, -1, NULL, 0, iter, md)) {
		rc = cc_err_openssl(err, CC_ECRYPTO,
				    "cannot add the pkcs#12 mac");
		goto out;
	}
	len = i2d_PKCS12(p12, &der);
	if (len <= 0) {
		rc = cc_err_openssl(err, CC_ECRYPTO,
				    "cannot encode the pkcs#12 structure");
		goto out;
	}
	if (cc_buf_add(out, der, (size_t)len)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	rc = CC_OK;
out:
	OPENSSL_free(der);
	PKCS12_free(p12);
	sk_X509_free(ca);
	return rc;
}

/* ------------------------------------------------------------ text codecs */

/* Decode one UTF-8 code point (strict: no overlongs, no surrogates). */
static int utf8_next(const unsigned char **sp, uint32_t *cp)
{
	const unsigned char *s = *sp;
	uint32_t c = s[0], min;
	int n, i;

	if (c < 0x80) {
		n = 0;
		min = 0;
	} else if ((c & 0xe0) == 0xc0) {
		n = 1;
		c &= 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2;
		c &= 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3;
		c &= 0x07;
		min = 0x10000;
	} else {
		return -1;
	}
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	*sp = s + n + 1;
	return 0;
}

/* UTF-16 code units of a code point; returns how many (1 or 2). */
static int utf16_units(uint32_t c, uint16_t u[2])
{
	if (c < 0x10000) {
		u[0] = (uint16_t)c;
		return 1;
	}
	c -= 0x10000;
	u[0] = (uint16_t)(0xd800 | (c >> 10));
	u[1] = (uint16_t)(0xdc00 | (c & 0x3ff));
	return 2;
}

/* Java's password bytes: each UTF-16 unit as two bytes, big-endian. */
static int password_utf16be(const char *pass, struct cc_buf *out,
			    struct cc_err *err)
{
	const unsigned char *s = (const unsigned char *)pass;
	unsigned char b[2];
	uint16_t u[2];
	uint32_t c;
	int n, i, rc = CC_OK;

	while (*s) {
		if (utf8_next(&s, &c)) {
			rc = cc_err_set(err, CC_EINVAL,
					"keystore password is not valid "
					"utf-8");
			goto out;
		}
		n = utf16_units(c, u);
		for (i = 0; i < n; i++) {
			b[0] = (unsigned char)(u[i] >> 8);
			b[1] = (unsigned char)u[i];
			if (cc_buf_add(out, b, 2)) {
				rc = cc_err_set(err, CC_ENOMEM,
						"out of memory");
				goto out;
			}
		}
	}
out:
	OPENSSL_cleanse(u, sizeof(u));
	OPENSSL_cleanse(b, sizeof(b));
	return rc;
}

/*
 * Alias as Java modified UTF-8 (each UTF-16 unit encoded on its own; NUL as
 * C0 80), lower-cased in ASCII as keytool does for JKS aliases.
 */
static size_t mutf8_unit(uint16_t u, unsigned char b[3])
{
	if (u >= 0x01 && u <= 0x7f) {
		b[0] = (unsigned char)u;
		return 1;
	}
	if (u <= 0x7ff) {
		b[0] = (unsigned char)(0xc0 | (u >> 6));
		b[1] = (unsigned char)(0x80 | (u & 0x3f));
		return 2;
	}
	b[0] = (unsigned char)(0xe0 | (u >> 12));
	b[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3f));
	b[2] = (unsigned char)(0x80 | (u & 0x3f));
	return 3;
}

static int alias_mutf8(const char *alias, struct cc_buf *out,
		       struct cc_err *err)
{
	const unsigned char *s = (const unsigned char *)alias;
	unsigned char b[3];
	uint16_t u[2];
	uint32_t c;
	int n, i, rc = CC_OK;

	if (!*s) {
		rc = cc_err_set(err, CC_EINVAL, "keystore alias is empty");
		goto out;
	}
	while (*s) {
		if (utf8_next(&s, &c)) {
			rc = cc_err_set(err, CC_EINVAL,
					"keystore alias is not valid utf-8");
			goto out;
		}
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		n = utf16_units(c, u);
		for (i = 0; i < n; i++) {
			if (cc_buf_add(out, b, mutf8_unit(u[i], b))) {
				rc = cc_err_set(err, CC_ENOMEM,
						"out of memory");
				goto out;
			}
		}
	}
	if (out->len > 0xffff)
		rc = cc_err_set(err, CC_EINVAL, "keystore alias is too long");
out:
	return rc;
}

/* ----------------------------------------------------------------- SHA-1 */

struct chunk {
	const void *p;
	size_t len;
};

static int sha1_chunks(const struct chunk *c, size_t n,
		       unsigned char md[JKS_SHA1_LEN], struct cc_err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int mdlen = 0;
	int rc = CC_OK;
	size_t i;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha1(), NULL)) {
		rc = cc_err_openssl(err, CC_ECRYPTO, "cannot start sha-1");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!EVP_DigestUpdate(ctx, c[i].p, c[i].len)) {
			rc = cc_err_openssl(err, CC_ECRYPTO, "sha-1 failed");
			goto out;
		}
	}
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != JKS_SHA1_LEN)
		rc = cc_err_openssl(err, CC_ECRYPTO, "sha-1 failed");
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* Integrity hash over the keystore bytes. */
static int jks_mac(const struct cc_buf *pw, const void *data, size_t len,
		   unsigned char md[JKS_SHA1_LEN], struct cc_err *err)
{
	struct chunk c[3] = {
		{ pw->data, pw->len },
		{ JKS_WHITENER, sizeof(JKS_WHITENER) - 1 },
		{ data, len },
	};

	return sha1_chunks(c, 3, md, err);
}

/*
 * Sun key protector: XOR in with the keystream SHA1(pw || previous), the
 * first previous being salt. in and out may not overlap.
 */
static int jks_keystream_xor(const struct cc_buf *pw, const unsigned char *salt,
			     const unsigned char *in, unsigned char *out,
			     size_t len, struct cc_err *err)
{
	unsigned char d[JKS_SHA1_LEN];
	struct chunk c[2];
	size_t off, i, n;
	int rc = CC_OK;

	memcpy(d, salt, JKS_SALT_LEN);
	for (off = 0; off < len; off += JKS_SHA1_LEN) {
		c[0].p = pw->data;
		c[0].len = pw->len;
		c[1].p = d;
		c[1].len = sizeof(d);
		rc = sha1_chunks(c, 2, d, err);
		if (rc)
			goto out;
		n = len - off < JKS_SHA1_LEN ? len - off : JKS_SHA1_LEN;
		for (i = 0; i < n; i++)
			out[off + i] = in[off + i] ^ d[i];
	}
out:
	OPENSSL_cleanse(d, sizeof(d));
	return rc;
}

static int jks_check_digest(const struct cc_buf *pw, const void *plain,
			    size_t len, unsigned char md[JKS_SHA1_LEN],
			    struct cc_err *err)
{
	struct chunk c[2] = { { pw->data, pw->len }, { plain, len } };

	return sha1_chunks(c, 2, md, err);
}

/* ------------------------------------------------------------- JKS write */

static int put_u16(struct cc_buf *b, unsigned v)
{
	unsigned char x[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	return cc_buf_add(b, x, sizeof(x));
}

static int put_u32(struct cc_buf *b, uint32_t v)
{
	unsigned char x[4] = {
		(unsigned char)(v >> 24), (unsigned char)(v >> 16),
		(unsigned char)(v >> 8), (unsigned char)v,
	};

	return cc_buf_add(b, x, sizeof(x));
}

static int put_u64(struct cc_buf *b, uint64_t v)
{
	if (put_u32(b, (uint32_t)(v >> 32)))
		return CC_ENOMEM;
	return put_u32(b, (uint32_t)v);
}

/* EncryptedPrivateKeyInfo of key with the Sun JKS key protector. */
static int jks_protect_key(EVP_PKEY *key, const struct cc_buf *pw,
			   struct cc_buf *out, struct cc_err *err)
{
	struct cc_buf plain = CC_BUF_SECRET_INIT, prot = CC_BUF_INIT;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	unsigned char *der = NULL, *sder = NULL;
	X509_SIG *sig = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_OCTET_STRING *oct = NULL;
	ASN1_OBJECT *oid = NULL;
	unsigned char *salt, *body;
	int len = 0, slen, rc;

	p8 = EVP_PKEY2PKCS8(key);
	if (!p8) {
		rc = cc_err_openssl(err, CC_ECRYPTO,
				    "cannot encode the private key");
		goto out;
	}
	len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
	if (len <= 0) {
		rc = cc_err_openssl(err, CC_ECRYPTO,
				    "cannot encode the private key");
		goto out;
	}
	if (cc_buf_add(&plain, der, (size_t)len) ||
	    cc_buf_grow(&prot, (size_t)len + 2 * JKS_SHA1_LEN)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	salt = (unsigned char *)prot.data;
	body = salt + JKS_SALT_LEN;
	if (RAND_bytes(salt, JKS_SALT_LEN) != 1) {
		rc = cc_err_openssl(err, CC_ECRYPTO, "cannot get random bytes");
		goto out;
	}
	rc = jks_keystream_xor(pw, salt, (unsigned char *)plain.data, body,
			       plain.len, err);
	if (rc)
		goto out;
	rc = jks_check_digest(pw, plain.data, plain.len, body + plain.len,
			      err);
	if (rc)
		goto out;
	prot.len = JKS_SALT_LEN + plain.len + JKS_SHA1_LEN;

	sig = X509_SIG_new();
	oid = OBJ_txt2obj(JKS_KEY_PROTECTOR_OID, 1);
	if (!sig || !oid) {
		rc = cc_err_openssl(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	X509_SIG_getm(sig, &alg, &oct);
	/* NULL parameters, as Java's AlgorithmId writes them */
	if (!X509_ALGOR_set0(alg, oid, V_ASN1_NULL, NULL)) {
		rc = cc_err_openssl(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	oid = NULL;
	if (!ASN1_OCTET_STRING_set(oct, (unsigned char *)prot.data,
				   (int)prot.len)) {
		rc = cc_err_openssl(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	slen = i2d_X509_SIG(sig, &sder);
	if (slen <= 0) {
		rc = cc_err_openssl(err, CC_ECRYPTO,
				    "cannot encode the protected key");
		goto out;
	}
	if (cc_buf_add(out, sder, (size_t)slen)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	rc = CC_OK;
out:
	if (der)
		OPENSSL_clear_free(der, (size_t)len);
	OPENSSL_free(sder);
	ASN1_OBJECT_free(oid);
	X509_SIG_free(sig);
	PKCS8_PRIV_KEY_INFO_free(p8);
	cc_buf_release(&plain);
	cc_buf_release(&prot);
	return rc;
}

static int put_cert(struct cc_buf *b, X509 *cert, struct cc_err *err)
{
	unsigned char *der = NULL;
	int len, rc;

	len = i2d_X509(cert, &der);
	if (len <= 0) {
		rc = cc_err_openssl(err, CC_EINVAL,
				    "cannot encode a certificate");
		goto out;
	}
	if (put_u16(b, sizeof(JKS_CERT_TYPE) - 1) ||
	    cc_buf_adds(b, JKS_CERT_TYPE) ||
	    put_u32(b, (uint32_t)len) || cc_buf_add(b, der, (size_t)len)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	rc = CC_OK;
out:
	OPENSSL_free(der);
	return rc;
}

int cc_jks_write(EVP_PKEY *key, X509 *const *certs, size_t ncerts,
		 const char *pass, const char *alias, long long timestamp_ms,
		 struct cc_buf *out, struct cc_err *err)
{
	struct cc_buf pw = CC_BUF_SECRET_INIT, name = CC_BUF_INIT;
	struct cc_buf prot = CC_BUF_INIT, ks = CC_BUF_INIT;
	unsigned char md[JKS_SHA1_LEN];
	size_t i;
	int rc;

	rc = check_inputs(key, certs, ncerts, pass, err);
	if (rc)
		goto out;
	if (timestamp_ms < 0 || ncerts > JKS_U32_MAX) {
		rc = cc_err_set(err, CC_EINVAL, "invalid keystore entry");
		goto out;
	}
	rc = password_utf16be(pass, &pw, err);
	if (rc)
		goto out;
	rc = alias_mutf8(alias ? alias : JKS_DEFAULT_ALIAS, &name, err);
	if (rc)
		goto out;
	rc = jks_protect_key(key, &pw, &prot, err);
	if (rc)
		goto out;
	if (put_u32(&ks, JKS_MAGIC) || put_u32(&ks, 2) || put_u32(&ks, 1) ||
	    put_u32(&ks, JKS_TAG_KEY) || put_u16(&ks, (unsigned)name.len) ||
	    cc_buf_add(&ks, name.data, name.len) ||
	    put_u64(&ks, (uint64_t)timestamp_ms) ||
	    put_u32(&ks, (uint32_t)prot.len) ||
	    cc_buf_add(&ks, prot.data, prot.len) ||
	    put_u32(&ks, (uint32_t)ncerts)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < ncerts; i++) {
		rc = put_cert(&ks, certs[i], err);
		if (rc)
			goto out;
	}
	rc = jks_mac(&pw, ks.data, ks.len, md, err);
	if (rc)
		goto out;
	if (cc_buf_add(&ks, md, sizeof(md)) ||
	    cc_buf_add(out, ks.data, ks.len)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	rc = CC_OK;
out:
	cc_buf_release(&pw);
	cc_buf_release(&name);
	cc_buf_release(&prot);
	cc_buf_release(&ks);
	return rc;
}

/* -------------------------------------------------------------- JKS read */

struct rd {
	const unsigned char *p;
	size_t len;
	size_t off;
};

static int rd_bytes(struct rd *r, size_t n, const unsigned char **out)
{
	if (n > r->len - r->off)
		return -1;
	if (out)
		*out = r->p + r->off;
	r->off += n;
	return 0;
}

static int rd_u16(struct rd *r, uint32_t *v)
{
	const unsigned char *b;

	if (rd_bytes(r, 2, &b))
		return -1;
	*v = (uint32_t)b[0] << 8 | b[1];
	return 0;
}

static int rd_u32(struct rd *r, uint32_t *v)
{
	const unsigned char *b;

	if (rd_bytes(r, 4, &b))
		return -1;
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	     (uint32_t)b[2] << 8 | b[3];
	return 0;
}

/* UTF string: u16 length + bytes. */
static int rd_utf(struct rd *r, const unsigned char **s, size_t *len)
{
	uint32_t n;

	if (rd_u16(r, &n) || rd_bytes(r, n, s))
		return -1;
	*len = n;
	return 0;
}

/* u32 length + bytes (length must fit a Java int). */
static int rd_blob(struct rd *r, const unsigned char **p, size_t *len)
{
	uint32_t n;

	if (rd_u32(r, &n) || n > JKS_U32_MAX || rd_bytes(r, n, p))
		return -1;
	*len = n;
	return 0;
}

/* One certificate (type for version 2, then the blob); 1 if not X.509. */
static int rd_cert(struct rd *r, uint32_t version, const unsigned char **der,
		   size_t *len)
{
	const unsigned char *type;
	size_t tlen;
	int other = 0;

	if (version == 2) {
		if (rd_utf(r, &type, &tlen))
			return -1;
		other = tlen != sizeof(JKS_CERT_TYPE) - 1 ||
			memcmp(type, JKS_CERT_TYPE, tlen) != 0;
	}
	if (rd_blob(r, der, len))
		return -1;
	return other;
}

struct jks_found {
	int have_key;
	const unsigned char *prot;	/* EncryptedPrivateKeyInfo */
	size_t prot_len;
	size_t chain_off;		/* offset of the first certificate */
	uint32_t chain_n;
};

/* Walk all entries of the body (bounds-checked); remember the first key. */
static int jks_scan(struct rd *r, uint32_t version, struct jks_found *f,
		    struct cc_err *err)
{
	const unsigned char *p;
	uint32_t count, tag, n, i, j;
	size_t len;
	int rc = CC_OK;

	if (rd_u32(r, &count))
		goto trunc;
	/* every entry takes at least 4 bytes, so this loop is bounded */
	for (i = 0; i < count; i++) {
		if (rd_u32(r, &tag))
			goto trunc;
		if (tag != JKS_TAG_KEY && tag != JKS_TAG_CERT) {
			rc = cc_err_set(err, CC_EINVAL,
					"unknown keystore entry type %u",
					(unsigned)tag);
			goto out;
		}
		if (rd_utf(r, &p, &len) || rd_bytes(r, 8, NULL))
			goto trunc;
		if (tag == JKS_TAG_CERT) {
			if (rd_cert(r, version, &p, &len) < 0)
				goto trunc;
			continue;
		}
		if (rd_blob(r, &p, &len) || rd_u32(r, &n))
			goto trunc;
		if (!f->have_key) {
			f->have_key = 1;
			f->prot = p;
			f->prot_len = len;
			f->chain_off = r->off;
			f->chain_n = n;
		}
		/* each certificate takes at least 4 bytes: bounded */
		for (j = 0; j < n; j++)
			if (rd_cert(r, version, &p, &len) < 0)
				goto trunc;
	}
	if (r->off != r->len)
		rc = cc_err_set(err, CC_EINVAL, "keystore has trailing data");
	goto out;
trunc:
	rc = cc_err_set(err, CC_EINVAL, "keystore is truncated or corrupt");
out:
	return rc;
}

/* Decrypt a Sun-protected EncryptedPrivateKeyInfo into *key. */
static int jks_unprotect_key(const unsigned char *prot, size_t prot_len,
			     const struct cc_buf *pw, EVP_PKEY **key,
			     struct cc_err *err)
{
	struct cc_buf plain = CC_BUF_SECRET_INIT;
	const unsigned char *p = prot, *data;
	unsigned char md[JKS_SHA1_LEN];
	X509_SIG *sig = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	const X509_ALGOR *alg;
	const ASN1_OCTET_STRING *oct;
	const ASN1_OBJECT *obj;
	char oid[80];
	size_t dlen, plen;
	int ptype = 0, rc;

	if (prot_len > JKS_U32_MAX)
		goto bad;
	sig = d2i_X509_SIG(NULL, &p, (long)prot_len);
	if (!sig || p != prot + prot_len)
		goto bad;
	X509_SIG_get0(sig, &alg, &oct);
	X509_ALGOR_get0(&obj, &ptype, NULL, alg);
	if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0)
		goto bad;
	if (strcmp(oid, JKS_KEY_PROTECTOR_OID) != 0) {
		rc = cc_err_set(err, CC_EUNSUPPORTED,
				"unsupported keystore key protection %s", oid);
		goto out;
	}
	/* the Sun key protector has no parameters: NULL or absent */
	if (ptype != V_ASN1_NULL && ptype != V_ASN1_UNDEF)
		goto bad;
	data = ASN1_STRING_get0_data(oct);
	dlen = (size_t)ASN1_STRING_length(oct);
	if (dlen <= JKS_SALT_LEN + JKS_SHA1_LEN)
		goto bad;
	plen = dlen - JKS_SALT_LEN - JKS_SHA1_LEN;
	if (cc_buf_grow(&plain, plen)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	rc = jks_keystream_xor(pw, data, data + JKS_SALT_LEN,
			       (unsigned char *)plain.data, plen, err);
	if (rc)
		goto out;
	plain.len = plen;
	rc = jks_check_digest(pw, plain.data, plain.len, md, err);
	if (rc)
		goto out;
	if (CRYPTO_memcmp(md, data + JKS_SALT_LEN + plen, sizeof(md)) != 0) {
		rc = cc_err_set(err, CC_EPASSWORD,
				"key password is wrong or the keystore is "
				"corrupt");
		goto out;
	}
	p = (const unsigned char *)plain.data;
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)plain.len);
	if (!p8 || p != (const unsigned char *)plain.data + plain.len)
		goto bad;
	*key = EVP_PKCS82PKEY(p8);
	if (!*key) {
		rc = cc_err_openssl(err, CC_EINVAL,
				    "cannot load the private key from the "
				    "keystore");
		goto out;
	}
	rc = CC_OK;
	goto out;
bad:
	ERR_clear_error();
	rc = cc_err_set(err, CC_EINVAL,
			"the private key entry of the keystore is corrupt");
out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	X509_SIG_free(sig);
	cc_buf_release(&plain);
	return rc;
}

static int jks_load_chain(struct rd *r, uint32_t version, uint32_t n,
			  X509 ***certs, size_t *ncerts, struct cc_err *err)
{
	const unsigned char *der, *p;
	X509 **v = NULL;
	size_t len;
	uint32_t i;
	int rc;

	if (n == 0) {
		rc = CC_OK;
		goto out;
	}
	v = calloc(n, sizeof(*v));
	if (!v) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		rc = rd_cert(r, version, &der, &len);
		if (rc < 0) {
			rc = cc_err_set(err, CC_EINVAL,
					"keystore is truncated or corrupt");
			goto out;
		}
		if (rc > 0) {
			rc = cc_err_set(err, CC_EUNSUPPORTED,
					"keystore holds a certificate that is "
					"not x.509");
			goto out;
		}
		p = der;
		v[i] = d2i_X509(NULL, &p, (long)len);
		if (!v[i] || p != der + len) {
			ERR_clear_error();
			rc = cc_err_set(err, CC_EINVAL,
					"certificate %u of the keystore chain "
					"is corrupt", (unsigned)i + 1);
			goto out;
		}
	}
	rc = CC_OK;
out:
	if (rc) {
		cc_keystore_certs_free(v, n);	/* unset slots are NULL */
		v = NULL;
		n = 0;
	}
	*certs = v;
	*ncerts = n;
	return rc;
}

int cc_jks_read(const void *data, size_t len, const char *pass,
		EVP_PKEY **key, X509 ***certs, size_t *ncerts,
		struct cc_err *err)
{
	struct cc_buf pw = CC_BUF_SECRET_INIT;
	struct jks_found f;
	struct rd r;
	unsigned char md[JKS_SHA1_LEN];
	uint32_t magic, version;
	EVP_PKEY *k = NULL;
	X509 **v = NULL;
	size_t n = 0;
	int rc;

	memset(&f, 0, sizeof(f));
	if (key)
		*key = NULL;
	if (certs)
		*certs = NULL;
	if (ncerts)
		*ncerts = 0;
	if ((!data && len) || !pass || !key || !certs || !ncerts) {
		rc = cc_err_set(err, CC_EINVAL, "invalid keystore arguments");
		goto out;
	}
	r.p = data;
	r.len = len;
	r.off = 0;
	if (rd_u32(&r, &magic) || (magic != JKS_MAGIC &&
				   magic != JCEKS_MAGIC)) {
		rc = cc_err_set(err, CC_EINVAL, "not a java keystore (jks)");
		goto out;
	}
	if (magic == JCEKS_MAGIC) {
		rc = cc_err_set(err, CC_EUNSUPPORTED,
				"jceks keystores are not supported");
		goto out;
	}
	if (rd_u32(&r, &version)) {
		rc = cc_err_set(err, CC_EINVAL,
				"keystore is truncated or corrupt");
		goto out;
	}
	if (version != 1 && version != 2) {
		rc = cc_err_set(err, CC_EUNSUPPORTED,
				"unsupported jks version %u",
				(unsigned)version);
		goto out;
	}
	if (len < r.off + 4 + JKS_SHA1_LEN) {
		rc = cc_err_set(err, CC_EINVAL,
				"keystore is truncated or corrupt");
		goto out;
	}
	r.len = len - JKS_SHA1_LEN;
	rc = jks_scan(&r, version, &f, err);
	if (rc)
		goto out;
	rc = password_utf16be(pass, &pw, err);
	if (rc)
		goto out;
	rc = jks_mac(&pw, data, len - JKS_SHA1_LEN, md, err);
	if (rc)
		goto out;
	if (CRYPTO_memcmp(md, (const unsigned char *)data + len -
			  JKS_SHA1_LEN, sizeof(md)) != 0) {
		rc = cc_err_set(err, CC_EPASSWORD,
				"keystore password is wrong or the file is "
				"corrupt");
		goto out;
	}
	if (!f.have_key) {
		rc = cc_err_set(err, CC_ENOENT,
				"keystore holds no private key entry");
		goto out;
	}
	rc = jks_unprotect_key(f.prot, f.prot_len, &pw, &k, err);
	if (rc)
		goto out;
	r.off = f.chain_off;
	rc = jks_load_chain(&r, version, f.chain_n, &v, &n, err);
	if (rc)
		goto out;
	*key = k;
	k = NULL;
	*certs = v;
	*ncerts = n;
	rc = CC_OK;
out:
	EVP_PKEY_free(k);
	cc_buf_release(&pw);
	return rc;
}
