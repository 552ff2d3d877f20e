/*
 * JOSE for ACME (RFC 7515/7517/7638, RFC 8555 section 6.2): the JWK of an
 * account key, its thumbprint, flattened JSON JWS signatures, External
 * Account Binding and challenge key authorizations.
 *
 * Account keys: EC P-256 (ES256), EC P-384 (ES384) and RSA (RS256).
 */
#ifndef CERTCTL_JWS_H
#define CERTCTL_JWS_H

#include <stddef.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "buf.h"
#include "err.h"

/* "ES256", "ES384" or "RS256" for key; NULL if the key is not usable. */
const char *cc_jws_alg(EVP_PKEY *key);

/*
 * Public JWK of key as a new cJSON object holding only the required
 * members, in lexicographic order ({"crv","kty","x","y"} / {"e","kty","n"}),
 * so that printing it unformatted gives the RFC 7638 thumbprint input.
 * CC_EUNSUPPORTED for other key types or curves.
 */
int cc_jwk_new(EVP_PKEY *key, cJSON **out, struct cc_err *err);

/* base64url(SHA-256(canonical JWK)) (RFC 7638), appended to out. */
int cc_jwk_thumbprint(EVP_PKEY *key, struct cc_buf *out,
		      struct cc_err *err);

/*
 * Sign payload as a flattened JSON JWS and append the JSON text to out.
 * The protected header holds alg, then "kid": kid when kid is not NULL or
 * "jwk": <public JWK> otherwise, then "nonce" (omitted when NULL, as in the
 * inner keyChange JWS) and "url". payload NULL or "" gives the empty
 * payload of a POST-as-GET. ECDSA signatures are raw r||s (RFC 7518 3.4).
 */
int cc_jws_sign(EVP_PKEY *key, const char *kid, const char *nonce,
		const char *url, const char *payload, struct cc_buf *out,
		struct cc_err *err);

/*
 * External Account Binding (RFC 8555 7.3.4): an HS256 JWS over the JWK of
 * account_key with protected header {"alg":"HS256","kid":eab_kid,"url":url},
 * keyed with the base64url (or base64) decoded hmac_key. *out receives the
 * flattened JWS as a cJSON object to place in the newAccount payload as
 * "externalAccountBinding". The key never appears in error messages.
 */
int cc_jws_eab(EVP_PKEY *account_key, const char *eab_kid,
	       const char *hmac_key, const char *url, cJSON **out,
	       struct cc_err *err);

/*
 * Key authorization token "." thumbprint (RFC 8555 8.1), appended to out.
 * CC_EPROTO if the token is empty, longer than 512 characters or holds
 * characters outside the base64url alphabet (tokens become file names).
 */
int cc_jws_key_authorization(EVP_PKEY *key, const char *token,
			     struct cc_buf *out, struct cc_err *err);

/* dns-01 TXT value: base64url(SHA-256(key authorization)), appended. */
int cc_jws_dns01_value(EVP_PKEY *key, const char *token, struct cc_buf *out,
		       struct cc_err *err);

#endif
