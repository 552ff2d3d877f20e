/*
 * bench/fill REPO N: fill a repository with N real certificates (distinct
 * names, serials and expiry dates spread over a year, signed by one
 * throwaway CA) through the library's bulk store, for the list benchmark.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "key.h"
#include "repo.h"
#include "util.h"
#include "x509.h"

#define BATCH 1000

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *cakey, X509_NAME *issuer,
		       const char *cn, long serial, long start, long days)
{
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();

	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
	X509_gmtime_adj(X509_getm_notBefore(c), start);
	X509_gmtime_adj(X509_getm_notAfter(c), start + days * 86400);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(c, n);
	X509_set_issuer_name(c, issuer ? issuer : n);
	X509_set_pubkey(c, key);
	X509_sign(c, cakey, EVP_sha256());
	X509_NAME_free(n);
	return c;
}

int main(int argc, char **argv)
{
	struct cc_key_spec spec = { CC_KEY_EC, 256 };
	struct cc_err err = CC_ERR_INIT;
	struct cc_repo *repo = NULL;
	EVP_PKEY *cakey = NULL, *key = NULL;
	X509 *ca;
	struct cc_buf keypem = CC_BUF_SECRET_INIT, capem = CC_BUF_INIT;
	long n, i, j, m;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: fill REPO N\n");
		return 2;
	}
	if (cc_repo_init(argv[1], &err) || cc_repo_open(&repo, argv[1], &err) ||
	    cc_key_generate(&spec, &cakey, &err) ||
	    cc_key_generate(&spec, &key, &err) ||
	    cc_key_to_pem(key, &keypem, &err)) {
		fprintf(stderr, "fill: %s\n", err.msg);
		return 1;
	}
	/* bulk fill: one sync() per batch instead of fsync per file */
	cc_repo_set_sync(repo, 0);
	ca = make_cert(cakey, cakey, NULL, "Bench CA", 1, -86400, 3650);
	cc_cert_to_pem(ca, &capem, NULL);
	srand(42);
	for (i = 0; i < n; i += BATCH) {
		struct cc_cert_meta metas[BATCH];
		struct cc_cert_files files[BATCH];
		struct cc_version vers[BATCH];
		struct cc_buf cert[BATCH], full[BATCH];
		struct cc_cert_info info[BATCH];

		m = n - i < BATCH ? n - i : BATCH;
		memset(metas, 0, sizeof(metas));
		memset(files, 0, sizeof(files));
		memset(vers, 0, sizeof(vers));
		memset(info, 0, sizeof(info));
		for (j = 0; j < m; j++) {
			char cn[64];
			X509 *c;

			snprintf(cn, sizeof(cn), "host%07ld.bench.test", i + j);
			c = make_cert(key, cakey, X509_get_subject_name(ca), cn,
				      1000 + i + j, -86400L * (rand() % 30),
				      1 + rand() % 365);
			cc_buf_init(&cert[j]);
			cc_buf_init(&full[j]);
			cc_cert_to_pem(c, &cert[j], NULL);
			cc_buf_add(&full[j], cert[j].data, cert[j].len);
			cc_buf_add(&full[j], capem.data, capem.len);
			cc_cert_info_get(c, &info[j], NULL);
			X509_free(c);
			metas[j].name = strdup(cn);
			metas[j].source = strdup(j % 3 ? "acme" : "imported");
			metas[j].status = strdup("valid");
			files[j].cert_pem = cert[j].data;
			files[j].chain_pem = capem.data;
			files[j].fullchain_pem = full[j].data;
			files[j].key_pem = keypem.data;
			vers[j].common_name = info[j].common_name;
			vers[j].names = info[j].names;
			vers[j].nnames = info[j].nnames;
			vers[j].issuer = info[j].issuer;
			vers[j].serial = info[j].serial;
			vers[j].not_before = info[j].not_before;
			vers[j].not_after = info[j].not_after;
			vers[j].key_type = info[j].key_type;
			vers[j].fingerprint = info[j].fingerprint;
			vers[j].reason = "imported";
		}
		if (cc_repo_store_many(repo, metas, files, vers, (size_t)m,
				       &err)) {
			fprintf(stderr, "fill: %s\n", err.msg);
			return 1;
		}
		for (j = 0; j < m; j++) {
			metas[j].nversions = 0;
			metas[j].versions = NULL;
			cc_cert_meta_release(&metas[j]);
			cc_buf_release(&cert[j]);
			cc_buf_release(&full[j]);
			cc_cert_info_release(&info[j]);
		}
		if ((i / BATCH) % 10 == 9)
			fprintf(stderr, "  %ld certificates\n", i + m);
	}
	X509_free(ca);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(key);
	cc_buf_release(&keypem);
	cc_buf_release(&capem);
	cc_repo_free(repo);
	return 0;
}
