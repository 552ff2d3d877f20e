/*
 * certctl acme request, pending, challenges, verify, retry, revoke.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acme_cli.h"
#include "acme_solve.h"
#include "csr.h"
#include "fsutil.h"
#include "jws.h"
#include "key.h"
#include "secret.h"
#include "util.h"
#include "x509.h"

/* Progress lines: on a terminal, or with -v; cron and scripts get only
   results and errors. */
static void show_progress(void *arg, const char *msg)
{
	(void)arg;
	if (!out_json && (out_verbose || isatty(STDERR_FILENO)))
		out_info("%s", msg);
}

/*
 * Absolute path of a regular file (what renewals will read again), or
 * NULL for pipes and /dev/fd paths that will not exist later.
 */
static char *stable_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6))
		return NULL;
	return realpath(path, NULL);
}

/* Keystore password per the request (only for p12/jks). */
static int keystore_password(const char *keystore, const char *file,
			     const char *env, struct cc_buf *pw)
{
	if (!keystore || !strcmp(keystore, "pem"))
		return 0;
	return secret_get(file, env, "keystore password", 1, 1, pw);
}

static void print_issued(const char *name, const struct cc_issue_result *r,
			 const char *verb)
{
	char t[32];

	cc_time_format(r->not_after, t, sizeof(t));
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddStringToObject(o, "result", verb);
		cJSON_AddNumberToObject(o, "version", r->version);
		cJSON_AddStringToObject(o, "serial", r->serial);
		cJSON_AddStringToObject(o, "not_after", t);
		out_print_json(o);
	} else if (!out_quiet) {
		printf("%s '%s' (version %d, expires %s)\n", verb, name,
		       r->version, t);
	}
}

static void print_pending(const char *name, const struct cc_issue_result *r,
			  const struct cc_err *err)
{
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddStringToObject(o, "result", "pending");
		cJSON_AddStringToObject(o, "instructions",
					r->instructions.data ?
						r->instructions.data : "");
		out_print_json(o);
		return;
	}
	if (r->instructions.data)
		fputs(r->instructions.data, stdout);
	fflush(stdout);
	out_info("%s", err->msg);
}

/* A profile must be one the CA lists in its directory. */
static int check_profile(struct acme_session *s, const char *profile)
{
	const struct cc_acme_directory *dir;
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf list = CC_BUF_INIT;
	size_t i;

	if (cc_acme_get_directory(s->acme, &dir, &err))
		return out_fail(&err);
	for (i = 0; i < dir->nprofiles; i++)
		if (!strcmp(dir->profiles[i], profile))
			return 0;
	for (i = 0; i < dir->nprofiles; i++)
		cc_buf_addf(&list, "%s%s", i ? ", " : "", dir->profiles[i]);
	if (dir->nprofiles)
		out_error("%s offers no profile '%s' (it offers %s)", s->server,
			  profile, list.data);
	else
		out_error("%s offers no certificate profiles", s->server);
	cc_buf_release(&list);
	return 2;
}

static int acme_request(int argc, char **argv, struct cli *cl)
{
	struct acme_common co = { NULL, NULL, NULL };
	struct solve_opts so;
	struct cc_strlist names = CC_STRLIST_INIT;
	const char *name = NULL, *key_type = NULL, *sig_alg = NULL,
		   *keystore = NULL, *ks_file = NULL, *ks_env = NULL,
		   *key_policy = NULL, *key_file = NULL, *chain = NULL,
		   *profile = NULL, *renew_before = NULL;
	struct opt opts[] = {
		{ OPT_LIST, 'd', "domain", &names, "NAME",
		  "DNS name or IP address (repeatable; the first is the "
		  "common name)" },
		{ OPT_STR, 'n', "name", &name, "CERT",
		  "name in the repository (default: from the first name)" },
		{ OPT_STR, 0, "key-type", &key_type, "TYPE",
		  "rsa:2048|rsa:3072|rsa:4096|ec:p256|ec:p384" },
		{ OPT_STR, 0, "sig-alg", &sig_alg, "DIGEST",
		  "CSR signature digest: sha256, sha384 or sha512" },
		{ OPT_STR, 0, "keystore", &keystore, "TYPE",
		  "also write a keystore: pem, p12, p12-legacy or jks" },
		{ OPT_STR, 0, "keystore-password-file", &ks_file, "FILE",
		  "keystore password from FILE" },
		{ OPT_STR, 0, "keystore-password-env", &ks_env, "VAR",
		  "keystore password from environment variable VAR" },
		{ OPT_STR, 0, "key-policy", &key_policy, "POLICY",
		  "key on renewal: new, same or import" },
		{ OPT_STR, 'k', "key", &key_file, "FILE",
		  "use this private key (key policy import)" },
		{ OPT_STR, 0, "preferred-chain", &chain, "ISSUER-CN",
		  "pick the chain whose top issuer has this common name" },
		{ OPT_STR, 0, "profile", &profile, "NAME",
		  "ACME profile (classic, tlsserver, shortlived...)" },
		{ OPT_STR, 0, "renew-before", &renew_before, "DURATION",
		  "renew this certificate DURATION before expiry instead of "
		  "following the CA's window" },
		SOLVE_OPTS(so),
		ACME_COMMON_OPTS(co),
		OPT_END
	};
	struct cmd_usage u = {
		"certctl acme request -d NAME [-d NAME]... [--name CERT] "
		"[--key-type TYPE] [--sig-alg DIGEST] "
		"[--keystore pem|p12|p12-legacy|jks] "
		"[--keystore-password-file FILE] "
		"[--key-policy new|same|import [--key FILE]] "
		"[--challenge http-01|dns-01] (--webroot DIR | --standalone "
		"[ADDR:]PORT | --manual | --dns-hook PROGRAM | --dns-provider "
		"NAME) [--preferred-chain ISSUER-CN] [--profile NAME] "
		"[--renew-before DURATION] "
		"[--server SERVER] [--account NAME] [--ca-bundle FILE]",
		"Obtain a certificate over ACME and store it as a new version.",
		opts };
	struct acme_session s;
	struct cc_issue_env env;
	struct cc_issue_req req;
	struct cc_issue_result res;
	struct cc_strmap settings = CC_STRMAP_INIT;
	struct cc_buf pw = CC_BUF_SECRET_INIT, kb = CC_BUF_SECRET_INIT;
	struct cc_err err = CC_ERR_INIT;
	struct cc_key_spec spec;
	EVP_PKEY *ikey = NULL;
	char cname[CC_NAME_MAX + 1];
	char *ks_file_abs = NULL;
	const char *challenge = NULL;
	size_t i;
	int rc;

	memset(&so, 0, sizeof(so));
	memset(&s, 0, sizeof(s));
	memset(&env, 0, sizeof(env));
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	rc = opt_parse(argc, argv, &u, NULL, 0, NULL);
	if (rc) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if (!names.n) {
		out_error("at least one -d NAME is needed");
		fprintf(stderr, "usage: %s\n", u.synopsis);
		rc = 2;
		goto out;
	}
	if (names.n > CC_MAX_NAMES) {
		out_error("at most %d names per certificate (got %zu)",
			  CC_MAX_NAMES, names.n);
		rc = 2;
		goto out;
	}
	for (i = 0; i < names.n; i++) {
		if (cc_name_validate(names.v[i], &err)) {
			rc = 2;
			out_error("%s", err.msg);
			goto out;
		}
	}
	if (!key_type)
		key_type = cc_config_get(cl->cfg, "defaults.key-type");
	if (key_type && cc_key_spec_parse(key_type, &spec, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (!sig_alg)
		sig_alg = cc_config_get(cl->cfg, "defaults.digest");
	if (sig_alg && strcmp(sig_alg, "sha256") && strcmp(sig_alg, "sha384") &&
	    strcmp(sig_alg, "sha512")) {
		out_error("unknown --sig-alg '%s' (use sha256, sha384 or "
			  "sha512)", sig_alg);
		rc = 2;
		goto out;
	}
	if (!keystore)
		keystore = cc_config_get(cl->cfg, "defaults.keystore");
	if (keystore && strcmp(keystore, "pem") && strcmp(keystore, "p12") &&
	    strcmp(keystore, "p12-legacy") && strcmp(keystore, "jks")) {
		out_error("unknown keystore '%s' (use pem, p12, p12-legacy or "
			  "jks)", keystore);
		rc = 2;
		goto out;
	}
	if (!key_policy)
		key_policy = key_file ? "import" :
			     cc_config_get(cl->cfg, "defaults.key-policy");
	if (key_policy && strcmp(key_policy, "new") &&
	    strcmp(key_policy, "same") && strcmp(key_policy, "import")) {
		out_error("unknown key policy '%s' (use new, same or import)",
			  key_policy);
		rc = 2;
		goto out;
	}
	if (key_policy && !strcmp(key_policy, "import") && !key_file) {
		out_error("--key-policy import needs --key FILE");
		rc = 2;
		goto out;
	}
	if (renew_before) {
		long long rbs;

		if (cc_duration_parse(renew_before, &rbs, &err)) {
			rc = out_fail(&err);
			goto out;
		}
	}
	if (!chain)
		chain = cc_config_get(cl->cfg, "acme.preferred-chain");
	if (!profile)
		profile = cc_config_get(cl->cfg, "acme.profile");
	if (name) {
		snprintf(cname, sizeof(cname), "%s", name);
	} else {
		cc_name_from_cn(names.v[0], cname, sizeof(cname));
	}
	if (cc_name_check(cname, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (key_file) {
		if (cc_read_file(key_file, &kb, &err) ||
		    cc_key_load(kb.data, kb.len, NULL, &ikey, &err) ||
		    cc_key_get_spec(ikey, &spec, &err)) {
			cc_err_prefix(&err, "'%s'", key_file);
			rc = out_fail(&err);
			goto out;
		}
	}
	solve_opts_defaults(&so, NULL, cl->cfg);
	if ((rc = solve_setup(&so, cl->cfg, &env, &settings, &challenge)))
		goto out;
	for (i = 0; i < names.n; i++) {
		if (!strncmp(names.v[i], "*.", 2) &&
		    strcmp(challenge, "dns-01")) {
			out_error("'%s' is a wildcard: it needs dns-01 "
				  "(--challenge dns-01 with --dns-hook, "
				  "--dns-provider or --manual)", names.v[i]);
			rc = 2;
			goto out;
		}
		if (cc_is_ip(names.v[i]) && strcmp(challenge, "http-01")) {
			out_error("'%s' is an IP address: it needs http-01",
				  names.v[i]);
			rc = 2;
			goto out;
		}
	}
	if ((rc = keystore_password(keystore, ks_file, ks_env, &pw)))
		goto out;
	if (ks_file && !(ks_file_abs = stable_path(ks_file)))
		out_warn("'%s' is not a regular file: renewals of '%s' will "
			 "need --keystore-password-file or "
			 "--keystore-password-env", ks_file, cname);
	if ((rc = acme_open(cl, &co, 1, &s)))
		goto out;
	if (s.ca_bundle)
		cc_strmap_set(&settings, "ca-bundle", s.ca_bundle);
	if (profile && (rc = check_profile(&s, profile)))
		goto out;
	env.acme = s.acme;
	env.repo = cl->repo;
	env.progress = show_progress;
	req.name = cname;
	req.names = (const char *const *)names.v;
	req.nnames = names.n;
	req.server = s.server;
	req.account = s.acct.name;
	req.challenge = challenge;
	req.key_policy = key_policy;
	req.key_type = key_type;
	req.import_key = ikey;
	req.digest = sig_alg;
	req.keystore = keystore;
	req.keystore_password = pw.data;
	req.keystore_password_file = ks_file_abs;
	req.keystore_password_env = ks_env;
	req.preferred_chain = chain;
	req.profile = profile;
	req.reason = "issued";
	req.renew_before = renew_before;
	req.settings = &settings;
	rc = cc_issue_request(&env, &req, &res, &err);
	if (rc == CC_EPENDING && res.pending) {
		print_pending(cname, &res, &err);
		rc = 4;
	} else if (rc) {
		rc = out_fail(&err);
	} else {
		print_issued(cname, &res, "issued");
	}
out:
	cc_issue_result_release(&res);
	solve_teardown(&env);
	acme_close(&s);
	solve_opts_release(&so);
	cc_strmap_release(&settings);
	cc_strlist_release(&names);
	cc_buf_release(&pw);
	cc_buf_release(&kb);
	EVP_PKEY_free(ikey);
	free(ks_file_abs);
	return rc;
}

/* ---- pending requests ---- */

static int acme_pending(int argc, char **argv, struct cli *cl)
{
	struct opt opts[] = { OPT_END };
	struct cmd_usage u = { "certctl acme pending",
		"List ACME requests that wait for challenges or failed.",
		opts };
	struct cc_strlist names = CC_STRLIST_INIT;
	struct cc_err err = CC_ERR_INIT;
	struct cc_repo *repo;
	struct cc_pending p;
	cJSON *arr = NULL;
	char t[32];
	size_t i, j;
	int rc = opt_parse(argc, argv, &u, NULL, 0, NULL);

	if (rc)
		return rc == 1 ? 0 : rc;
	if ((rc = cli_repo(cl, &repo)))
		return rc;
	if (cc_pending_list(repo, &names, &err))
		return out_fail(&err);
	if (out_json)
		arr = cJSON_CreateArray();
	else if (names.n)
		printf("%-28s %-10s %-8s %-20s %s\n", "NAME", "STATUS",
		       "TYPE", "CREATED", "NAMES");
	for (i = 0; i < names.n; i++) {
		if (cc_pending_load(repo, names.v[i], &p, NULL))
			continue;
		cc_time_format(p.created, t, sizeof(t));
		if (arr) {
			cJSON *o = cJSON_CreateObject(), *n = cJSON_CreateArray();

			cJSON_AddStringToObject(o, "name", p.name);
			cJSON_AddStringToObject(o, "status", p.status ?
						p.status : "");
			cJSON_AddStringToObject(o, "challenge", p.challenge ?
						p.challenge : "");
			cJSON_AddStringToObject(o, "created", t);
			cJSON_AddStringToObject(o, "order", p.order_url ?
						p.order_url : "");
			if (p.error)
				cJSON_AddStringToObject(o, "error", p.error);
			for (j = 0; j < p.names.n; j++)
				cJSON_AddItemToArray(n,
					cJSON_CreateString(p.names.v[j]));
			cJSON_AddItemToObject(o, "names", n);
			cJSON_AddItemToArray(arr, o);
		} else {
			printf("%-28s %-10s %-8s %-20s %s%s\n", p.name,
			       p.status ? p.status : "-",
			       p.challenge ? p.challenge : "-", t,
			       p.names.n ? p.names.v[0] : "",
			       p.names.n > 1 ? " ..." : "");
			if (p.error)
				printf("    error: %s\n", p.error);
		}
		cc_pending_release(&p);
	}
	if (arr)
		out_print_json(arr);
	else if (!names.n && !out_quiet)
		fprintf(stderr, "no pending requests\n");
	cc_strlist_release(&names);
	return 0;
}

/* Open a session for the server and account a pending request used. */
static int pending_session(struct cli *cl, struct acme_common *co,
			   const char *name, struct cc_pending *p,
			   struct acme_session *s)
{
	struct cc_err err = CC_ERR_INIT;
	struct cc_repo *repo;
	int rc;

	if ((rc = cli_repo(cl, &repo)))
		return rc;
	if (cc_name_check(name, &err))
		return out_fail(&err);
	if (cc_pending_load(repo, name, p, &err)) {
		if (err.code == CC_ENOENT)
			snprintf(err.msg, sizeof(err.msg),
				 "no pending request for '%s' (see 'certctl "
				 "acme pending')", name);
		return out_fail(&err);
	}
	if (!co->server)
		co->server = p->server;
	if (!co->account)
		co->account = p->account;
	if (!co->ca_bundle)
		co->ca_bundle = cc_strmap_get(&p->settings, "ca-bundle");
	return acme_open(cl, co, 1, s);
}

static int one_name(int argc, char **argv, struct cmd_usage *u,
		    struct cc_strlist *pos)
{
	int rc = opt_parse(argc, argv, u, pos, 0, NULL);

	if (rc)
		return rc == 1 ? -1 : rc;
	if (pos->n != 1) {
		out_error("exactly one certificate name is needed");
		fprintf(stderr, "usage: %s\n", u->synopsis);
		return 2;
	}
	return 0;
}

static int acme_challenges(int argc, char **argv, struct cli *cl)
{
	struct acme_common co = { NULL, NULL, NULL };
	struct opt opts[] = { ACME_COMMON_OPTS(co), OPT_END };
	struct cmd_usage u = { "certctl acme challenges <cert>",
		"Show what to place by hand for a pending request.", opts };
	struct cc_strlist pos = CC_STRLIST_INIT;
	struct acme_session s;
	struct cc_pending p;
	struct cc_buf out = CC_BUF_INIT, ka = CC_BUF_INIT, tv = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	size_t i;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&p, 0, sizeof(p));
	if ((rc = one_name(argc, argv, &u, &pos))) {
		rc = rc < 0 ? 0 : rc;
		goto out;
	}
	if ((rc = pending_session(cl, &co, pos.v[0], &p, &s)))
		goto out;
	/* key authorizations depend on the account key */
	for (i = 0; i < p.items.n; i++) {
		struct cc_chal_item *c = &p.items.v[i];

		cc_buf_reset(&ka);
		cc_buf_reset(&tv);
		if (cc_jws_key_authorization(s.acct.key, c->token, &ka, &err) ||
		    cc_str_set(&c->key_authorization, ka.data)) {
			rc = out_fail(&err);
			goto out;
		}
		if (!strcmp(c->type, "dns-01") &&
		    (cc_jws_dns01_value(s.acct.key, c->token, &tv, &err) ||
		     cc_str_set(&c->txt_value, tv.data))) {
			rc = out_fail(&err);
			goto out;
		}
	}
	if (out_json) {
		cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();

		cJSON_AddStringToObject(o, "name", p.name);
		cJSON_AddStringToObject(o, "status", p.status ? p.status : "");
		for (i = 0; i < p.items.n; i++) {
			const struct cc_chal_item *c = &p.items.v[i];
			cJSON *x = cJSON_CreateObject();
			char path[700];

			cJSON_AddStringToObject(x, "identifier", c->identifier);
			cJSON_AddBoolToObject(x, "wildcard", c->wildcard);
			cJSON_AddStringToObject(x, "type", c->type);
			if (!strcmp(c->type, "dns-01")) {
				cJSON_AddStringToObject(x, "fqdn", c->dns_name);
				cJSON_AddStringToObject(x, "value",
							c->txt_value);
			} else {
				snprintf(path, sizeof(path),
					 "/.well-known/acme-challenge/%s",
					 c->token);
				cJSON_AddStringToObject(x, "path", path);
				cJSON_AddStringToObject(x, "content",
							c->key_authorization);
			}
			cJSON_AddItemToArray(a, x);
		}
		cJSON_AddItemToObject(o, "challenges", a);
		out_print_json(o);
	} else {
		if (cc_solver_manual_instructions(p.items.v, p.items.n, 0,
						  &out, &err)) {
			rc = out_fail(&err);
			goto out;
		}
		fputs(out.data ? out.data : "", stdout);
		printf("\nThen run: certctl acme verify %s\n", p.name);
	}
out:
	cc_buf_release(&out);
	cc_buf_release(&ka);
	cc_buf_release(&tv);
	cc_pending_release(&p);
	acme_close(&s);
	cc_strlist_release(&pos);
	return rc;
}

/* What verify and retry share: the pending request, its session and
   solver, and the keystore password it needs. */
struct pending_run {
	struct cc_strlist pos;
	struct acme_session s;
	struct cc_pending p;
	struct cc_issue_env env;
	struct cc_strmap settings;
	struct cc_buf pw;
	const char *challenge;
};

static void pending_run_close(struct pending_run *r)
{
	solve_teardown(&r->env);
	cc_pending_release(&r->p);
	acme_close(&r->s);
	cc_strmap_release(&r->settings);
	cc_strlist_release(&r->pos);
	cc_buf_release(&r->pw);
}

/* Parse, load the pending request named on the command line, open its
   session, read the keystore password and set up the solver (the manual
   one when manual). Returns an exit code; -1 after --help. */
static int pending_run_open(int argc, char **argv, struct cmd_usage *u,
			    struct cli *cl, struct acme_common *co,
			    struct solve_opts *so, const char *ks_file,
			    const char *ks_env, int manual,
			    struct pending_run *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->pw.secret = 1;
	if ((rc = one_name(argc, argv, u, &r->pos)))
		return rc;
	if ((rc = pending_session(cl, co, r->pos.v[0], &r->p, &r->s)))
		return rc;
	if (!ks_file && !ks_env) {
		ks_file = r->p.ks_pw_file;
		ks_env = r->p.ks_pw_env;
	}
	if ((rc = keystore_password(r->p.keystore, ks_file, ks_env, &r->pw)))
		return rc;
	if (manual)
		so->manual = 1;
	if (!so->challenge)
		so->challenge = r->p.challenge;
	solve_opts_defaults(so, &r->p.settings, cl->cfg);
	if ((rc = solve_setup(so, cl->cfg, &r->env, &r->settings,
			      &r->challenge)))
		return rc;
	if (r->s.ca_bundle)
		cc_strmap_set(&r->settings, "ca-bundle", r->s.ca_bundle);
	r->env.acme = r->s.acme;
	r->env.repo = cl->repo;
	r->env.progress = show_progress;
	return 0;
}

static int acme_verify(int argc, char **argv, struct cli *cl)
{
	struct acme_common co = { NULL, NULL, NULL };
	struct solve_opts so;
	const char *ks_file = NULL, *ks_env = NULL;
	struct opt opts[] = {
		{ OPT_STR, 0, "keystore-password-file", &ks_file, "FILE",
		  "keystore password (when the request asked for p12/jks)" },
		{ OPT_STR, 0, "keystore-password-env", &ks_env, "VAR",
		  "keystore password from environment variable VAR" },
		{ OPT_LIST, 0, "dns-server", &so.dns_servers, "IP[:PORT]",
		  "check TXT records at this server instead of the zone's" },
		{ OPT_LIST, 0, "dns-resolver", &so.resolvers, "IP[:PORT]",
		  "resolver for zone lookups (default: resolv.conf)" },
		{ OPT_STR, 0, "dns-wait", &so.dns_wait, "DURATION",
		  "longest wait for TXT records to appear" },
		{ OPT_FLAG, 0, "no-dns-wait", &so.no_dns_wait, NULL,
		  "do not check that TXT records are visible" },
		ACME_COMMON_OPTS(co),
		OPT_END
	};
	struct cmd_usage u = {
		"certctl acme verify <cert> [--keystore-password-file FILE] "
		"[--dns-server IP[:PORT]] [--dns-wait DURATION]",
		"Continue a pending request after its challenges were placed "
		"by hand.", opts };
	struct pending_run r;
	struct cc_issue_result res;
	struct cc_err err = CC_ERR_INIT;
	int rc;

	memset(&so, 0, sizeof(so));
	memset(&res, 0, sizeof(res));
	rc = pending_run_open(argc, argv, &u, cl, &co, &so, ks_file, ks_env, 1,
			      &r);
	if (rc) {
		rc = rc < 0 ? 0 : rc;
		goto out;
	}
	rc = cc_issue_finish(&r.env, r.p.name, r.pw.data, &res, &err);
	if (rc)
		rc = out_fail(&err);
	else
		print_issued(r.p.name, &res, "issued");
out:
	cc_issue_result_release(&res);
	pending_run_close(&r);
	solve_opts_release(&so);
	return rc;
}

static int acme_retry(int argc, char **argv, struct cli *cl)
{
	struct acme_common co = { NULL, NULL, NULL };
	struct solve_opts so;
	const char *ks_file = NULL, *ks_env = NULL;
	struct opt opts[] = {
		{ OPT_STR, 0, "keystore-password-file", &ks_file, "FILE",
		  "keystore password (when the request asked for p12/jks)" },
		{ OPT_STR, 0, "keystore-password-env", &ks_env, "VAR",
		  "keystore password from environment variable VAR" },
		SOLVE_OPTS(so),
		ACME_COMMON_OPTS(co),
		OPT_END
	};
	struct cmd_usage u = {
		"certctl acme retry <cert> [(--webroot DIR | --standalone "
		"[ADDR:]PORT | --manual | --dns-hook PROGRAM | --dns-provider "
		"NAME)] [--keystore-password-file FILE]",
		"Start a pending or failed request over with fresh "
		"challenges.", opts };
	struct pending_run r;
	struct cc_issue_req req;
	struct cc_issue_result res;
	struct cc_err err = CC_ERR_INIT;
	EVP_PKEY *pkey = NULL;
	int rc;

	memset(&so, 0, sizeof(so));
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	rc = pending_run_open(argc, argv, &u, cl, &co, &so, ks_file, ks_env, 0,
			      &r);
	if (rc) {
		rc = rc < 0 ? 0 : rc;
		goto out;
	}
	/* the new order keeps the key chosen for the first one */
	if (cc_pending_key(cl->repo, r.p.name, &pkey, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (cc_issue_abandon(&r.env, r.p.name, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	show_progress(NULL, "abandoned the old order; starting over");
	req.name = r.p.name;
	req.names = (const char *const *)r.p.names.v;
	req.nnames = r.p.names.n;
	req.server = r.s.server;
	req.account = r.s.acct.name;
	req.challenge = r.challenge;
	req.key_policy = r.p.key_policy;
	req.key_type = r.p.key_type;
	req.digest = r.p.digest;
	req.keystore = r.p.keystore;
	req.keystore_password = r.pw.data;
	req.keystore_password_file = ks_file ? ks_file : r.p.ks_pw_file;
	req.keystore_password_env = ks_env ? ks_env : r.p.ks_pw_env;
	req.preferred_chain = r.p.preferred_chain;
	req.profile = r.p.profile;
	req.replaces = r.p.replaces;
	req.reason = r.p.reason ? r.p.reason : "issued";
	req.settings = &r.settings;
	req.use_key = pkey;
	rc = cc_issue_request(&r.env, &req, &res, &err);
	if (rc == CC_EPENDING && res.pending) {
		print_pending(r.p.name, &res, &err);
		rc = 4;
	} else if (rc) {
		rc = out_fail(&err);
	} else {
		print_issued(r.p.name, &res, "issued");
	}
out:
	cc_issue_result_release(&res);
	pending_run_close(&r);
	solve_opts_release(&so);
	EVP_PKEY_free(pkey);
	return rc;
}

/* ---- revoke ---- */

static int reason_code(const char *s)
{
	static const char *const names[] = {
		"unspecified", "keyCompromise", "cACompromise",
		"affiliationChanged", "superseded", "cessationOfOperation",
		"certificateHold", NULL, "removeFromCRL", "privilegeWithdrawn",
		"aACompromise"
	};
	char *end;
	long v;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i] && !strcasecmp(s, names[i]))
			return (int)i;
	v = strtol(s, &end, 10);
	if (!*end && v >= 0 && v <= 10 && v != 7)
		return (int)v;
	return -2;
}

int acme_revoke_cert(struct cli *cl, const char *name, const char *reason,
		     int by_cert_key, const struct acme_common *co_in)
{
	struct acme_common co = { NULL, NULL, NULL };
	struct acme_session s;
	struct cc_cert_meta m;
	struct cc_buf pem = CC_BUF_INIT, kb = CC_BUF_SECRET_INIT;
	struct cc_bundle b = CC_BUNDLE_INIT;
	struct cc_err err = CC_ERR_INIT;
	struct cc_repo *repo;
	EVP_PKEY *ckey = NULL;
	unsigned char *der = NULL;
	int len, rc, code = CC_ACME_REASON_NONE;

	memset(&s, 0, sizeof(s));
	memset(&m, 0, sizeof(m));
	if (co_in)
		co = *co_in;
	if (reason && (code = reason_code(reason)) == -2) {
		out_error("unknown revocation reason '%s' (use unspecified, "
			  "keyCompromise, affiliationChanged, superseded, "
			  "cessationOfOperation, privilegeWithdrawn or a "
			  "number)", reason);
		return 2;
	}
	if ((rc = cli_repo(cl, &repo)))
		return rc;
	if (cc_name_check(name, &err) || cc_repo_cert_load(repo, name, &m, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (!m.source || strcmp(m.source, "acme")) {
		out_error("'%s' was not issued over ACME (source: %s)", name,
			  m.source ? m.source : "unknown");
		rc = 1;
		goto out;
	}
	if (m.status && !strcmp(m.status, "revoked")) {
		out_error("'%s' is already revoked", name);
		rc = 1;
		goto out;
	}
	if (!co.server)
		co.server = cc_strmap_get(&m.ca, "server");
	if (!co.account)
		co.account = cc_strmap_get(&m.ca, "account");
	if (!co.ca_bundle)
		co.ca_bundle = cc_strmap_get(&m.extra, "ca-bundle");
	if ((rc = acme_open(cl, &co, 1, &s)))
		goto out;
	if (cc_repo_cert_read(repo, name, 0, "cert.pem", &pem, &err) ||
	    cc_bundle_parse(pem.data, pem.len, NULL, &b, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (by_cert_key &&
	    (cc_repo_cert_read(repo, name, 0, "key.pem", &kb, &err) ||
	     cc_key_load(kb.data, kb.len, NULL, &ckey, &err))) {
		rc = out_fail(&err);
		goto out;
	}
	len = i2d_X509(b.certs[0], &der);
	if (len <= 0) {
		out_error("cannot encode the certificate");
		rc = 1;
		goto out;
	}
	if (cc_acme_revoke(s.acme, der, (size_t)len, code, ckey, &err) &&
	    err.code != CC_EEXIST) {
		rc = out_fail(&err);
		goto out;
	}
	cc_str_set(&m.status, "revoked");
	cc_strmap_set(&m.extra, "revocation-reason", reason ? reason :
			     "unspecified");
	if (cc_repo_meta_save(repo, &m, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddStringToObject(o, "status", "revoked");
		out_print_json(o);
	} else if (!out_quiet) {
		printf("revoked '%s'\n", name);
	}
	rc = 0;
out:
	OPENSSL_free(der);
	EVP_PKEY_free(ckey);
	cc_bundle_release(&b);
	cc_buf_release(&pem);
	cc_buf_release(&kb);
	cc_cert_meta_release(&m);
	acme_close(&s);
	return rc;
}

static int acme_revoke(int argc, char **argv, struct cli *cl)
{
	struct acme_common co = { NULL, NULL, NULL };
	const char *reason = NULL;
	int by_key = 0;
	struct opt opts[] = {
		{ OPT_STR, 'r', "reason", &reason, "REASON",
		  "keyCompromise, superseded, cessationOfOperation, ..." },
		{ OPT_FLAG, 0, "by-cert-key", &by_key, NULL,
		  "sign with the certificate's key instead of the account's" },
		ACME_COMMON_OPTS(co),
		OPT_END
	};
	struct cmd_usage u = {
		"certctl acme revoke <cert> [--reason REASON] [--by-cert-key] "
		"[--server SERVER] [--account NAME] [--ca-bundle FILE]",
		"Revoke a certificate at the CA and mark it revoked.", opts };
	struct cc_strlist pos = CC_STRLIST_INIT;
	int rc;

	if ((rc = one_name(argc, argv, &u, &pos))) {
		cc_strlist_release(&pos);
		return rc < 0 ? 0 : rc;
	}
	rc = acme_revoke_cert(cl, pos.v[0], reason, by_key, &co);
	cc_strlist_release(&pos);
	return rc;
}

static const struct cmd acme_cmds[] = {
	{ "account", cmd_acme_account, "manage ACME accounts" },
	{ "request", acme_request, "obtain a certificate" },
	{ "pending", acme_pending, "list requests in progress" },
	{ "challenges", acme_challenges, "show what to place by hand" },
	{ "verify", acme_verify, "continue after manual placement" },
	{ "retry", acme_retry, "start a request over with new challenges" },
	{ "revoke", acme_revoke, "revoke a certificate" },
	{ NULL, NULL, NULL }
};

int cmd_acme(int argc, char **argv, struct cli *cl)
{
	return cmd_dispatch("acme", acme_cmds, argc, argv, cl);
}
