/*
 * Local Sectigo Certificate Manager data in the repository (no printing,
 * no environment): the account, the synced organizations, domains and
 * profiles, and the map from SCM order ids (sslId) to certificate names.
 *
 * Layout (all files 0600, directory 0700, written with cc_repo_write):
 *   sectigo/account.yaml   url, login, customer-uri, ca-bundle and either
 *                          password-env: VAR or password-stored: true
 *   sectigo/password       the password itself (only when stored)
 *   sectigo/orgs.yaml      synced: TIME, organizations: [...]
 *   sectigo/domains.yaml   synced: TIME, domains: [...]
 *   sectigo/profiles.yaml  synced: TIME, profiles: [...], custom-fields
 *   sectigo/orders.yaml    orders: { "<sslId>": <certificate name> }
 *
 * The synced lists reuse the SCM client's structs (providers/sectigo.h)
 * and are released with its *_release functions.
 */
#ifndef CERTCTL_SECTIGO_STORE_H
#define CERTCTL_SECTIGO_STORE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "repo.h"
#include "sectigo.h"

#define CC_SCM_DIR "sectigo"
#define CC_SCM_ACCOUNT "sectigo/account.yaml"
#define CC_SCM_PASSWORD "sectigo/password"
#define CC_SCM_ORGS "sectigo/orgs.yaml"
#define CC_SCM_DOMAINS "sectigo/domains.yaml"
#define CC_SCM_PROFILES "sectigo/profiles.yaml"
#define CC_SCM_ORDERS "sectigo/orders.yaml"

/* The stored account (sectigo/account.yaml). */
struct cc_scm_account {
	char *url;
	char *login;
	char *customer_uri;
	char *ca_bundle;	/* NULL: the system's CAs */
	char *password_env;	/* read the password from this variable */
	int password_stored;	/* the password is in sectigo/password */
	time_t created;
	time_t updated;
};

void cc_scm_account_release(struct cc_scm_account *a);

/* CC_ENOENT when no account was stored; CC_ECORRUPT for a bad file. */
int cc_scm_account_load(struct cc_repo *repo, struct cc_scm_account *out,
			struct cc_err *err);

/*
 * Store the account under one repository lock. With password (not NULL)
 * the password goes to sectigo/password (0600) and password_env is not
 * written; with password NULL, a->password_env must be set and an old
 * sectigo/password is removed. created is kept from an existing account.
 */
int cc_scm_account_save(struct cc_repo *repo, struct cc_scm_account *a,
			const char *password, struct cc_err *err);

/* The stored password into out (a secret buffer), without a line end. */
int cc_scm_password_read(struct cc_repo *repo, struct cc_buf *out,
			 struct cc_err *err);

/* ---- synced data ---- */

struct cc_scm_orgs {
	time_t synced;		/* 0: never */
	struct cc_sectigo_orgs list;
};

struct cc_scm_domains {
	time_t synced;
	struct cc_sectigo_domains list;
};

/* Organizations that offer one profile (from ?organizationId=N). */
struct cc_scm_idlist {
	long *v;
	size_t n;
	int known;		/* 0: availability per org was not fetched */
};

struct cc_scm_profiles {
	time_t synced;
	struct cc_sectigo_profiles list;
	struct cc_scm_idlist *orgs;	/* one per list.v[i] */
	struct cc_sectigo_custom_fields fields;
};

void cc_scm_orgs_release(struct cc_scm_orgs *o);
void cc_scm_domains_release(struct cc_scm_domains *d);
void cc_scm_profiles_release(struct cc_scm_profiles *p);

/*
 * Load synced data. A file that does not exist gives CC_OK with synced 0
 * and empty lists; an unreadable one CC_ECORRUPT.
 */
int cc_scm_orgs_load(struct cc_repo *repo, struct cc_scm_orgs *out,
		     struct cc_err *err);
int cc_scm_domains_load(struct cc_repo *repo, struct cc_scm_domains *out,
			struct cc_err *err);
int cc_scm_profiles_load(struct cc_repo *repo, struct cc_scm_profiles *out,
			 struct cc_err *err);

/* Save synced data (atomically; synced is written as given). */
int cc_scm_orgs_save(struct cc_repo *repo, const struct cc_scm_orgs *o,
		     struct cc_err *err);
int cc_scm_domains_save(struct cc_repo *repo, const struct cc_scm_domains *d,
			struct cc_err *err);
int cc_scm_profiles_save(struct cc_repo *repo,
			 const struct cc_scm_profiles *p, struct cc_err *err);

/* Does org id (or a department id) appear in the list? */
int cc_scm_idlist_has(const struct cc_scm_idlist *l, long id);
int cc_scm_idlist_add(struct cc_scm_idlist *l, long id);

/* ---- lookups on synced data (pure) ---- */

/*
 * Find an organization or department by id ("1001") or by name ("Example
 * Corp", a department "IT" or "Example Corp/IT"; names compare without
 * regard to case). *org is the organization, *dept the department or
 * NULL. Returns 1 found, 0 not found, -1 ambiguous name.
 */
int cc_scm_find_org(const struct cc_sectigo_orgs *l, const char *key,
		    const struct cc_sectigo_org **org,
		    const struct cc_sectigo_dept **dept);

/* Profile by id or name (case-insensitive); index or -1, -2 ambiguous. */
int cc_scm_find_profile(const struct cc_sectigo_profiles *l,
			const char *key);

/*
 * The domain that covers name: the longest domain D with name == D or
 * name ending in "." D ("*.a.example.com" is covered like
 * "x.a.example.com"). NULL if none.
 */
const struct cc_sectigo_domain *
cc_scm_domain_for(const struct cc_sectigo_domains *l, const char *name);

/* ---- order id -> certificate name map (sectigo/orders.yaml) ---- */

/* Keys are decimal sslIds. A missing file gives an empty map. */
int cc_scm_ordermap_load(struct cc_repo *repo, struct cc_strmap *out,
			 struct cc_err *err);
int cc_scm_ordermap_save(struct cc_repo *repo, const struct cc_strmap *m,
			 struct cc_err *err);

#endif
