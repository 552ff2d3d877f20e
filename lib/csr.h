/* Certificate signing requests. */
#ifndef CERTCTL_CSR_H
#define CERTCTL_CSR_H

#include <stddef.h>

#include <openssl/evp.h>

#include "buf.h"
#include "err.h"

/*
 * Build and sign a CSR. names[0] becomes the subject CN (unless it is an IP
 * address or longer than 64 characters, then no CN); all names go into the
 * subjectAltName, as iPAddress when they parse as IPv4/IPv6, else dNSName.
 * digest: "sha256", "sha384" or "sha512" (NULL = sha256). Up to 100 names;
 * names are validated (no empty labels, wildcard only as the whole first
 * label). DER is appended to der_out (may be NULL) and PEM to pem_out (may
 * be NULL).
 */
int cc_csr_build(EVP_PKEY *key, const char *const *names, size_t nnames,
		 const char *digest, struct cc_buf *der_out,
		 struct cc_buf *pem_out, struct cc_err *err);

/* Validate one identifier as above: CC_EINVAL with a reason if bad. */
int cc_name_validate(const char *name, struct cc_err *err);

/* 1 if s is a literal IPv4 or IPv6 address. */
int cc_is_ip(const char *s);

#endif
