/*
 * Test helpers: a throwaway PKI built with OpenSSL, temporary directories
 * and PEM conversion. Any failure aborts the test program.
 */
#include "testpki.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "fsutil.h"

static void die(const char *what)
{
	fprintf(stderr, "testpki: %s\n", what);
	ERR_print_errors_fp(stderr);
	abort();
}

EVP_PKEY *tp_key_ec(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	if (!k)
		die("cannot generate an EC key");
	return k;
}

EVP_PKEY *tp_key_rsa(int bits)
{
	EVP_PKEY *k;

	if (bits < 512)
		die("bad RSA key size");
	k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	if (!k)
		die("cannot generate an RSA key");
	return k;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
	if (!ext || !X509_add_ext(cert, ext, -1))
		die("cannot add an extension");
	X509_EXTENSION_free(ext);
}

static void add_sans(X509 *cert, const char *const *sans, size_t nsans)
{
	GENERAL_NAMES *gens;
	GENERAL_NAME *gen;
	ASN1_OCTET_STRING *ip;
	ASN1_IA5STRING *ia5;
	size_t i;

	if (!nsans)
		return;
	gens = GENERAL_NAMES_new();
	if (!gens)
		die("out of memory");
	for (i = 0; i < nsans; i++) {
		gen = GENERAL_NAME_new();
		if (!gen)
			die("out of memory");
		ip = a2i_IPADDRESS(sans[i]);
		if (ip) {
			GENERAL_NAME_set0_value(gen, GEN_IPADD, ip);
		} else {
			ERR_clear_error();
			ia5 = ASN1_IA5STRING_new();
			if (!ia5 || !ASN1_STRING_set(ia5, sans[i], -1))
				die("out of memory");
			GENERAL_NAME_set0_value(gen, GEN_DNS, ia5);
		}
		if (!sk_GENERAL_NAME_push(gens, gen))
			die("out of memory");
	}
	if (!X509_add1_ext_i2d(cert, NID_subject_alt_name, gens, 0,
			       X509V3_ADD_APPEND))
		die("cannot add subjectAltName");
	GENERAL_NAMES_free(gens);
}

static void set_serial(X509 *cert)
{
	BIGNUM *bn = BN_new();

	/* 127 random bits, positive, non-zero with overwhelming odds */
	if (!bn || !BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ODD) ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)))
		die("cannot set the serial number");
	BN_free(bn);
}

/*
 * Build and sign a certificate for pub, subject CN=cn, issued by issuer
 * (NULL = self-signed) with issuer_key.
 */
static X509 *make_cert(EVP_PKEY *pub, const char *cn, X509 *issuer,
		       EVP_PKEY *issuer_key, int ca, const char *const *sans,
		       size_t nsans, long start_offset, long lifetime)
{
	X509 *cert = X509_new();
	X509_NAME *name;
	time_t now = time(NULL);

	if (!cert || !X509_set_version(cert, X509_VERSION_3))
		die("out of memory");
	set_serial(cert);
	name = X509_get_subject_name(cert);
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
					(const unsigned char *)"certctl tests",
					-1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					(const unsigned char *)cn, -1, -1, 0))
		die("cannot set the subject");
	if (!X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer)
					       : name))
		die("cannot set the issuer");
	if (!ASN1_TIME_set(X509_getm_notBefore(cert),
			   now + (time_t)start_offset) ||
	    !ASN1_TIME_set(X509_getm_notAfter(cert),
			   now + (time_t)start_offset + (time_t)lifetime))
		die("cannot set the validity");
	if (!X509_set_pubkey(cert, pub))
		die("cannot set the public key");
	if (!issuer)
		issuer = cert;
	if (ca) {
		add_ext(cert, issuer, NID_basic_constraints,
			"critical,CA:TRUE");
		add_ext(cert, issuer, NID_key_usage,
			"critical,keyCertSign,cRLSign,digitalSignature");
	} else {
		add_ext(cert, issuer, NID_basic_constraints, "CA:FALSE");
		add_ext(cert, issuer, NID_key_usage,
			"critical,digitalSignature,keyEncipherment");
		add_ext(cert, issuer, NID_ext_key_usage,
			"serverAuth,clientAuth");
	}
	add_ext(cert, issuer, NID_subject_key_identifier, "hash");
	add_ext(cert, issuer, NID_authority_key_identifier, "keyid:always");
	add_sans(cert, sans, nsans);
	if (!X509_sign(cert, issuer_key, EVP_sha256()))
		die("cannot sign the certificate");
	return cert;
}

void tp_pki_init(struct tp_pki *p)
{
	memset(p, 0, sizeof(*p));
	p->root_key = tp_key_ec();
	p->root = make_cert(p->root_key, "certctl Test Root", NULL,
			    p->root_key, 1, NULL, 0, -3600, 10L * 365 * 86400);
	p->int_key = tp_key_ec();
	p->intermediate = make_cert(p->int_key, "certctl Test Intermediate",
				    p->root, p->root_key, 1, NULL, 0, -3600,
				    5L * 365 * 86400);
}

void tp_pki_release(struct tp_pki *p)
{
	if (!p)
		return;
	X509_free(p->intermediate);
	EVP_PKEY_free(p->int_key);
	X509_free(p->root);
	EVP_PKEY_free(p->root_key);
	memset(p, 0, sizeof(*p));
}

X509 *tp_issue(struct tp_pki *p, EVP_PKEY *key, const char *cn,
	       const char *const *sans, size_t nsans, long start_offset,
	       long lifetime)
{
	if (!p || !p->intermediate || !key || !cn)
		die("tp_issue: bad arguments");
	return make_cert(key, cn, p->intermediate, p->int_key, 0, sans, nsans,
			 start_offset, lifetime);
}

static char *bio_to_str(BIO *bio)
{
	char *mem = NULL, *s;
	long n = BIO_get_mem_data(bio, &mem);

	if (n < 0)
		die("cannot read a memory BIO");
	s = malloc((size_t)n + 1);
	if (!s)
		die("out of memory");
	if (n)
		memcpy(s, mem, (size_t)n);
	s[n] = '\0';
	return s;
}

char *tp_cert_pem(X509 *cert)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s;

	if (!bio || !PEM_write_bio_X509(bio, cert))
		die("cannot write a certificate as PEM");
	s = bio_to_str(bio);
	BIO_free(bio);
	return s;
}

char *tp_key_pem(EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s;

	if (!bio || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
					      NULL))
		die("cannot write a key as PEM");
	s = bio_to_str(bio);
	BIO_free(bio);
	return s;
}

char *tp_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	size_t n;
	char *path;

	if (!base || !*base)
		base = "/tmp";
	n = strlen(base) + sizeof("/certctl-test-XXXXXX");
	path = malloc(n);
	if (!path)
		die("out of memory");
	snprintf(path, n, "%s/certctl-test-XXXXXX", base);
	if (!mkdtemp(path))
		die("mkdtemp failed");
	return path;
}

void tp_rmtree(const char *path)
{
	struct cc_err err = CC_ERR_INIT;

	if (!path)
		return;
	if (cc_remove_tree(path, &err)) {
		fprintf(stderr, "testpki: %s\n", err.msg);
		abort();
	}
}

void tp_write_file(const char *path, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "testpki: cannot create '%s': %s\n", path,
			strerror(errno));
		abort();
	}
	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "testpki: cannot write '%s'\n", path);
			abort();
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0)
		die("close failed");
}
