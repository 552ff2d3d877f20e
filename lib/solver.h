/*
 * ACME challenge solvers (http-01, dns-01) and the DNS provider interface.
 *
 * The issuance driver builds one struct cc_chal_item per challenge to
 * solve, hands each solver its items, PUBLISHES ALL of them, waits once
 * (cc_dns_wait_txt for dns-01), answers the challenges, then CLEANS UP all
 * of them -- also in a later run after a crash, from the records:
 *
 *  - Before a solver changes anything outside the process for an item it
 *    sets item->record (one line of text saying what is published where)
 *    and calls the record callback (cc_solver_set_record_cb), so the caller
 *    can persist it first. Records are updated the same way when more
 *    becomes known (a provider's record id) and cleared (NULL, callback
 *    called) once cleanup has undone them.
 *  - Cleanup needs only item->record (item->identifier is used in
 *    messages): a new solver built from the same configuration in a new
 *    process undoes what a crashed run left. It goes on past failures,
 *    keeps the records it could not undo and returns the first error.
 *    Give it all items at once (webroot directories are removed once every
 *    file in them is gone).
 *  - A record starts with the name of the solver that made it
 *    (cc_chal_record_solver); publish skips items already carrying this
 *    solver's record and refuses items with another solver's record;
 *    cleanup ignores items without a record or with another's record.
 *
 * Record format: "<solver> key=value key=value ...", values percent-encoded
 * (%XX for bytes <= 0x20, >= 0x7f, '%' and '=').
 */
#ifndef CERTCTL_SOLVER_H
#define CERTCTL_SOLVER_H

#include <stddef.h>

#include "buf.h"
#include "clock.h"
#include "err.h"
#include "util.h"

struct cc_ynode;
struct cc_http;

/* ------------------------------------------------------------------ */
/* Challenge items */

struct cc_chal_item {
	char *identifier;	/* "example.com" or an IP (never "*.") */
	int wildcard;		/* the order asked for "*.<identifier>" */
	char *type;		/* "http-01" or "dns-01" */
	char *token;		/* base64url, checked */
	char *key_authorization;
	/*
	 * dns-01: where the TXT record goes, "_acme-challenge.<identifier>."
	 * initially; the driver may replace it with the CNAME target
	 * (cc_dnsq_follow_cname) before publishing.
	 */
	char *dns_name;
	char *txt_value;	/* dns-01: base64url(SHA-256(key auth.)) */
	char *zone;		/* dns-01: zone of dns_name when known, else
				   NULL (the driver may fill it in) */
	char *record;		/* set by publish, persisted by caller */
	int manual;		/* set by the manual solvers: to be placed by
				   hand (see cc_solver_manual_instructions) */
};

/*
 * Fill *it (zeroed first): an identifier "*.x" becomes "x" with wildcard
 * set. Computes dns_name and txt_value for dns-01. CC_EINVAL for an
 * unknown type, a token that is not 1-512 base64url characters, a bad
 * identifier, dns-01 on an IP address or http-01 on a wildcard.
 */
int cc_chal_item_init(struct cc_chal_item *it, const char *identifier,
		      int wildcard, const char *type, const char *token,
		      const char *key_authorization, struct cc_err *err);
void cc_chal_item_release(struct cc_chal_item *it);

struct cc_chal_list {
	struct cc_chal_item *v;
	size_t n;
};

#define CC_CHAL_LIST_INIT { NULL, 0 }

/* cc_chal_item_init on a new last element of l. */
int cc_chal_list_add(struct cc_chal_list *l, const char *identifier,
		     int wildcard, const char *type, const char *token,
		     const char *key_authorization, struct cc_err *err);
void cc_chal_list_release(struct cc_chal_list *l);

/* 1 if token is 1-512 characters of the base64url alphabet. */
int cc_chal_token_valid(const char *token);

/*
 * Name of the solver that wrote record ("webroot", "dns-hook", ...) into
 * name. CC_EINVAL if record is NULL or malformed.
 */
int cc_chal_record_solver(const char *record, char *name, size_t size);

/*
 * Value of key in record, decoded, malloc'd into *value (NULL when the
 * record has no such key). CC_ENOMEM.
 */
int cc_chal_record_get(const char *record, const char *key, char **value);

/* ------------------------------------------------------------------ */
/* Solvers */

struct cc_solver;

/* Called after item->record is set, changed or cleared. A failure stops
   publish before the change it announces is made. */
typedef int (*cc_solver_record_fn)(void *arg, const struct cc_chal_item *it,
				   struct cc_err *err);

struct cc_solver_ops {
	const char *name;	/* written at the start of records */
	const char *type;	/* "http-01" or "dns-01" */
	/* items: the ones without a record, all of this type */
	int (*publish)(struct cc_solver *s, struct cc_chal_item *const *items,
		       size_t n, struct cc_err *err);
	/* items: the ones with a record of this solver */
	int (*cleanup)(struct cc_solver *s, struct cc_chal_item *const *items,
		       size_t n, struct cc_err *err);
	void (*destroy)(struct cc_solver *s);
};

/* The common head of every solver. */
struct cc_solver {
	const struct cc_solver_ops *ops;
	cc_solver_record_fn record_cb;
	void *record_arg;
};

int cc_solver_publish(struct cc_solver *s, struct cc_chal_item *items,
		      size_t n, struct cc_err *err);
int cc_solver_cleanup(struct cc_solver *s, struct cc_chal_item *items,
		      size_t n, struct cc_err *err);
/* Stops anything still running (standalone server) and frees. NULL-safe. */
void cc_solver_free(struct cc_solver *s);
const char *cc_solver_name(const struct cc_solver *s);
const char *cc_solver_type(const struct cc_solver *s);
void cc_solver_set_record_cb(struct cc_solver *s, cc_solver_record_fn fn,
			     void *arg);

/*
 * http-01 webroot: publish writes <webroot>/.well-known/acme-challenge/
 * <token> (mode 0644) holding the key authorization, creating the two
 * directories (0755) when missing; webroot itself must exist. Cleanup
 * removes exactly those files, then the directories it created if empty.
 * Record: "webroot path=<file> [mkdir1=<dir>] [mkdir2=<dir>]".
 */
int cc_solver_webroot_new(struct cc_solver **out, const char *webroot,
			  struct cc_err *err);

/*
 * http-01 standalone: a built-in HTTP/1.1 responder on listen
 * ("[ADDR:]PORT", "[v6addr]:PORT"; NULL = "80"; no ADDR = all addresses,
 * IPv6 and IPv4). Publish binds and listens in this process (so the socket
 * accepts connections when it returns; port in use gives CC_EIO naming the
 * address and port), then runs the responder in a forked child that
 * serves GET/HEAD /.well-known/acme-challenge/<token> for the published
 * tokens only (200, text/plain, the key authorization) and 404 otherwise,
 * with keep-alive, up to 32 connections, 8 KiB requests. The child dies
 * with this process. Publishing more items restarts the child with all
 * tokens (the socket stays open); cleanup restarts it with the rest and,
 * when none is left, stops it (SIGTERM, then SIGKILL after 2 s) and
 * closes the socket. Record: "standalone listen=<addr:port> token=<t>"
 * (nothing outlives the process, so cleanup of old records only clears
 * them). CC_EINVAL for a bad listen string.
 */
int cc_solver_standalone_new(struct cc_solver **out, const char *listen,
			     struct cc_err *err);
/*
 * A standalone responder that serves, besides its own tokens, the
 * challenge files of webroot dir, so that several processes publishing
 * with the webroot solver into dir share one port (renew --jobs). It
 * listens and serves at once; cc_solver_free stops it.
 */
int cc_solver_standalone_dir_new(struct cc_solver **out, const char *listen,
				 const char *dir, struct cc_err *err);

/* The port listened on (the chosen one for port 0), 0 when not listening. */
unsigned cc_solver_standalone_port(const struct cc_solver *s);

/*
 * Manual http-01 or dns-01 (type): publish only sets item->manual and a
 * record ("http-manual path=<url path>" / "dns-manual fqdn=<name>
 * value=<txt>"); cleanup clears the records.
 */
int cc_solver_manual_new(struct cc_solver **out, const char *type,
			 struct cc_err *err);

/*
 * What to do by hand for items (any mix of types), appended to out: for
 * http-01 the URL and the content of the file to serve, for dns-01 the
 * TXT record name and value (and a note when a name needs several values
 * at once). removal: what to remove afterwards instead.
 */
int cc_solver_manual_instructions(const struct cc_chal_item *items,
				  size_t n, int removal, struct cc_buf *out,
				  struct cc_err *err);

/*
 * dns-01 hook. For each item, publish runs
 *     PROGRAM add <fqdn> <txt-value> <identifier>
 * and cleanup runs
 *     PROGRAM remove <fqdn> <txt-value> <identifier>
 * with stdin /dev/null and only this environment: the entries of env
 * (NULL: PATH=/usr/local/bin:/usr/bin:/bin) and
 *     CERTCTL_ACTION      add | remove
 *     CERTCTL_FQDN        the record name, absolute ("_acme-challenge.
 *                         example.com.")
 *     CERTCTL_TXT_VALUE   the TXT value
 *     CERTCTL_IDENTIFIER  the identifier ("example.com", without "*.")
 *     CERTCTL_WILDCARD    1 for a wildcard identifier, else 0
 *     CERTCTL_ZONE        the zone of the name, when known
 * PROGRAM is looked up in env's PATH when it has no '/'. Exit status 0 is
 * success. An apex and a wildcard of one name put TWO values on one fqdn:
 * add is called once for each and the hook must keep both; remove is
 * called for each. remove may be called for a value whose add failed or
 * never ran (after a crash): the hook should then succeed. Stdout and
 * stderr are captured (first 16 KiB); failures are CC_ERR
 *     "dns hook 'X' failed (exit N): <first line of its output>"
 * and the program (with its process group) is killed after the timeout.
 * Record: "dns-hook fqdn=.. value=.. identifier=.. wildcard=0|1 [zone=..]".
 */
struct cc_dns_hook_opts {
	const char *program;
	unsigned timeout_ms;		/* 0 = 120000 */
	const char *const *env;		/* "NAME=value" entries to pass
					   (PATH, HOME, LANG ...), NULL-
					   terminated; NULL: a default PATH */
};

int cc_solver_dns_hook_new(struct cc_solver **out,
			   const struct cc_dns_hook_opts *opts,
			   struct cc_err *err);

/* ------------------------------------------------------------------ */
/* DNS providers */

struct cc_dns;

/* What a provider gets when opened (everything borrowed). */
struct cc_dns_params {
	const struct cc_ynode *config;	/* the provider's settings (a map)
					   or NULL; secrets already resolved
					   by the caller */
	struct cc_http *http;		/* HTTP client for API providers */
	const struct cc_clock *clock;	/* NULL = cc_clock_real */
	const char *const *resolvers;	/* "ip[:port]" */
	size_t nresolvers;
};

struct cc_dns_ops {
	const char *name;		/* "cloudflare", "route53", ... */
	/* Allocate the provider's object (struct cc_dns first). */
	int (*open)(struct cc_dns **out, const struct cc_dns_params *p,
		    struct cc_err *err);
	/*
	 * Add one TXT value at fqdn (absolute name; zone is its zone when
	 * known, else NULL), keeping other values there. *record_id may be
	 * set to a malloc'd provider id for the deletion.
	 */
	int (*add_txt)(struct cc_dns *d, const char *zone, const char *fqdn,
		       const char *value, unsigned ttl, char **record_id,
		       struct cc_err *err);
	/*
	 * Delete that value (record_id NULL when add did not return one or
	 * did not finish: delete by fqdn and value). Deleting a value that
	 * is not there succeeds.
	 */
	int (*del_txt)(struct cc_dns *d, const char *zone, const char *fqdn,
		       const char *value, const char *record_id,
		       struct cc_err *err);
	void (*close)(struct cc_dns *d);
};

/* The common head of every provider object. */
struct cc_dns {
	const struct cc_dns_ops *ops;
};

/*
 * The provider called name (built in or registered), or NULL. No
 * provider is built in yet.
 */
const struct cc_dns_ops *cc_dns_provider_find(const char *name);

/*
 * Register a provider (tests, plug-ins). ops must stay valid. CC_EEXIST
 * when another provider has that name, CC_ENOMEM when the table (32) is
 * full. Registering the same ops twice is a no-op.
 */
int cc_dns_provider_register(const struct cc_dns_ops *ops,
			     struct cc_err *err);

/* Append the names of all known providers to out. */
int cc_dns_provider_names(struct cc_strlist *out);

/* Open a provider (sets (*out)->ops). */
int cc_dns_open(const struct cc_dns_ops *ops, const struct cc_dns_params *p,
		struct cc_dns **out, struct cc_err *err);
int cc_dns_add_txt(struct cc_dns *d, const char *zone, const char *fqdn,
		   const char *value, unsigned ttl, char **record_id,
		   struct cc_err *err);
int cc_dns_del_txt(struct cc_dns *d, const char *zone, const char *fqdn,
		   const char *value, const char *record_id,
		   struct cc_err *err);
void cc_dns_close(struct cc_dns *d);

/*
 * dns-01 through a provider. Takes dns (closed by cc_solver_free, also
 * when this fails). ttl 0 = 60. Record: "dns-provider provider=<name>
 * fqdn=.. value=.. [zone=..] [id=..]"; cleanup refuses records of another
 * provider (CC_EINVAL).
 */
int cc_solver_dns_new(struct cc_solver **out, struct cc_dns *dns,
		      unsigned ttl, struct cc_err *err);

#endif
