/*
 * The ACME issuance driver: order -> publish every challenge -> wait once
 * -> answer them all -> finalize -> download -> store a new version.
 *
 * A request in flight is kept in the repository under pending/<name>/
 * (order.yaml: order and authorization URLs, the challenges and what was
 * published where; key.pem: the certificate key of this order), written
 * before anything is published. So a manual challenge can be completed
 * later (cc_issue_finish), a failed one retried with fresh challenges
 * (cc_issue_abandon then a new request), and whatever a crashed run
 * published is cleaned up by the next run for the same certificate.
 */
#ifndef CERTCTL_ISSUE_H
#define CERTCTL_ISSUE_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "acme.h"
#include "dnsq.h"
#include "repo.h"
#include "solver.h"

struct cc_issue_req {
	const char *name;		/* certificate name in the repository */
	const char *const *names;	/* identifiers; names[0] = common name */
	size_t nnames;
	const char *server;		/* directory URL (recorded) */
	const char *account;		/* account name (recorded) */
	const char *challenge;		/* "http-01" or "dns-01" */
	const char *key_policy;		/* "new" (default), "same", "import" */
	const char *key_type;		/* for new keys; NULL = "ec:p256" */
	EVP_PKEY *import_key;		/* key_policy "import" */
	const char *digest;		/* CSR digest; NULL = sha256 */
	const char *keystore;		/* pem (default), p12, p12-legacy, jks */
	const char *keystore_password;	/* to write p12/jks now (secret) */
	const char *keystore_password_file; /* recorded for renewals */
	const char *keystore_password_env;  /* recorded for renewals */
	const char *preferred_chain;	/* issuer CN of the chain's top */
	const char *profile;		/* ACME profile or NULL */
	const char *replaces;		/* ARI certificate ID or NULL */
	const char *reason;		/* history reason: "issued", "renewed" */
	const char *renew_before;	/* per-certificate renewal override
					   ("30d") to record, or NULL */
	EVP_PKEY *use_key;		/* use this key whatever the policy
					   (retry of a pending order) */
	const struct cc_strmap *settings; /* solver settings to keep in
					     meta.extra for renewals */
};

struct cc_issue_env {
	struct cc_acme *acme;
	struct cc_repo *repo;
	struct cc_solver *solver;
	/* dns-01 propagation check (dns_wait.servers overrides the
	   authoritative servers); skipped when skip_dns_wait */
	struct cc_dns_wait_opts dns_wait;
	int skip_dns_wait;
	int follow_cname;
	int lookup_zone;		/* find the zone of each dns-01 name */
	/* progress lines for the user (may be NULL) */
	void (*progress)(void *arg, const char *msg);
	void *progress_arg;
};

struct cc_issue_result {
	int version;
	time_t not_after;
	char serial[80];
	int pending;			/* manual challenges wait (CC_EPENDING) */
	struct cc_buf instructions;	/* what to place by hand when pending */
};

void cc_issue_result_release(struct cc_issue_result *r);

/*
 * Request a certificate. Takes the certificate's lock; cleans up what an
 * earlier crashed run published. CC_OK when stored; CC_EPENDING with
 * res->pending and res->instructions when challenges must be placed by
 * hand (then 'finish' continues); otherwise an error, after cleaning up
 * what was published (the pending record stays with status "failed").
 */
int cc_issue_request(struct cc_issue_env *env, const struct cc_issue_req *req,
		     struct cc_issue_result *res, struct cc_err *err);

/*
 * Continue a pending request of name (after manual placement).
 * keystore_password is needed when the request asked for p12/jks.
 */
int cc_issue_finish(struct cc_issue_env *env, const char *name,
		    const char *keystore_password,
		    struct cc_issue_result *res, struct cc_err *err);

/*
 * Clean up what a pending request of name published (with env->solver,
 * which may be NULL when nothing but manual records exist), deactivate its
 * authorizations when env->acme is set, and forget it.
 */
int cc_issue_abandon(struct cc_issue_env *env, const char *name,
		     struct cc_err *err);

/* A pending request as stored. */
struct cc_pending {
	char *name;
	char *server;
	char *account;
	char *order_url;
	char *challenge;
	char *status;		/* "published", "manual", "failed" */
	char *error;
	time_t created;
	struct cc_strlist names;
	struct cc_chal_list items;
	char **authz;		/* per item */
	char **chall;		/* per item */
	/* request settings to finish with */
	char *key_policy, *key_type, *digest, *keystore, *ks_pw_file,
		*ks_pw_env, *preferred_chain, *profile, *replaces, *reason;
	struct cc_strmap settings;
};

void cc_pending_release(struct cc_pending *p);
/* The certificate key of name's pending request. */
int cc_pending_key(struct cc_repo *repo, const char *name, EVP_PKEY **key,
		   struct cc_err *err);
/* CC_ENOENT when name has no pending request. */
int cc_pending_load(struct cc_repo *repo, const char *name,
		    struct cc_pending *out, struct cc_err *err);
/* Names of every pending request. */
int cc_pending_list(struct cc_repo *repo, struct cc_strlist *names,
		    struct cc_err *err);

#endif
