/*
 * Keystores: PKCS#12 (modern and legacy) and JKS, checked with OpenSSL's
 * parser, a byte-level look at the JKS layout, corruption at every offset,
 * and (when installed) keytool and the openssl command.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "err.h"
#include "fsutil.h"
#include "keystore.h"

#define PASS "s3cret-pass"
#define ALIAS "web-server"
#define TS_MS 1700000000123LL
#define WHITENER "Mighty Aphrodite"

/* DER of OID 1.3.6.1.4.1.42.2.17.1.1 (Sun JKS key protector) */
static const unsigned char protector_oid[] = {
	0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x2a, 0x02, 0x11, 0x01,
	0x01,
};

struct pki {
	EVP_PKEY *root_key;
	X509 *root;
	EVP_PKEY *ec;
	X509 *ec_leaf;
	EVP_PKEY *rsa;
	X509 *rsa_leaf;
	EVP_PKEY *other;	/* matches no certificate */
};

static struct pki g;

/* ------------------------------------------------------------ fixtures */

static X509 *mk_cert(const char *cn, EVP_PKEY *pub, X509 *issuer,
		     EVP_PKEY *ikey, int ca, long serial)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509_EXTENSION *ext;
	X509V3_CTX ctx;

	assert_non_null(x);
	assert_non_null(name);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial),
			 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x),
					30L * 86400));
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
		(const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_subject_name(x, name), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer ?
			 X509_get_subject_name(issuer) : name), 1);
	assert_int_equal(X509_set_pubkey(x, pub), 1);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
				  ca ? "critical,CA:TRUE" : "CA:FALSE");
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, ikey, EVP_sha256()) > 0);
	X509_NAME_free(name);
	return x;
}

static int setup_pki(void **state)
{
	(void)state;
	g.root_key = EVP_EC_gen("P-256");
	g.ec = EVP_EC_gen("P-256");
	g.rsa = EVP_RSA_gen(2048);
	g.other = EVP_EC_gen("P-256");
	if (!g.root_key || !g.ec || !g.rsa || !g.other)
		return -1;
	g.root = mk_cert("certctl keystore test root", g.root_key, NULL,
			 g.root_key, 1, 1);
	g.ec_leaf = mk_cert("ec.example.test", g.ec, g.root, g.root_key, 0,
			    2);
	g.rsa_leaf = mk_cert("rsa.example.test", g.rsa, g.root, g.root_key,
			     0, 3);
	return 0;
}

static int teardown_pki(void **state)
{
	(void)state;
	X509_free(g.root);
	X509_free(g.ec_leaf);
	X509_free(g.rsa_leaf);
	EVP_PKEY_free(g.root_key);
	EVP_PKEY_free(g.ec);
	EVP_PKEY_free(g.rsa);
	EVP_PKEY_free(g.other);
	memset(&g, 0, sizeof(g));
	return 0;
}

/* --------------------------------------------------------- byte helpers */

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static unsigned get_u16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static void set_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void set_u16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void add_u16(struct cc_buf *b, unsigned v)
{
	unsigned char x[2];

	set_u16(x, v);
	assert_int_equal(cc_buf_add(b, x, 2), CC_OK);
}

static void add_u32(struct cc_buf *b, uint32_t v)
{
	unsigned char x[4];

	set_u32(x, v);
	assert_int_equal(cc_buf_add(b, x, 4), CC_OK);
}

static int contains(const void *hay, size_t hlen, const void *needle,
		    size_t nlen)
{
	const unsigned char *h = hay;
	size_t i;

	for (i = 0; nlen <= hlen && i <= hlen - nlen; i++)
		if (memcmp(h + i, needle, nlen) == 0)
			return 1;
	return 0;
}

/* ASCII password as Java's UTF-16BE bytes. */
static size_t ascii_utf16(const char *s, unsigned char *out, size_t size)
{
	size_t n = 0;

	for (; *s; s++) {
		assert_true(n + 2 <= size);
		out[n++] = 0;
		out[n++] = (unsigned char)*s;
	}
	return n;
}

/* The JKS trailer, computed independently: SHA-1(pw || whitener || body). */
static void ref_trailer(const unsigned char *pw, size_t pwlen,
			const void *body, size_t len, unsigned char md[20])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int mdlen = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha1(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, pw, pwlen), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, WHITENER, strlen(WHITENER)),
			 1);
	assert_int_equal(EVP_DigestUpdate(ctx, body, len), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, md, &mdlen), 1);
	assert_int_equal(mdlen, 20);
	EVP_MD_CTX_free(ctx);
}

/* Recompute the trailer of a (modified) keystore for the ASCII password. */
static void rehash(unsigned char *data, size_t len, const char *pass)
{
	unsigned char pw[256];
	size_t pwlen = ascii_utf16(pass, pw, sizeof(pw));

	assert_true(len >= 20);
	ref_trailer(pw, pwlen, data, len - 20, data + len - 20);
}

/* Offsets of the fields of a JKS written by cc_jks_write. */
struct layout {
	size_t alias_len;	/* u16 */
	size_t date;		/* u64 */
	size_t key_len;		/* u32 */
	size_t key;		/* EncryptedPrivateKeyInfo DER */
	size_t chain_n;		/* u32 */
	size_t type_len[4];	/* u16 */
	size_t cert_len[4];	/* u32 */
	size_t end;		/* start of the trailer */
	size_t ncerts;
};

static void layout_of(const unsigned char *d, size_t len, struct layout *l)
{
	size_t o, i;

	memset(l, 0, sizeof(*l));
	assert_true(len > 40);
	assert_int_equal(get_u32(d), 0xFEEDFEEDu);
	assert_int_equal(get_u32(d + 4), 2);
	assert_int_equal(get_u32(d + 8), 1);
	assert_int_equal(get_u32(d + 12), 1);
	l->alias_len = 16;
	l->date = 18 + get_u16(d + 16);
	l->key_len = l->date + 8;
	l->key = l->key_len + 4;
	l->chain_n = l->key + get_u32(d + l->key_len);
	assert_true(l->chain_n + 4 <= len);
	l->ncerts = get_u32(d + l->chain_n);
	assert_true(l->ncerts <= 4);
	o = l->chain_n + 4;
	for (i = 0; i < l->ncerts; i++) {
		assert_true(o + 11 <= len);
		l->type_len[i] = o;
		assert_int_equal(get_u16(d + o), 5);
		assert_memory_equal(d + o + 2, "X.509", 5);
		l->cert_len[i] = o + 7;
		o += 11 + get_u32(d + o + 7);
	}
	l->end = o;
	assert_int_equal(o + 20, len);
}

static void jks_write_ok(EVP_PKEY *key, X509 *leaf, const char *pass,
			 const char *alias, struct cc_buf *out)
{
	X509 *chain[2] = { leaf, g.root };
	struct cc_err err = CC_ERR_INIT;

	assert_int_equal(cc_jks_write(key, chain, 2, pass, alias, TS_MS, out,
				      &err), CC_OK);
	assert_true(out->len > 100);
}

/* cc_jks_read must fail with code (or any failure when code is 0). */
static void jks_read_fails(const void *d, size_t len, const char *pass,
			   int code)
{
	struct cc_err err = CC_ERR_INIT;
	EVP_PKEY *key = (EVP_PKEY *)&err;	/* must be reset to NULL */
	X509 **certs = (X509 **)&err;
	size_t n = 99;
	int rc;

	rc = cc_jks_read(d, len, pass, &key, &certs, &n, &err);
	if (code)
		assert_int_equal(rc, code);
	else
		assert_true(rc < 0);
	assert_int_equal(err.code, rc);
	assert_true(err.msg[0] != '\0');
	assert_null(key);
	assert_null(certs);
	assert_int_equal(n, 0);
}

static void jks_read_ok(const void *d, size_t len, const char *pass,
			EVP_PKEY *want_key, X509 *const *want, size_t nwant)
{
	struct cc_err err = CC_ERR_INIT;
	EVP_PKEY *key = NULL;
	X509 **certs = NULL;
	size_t n = 0, i;

	assert_int_equal(cc_jks_read(d, len, pass, &key, &certs, &n, &err),
			 CC_OK);
	assert_non_null(key);
	assert_int_equal(EVP_PKEY_eq(key, want_key), 1);
	assert_int_equal(n, nwant);
	for (i = 0; i < n; i++)
		assert_int_equal(X509_cmp(certs[i], want[i]), 0);
	EVP_PKEY_free(key);
	cc_keystore_certs_free(certs, n);
}

/* --------------------------------------------------------------- PKCS#12 */

static PKCS12 *p12_write_ok(EVP_PKEY *key, X509 *leaf, const char *pass,
			    const char *alias, enum cc_p12_flavor fl,
			    struct cc_buf *out)
{
	X509 *chain[2] = { leaf, g.root };
	struct cc_err err = CC_ERR_INIT;
	const unsigned char *p;
	PKCS12 *p12;

	assert_int_equal(cc_p12_write(key, chain, 2, pass, alias, fl, out,
				      &err), CC_OK);
	p = (const unsigned char *)out->data;
	p12 = d2i_PKCS12(NULL, &p, (long)out->len);
	assert_non_null(p12);
	assert_ptr_equal(p, (const unsigned char *)out->data + out->len);
	return p12;
}

/* Parse with PKCS12_parse and compare with what went in. */
static void p12_check_parse(PKCS12 *p12, const char *pass, EVP_PKEY *key,
			    X509 *leaf, const char *alias)
{
	STACK_OF(X509) *ca = NULL;
	EVP_PKEY *k = NULL;
	X509 *cert = NULL;
	const unsigned char *name;
	int namelen = 0;

	assert_int_equal(PKCS12_verify_mac(p12, pass, -1), 1);
	assert_int_equal(PKCS12_parse(p12, pass, &k, &cert, &ca), 1);
	assert_int_equal(EVP_PKEY_eq(k, key), 1);
	assert_int_equal(X509_cmp(cert, leaf), 0);
	assert_int_equal(sk_X509_num(ca), 1);
	assert_int_equal(X509_cmp(sk_X509_value(ca, 0), g.root), 0);
	name = X509_alias_get0(cert, &namelen);
	assert_non_null(name);
	assert_int_equal(namelen, (int)strlen(alias));
	assert_memory_equal(name, alias, strlen(alias));
	EVP_PKEY_free(k);
	X509_free(cert);
	sk_X509_pop_free(ca, X509_free);
}

static void p12_check_wrong_pass(PKCS12 *p12)
{
	STACK_OF(X509) *ca = NULL;
	EVP_PKEY *k = NULL;
	X509 *cert = NULL;

	assert_int_equal(PKCS12_verify_mac(p12, "wrong", -1), 0);
	assert_int_equal(PKCS12_parse(p12, "wrong", &k, &cert, &ca), 0);
	assert_null(k);
	assert_null(cert);
	ERR_clear_error();
}

/* PBES2 with PBKDF2/HMAC-SHA256 and AES-256-CBC, >= 2048 iterations. */
static void check_pbes2(const X509_ALGOR *alg)
{
	const ASN1_OBJECT *obj;
	const void *pv;
	int ptype;
	PBE2PARAM *pbe2;
	PBKDF2PARAM *kdf;

	X509_ALGOR_get0(&obj, &ptype, &pv, alg);
	assert_int_equal(OBJ_obj2nid(obj), NID_pbes2);
	assert_int_equal(ptype, V_ASN1_SEQUENCE);
	pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM),
					 alg->parameter);
	assert_non_null(pbe2);
	assert_int_equal(OBJ_obj2nid(pbe2->encryption->algorithm),
			 NID_aes_256_cbc);
	assert_int_equal(OBJ_obj2nid(pbe2->keyfunc->algorithm),
			 NID_id_pbkdf2);
	kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
					pbe2->keyfunc->parameter);
	assert_non_null(kdf);
	assert_non_null(kdf->prf);	/* absent would mean HMAC-SHA1 */
	assert_int_equal(OBJ_obj2nid(kdf->prf->algorithm),
			 NID_hmacWithSHA256);
	assert_true(ASN1_INTEGER_get(kdf->iter) >= 2048);
	PBKDF2PARAM_free(kdf);
	PBE2PARAM_free(pbe2);
}

static void check_alg(const X509_ALGOR *alg, enum cc_p12_flavor fl)
{
	const ASN1_OBJECT *obj;

	if (fl == CC_P12_MODERN) {
		check_pbes2(alg);
		return;
	}
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	assert_int_equal(OBJ_obj2nid(obj),
			 NID_pbe_WithSHA1And3_Key_TripleDES_CBC);
}

/* Walk the safes: algorithms of the encrypted parts, bags, friendlyNames. */
static void p12_check_structure(PKCS12 *p12, const char *pass,
				enum cc_p12_flavor fl, const char *alias)
{
	const ASN1_OCTET_STRING *mac = NULL;
	const X509_ALGOR *macalg = NULL, *alg;
	const ASN1_OCTET_STRING *salt = NULL;
	const ASN1_INTEGER *iter = NULL;
	const ASN1_OBJECT *obj;
	STACK_OF(PKCS7) *safes;
	STACK_OF(PKCS12_SAFEBAG) *bags;
	int i, j, nenc = 0, nkeys = 0, ncerts = 0, nnamed = 0;

	PKCS12_get0_mac(&mac, &macalg, &salt, &iter, p12);
	assert_non_null(mac);
	assert_non_null(macalg);
	X509_ALGOR_get0(&obj, NULL, NULL, macalg);
	assert_int_equal(OBJ_obj2nid(obj), fl == CC_P12_MODERN ?
			 NID_sha256 : NID_sha1);
	assert_int_equal(ASN1_STRING_length(mac),
			 fl == CC_P12_MODERN ? 32 : 20);
	assert_non_null(iter);
	assert_true(ASN1_INTEGER_get(iter) >= 2048);

	safes = PKCS12_unpack_authsafes(p12);
	assert_non_null(safes);
	for (i = 0; i < sk_PKCS7_num(safes); i++) {
		PKCS7 *p7 = sk_PKCS7_value(safes, i);

		if (PKCS7_type_is_encrypted(p7)) {
			nenc++;
			check_alg(p7->d.encrypted->enc_data->algorithm, fl);
			bags = PKCS12_unpack_p7encdata(p7, pass, -1);
		} else {
			assert_true(PKCS7_type_is_data(p7));
			bags = PKCS12_unpack_p7data(p7);
		}
		assert_non_null(bags);
		for (j = 0; j < sk_PKCS12_SAFEBAG_num(bags); j++) {
			PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, j);
			char *name = PKCS12_get_friendlyname(bag);

			if (name) {
				assert_string_equal(name, alias);
				nnamed++;
				OPENSSL_free(name);
			}
			switch (PKCS12_SAFEBAG_get_nid(bag)) {
			case NID_pkcs8ShroudedKeyBag:
				nkeys++;
				X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag),
					      &alg, NULL);
				check_alg(alg, fl);
				break;
			case NID_certBag:
				ncerts++;
				break;
			default:
				fail_msg("unexpected bag type");
			}
		}
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	}
	sk_PKCS7_pop_free(safes, PKCS7_free);
	assert_int_equal(nenc, 1);	/* the certificates are encrypted */
	assert_int_equal(nkeys, 1);
	assert_int_equal(ncerts, 2);
	assert_int_equal(nnamed, 2);	/* key and leaf */
}

static void p12_roundtrip(EVP_PKEY *key, X509 *leaf, enum cc_p12_flavor fl)
{
	struct cc_buf out = CC_BUF_INIT;
	PKCS12 *p12;

	p12 = p12_write_ok(key, leaf, PASS, "My Server", fl, &out);
	p12_check_parse(p12, PASS, key, leaf, "My Server");
	p12_check_structure(p12, PASS, fl, "My Server");
	p12_check_wrong_pass(p12);
	PKCS12_free(p12);
	cc_buf_release(&out);
}

static void keystore_p12_modern_roundtrip_ec(void **state)
{
	(void)state;
	p12_roundtrip(g.ec, g.ec_leaf, CC_P12_MODERN);
}

static void keystore_p12_modern_roundtrip_rsa(void **state)
{
	(void)state;
	p12_roundtrip(g.rsa, g.rsa_leaf, CC_P12_MODERN);
}

static void keystore_p12_legacy_roundtrip_ec(void **state)
{
	(void)state;
	p12_roundtrip(g.ec, g.ec_leaf, CC_P12_LEGACY);
}

static void keystore_p12_legacy_roundtrip_rsa(void **state)
{
	(void)state;
	p12_roundtrip(g.rsa, g.rsa_leaf, CC_P12_LEGACY);
}

static void keystore_p12_default_alias_and_empty_pass(void **state)
{
	struct cc_buf out = CC_BUF_INIT;
	PKCS12 *p12;

	(void)state;
	p12 = p12_write_ok(g.ec, g.ec_leaf, "", NULL, CC_P12_MODERN, &out);
	p12_check_parse(p12, "", g.ec, g.ec_leaf, "certctl");
	p12_check_wrong_pass(p12);
	PKCS12_free(p12);
	cc_buf_release(&out);
}

static void keystore_p12_appends_to_out(void **state)
{
	X509 *chain[2] = { g.ec_leaf, g.root };
	struct cc_buf out = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	const unsigned char *p;
	PKCS12 *p12;

	(void)state;
	assert_int_equal(cc_buf_adds(&out, "xyz"), CC_OK);
	assert_int_equal(cc_p12_write(g.ec, chain, 2, PASS, ALIAS,
				      CC_P12_LEGACY, &out, &err), CC_OK);
	assert_memory_equal(out.data, "xyz", 3);
	p = (const unsigned char *)out.data + 3;
	p12 = d2i_PKCS12(NULL, &p, (long)out.len - 3);
	assert_non_null(p12);
	p12_check_parse(p12, PASS, g.ec, g.ec_leaf, ALIAS);
	PKCS12_free(p12);
	cc_buf_release(&out);
}

static void keystore_bad_arguments(void **state)
{
	X509 *chain[2] = { g.ec_leaf, g.root };
	X509 *holes[2] = { g.ec_leaf, NULL };
	struct cc_buf out = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	/* key does not match the leaf */
	assert_int_equal(cc_p12_write(g.other, chain, 2, PASS, NULL,
				      CC_P12_MODERN, &out, &err),
			 CC_EMISMATCH);
	assert_int_equal(err.code, CC_EMISMATCH);
	assert_int_equal(cc_jks_write(g.rsa, chain, 2, PASS, NULL, TS_MS,
				      &out, &err), CC_EMISMATCH);
	/* missing pieces */
	assert_int_equal(cc_p12_write(g.ec, chain, 0, PASS, NULL,
				      CC_P12_MODERN, &out, &err), CC_EINVAL);
	assert_int_equal(cc_p12_write(g.ec, chain, 2, NULL, NULL,
				      CC_P12_MODERN, &out, &err), CC_EINVAL);
	assert_int_equal(cc_p12_write(NULL, chain, 2, PASS, NULL,
				      CC_P12_MODERN, &out, &err), CC_EINVAL);
	assert_int_equal(cc_p12_write(g.ec, holes, 2, PASS, NULL,
				      CC_P12_MODERN, &out, &err), CC_EINVAL);
	assert_int_equal(cc_p12_write(g.ec, chain, 2, PASS, NULL,
				      (enum cc_p12_flavor)7, &out, &err),
			 CC_EINVAL);
	assert_int_equal(cc_jks_write(g.ec, chain, 0, PASS, NULL, TS_MS,
				      &out, &err), CC_EINVAL);
	assert_int_equal(cc_jks_write(g.ec, chain, 2, NULL, NULL, TS_MS,
				      &out, &err), CC_EINVAL);
	assert_int_equal(cc_jks_write(g.ec, holes, 2, PASS, NULL, TS_MS,
				      &out, &err), CC_EINVAL);
	assert_int_equal(cc_jks_write(g.ec, chain, 2, PASS, NULL, -1,
				      &out, &err), CC_EINVAL);
	assert_int_equal(cc_jks_write(g.ec, chain, 2, PASS, "", TS_MS,
				      &out, &err), CC_EINVAL);
	assert_int_equal(cc_jks_write(g.ec, chain, 2, "bad\xff", NULL, TS_MS,
				      &out, &err), CC_EINVAL);
	assert_null(strstr(err.msg, "bad\xff"));	/* no secrets */
	assert_int_equal(cc_jks_write(g.ec, chain, 2, PASS, "a\xc0\xafz",
				      TS_MS, &out, &err), CC_EINVAL);
	/* nothing was appended by any failure */
	assert_int_equal(out.len, 0);
	cc_buf_release(&out);
}

/* ------------------------------------------------------------------- JKS */

static void jks_roundtrip(EVP_PKEY *key, X509 *leaf)
{
	X509 *chain[2] = { leaf, g.root };
	struct cc_buf out = CC_BUF_INIT;

	jks_write_ok(key, leaf, PASS, ALIAS, &out);
	jks_read_ok(out.data, out.len, PASS, key, chain, 2);
	cc_buf_release(&out);
}

static void keystore_jks_roundtrip_ec(void **state)
{
	(void)state;
	jks_roundtrip(g.ec, g.ec_leaf);
}

static void keystore_jks_roundtrip_rsa(void **state)
{
	(void)state;
	jks_roundtrip(g.rsa, g.rsa_leaf);
}

static void keystore_jks_single_cert_chain(void **state)
{
	X509 *chain[1] = { g.ec_leaf };
	struct cc_buf out = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	assert_int_equal(cc_jks_write(g.ec, chain, 1, PASS, NULL, 0, &out,
				      &err), CC_OK);
	jks_read_ok(out.data, out.len, PASS, g.ec, chain, 1);
	cc_buf_release(&out);
}

/* Byte layout: header, alias (lower-cased), date, key OID, certificates. */
static void keystore_jks_layout(void **state)
{
	struct cc_buf out = CC_BUF_INIT;
	const unsigned char *d, *p;
	unsigned char *der = NULL;
	struct layout l;
	unsigned char pw[64], md[20];
	X509 *cert;
	int dlen;

	(void)state;
	jks_write_ok(g.ec, g.ec_leaf, PASS, "Web-Server", &out);
	d = (const unsigned char *)out.data;
	layout_of(d, out.len, &l);
	assert_int_equal(get_u16(d + l.alias_len), strlen(ALIAS));
	assert_memory_equal(d + 18, ALIAS, strlen(ALIAS));
	assert_int_equal(get_u32(d + l.date), (uint32_t)(TS_MS >> 32));
	assert_int_equal(get_u32(d + l.date + 4), (uint32_t)TS_MS);
	/* SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING } */
	assert_int_equal(d[l.key], 0x30);
	assert_true(contains(d + l.key, 24, protector_oid,
			     sizeof(protector_oid)));
	assert_int_equal(l.ncerts, 2);
	/* the certificates are the DER of leaf then root */
	p = d + l.cert_len[0] + 4;
	cert = d2i_X509(NULL, &p, (long)get_u32(d + l.cert_len[0]));
	assert_non_null(cert);
	assert_int_equal(X509_cmp(cert, g.ec_leaf), 0);
	X509_free(cert);
	dlen = i2d_X509(g.root, &der);
	assert_int_equal(get_u32(d + l.cert_len[1]), (uint32_t)dlen);
	assert_memory_equal(d + l.cert_len[1] + 4, der, (size_t)dlen);
	OPENSSL_free(der);
	/* the trailer, computed here independently */
	ref_trailer(pw, ascii_utf16(PASS, pw, sizeof(pw)), d, l.end, md);
	assert_memory_equal(d + l.end, md, 20);
	cc_buf_release(&out);
}

/* Non-ASCII passwords are hashed as Java's UTF-16BE chars (with pairs). */
static void keystore_jks_unicode_password(void **state)
{
	/* "pä€😀" */
	static const char pass[] = "p\xc3\xa4\xe2\x82\xac\xf0\x9f\x98\x80";
	static const unsigned char utf16[] = {
		0x00, 0x70, 0x00, 0xe4, 0x20, 0xac, 0xd8, 0x3d, 0xde, 0x00,
	};
	X509 *chain[2] = { g.ec_leaf, g.root };
	struct cc_buf out = CC_BUF_INIT;
	unsigned char md[20];

	(void)state;
	jks_write_ok(g.ec, g.ec_leaf, pass, ALIAS, &out);
	ref_trailer(utf16, sizeof(utf16), out.data, out.len - 20, md);
	assert_memory_equal(out.data + out.len - 20, md, 20);
	jks_read_ok(out.data, out.len, pass, g.ec, chain, 2);
	jks_read_fails(out.data, out.len, "p\xc3\xa4", CC_EPASSWORD);
	jks_read_fails(out.data, out.len, "p\xc3", CC_EINVAL);
	cc_buf_release(&out);
}

/* Non-ASCII alias: Java modified UTF-8 (CESU-8 for supplementary chars). */
static void keystore_jks_unicode_alias(void **state)
{
	/* "Ä😀" -> ASCII lower-casing leaves Ä alone */
	static const char alias[] = "\xc3\x84\xf0\x9f\x98\x80";
	static const unsigned char mutf8[] = {
		0xc3, 0x84, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80,
	};
	struct cc_buf out = CC_BUF_INIT;
	const unsigned char *d;

	(void)state;
	jks_write_ok(g.ec, g.ec_leaf, PASS, alias, &out);
	d = (const unsigned char *)out.data;
	assert_int_equal(get_u16(d + 16), sizeof(mutf8));
	assert_memory_equal(d + 18, mutf8, sizeof(mutf8));
	cc_buf_release(&out);
}

static void keystore_jks_wrong_password(void **state)
{
	struct cc_buf out = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	EVP_PKEY *key = NULL;
	X509 **certs = NULL;
	size_t n = 0;

	(void)state;
	jks_write_ok(g.rsa, g.rsa_leaf, PASS, ALIAS, &out);
	assert_int_equal(cc_jks_read(out.data, out.len, "s3cret-pasS", &key,
				     &certs, &n, &err), CC_EPASSWORD);
	assert_string_equal(err.msg,
			    "keystore password is wrong or the file is "
			    "corrupt");
	jks_read_fails(out.data, out.len, "", CC_EPASSWORD);
	jks_read_fails(out.data, out.len, PASS "x", CC_EPASSWORD);
	cc_buf_release(&out);
}

/* Every proper prefix of a valid keystore is rejected as invalid. */
static void keystore_jks_truncated_everywhere(void **state)
{
	struct cc_buf out = CC_BUF_INIT;
	unsigned char *copy;
	size_t k;

	(void)state;
	jks_write_ok(g.ec, g.ec_leaf, PASS, ALIAS, &out);
	for (k = 0; k < out.len; k++) {
		/* exact-size heap copy so ASan sees any over-read */
		copy = malloc(k ? k : 1);
		assert_non_null(copy);
		memcpy(copy, out.data, k);
		jks_read_fails(copy, k, PASS, CC_EINVAL);
		free(copy);
	}
	/* and one byte too many */
	assert_int_equal(cc_buf_add(&out, "", 1), CC_OK);
	jks_read_fails(out.data, out.len, PASS, CC_EINVAL);
	cc_buf_release(&out);
}

/* Any single flipped byte is detected (structure or integrity hash). */
static void keystore_jks_bitflip_everywhere(void **state)
{
	struct cc_buf out = CC_BUF_INIT;
	unsigned char *d;
	size_t i;

	(void)state;
	jks_write_ok(g.ec, g.ec_leaf, PASS, ALIAS, &out);
	d = (unsigned char *)out.data;
	for (i = 0; i < out.len; i++) {
		d[i] ^= 0x41;
		jks_read_fails(d, out.len, PASS, 0);
		d[i] ^= 0x41;
	}
	cc_buf_release(&out);
}

/* Absurd values in every length prefix, with a valid trailer. */
static void keystore_jks_bad_length_prefixes(void **state)
{
	static const uint32_t big[] = {
		0xffffffffu, 0x80000000u, 0x7fffffffu, 0x10000u,
	};
	struct cc_buf out = CC_BUF_INIT;
	unsigned char *d, *copy;
	struct layout l;
	size_t u16s[3], u32s[4], i, j, n16 = 0, n32 = 0;
	unsigned v;

	(void)state;
	jks_write_ok(g.rsa, g.rsa_leaf, PASS, ALIAS, &out);
	d = (unsigned char *)out.data;
	layout_of(d, out.len, &l);
	u16s[n16++] = l.alias_len;
	u16s[n16++] = l.type_len[0];
	u16s[n16++] = l.type_len[1];
	u32s[n32++] = 8;		/* entry count */
	u32s[n32++] = l.key_len;
	u32s[n32++] = l.cert_len[0];
	u32s[n32++] = l.cert_len[1];
	copy = malloc(out.len);
	assert_non_null(copy);
	for (i = 0; i < n16; i++) {
		v = get_u16(d + u16s[i]);
		unsigned vals[] = { 0xffff, 0, v + 1, v - 1 };

		for (j = 0; j < 4; j++) {
			memcpy(copy, d, out.len);
			set_u16(copy + u16s[i], vals[j] & 0xffff);
			rehash(copy, out.len, PASS);
			jks_read_fails(copy, out.len, PASS, 0);
		}
	}
	for (i = 0; i < n32; i++) {
		uint32_t w = get_u32(d + u32s[i]);
		uint32_t vals[] = { big[0], big[1], big[2], big[3], 0,
				    w + 1, w - 1 };

		for (j = 0; j < sizeof(vals) / sizeof(vals[0]); j++) {
			memcpy(copy, d, out.len);
			set_u32(copy + u32s[i], vals[j]);
			rehash(copy, out.len, PASS);
			jks_read_fails(copy, out.len, PASS, 0);
			if (j < 4)
				jks_read_fails(copy, out.len, PASS,
					       CC_EINVAL);
		}
	}
	/* chain count: too many, too few, absurd */
	for (j = 0; j < 4; j++) {
		uint32_t vals[] = { 3, 1, 0, 0xffffffffu };

		memcpy(copy, d, out.len);
		set_u32(copy + l.chain_n, vals[j]);
		rehash(copy, out.len, PASS);
		jks_read_fails(copy, out.len, PASS, CC_EINVAL);
	}
	free(copy);
	cc_buf_release(&out);
}

/* Damage inside the protected key, with a valid keystore trailer. */
static void keystore_jks_bad_protected_key(void **state)
{
	struct cc_buf out = CC_BUF_INIT;
	unsigned char *d, *copy;
	struct layout l;
	size_t klen, i, oid_at;

	(void)state;
	jks_write_ok(g.ec, g.ec_leaf, PASS, ALIAS, &out);
	d = (unsigned char *)out.data;
	layout_of(d, out.len, &l);
	klen = get_u32(d + l.key_len);
	copy = malloc(out.len);
	assert_non_null(copy);
	/* last byte of the check digest -> the key password is wrong */
	memcpy(copy, d, out.len);
	copy[l.key + klen - 1] ^= 1;
	rehash(copy, out.len, PASS);
	jks_read_fails(copy, out.len, PASS, CC_EPASSWORD);
	/* a ciphertext byte -> check digest mismatch as well */
	memcpy(copy, d, out.len);
	copy[l.key + klen - 30] ^= 1;
	rehash(copy, out.len, PASS);
	jks_read_fails(copy, out.len, PASS, CC_EPASSWORD);
	/* other key protection OID (last arc 1 -> 2) */
	for (oid_at = l.key; oid_at < l.key + 16; oid_at++)
		if (memcmp(d + oid_at, protector_oid, sizeof(protector_oid))
		    == 0)
			break;
	assert_true(oid_at < l.key + 16);
	oid_at += sizeof(protector_oid) - 1;
	assert_int_equal(d[oid_at], 0x01);
	memcpy(copy, d, out.len);
	copy[oid_at] = 0x02;
	rehash(copy, out.len, PASS);
	jks_read_fails(copy, out.len, PASS, CC_EUNSUPPORTED);
	/* every byte of the DER header and algorithm: never accepted */
	for (i = 0; i < 20; i++) {
		memcpy(copy, d, out.len);
		copy[l.key + i] ^= 0x80;
		rehash(copy, out.len, PASS);
		jks_read_fails(copy, out.len, PASS, 0);
	}
	/* a broken certificate DER */
	memcpy(copy, d, out.len);
	copy[l.cert_len[1] + 4] = 0x31;
	rehash(copy, out.len, PASS);
	jks_read_fails(copy, out.len, PASS, CC_EINVAL);
	/* certificate type other than X.509 */
	memcpy(copy, d, out.len);
	copy[l.type_len[1] + 2] = 'Y';
	rehash(copy, out.len, PASS);
	jks_read_fails(copy, out.len, PASS, CC_EUNSUPPORTED);
	free(copy);
	cc_buf_release(&out);
}

static void keystore_jks_garbage(void **state)
{
	unsigned char buf[512];
	size_t sizes[] = { 0, 1, 4, 31, 32, 33, 100, 512 };
	size_t i, round;

	(void)state;
	jks_read_fails(NULL, 0, PASS, CC_EINVAL);
	jks_read_fails("hello", 5, PASS, CC_EINVAL);
	for (round = 0; round < 20; round++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			assert_int_equal(RAND_bytes(buf, sizeof(buf)), 1);
			jks_read_fails(buf, sizes[i], PASS, CC_EINVAL);
			/* right magic and version, random rest */
			if (sizes[i] >= 8) {
				set_u32(buf, 0xFEEDFEEDu);
				set_u32(buf + 4, 2);
				jks_read_fails(buf, sizes[i], PASS, 0);
			}
		}
	}
	/* JCEKS and unknown versions */
	memset(buf, 0, 64);
	set_u32(buf, 0xCECECECEu);
	set_u32(buf + 4, 2);
	jks_read_fails(buf, 64, PASS, CC_EUNSUPPORTED);
	set_u32(buf, 0xFEEDFEEDu);
	set_u32(buf + 4, 3);
	jks_read_fails(buf, 64, PASS, CC_EUNSUPPORTED);
	/* an empty keystore (no entries) with a valid trailer */
	set_u32(buf + 4, 2);
	set_u32(buf + 8, 0);
	rehash(buf, 32, PASS);
	jks_read_fails(buf, 32, PASS, CC_ENOENT);
	jks_read_fails(buf, 32, "other", CC_EPASSWORD);
	/* unknown entry tag */
	set_u32(buf + 8, 1);
	set_u32(buf + 12, 3);
	rehash(buf, 64, PASS);
	jks_read_fails(buf, 64, PASS, CC_EINVAL);
}

/*
 * Hand-built keystore: a trusted certificate entry before the key entry
 * (as keytool writes them), in version 2 or version 1 (no cert types).
 */
static void build_jks(struct cc_buf *b, uint32_t version,
		      const unsigned char *prot, size_t plen, int with_key)
{
	X509 *chain[2] = { g.ec_leaf, g.root };
	unsigned char *der;
	int len;
	size_t i;

	add_u32(b, 0xFEEDFEEDu);
	add_u32(b, version);
	add_u32(b, with_key ? 2 : 1);
	/* tag 2: trusted certificate "ca" */
	add_u32(b, 2);
	add_u16(b, 2);
	assert_int_equal(cc_buf_adds(b, "ca"), CC_OK);
	add_u32(b, 0);
	add_u32(b, 12345);
	if (version == 2) {
		add_u16(b, 5);
		assert_int_equal(cc_buf_adds(b, "X.509"), CC_OK);
	}
	der = NULL;
	len = i2d_X509(g.root, &der);
	assert_true(len > 0);
	add_u32(b, (uint32_t)len);
	assert_int_equal(cc_buf_add(b, der, (size_t)len), CC_OK);
	OPENSSL_free(der);
	if (with_key) {
		add_u32(b, 1);
		add_u16(b, 3);
		assert_int_equal(cc_buf_adds(b, "key"), CC_OK);
		add_u32(b, 0);
		add_u32(b, 6789);
		add_u32(b, (uint32_t)plen);
		assert_int_equal(cc_buf_add(b, prot, plen), CC_OK);
		add_u32(b, 2);
		for (i = 0; i < 2; i++) {
			if (version == 2) {
				add_u16(b, 5);
				assert_int_equal(cc_buf_adds(b, "X.509"),
						 CC_OK);
			}
			der = NULL;
			len = i2d_X509(chain[i], &der);
			assert_true(len > 0);
			add_u32(b, (uint32_t)len);
			assert_int_equal(cc_buf_add(b, der, (size_t)len),
					 CC_OK);
			OPENSSL_free(der);
		}
	}
	assert_int_equal(cc_buf_add(b, "01234567890123456789", 20), CC_OK);
	rehash((unsigned char *)b->data, b->len, PASS);
}

static void keystore_jks_trusted_entries_and_v1(void **state)
{
	X509 *chain[2] = { g.ec_leaf, g.root };
	struct cc_buf out = CC_BUF_INIT, b = CC_BUF_INIT;
	const unsigned char *d;
	struct layout l;
	size_t plen;
	uint32_t version;

	(void)state;
	jks_write_ok(g.ec, g.ec_leaf, PASS, ALIAS, &out);
	d = (const unsigned char *)out.data;
	layout_of(d, out.len, &l);
	plen = get_u32(d + l.key_len);
	for (version = 1; version <= 2; version++) {
		cc_buf_reset(&b);
		build_jks(&b, version, d + l.key, plen, 1);
		jks_read_ok(b.data, b.len, PASS, g.ec, chain, 2);
		jks_read_fails(b.data, b.len, "nope", CC_EPASSWORD);
		cc_buf_reset(&b);
		build_jks(&b, version, NULL, 0, 0);
		jks_read_fails(b.data, b.len, PASS, CC_ENOENT);
	}
	cc_buf_release(&b);
	cc_buf_release(&out);
}

/* ------------------------------------------------------- external tools */

/* Absolute path of an executable (/usr/bin first, then $PATH), or 0. */
static int find_tool(const char *name, char *path, size_t size)
{
	const char *dirs, *p, *colon;
	size_t dlen;
	int n, i;

	n = snprintf(path, size, "/usr/bin/%s", name);
	if (n > 0 && (size_t)n < size && access(path, X_OK) == 0)
		return 1;
	dirs = getenv("PATH");
	if (!dirs)
		return 0;
	p = dirs;
	for (i = 0; i < 256 && *p; i++) {
		colon = strchr(p, ':');
		dlen = colon ? (size_t)(colon - p) : strlen(p);
		n = snprintf(path, size, "%.*s/%s", (int)dlen, p, name);
		if (dlen && n > 0 && (size_t)n < size &&
		    access(path, X_OK) == 0)
			return 1;
		if (!colon)
			break;
		p = colon + 1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run argv with stdin from /dev/null and stdout+stderr captured in out;
 * killed after timeout_s. Returns the exit status, or -1.
 */
static int run_cmd(char *const argv[], struct cc_buf *out, int timeout_s)
{
	double deadline = now_s() + timeout_s;
	struct pollfd pfd;
	char buf[4096];
	int fds[2], st = 0, devnull, done = 0;
	ssize_t r;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		devnull = open("/dev/null", O_RDONLY);
		if (devnull < 0 || dup2(devnull, 0) < 0 ||
		    dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0)
			_exit(126);
		close(fds[0]);
		close(fds[1]);
		close(devnull);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (!done && now_s() < deadline) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		r = read(fds[0], buf, sizeof(buf));
		if (r > 0)
			assert_int_equal(cc_buf_add(out, buf, (size_t)r),
					 CC_OK);
		else if (r == 0 || errno != EINTR)
			done = 1;
	}
	close(fds[0]);
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now_s() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		usleep(10000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct tmpdir {
	char dir[256];
	char files[8][320];
	int n;
};

static const char *tmp_file(struct tmpdir *t, const char *name,
			    const void *data, size_t len)
{
	char dir[sizeof(t->dir)];
	char *p;

	assert_true(t->n < 8);
	memcpy(dir, t->dir, sizeof(dir));
	p = t->files[t->n++];
	snprintf(p, sizeof(t->files[0]), "%s/%s", dir, name);
	if (data)
		assert_int_equal(cc_write_atomic(p, data, len, 0600, NULL),
				 CC_OK);
	return p;
}

static void tmp_init(struct tmpdir *t)
{
	const char *base = getenv("TMPDIR");

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "%s/certctl-ks-XXXXXX",
		 base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(t->dir));
}

static void tmp_cleanup(struct tmpdir *t)
{
	int i;

	if (!t->dir[0])
		return;
	for (i = 0; i < t->n; i++)
		unlink(t->files[i]);
	rmdir(t->dir);
	memset(t, 0, sizeof(*t));
}

/* The tool tests' directory, removed by the teardown even on failure. */
static struct tmpdir g_tmp;

static int teardown_tmp(void **state)
{
	(void)state;
	tmp_cleanup(&g_tmp);
	return 0;
}

static void dump_on_fail(int rc, const struct cc_buf *out)
{
	if (rc != 0)
		print_error("%s\n", out->data ? out->data : "");
}

/*
 * keytool lists our JKS, then copies it into a JKS of its own (which needs
 * our integrity hash and key protection to be right); cc_jks_read must read
 * keytool's file back (keytool omits the NULL algorithm parameters).
 */
static void keystore_jks_keytool(void **state)
{
	char keytool[512];
	X509 *chain[2] = { g.rsa_leaf, g.root };
	struct cc_buf jks = CC_BUF_INIT, o = CC_BUF_INIT, conv = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	const char *pwf, *jf, *cf;
	struct tmpdir *t = &g_tmp;
	int rc;

	(void)state;
	if (!find_tool("keytool", keytool, sizeof(keytool)))
		skip();
	tmp_init(t);
	jks_write_ok(g.rsa, g.rsa_leaf, PASS, ALIAS, &jks);
	pwf = tmp_file(t, "pw", PASS "\n", strlen(PASS) + 1);
	jf = tmp_file(t, "a.jks", jks.data, jks.len);
	cf = tmp_file(t, "b.jks", NULL, 0);
	{
		char *argv[] = {
			keytool, "-list", "-v", "-keystore", (char *)jf,
			"-storetype", "JKS", "-storepass:file", (char *)pwf,
			NULL,
		};

		rc = run_cmd(argv, &o, 120);
		dump_on_fail(rc, &o);
		assert_int_equal(rc, 0);
		assert_non_null(strstr(o.data, "Entry type: PrivateKeyEntry"));
		assert_non_null(strstr(o.data, "Alias name: " ALIAS));
		assert_non_null(strstr(o.data,
				       "Certificate chain length: 2"));
		assert_non_null(strstr(o.data, "CN=rsa.example.test"));
	}
	cc_buf_reset(&o);
	{
		char *argv[] = {
			keytool, "-importkeystore", "-noprompt",
			"-srckeystore", (char *)jf, "-srcstoretype", "JKS",
			"-srcstorepass:file", (char *)pwf,
			"-destkeystore", (char *)cf, "-deststoretype", "JKS",
			"-deststorepass:file", (char *)pwf, NULL,
		};

		rc = run_cmd(argv, &o, 120);
		dump_on_fail(rc, &o);
		assert_int_equal(rc, 0);
		assert_non_null(strstr(o.data, "1 entries successfully"));
	}
	assert_int_equal(cc_read_file(cf, &conv, &err), CC_OK);
	assert_true(conv.len > 100);
	assert_true(contains(conv.data, conv.len, ALIAS, strlen(ALIAS)));
	/* re-encrypted by keytool: not our bytes */
	assert_false(conv.len == jks.len &&
		     memcmp(conv.data, jks.data, jks.len) == 0);
	jks_read_ok(conv.data, conv.len, PASS, g.rsa, chain, 2);
	jks_read_fails(conv.data, conv.len, "wrong-pass", CC_EPASSWORD);
	tmp_cleanup(t);
	cc_buf_release(&jks);
	cc_buf_release(&o);
	cc_buf_release(&conv);
}

static void p12_openssl_info(enum cc_p12_flavor fl)
{
	char openssl[512];
	struct cc_buf der = CC_BUF_INIT, o = CC_BUF_INIT;
	const char *pwf, *pf;
	struct tmpdir *t = &g_tmp;
	char passin[400];
	PKCS12 *p;
	int rc;

	if (!find_tool("openssl", openssl, sizeof(openssl)))
		skip();
	tmp_init(t);
	p = p12_write_ok(g.ec, g.ec_leaf, PASS, ALIAS, fl, &der);
	PKCS12_free(p);
	pwf = tmp_file(t, "pw", PASS "\n", strlen(PASS) + 1);
	pf = tmp_file(t, "a.p12", der.data, der.len);
	snprintf(passin, sizeof(passin), "file:%s", pwf);
	{
		char *argv[] = {
			openssl, "pkcs12", "-in", (char *)pf, "-info",
			"-noout", "-passin", passin,
			fl == CC_P12_LEGACY ? "-legacy" : NULL, NULL,
		};

		rc = run_cmd(argv, &o, 60);
		dump_on_fail(rc, &o);
		assert_int_equal(rc, 0);
	}
	if (fl == CC_P12_MODERN) {
		assert_non_null(strstr(o.data, "MAC: sha256"));
		assert_non_null(strstr(o.data, "AES-256-CBC"));
		assert_non_null(strstr(o.data, "hmacWithSHA256"));
	} else {
		assert_non_null(strstr(o.data, "MAC: sha1"));
		assert_non_null(strstr(o.data,
				       "pbeWithSHA1And3-KeyTripleDES-CBC"));
	}
	/* the wrong password is refused */
	cc_buf_reset(&o);
	{
		char *argv[] = {
			openssl, "pkcs12", "-in", (char *)pf, "-info",
			"-noout", "-passin", "pass:wrong",
			fl == CC_P12_LEGACY ? "-legacy" : NULL, NULL,
		};

		rc = run_cmd(argv, &o, 60);
		assert_int_not_equal(rc, 0);
	}
	tmp_cleanup(t);
	cc_buf_release(&der);
	cc_buf_release(&o);
}

static void keystore_p12_modern_openssl_cli(void **state)
{
	(void)state;
	p12_openssl_info(CC_P12_MODERN);
}

static void keystore_p12_legacy_openssl_cli(void **state)
{
	(void)state;
	p12_openssl_info(CC_P12_LEGACY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keystore_p12_modern_roundtrip_ec),
		cmocka_unit_test(keystore_p12_modern_roundtrip_rsa),
		cmocka_unit_test(keystore_p12_legacy_roundtrip_ec),
		cmocka_unit_test(keystore_p12_legacy_roundtrip_rsa),
		cmocka_unit_test(keystore_p12_default_alias_and_empty_pass),
		cmocka_unit_test(keystore_p12_appends_to_out),
		cmocka_unit_test(keystore_bad_arguments),
		cmocka_unit_test(keystore_jks_roundtrip_ec),
		cmocka_unit_test(keystore_jks_roundtrip_rsa),
		cmocka_unit_test(keystore_jks_single_cert_chain),
		cmocka_unit_test(keystore_jks_layout),
		cmocka_unit_test(keystore_jks_unicode_password),
		cmocka_unit_test(keystore_jks_unicode_alias),
		cmocka_unit_test(keystore_jks_wrong_password),
		cmocka_unit_test(keystore_jks_truncated_everywhere),
		cmocka_unit_test(keystore_jks_bitflip_everywhere),
		cmocka_unit_test(keystore_jks_bad_length_prefixes),
		cmocka_unit_test(keystore_jks_bad_protected_key),
		cmocka_unit_test(keystore_jks_garbage),
		cmocka_unit_test(keystore_jks_trusted_entries_and_v1),
		cmocka_unit_test_teardown(keystore_jks_keytool,
					  teardown_tmp),
		cmocka_unit_test_teardown(keystore_p12_modern_openssl_cli,
					  teardown_tmp),
		cmocka_unit_test_teardown(keystore_p12_legacy_openssl_cli,
					  teardown_tmp),
	};

	return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
