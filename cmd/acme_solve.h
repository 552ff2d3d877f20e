/* Challenge options shared by acme request, retry, verify and renew. */
#ifndef CERTCTL_ACME_SOLVE_H
#define CERTCTL_ACME_SOLVE_H

#include "cmd.h"
#include "issue.h"
#include "solver.h"

struct solve_opts {
	const char *challenge;		/* --challenge */
	const char *webroot;		/* --webroot */
	const char *standalone;		/* --standalone */
	int manual;			/* --manual */
	const char *dns_hook;		/* --dns-hook */
	const char *dns_provider;	/* --dns-provider */
	struct cc_strlist dns_servers;	/* --dns-server (check these) */
	struct cc_strlist resolvers;	/* --dns-resolver */
	const char *dns_wait;		/* --dns-wait */
	int no_dns_wait;		/* --no-dns-wait */
	int follow_cname;		/* --follow-cname */
};

#define SOLVE_OPTS(so)                                                        \
	{ OPT_STR, 0, "challenge", &(so).challenge, "TYPE",                   \
	  "http-01 or dns-01 (default: from the solver)" },                   \
	{ OPT_STR, 'w', "webroot", &(so).webroot, "DIR",                      \
	  "http-01: write tokens under DIR/.well-known/acme-challenge" },     \
	{ OPT_STR, 0, "standalone", &(so).standalone, "[ADDR:]PORT",          \
	  "http-01: serve the tokens with a built-in responder" },            \
	{ OPT_FLAG, 0, "manual", &(so).manual, NULL,                          \
	  "place the challenges by hand, then 'acme verify'" },               \
	{ OPT_STR, 0, "dns-hook", &(so).dns_hook, "PROGRAM",                  \
	  "dns-01: run PROGRAM add|remove FQDN VALUE IDENTIFIER" },           \
	{ OPT_STR, 0, "dns-provider", &(so).dns_provider, "NAME",             \
	  "dns-01: a provider from the dns-providers configuration" },        \
	{ OPT_LIST, 0, "dns-server", &(so).dns_servers, "IP[:PORT]",          \
	  "check TXT records at this server instead of the zone's" },         \
	{ OPT_LIST, 0, "dns-resolver", &(so).resolvers, "IP[:PORT]",          \
	  "resolver for zone and CNAME lookups (default: resolv.conf)" },     \
	{ OPT_STR, 0, "dns-wait", &(so).dns_wait, "DURATION",                 \
	  "longest wait for TXT records to appear (default 120s)" },          \
	{ OPT_FLAG, 0, "no-dns-wait", &(so).no_dns_wait, NULL,                \
	  "do not check that TXT records are visible" },                      \
	{ OPT_FLAG, 0, "follow-cname", &(so).follow_cname, NULL,              \
	  "publish where _acme-challenge is delegated by CNAME" }

void solve_opts_release(struct solve_opts *so);

/* 1 if the solver options given (if any) solve challenge type ch. */
int solve_opts_fit(const struct solve_opts *so, const char *ch);
/* Forget the solver choice (not the DNS check settings). */
void solve_opts_clear_solver(struct solve_opts *so);

/*
 * Fill unset options from saved settings (meta.extra of a certificate, or
 * a pending request) and then from the configuration.
 */
void solve_opts_defaults(struct solve_opts *so, const struct cc_strmap *saved,
			 const struct cc_config *cfg);

/*
 * Build the solver and the dns-wait settings of env; record in settings
 * what a renewal needs to solve the same way. Prints errors; exit code.
 * *challenge gets the challenge type.
 */
int solve_setup(struct solve_opts *so, const struct cc_config *cfg,
		struct cc_issue_env *env, struct cc_strmap *settings,
		const char **challenge);
/* Free what solve_setup made (solver, resolver lists). */
void solve_teardown(struct cc_issue_env *env);

#endif
