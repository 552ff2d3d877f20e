#include "jws.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/sha.h>

#include "b64.h"

#define TOKEN_MAX 512

enum key_kind { KIND_NONE, KIND_P256, KIND_P384, KIND_RSA };

static enum key_kind key_kind(EVP_PKEY *key)
{
	char group[64];
	size_t glen = 0;
	int nid;

	if (!key)
		return KIND_NONE;
	if (EVP_PKEY_is_a(key, "RSA"))
		return KIND_RSA;
	if (!EVP_PKEY_is_a(key, "EC"))
		return KIND_NONE;
	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
					    group, sizeof(group), &glen))
		return KIND_NONE;
	nid = OBJ_txt2nid(group);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(group);
	if (nid == NID_X9_62_prime256v1)
		return KIND_P256;
	if (nid == NID_secp384r1)
		return KIND_P384;
	return KIND_NONE;
}

const char *cc_jws_alg(EVP_PKEY *key)
{
	switch (key_kind(key)) {
	case KIND_P256: return "ES256";
	case KIND_P384: return "ES384";
	case KIND_RSA: return "RS256";
	default: return NULL;
	}
}

/* Add base64url(bn) to obj: fixed width (pad > 0) or minimal bytes. */
static int add_bn(cJSON *obj, const char *name, EVP_PKEY *key,
		  const char *param, int pad, struct cc_err *err)
{
	BIGNUM *bn = NULL;
	unsigned char *bin = NULL;
	struct cc_buf b64 = CC_BUF_INIT;
	int n, ret = CC_OK;

	if (!EVP_PKEY_get_bn_param(key, param, &bn)) {
		ret = cc_err_openssl(err, CC_ECRYPTO,
				     "cannot read the public key");
		goto out;
	}
	n = pad > 0 ? pad : BN_num_bytes(bn);
	if (n <= 0 || BN_num_bytes(bn) > n) {
		ret = cc_err_set(err, CC_ECRYPTO, "bad public key value");
		goto out;
	}
	bin = malloc((size_t)n);
	if (!bin || BN_bn2binpad(bn, bin, n) != n ||
	    cc_b64url_encode(bin, (size_t)n, &b64) ||
	    !cJSON_AddStringToObject(obj, name, b64.data)) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
out:
	free(bin);
	BN_free(bn);
	cc_buf_release(&b64);
	return ret;
}

int cc_jwk_new(EVP_PKEY *key, cJSON **out, struct cc_err *err)
{
	enum key_kind kind = key_kind(key);
	cJSON *jwk = NULL;
	int ret = CC_OK, size;

	*out = NULL;
	if (kind == KIND_NONE) {
		ret = cc_err_set(err, CC_EUNSUPPORTED,
				 "unsupported account key type (use ec:p256, "
				 "ec:p384 or rsa)");
		goto out;
	}
	jwk = cJSON_CreateObject();
	if (!jwk)
		goto oom;
	if (kind == KIND_RSA) {
		ret = add_bn(jwk, "e", key, OSSL_PKEY_PARAM_RSA_E, 0, err);
		if (ret)
			goto out;
		if (!cJSON_AddStringToObject(jwk, "kty", "RSA"))
			goto oom;
		ret = add_bn(jwk, "n", key, OSSL_PKEY_PARAM_RSA_N, 0, err);
		if (ret)
			goto out;
	} else {
		size = kind == KIND_P256 ? 32 : 48;
		if (!cJSON_AddStringToObject(jwk, "crv", kind == KIND_P256 ?
					     "P-256" : "P-384") ||
		    !cJSON_AddStringToObject(jwk, "kty", "EC"))
			goto oom;
		ret = add_bn(jwk, "x", key, OSSL_PKEY_PARAM_EC_PUB_X, size,
			     err);
		if (!ret)
			ret = add_bn(jwk, "y", key, OSSL_PKEY_PARAM_EC_PUB_Y,
				     size, err);
		if (ret)
			goto out;
	}
	*out = jwk;
	jwk = NULL;
	goto out;
oom:
	ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cJSON_Delete(jwk);
	return ret;
}

int cc_jwk_thumbprint(EVP_PKEY *key, struct cc_buf *out, struct cc_err *err)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	cJSON *jwk = NULL;
	char *text = NULL;
	int ret;

	ret = cc_jwk_new(key, &jwk, err);
	if (ret)
		goto out;
	text = cJSON_PrintUnformatted(jwk);
	if (!text)
		goto oom;
	if (!EVP_Q_digest(NULL, "SHA256", NULL, text, strlen(text), md,
			  NULL)) {
		ret = cc_err_openssl(err, CC_ECRYPTO, "sha-256 failed");
		goto out;
	}
	if (cc_b64url_encode(md, sizeof(md), out))
		goto oom;
	goto out;
oom:
	ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cJSON_free(text);
	cJSON_Delete(jwk);
	return ret;
}

/* Convert a DER ECDSA signature to r||s, each n bytes, appended to out. */
static int ecdsa_der_to_raw(const unsigned char *der, size_t len, int n,
			    struct cc_buf *out, struct cc_err *err)
{
	const unsigned char *p = der;
	const BIGNUM *r, *s;
	ECDSA_SIG *sig;
	int ret = CC_OK;

	sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	if (!sig) {
		ret = cc_err_openssl(err, CC_ECRYPTO,
				     "cannot decode the ecdsa signature");
		goto out;
	}
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_num_bytes(r) > n || BN_num_bytes(s) > n) {
		ret = cc_err_set(err, CC_ECRYPTO, "bad ecdsa signature size");
		goto out;
	}
	if (cc_buf_grow(out, (size_t)n * 2)) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	BN_bn2binpad(r, (unsigned char *)out->data + out->len, n);
	BN_bn2binpad(s, (unsigned char *)out->data + out->len + n, n);
	out->len += (size_t)n * 2;
	out->data[out->len] = '\0';
out:
	ECDSA_SIG_free(sig);
	return ret;
}

/* The JWS signature of input with key, in JWS form, appended to out. */
static int sign_input(EVP_PKEY *key, const char *input, struct cc_buf *out,
		      struct cc_err *err)
{
	enum key_kind kind = key_kind(key);
	EVP_MD_CTX *ctx = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int ret = CC_OK;

	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	if (EVP_DigestSignInit_ex(ctx, NULL, kind == KIND_P384 ? "SHA384" :
				  "SHA256", NULL, NULL, key, NULL) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, (const unsigned char *)input,
			   strlen(input)) != 1) {
		ret = cc_err_openssl(err, CC_ECRYPTO, "cannot sign");
		goto out;
	}
	sig = malloc(siglen);
	if (!sig) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	if (EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)input,
			   strlen(input)) != 1) {
		ret = cc_err_openssl(err, CC_ECRYPTO, "cannot sign");
		goto out;
	}
	if (kind == KIND_RSA) {
		if (cc_buf_add(out, sig, siglen))
			ret = cc_err_set(err, CC_ENOMEM, "out of memory");
	} else {
		ret = ecdsa_der_to_raw(sig, siglen, kind == KIND_P256 ? 32 : 48,
				       out, err);
	}
out:
	free(sig);
	EVP_MD_CTX_free(ctx);
	return ret;
}

/*
 * Build {"protected":b64(hdr),"payload":b64(payload),"signature":...} where
 * the signature comes from either key (asymmetric) or mac_key (HS256).
 */
static int jws_build(cJSON *hdr, const char *payload, EVP_PKEY *key,
		     const struct cc_buf *mac_key, cJSON **out,
		     struct cc_err *err)
{
	struct cc_buf prot = CC_BUF_INIT, pay = CC_BUF_INIT;
	struct cc_buf input = CC_BUF_INIT, sig = CC_BUF_INIT;
	struct cc_buf sig64 = CC_BUF_INIT;
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t maclen = 0;
	char *hdr_text = NULL;
	cJSON *jws = NULL;
	int ret = CC_OK;

	*out = NULL;
	if (!payload)
		payload = "";
	hdr_text = cJSON_PrintUnformatted(hdr);
	if (!hdr_text ||
	    cc_b64url_encode(hdr_text, strlen(hdr_text), &prot) ||
	    cc_b64url_encode(payload, strlen(payload), &pay) ||
	    cc_buf_addf(&input, "%s.%s", prot.data, pay.data))
		goto oom;
	if (mac_key) {
		if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL,
			       mac_key->data, mac_key->len,
			       (const unsigned char *)input.data, input.len,
			       mac, sizeof(mac), &maclen)) {
			ret = cc_err_openssl(err, CC_ECRYPTO,
					     "hmac-sha256 failed");
			goto out;
		}
		if (cc_buf_add(&sig, mac, maclen))
			goto oom;
		OPENSSL_cleanse(mac, sizeof(mac));
	} else {
		ret = sign_input(key, input.data, &sig, err);
		if (ret)
			goto out;
	}
	if (cc_b64url_encode(sig.data, sig.len, &sig64))
		goto oom;
	jws = cJSON_CreateObject();
	if (!jws || !cJSON_AddStringToObject(jws, "protected", prot.data) ||
	    !cJSON_AddStringToObject(jws, "payload", pay.data) ||
	    !cJSON_AddStringToObject(jws, "signature", sig64.data))
		goto oom;
	*out = jws;
	jws = NULL;
	goto out;
oom:
	ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cJSON_Delete(jws);
	cJSON_free(hdr_text);
	cc_buf_release(&prot);
	cc_buf_release(&pay);
	cc_buf_release(&input);
	cc_buf_release(&sig);
	cc_buf_release(&sig64);
	return ret;
}

int cc_jws_sign(EVP_PKEY *key, const char *kid, const char *nonce,
		const char *url, const char *payload, struct cc_buf *out,
		struct cc_err *err)
{
	const char *alg = cc_jws_alg(key);
	cJSON *hdr = NULL, *jwk = NULL, *jws = NULL;
	char *text = NULL;
	int ret = CC_OK;

	if (!alg) {
		ret = cc_err_set(err, CC_EUNSUPPORTED,
				 "unsupported account key type (use ec:p256, "
				 "ec:p384 or rsa)");
		goto out;
	}
	if (!url) {
		ret = cc_err_set(err, CC_EINVAL, "jws without a url");
		goto out;
	}
	hdr = cJSON_CreateObject();
	if (!hdr || !cJSON_AddStringToObject(hdr, "alg", alg))
		goto oom;
	if (kid) {
		if (!cJSON_AddStringToObject(hdr, "kid", kid))
			goto oom;
	} else {
		ret = cc_jwk_new(key, &jwk, err);
		if (ret)
			goto out;
		cJSON_AddItemToObject(hdr, "jwk", jwk);
		jwk = NULL;
	}
	if (nonce && !cJSON_AddStringToObject(hdr, "nonce", nonce))
		goto oom;
	if (!cJSON_AddStringToObject(hdr, "url", url))
		goto oom;
	ret = jws_build(hdr, payload, key, NULL, &jws, err);
	if (ret)
		goto out;
	text = cJSON_PrintUnformatted(jws);
	if (!text || cc_buf_adds(out, text))
		goto oom;
	goto out;
oom:
	ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cJSON_free(text);
	cJSON_Delete(jws);
	cJSON_Delete(jwk);
	cJSON_Delete(hdr);
	return ret;
}

int cc_jws_eab(EVP_PKEY *account_key, const char *eab_kid,
	       const char *hmac_key, const char *url, cJSON **out,
	       struct cc_err *err)
{
	struct cc_buf mac_key = CC_BUF_SECRET_INIT;
	cJSON *hdr = NULL, *jwk = NULL;
	char *jwk_text = NULL;
	int ret;

	*out = NULL;
	if (!eab_kid || !*eab_kid || !hmac_key || !*hmac_key || !url) {
		ret = cc_err_set(err, CC_EINVAL,
				 "external account binding needs a key id "
				 "and an hmac key");
		goto out;
	}
	if (cc_b64url_decode(hmac_key, strlen(hmac_key), &mac_key, NULL) &&
	    cc_b64_decode(hmac_key, strlen(hmac_key), &mac_key, NULL)) {
		ret = cc_err_set(err, CC_EINVAL,
				 "the eab hmac key is not base64url");
		goto out;
	}
	if (mac_key.len == 0) {
		ret = cc_err_set(err, CC_EINVAL, "the eab hmac key is empty");
		goto out;
	}
	ret = cc_jwk_new(account_key, &jwk, err);
	if (ret)
		goto out;
	jwk_text = cJSON_PrintUnformatted(jwk);
	hdr = cJSON_CreateObject();
	if (!jwk_text || !hdr ||
	    !cJSON_AddStringToObject(hdr, "alg", "HS256") ||
	    !cJSON_AddStringToObject(hdr, "kid", eab_kid) ||
	    !cJSON_AddStringToObject(hdr, "url", url)) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	ret = jws_build(hdr, jwk_text, NULL, &mac_key, out, err);
out:
	cc_buf_release(&mac_key);
	cJSON_free(jwk_text);
	cJSON_Delete(jwk);
	cJSON_Delete(hdr);
	return ret;
}

static int token_ok(const char *t)
{
	size_t i;

	if (!t || !*t)
		return 0;
	for (i = 0; t[i]; i++) {
		if (i >= TOKEN_MAX)
			return 0;
		if (!((t[i] >= 'A' && t[i] <= 'Z') ||
		      (t[i] >= 'a' && t[i] <= 'z') ||
		      (t[i] >= '0' && t[i] <= '9') ||
		      t[i] == '-' || t[i] == '_'))
			return 0;
	}
	return 1;
}

int cc_jws_key_authorization(EVP_PKEY *key, const char *token,
			     struct cc_buf *out, struct cc_err *err)
{
	size_t start = out->len;
	int ret;

	if (!token_ok(token))
		return cc_err_set(err, CC_EPROTO, "invalid challenge token");
	if (cc_buf_adds(out, token) || cc_buf_adds(out, "."))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	ret = cc_jwk_thumbprint(key, out, err);
	if (ret) {
		out->len = start;
		out->data[start] = '\0';
	}
	return ret;
}

int cc_jws_dns01_value(EVP_PKEY *key, const char *token, struct cc_buf *out,
		       struct cc_err *err)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	struct cc_buf ka = CC_BUF_INIT;
	int ret;

	ret = cc_jws_key_authorization(key, token, &ka, err);
	if (ret)
		goto out;
	if (!EVP_Q_digest(NULL, "SHA256", NULL, ka.data, ka.len, md, NULL)) {
		ret = cc_err_openssl(err, CC_ECRYPTO, "sha-256 failed");
		goto out;
	}
	if (cc_b64url_encode(md, sizeof(md), out))
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cc_buf_release(&ka);
	return ret;
}
