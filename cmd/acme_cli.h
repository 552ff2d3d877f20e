/* Shared by the certctl acme ... commands. */
#ifndef CERTCTL_ACME_CLI_H
#define CERTCTL_ACME_CLI_H

#include "acct.h"
#include "acme.h"
#include "cmd.h"
#include "http.h"

struct acme_session {
	const char *server;		/* directory URL */
	struct cc_http *http;
	struct cc_acme *acme;
	struct cc_acct acct;		/* loaded account (key set) */
	char *ca_bundle;		/* absolute path of the CA bundle used */
	int have_acct;
};

/* Options every acme command takes. */
struct acme_common {
	const char *server;		/* --server */
	const char *ca_bundle;		/* --ca-bundle */
	const char *account;		/* --account NAME */
};

#define ACME_COMMON_OPTS(c)                                                   \
	{ OPT_STR, 's', "server", &(c).server, "SERVER",                      \
	  "letsencrypt, letsencrypt-staging or a directory URL" },            \
	{ OPT_STR, 0, "ca-bundle", &(c).ca_bundle, "FILE",                    \
	  "CA certificates to verify the ACME server with" },                 \
	{ OPT_STR, 'a', "account", &(c).account, "NAME",                      \
	  "account to use (default: the server's default account)" }

/* Resolve the server URL from options and configuration; exit code. */
int acme_server(struct cli *cl, const struct acme_common *o,
		const char **url);

/*
 * Open a session: HTTP transport and, when need_account, the stored
 * account and an ACME client signed with its key. Prints errors; returns
 * an exit code.
 */
int acme_open(struct cli *cl, const struct acme_common *o, int need_account,
	      struct acme_session *s);
void acme_close(struct acme_session *s);

int cmd_acme_account(int argc, char **argv, struct cli *cl);
int cmd_acme(int argc, char **argv, struct cli *cl);

/* Revoke an ACME certificate of the repository (co may be NULL). */
int acme_revoke_cert(struct cli *cl, const char *name, const char *reason,
		     int by_cert_key, const struct acme_common *co);

#endif
