/* Tests for lib/jws.c: JWK, thumbprint, JWS signatures, EAB, key authz. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>

#include "b64.h"
#include "jws.h"
#include "testpki.h"

/* RFC 7638 section 3.1 */
static const char rfc7638_n[] =
	"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7"
	"aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBX"
	"Arwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9"
	"c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM"
	"4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
static const char rfc7638_thumb[] =
	"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

static void b64url_dec(const char *s, struct cc_buf *out)
{
	cc_buf_reset(out);
	assert_int_equal(cc_b64url_decode(s, strlen(s), out, NULL), CC_OK);
}

static EVP_PKEY *rfc7638_key(void)
{
	struct cc_buf nb = CC_BUF_INIT;
	OSSL_PARAM_BLD *bld;
	OSSL_PARAM *params;
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *key = NULL;
	BIGNUM *n, *e;

	b64url_dec(rfc7638_n, &nb);
	n = BN_bin2bn((unsigned char *)nb.data, (int)nb.len, NULL);
	e = BN_new();
	assert_non_null(n);
	assert_non_null(e);
	assert_true(BN_set_word(e, 65537));
	bld = OSSL_PARAM_BLD_new();
	assert_non_null(bld);
	assert_true(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n));
	assert_true(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e));
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_non_null(params);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY,
					   params), 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	cc_buf_release(&nb);
	return key;
}

static void jws_thumbprint_rfc7638(void **state)
{
	EVP_PKEY *key = rfc7638_key();
	struct cc_buf b = CC_BUF_INIT, expect = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	cJSON *jwk = NULL;
	char *text;

	(void)state;
	assert_string_equal(cc_jws_alg(key), "RS256");
	assert_int_equal(cc_jwk_thumbprint(key, &b, &err), CC_OK);
	assert_string_equal(b.data, rfc7638_thumb);
	assert_int_equal(cc_jwk_new(key, &jwk, &err), CC_OK);
	text = cJSON_PrintUnformatted(jwk);
	assert_non_null(text);
	assert_int_equal(cc_buf_addf(&expect,
				     "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"%s\"}",
				     rfc7638_n), CC_OK);
	assert_string_equal(text, expect.data);
	cJSON_free(text);
	cJSON_Delete(jwk);
	cc_buf_release(&b);
	cc_buf_release(&expect);
	EVP_PKEY_free(key);
}

static void jws_jwk_ec_members(void **state)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	struct cc_buf b = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	cJSON *jwk = NULL, *it;
	const char *order[] = { "crv", "kty", "x", "y" };
	size_t i = 0;

	(void)state;
	assert_non_null(key);
	assert_string_equal(cc_jws_alg(key), "ES384");
	assert_int_equal(cc_jwk_new(key, &jwk, &err), CC_OK);
	cJSON_ArrayForEach(it, jwk) {
		assert_true(i < 4);
		assert_string_equal(it->string, order[i]);
		i++;
	}
	assert_int_equal(i, 4);
	assert_string_equal(cJSON_GetObjectItem(jwk, "crv")->valuestring,
			    "P-384");
	assert_string_equal(cJSON_GetObjectItem(jwk, "kty")->valuestring,
			    "EC");
	b64url_dec(cJSON_GetObjectItem(jwk, "x")->valuestring, &b);
	assert_int_equal(b.len, 48);
	b64url_dec(cJSON_GetObjectItem(jwk, "y")->valuestring, &b);
	assert_int_equal(b.len, 48);
	/* the thumbprint is 32 bytes of base64url */
	cc_buf_reset(&b);
	assert_int_equal(cc_jwk_thumbprint(key, &b, &err), CC_OK);
	assert_int_equal(b.len, 43);
	cJSON_Delete(jwk);
	cc_buf_release(&b);
	EVP_PKEY_free(key);
}

static void jws_unsupported_keys(void **state)
{
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	struct cc_buf b = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	cJSON *jwk = NULL;

	(void)state;
	assert_non_null(ed);
	assert_non_null(p521);
	assert_null(cc_jws_alg(ed));
	assert_null(cc_jws_alg(p521));
	assert_null(cc_jws_alg(NULL));
	assert_int_equal(cc_jwk_new(ed, &jwk, &err), CC_EUNSUPPORTED);
	assert_null(jwk);
	assert_int_equal(cc_jws_sign(p521, "kid", "n", "https://x/", "{}", &b,
				     &err), CC_EUNSUPPORTED);
	assert_int_equal(err.code, CC_EUNSUPPORTED);
	assert_int_equal(b.len, 0);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(p521);
}

struct parsed {
	cJSON *jws;
	cJSON *hdr;
	struct cc_buf payload;
	struct cc_buf sig;
	struct cc_buf input;
};

static void parse_jws(const char *text, struct parsed *p)
{
	struct cc_buf h = CC_BUF_INIT;
	cJSON *prot, *pay, *sig;

	memset(p, 0, sizeof(*p));
	p->jws = cJSON_Parse(text);
	assert_non_null(p->jws);
	assert_int_equal(cJSON_GetArraySize(p->jws), 3);
	prot = cJSON_GetObjectItemCaseSensitive(p->jws, "protected");
	pay = cJSON_GetObjectItemCaseSensitive(p->jws, "payload");
	sig = cJSON_GetObjectItemCaseSensitive(p->jws, "signature");
	assert_true(cJSON_IsString(prot));
	assert_true(cJSON_IsString(pay));
	assert_true(cJSON_IsString(sig));
	b64url_dec(prot->valuestring, &h);
	p->hdr = cJSON_Parse(h.data);
	assert_non_null(p->hdr);
	b64url_dec(pay->valuestring, &p->payload);
	assert_non_null(p->payload.data);
	b64url_dec(sig->valuestring, &p->sig);
	assert_int_equal(cc_buf_addf(&p->input, "%s.%s", prot->valuestring,
				     pay->valuestring), CC_OK);
	cc_buf_release(&h);
}

static void parsed_release(struct parsed *p)
{
	cJSON_Delete(p->jws);
	cJSON_Delete(p->hdr);
	cc_buf_release(&p->payload);
	cc_buf_release(&p->sig);
	cc_buf_release(&p->input);
}

static const char *hdr_str(const struct parsed *p, const char *name)
{
	cJSON *it = cJSON_GetObjectItemCaseSensitive(p->hdr, name);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* Verify p's signature with key (raw r||s converted back to DER for EC). */
static int verify(EVP_PKEY *key, const struct parsed *p, const char *md,
		  size_t ec_half)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	const unsigned char *sig = (const unsigned char *)p->sig.data;
	size_t siglen = p->sig.len;
	ECDSA_SIG *es = NULL;
	int len, ok;

	assert_non_null(ctx);
	if (ec_half) {
		assert_int_equal(p->sig.len, ec_half * 2);
		es = ECDSA_SIG_new();
		assert_non_null(es);
		assert_int_equal(ECDSA_SIG_set0(es,
			BN_bin2bn(sig, (int)ec_half, NULL),
			BN_bin2bn(sig + ec_half, (int)ec_half, NULL)), 1);
		len = i2d_ECDSA_SIG(es, &der);
		assert_true(len > 0);
		sig = der;
		siglen = (size_t)len;
	}
	assert_int_equal(EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL,
						 key, NULL), 1);
	ok = EVP_DigestVerify(ctx, sig, siglen,
			      (const unsigned char *)p->input.data,
			      p->input.len) == 1;
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(ctx);
	return ok;
}

static void check_sign(EVP_PKEY *key, const char *alg, const char *md,
		       size_t ec_half)
{
	struct cc_buf out = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	struct parsed p;

	assert_int_equal(cc_jws_sign(key, "https://ca.test/acct/7", "nonce-1",
				     "https://ca.test/new-order",
				     "{\"identifiers\":[]}", &out, &err),
			 CC_OK);
	parse_jws(out.data, &p);
	assert_string_equal(hdr_str(&p, "alg"), alg);
	assert_string_equal(hdr_str(&p, "kid"), "https://ca.test/acct/7");
	assert_string_equal(hdr_str(&p, "nonce"), "nonce-1");
	assert_string_equal(hdr_str(&p, "url"), "https://ca.test/new-order");
	assert_null(cJSON_GetObjectItem(p.hdr, "jwk"));
	assert_int_equal(cJSON_GetArraySize(p.hdr), 4);
	assert_string_equal(p.payload.data, "{\"identifiers\":[]}");
	if (!ec_half)
		assert_int_equal(p.sig.len, (size_t)EVP_PKEY_get_size(key));
	assert_true(verify(key, &p, md, ec_half));
	/* a tampered signing input must not verify */
	p.input.data[p.input.len - 1] ^= 1;
	assert_false(verify(key, &p, md, ec_half));
	parsed_release(&p);
	cc_buf_release(&out);
}

static void jws_sign_es256(void **state)
{
	EVP_PKEY *key = tp_key_ec();
	int i;

	(void)state;
	assert_string_equal(cc_jws_alg(key), "ES256");
	/* repeat: some r or s values have leading zero bytes to pad */
	for (i = 0; i < 40; i++)
		check_sign(key, "ES256", "SHA256", 32);
	EVP_PKEY_free(key);
}

static void jws_sign_es384(void **state)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");

	(void)state;
	assert_non_null(key);
	check_sign(key, "ES384", "SHA384", 48);
	EVP_PKEY_free(key);
}

static void jws_sign_rs256(void **state)
{
	EVP_PKEY *key = tp_key_rsa(2048);

	(void)state;
	check_sign(key, "RS256", "SHA256", 0);
	EVP_PKEY_free(key);
}

static void jws_sign_jwk_no_nonce_post_as_get(void **state)
{
	EVP_PKEY *key = tp_key_ec();
	struct cc_buf out = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	struct parsed p;
	cJSON *jwk = NULL, *hjwk;

	(void)state;
	/* jwk instead of kid, no nonce (keyChange inner JWS) */
	assert_int_equal(cc_jws_sign(key, NULL, NULL, "https://ca.test/kc",
				     "{\"a\":1}", &out, &err), CC_OK);
	parse_jws(out.data, &p);
	assert_null(cJSON_GetObjectItem(p.hdr, "kid"));
	assert_null(cJSON_GetObjectItem(p.hdr, "nonce"));
	hjwk = cJSON_GetObjectItemCaseSensitive(p.hdr, "jwk");
	assert_true(cJSON_IsObject(hjwk));
	assert_int_equal(cc_jwk_new(key, &jwk, &err), CC_OK);
	assert_true(cJSON_Compare(hjwk, jwk, 1));
	assert_true(verify(key, &p, "SHA256", 32));
	parsed_release(&p);

	/* POST-as-GET: empty payload, NULL and "" alike */
	cc_buf_reset(&out);
	assert_int_equal(cc_jws_sign(key, "k", "n", "https://ca.test/o",
				     NULL, &out, &err), CC_OK);
	parse_jws(out.data, &p);
	assert_string_equal(cJSON_GetObjectItem(p.jws, "payload")->valuestring,
			    "");
	assert_int_equal(p.payload.len, 0);
	assert_true(verify(key, &p, "SHA256", 32));
	parsed_release(&p);
	cc_buf_reset(&out);
	assert_int_equal(cc_jws_sign(key, "k", "n", "https://ca.test/o", "",
				     &out, &err), CC_OK);
	parse_jws(out.data, &p);
	assert_string_equal(cJSON_GetObjectItem(p.jws, "payload")->valuestring,
			    "");
	parsed_release(&p);
	cc_buf_reset(&out);
	assert_int_equal(cc_jws_sign(key, "k", "n", NULL, "", &out, &err),
			 CC_EINVAL);
	cJSON_Delete(jwk);
	cc_buf_release(&out);
	EVP_PKEY_free(key);
}

static void jws_eab_mac_verifies(void **state)
{
	static const unsigned char mac_key[] = "an eab hmac key of 32 bytes!!!!";
	EVP_PKEY *key = tp_key_ec();
	struct cc_buf k64 = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	unsigned char mac[32];
	size_t maclen = 0;
	cJSON *eab = NULL, *jwk = NULL, *pjwk;
	struct parsed p;
	char *text;

	(void)state;
	assert_int_equal(cc_b64url_encode(mac_key, 32, &k64), CC_OK);
	assert_int_equal(cc_jws_eab(key, "kid-123", k64.data,
				    "https://ca.test/new-acct", &eab, &err),
			 CC_OK);
	text = cJSON_PrintUnformatted(eab);
	parse_jws(text, &p);
	cJSON_free(text);
	assert_string_equal(hdr_str(&p, "alg"), "HS256");
	assert_string_equal(hdr_str(&p, "kid"), "kid-123");
	assert_string_equal(hdr_str(&p, "url"), "https://ca.test/new-acct");
	assert_null(cJSON_GetObjectItem(p.hdr, "nonce"));
	assert_int_equal(cJSON_GetArraySize(p.hdr), 3);
	/* payload = the account JWK */
	pjwk = cJSON_Parse(p.payload.data);
	assert_non_null(pjwk);
	assert_int_equal(cc_jwk_new(key, &jwk, &err), CC_OK);
	assert_true(cJSON_Compare(pjwk, jwk, 1));
	/* MAC */
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, mac_key,
				  32, (unsigned char *)p.input.data,
				  p.input.len, mac, sizeof(mac), &maclen));
	assert_int_equal(maclen, 32);
	assert_int_equal(p.sig.len, 32);
	assert_memory_equal(p.sig.data, mac, 32);
	parsed_release(&p);
	cJSON_Delete(eab);
	eab = NULL;

	/* a standard-base64 key is accepted too */
	cc_buf_reset(&k64);
	assert_int_equal(cc_b64_encode("\xfb\xff\xfe", 3, &k64), CC_OK);
	assert_string_equal(k64.data, "+//+");
	assert_int_equal(cc_jws_eab(key, "kid-1", k64.data, "https://x/",
				    &eab, &err), CC_OK);
	cJSON_Delete(eab);
	eab = NULL;

	/* bad keys: the message never contains the key */
	assert_int_equal(cc_jws_eab(key, "kid-1", "sec*ret!", "https://x/",
				    &eab, &err), CC_EINVAL);
	assert_null(eab);
	assert_null(strstr(err.msg, "sec*ret"));
	assert_int_equal(cc_jws_eab(key, "", "c2VjcmV0", "https://x/", &eab,
				    &err), CC_EINVAL);
	assert_int_equal(cc_jws_eab(key, "kid", "", "https://x/", &eab,
				    &err), CC_EINVAL);
	cJSON_Delete(pjwk);
	cJSON_Delete(jwk);
	cc_buf_release(&k64);
	EVP_PKEY_free(key);
}

static void jws_key_authorization_and_dns01(void **state)
{
	static const char token[] =
		"evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
	EVP_PKEY *key = rfc7638_key();
	struct cc_buf b = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	assert_int_equal(cc_jws_key_authorization(key, token, &b, &err),
			 CC_OK);
	assert_string_equal(b.data,
			    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA."
			    "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	cc_buf_reset(&b);
	/* openssl dgst -sha256 -binary | base64url of the line above */
	assert_int_equal(cc_jws_dns01_value(key, token, &b, &err), CC_OK);
	assert_string_equal(b.data,
			    "ZTRx1Ckl1-tM05o5zaizTTA0yUy5AGereMgSNWC6Ll8");
	cc_buf_reset(&b);
	assert_int_equal(cc_buf_adds(&b, "keep"), CC_OK);
	assert_int_equal(cc_jws_key_authorization(key, "../etc", &b, &err),
			 CC_EPROTO);
	assert_int_equal(cc_jws_key_authorization(key, "", &b, &err),
			 CC_EPROTO);
	assert_int_equal(cc_jws_dns01_value(key, "a.b", &b, &err),
			 CC_EPROTO);
	assert_string_equal(b.data, "keep");
	cc_buf_release(&b);
	EVP_PKEY_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jws_thumbprint_rfc7638),
		cmocka_unit_test(jws_jwk_ec_members),
		cmocka_unit_test(jws_unsupported_keys),
		cmocka_unit_test(jws_sign_es256),
		cmocka_unit_test(jws_sign_es384),
		cmocka_unit_test(jws_sign_rs256),
		cmocka_unit_test(jws_sign_jwk_no_nonce_post_as_get),
		cmocka_unit_test(jws_eab_mac_verifies),
		cmocka_unit_test(jws_key_authorization_and_dns01),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
