/*
 * Sectigo Certificate Manager (SCM) REST API client, password style: every
 * request carries the login, password and customerUri headers. See
 * shared/ref/sectigo-scm-api.md for the API this follows.
 *
 * Errors: SCM error bodies {"code":N,"description":"..."} become a cc_err
 * with the message "<description> (SCM code <N>)", err->problem = "<N>" and
 * err->http_status. -16/-970 (and HTTP 401/403, access denied codes) give
 * CC_EAUTH; -183/-1400/-109 ("not issued yet", "try later") give
 * CC_EPENDING. HTTP 429, 503 and the "try later" SCM codes are retried with
 * exponential back-off through the injected clock (other 5xx and transport
 * failures only for GET). The password never appears in an error message.
 *
 * Ownership: output structs are filled by the library and released with the
 * matching *_release function (NULL-safe; the struct can be reused after).
 */
#ifndef CERTCTL_SECTIGO_H
#define CERTCTL_SECTIGO_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "err.h"
#include "http.h"

#define CC_SECTIGO_PAGE_SIZE 200	/* SCM's maximum page size */
#define CC_SECTIGO_CSR_MAX 32767
#define CC_SECTIGO_COMMENTS_MAX 1024	/* characters */
#define CC_SECTIGO_REQUESTER_MAX 512
#define CC_SECTIGO_MESSAGE_MAX 512	/* replace reason, decline message */
#define CC_SECTIGO_REVOKE_REASON_MAX 511

struct cc_sectigo;

struct cc_sectigo_opts {
	const char *base_url;		/* "https://cert-manager.com/api" */
	const char *login;
	const char *customer_uri;
	const char *password;		/* copied; wiped on free */
	struct cc_http *http;		/* borrowed; must outlive the client */
	const struct cc_clock *clock;	/* borrowed; NULL = cc_clock_real */
	unsigned max_attempts;		/* per call, first included; 0 = 3 */
	unsigned backoff_ms;		/* first wait, then doubled; 0 = 2000 */
	unsigned backoff_max_ms;	/* longest single wait; 0 = 30000 */
	unsigned max_pages;		/* bound on paged lists; 0 = 1000 */
};

/*
 * Create a client. base_url must be https; login, customer_uri and password
 * must be non-empty without control characters. CC_EINVAL otherwise.
 */
int cc_sectigo_new(struct cc_sectigo **out, const struct cc_sectigo_opts *opts,
		   struct cc_err *err);
/* Wipe the password and free the client (not the http transport). */
void cc_sectigo_free(struct cc_sectigo *s);

/* Check the credentials with a cheap call (GET /ssl/v1/types). */
int cc_sectigo_check(struct cc_sectigo *s, struct cc_err *err);

/* ---- order status ------------------------------------------------------ */

enum cc_sectigo_state {
	CC_SECTIGO_UNKNOWN = 0,	/* a status string we do not know */
	CC_SECTIGO_PENDING,	/* Requested, (SA) Approved, Applied, Init */
	CC_SECTIGO_ISSUED,
	CC_SECTIGO_FAILED,	/* Declined, Rejected, Invalid */
	CC_SECTIGO_REVOKED,
	CC_SECTIGO_EXPIRED,
	CC_SECTIGO_REPLACED,
};

/* Map an SCM status string (case and spaces ignored); NULL -> UNKNOWN. */
enum cc_sectigo_state cc_sectigo_state_parse(const char *status);
/* "pending", "issued", "failed", "revoked", "expired", "replaced", "unknown" */
const char *cc_sectigo_state_name(enum cc_sectigo_state st);

/*
 * Parse an SCM date: MM/dd/yyyy (the default), yyyy-MM-dd, or ISO
 * yyyy-MM-ddTHH:mm:ss[.fff][Z|+hh:mm|-hh:mm]. Dates are UTC midnight.
 * CC_EPROTO if it is none of these.
 */
int cc_sectigo_parse_date(const char *s, time_t *out, struct cc_err *err);

/* ---- organizations ----------------------------------------------------- */

struct cc_sectigo_dept {
	long id;		/* usable as orgId when enrolling */
	char *name;
	char *parent_name;
};

struct cc_sectigo_org {
	long id;
	char *name;
	struct cc_sectigo_dept *depts;
	size_t ndepts;
	/* from the details call only: -1 / empty when unknown */
	int ssl_api_enabled;
	char **cert_types;	/* e.g. "SSL" */
	size_t ncert_types;
};

struct cc_sectigo_orgs {
	struct cc_sectigo_org *v;
	size_t n;
};

/* GET /organization/v1: every org visible to the admin, with departments. */
int cc_sectigo_list_orgs(struct cc_sectigo *s, struct cc_sectigo_orgs *out,
			 struct cc_err *err);
/* GET /organization/v1/{id}: adds ssl_api_enabled and cert_types. */
int cc_sectigo_get_org(struct cc_sectigo *s, long id,
		       struct cc_sectigo_org *out, struct cc_err *err);
void cc_sectigo_org_release(struct cc_sectigo_org *o);
void cc_sectigo_orgs_release(struct cc_sectigo_orgs *l);

/* ---- domains ----------------------------------------------------------- */

struct cc_sectigo_domain {
	long id;
	char *name;
	/* from the details call only (NULL / -1 / 0 when unknown) */
	char *validation_status;	/* as sent, e.g. "VALIDATED" */
	int validated;			/* 1 validated, 0 not, -1 unknown */
	char *delegation_status;
	char *state;
	char *validation_method;
	time_t dcv_expires;
};

struct cc_sectigo_domains {
	struct cc_sectigo_domain *v;
	size_t n;
	size_t total;		/* X-Total-Count */
};

/* GET /domain/v1, every page (id and name only). */
int cc_sectigo_list_domains(struct cc_sectigo *s,
			    struct cc_sectigo_domains *out, struct cc_err *err);
/* GET /domain/v1/{id}: validation status and DCV dates. */
int cc_sectigo_get_domain(struct cc_sectigo *s, long id,
			  struct cc_sectigo_domain *out, struct cc_err *err);
void cc_sectigo_domain_release(struct cc_sectigo_domain *d);
void cc_sectigo_domains_release(struct cc_sectigo_domains *l);

/* ---- profiles ("types") and custom fields ------------------------------ */

struct cc_sectigo_key_type {
	char *alg;		/* "RSA", "EC" */
	char **params;		/* sizes or curves: "2048", "P-256" */
	size_t nparams;
};

struct cc_sectigo_profile {
	long id;
	char *name;
	char *description;
	int *terms;		/* days */
	size_t nterms;
	struct cc_sectigo_key_type *key_types;
	size_t nkey_types;
	int use_secondary_org_name;
};

struct cc_sectigo_profiles {
	struct cc_sectigo_profile *v;
	size_t n;
};

/* GET /ssl/v1/types[?organizationId=org_id] (org_id 0 = no filter). */
int cc_sectigo_list_profiles(struct cc_sectigo *s, long org_id,
			     struct cc_sectigo_profiles *out,
			     struct cc_err *err);
void cc_sectigo_profiles_release(struct cc_sectigo_profiles *l);
/* Is term (days) one of the profile's terms? */
int cc_sectigo_profile_allows_term(const struct cc_sectigo_profile *p,
				   int term);
/*
 * Does the profile allow alg ("RSA"/"EC", any case) with param ("2048",
 * "P-256"; curve spellings P-256/p256/prime256v1/secp256r1 are equal)?
 */
int cc_sectigo_profile_allows_key(const struct cc_sectigo_profile *p,
				  const char *alg, const char *param);

struct cc_sectigo_custom_field {
	long id;
	char *name;
	int mandatory;
};

struct cc_sectigo_custom_fields {
	struct cc_sectigo_custom_field *v;
	size_t n;
};

/* GET /ssl/v1/customFields. */
int cc_sectigo_list_custom_fields(struct cc_sectigo *s,
				  struct cc_sectigo_custom_fields *out,
				  struct cc_err *err);
void cc_sectigo_custom_fields_release(struct cc_sectigo_custom_fields *l);

/* ---- orders (SSL certificate records) ---------------------------------- */

struct cc_sectigo_order {
	long id;			/* sslId */
	char *common_name;
	char **sans;
	size_t nsans;
	char *serial;			/* colon-separated hex, or NULL */
	/* the rest comes from the details call only */
	long org_id;
	char *status;			/* as sent, e.g. "Applied" */
	enum cc_sectigo_state state;
	long profile_id;
	char *profile_name;
	int term;			/* days */
	char *comments;
	char *external_requester;
	char *requester;
	char *requested_via;
	char *key_type;			/* "RSA - 2048" */
	char *backend_cert_id;
	time_t requested, approved, issued, expires, revoked;	/* 0 = none */
	int renewed;
	int reason_code;		/* revocation reason, -1 = none */
};

struct cc_sectigo_orders {
	struct cc_sectigo_order *v;	/* sorted by id, no duplicates */
	size_t n;
	size_t total;			/* X-Total-Count of the first page */
	unsigned pages;			/* requests made */
};

/* Filters for cc_sectigo_list_orders; NULL/0 fields are not sent. */
struct cc_sectigo_order_filter {
	const char *status;
	const char *common_name;
	const char *external_requester;
	const char *serial;
	long org_id;
	long profile_id;
};

/*
 * GET /ssl/v1?size=200&position=N&filters for every page (position +=
 * size until a short page or X-Total-Count is reached; at most max_pages
 * requests, then CC_EPROTO). List entries have id, CN, SANs and serial only.
 */
int cc_sectigo_list_orders(struct cc_sectigo *s,
			   const struct cc_sectigo_order_filter *filter,
			   struct cc_sectigo_orders *out, struct cc_err *err);
/* GET /ssl/v1/{id}: details and status. CC_ENOENT for an unknown id. */
int cc_sectigo_get_order(struct cc_sectigo *s, long id,
			 struct cc_sectigo_order *out, struct cc_err *err);
void cc_sectigo_order_release(struct cc_sectigo_order *o);
void cc_sectigo_orders_release(struct cc_sectigo_orders *l);

/* ---- enroll, collect, renew, replace, revoke, approve/decline ---------- */

struct cc_sectigo_field {
	const char *name;
	const char *value;
};

struct cc_sectigo_enroll_req {
	const char *csr_pem;		/* PKCS#10 PEM; the CN comes from it */
	long org_id;			/* org or department id */
	long profile_id;		/* certType */
	int term;			/* days, one of the profile's terms */
	const char *const *sans;	/* sent as one comma-separated string */
	size_t nsans;
	const char *comments;		/* description, <= 1024 chars; NULL */
	const char *external_requester;	/* email(s), <= 512 chars; NULL */
	const struct cc_sectigo_field *custom_fields;
	size_t ncustom_fields;
	const char *dcv_mode;		/* CNAME, EMAIL, HTTP, ...; NULL */
	const char *dcv_email;		/* NULL */
};

struct cc_sectigo_enrolled {
	long ssl_id;
	char *renew_id;			/* may be NULL */
};

/* POST /ssl/v1/enroll. Arguments are checked before anything is sent. */
int cc_sectigo_enroll(struct cc_sectigo *s,
		      const struct cc_sectigo_enroll_req *req,
		      struct cc_sectigo_enrolled *out, struct cc_err *err);
void cc_sectigo_enrolled_release(struct cc_sectigo_enrolled *e);

/*
 * GET /ssl/v1/collect/{id}?format=<format> (falling back to the older
 * /collect/{id}/{format} when the server answers 404/405 without an SCM
 * error). Formats: x509, x509CO, x509IO, x509IOR, x509R, pem, pemco, pemia,
 * base64 (PKCS#7), bin (PKCS#7 DER). The body goes to out as sent.
 * CC_EPENDING (with err->problem "-183" etc.) while not issued.
 */
int cc_sectigo_collect(struct cc_sectigo *s, long id, const char *format,
		       struct cc_buf *out, struct cc_err *err);
/*
 * The issued chain as PEM, leaf first, then intermediates, then the root,
 * with LF line endings (x509CO + x509IOR, or x509IO reversed where x509IOR
 * is refused). CC_EPENDING while not issued.
 */
int cc_sectigo_collect_chain(struct cc_sectigo *s, long id,
			     struct cc_buf *pem, struct cc_err *err);

/*
 * POST /ssl/v1/renewById/{id} with {"csr":...} or {} (csr_pem NULL reuses
 * the old CSR and key). *new_id gets the new order's sslId.
 */
int cc_sectigo_renew(struct cc_sectigo *s, long id, const char *csr_pem,
		     long *new_id, struct cc_err *err);
/* POST /ssl/v1/renew/{renewId}: SCM answers 204 without the new id. */
int cc_sectigo_renew_by_renew_id(struct cc_sectigo *s, const char *renew_id,
				 const char *csr_pem, struct cc_err *err);

struct cc_sectigo_replace_req {
	const char *csr_pem;		/* required */
	const char *reason;		/* required, 1-512 chars */
	const char *common_name;	/* optional, 1-64 chars */
	const char *const *sans;	/* sent as a JSON array */
	size_t nsans;
	const char *dcv_mode;
	const char *dcv_email;
};

/* POST /ssl/v1/replace/{id} (reissue; the order keeps its sslId). */
int cc_sectigo_replace(struct cc_sectigo *s, long id,
		       const struct cc_sectigo_replace_req *req,
		       struct cc_err *err);

enum cc_sectigo_revoke_reason {
	CC_SECTIGO_REVOKE_UNSPECIFIED = 0,
	CC_SECTIGO_REVOKE_KEY_COMPROMISE = 1,
	CC_SECTIGO_REVOKE_AFFILIATION_CHANGED = 3,
	CC_SECTIGO_REVOKE_SUPERSEDED = 4,
	CC_SECTIGO_REVOKE_CESSATION = 5,
};

/*
 * POST /ssl/v1/revoke/{id} {"reasonCode":N,"reason":"..."}. reason_code is
 * one of enum cc_sectigo_revoke_reason, reason 1-511 chars. "Already
 * revoked" (-159) counts as success.
 */
int cc_sectigo_revoke(struct cc_sectigo *s, long id, int reason_code,
		      const char *reason, struct cc_err *err);

/* POST /ssl/v1/approve/{id} and /decline/{id} {"message":...} (1-512). */
int cc_sectigo_approve(struct cc_sectigo *s, long id, const char *message,
		       struct cc_err *err);
int cc_sectigo_decline(struct cc_sectigo *s, long id, const char *message,
		       struct cc_err *err);

/*
 * SCM has no cancel call. Best effort: decline the order when its status is
 * Requested; otherwise CC_EUNSUPPORTED with a message that says what to do
 * (revoke an issued certificate, or delete it locally). *state (if not NULL)
 * gets the status found.
 */
int cc_sectigo_cancel(struct cc_sectigo *s, long id, const char *message,
		      enum cc_sectigo_state *state, struct cc_err *err);

/* ---- pure functions (exposed for tests and the command layer) ---------- */

/*
 * Turn an error response into err and return its CC_E* code (see the top of
 * this file). body may be NULL or not JSON.
 */
int cc_sectigo_map_error(long http_status, const char *body, size_t len,
			 struct cc_err *err);

/* Request bodies; *json is malloc'd. CC_EINVAL on bad arguments. */
int cc_sectigo_enroll_json(const struct cc_sectigo_enroll_req *req,
			   char **json, struct cc_err *err);
int cc_sectigo_replace_json(const struct cc_sectigo_replace_req *req,
			    char **json, struct cc_err *err);

/* Response bodies; CC_EPROTO naming the field on bad input. */
int cc_sectigo_parse_orgs(const char *json, size_t len,
			  struct cc_sectigo_orgs *out, struct cc_err *err);
int cc_sectigo_parse_org(const char *json, size_t len,
			 struct cc_sectigo_org *out, struct cc_err *err);
int cc_sectigo_parse_domain(const char *json, size_t len,
			    struct cc_sectigo_domain *out, struct cc_err *err);
int cc_sectigo_parse_profiles(const char *json, size_t len,
			      struct cc_sectigo_profiles *out,
			      struct cc_err *err);
int cc_sectigo_parse_custom_fields(const char *json, size_t len,
				   struct cc_sectigo_custom_fields *out,
				   struct cc_err *err);
int cc_sectigo_parse_order(const char *json, size_t len,
			   struct cc_sectigo_order *out, struct cc_err *err);
/* One page of the order list, appended to out (no sorting). */
int cc_sectigo_parse_order_page(const char *json, size_t len,
				struct cc_sectigo_orders *out, size_t *count,
				struct cc_err *err);
int cc_sectigo_parse_enrolled(const char *json, size_t len,
			      struct cc_sectigo_enrolled *out,
			      struct cc_err *err);

#endif
