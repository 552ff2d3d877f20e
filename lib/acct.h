/*
 * ACME accounts in the repository:
 *   accounts/<server-id>/<name>/account.yaml   directory URL, account URL,
 *                                               contacts, status, times
 *   accounts/<server-id>/<name>/key.pem         account key (0600)
 *   accounts/<server-id>/.default               name of the default account
 * <server-id> is derived from the directory URL (host, port and path with
 * unsafe characters replaced), so several CAs and several accounts per CA
 * live side by side.
 */
#ifndef CERTCTL_ACCT_H
#define CERTCTL_ACCT_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "err.h"
#include "repo.h"

#define CC_ACME_LETSENCRYPT "https://acme-v02.api.letsencrypt.org/directory"
#define CC_ACME_LETSENCRYPT_STAGING \
	"https://acme-staging-v02.api.letsencrypt.org/directory"

/*
 * Map a preset ("letsencrypt", "letsencrypt-staging") or an https URL to
 * a directory URL. CC_EUSAGE for anything else.
 */
int cc_acme_server_url(const char *name_or_url, const char **out,
		       struct cc_err *err);

/* Path-safe id of a directory URL ("acme-v02.api.letsencrypt.org_directory"). */
void cc_acct_server_id(const char *dir_url, char *out, size_t size);

struct cc_acct {
	char *name;		/* local name (default: "default") */
	char *server;		/* directory URL */
	char *url;		/* account URL (kid) */
	char **contact;		/* "mailto:..." */
	size_t ncontact;
	char *status;		/* valid, deactivated, revoked */
	char *key_type;		/* "ec:p256", ... */
	char *eab_kid;		/* EAB key id used at registration, or NULL */
	char *tos;		/* terms of service URL agreed to, or NULL */
	time_t created;
	time_t updated;
	EVP_PKEY *key;		/* loaded by cc_acct_load (not by list) */
	int is_default;		/* set by load/list */
};

void cc_acct_release(struct cc_acct *a);

/*
 * Load account name (NULL = the server's default) of server. CC_ENOENT
 * "no ACME account for <server>" when there is none.
 */
int cc_acct_load(struct cc_repo *repo, const char *server, const char *name,
		 struct cc_acct *out, struct cc_err *err);

/*
 * Save account.yaml and (when a->key is set) key.pem (0600). With
 * make_default, or when the server has no default yet, it becomes the
 * default.
 */
int cc_acct_save(struct cc_repo *repo, struct cc_acct *a, int make_default,
		 struct cc_err *err);

/* Every account of every server (keys not loaded), by server then name. */
int cc_acct_list(struct cc_repo *repo, struct cc_acct **out, size_t *n,
		 struct cc_err *err);
void cc_acct_list_free(struct cc_acct *v, size_t n);

/* Remove an account locally; the default moves to another one if any. */
int cc_acct_delete(struct cc_repo *repo, const char *server,
		   const char *name, struct cc_err *err);

#endif
