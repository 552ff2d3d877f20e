/* certctl acme account: register, show, list, update, export-key, import,
 * rollover, deactivate, delete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acme_cli.h"
#include "fsutil.h"
#include "jws.h"
#include "key.h"
#include "secret.h"
#include "util.h"
#include "x509.h"

static int contacts_from(const struct cc_strlist *emails, char ***out,
			 size_t *n)
{
	size_t i;

	*out = calloc(emails->n ? emails->n : 1, sizeof(char *));
	if (!*out)
		return -1;
	for (i = 0; i < emails->n; i++) {
		const char *e = emails->v[i];
		size_t len = strlen(e) + 8;

		if (!strchr(e, '@') || strchr(e, ',') || strchr(e, ' ')) {
			out_error("'%s' is not an e-mail address", e);
			*n = i;
			return 2;
		}
		(*out)[i] = malloc(len);
		if (!(*out)[i])
			return -1;
		snprintf((*out)[i], len, "%s%s",
			 strncmp(e, "mailto:", 7) ? "mailto:" : "", e);
	}
	*n = emails->n;
	return 0;
}

static void free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void print_account(const struct cc_acct *a, const char *remote_status)
{
	char t[32];
	size_t i;

	if (out_json) {
		cJSON *o = cJSON_CreateObject(), *c = cJSON_CreateArray();

		cJSON_AddStringToObject(o, "name", a->name);
		cJSON_AddStringToObject(o, "server", a->server);
		cJSON_AddStringToObject(o, "url", a->url);
		for (i = 0; i < a->ncontact; i++)
			cJSON_AddItemToArray(c, cJSON_CreateString(a->contact[i]));
		cJSON_AddItemToObject(o, "contact", c);
		cJSON_AddStringToObject(o, "status", remote_status ? remote_status :
					(a->status ? a->status : "valid"));
		if (a->key_type)
			cJSON_AddStringToObject(o, "key_type", a->key_type);
		cJSON_AddBoolToObject(o, "default", a->is_default);
		if (a->created) {
			cc_time_format(a->created, t, sizeof(t));
			cJSON_AddStringToObject(o, "created", t);
		}
		out_print_json(o);
		return;
	}
	printf("name:     %s%s\n", a->name, a->is_default ? " (default)" : "");
	printf("server:   %s\n", a->server);
	printf("url:      %s\n", a->url);
	printf("status:   %s\n", remote_status ? remote_status :
	       (a->status ? a->status : "valid"));
	printf("contact: ");
	for (i = 0; i < a->ncontact; i++)
		printf(" %s", a->contact[i]);
	printf("%s\n", a->ncontact ? "" : " (none)");
	if (a->key_type)
		printf("key type: %s\n", a->key_type);
	if (a->created) {
		cc_time_format(a->created, t, sizeof(t));
		printf("created:  %s\n", t);
	}
}

/* Copy the server's view (url, contacts, status) into the local record. */
static int take_remote(struct cc_acct *a, const struct cc_acme_account *r)
{
	size_t i;

	if (cc_str_set(&a->url, r->url) || cc_str_set(&a->status, r->status))
		return -1;
	free_list(a->contact, a->ncontact);
	a->contact = NULL;
	a->ncontact = 0;
	if (r->ncontact) {
		a->contact = calloc(r->ncontact, sizeof(char *));
		if (!a->contact)
			return -1;
		for (i = 0; i < r->ncontact; i++) {
			if (!(a->contact[i] = strdup(r->contact[i])))
				return -1;
			a->ncontact = i + 1;
		}
	}
	a->updated = time(NULL);
	return 0;
}

static int eab_key(const char *file, struct cc_buf *out)
{
	struct cc_err err = CC_ERR_INIT;
	size_t n;

	out->secret = 1;
	if (cc_read_file(file, out, &err))
		return out_fail(&err);
	/* trim whitespace at the end */
	n = out->len;
	while (n && (out->data[n - 1] == '\n' || out->data[n - 1] == '\r' ||
		     out->data[n - 1] == ' '))
		n--;
	out->len = n;
	if (out->data)
		out->data[n] = '\0';
	if (!n) {
		out_error("'%s' is empty", file);
		return 2;
	}
	return 0;
}

/*
 * Open a session for a new local account record: its name (--account or
 * "default") must be free for this server. Returns an exit code.
 */
static int new_local_account(struct cli *cl, struct acme_common *co,
			     struct acme_session *s, struct cc_acct *a,
			     struct cc_repo **repo)
{
	struct cc_err err = CC_ERR_INIT;
	struct cc_acct existing;
	int rc;

	if ((rc = acme_open(cl, co, 0, s)) || (rc = cli_repo(cl, repo)))
		return rc;
	if (cc_str_set(&a->name, co->account ? co->account : "default") ||
	    cc_str_set(&a->server, s->server))
		return 1;
	if (cc_name_check(a->name, &err))
		return out_fail(&err);
	if (cc_acct_load(*repo, s->server, a->name, &existing, NULL) == CC_OK) {
		cc_acct_release(&existing);
		out_error("an account named '%s' for %s exists already (use "
			  "--account NAME for another one)", a->name,
			  s->server);
		return 1;
	}
	return 0;
}

static int acct_register(int argc, char **argv, struct cli *cl)
{
	struct acme_common co = { NULL, NULL, NULL };
	struct cc_strlist emails = CC_STRLIST_INIT;
	const char *key_type = NULL, *eab_kid = NULL, *eab_file = NULL,
		   *key_file = NULL;
	int agree = 0, make_default = 0;
	struct opt opts[] = {
		{ OPT_LIST, 'm', "email", &emails, "EMAIL",
		  "contact address (repeatable)" },
		ACME_COMMON_OPTS(co),
		{ OPT_FLAG, 0, "agree-tos", &agree, NULL,
		  "agree to the CA's terms of service" },
		{ OPT_STR, 0, "key-type", &key_type, "TYPE",
		  "account key type (ec:p256, ec:p384, rsa:2048...)" },
		{ OPT_STR, 0, "key", &key_file, "FILE",
		  "use this existing key instead of a new one" },
		{ OPT_STR, 0, "eab-kid", &eab_kid, "KID",
		  "External Account Binding key id" },
		{ OPT_STR, 0, "eab-hmac-key-file", &eab_file, "FILE",
		  "file holding the EAB HMAC key (base64url)" },
		{ OPT_FLAG, 0, "default", &make_default, NULL,
		  "make it the server's default account" },
		OPT_END
	};
	struct cmd_usage u = {
		"certctl acme account register [--email EMAIL]... "
		"[--server SERVER] [--account NAME] [--agree-tos] "
		"[--key-type TYPE | --key FILE] [--eab-kid KID "
		"--eab-hmac-key-file FILE] [--ca-bundle FILE] [--default]",
		"Create an ACME account at the CA and store it with its key.",
		opts };
	struct acme_session s;
	struct cc_acme_account_req req;
	struct cc_acme_account remote;
	const struct cc_acme_directory *dir;
	struct cc_key_spec spec;
	struct cc_acct a;
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf hmac = CC_BUF_SECRET_INIT, kb = CC_BUF_SECRET_INIT;
	struct cc_repo *repo;
	char **contact = NULL;
	size_t ncontact = 0;
	char ktype[16];
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&a, 0, sizeof(a));
	memset(&remote, 0, sizeof(remote));
	memset(&req, 0, sizeof(req));
	rc = opt_parse(argc, argv, &u, NULL, 0, NULL);
	if (rc) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if (!emails.n && cc_config_get(cl->cfg, "acme.email"))
		cc_strlist_add(&emails, cc_config_get(cl->cfg, "acme.email"));
	if (!eab_kid)
		eab_kid = cc_config_get(cl->cfg, "acme.eab-kid");
	if (!eab_file)
		eab_file = cc_config_get(cl->cfg, "acme.eab-hmac-key-file");
	if (!eab_kid != !eab_file) {
		out_error("--eab-kid and --eab-hmac-key-file go together");
		rc = 2;
		goto out;
	}
	if ((rc = contacts_from(&emails, &contact, &ncontact)))
		goto out;
	if (key_file && key_type) {
		out_error("--key and --key-type exclude each other");
		rc = 2;
		goto out;
	}
	if (cc_key_spec_parse(key_type ? key_type : "ec:p256", &spec, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if ((rc = new_local_account(cl, &co, &s, &a, &repo)))
		goto out;
	if (key_file) {
		if (cc_read_file(key_file, &kb, &err) ||
		    cc_key_load(kb.data, kb.len, NULL, &a.key, &err)) {
			rc = out_fail(&err);
			goto out;
		}
	} else if (cc_key_generate(&spec, &a.key, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (cc_key_get_spec(a.key, &spec, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	cc_key_spec_format(&spec, ktype, sizeof(ktype));
	cc_str_set(&a.key_type, ktype);
	if (cc_acme_new(&s.acme, s.server, s.http, &cc_clock_real, a.key, NULL,
			&err) ||
	    cc_acme_get_directory(s.acme, &dir, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (dir->terms_of_service && !agree) {
		char q[1024];
		int ans;

		snprintf(q, sizeof(q), "The CA's terms of service are at\n  %s\n"
			 "Do you agree to them?", dir->terms_of_service);
		ans = ask_yes_no(q);
		if (ans < 0) {
			out_error("you must agree to the terms of service at %s "
				  "(add --agree-tos)", dir->terms_of_service);
			rc = 2;
			goto out;
		}
		if (!ans) {
			out_error("not registered: the terms were not accepted");
			rc = 1;
			goto out;
		}
	}
	if (dir->external_account_required && !eab_kid) {
		out_error("%s requires External Account Binding: use --eab-kid "
			  "and --eab-hmac-key-file", s.server);
		rc = 2;
		goto out;
	}
	if (eab_file && (rc = eab_key(eab_file, &hmac)))
		goto out;
	req.contact = (const char *const *)contact;
	req.ncontact = ncontact;
	req.agree_tos = 1;
	req.eab_kid = eab_kid;
	req.eab_hmac_key = eab_file ? hmac.data : NULL;
	if (cc_acme_account_new(s.acme, &req, &remote, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (take_remote(&a, &remote) ||
	    cc_str_set(&a.eab_kid, eab_kid) ||
	    cc_str_set(&a.tos, dir->terms_of_service)) {
		rc = 1;
		goto out;
	}
	a.created = a.updated = time(NULL);
	if (cc_acct_save(repo, &a, make_default, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (out_json) {
		print_account(&a, NULL);
	} else if (!out_quiet) {
		printf("%s account '%s' at %s\n  %s\n",
		       remote.created ? "registered" : "found existing",
		       a.name, s.server, a.url);
	}
	rc = 0;
out:
	cc_acme_account_release(&remote);
	cc_acct_release(&a);
	acme_close(&s);
	free_list(contact, ncontact);
	cc_strlist_release(&emails);
	cc_buf_release(&hmac);
	cc_buf_release(&kb);
	return rc;
}

/* Parse options for commands that act on one stored account. */
static int one_account(int argc, char **argv, struct cmd_usage *u,
		       struct cli *cl, struct acme_common *co,
		       struct acme_session *s)
{
	int rc = opt_parse(argc, argv, u, NULL, 0, NULL);

	if (rc)
		return rc == 1 ? -1 : rc;
	return acme_open(cl, co, 1, s);
}

static int acct_show(int argc, char **argv, struct cli *cl)
{
	struct acme_common co = { NULL, NULL, NULL };
	int local = 0;
	struct opt opts[] = {
		ACME_COMMON_OPTS(co),
		{ OPT_FLAG, 0, "local", &local, NULL,
		  "do not ask the CA, show the stored record" },
		OPT_END
	};
	struct cmd_usage u = {
		"certctl acme account show [--server SERVER] [--account NAME] "
		"[--local] [--ca-bundle FILE]",
		"Show an account, with its status as the CA reports it.", opts };
	struct acme_session s;
	struct cc_acme_account r;
	struct cc_err err = CC_ERR_INIT;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&s, 0, sizeof(s));
	rc = one_account(argc, argv, &u, cl, &co, &s);
	if (rc) {
		acme_close(&s);
		return rc < 0 ? 0 : rc;
	}
	if (!local) {
		if (cc_acme_account_fetch(s.acme, &r, &err)) {
			rc = out_fail(&err);
			goto out;
		}
		if (r.status && (!s.acct.status ||
				 strcmp(r.status, s.acct.status))) {
			struct cc_repo *repo;

			take_remote(&s.acct, &r);
			if (cli_repo(cl, &repo) == 0)
				cc_acct_save(cl->repo, &s.acct, 0, NULL);
		}
	}
	print_account(&s.acct, local ? NULL : r.status);
out:
	cc_acme_account_release(&r);
	acme_close(&s);
	return rc;
}

static int acct_list(int argc, char **argv, struct cli *cl)
{
	struct opt opts[] = { OPT_END };
	struct cmd_usage u = { "certctl acme account list",
		"List the stored ACME accounts of every server.", opts };
	struct cc_acct *v = NULL;
	struct cc_err err = CC_ERR_INIT;
	struct cc_repo *repo;
	size_t n = 0, i, j;
	int rc = opt_parse(argc, argv, &u, NULL, 0, NULL);

	if (rc)
		return rc == 1 ? 0 : rc;
	if ((rc = cli_repo(cl, &repo)))
		return rc;
	if (cc_acct_list(repo, &v, &n, &err))
		return out_fail(&err);
	if (out_json) {
		cJSON *a = cJSON_CreateArray();

		for (i = 0; i < n; i++) {
			cJSON *o = cJSON_CreateObject(), *c = cJSON_CreateArray();

			cJSON_AddStringToObject(o, "name", v[i].name);
			cJSON_AddStringToObject(o, "server", v[i].server);
			cJSON_AddStringToObject(o, "url", v[i].url);
			cJSON_AddStringToObject(o, "status",
				v[i].status ? v[i].status : "valid");
			for (j = 0; j < v[i].ncontact; j++)
				cJSON_AddItemToArray(c,
					cJSON_CreateString(v[i].contact[j]));
			cJSON_AddItemToObject(o, "contact", c);
			cJSON_AddBoolToObject(o, "default", v[i].is_default);
			cJSON_AddItemToArray(a, o);
		}
		out_print_json(a);
	} else {
		if (n)
			printf("%-16s %-8s %-12s %-30s %s\n", "NAME", "DEFAULT",
			       "STATUS", "CONTACT", "SERVER");
		for (i = 0; i < n; i++)
			printf("%-16s %-8s %-12s %-30s %s\n", v[i].name,
			       v[i].is_default ? "yes" : "",
			       v[i].status ? v[i].status : "valid",
			       v[i].ncontact ? v[i].contact[0] + 7 : "-",
			       v[i].server);
		if (!n && !out_quiet)
			fprintf(stderr, "no ACME accounts (see 'certctl acme "
					"account register')\n");
	}
	cc_acct_list_free(v, n);
	return 0;
}

static int acct_update(int argc, char **argv, struct cli *cl)
{
	struct acme_common co = { NULL, NULL, NULL };
	struct cc_strlist emails = CC_STRLIST_INIT;
	int none = 0;
	struct opt opts[] = {
		{ OPT_LIST, 'm', "email", &emails, "EMAIL",
		  "new contact address (repeatable; replaces the old ones)" },
		{ OPT_FLAG, 0, "no-email", &none, NULL,
		  "remove every contact address" },
		ACME_COMMON_OPTS(co),
		OPT_END
	};
	struct cmd_usage u = {
		"certctl acme account update (--email EMAIL... | --no-email) "
		"[--server SERVER] [--account NAME] [--ca-bundle FILE]",
		"Change the contact addresses of an account at the CA.", opts };
	struct acme_session s;
	struct cc_acme_account r;
	struct cc_err err = CC_ERR_INIT;
	char **contact = NULL;
	size_t ncontact = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&s, 0, sizeof(s));
	rc = opt_parse(argc, argv, &u, NULL, 0, NULL);
	if (rc) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if (!emails.n && !none) {
		out_error("give --email EMAIL or --no-email");
		rc = 2;
		goto out;
	}
	if ((rc = contacts_from(&emails, &contact, &ncontact)) ||
	    (rc = acme_open(cl, &co, 1, &s)))
		goto out;
	if (cc_acme_account_update(s.acme, (const char *const *)contact,
				   ncontact, &r, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (take_remote(&s.acct, &r) ||
	    cc_acct_save(cl->repo, &s.acct, 0, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (out_json)
		print_account(&s.acct, NULL);
	else if (!out_quiet)
		printf("updated the contacts of account '%s'\n", s.acct.name);
out:
	free_list(contact, ncontact);
	cc_strlist_release(&emails);
	cc_acme_account_release(&r);
	acme_close(&s);
	return rc;
}

static int acct_export_key(int argc, char **argv, struct cli *cl)
{
	struct acme_common co = { NULL, NULL, NULL };
	const char *outf = NULL;
	struct opt opts[] = {
		{ OPT_STR, 'o', "out", &outf, "FILE",
		  "write the key to FILE (0600) instead of standard output" },
		ACME_COMMON_OPTS(co),
		OPT_END
	};
	struct cmd_usage u = {
		"certctl acme account export-key [--out FILE] [--server SERVER] "
		"[--account NAME]",
		"Write the account's private key (PEM).", opts };
	struct acme_session s;
	struct cc_buf pem = CC_BUF_SECRET_INIT;
	struct cc_err err = CC_ERR_INIT;
	int rc;

	memset(&s, 0, sizeof(s));
	rc = one_account(argc, argv, &u, cl, &co, &s);
	if (rc) {
		acme_close(&s);
		return rc < 0 ? 0 : rc;
	}
	if (cc_key_to_pem(s.acct.key, &pem, &err)) {
		rc = out_fail(&err);
	} else if (outf) {
		if (cc_write_atomic(outf, pem.data, pem.len, 0600, &err))
			rc = out_fail(&err);
		else if (!out_quiet)
			fprintf(stderr, "wrote %s\n", outf);
	} else if (isatty(STDOUT_FILENO) && !out_quiet) {
		out_error("refusing to print a private key to a terminal (use "
			  "--out FILE or a pipe)");
		rc = 2;
	} else {
		fwrite(pem.data, 1, pem.len, stdout);
	}
	cc_buf_release(&pem);
	acme_close(&s);
	return rc;
}

static int acct_import(int argc, char **argv, struct cli *cl)
{
	struct acme_common co = { NULL, NULL, NULL };
	const char *key_file = NULL, *pw_file = NULL, *pw_env = NULL;
	int make_default = 0;
	struct opt opts[] = {
		{ OPT_STR, 'k', "key", &key_file, "FILE",
		  "the account's private key (PEM or PKCS#8)" },
		{ OPT_STR, 0, "password-file", &pw_file, "FILE",
		  "password of an encrypted key" },
		{ OPT_STR, 0, "password-env", &pw_env, "VAR",
		  "that password from environment variable VAR" },
		ACME_COMMON_OPTS(co),
		{ OPT_FLAG, 0, "default", &make_default, NULL,
		  "make it the server's default account" },
		OPT_END
	};
	struct cmd_usage u = {
		"certctl acme account import --key FILE [--server SERVER] "
		"[--account NAME] [--password-file FILE | --password-env VAR] "
		"[--ca-bundle FILE] [--default]",
		"Find the existing account of a key at the CA and store it.",
		opts };
	struct acme_session s;
	struct cc_acme_account r;
	struct cc_acct a;
	struct cc_buf kb = CC_BUF_SECRET_INIT, pw = CC_BUF_SECRET_INIT;
	struct cc_err err = CC_ERR_INIT;
	struct cc_key_spec spec;
	struct cc_repo *repo;
	char ktype[16];
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	memset(&a, 0, sizeof(a));
	rc = opt_parse(argc, argv, &u, NULL, 0, NULL);
	if (rc) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if (!key_file) {
		out_error("--key FILE is required");
		rc = 2;
		goto out;
	}
	if ((pw_file || pw_env) &&
	    (rc = secret_get(pw_file, pw_env, "password", 0, 0, &pw)))
		goto out;
	if (cc_read_file(key_file, &kb, &err) ||
	    cc_key_load(kb.data, kb.len, pw.data, &a.key, &err) ||
	    cc_key_get_spec(a.key, &spec, &err)) {
		cc_err_prefix(&err, "'%s'", key_file);
		rc = out_fail(&err);
		goto out;
	}
	if ((rc = new_local_account(cl, &co, &s, &a, &repo)))
		goto out;
	if (cc_acme_new(&s.acme, s.server, s.http, &cc_clock_real, a.key, NULL,
			&err) ||
	    cc_acme_account_find(s.acme, &r, &err)) {
		if (err.code == CC_ENOENT)
			snprintf(err.msg, sizeof(err.msg),
				 "%s has no account for this key (use 'certctl "
				 "acme account register --key %s')", s.server,
				 key_file);
		rc = out_fail(&err);
		goto out;
	}
	cc_key_spec_format(&spec, ktype, sizeof(ktype));
	if (take_remote(&a, &r) || cc_str_set(&a.key_type, ktype)) {
		rc = 1;
		goto out;
	}
	a.created = a.updated = time(NULL);
	if (cc_acct_save(repo, &a, make_default, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (out_json)
		print_account(&a, NULL);
	else if (!out_quiet)
		printf("imported account '%s' (%s)\n  %s\n", a.name,
		       a.status ? a.status : "valid", a.url);
out:
	cc_acme_account_release(&r);
	cc_acct_release(&a);
	acme_close(&s);
	cc_buf_release(&kb);
	cc_buf_release(&pw);
	return rc;
}

static int acct_rollover(int argc, char **argv, struct cli *cl)
{
	struct acme_common co = { NULL, NULL, NULL };
	const char *key_type = NULL, *key_file = NULL;
	struct opt opts[] = {
		{ OPT_STR, 0, "key-type", &key_type, "TYPE",
		  "type of the new key (default: same as the old one)" },
		{ OPT_STR, 0, "key", &key_file, "FILE",
		  "use this key instead of a new one" },
		ACME_COMMON_OPTS(co),
		OPT_END
	};
	struct cmd_usage u = {
		"certctl acme account rollover [--key-type TYPE | --key FILE] "
		"[--server SERVER] [--account NAME] [--ca-bundle FILE]",
		"Replace the account key at the CA (keyChange).", opts };
	struct acme_session s;
	struct cc_key_spec spec;
	struct cc_buf kb = CC_BUF_SECRET_INIT, tp = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	EVP_PKEY *nk = NULL;
	char ktype[16];
	int rc;

	memset(&s, 0, sizeof(s));
	rc = one_account(argc, argv, &u, cl, &co, &s);
	if (rc) {
		rc = rc < 0 ? 0 : rc;
		goto out;
	}
	if (key_file) {
		if (cc_read_file(key_file, &kb, &err) ||
		    cc_key_load(kb.data, kb.len, NULL, &nk, &err)) {
			rc = out_fail(&err);
			goto out;
		}
	} else {
		if (cc_key_spec_parse(key_type ? key_type :
				      (s.acct.key_type ? s.acct.key_type :
							 "ec:p256"),
				      &spec, &err) ||
		    cc_key_generate(&spec, &nk, &err)) {
			rc = out_fail(&err);
			goto out;
		}
	}
	if (cc_key_get_spec(nk, &spec, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (cc_acme_account_key_change(s.acme, nk, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	/* the CA now knows only the new key: store it before anything else */
	EVP_PKEY_free(s.acct.key);
	s.acct.key = nk;
	nk = NULL;
	cc_key_spec_format(&spec, ktype, sizeof(ktype));
	cc_str_set(&s.acct.key_type, ktype);
	s.acct.updated = time(NULL);
	if (cc_acct_save(cl->repo, &s.acct, 0, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	cc_jwk_thumbprint(s.acct.key, &tp, NULL);
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", s.acct.name);
		cJSON_AddStringToObject(o, "key_type", ktype);
		cJSON_AddStringToObject(o, "thumbprint", tp.data ? tp.data : "");
		out_print_json(o);
	} else if (!out_quiet) {
		printf("rolled over the key of account '%s' (%s, thumbprint "
		       "%s)\n", s.acct.name, ktype, tp.data ? tp.data : "");
	}
out:
	EVP_PKEY_free(nk);
	cc_buf_release(&kb);
	cc_buf_release(&tp);
	acme_close(&s);
	return rc;
}

static int acct_deactivate(int argc, char **argv, struct cli *cl)
{
	struct acme_common co = { NULL, NULL, NULL };
	int yes = 0;
	struct opt opts[] = {
		{ OPT_FLAG, 'y', "yes", &yes, NULL, "do not ask" },
		ACME_COMMON_OPTS(co),
		OPT_END
	};
	struct cmd_usage u = {
		"certctl acme account deactivate [--yes] [--server SERVER] "
		"[--account NAME] [--ca-bundle FILE]",
		"Deactivate an account at the CA. This cannot be undone.",
		opts };
	struct acme_session s;
	struct cc_acme_account r;
	struct cc_err err = CC_ERR_INIT;
	char q[512];
	int rc, ans;

	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	rc = one_account(argc, argv, &u, cl, &co, &s);
	if (rc) {
		rc = rc < 0 ? 0 : rc;
		goto out;
	}
	if (!yes) {
		snprintf(q, sizeof(q), "Deactivate account '%s' at %s? It can "
			 "never be used again.", s.acct.name, s.server);
		ans = ask_yes_no(q);
		if (ans < 0) {
			out_error("not deactivating without --yes (no terminal "
				  "to ask)");
			rc = 2;
			goto out;
		}
		if (!ans) {
			rc = 1;
			goto out;
		}
	}
	if (cc_acme_account_deactivate(s.acme, &r, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	cc_str_set(&s.acct.status, r.status ? r.status : "deactivated");
	s.acct.updated = time(NULL);
	if (cc_acct_save(cl->repo, &s.acct, 0, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (out_json)
		print_account(&s.acct, NULL);
	else if (!out_quiet)
		printf("deactivated account '%s' at %s\n", s.acct.name,
		       s.server);
out:
	cc_acme_account_release(&r);
	acme_close(&s);
	return rc;
}

static int acct_delete(int argc, char **argv, struct cli *cl)
{
	struct acme_common co = { NULL, NULL, NULL };
	int yes = 0;
	struct opt opts[] = {
		{ OPT_FLAG, 'y', "yes", &yes, NULL, "do not ask" },
		ACME_COMMON_OPTS(co),
		OPT_END
	};
	struct cmd_usage u = {
		"certctl acme account delete [--yes] [--server SERVER] "
		"[--account NAME]",
		"Delete an account and its key locally. The account stays "
		"active at the CA.", opts };
	struct acme_session s;
	struct cc_err err = CC_ERR_INIT;
	char q[512];
	int rc, ans;

	memset(&s, 0, sizeof(s));
	rc = one_account(argc, argv, &u, cl, &co, &s);
	if (rc) {
		rc = rc < 0 ? 0 : rc;
		goto out;
	}
	if (!yes) {
		snprintf(q, sizeof(q), "Delete account '%s' and its key from "
			 "this machine?", s.acct.name);
		ans = ask_yes_no(q);
		if (ans <= 0) {
			if (ans < 0)
				out_error("not deleting without --yes (no "
					  "terminal to ask)");
			rc = ans < 0 ? 2 : 1;
			goto out;
		}
	}
	if (cc_acct_delete(cl->repo, s.server, s.acct.name, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", s.acct.name);
		cJSON_AddBoolToObject(o, "deleted", 1);
		cJSON_AddBoolToObject(o, "active_at_ca",
			!s.acct.status || !strcmp(s.acct.status, "valid"));
		out_print_json(o);
	} else if (!out_quiet) {
		printf("deleted account '%s' locally\n", s.acct.name);
		if (!s.acct.status || !strcmp(s.acct.status, "valid"))
			printf("note: the account is still active at %s; use "
			       "'certctl acme account deactivate' to close it "
			       "there\n", s.server);
	}
out:
	acme_close(&s);
	return rc;
}

static const struct cmd account_cmds[] = {
	{ "register", acct_register, "create an account at the CA" },
	{ "show", acct_show, "show an account" },
	{ "list", acct_list, "list stored accounts" },
	{ "update", acct_update, "change the contact addresses" },
	{ "export-key", acct_export_key, "write the account key" },
	{ "import", acct_import, "store the existing account of a key" },
	{ "rollover", acct_rollover, "replace the account key" },
	{ "deactivate", acct_deactivate, "deactivate the account at the CA" },
	{ "delete", acct_delete, "delete the account locally" },
	{ NULL, NULL, NULL }
};

int cmd_acme_account(int argc, char **argv, struct cli *cl)
{
	return cmd_dispatch("acme account", account_cmds, argc, argv, cl);
}
