/*
 * ACME protocol client (RFC 8555), with IP identifiers (RFC 8738), renewal
 * information (ARI, RFC 9773) and certificate profiles.
 *
 * A struct cc_acme talks to one CA directory over a borrowed struct cc_http
 * and waits through a borrowed struct cc_clock (so tests never sleep). It
 * handles nonces (Replay-Nonce reuse, HEAD newNonce, badNonce retries),
 * signs requests with the account key (kid) or embeds the JWK where the
 * protocol asks for it, turns problem documents into struct cc_err, and
 * retries once after 429/503 when Retry-After is short.
 *
 * Errors: a problem document gives err->problem = its type, err->http_status,
 * err->retry_after and the message "<type-suffix>: <detail>" followed by
 * "; <identifier>: <detail>" per subproblem. Codes:
 *   rateLimited                                  CC_ERATELIMIT
 *   unauthorized, incorrectResponse, dns,
 *   connection, tls                              CC_ECHALLENGE
 *   accountDoesNotExist                          CC_ENOENT
 *   externalAccountRequired                      CC_EAUTH
 *   alreadyRevoked                               CC_EEXIST
 *   badNonce after the retries                   CC_EPROTO
 *   any other problem or non-2xx status          CC_EHTTP
 *   malformed 2xx response                       CC_EPROTO
 *   transport failure                            CC_ENET
 *   polling deadline passed                      CC_EPENDING
 *   authorization ended "invalid"                CC_ECHALLENGE
 *
 * Functions taking an out struct initialise it before anything can fail,
 * so its release function is safe to call after success or failure. The
 * previous contents are not freed: release a struct before reusing it.
 */
#ifndef CERTCTL_ACME_H
#define CERTCTL_ACME_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "clock.h"
#include "err.h"
#include "http.h"

struct cc_acme;

struct cc_acme_directory {
	char *new_nonce;
	char *new_account;
	char *new_order;
	char *revoke_cert;		/* NULL if absent */
	char *key_change;		/* NULL if absent */
	char *renewal_info;		/* ARI; NULL if absent */
	char *terms_of_service;		/* meta.termsOfService or NULL */
	char *website;			/* meta.website or NULL */
	int external_account_required;	/* meta.externalAccountRequired */
	char **profiles;		/* meta.profiles names, or NULL */
	char **profile_descs;		/* their descriptions ("" if none) */
	size_t nprofiles;
};

struct cc_acme_opts {
	unsigned max_retry_after;	/* wait and retry a 429/503 once when its
					   Retry-After is <= this (s); 0 = 60 */
	unsigned poll_timeout;		/* total polling budget (s); 0 = 120 */
	unsigned poll_initial_ms;	/* first polling delay; 0 = 10 */
	unsigned poll_max_ms;		/* delay cap; 0 = 5000 */
	unsigned nonce_retries;		/* badNonce retries; 0 = 10 */
};

/*
 * New client for directory_url. http and clock are borrowed and must
 * outlive the client. account_key is referenced (EVP_PKEY_up_ref);
 * account_url may be NULL until an account is created or found.
 * Nothing is sent before the first call that needs the server.
 */
int cc_acme_new(struct cc_acme **out, const char *directory_url,
		struct cc_http *http, const struct cc_clock *clock,
		EVP_PKEY *account_key, const char *account_url,
		struct cc_err *err);
void cc_acme_free(struct cc_acme *a);

/* Replace the options (zero fields take their defaults). */
void cc_acme_set_opts(struct cc_acme *a, const struct cc_acme_opts *opts);

/* Account URL (kid), or NULL when not known yet. */
const char *cc_acme_account_url(const struct cc_acme *a);
/* Current account key (changes after cc_acme_account_key_change). */
EVP_PKEY *cc_acme_account_key(const struct cc_acme *a);

/* Fetch the directory once (cached for the life of a). */
int cc_acme_get_directory(struct cc_acme *a,
			  const struct cc_acme_directory **out,
			  struct cc_err *err);

/*
 * Signed POST to url with the account key and kid. payload is JSON text,
 * or NULL for POST-as-GET. On success (2xx) resp holds the response; on
 * any failure resp is released. resp must be initialised.
 */
int cc_acme_post(struct cc_acme *a, const char *url, const char *payload,
		 struct cc_http_response *resp, struct cc_err *err);

/* ------------------------------------------------------------------ */
/* Accounts */

struct cc_acme_account {
	char *url;
	char *status;		/* "valid", "deactivated", "revoked" */
	char **contact;		/* "mailto:..." */
	size_t ncontact;
	char *orders;		/* orders list URL or NULL */
	int created;		/* 1 if this call created it (201) */
};

void cc_acme_account_release(struct cc_acme_account *acct);

struct cc_acme_account_req {
	const char *const *contact;	/* e-mail addresses ("mailto:" added
					   when missing) */
	size_t ncontact;
	int agree_tos;			/* termsOfServiceAgreed */
	const char *eab_kid;		/* External Account Binding, or NULL */
	const char *eab_hmac_key;	/* base64url HMAC key, or NULL */
};

/*
 * newAccount. The CA returns the existing account for this key if there
 * is one (created = 0). Sets the client's account URL. CC_EAUTH before
 * any request if the CA requires EAB and none was given.
 */
int cc_acme_account_new(struct cc_acme *a,
			const struct cc_acme_account_req *req,
			struct cc_acme_account *out, struct cc_err *err);

/* newAccount with onlyReturnExisting: CC_ENOENT if the key has none. */
int cc_acme_account_find(struct cc_acme *a, struct cc_acme_account *out,
			 struct cc_err *err);

/* POST-as-GET the account (needs the account URL). */
int cc_acme_account_fetch(struct cc_acme *a, struct cc_acme_account *out,
			  struct cc_err *err);

/* Replace the contact list (ncontact = 0 removes all contacts). */
int cc_acme_account_update(struct cc_acme *a, const char *const *contact,
			   size_t ncontact, struct cc_acme_account *out,
			   struct cc_err *err);

/*
 * Account key rollover (RFC 8555 7.3.5): the inner JWS is signed by
 * new_key with "jwk", the outer by the current key with "kid". On success
 * the client uses new_key (referenced) from then on.
 */
int cc_acme_account_key_change(struct cc_acme *a, EVP_PKEY *new_key,
			       struct cc_err *err);

/* Deactivate the account (irreversible). out may be NULL. */
int cc_acme_account_deactivate(struct cc_acme *a,
			       struct cc_acme_account *out,
			       struct cc_err *err);

/* ------------------------------------------------------------------ */
/* Orders, authorizations, challenges */

struct cc_acme_identifier {
	char *type;		/* "dns" or "ip" */
	char *value;
};

/* An embedded problem document (order or challenge "error"). */
struct cc_acme_problem {
	char *type;		/* full type URN, or NULL when absent */
	char *message;		/* "<suffix>: <detail>[; <id>: <detail>]" */
};

struct cc_acme_order {
	char *url;
	char *status;		/* pending ready processing valid invalid */
	time_t expires;		/* 0 if absent */
	struct cc_acme_identifier *identifiers;
	size_t nidentifiers;
	char **authorizations;
	size_t nauthorizations;
	char *finalize;
	char *certificate;	/* once valid */
	char *profile;		/* NULL if absent */
	char *replaces;		/* NULL if absent */
	struct cc_acme_problem error;
	unsigned retry_after;	/* Retry-After of the last response (s) */
};

void cc_acme_order_release(struct cc_acme_order *o);

struct cc_acme_order_req {
	const char *const *names;	/* DNS names or IP addresses (IP
					   literals become "ip" identifiers) */
	size_t nnames;
	const char *profile;		/* or NULL */
	const char *replaces;		/* ARI certificate ID, or NULL */
};

int cc_acme_order_new(struct cc_acme *a, const struct cc_acme_order_req *req,
		      struct cc_acme_order *out, struct cc_err *err);
int cc_acme_order_fetch(struct cc_acme *a, const char *url,
			struct cc_acme_order *out, struct cc_err *err);

/*
 * Poll the order (o->url) while it is "pending" or "processing", refreshing
 * *o, with the adaptive back-off. Returns CC_OK on "ready" or "valid", the
 * order error (or CC_ECHALLENGE) on "invalid", CC_EPENDING when the
 * polling budget runs out or Retry-After points past it.
 */
int cc_acme_order_poll(struct cc_acme *a, struct cc_acme_order *o,
		       struct cc_err *err);

/*
 * Finalize with a DER CSR, then poll until the order is "valid" (its
 * certificate URL set) or fails. *o is refreshed.
 */
int cc_acme_order_finalize(struct cc_acme *a, struct cc_acme_order *o,
			   const void *csr_der, size_t csr_len,
			   struct cc_err *err);

struct cc_acme_challenge {
	char *type;		/* "http-01", "dns-01", "tls-alpn-01", ... */
	char *url;
	char *token;		/* NULL if absent */
	char *status;
	time_t validated;	/* 0 if absent */
	struct cc_acme_problem error;
};

struct cc_acme_authz {
	char *url;
	char *status;		/* pending valid invalid deactivated
				   expired revoked */
	struct cc_acme_identifier identifier;
	int wildcard;
	time_t expires;
	struct cc_acme_challenge *challenges;
	size_t nchallenges;
	unsigned retry_after;
};

void cc_acme_authz_release(struct cc_acme_authz *z);

int cc_acme_authz_fetch(struct cc_acme *a, const char *url,
			struct cc_acme_authz *out, struct cc_err *err);

/* The first challenge of that type, or NULL. */
const struct cc_acme_challenge *
cc_acme_authz_challenge(const struct cc_acme_authz *z, const char *type);

/* Tell the server the challenge is ready (POST {}). */
int cc_acme_challenge_respond(struct cc_acme *a, const char *url,
			      struct cc_err *err);

/*
 * Poll an authorization while "pending". CC_OK when "valid"; on "invalid"
 * CC_ECHALLENGE with "<identifier>: <problem>" of the failed challenge and
 * err->problem set; other final states CC_ECHALLENGE; CC_EPENDING on
 * timeout. *out holds the last state either way.
 */
int cc_acme_authz_poll(struct cc_acme *a, const char *url,
		       struct cc_acme_authz *out, struct cc_err *err);

/* Deactivate an authorization (cleanup after a failed run). */
int cc_acme_authz_deactivate(struct cc_acme *a, const char *url,
			     struct cc_err *err);

/* ------------------------------------------------------------------ */
/* Certificates */

struct cc_acme_chain {
	char *url;
	char *pem;		/* leaf first, PEM */
	size_t pem_len;
};

struct cc_acme_chains {
	struct cc_acme_chain *v;	/* v[0] is the default chain */
	size_t n;
};

void cc_acme_chains_release(struct cc_acme_chains *c);

#define CC_ACME_MAX_ALTERNATES 8

/*
 * Download the certificate chain (PEM) at url; with alternates also the
 * chains linked as rel="alternate" (at most CC_ACME_MAX_ALTERNATES).
 */
int cc_acme_cert_download(struct cc_acme *a, const char *url, int alternates,
			  struct cc_acme_chains *out, struct cc_err *err);

/*
 * Index of the first chain whose topmost certificate's issuer CN equals
 * preferred (case-sensitive), or 0 (the default chain) when none does or
 * preferred is NULL/empty.
 */
size_t cc_acme_chain_pick(const struct cc_acme_chains *c,
			  const char *preferred);

/* RFC 5280 reason codes for revocation; -1 omits the reason. */
#define CC_ACME_REASON_NONE (-1)

/*
 * Revoke a certificate (DER). cert_key NULL: signed by the account key
 * with kid; otherwise signed by the certificate's private key with jwk.
 */
int cc_acme_revoke(struct cc_acme *a, const void *cert_der, size_t len,
		   int reason, EVP_PKEY *cert_key, struct cc_err *err);

/* ------------------------------------------------------------------ */
/* Renewal information (ARI) */

/*
 * ARI certificate ID: base64url(AKI keyIdentifier) "." base64url(serial
 * DER content octets), appended to out. CC_EINVAL without an AKI keyid.
 */
int cc_acme_ari_cert_id(X509 *cert, struct cc_buf *out, struct cc_err *err);

struct cc_acme_renewal_info {
	time_t start;			/* suggestedWindow */
	time_t end;
	char *explanation_url;		/* or NULL */
	unsigned retry_after;		/* seconds; 0 if not sent */
};

void cc_acme_renewal_info_release(struct cc_acme_renewal_info *ri);

/* GET renewalInfo/<cert_id>. CC_EUNSUPPORTED if the CA has no ARI. */
int cc_acme_renewal_info(struct cc_acme *a, const char *cert_id,
			 struct cc_acme_renewal_info *out,
			 struct cc_err *err);

/*
 * Parse an RFC 3339 timestamp ("2025-01-02T04:00:00Z", fractional seconds
 * and numeric offsets accepted). 0 on success, -1 on error.
 */
int cc_acme_time_parse(const char *s, time_t *out);

#endif
