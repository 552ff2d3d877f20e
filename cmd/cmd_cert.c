/* certctl cert: import, list, show, export, history, delete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acme_cli.h"
#include "cmd.h"
#include "sectigo_cli.h"
#include "fsutil.h"
#include "key.h"
#include "keystore.h"
#include "secret.h"
#include "util.h"
#include "x509.h"

/* ---- shared helpers ---- */

/* Effective status: stored status, or "expired" for a lapsed valid one. */
static const char *effective_status(const char *status, time_t not_after,
				    time_t now)
{
	if (!status || !*status)
		status = "valid";
	if (!strcmp(status, "valid") && not_after && not_after < now)
		return "expired";
	return status;
}

static long days_left(time_t not_after, time_t now)
{
	double d = difftime(not_after, now) / 86400.0;

	return d < 0 ? (long)(d - 0.999999) : (long)d;
}

static void add_time(cJSON *o, const char *key, time_t t)
{
	char buf[32];

	if (!t) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	cc_time_format(t, buf, sizeof(buf));
	cJSON_AddStringToObject(o, key, buf);
}

static void add_str(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *strmap_json(const struct cc_strmap *m)
{
	cJSON *o = cJSON_CreateObject();
	size_t i;

	for (i = 0; i < m->n; i++)
		cJSON_AddStringToObject(o, m->keys[i], m->vals[i]);
	return o;
}

/* Read a password for an input file (PKCS#12, encrypted key) if asked. */
static int input_password(const char *file, const char *env,
			  struct cc_buf *pw, int *have)
{
	int rc;

	*have = 0;
	if (!file && !env)
		return 0;
	rc = secret_get(file, env, "password", 0, 0, pw);
	if (rc == 0)
		*have = 1;
	return rc;
}

/* ---- import ---- */

static int build_pems(X509 *const *certs, size_t n, struct cc_buf *cert,
		      struct cc_buf *chain, struct cc_buf *full,
		      struct cc_err *err)
{
	int rc;

	if ((rc = cc_cert_to_pem(certs[0], cert, err)) ||
	    (rc = cc_certs_to_pem(certs + 1, n - 1, chain, err)) ||
	    (rc = cc_certs_to_pem(certs, n, full, err)))
		return rc;
	return CC_OK;
}

/* Report an input error, with a hint when a password was missing. */
static int import_fail(struct cc_err *err, const char *file, int have_pw)
{
	size_t len;

	cc_err_prefix(err, "'%s'", file);
	if (err->code == CC_EPASSWORD && !have_pw) {
		len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len,
			 " (use --password-file FILE or --password-env VAR)");
	}
	return out_fail(err);
}

static int cert_import(int argc, char **argv, struct cli *cl)
{
	const char *key_file = NULL, *name_opt = NULL, *pw_file = NULL,
		   *pw_env = NULL;
	struct opt opts[] = {
		{ OPT_STR, 0, "key", &key_file, "FILE",
		  "private key (PEM, encrypted PEM, PKCS#8)" },
		{ OPT_STR, 'n', "name", &name_opt, "NAME",
		  "name in the repository (default: from the common name)" },
		{ OPT_STR, 0, "password-file", &pw_file, "FILE",
		  "password of a PKCS#12 input or encrypted key" },
		{ OPT_STR, 0, "password-env", &pw_env, "VAR",
		  "read that password from environment variable VAR" },
		OPT_END
	};
	struct cmd_usage u = {
		"certctl cert import <file> [--key FILE] [--name NAME] "
		"[--password-file FILE | --password-env VAR]",
		"Import a certificate (PEM, DER, PKCS#7 or PKCS#12) with its "
		"chain and, optionally, its key.", opts };
	struct cc_strlist pos = CC_STRLIST_INIT;
	struct cc_buf in = CC_BUF_INIT, keyin = CC_BUF_SECRET_INIT;
	struct cc_buf pw = CC_BUF_SECRET_INIT;
	struct cc_buf certp = CC_BUF_INIT, chainp = CC_BUF_INIT,
		      fullp = CC_BUF_INIT, keyp = CC_BUF_SECRET_INIT;
	struct cc_bundle b = CC_BUNDLE_INIT;
	struct cc_cert_info info;
	struct cc_cert_meta meta;
	struct cc_version ver;
	struct cc_cert_files files;
	struct cc_err err = CC_ERR_INIT;
	struct cc_repo *repo;
	EVP_PKEY *key = NULL, *oldkey = NULL;
	const struct cc_version *cur;
	char name[CC_NAME_MAX + 1];
	char exp[32];
	int rc, have_pw = 0, exists;

	memset(&info, 0, sizeof(info));
	memset(&meta, 0, sizeof(meta));
	memset(&ver, 0, sizeof(ver));
	memset(&files, 0, sizeof(files));
	rc = opt_parse(argc, argv, &u, &pos, 0, NULL);
	if (rc) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if (pos.n != 1) {
		out_error("cert import needs exactly one file");
		fprintf(stderr, "usage: %s\n", u.synopsis);
		rc = 2;
		goto out;
	}
	if (name_opt && cc_name_check(name_opt, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if ((rc = cli_repo(cl, &repo)))
		goto out;
	if ((rc = input_password(pw_file, pw_env, &pw, &have_pw)))
		goto out;
	if (cc_read_file(pos.v[0], &in, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	rc = cc_bundle_parse(in.data ? in.data : "", in.len,
			     have_pw ? pw.data : NULL, &b, &err);
	if (rc == CC_EPASSWORD && !have_pw && isatty(STDIN_FILENO) &&
	    secret_get(NULL, NULL, "password", 1, 0, &pw) == 0) {
		have_pw = 1;
		cc_bundle_release(&b);
		rc = cc_bundle_parse(in.data, in.len, pw.data, &b, &err);
	}
	if (rc) {
		rc = import_fail(&err, pos.v[0], have_pw);
		goto out;
	}
	if (key_file) {
		if (cc_read_file(key_file, &keyin, &err)) {
			rc = out_fail(&err);
			goto out;
		}
		rc = cc_key_load(keyin.data ? keyin.data : "", keyin.len,
				 have_pw ? pw.data : NULL, &key, &err);
		if (rc == CC_EPASSWORD && !have_pw && isatty(STDIN_FILENO) &&
		    secret_get(NULL, NULL, "key password", 1, 0, &pw) == 0) {
			have_pw = 1;
			rc = cc_key_load(keyin.data, keyin.len, pw.data, &key,
					 &err);
		}
		if (rc) {
			rc = import_fail(&err, key_file, have_pw);
			goto out;
		}
		if (b.key && !cc_key_public_equal(b.key, key)) {
			out_error("'%s' holds a different key than '%s'",
				  pos.v[0], key_file);
			rc = 1;
			goto out;
		}
		EVP_PKEY_free(b.key);
		b.key = key;
		key = NULL;
	}
	if (b.ncerts == 0) {
		out_error("'%s' holds no certificate", pos.v[0]);
		rc = 1;
		goto out;
	}
	if (cc_chain_order(&b, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (b.key && !cc_key_matches_cert(b.key, b.certs[0])) {
		out_error("the private key does not match the certificate in "
			  "'%s'", pos.v[0]);
		rc = 1;
		goto out;
	}
	if (cc_cert_info_get(b.certs[0], &info, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (name_opt) {
		snprintf(name, sizeof(name), "%s", name_opt);
	} else {
		const char *cn = info.common_name && *info.common_name ?
					 info.common_name :
				 info.nnames ? info.names[0] : "";

		cc_name_from_cn(cn, name, sizeof(name));
		if (cc_name_check(name, &err)) {
			cc_err_prefix(&err, "cannot derive a name from the "
				      "certificate (use --name)");
			rc = out_fail(&err);
			goto out;
		}
	}
	exists = cc_repo_cert_exists(repo, name);
	if (exists) {
		if (cc_repo_cert_load(repo, name, &meta, &err)) {
			rc = out_fail(&err);
			goto out;
		}
		cur = cc_cert_meta_current(&meta);
		/* keep the stored key when the certificate uses it */
		if (!b.key && cur && cur->has_key) {
			struct cc_buf k = CC_BUF_SECRET_INIT;

			if (cc_repo_cert_read(repo, name, 0, "key.pem", &k,
					      NULL) == CC_OK &&
			    cc_key_load(k.data, k.len, NULL, &oldkey,
					NULL) == CC_OK &&
			    cc_key_matches_cert(oldkey, b.certs[0])) {
				b.key = oldkey;
				oldkey = NULL;
			}
			cc_buf_release(&k);
		}
		if (cur && cur->fingerprint &&
		    !strcmp(cur->fingerprint, info.fingerprint) &&
		    (!b.key || cur->has_key)) {
			if (!out_quiet && !out_json)
				printf("'%s' is already up to date (version "
				       "%d)\n", name, cur->number);
			if (out_json) {
				cJSON *o = cJSON_CreateObject();

				cJSON_AddStringToObject(o, "name", name);
				cJSON_AddNumberToObject(o, "version",
							cur->number);
				cJSON_AddBoolToObject(o, "changed", 0);
				out_print_json(o);
			}
			rc = 0;
			goto out;
		}
	} else {
		if (cc_str_set(&meta.name, name) ||
		    cc_str_set(&meta.source, "imported") ||
		    cc_str_set(&meta.status, "valid")) {
			out_error("out of memory");
			rc = 1;
			goto out;
		}
	}
	if (build_pems(b.certs, b.ncerts, &certp, &chainp, &fullp, &err) ||
	    (b.key && cc_key_to_pem(b.key, &keyp, &err))) {
		rc = out_fail(&err);
		goto out;
	}
	files.cert_pem = certp.data;
	files.chain_pem = chainp.data ? chainp.data : "";
	files.fullchain_pem = fullp.data;
	files.key_pem = b.key ? keyp.data : NULL;
	ver.common_name = info.common_name;
	ver.names = info.names;
	ver.nnames = info.nnames;
	ver.issuer = info.issuer;
	ver.serial = info.serial;
	ver.not_before = info.not_before;
	ver.not_after = info.not_after;
	ver.key_type = info.key_type;
	ver.fingerprint = info.fingerprint;
	ver.reason = "imported";
	if (!meta.status || strcmp(meta.status, "valid"))
		cc_str_set(&meta.status, "valid");
	rc = cc_repo_cert_store(repo, &meta, &files, &ver, &err);
	if (rc) {
		rc = out_fail(&err);
		goto out;
	}
	cc_time_format(info.not_after, exp, sizeof(exp));
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddNumberToObject(o, "version", ver.number);
		cJSON_AddBoolToObject(o, "changed", 1);
		cJSON_AddStringToObject(o, "common_name", info.common_name);
		cJSON_AddStringToObject(o, "not_after", exp);
		cJSON_AddBoolToObject(o, "key", b.key != NULL);
		out_print_json(o);
	} else if (!out_quiet) {
		printf("imported '%s' as version %d (%s, expires %s%s)\n", name,
		       ver.number, info.common_name, exp,
		       b.key ? ", with key" : ", no key");
	}
	rc = 0;
out:
	cc_cert_meta_release(&meta);
	cc_cert_info_release(&info);
	cc_bundle_release(&b);
	EVP_PKEY_free(key);
	EVP_PKEY_free(oldkey);
	cc_buf_release(&in);
	cc_buf_release(&keyin);
	cc_buf_release(&pw);
	cc_buf_release(&certp);
	cc_buf_release(&chainp);
	cc_buf_release(&fullp);
	cc_buf_release(&keyp);
	cc_strlist_release(&pos);
	return rc;
}

/* ---- list ---- */

static int cmp_expiry(const void *a, const void *b)
{
	const struct cc_index_entry *x = *(const struct cc_index_entry *const *)a;
	const struct cc_index_entry *y = *(const struct cc_index_entry *const *)b;

	/* entries without a version (pending) last */
	if (!x->not_after != !y->not_after)
		return x->not_after ? -1 : 1;
	if (x->not_after != y->not_after)
		return x->not_after < y->not_after ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cert_list(int argc, char **argv, struct cli *cl)
{
	const char *expiring = NULL, *source = NULL, *status = NULL;
	struct opt opts[] = {
		{ OPT_STR, 0, "expiring", &expiring, "DURATION",
		  "only certificates expiring within DURATION (30d, 12h)" },
		{ OPT_STR, 0, "source", &source, "SOURCE",
		  "only acme, sectigo or imported certificates" },
		{ OPT_STR, 0, "status", &status, "STATUS",
		  "only this status (valid, expired, pending, revoked, failed, "
		  "replaced, unknown)" },
		OPT_END
	};
	struct cmd_usage u = {
		"certctl cert list [--expiring DURATION] "
		"[--source acme|sectigo|imported] [--status STATUS]",
		"List certificates, soonest expiry first.", opts };
	struct cc_index idx = CC_INDEX_INIT;
	struct cc_err err = CC_ERR_INIT;
	const struct cc_index_entry **sel = NULL;
	struct cc_repo *repo;
	long long within = 0;
	time_t now = time(NULL);
	size_t i, n = 0;
	char exp[32];
	int rc;

	rc = opt_parse(argc, argv, &u, NULL, 0, NULL);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (expiring && cc_duration_parse(expiring, &within, &err))
		return out_fail(&err);
	if (source && strcmp(source, "acme") && strcmp(source, "sectigo") &&
	    strcmp(source, "imported")) {
		out_error("unknown source '%s' (use acme, sectigo or imported)",
			  source);
		return 2;
	}
	if (status && strcmp(status, "valid") && strcmp(status, "expired") &&
	    strcmp(status, "pending") && strcmp(status, "revoked") &&
	    strcmp(status, "failed") && strcmp(status, "replaced") &&
	    strcmp(status, "unknown")) {
		out_error("unknown status '%s' (use valid, expired, pending, "
			  "revoked, failed, replaced or unknown)", status);
		return 2;
	}
	if ((rc = cli_repo(cl, &repo)))
		return rc;
	if (cc_repo_index_load(repo, &idx, &err))
		return out_fail(&err);
	sel = malloc((idx.n ? idx.n : 1) * sizeof(*sel));
	if (!sel) {
		cc_index_release(&idx);
		out_error("out of memory");
		return 1;
	}
	for (i = 0; i < idx.n; i++) {
		const struct cc_index_entry *e = &idx.v[i];
		const char *st = effective_status(e->status, e->not_after, now);

		if (expiring && (!e->not_after || e->not_after > now + within))
			continue;
		if (source && strcmp(source, e->source ? e->source : ""))
			continue;
		if (status && strcmp(status, st))
			continue;
		sel[n++] = e;
	}
	qsort(sel, n, sizeof(*sel), cmp_expiry);
	if (out_json) {
		fputs("{\"format\":1,\"certificates\":[", stdout);
		for (i = 0; i < n; i++) {
			const struct cc_index_entry *e = sel[i];
			cJSON *o = cJSON_CreateObject();
			char *s;

			add_str(o, "name", e->name);
			add_str(o, "common_name", e->common_name);
			add_str(o, "issuer", e->issuer);
			add_str(o, "serial", e->serial);
			add_time(o, "not_before", e->not_before);
			add_time(o, "not_after", e->not_after);
			if (e->not_after)
				cJSON_AddNumberToObject(o, "days_left",
					(double)days_left(e->not_after, now));
			else
				cJSON_AddNullToObject(o, "days_left");
			add_str(o, "source", e->source);
			add_str(o, "status", effective_status(e->status,
							      e->not_after,
							      now));
			cJSON_AddNumberToObject(o, "version", e->version);
			s = cJSON_PrintUnformatted(o);
			if (s) {
				fputs(i ? ",\n" : "\n", stdout);
				fputs(s, stdout);
				cJSON_free(s);
			}
			cJSON_Delete(o);
		}
		fputs("\n]}\n", stdout);
	} else {
		if (n && !out_quiet)
			printf("%-32s %-32s %-24s %-20s %6s %s\n", "NAME",
			       "COMMON NAME", "ISSUER", "NOT AFTER", "DAYS",
			       "STATUS");
		for (i = 0; i < n; i++) {
			const struct cc_index_entry *e = sel[i];
			char days[16];

			if (e->not_after) {
				cc_time_format(e->not_after, exp, sizeof(exp));
				snprintf(days, sizeof(days), "%ld",
					 days_left(e->not_after, now));
			} else {
				snprintf(exp, sizeof(exp), "-");
				snprintf(days, sizeof(days), "-");
			}
			printf("%-32s %-32s %-24.24s %-20s %6s %s\n", e->name,
			       e->common_name && *e->common_name ?
				       e->common_name : "-",
			       e->issuer && *e->issuer ? e->issuer : "-", exp,
			       days,
			       effective_status(e->status, e->not_after, now));
		}
		if (!n && !out_quiet)
			fprintf(stderr, "no certificates%s\n",
				idx.n ? " match" : "");
	}
	free(sel);
	cc_index_release(&idx);
	return 0;
}

/* ---- show / history ---- */

static cJSON *version_json(const struct cc_version *v, time_t now)
{
	cJSON *o = cJSON_CreateObject(), *names = cJSON_CreateArray();
	size_t i;

	cJSON_AddNumberToObject(o, "version", v->number);
	add_time(o, "created", v->created);
	add_str(o, "reason", v->reason);
	add_str(o, "common_name", v->common_name);
	for (i = 0; i < v->nnames; i++)
		cJSON_AddItemToArray(names, cJSON_CreateString(v->names[i]));
	cJSON_AddItemToObject(o, "names", names);
	add_str(o, "issuer", v->issuer);
	add_str(o, "serial", v->serial);
	add_time(o, "not_before", v->not_before);
	add_time(o, "not_after", v->not_after);
	cJSON_AddNumberToObject(o, "days_left",
				(double)days_left(v->not_after, now));
	add_str(o, "key_type", v->key_type);
	add_str(o, "fingerprint_sha256", v->fingerprint);
	cJSON_AddBoolToObject(o, "key", v->has_key);
	cJSON_AddBoolToObject(o, "p12", v->has_p12);
	cJSON_AddBoolToObject(o, "jks", v->has_jks);
	cJSON_AddItemToObject(o, "ca", strmap_json(&v->ca));
	return o;
}

static int load_named(int argc, char **argv, struct cmd_usage *u,
		      struct cli *cl, struct cc_cert_meta *meta,
		      struct cc_repo **repo)
{
	struct cc_strlist pos = CC_STRLIST_INIT;
	struct cc_err err = CC_ERR_INIT;
	int rc;

	rc = opt_parse(argc, argv, u, &pos, 0, NULL);
	if (rc) {
		rc = rc == 1 ? -1 : rc;
		goto out;
	}
	if (pos.n != 1) {
		out_error("exactly one certificate name is needed");
		fprintf(stderr, "usage: %s\n", u->synopsis);
		rc = 2;
		goto out;
	}
	if (cc_name_check(pos.v[0], &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if ((rc = cli_repo(cl, repo)))
		goto out;
	if (cc_repo_cert_load(*repo, pos.v[0], meta, &err)) {
		if (err.code == CC_ENOENT)
			snprintf(err.msg, sizeof(err.msg),
				 "no certificate named '%s' (see 'certctl cert "
				 "list')", pos.v[0]);
		rc = out_fail(&err);
	}
out:
	cc_strlist_release(&pos);
	return rc;
}

static int cert_show(int argc, char **argv, struct cli *cl)
{
	struct opt opts[] = { OPT_END };
	struct cmd_usage u = { "certctl cert show <name>",
		"Show a certificate's details and metadata.", opts };
	struct cc_cert_meta m;
	struct cc_repo *repo;
	const struct cc_version *v;
	time_t now = time(NULL);
	char t[32];
	size_t i;
	int rc;

	memset(&m, 0, sizeof(m));
	rc = load_named(argc, argv, &u, cl, &m, &repo);
	if (rc) {
		cc_cert_meta_release(&m);
		return rc < 0 ? 0 : rc;
	}
	v = cc_cert_meta_current(&m);
	if (out_json) {
		cJSON *o = cJSON_CreateObject(), *d = cJSON_CreateArray();

		cJSON_AddNumberToObject(o, "format", 1);
		add_str(o, "name", m.name);
		add_str(o, "source", m.source);
		add_str(o, "status", effective_status(m.status,
						      v ? v->not_after : 0,
						      now));
		add_str(o, "key_policy", m.key_policy ? m.key_policy : "new");
		add_str(o, "key_type", m.key_type);
		add_str(o, "keystore", m.keystore ? m.keystore : "pem");
		add_str(o, "renew_before", m.renew_before);
		add_time(o, "created", m.created);
		add_time(o, "updated", m.updated);
		cJSON_AddNumberToObject(o, "version", m.current);
		cJSON_AddItemToObject(o, "current",
				      v ? version_json(v, now) :
					  cJSON_CreateNull());
		cJSON_AddItemToObject(o, "ca", strmap_json(&m.ca));
		cJSON_AddItemToObject(o, "renewal", strmap_json(&m.renewal));
		for (i = 0; i < m.ndeploy; i++)
			cJSON_AddItemToArray(d, cJSON_CreateString(m.deploy[i]));
		cJSON_AddItemToObject(o, "deploy", d);
		cJSON_AddNumberToObject(o, "versions", (double)m.nversions);
		out_print_json(o);
		cc_cert_meta_release(&m);
		return 0;
	}
	printf("name:         %s\n", m.name);
	printf("source:       %s\n", m.source ? m.source : "-");
	printf("status:       %s\n",
	       effective_status(m.status, v ? v->not_after : 0, now));
	if (v) {
		printf("version:      %d of %zu\n", v->number, m.nversions);
		printf("common name:  %s\n", v->common_name);
		printf("names:       ");
		for (i = 0; i < v->nnames; i++)
			printf(" %s", v->names[i]);
		printf("\n");
		printf("issuer:       %s\n", v->issuer);
		printf("serial:       %s\n", v->serial);
		cc_time_format(v->not_before, t, sizeof(t));
		printf("not before:   %s\n", t);
		cc_time_format(v->not_after, t, sizeof(t));
		printf("not after:    %s (%ld days left)\n", t,
		       days_left(v->not_after, now));
		printf("key type:     %s%s\n", v->key_type,
		       v->has_key ? "" : " (no private key stored)");
		printf("sha256:       %s\n", v->fingerprint);
	} else {
		printf("version:      none yet\n");
	}
	printf("key policy:   %s\n", m.key_policy ? m.key_policy : "new");
	printf("keystore:     %s\n", m.keystore ? m.keystore : "pem");
	if (m.renew_before)
		printf("renew before: %s\n", m.renew_before);
	for (i = 0; i < m.ca.n; i++)
		printf("ca.%-10s %s\n", m.ca.keys[i], m.ca.vals[i]);
	for (i = 0; i < m.renewal.n; i++)
		printf("renewal.%-5s %s\n", m.renewal.keys[i],
		       m.renewal.vals[i]);
	for (i = 0; i < m.ndeploy; i++)
		printf("deploy:       %s\n", m.deploy[i]);
	cc_cert_meta_release(&m);
	return 0;
}

static int cert_history(int argc, char **argv, struct cli *cl)
{
	struct opt opts[] = { OPT_END };
	struct cmd_usage u = { "certctl cert history <name>",
		"List every stored version of a certificate, newest first.",
		opts };
	struct cc_cert_meta m;
	struct cc_repo *repo;
	time_t now = time(NULL);
	char c[32], na[32];
	size_t i;
	int rc;

	memset(&m, 0, sizeof(m));
	rc = load_named(argc, argv, &u, cl, &m, &repo);
	if (rc) {
		cc_cert_meta_release(&m);
		return rc < 0 ? 0 : rc;
	}
	if (out_json) {
		cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();

		cJSON_AddNumberToObject(o, "format", 1);
		add_str(o, "name", m.name);
		cJSON_AddNumberToObject(o, "current", m.current);
		for (i = m.nversions; i-- > 0;)
			cJSON_AddItemToArray(a, version_json(&m.versions[i],
							     now));
		cJSON_AddItemToObject(o, "versions", a);
		out_print_json(o);
		cc_cert_meta_release(&m);
		return 0;
	}
	printf("%-4s %-20s %-10s %-20s %-34s %s\n", "VER", "CREATED", "REASON",
	       "NOT AFTER", "SERIAL", "SHA256");
	for (i = m.nversions; i-- > 0;) {
		const struct cc_version *v = &m.versions[i];

		cc_time_format(v->created, c, sizeof(c));
		cc_time_format(v->not_after, na, sizeof(na));
		printf("%-4d %-20s %-10s %-20s %-34.34s %.16s%s\n", v->number,
		       c, v->reason ? v->reason : "-", na,
		       v->serial ? v->serial : "-",
		       v->fingerprint ? v->fingerprint : "-",
		       v->number == m.current ? "  (current)" : "");
	}
	cc_cert_meta_release(&m);
	return 0;
}

/* ---- export ---- */

static int load_version_material(struct cc_repo *repo, const char *name,
				 int version, EVP_PKEY **key,
				 struct cc_bundle *b, struct cc_err *err)
{
	struct cc_buf full = CC_BUF_INIT, k = CC_BUF_SECRET_INIT;
	int rc;

	rc = cc_repo_cert_read(repo, name, version, "fullchain.pem", &full,
			       err);
	if (!rc)
		rc = cc_bundle_parse(full.data, full.len, NULL, b, err);
	if (!rc && key) {
		rc = cc_repo_cert_read(repo, name, version, "key.pem", &k, err);
		if (rc == CC_ENOENT)
			rc = cc_err_set(err, CC_ENOENT,
					"'%s' has no private key in the "
					"repository", name);
		if (!rc)
			rc = cc_key_load(k.data, k.len, NULL, key, err);
	}
	cc_buf_release(&full);
	cc_buf_release(&k);
	return rc;
}

static int cert_export(int argc, char **argv, struct cli *cl)
{
	const char *format = NULL, *outf = NULL, *pw_file = NULL,
		   *pw_env = NULL, *alias = NULL, *vers = NULL;
	int legacy = 0;
	struct opt opts[] = {
		{ OPT_STR, 'f', "format", &format, "FORMAT",
		  "pem, chain, fullchain, key, p12 or jks" },
		{ OPT_STR, 'o', "out", &outf, "FILE",
		  "write to FILE (atomically) instead of standard output" },
		{ OPT_STR, 0, "password-file", &pw_file, "FILE",
		  "keystore password (p12, jks) from FILE" },
		{ OPT_STR, 0, "password-env", &pw_env, "VAR",
		  "keystore password from environment variable VAR" },
		{ OPT_FLAG, 0, "legacy", &legacy, NULL,
		  "p12: 3DES and SHA-1 for old Windows and Java" },
		{ OPT_STR, 0, "alias", &alias, "ALIAS",
		  "p12/jks entry name (default: the certificate name)" },
		{ OPT_STR, 0, "version", &vers, "N",
		  "export version N instead of the current one" },
		OPT_END
	};
	struct cmd_usage u = {
		"certctl cert export <name> --format "
		"pem|chain|fullchain|key|p12|jks [--out FILE] "
		"[--password-file FILE | --password-env VAR] [--legacy] "
		"[--alias ALIAS] [--version N]",
		"Write a certificate, its chain, its key or a keystore.",
		opts };
	struct cc_strlist pos = CC_STRLIST_INIT;
	struct cc_buf data = CC_BUF_SECRET_INIT, pw = CC_BUF_SECRET_INIT;
	struct cc_bundle b = CC_BUNDLE_INIT;
	struct cc_cert_meta m;
	struct cc_err err = CC_ERR_INIT;
	struct cc_repo *repo;
	EVP_PKEY *key = NULL;
	const char *file = NULL;
	int rc, version = 0, binary = 0, secret = 0;
	char *end;

	memset(&m, 0, sizeof(m));
	rc = opt_parse(argc, argv, &u, &pos, 0, NULL);
	if (rc) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if (pos.n != 1 || !format) {
		out_error(pos.n != 1 ? "exactly one certificate name is needed"
				     : "--format is required");
		fprintf(stderr, "usage: %s\n", u.synopsis);
		rc = 2;
		goto out;
	}
	if (vers) {
		version = (int)strtol(vers, &end, 10);
		if (*end || version < 1) {
			out_error("invalid version '%s'", vers);
			rc = 2;
			goto out;
		}
	}
	if (!strcmp(format, "pem") || !strcmp(format, "cert"))
		file = "cert.pem";
	else if (!strcmp(format, "chain"))
		file = "chain.pem";
	else if (!strcmp(format, "fullchain"))
		file = "fullchain.pem";
	else if (!strcmp(format, "key"))
		file = "key.pem", secret = 1;
	else if (!strcmp(format, "p12") || !strcmp(format, "pkcs12") ||
		 !strcmp(format, "jks"))
		binary = secret = 1;
	else {
		out_error("unknown format '%s' (use pem, chain, fullchain, key, "
			  "p12 or jks)", format);
		rc = 2;
		goto out;
	}
	if (cc_name_check(pos.v[0], &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if ((rc = cli_repo(cl, &repo)))
		goto out;
	if (!cc_repo_cert_exists(repo, pos.v[0])) {
		out_error("no certificate named '%s' (see 'certctl cert list')",
			  pos.v[0]);
		rc = 1;
		goto out;
	}
	if (!outf && binary && isatty(STDOUT_FILENO)) {
		out_error("refusing to write a binary keystore to a terminal "
			  "(use --out FILE)");
		rc = 2;
		goto out;
	}
	if (file) {
		rc = cc_repo_cert_read(repo, pos.v[0], version, file, &data,
				       &err);
		if (rc == CC_ENOENT && secret)
			snprintf(err.msg, sizeof(err.msg),
				 "'%s' has no private key in the repository",
				 pos.v[0]);
		if (rc) {
			rc = out_fail(&err);
			goto out;
		}
	} else {
		if ((rc = secret_get(pw_file, pw_env, "keystore password", 1, 1,
				     &pw)))
			goto out;
		if (load_version_material(repo, pos.v[0], version, &key, &b,
					  &err) ||
		    cc_chain_order(&b, &err)) {
			rc = out_fail(&err);
			goto out;
		}
		if (!strcmp(format, "jks"))
			rc = cc_jks_write(key, b.certs, b.ncerts, pw.data,
					  alias ? alias : pos.v[0],
					  (long long)time(NULL) * 1000, &data,
					  &err);
		else
			rc = cc_p12_write(key, b.certs, b.ncerts, pw.data,
					  alias ? alias : pos.v[0],
					  legacy ? CC_P12_LEGACY :
						   CC_P12_MODERN,
					  &data, &err);
		if (rc) {
			rc = out_fail(&err);
			goto out;
		}
	}
	if (outf) {
		if (cc_write_atomic(outf, data.data, data.len,
				    secret ? 0600 : 0644, &err)) {
			rc = out_fail(&err);
			goto out;
		}
		if (!out_quiet)
			fprintf(stderr, "wrote %s\n", outf);
	} else if (fwrite(data.data, 1, data.len, stdout) != data.len) {
		out_error("cannot write to standard output");
		rc = 1;
		goto out;
	}
	rc = 0;
out:
	cc_cert_meta_release(&m);
	cc_bundle_release(&b);
	EVP_PKEY_free(key);
	cc_buf_release(&data);
	cc_buf_release(&pw);
	cc_strlist_release(&pos);
	return rc;
}

/* ---- delete ---- */

static int cert_delete(int argc, char **argv, struct cli *cl)
{
	int yes = 0;
	struct opt opts[] = {
		{ OPT_FLAG, 'y', "yes", &yes, NULL, "do not ask" },
		OPT_END
	};
	struct cmd_usage u = { "certctl cert delete <name> [--yes]",
		"Delete a certificate and all its versions from the local "
		"repository (the CA is not told).", opts };
	struct cc_cert_meta m;
	struct cc_err err = CC_ERR_INIT;
	struct cc_repo *repo;
	char q[512];
	int rc, ans;

	memset(&m, 0, sizeof(m));
	rc = load_named(argc, argv, &u, cl, &m, &repo);
	if (rc) {
		cc_cert_meta_release(&m);
		return rc < 0 ? 0 : rc;
	}
	if (!yes) {
		snprintf(q, sizeof(q), "delete '%s' and its %zu version%s from "
			 "the repository?", m.name, m.nversions,
			 m.nversions == 1 ? "" : "s");
		ans = ask_yes_no(q);
		if (ans < 0) {
			out_error("not deleting '%s' without --yes (no terminal "
				  "to ask)", m.name);
			cc_cert_meta_release(&m);
			return 2;
		}
		if (!ans) {
			out_info("not deleted");
			cc_cert_meta_release(&m);
			return 1;
		}
	}
	if (cc_repo_cert_delete(repo, m.name, &err)) {
		cc_cert_meta_release(&m);
		return out_fail(&err);
	}
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", m.name);
		cJSON_AddBoolToObject(o, "deleted", 1);
		out_print_json(o);
	} else if (!out_quiet) {
		printf("deleted '%s' from the repository\n", m.name);
		if (m.source && strcmp(m.source, "imported"))
			printf("note: the certificate is still valid at the CA "
			       "(%s); revoke it there if it must stop working\n",
			       m.source);
	}
	cc_cert_meta_release(&m);
	return 0;
}

/* ---- renew / revoke: dispatch to the CA that issued the certificate ---- */

static int cert_source(struct cli *cl, const char *name, char *src,
		       size_t size)
{
	struct cc_cert_meta m;
	struct cc_err err = CC_ERR_INIT;
	struct cc_repo *repo;
	int rc;

	memset(&m, 0, sizeof(m));
	if ((rc = cli_repo(cl, &repo)))
		return rc;
	if (cc_name_check(name, &err))
		return out_fail(&err);
	if (cc_repo_cert_load(repo, name, &m, &err)) {
		if (err.code == CC_ENOENT)
			snprintf(err.msg, sizeof(err.msg),
				 "no certificate named '%s' (see 'certctl cert "
				 "list')", name);
		return out_fail(&err);
	}
	snprintf(src, size, "%s", m.source ? m.source : "imported");
	cc_cert_meta_release(&m);
	return 0;
}

static int first_positional(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return i + 1 < argc ? i + 1 : -1;
		if (argv[i][0] != '-')
			return i;
		/* options of renew/revoke that take a value */
		if (!strchr(argv[i], '=') && i + 1 < argc &&
		    strcmp(argv[i], "--force") && strcmp(argv[i], "-f") &&
		    strcmp(argv[i], "--dry-run") && strcmp(argv[i], "--manual") &&
		    strcmp(argv[i], "--no-dns-wait") &&
		    strcmp(argv[i], "--follow-cname") &&
		    strcmp(argv[i], "--by-cert-key") && strcmp(argv[i], "-n"))
			i++;
	}
	return -1;
}

static int cert_renew(int argc, char **argv, struct cli *cl)
{
	char src[32];
	int i, rc;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: certctl cert renew <name> [<options>]\n\n"
			       "Renew a certificate now with the CA that "
			       "issued it: ACME certificates take the options "
			       "of 'certctl renew' (the schedule is ignored), "
			       "Sectigo ones those of 'certctl sectigo "
			       "renew'.\n");
			return 0;
		}
	i = first_positional(argc, argv);
	if (i < 0) {
		out_error("cert renew needs a certificate name");
		return 2;
	}
	if ((rc = cert_source(cl, argv[i], src, sizeof(src))))
		return rc;
	if (!strcmp(src, "acme")) {
		char **av = calloc((size_t)argc + 2, sizeof(char *));

		if (!av)
			return 1;
		memcpy(av, argv, (size_t)argc * sizeof(char *));
		av[argc] = "--force";
		rc = cmd_renew(argc + 1, av, cl);
		free(av);
		return rc;
	}
	if (!strcmp(src, "sectigo"))
		return sectigo_cert_renew(cl, argv[i]);
	out_error("'%s' was imported: certctl cannot renew it (import its "
		  "successor with 'certctl cert import')", argv[i]);
	return 1;
}

static int cert_revoke(int argc, char **argv, struct cli *cl)
{
	const char *reason = NULL;
	int by_key = 0;
	struct opt opts[] = {
		{ OPT_STR, 'r', "reason", &reason, "REASON",
		  "revocation reason (keyCompromise, superseded, ...)" },
		{ OPT_FLAG, 0, "by-cert-key", &by_key, NULL,
		  "ACME: sign with the certificate's key" },
		OPT_END
	};
	struct cmd_usage u = {
		"certctl cert revoke <name> [--reason REASON] [--by-cert-key]",
		"Revoke a certificate with the CA that issued it.", opts };
	struct cc_strlist pos = CC_STRLIST_INIT;
	char src[32];
	int rc;

	rc = opt_parse(argc, argv, &u, &pos, 0, NULL);
	if (rc) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if (pos.n != 1) {
		out_error("exactly one certificate name is needed");
		rc = 2;
		goto out;
	}
	if ((rc = cert_source(cl, pos.v[0], src, sizeof(src))))
		goto out;
	if (!strcmp(src, "acme"))
		rc = acme_revoke_cert(cl, pos.v[0], reason, by_key, NULL);
	else if (!strcmp(src, "sectigo"))
		rc = sectigo_cert_revoke(cl, pos.v[0], reason);
	else {
		out_error("'%s' was imported: revoke it with the CA that "
			  "issued it", pos.v[0]);
		rc = 1;
	}
out:
	cc_strlist_release(&pos);
	return rc;
}

static const struct cmd cert_cmds[] = {
	{ "renew", cert_renew, "renew now with the issuing CA" },
	{ "revoke", cert_revoke, "revoke with the issuing CA" },
	{ "import", cert_import, "import a certificate, chain and key" },
	{ "list", cert_list, "list certificates, soonest expiry first" },
	{ "show", cert_show, "show one certificate" },
	{ "export", cert_export, "write PEM files or a PKCS#12/JKS keystore" },
	{ "history", cert_history, "list every version of a certificate" },
	{ "delete", cert_delete, "delete a certificate locally" },
	{ NULL, NULL, NULL }
};

int cmd_cert(int argc, char **argv, struct cli *cl)
{
	return cmd_dispatch("cert", cert_cmds, argc, argv, cl);
}
