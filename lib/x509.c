/*
 * Certificates: parsing (PEM, DER, PKCS#7, PKCS#12), chain ordering,
 * information extraction and key/certificate match.
 */
#include "x509.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>

#include "key.h"

#define NOT_A_CERT "not a certificate, PKCS#7 or PKCS#12 file"

void cc_bundle_release(struct cc_bundle *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->ncerts; i++)
		X509_free(b->certs[i]);
	free(b->certs);
	EVP_PKEY_free(b->key);
	b->certs = NULL;
	b->ncerts = 0;
	b->key = NULL;
}

/* Add cert to b, taking ownership (freed on failure too). */
static int bundle_add(struct cc_bundle *b, X509 *cert, struct cc_err *err)
{
	X509 **n;

	if (b->ncerts >= (size_t)INT_MAX) {
		X509_free(cert);
		return cc_err_set(err, CC_EINVAL, "too many certificates");
	}
	n = realloc(b->certs, (b->ncerts + 1) * sizeof(*n));
	if (!n) {
		X509_free(cert);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	b->certs = n;
	b->certs[b->ncerts++] = cert;
	return CC_OK;
}

/* Add (up-referenced copies of) all certificates of a stack. */
static int bundle_add_stack(struct cc_bundle *b, STACK_OF(X509) *sk,
			    struct cc_err *err)
{
	X509 *c;
	int i, rc = CC_OK;

	for (i = 0; !rc && i < sk_X509_num(sk); i++) {
		c = sk_X509_value(sk, i);
		if (!X509_up_ref(c))
			return cc_err_openssl(err, CC_ECRYPTO,
					      "cannot reference a certificate");
		rc = bundle_add(b, c, err);
	}
	return rc;
}

static int bundle_set_key(struct cc_bundle *b, EVP_PKEY *key,
			  struct cc_err *err)
{
	if (b->key) {
		EVP_PKEY_free(key);
		return cc_err_set(err, CC_EINVAL,
				  "more than one private key in the input");
	}
	if (!EVP_PKEY_is_a(key, "RSA") && !EVP_PKEY_is_a(key, "EC")) {
		EVP_PKEY_free(key);
		return cc_err_set(err, CC_EUNSUPPORTED, "unsupported key type "
				  "(only RSA and EC keys are supported)");
	}
	b->key = key;
	return CC_OK;
}

static int add_pkcs7(struct cc_bundle *b, PKCS7 *p7, struct cc_err *err)
{
	STACK_OF(X509) *certs = NULL;

	if (PKCS7_type_is_signed(p7) && p7->d.sign)
		certs = p7->d.sign->cert;
	else if (PKCS7_type_is_signedAndEnveloped(p7) &&
		 p7->d.signed_and_enveloped)
		certs = p7->d.signed_and_enveloped->cert;
	else
		return cc_err_set(err, CC_EINVAL, "PKCS#7 data of a type that "
				  "holds no certificates");
	if (!certs || !sk_X509_num(certs))
		return cc_err_set(err, CC_EINVAL,
				  "no certificate in the PKCS#7 data");
	return bundle_add_stack(b, certs, err);
}

/* --- PEM --- */

/* Find s (NUL-terminated) in p[0..len). */
static const char *mem_find(const char *p, size_t len, const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (!memcmp(p + i, s, n))
			return p + i;
	return NULL;
}

static int is_key_label(const char *label)
{
	return !strcmp(label, "PRIVATE KEY") ||
	       !strcmp(label, "ENCRYPTED PRIVATE KEY") ||
	       !strcmp(label, "EC PRIVATE KEY") ||
	       !strcmp(label, "RSA PRIVATE KEY");
}

/* Parse one PEM block [p, p+len) with the given label. */
static int pem_block(struct cc_bundle *b, const char *label, const char *p,
		     size_t len, const char *pass, int index,
		     struct cc_err *err)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	PKCS7 *p7 = NULL;
	BIO *bio = NULL;
	int rc = CC_OK;

	if (is_key_label(label)) {
		rc = cc_key_load(p, len, pass, &key, err);
		if (!rc)
			rc = bundle_set_key(b, key, err);
		goto out;
	}
	if (strcmp(label, "CERTIFICATE") && strcmp(label, "X509 CERTIFICATE")
	    && strcmp(label, "TRUSTED CERTIFICATE") && strcmp(label, "PKCS7")
	    && strcmp(label, "PKCS #7 SIGNED DATA"))
		goto out;	/* parameters, CSRs, ...: not ours */
	bio = BIO_new_mem_buf(p, (int)len);
	if (!bio) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	if (!strcmp(label, "PKCS7") || !strcmp(label, "PKCS #7 SIGNED DATA")) {
		p7 = PEM_read_bio_PKCS7(bio, NULL, NULL, NULL);
		if (!p7) {
			rc = cc_err_openssl(err, CC_EINVAL, "bad PKCS#7 data "
					    "in PEM block %d", index);
			goto out;
		}
		rc = add_pkcs7(b, p7, err);
		goto out;
	}
	if (!strcmp(label, "TRUSTED CERTIFICATE"))
		cert = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
	else
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (!cert) {
		rc = cc_err_openssl(err, CC_EINVAL, "bad certificate in PEM "
				    "block %d", index);
		goto out;
	}
	rc = bundle_add(b, cert, err);
out:
	PKCS7_free(p7);
	BIO_free(bio);
	return rc;
}

static int parse_pem(const char *data, size_t len, const char *pass,
		     struct cc_bundle *b, struct cc_err *err)
{
	static const char begin[] = "-----BEGIN ", dashes[] = "-----";
	const char *p = data, *end = data + len, *lab, *labend, *stop;
	char label[64], endtag[96];
	size_t llen;
	int index = 0, rc = CC_OK;

	while (!rc && (p = mem_find(p, (size_t)(end - p), begin))) {
		index++;
		lab = p + sizeof(begin) - 1;
		labend = mem_find(lab, (size_t)(end - lab), dashes);
		llen = labend ? (size_t)(labend - lab) : 0;
		if (!labend || !llen || llen >= sizeof(label) ||
		    memchr(lab, '\n', llen)) {
			rc = cc_err_set(err, CC_EINVAL,
					"malformed PEM header in block %d",
					index);
			break;
		}
		memcpy(label, lab, llen);
		label[llen] = '\0';
		snprintf(endtag, sizeof(endtag), "-----END %s-----", label);
		stop = mem_find(labend, (size_t)(end - labend), endtag);
		if (!stop) {
			rc = cc_err_set(err, CC_EINVAL, "truncated PEM block "
					"%d ('%s' without its END line)",
					index, label);
			break;
		}
		stop += strlen(endtag);
		rc = pem_block(b, label, p, (size_t)(stop - p), pass, index,
			       err);
		p = stop;
	}
	return rc;
}

/* --- PKCS#12 --- */

static OSSL_PROVIDER *prov_default, *prov_legacy;
static int legacy_ok;
static CRYPTO_ONCE legacy_once = CRYPTO_ONCE_STATIC_INIT;

static void unload_legacy(void)
{
	OSSL_PROVIDER_unload(prov_legacy);
	OSSL_PROVIDER_unload(prov_default);
	prov_legacy = prov_default = NULL;
}

static void load_legacy_once(void)
{
	prov_default = OSSL_PROVIDER_load(NULL, "default");
	prov_legacy = OSSL_PROVIDER_load(NULL, "legacy");
	legacy_ok = prov_default && prov_legacy;
	ERR_clear_error();
	/*
	 * Registered after OpenSSL's own exit handler, so it runs first:
	 * without it the provider references would leak at exit.
	 */
	if (atexit(unload_legacy))
		unload_legacy();
}

/*
 * OpenSSL 3 moved RC2 and friends, used by older PKCS#12 files, to the
 * legacy provider. Loading any provider explicitly disables the implicit
 * default one, so load that too. Both stay loaded until exit. Returns 1 if
 * the legacy provider is (now) available.
 */
static int load_legacy(void)
{
	if (!CRYPTO_THREAD_run_once(&legacy_once, load_legacy_once))
		return 0;
	return legacy_ok;
}

static int parse_p12(PKCS12 *p12, const char *pass, struct cc_bundle *b,
		     struct cc_err *err)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	STACK_OF(X509) *ca = NULL;
	const char *use = pass;
	int ok, rc = CC_OK;

	if (PKCS12_mac_present(p12)) {
		if (pass && PKCS12_verify_mac(p12, pass, -1))
			use = pass;
		else if (PKCS12_verify_mac(p12, NULL, 0))
			use = NULL;	/* no password at all */
		else if (PKCS12_verify_mac(p12, "", 0))
			use = "";
		else {
			ERR_clear_error();
			rc = cc_err_set(err, CC_EPASSWORD, pass ?
					"wrong password for the PKCS#12 file" :
					"the PKCS#12 file is protected: a "
					"password is needed");
			goto out;
		}
	}
	ok = PKCS12_parse(p12, use, &key, &cert, &ca);
	if (!ok && load_legacy()) {
		/* maybe RC2/3DES: try again with the legacy provider */
		ERR_clear_error();
		sk_X509_pop_free(ca, X509_free);
		ca = NULL;
		ok = PKCS12_parse(p12, use, &key, &cert, &ca);
	}
	if (!ok) {
		rc = cc_err_openssl(err, CC_EINVAL,
				    "cannot read the PKCS#12 file");
		goto out;
	}
	ERR_clear_error();
	if (cert) {
		rc = bundle_add(b, cert, err);
		cert = NULL;
		if (rc)
			goto out;
	}
	if (ca) {
		rc = bundle_add_stack(b, ca, err);
		if (rc)
			goto out;
	}
	if (key) {
		rc = bundle_set_key(b, key, err);
		key = NULL;
	}
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	sk_X509_pop_free(ca, X509_free);
	return rc;
}

/* --- DER --- */

static int parse_der(const unsigned char *data, size_t len, const char *pass,
		     struct cc_bundle *b, struct cc_err *err)
{
	const unsigned char *p;
	X509 *cert;
	PKCS7 *p7;
	PKCS12 *p12;
	int rc;

	if (len > LONG_MAX)
		return cc_err_set(err, CC_EINVAL, NOT_A_CERT);
	p = data;
	cert = d2i_X509(NULL, &p, (long)len);
	if (cert && p == data + len) {
		ERR_clear_error();
		return bundle_add(b, cert, err);
	}
	X509_free(cert);
	p = data;
	p7 = d2i_PKCS7(NULL, &p, (long)len);
	if (p7 && p == data + len) {
		ERR_clear_error();
		rc = add_pkcs7(b, p7, err);
		PKCS7_free(p7);
		return rc;
	}
	PKCS7_free(p7);
	p = data;
	p12 = d2i_PKCS12(NULL, &p, (long)len);
	if (p12 && p == data + len) {
		ERR_clear_error();
		rc = parse_p12(p12, pass, b, err);
		PKCS12_free(p12);
		return rc;
	}
	PKCS12_free(p12);
	ERR_clear_error();
	return cc_err_set(err, CC_EINVAL, NOT_A_CERT);
}

static int has_pem_begin(const char *p, size_t len)
{
	return mem_find(p, len, "-----BEGIN ") != NULL;
}

int cc_bundle_parse(const void *data, size_t len, const char *pass,
		    struct cc_bundle *out, struct cc_err *err)
{
	struct cc_bundle tmp = CC_BUNDLE_INIT;
	X509 **n;
	size_t i;
	int rc = CC_OK;

	if (!data || !len || len > INT_MAX) {
		rc = cc_err_set(err, CC_EINVAL, NOT_A_CERT);
		goto out;
	}
	if (has_pem_begin(data, len))
		rc = parse_pem(data, len, pass, &tmp, err);
	else
		rc = parse_der(data, len, pass, &tmp, err);
	if (rc)
		goto out;
	if (!tmp.ncerts) {
		rc = cc_err_set(err, CC_EINVAL, "%s", tmp.key ?
				"no certificate in the input (only a key)" :
				NOT_A_CERT);
		goto out;
	}
	if (tmp.key && out->key) {
		rc = cc_err_set(err, CC_EINVAL,
				"more than one private key in the input");
		goto out;
	}
	n = realloc(out->certs, (out->ncerts + tmp.ncerts) * sizeof(*n));
	if (!n) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	out->certs = n;
	for (i = 0; i < tmp.ncerts; i++)
		out->certs[out->ncerts++] = tmp.certs[i];
	tmp.ncerts = 0;
	if (tmp.key) {
		out->key = tmp.key;
		tmp.key = NULL;
	}
out:
	cc_bundle_release(&tmp);
	return rc;
}

/* --- chain --- */

int cc_key_matches_cert(EVP_PKEY *key, X509 *cert)
{
	EVP_PKEY *pub;
	int r;

	if (!key || !cert)
		return 0;
	pub = X509_get0_pubkey(cert);
	if (!pub) {
		ERR_clear_error();
		return 0;
	}
	r = EVP_PKEY_eq(key, pub);
	ERR_clear_error();
	return r == 1;
}

/* 1 if issuer issued (and signed) subject. */
static int issued(X509 *issuer, X509 *subject)
{
	EVP_PKEY *pub;
	int r = 0;

	if (X509_check_issued(issuer, subject) != X509_V_OK)
		goto out;
	pub = X509_get0_pubkey(issuer);
	r = pub && X509_verify(subject, pub) == 1;
out:
	ERR_clear_error();
	return r;
}

int cc_chain_order(struct cc_bundle *b, struct cc_err *err)
{
	X509 **order = NULL;
	char *used = NULL;
	size_t n, i, j, leaf, k, cur;
	int found, rc = CC_OK;

	if (!b || !b->ncerts) {
		rc = cc_err_set(err, CC_EINVAL, "no certificate");
		goto out;
	}
	/* drop exact duplicates, keeping the first */
	for (i = 0, n = 0; i < b->ncerts; i++) {
		for (j = 0; j < n; j++)
			if (!X509_cmp(b->certs[j], b->certs[i]))
				break;
		if (j < n)
			X509_free(b->certs[i]);
		else
			b->certs[n++] = b->certs[i];
	}
	b->ncerts = n;
	order = calloc(n, sizeof(*order));
	used = calloc(n, 1);
	if (!order || !used) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	/* leaf: the key's certificate, else a non-CA that issued nothing */
	leaf = n;
	for (i = 0; b->key && i < n && leaf == n; i++)
		if (cc_key_matches_cert(b->key, b->certs[i]))
			leaf = i;
	for (k = 0; k < 2 && leaf == n; k++) {
		for (i = 0; i < n && leaf == n; i++) {
			if (!k && X509_check_ca(b->certs[i]))
				continue;
			for (j = 0; j < n; j++)
				if (j != i && issued(b->certs[i], b->certs[j]))
					break;
			if (j == n)
				leaf = i;
		}
	}
	if (leaf == n)
		leaf = 0;
	/* follow the issuers */
	k = 0;
	cur = leaf;
	order[k++] = b->certs[cur];
	used[cur] = 1;
	while (k < n) {
		found = 0;
		for (i = 0; i < n; i++) {
			if (used[i] || !issued(b->certs[i], b->certs[cur]))
				continue;
			found = 1;
			cur = i;
			order[k++] = b->certs[cur];
			used[cur] = 1;
			break;
		}
		if (!found)
			break;
	}
	/* the rest, in their original order */
	for (i = 0; i < n; i++)
		if (!used[i])
			order[k++] = b->certs[i];
	memcpy(b->certs, order, n * sizeof(*order));
out:
	free(order);
	free(used);
	return rc;
}

/* --- information --- */

static char *name_entry(X509_NAME *name, int nid)
{
	X509_NAME_ENTRY *e;
	unsigned char *utf8 = NULL;
	char *s;
	int idx, len;

	idx = X509_NAME_get_index_by_NID(name, nid, -1);
	if (idx < 0)
		return strdup("");
	e = X509_NAME_get_entry(name, idx);
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	if (len < 0) {
		ERR_clear_error();
		return strdup("");
	}
	s = strndup((const char *)utf8, (size_t)len);
	OPENSSL_free(utf8);
	return s;
}

static char *name_oneline(X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *mem = NULL, *s = NULL;
	long len;

	if (!bio)
		return NULL;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
		len = BIO_get_mem_data(bio, &mem);
		if (len >= 0)
			s = strndup(mem ? mem : "", (size_t)len);
	}
	BIO_free(bio);
	return s;
}

static char *issuer_text(X509 *cert)
{
	X509_NAME *iname = X509_get_issuer_name(cert);
	char *s = name_entry(iname, NID_commonName);

	if (s && !*s) {
		free(s);
		s = name_entry(iname, NID_organizationName);
	}
	if (s && !*s) {
		free(s);
		s = name_oneline(iname);
	}
	return s;
}

static void hex_lower(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static char *serial_text(X509 *cert)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = NULL, *s = NULL, *p;

	if (bn)
		hex = BN_bn2hex(bn);
	if (hex)
		s = strdup(hex);
	for (p = s; p && *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	OPENSSL_free(hex);
	BN_free(bn);
	return s;
}

static int time_get(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return -1;
	*out = timegm(&tm);
	return 0;
}

static int info_add_name(struct cc_cert_info *info, char *name)
{
	char **n;

	if (!name)
		return CC_ENOMEM;
	n = realloc(info->names, (info->nnames + 1) * sizeof(*n));
	if (!n) {
		free(name);
		return CC_ENOMEM;
	}
	info->names = n;
	info->names[info->nnames++] = name;
	return CC_OK;
}

static int info_sans(X509 *cert, struct cc_cert_info *info)
{
	GENERAL_NAMES *gens;
	GENERAL_NAME *gen;
	const unsigned char *d;
	char ip[INET6_ADDRSTRLEN];
	int i, len, type, rc = CC_OK;

	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	ERR_clear_error();
	for (i = 0; !rc && gens && i < sk_GENERAL_NAME_num(gens); i++) {
		gen = sk_GENERAL_NAME_value(gens, i);
		if (gen->type == GEN_DNS) {
			d = ASN1_STRING_get0_data(gen->d.dNSName);
			len = ASN1_STRING_length(gen->d.dNSName);
			if (len <= 0 || memchr(d, '\0', (size_t)len))
				continue;
			rc = info_add_name(info, strndup((const char *)d,
							 (size_t)len));
		} else if (gen->type == GEN_IPADD) {
			d = ASN1_STRING_get0_data(gen->d.iPAddress);
			len = ASN1_STRING_length(gen->d.iPAddress);
			type = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
			if (!type || !inet_ntop(type, d, ip, sizeof(ip)))
				continue;
			rc = info_add_name(info, strdup(ip));
		}
	}
	GENERAL_NAMES_free(gens);
	return rc;
}

static void info_key_type(X509 *cert, struct cc_cert_info *info)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	struct cc_key_spec spec;

	if (pub && !cc_key_get_spec(pub, &spec, NULL))
		cc_key_spec_format(&spec, info->key_type,
				   sizeof(info->key_type));
	else if (pub && EVP_PKEY_is_a(pub, "RSA"))
		snprintf(info->key_type, sizeof(info->key_type), "rsa:%d",
			 EVP_PKEY_get_bits(pub));
	else
		snprintf(info->key_type, sizeof(info->key_type), "other");
	ERR_clear_error();
}

int cc_cert_info_get(X509 *cert, struct cc_cert_info *out,
		     struct cc_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t i;
	char **n, *last;
	int rc = CC_OK;

	memset(out, 0, sizeof(*out));
	if (!cert) {
		rc = cc_err_set(err, CC_EINVAL, "no certificate");
		goto out;
	}
	out->common_name = name_entry(X509_get_subject_name(cert),
				      NID_commonName);
	out->issuer = issuer_text(cert);
	out->serial = serial_text(cert);
	if (!out->common_name || !out->issuer || !out->serial)
		goto nomem;
	if (info_sans(cert, out))
		goto nomem;
	/* CN first when the SANs do not repeat it */
	for (i = 0; *out->common_name && i < out->nnames; i++)
		if (!strcasecmp(out->names[i], out->common_name))
			break;
	if (*out->common_name && i == out->nnames) {
		if (info_add_name(out, strdup(out->common_name)))
			goto nomem;
		n = out->names;
		last = n[out->nnames - 1];
		memmove(n + 1, n, (out->nnames - 1) * sizeof(*n));
		n[0] = last;
	}
	if (time_get(X509_get0_notBefore(cert), &out->not_before) ||
	    time_get(X509_get0_notAfter(cert), &out->not_after)) {
		rc = cc_err_openssl(err, CC_EINVAL,
				    "bad validity dates in the certificate");
		goto out;
	}
	info_key_type(cert, out);
	if (!X509_digest(cert, EVP_sha256(), md, &mdlen) || mdlen != 32) {
		rc = cc_err_openssl(err, CC_ECRYPTO,
				    "cannot hash the certificate");
		goto out;
	}
	hex_lower(md, mdlen, out->fingerprint);
	out->self_signed = X509_self_signed(cert, 1) == 1;
	ERR_clear_error();
	goto out;
nomem:
	rc = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	if (rc)
		cc_cert_info_release(out);
	return rc;
}

void cc_cert_info_release(struct cc_cert_info *info)
{
	size_t i;

	if (!info)
		return;
	for (i = 0; i < info->nnames; i++)
		free(info->names[i]);
	free(info->names);
	free(info->common_name);
	free(info->issuer);
	free(info->serial);
	memset(info, 0, sizeof(*info));
}

/* --- output --- */

int cc_cert_to_pem(X509 *cert, struct cc_buf *out, struct cc_err *err)
{
	BIO *bio = NULL;
	char *mem = NULL;
	long len;
	int rc = CC_OK;

	if (!cert) {
		rc = cc_err_set(err, CC_EINVAL, "no certificate");
		goto out;
	}
	bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_X509(bio, cert)) {
		rc = cc_err_openssl(err, CC_ECRYPTO,
				    "cannot write the certificate");
		goto out;
	}
	len = BIO_get_mem_data(bio, &mem);
	if (len < 0 || cc_buf_add(out, mem, (size_t)len))
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	BIO_free(bio);
	return rc;
}

int cc_certs_to_pem(X509 *const *certs, size_t n, struct cc_buf *out,
		    struct cc_err *err)
{
	size_t i;
	int rc = CC_OK;

	for (i = 0; !rc && i < n; i++)
		rc = cc_cert_to_pem(certs[i], out, err);
	return rc;
}

/* --- time --- */

void cc_time_format(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (!buf || !size)
		return;
	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		buf[0] = '\0';
}

/* Read exactly n digits. */
static int digits(const char **s, int n, int *out)
{
	int v = 0;

	while (n--) {
		if (**s < '0' || **s > '9')
			return -1;
		v = v * 10 + (*(*s)++ - '0');
	}
	*out = v;
	return 0;
}

static int expect(const char **s, char c)
{
	if (**s != c)
		return -1;
	(*s)++;
	return 0;
}

int cc_time_parse(const char *s, time_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
				     30, 31 };
	struct tm tm;
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	long off;
	time_t t;

	if (!s || !out)
		return -1;
	if (digits(&s, 4, &y) || expect(&s, '-') || digits(&s, 2, &mo) ||
	    expect(&s, '-') || digits(&s, 2, &d))
		return -1;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if (digits(&s, 2, &h) || expect(&s, ':') || digits(&s, 2, &mi) ||
	    expect(&s, ':') || digits(&s, 2, &se))
		return -1;
	if (*s == '.') {	/* fractional seconds: ignored */
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) || expect(&s, ':') ||
		    digits(&s, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else {
		return -1;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h > 23 || mi > 59 || se > 59)
		return -1;
	if (mo == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t == (time_t)-1 && !(y == 1969 && mo == 12 && d == 31 &&
				 h == 23 && mi == 59 && se == 59))
		return -1;
	off = sign * (oh * 3600L + om * 60L);
	*out = t - (time_t)off;
	return 0;
}
