/*
 * Test helpers: a throwaway PKI (root -> intermediate -> leaves) built with
 * OpenSSL, temporary directories, and PEM conversion. Test code only.
 * Every function aborts the test program (via assert/abort) on failure, so
 * callers need no error handling.
 */
#ifndef CERTCTL_TESTPKI_H
#define CERTCTL_TESTPKI_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct tp_pki {
	EVP_PKEY *root_key;
	X509 *root;		/* CN "certctl Test Root" */
	EVP_PKEY *int_key;
	X509 *intermediate;	/* CN "certctl Test Intermediate" */
};

/* Build a root and an intermediate (EC P-256 keys, fast). */
void tp_pki_init(struct tp_pki *p);
void tp_pki_release(struct tp_pki *p);

/*
 * Issue a leaf for key signed by the intermediate: subject CN=cn, SANs
 * (DNS names, or IP addresses when they parse as such), valid from
 * now + start_offset seconds for lifetime seconds. Caller frees.
 */
X509 *tp_issue(struct tp_pki *p, EVP_PKEY *key, const char *cn,
	       const char *const *sans, size_t nsans, long start_offset,
	       long lifetime);

EVP_PKEY *tp_key_ec(void);		/* P-256 */
EVP_PKEY *tp_key_rsa(int bits);

/* malloc'd PEM text. */
char *tp_cert_pem(X509 *cert);
char *tp_key_pem(EVP_PKEY *key);	/* unencrypted PKCS#8 */

/* mkdtemp under $TMPDIR (or /tmp); malloc'd path. */
char *tp_mkdtemp(void);
/* rm -rf (no symlink following). */
void tp_rmtree(const char *path);
/* Write a file (mode 0600); abort on failure. */
void tp_write_file(const char *path, const void *data, size_t len);

#endif
