/*
 * Private keys: generation, import (PEM, encrypted PEM, PKCS#8 PEM/DER),
 * serialisation and description. OpenSSL 3 EVP APIs only.
 */
#ifndef CERTCTL_KEY_H
#define CERTCTL_KEY_H

#include <stddef.h>

#include <openssl/evp.h>

#include "buf.h"
#include "err.h"

enum cc_key_alg { CC_KEY_RSA = 1, CC_KEY_EC = 2 };

struct cc_key_spec {
	enum cc_key_alg alg;
	int bits;		/* RSA: 2048, 3072, 4096; EC: 256, 384 */
};

/*
 * Parse "rsa:2048", "rsa:3072", "rsa:4096", "ec:p256", "ec:p384" (also
 * accepts "ec:p-256", "ec:prime256v1", "ec:secp384r1", "rsa" = rsa:2048,
 * "ec" = ec:p256). CC_EUSAGE with the list of valid types otherwise.
 */
int cc_key_spec_parse(const char *s, struct cc_key_spec *out,
		      struct cc_err *err);

/* Canonical text: "rsa:2048" ... "ec:p384". buf >= 16 bytes. */
void cc_key_spec_format(const struct cc_key_spec *spec, char *buf,
			size_t size);

/* Generate a new key. Caller frees with EVP_PKEY_free. */
int cc_key_generate(const struct cc_key_spec *spec, EVP_PKEY **out,
		    struct cc_err *err);

/*
 * Load a private key from memory: PEM (traditional or PKCS#8, encrypted or
 * not) or DER PKCS#8. pass may be NULL; an encrypted key without a password
 * or with a wrong one gives CC_EPASSWORD. Only RSA and EC keys are accepted.
 */
int cc_key_load(const void *data, size_t len, const char *pass,
		EVP_PKEY **out, struct cc_err *err);

/* Unencrypted PKCS#8 PEM of the key, appended to out (make out secret). */
int cc_key_to_pem(EVP_PKEY *key, struct cc_buf *out, struct cc_err *err);

/* PEM of the public key (SubjectPublicKeyInfo), appended to out. */
int cc_pubkey_to_pem(EVP_PKEY *key, struct cc_buf *out, struct cc_err *err);

/* Spec of an existing key (CC_EUNSUPPORTED for other algorithms/curves). */
int cc_key_get_spec(EVP_PKEY *key, struct cc_key_spec *out,
		    struct cc_err *err);

/* 1 if both keys have the same public part, 0 otherwise. */
int cc_key_public_equal(EVP_PKEY *a, EVP_PKEY *b);

#endif
