/* Shared by the certctl sectigo ... commands (cmd/sectigo_*.c). */
#ifndef CERTCTL_SECTIGO_CLI_H
#define CERTCTL_SECTIGO_CLI_H

#include <time.h>

#include <openssl/evp.h>

#include "cmd.h"
#include "http.h"
#include "sectigo.h"
#include "sectigo_store.h"

#define SCM_DEFAULT_URL "https://cert-manager.com/api"
#define SCM_DEFAULT_KEY_TYPE "rsa:2048"
#define SCM_SYNC_MAX_AGE (7 * 86400LL)

/* The --json option of every sectigo command. */
#define SCM_OPT_JSON \
	{ OPT_FLAG, 0, "json", &out_json, NULL, "machine-readable JSON output" }

/*
 * Keys used in a certificate's metadata:
 *   ca.ssl-id            the SCM order (sslId) of the current certificate
 *   ca.pending-ssl-id    the order being waited for, when it differs
 *   ca.previous-ssl-ids  earlier orders, oldest first, comma-separated
 *   ca.renew-id, ca.order-number, ca.org-id, ca.profile-id, ca.term, ca.url
 *   extra.sectigo-pending           order | renew | reissue
 *   extra.sectigo-status            SCM's status text when last seen
 *   extra.revocation-reason         set by revoke
 *   extra.keystore-password-file    where the keystore password is read
 *   extra.keystore-password-env     at collection time (never the password)
 * A pending order keeps its key in pending/<name>/key.pem (0600).
 */
#define SCM_PENDING_DIR "pending"

/* The effective account: certctl.conf keys override the stored account. */
struct scm_settings {
	struct cc_scm_account acct;	/* stored account (may be empty) */
	int have_acct;
	const char *url, *login, *customer_uri, *ca_bundle;
	const char *url_from, *login_from, *customer_uri_from,
		   *ca_bundle_from;	/* "account", "certctl.conf", ... */
	const char *password_file;	/* certctl.conf sectigo.password-file */
	const char *password_env;	/* stored password-env */
	int password_stored;
};

/* Resolve the settings; prints errors; returns an exit code. */
int scm_settings_get(struct cli *cl, struct cc_repo *repo,
		     struct scm_settings *out);
void scm_settings_release(struct scm_settings *s);

struct scm_session {
	struct cc_repo *repo;
	struct cc_http *http;
	struct cc_sectigo *scm;
	char *url;		/* base URL in use */
};

/* Open the repository and an SCM client. Prints errors; exit code. */
int scm_open(struct cli *cl, struct scm_session *s);
void scm_close(struct scm_session *s);
/*
 * Make a client from explicit values; attempts bounds the tries of each
 * call (0: the client's default). Exit code.
 */
int scm_client(struct scm_session *s, const char *url, const char *login,
	       const char *customer_uri, const char *password,
	       const char *ca_bundle, unsigned attempts);

/* ---- synced data ---- */

enum {
	SCM_SYNC_ORGS = 1,
	SCM_SYNC_DOMAINS = 2,
	SCM_SYNC_PROFILES = 4,
	SCM_SYNC_ALL = 7,
};

struct scm_synced {
	struct cc_scm_orgs orgs;
	struct cc_scm_domains domains;
	struct cc_scm_profiles profiles;
};

void scm_synced_release(struct scm_synced *d);

/*
 * Load the parts in what; parts never synced or older than
 * sectigo.sync-max-age (default 7d) are fetched again first (opening the
 * session s when needed; s must be zeroed or open). A failed refresh of
 * data that exists locally only warns. Prints errors; exit code.
 */
int scm_synced_get(struct cli *cl, struct scm_session *s, unsigned what,
		   struct scm_synced *out);

/* ---- certificates ---- */

/*
 * Load certificate name (must come from Sectigo). Prints errors; exit
 * code. The repository is opened through cl.
 */
int scm_cert_load(struct cli *cl, const char *name, struct cc_cert_meta *m);

/* A decimal id from meta.ca[key]; 0 if absent or bad. */
long scm_ca_id(const struct cc_cert_meta *m, const char *key);
/* The order being waited for (pending-ssl-id, else ssl-id when the
 * certificate has a pending order), or 0 if none. */
long scm_pending_id(const struct cc_cert_meta *m);

/* certctl status for an SCM state ("valid", "pending", ...). */
const char *scm_local_status(enum cc_sectigo_state st);

/* Read a keystore password from a file (first line) or a variable. */
int scm_keystore_password(const char *file, const char *env,
			  struct cc_buf *out, struct cc_err *err);

/*
 * Store the issued certificate of order o (id) as a new version of m:
 * the chain from SCM (leaf first), the pending key (or the current key
 * when it matches), a keystore per meta->keystore. Updates meta (status,
 * ca ids, pending cleared), removes pending/<name>. The version's reason
 * follows the pending order (renewed, reissued, issued), else reason
 * (NULL: "issued"). *stored is 1 when a version was written (0: it was
 * already the current one). Prints nothing. CC_EPENDING when SCM does
 * not serve the new certificate yet.
 */
int scm_store_issued(struct scm_session *s, struct cc_cert_meta *m,
		     const struct cc_sectigo_order *o, const char *reason,
		     int *stored, struct cc_err *err);

/* Drop a pending order from meta (and its key); meta is saved by caller. */
void scm_pending_clear(struct scm_session *s, struct cc_cert_meta *m);

/* Record that order id belongs to certificate name (sectigo/orders.yaml). */
int scm_ordermap_add(struct cc_repo *repo, long id, const char *name,
		     struct cc_err *err);

/* Generate a key (spec text) and a CSR for names; out: key PEM, CSR PEM. */
int scm_key_and_csr(const char *key_type, EVP_PKEY *reuse,
		    const char *const *names, size_t n, struct cc_buf *key_pem,
		    struct cc_buf *csr_pem, struct cc_err *err);

/* Write pending/<name>/key.pem (0600) and csr.pem. */
int scm_pending_write(struct cc_repo *repo, const char *name,
		      const struct cc_buf *key_pem,
		      const struct cc_buf *csr_pem, struct cc_err *err);

/* Parse a revocation reason (name or number); -1 if unknown. */
int scm_revoke_code(const char *s);
const char *scm_revoke_name(int code);

/* JSON helpers. */
void scm_json_str(cJSON *o, const char *key, const char *v);
void scm_json_time(cJSON *o, const char *key, time_t t);

/* Subcommands (argv[0] is the subcommand name). */
int scm_cmd_account(int argc, char **argv, struct cli *cl);
int scm_cmd_sync(int argc, char **argv, struct cli *cl);
int scm_cmd_orgs(int argc, char **argv, struct cli *cl);
int scm_cmd_domains(int argc, char **argv, struct cli *cl);
int scm_cmd_profiles(int argc, char **argv, struct cli *cl);
int scm_cmd_import(int argc, char **argv, struct cli *cl);
int scm_cmd_order(int argc, char **argv, struct cli *cl);
int scm_cmd_status(int argc, char **argv, struct cli *cl);
int scm_cmd_renew(int argc, char **argv, struct cli *cl);
int scm_cmd_reissue(int argc, char **argv, struct cli *cl);
int scm_cmd_revoke(int argc, char **argv, struct cli *cl);
int scm_cmd_cancel(int argc, char **argv, struct cli *cl);
int scm_cmd_delete(int argc, char **argv, struct cli *cl);

/*
 * For 'certctl cert renew/revoke' on certificates whose source is
 * sectigo: order a renewal (key per the certificate's key policy), or
 * revoke (reason: a code name or number). Print; return the exit code.
 */
int sectigo_cert_renew(struct cli *cl, const char *name);
int sectigo_cert_revoke(struct cli *cl, const char *name, const char *reason);

#endif
