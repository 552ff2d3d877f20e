/*
 * Certificates: parsing (PEM, DER, PKCS#7, PKCS#12), chain ordering,
 * information extraction and key/certificate match.
 */
#ifndef CERTCTL_X509_H
#define CERTCTL_X509_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "err.h"

/* A set of certificates and, from PKCS#12 or a PEM bundle, maybe a key. */
struct cc_bundle {
	X509 **certs;		/* owned; after cc_chain_order, certs[0] = leaf */
	size_t ncerts;
	EVP_PKEY *key;		/* owned; NULL if the input held none */
};

#define CC_BUNDLE_INIT { NULL, 0, NULL }

void cc_bundle_release(struct cc_bundle *b);

/*
 * Parse certificates from memory, detecting the format: PEM (any number of
 * CERTIFICATE / PKCS7 blocks, and an optional private key block), DER
 * certificate, DER PKCS#7, or PKCS#12 (pass used for PKCS#12 and encrypted
 * PEM keys; wrong/missing password -> CC_EPASSWORD). Garbage -> CC_EINVAL
 * with "not a certificate, PKCS#7 or PKCS#12 file". Adds to out.
 */
int cc_bundle_parse(const void *data, size_t len, const char *pass,
		    struct cc_bundle *out, struct cc_err *err);

/*
 * Order the certificates leaf first, then each issuer in turn; drop exact
 * duplicates. If a key is present, the leaf is the certificate matching the
 * key; otherwise the one that issued no other certificate in the set.
 * Certificates not in the leaf's chain stay after it. CC_EINVAL if the set
 * is empty.
 */
int cc_chain_order(struct cc_bundle *b, struct cc_err *err);

/* 1 if key is the private key of cert's public key, else 0. */
int cc_key_matches_cert(EVP_PKEY *key, X509 *cert);

#define CC_MAX_NAMES 100

struct cc_cert_info {
	char *common_name;	/* subject CN or "" */
	char **names;		/* DNS and IP SANs (CN first if not in SANs) */
	size_t nnames;
	char *issuer;		/* issuer CN, else issuer O, else one-line DN */
	char *serial;		/* lower-case hex, no separators */
	time_t not_before;
	time_t not_after;
	char key_type[16];	/* "rsa:2048", "ec:p256", ... or "other" */
	char fingerprint[65];	/* SHA-256 of DER, lower-case hex */
	int self_signed;
};

int cc_cert_info_get(X509 *cert, struct cc_cert_info *out,
		     struct cc_err *err);
void cc_cert_info_release(struct cc_cert_info *info);

/* PEM of one certificate / of n certificates, appended to out. */
int cc_cert_to_pem(X509 *cert, struct cc_buf *out, struct cc_err *err);
int cc_certs_to_pem(X509 *const *certs, size_t n, struct cc_buf *out,
		    struct cc_err *err);

/* Format t as "2026-11-23T12:00:00Z" (buf >= 21). */
void cc_time_format(time_t t, char *buf, size_t size);
/* Parse the format above; -1 on error. */
int cc_time_parse(const char *s, time_t *out);

#endif
