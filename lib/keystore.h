/* Keystores: PKCS#12 (modern and legacy) and Java KeyStore (JKS). */
#ifndef CERTCTL_KEYSTORE_H
#define CERTCTL_KEYSTORE_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "err.h"

enum cc_p12_flavor {
	CC_P12_MODERN = 0,	/* AES-256-CBC, PBKDF2 (HMAC-SHA256), SHA-256 MAC */
	CC_P12_LEGACY = 1,	/* PBE-SHA1-3DES for key and certs, SHA-1 MAC */
};

/*
 * PKCS#12 with the key, the leaf (certs[0]) and the chain (certs[1..]).
 * alias is the friendlyName (NULL = "certctl"). pass must not be NULL (may
 * be ""). DER appended to out.
 */
int cc_p12_write(EVP_PKEY *key, X509 *const *certs, size_t ncerts,
		 const char *pass, const char *alias, enum cc_p12_flavor fl,
		 struct cc_buf *out, struct cc_err *err);

/*
 * JKS (magic 0xFEEDFEED, version 2) holding one PrivateKeyEntry named alias
 * (NULL = "certctl") with the key (protected with pass using Sun's
 * JKS key-protection algorithm) and the chain certs[0..n-1], plus the
 * keystore integrity hash keyed with the same pass. Readable by keytool.
 * The alias is stored lower-cased (ASCII), as keytool itself does for JKS.
 * pass may hold any UTF-8 (hashed as Java chars); invalid UTF-8 -> EINVAL.
 */
int cc_jks_write(EVP_PKEY *key, X509 *const *certs, size_t ncerts,
		 const char *pass, const char *alias, long long timestamp_ms,
		 struct cc_buf *out, struct cc_err *err);

/*
 * Read back a JKS written by cc_jks_write (or keytool, private key entries
 * and trusted certs): verify the integrity hash with pass (CC_EPASSWORD on
 * mismatch), decrypt the first private key entry, return key and chain.
 * Used by tests and by "cert import" of .jks files.
 */
int cc_jks_read(const void *data, size_t len, const char *pass,
		EVP_PKEY **key, X509 ***certs, size_t *ncerts,
		struct cc_err *err);

/* Free an array of n certificates as returned by cc_jks_read (NULL-safe). */
void cc_keystore_certs_free(X509 **certs, size_t n);

#endif
