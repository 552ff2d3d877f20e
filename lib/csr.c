/*
 * Certificate signing requests and identifier validation.
 */
#include "csr.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "x509.h"

/* Longest CN allowed by RFC 5280 (ub-common-name). */
#define CN_MAX 64
#define DNS_MAX 253
#define LABEL_MAX 63

/* Binary form of an IP literal: 4 or 16 bytes in out, length returned. */
static size_t ip_parse(const char *s, unsigned char out[16])
{
	if (!s)
		return 0;
	if (inet_pton(AF_INET, s, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, out) == 1)
		return 16;
	return 0;
}

int cc_is_ip(const char *s)
{
	unsigned char bin[16];

	return ip_parse(s, bin) != 0;
}

static int label_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

int cc_name_validate(const char *name, struct cc_err *err)
{
	const char *label, *p;
	size_t len, llen;
	int numeric = 0;

	if (!name || !*name)
		return cc_err_set(err, CC_EINVAL, "empty name");
	if (cc_is_ip(name))
		return CC_OK;
	len = strlen(name);
	if (len > DNS_MAX)
		return cc_err_set(err, CC_EINVAL, "invalid name '%.64s...': "
				  "longer than %d characters", name, DNS_MAX);
	label = name;
	if (!strncmp(name, "*.", 2))
		label = name + 2;
	else if (strchr(name, '*'))
		return cc_err_set(err, CC_EINVAL, "invalid name '%s': a "
				  "wildcard must be the whole first label "
				  "('*.example.com')", name);
	if (!*label)
		return cc_err_set(err, CC_EINVAL, "invalid name '%s': "
				  "wildcard without a domain", name);
	for (;;) {
		p = label;
		numeric = 1;
		while (*p && *p != '.') {
			if (!label_char_ok(*p))
				return cc_err_set(err, CC_EINVAL,
						  "invalid name '%s': bad "
						  "character at offset %zu",
						  name, (size_t)(p - name));
			if (*p < '0' || *p > '9')
				numeric = 0;
			p++;
		}
		llen = (size_t)(p - label);
		if (!llen)
			return cc_err_set(err, CC_EINVAL,
					  "invalid name '%s': empty label",
					  name);
		if (llen > LABEL_MAX)
			return cc_err_set(err, CC_EINVAL, "invalid name '%s': "
					  "label longer than %d characters",
					  name, LABEL_MAX);
		if (label[0] == '-' || p[-1] == '-')
			return cc_err_set(err, CC_EINVAL, "invalid name '%s': "
					  "label starts or ends with '-'",
					  name);
		if (!*p)
			break;
		label = p + 1;
	}
	if (numeric)
		return cc_err_set(err, CC_EINVAL, "invalid name '%s': neither "
				  "an IP address nor a DNS name (numeric "
				  "top-level label)", name);
	return CC_OK;
}

/* 1 if names a and b denote the same identifier. */
static int same_name(const char *a, const char *b)
{
	unsigned char ba[16], bb[16];
	size_t la = ip_parse(a, ba), lb = ip_parse(b, bb);

	if (la || lb)
		return la == lb && !memcmp(ba, bb, la);
	return !strcasecmp(a, b);
}

static const EVP_MD *digest_get(const char *digest)
{
	if (!digest || !strcasecmp(digest, "sha256"))
		return EVP_sha256();
	if (!strcasecmp(digest, "sha384"))
		return EVP_sha384();
	if (!strcasecmp(digest, "sha512"))
		return EVP_sha512();
	return NULL;
}

static int check_names(const char *const *names, size_t nnames,
		       struct cc_err *err)
{
	size_t i, j;
	int rc;

	if (!names || !nnames)
		return cc_err_set(err, CC_EINVAL, "no names for the request");
	if (nnames > CC_MAX_NAMES)
		return cc_err_set(err, CC_EINVAL, "too many names: %zu (at "
				  "most %d)", nnames, CC_MAX_NAMES);
	for (i = 0; i < nnames; i++) {
		rc = cc_name_validate(names[i], err);
		if (rc)
			return rc;
		for (j = 0; j < i; j++)
			if (same_name(names[i], names[j]))
				return cc_err_set(err, CC_EINVAL,
						  "duplicate name '%s'",
						  names[i]);
	}
	return CC_OK;
}

static GENERAL_NAMES *make_sans(const char *const *names, size_t nnames)
{
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	GENERAL_NAME *gen = NULL;
	ASN1_STRING *s = NULL;
	unsigned char bin[16];
	size_t i, iplen;

	if (!gens)
		return NULL;
	for (i = 0; i < nnames; i++) {
		gen = GENERAL_NAME_new();
		if (!gen)
			goto fail;
		iplen = ip_parse(names[i], bin);
		if (iplen) {
			s = ASN1_OCTET_STRING_new();
			if (!s || !ASN1_OCTET_STRING_set(s, bin, (int)iplen))
				goto fail;
			GENERAL_NAME_set0_value(gen, GEN_IPADD, s);
		} else {
			s = ASN1_IA5STRING_new();
			if (!s || !ASN1_STRING_set(s, names[i], -1))
				goto fail;
			GENERAL_NAME_set0_value(gen, GEN_DNS, s);
		}
		s = NULL;
		if (!sk_GENERAL_NAME_push(gens, gen))
			goto fail;
		gen = NULL;
	}
	return gens;
fail:
	ASN1_STRING_free(s);
	GENERAL_NAME_free(gen);
	GENERAL_NAMES_free(gens);
	return NULL;
}

int cc_csr_build(EVP_PKEY *key, const char *const *names, size_t nnames,
		 const char *digest, struct cc_buf *der_out,
		 struct cc_buf *pem_out, struct cc_err *err)
{
	X509_REQ *req = NULL;
	GENERAL_NAMES *gens = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	const EVP_MD *md;
	unsigned char *der = NULL;
	BIO *bio = NULL;
	char *mem = NULL;
	long memlen;
	int derlen, with_cn, rc = CC_OK;

	if (!key) {
		rc = cc_err_set(err, CC_EINVAL, "no key for the request");
		goto out;
	}
	md = digest_get(digest);
	if (!md) {
		rc = cc_err_set(err, CC_EINVAL, "unsupported digest '%s' "
				"(valid: sha256, sha384, sha512)", digest);
		goto out;
	}
	rc = check_names(names, nnames, err);
	if (rc)
		goto out;
	with_cn = !cc_is_ip(names[0]) && strlen(names[0]) <= CN_MAX;

	req = X509_REQ_new();
	if (!req || !X509_REQ_set_version(req, X509_REQ_VERSION_1))
		goto crypto;
	if (with_cn &&
	    !X509_NAME_add_entry_by_NID(X509_REQ_get_subject_name(req),
					NID_commonName, MBSTRING_UTF8,
					(const unsigned char *)names[0], -1,
					-1, 0))
		goto crypto;
	if (!X509_REQ_set_pubkey(req, key))
		goto crypto;
	gens = make_sans(names, nnames);
	/* RFC 5280 4.2.1.6: critical when the subject is empty */
	if (!gens || X509V3_add1_i2d(&exts, NID_subject_alt_name, gens,
				     !with_cn, X509V3_ADD_APPEND) != 1 ||
	    !X509_REQ_add_extensions(req, exts))
		goto crypto;
	if (X509_REQ_sign(req, key, md) <= 0)
		goto crypto;

	if (der_out) {
		derlen = i2d_X509_REQ(req, &der);
		if (derlen <= 0)
			goto crypto;
		if (cc_buf_add(der_out, der, (size_t)derlen)) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (pem_out) {
		bio = BIO_new(BIO_s_mem());
		if (!bio || !PEM_write_bio_X509_REQ(bio, req))
			goto crypto;
		memlen = BIO_get_mem_data(bio, &mem);
		if (memlen < 0)
			goto crypto;
		if (cc_buf_add(pem_out, mem, (size_t)memlen)) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			goto out;
		}
	}
	goto out;
crypto:
	rc = cc_err_openssl(err, CC_ECRYPTO,
			    "cannot build the certificate request");
out:
	BIO_free(bio);
	OPENSSL_free(der);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(gens);
	X509_REQ_free(req);
	return rc;
}
