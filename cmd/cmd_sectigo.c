/*
 * certctl sectigo: the Sectigo Certificate Manager command family. This
 * file: dispatch, the account (set, show), settings and sessions.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "secret.h"
#include "sectigo_cli.h"
#include "util.h"
#include "x509.h"

/* ---- settings ---- */

void scm_settings_release(struct scm_settings *s)
{
	cc_scm_account_release(&s->acct);
	memset(s, 0, sizeof(*s));
}

/* config value (overrides) or stored value; from says which */
static const char *pick(struct cli *cl, const char *key, const char *stored,
			const char *def, const char **from)
{
	const char *v = cc_config_get(cl->cfg, key);

	if (v && *v) {
		*from = "certctl.conf";
		return v;
	}
	if (stored && *stored) {
		*from = "account";
		return stored;
	}
	*from = def ? "default" : NULL;
	return def;
}

int scm_settings_get(struct cli *cl, struct cc_repo *repo,
		     struct scm_settings *out)
{
	struct cc_err err = CC_ERR_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = cc_scm_account_load(repo, &out->acct, &err);
	if (rc && rc != CC_ENOENT)
		return out_fail(&err);
	out->have_acct = rc == CC_OK;
	out->url = pick(cl, "sectigo.url", out->acct.url, SCM_DEFAULT_URL,
			&out->url_from);
	out->login = pick(cl, "sectigo.login", out->acct.login, NULL,
			  &out->login_from);
	out->customer_uri = pick(cl, "sectigo.customer-uri",
				 out->acct.customer_uri, NULL,
				 &out->customer_uri_from);
	out->ca_bundle = pick(cl, "sectigo.ca-bundle", out->acct.ca_bundle,
			      NULL, &out->ca_bundle_from);
	out->password_file = cc_config_get(cl->cfg, "sectigo.password-file");
	if (out->password_file && !*out->password_file)
		out->password_file = NULL;
	out->password_env = out->acct.password_env;
	out->password_stored = out->acct.password_stored;
	if (!out->login || !out->customer_uri) {
		out_error("no Sectigo account (run 'certctl sectigo account "
			  "set --login LOGIN --customer-uri URI')");
		scm_settings_release(out);
		return 2;
	}
	return 0;
}

/* ---- sessions ---- */

int scm_client(struct scm_session *s, const char *url, const char *login,
	       const char *customer_uri, const char *password,
	       const char *ca_bundle, unsigned attempts)
{
	struct cc_http_opts hopts;
	struct cc_sectigo_opts so;
	struct cc_err err = CC_ERR_INIT;

	memset(&hopts, 0, sizeof(hopts));
	hopts.ca_bundle = ca_bundle;
	hopts.user_agent = "certctl/" CERTCTL_VERSION;
	if (!s->http && cc_http_curl_new(&s->http, &hopts, &err))
		return out_fail(&err);
	memset(&so, 0, sizeof(so));
	so.base_url = url;
	so.login = login;
	so.customer_uri = customer_uri;
	so.password = password;
	so.http = s->http;
	so.clock = &cc_clock_real;
	so.max_attempts = attempts;
	if (cc_sectigo_new(&s->scm, &so, &err)) {
		if (err.code == CC_EINVAL)
			err.code = CC_ECONFIG;
		return out_fail(&err);
	}
	free(s->url);
	s->url = strdup(url);
	if (!s->url) {
		out_error("out of memory");
		return 1;
	}
	return 0;
}

int scm_open(struct cli *cl, struct scm_session *s)
{
	struct scm_settings st;
	struct cc_buf pw = CC_BUF_SECRET_INIT;
	struct cc_err err = CC_ERR_INIT;
	const char *v;
	int rc;

	if (s->scm)
		return 0;
	if (!s->repo && (rc = cli_repo(cl, &s->repo)))
		return rc;
	if ((rc = scm_settings_get(cl, s->repo, &st)))
		return rc;
	if (st.password_file) {
		rc = secret_get(st.password_file, NULL, "Sectigo password", 0,
				0, &pw);
	} else if (st.password_env) {
		v = getenv(st.password_env);
		if (!v || !*v) {
			out_error("environment variable '%s' is not set (the "
				  "Sectigo account reads its password from it)",
				  st.password_env);
			rc = 2;
		} else if (cc_buf_adds(&pw, v)) {
			out_error("out of memory");
			rc = 1;
		}
	} else if (st.password_stored) {
		if ((rc = cc_scm_password_read(s->repo, &pw, &err)))
			rc = out_fail(&err);
	} else {
		out_error("the Sectigo account has no password (run 'certctl "
			  "sectigo account set')");
		rc = 2;
	}
	if (!rc)
		rc = scm_client(s, st.url, st.login, st.customer_uri, pw.data,
				st.ca_bundle, 0);
	cc_buf_release(&pw);
	scm_settings_release(&st);
	return rc;
}

void scm_close(struct scm_session *s)
{
	cc_sectigo_free(s->scm);
	cc_http_free(s->http);
	free(s->url);
	memset(s, 0, sizeof(*s));
}

/* ---- account set ---- */

static int abs_path(const char *in, char **out)
{
	char buf[PATH_MAX];

	*out = NULL;
	if (!realpath(in, buf)) {
		out_error("cannot use CA bundle '%s': no such file", in);
		return 2;
	}
	*out = strdup(buf);
	if (!*out) {
		out_error("out of memory");
		return 1;
	}
	return 0;
}

static void warn_override(struct cli *cl, const char *key, const char *opt,
			  const char *val)
{
	const char *c = cc_config_get(cl->cfg, key);

	if (opt && c && *c && strcmp(c, val))
		out_warn("%s in certctl.conf ('%s') takes precedence over the "
			 "stored value", key, c);
}

static int account_set(int argc, char **argv, struct cli *cl)
{
	const char *login = NULL, *cust = NULL, *pw_file = NULL,
		   *pw_env = NULL, *url = NULL, *ca = NULL;
	struct opt opts[] = {
		{ OPT_STR, 0, "login", &login, "LOGIN",
		  "login of the SCM API administrator" },
		{ OPT_STR, 0, "customer-uri", &cust, "URI",
		  "customer URI of the account (from its login URL)" },
		{ OPT_STR, 0, "password-file", &pw_file, "FILE",
		  "read the password from FILE and store it (0600)" },
		{ OPT_STR, 0, "password-env", &pw_env, "VAR",
		  "read the password from variable VAR at every use" },
		{ OPT_STR, 0, "url", &url, "URL",
		  "base URL of the REST API (" SCM_DEFAULT_URL ")" },
		{ OPT_STR, 0, "ca-bundle", &ca, "FILE",
		  "CA certificates to verify the SCM server with" },
		SCM_OPT_JSON,
		OPT_END
	};
	struct cmd_usage u = {
		"certctl sectigo account set --login LOGIN --customer-uri URI "
		"[--password-file FILE | --password-env VAR] [--url URL] "
		"[--ca-bundle FILE]",
		"Check the Sectigo credentials with a cheap call, then store "
		"the account.", opts };
	struct scm_session s;
	struct cc_scm_account a;
	struct cc_buf pw = CC_BUF_SECRET_INIT;
	struct cc_err err = CC_ERR_INIT;
	const char *cfg_pw;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&a, 0, sizeof(a));
	rc = opt_parse(argc, argv, &u, NULL, 0, NULL);
	if (rc)
		return rc == 1 ? 0 : rc;
	warn_override(cl, "sectigo.login", login, login);
	warn_override(cl, "sectigo.customer-uri", cust, cust);
	warn_override(cl, "sectigo.url", url, url);
	if (!login)
		login = cc_config_get(cl->cfg, "sectigo.login");
	if (!cust)
		cust = cc_config_get(cl->cfg, "sectigo.customer-uri");
	if (!url)
		url = cc_config_get(cl->cfg, "sectigo.url");
	if (!url)
		url = SCM_DEFAULT_URL;
	if (!ca)
		ca = cc_config_get(cl->cfg, "sectigo.ca-bundle");
	if (!login || !*login || !cust || !*cust) {
		out_error("%s is required", !login || !*login ? "--login" :
			  "--customer-uri");
		fprintf(stderr, "usage: %s\n", u.synopsis);
		return 2;
	}
	if (pw_file && pw_env) {
		out_error("--password-file and --password-env exclude each "
			  "other");
		return 2;
	}
	if (ca && (rc = abs_path(ca, &a.ca_bundle)))
		goto out;
	if ((rc = cli_repo(cl, &s.repo)))
		goto out;
	cfg_pw = cc_config_get(cl->cfg, "sectigo.password-file");
	if (pw_env)
		rc = secret_get(NULL, pw_env, "Sectigo password", 0, 0, &pw);
	else
		rc = secret_get(pw_file ? pw_file : cfg_pw, NULL,
				"Sectigo password", 1, 0, &pw);
	if (rc)
		goto out;
	if (!pw.len) {
		out_error("the Sectigo password is empty");
		rc = 2;
		goto out;
	}
	/* one try: a wrong URL or CA bundle should not wait for back-off */
	if ((rc = scm_client(&s, url, login, cust, pw.data, a.ca_bundle, 1)))
		goto out;
	if (cc_sectigo_check(s.scm, &err)) {
		if (err.code == CC_EAUTH)
			cc_err_prefix(&err, "the Sectigo credentials were "
				      "rejected (nothing saved)");
		else
			cc_err_prefix(&err, "cannot check the Sectigo account "
				      "at %s (nothing saved)", url);
		rc = out_fail(&err);
		goto out;
	}
	if (!(a.url = strdup(url)) || !(a.login = strdup(login)) ||
	    !(a.customer_uri = strdup(cust)) ||
	    (pw_env && !(a.password_env = strdup(pw_env)))) {
		out_error("out of memory");
		rc = 1;
		goto out;
	}
	if (cc_scm_account_save(s.repo, &a, pw_env ? NULL : pw.data, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "url", a.url);
		cJSON_AddStringToObject(o, "login", a.login);
		cJSON_AddStringToObject(o, "customer_uri", a.customer_uri);
		scm_json_str(o, "ca_bundle", a.ca_bundle);
		cJSON_AddStringToObject(o, "password_source",
					pw_env ? "env" : "stored");
		if (pw_env)
			cJSON_AddStringToObject(o, "password_env", pw_env);
		cJSON_AddBoolToObject(o, "saved", 1);
		out_print_json(o);
	} else if (!out_quiet) {
		printf("saved the Sectigo account '%s' (customer '%s', %s); "
		       "the password is %s%s\n", a.login, a.customer_uri,
		       a.url, pw_env ? "read from $" : "stored in " CC_SCM_PASSWORD,
		       pw_env ? pw_env : " (mode 0600)");
	}
	rc = 0;
out:
	cc_buf_release(&pw);
	cc_scm_account_release(&a);
	scm_close(&s);
	return rc;
}

/* ---- account show ---- */

static int account_show(int argc, char **argv, struct cli *cl)
{
	struct opt opts[] = {
		SCM_OPT_JSON,
		OPT_END
	};
	struct cmd_usage u = { "certctl sectigo account show [--json]",
		"Show the Sectigo account in use (never the password).",
		opts };
	struct scm_settings st;
	struct cc_repo *repo;
	const char *src;
	char where[600], t[32];
	int rc;

	rc = opt_parse(argc, argv, &u, NULL, 0, NULL);
	if (rc)
		return rc == 1 ? 0 : rc;
	if ((rc = cli_repo(cl, &repo)))
		return rc;
	if ((rc = scm_settings_get(cl, repo, &st)))
		return rc;
	if (st.password_file) {
		src = "file";
		snprintf(where, sizeof(where), "read from %s (sectigo."
			 "password-file in certctl.conf)", st.password_file);
	} else if (st.password_env) {
		src = "env";
		snprintf(where, sizeof(where), "read from environment "
			 "variable %s%s", st.password_env,
			 getenv(st.password_env) ? "" : " (not set now)");
	} else if (st.password_stored) {
		src = "stored";
		snprintf(where, sizeof(where), "stored in %s/%s (mode 0600)",
			 cc_repo_root(repo), CC_SCM_PASSWORD);
	} else {
		src = "none";
		snprintf(where, sizeof(where), "none (run 'certctl sectigo "
			 "account set')");
	}
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "url", st.url);
		cJSON_AddStringToObject(o, "login", st.login);
		cJSON_AddStringToObject(o, "customer_uri", st.customer_uri);
		scm_json_str(o, "ca_bundle", st.ca_bundle);
		cJSON_AddStringToObject(o, "password_source", src);
		if (st.password_env && !st.password_file)
			cJSON_AddStringToObject(o, "password_env",
						st.password_env);
		if (st.password_file)
			cJSON_AddStringToObject(o, "password_file",
						st.password_file);
		cJSON_AddBoolToObject(o, "stored", st.have_acct);
		scm_json_time(o, "updated", st.acct.updated);
		out_print_json(o);
	} else {
		printf("url:          %s%s\n", st.url,
		       strcmp(st.url_from, "account") ? strcmp(st.url_from,
			"default") ? " (certctl.conf)" : " (default)" : "");
		printf("login:        %s%s\n", st.login,
		       strcmp(st.login_from, "account") ? " (certctl.conf)" :
		       "");
		printf("customer uri: %s%s\n", st.customer_uri,
		       strcmp(st.customer_uri_from, "account") ?
		       " (certctl.conf)" : "");
		printf("ca bundle:    %s%s\n", st.ca_bundle ? st.ca_bundle :
		       "(the system's CA certificates)",
		       st.ca_bundle && strcmp(st.ca_bundle_from, "account") ?
		       " (certctl.conf)" : "");
		printf("password:     %s\n", where);
		if (st.acct.updated) {
			cc_time_format(st.acct.updated, t, sizeof(t));
			printf("saved:        %s\n", t);
		}
	}
	scm_settings_release(&st);
	return 0;
}

static const struct cmd account_cmds[] = {
	{ "set", account_set, "check and store the SCM credentials" },
	{ "show", account_show, "show the account (never the password)" },
	{ NULL, NULL, NULL }
};

int scm_cmd_account(int argc, char **argv, struct cli *cl)
{
	return cmd_dispatch("sectigo account", account_cmds, argc, argv, cl);
}

/* ---- dispatch ---- */

static const struct cmd sectigo_cmds[] = {
	{ "account", scm_cmd_account, "store or show the SCM account" },
	{ "sync", scm_cmd_sync, "fetch organizations, domains, profiles" },
	{ "orgs", scm_cmd_orgs, "list the synced organizations" },
	{ "domains", scm_cmd_domains, "list the synced domains" },
	{ "profiles", scm_cmd_profiles, "list the synced profiles" },
	{ "import", scm_cmd_import, "import every existing SCM order" },
	{ "order", scm_cmd_order, "order a new certificate" },
	{ "status", scm_cmd_status, "check pending orders, collect issued ones" },
	{ "renew", scm_cmd_renew, "order a renewal (a new SCM order)" },
	{ "reissue", scm_cmd_reissue, "replace a certificate with a new key" },
	{ "revoke", scm_cmd_revoke, "revoke a certificate" },
	{ "cancel", scm_cmd_cancel, "decline an order awaiting approval" },
	{ "delete", scm_cmd_delete, "delete a certificate locally" },
	{ NULL, NULL, NULL }
};

int cmd_sectigo(int argc, char **argv, struct cli *cl)
{
	return cmd_dispatch("sectigo", sectigo_cmds, argc, argv, cl);
}
