/* Building challenge solvers from options, saved settings and config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme_solve.h"
#include "dnsq.h"
#include "util.h"

extern char **environ;

/* Settings are replayed by renewals from any directory: absolute paths. */
static void set_path(struct cc_strmap *m, const char *key, const char *path)
{
	char *abs = strchr(path, '/') ? realpath(path, NULL) : NULL;

	cc_strmap_set(m, key, abs ? abs : path);
	free(abs);
}

void solve_opts_release(struct solve_opts *so)
{
	cc_strlist_release(&so->dns_servers);
	cc_strlist_release(&so->resolvers);
}

int solve_opts_fit(const struct solve_opts *so, const char *ch)
{
	const char *mine = so->challenge;

	if (!mine) {
		if (so->dns_hook || so->dns_provider)
			mine = "dns-01";
		else if (so->webroot || so->standalone)
			mine = "http-01";
	}
	return !mine || !ch || !strcmp(mine, ch);
}

void solve_opts_clear_solver(struct solve_opts *so)
{
	so->challenge = NULL;
	so->webroot = NULL;
	so->standalone = NULL;
	so->manual = 0;
	so->dns_hook = NULL;
	so->dns_provider = NULL;
}

void solve_opts_defaults(struct solve_opts *so, const struct cc_strmap *saved,
			 const struct cc_config *cfg)
{
	int any = so->webroot || so->standalone || so->manual ||
		  so->dns_hook || so->dns_provider;
	const struct cc_ynode *n;
	size_t i;

	if (!any && saved) {
		so->webroot = cc_strmap_get(saved, "webroot");
		so->standalone = cc_strmap_get(saved, "standalone");
		so->dns_hook = cc_strmap_get(saved, "dns-hook");
		so->dns_provider = cc_strmap_get(saved, "dns-provider");
		so->manual = cc_strmap_get(saved, "manual") != NULL;
		if (!so->challenge)
			so->challenge = cc_strmap_get(saved, "challenge");
		any = so->webroot || so->standalone || so->manual ||
		      so->dns_hook || so->dns_provider;
	}
	if (!any) {
		so->webroot = cc_config_get(cfg, "acme.webroot");
		so->standalone = cc_config_get(cfg, "acme.standalone");
		so->dns_hook = cc_config_get(cfg, "acme.dns-hook");
		so->dns_provider = cc_config_get(cfg, "acme.dns-provider");
	}
	if (!so->challenge)
		so->challenge = cc_config_get(cfg, "acme.challenge");
	if (saved && !so->dns_servers.n && cc_strmap_get(saved, "dns-server"))
		cc_strlist_add(&so->dns_servers,
			       cc_strmap_get(saved, "dns-server"));
	if (!so->resolvers.n) {
		n = cc_config_node(cfg, "acme.dns-resolvers");
		for (i = 0; n && n->type == CC_Y_SEQ && i < n->n; i++)
			cc_strlist_add(&so->resolvers, n->items[i]->scalar);
	}
	if (!so->dns_wait)
		so->dns_wait = cc_config_get(cfg, "acme.dns-wait");
	if (!so->follow_cname)
		so->follow_cname = cc_config_bool(cfg, "acme.follow-cname", 0);
}

static char **hook_env(void)
{
	static const char *const keep[] = { "PATH=", "HOME=", "LANG=",
					    "LC_ALL=", "TMPDIR=", NULL };
	static char *env[8];
	size_t n = 0, i, j;

	for (i = 0; environ[i] && n < 7; i++)
		for (j = 0; keep[j]; j++)
			if (!strncmp(environ[i], keep[j], strlen(keep[j])))
				env[n++] = environ[i];
	env[n] = NULL;
	return env;
}

int solve_setup(struct solve_opts *so, const struct cc_config *cfg,
		struct cc_issue_env *env, struct cc_strmap *settings,
		const char **challenge)
{
	struct cc_err err = CC_ERR_INIT;
	const char *ch = so->challenge;
	int nsolvers = !!so->webroot + !!so->standalone + !!so->manual +
		       !!so->dns_hook + !!so->dns_provider;
	long long wait = 0;
	int rc = CC_OK;

	(void)cfg;
	if (nsolvers > 1) {
		out_error("give one of --webroot, --standalone, --manual, "
			  "--dns-hook and --dns-provider");
		return 2;
	}
	if (!ch)
		ch = (so->dns_hook || so->dns_provider) ? "dns-01" : "http-01";
	if (strcmp(ch, "http-01") && strcmp(ch, "dns-01")) {
		out_error("unknown challenge '%s' (use http-01 or dns-01)", ch);
		return 2;
	}
	if (!nsolvers) {
		out_error("no challenge solver: use --webroot DIR, --standalone "
			  "PORT, --manual, --dns-hook PROGRAM or "
			  "--dns-provider NAME");
		return 2;
	}
	if (!strcmp(ch, "http-01") && (so->dns_hook || so->dns_provider)) {
		out_error("--dns-hook and --dns-provider solve dns-01, not "
			  "http-01");
		return 2;
	}
	if (!strcmp(ch, "dns-01") && (so->webroot || so->standalone)) {
		out_error("--webroot and --standalone solve http-01, not "
			  "dns-01");
		return 2;
	}
	*challenge = ch;
	cc_strmap_set(settings, "challenge", ch);
	if (so->webroot) {
		rc = cc_solver_webroot_new(&env->solver, so->webroot, &err);
		set_path(settings, "webroot", so->webroot);
	} else if (so->standalone) {
		rc = cc_solver_standalone_new(&env->solver, so->standalone,
					      &err);
		cc_strmap_set(settings, "standalone", so->standalone);
	} else if (so->manual) {
		rc = cc_solver_manual_new(&env->solver, ch, &err);
		cc_strmap_set(settings, "manual", "1");
	} else if (so->dns_hook) {
		struct cc_dns_hook_opts ho;

		memset(&ho, 0, sizeof(ho));
		ho.program = so->dns_hook;
		ho.env = (const char *const *)hook_env();
		rc = cc_solver_dns_hook_new(&env->solver, &ho, &err);
		set_path(settings, "dns-hook", so->dns_hook);
	} else {
		char key[256];
		const char *type;
		const struct cc_dns_ops *ops;

		snprintf(key, sizeof(key), "dns-providers.%s.type",
			 so->dns_provider);
		type = cc_config_get(cfg, key);
		if (!type) {
			out_error("no DNS provider '%s' in the configuration "
				  "(dns-providers.%s)", so->dns_provider,
				  so->dns_provider);
			return 2;
		}
		ops = cc_dns_provider_find(type);
		if (!ops) {
			out_error("DNS provider type '%s' is not available in "
				  "this build", type);
			return 2;
		}
		out_error("DNS provider '%s' cannot be used yet", type);
		return 2;
	}
	if (rc)
		return out_fail(&err);
	if (so->dns_servers.n)
		cc_strmap_set(settings, "dns-server", so->dns_servers.v[0]);
	/* dns-01 propagation check */
	memset(&env->dns_wait, 0, sizeof(env->dns_wait));
	if (so->dns_wait && cc_duration_parse(so->dns_wait, &wait, &err))
		return out_fail(&err);
	env->dns_wait.timeout = (unsigned)wait;
	env->skip_dns_wait = so->no_dns_wait;
	env->follow_cname = so->follow_cname;
	if (so->dns_servers.n) {
		env->dns_wait.servers = (const char *const *)so->dns_servers.v;
		env->dns_wait.nservers = so->dns_servers.n;
	}
	/* zones are looked up (for CERTCTL_ZONE) with resolvers the user
	   named; the propagation check falls back to resolv.conf */
	env->lookup_zone = !strcmp(ch, "dns-01") && so->resolvers.n;
	if (!strcmp(ch, "dns-01") && !so->resolvers.n)
		cc_dnsq_system_resolvers(&so->resolvers, NULL);
	env->dns_wait.resolvers = (const char *const *)so->resolvers.v;
	env->dns_wait.nresolvers = so->resolvers.n;
	return 0;
}

void solve_teardown(struct cc_issue_env *env)
{
	cc_solver_free(env->solver);
	env->solver = NULL;
}
