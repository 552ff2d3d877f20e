/*
 * certctl sectigo order and status: check a new order locally, enroll it
 * with a key and CSR made here, then check pending orders and collect the
 * issued certificates into the repository.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "csr.h"
#include "fsutil.h"
#include "key.h"
#include "sectigo_cli.h"
#include "util.h"
#include "x509.h"

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int looks_like_email(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	size_t i;

	if (!at || at == s || at == s + len - 1 ||
	    !memchr(at, '.', len - (size_t)(at - s)))
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == ' ' || s[i] == '\t' || (s[i] == '@' && s + i != at))
			return 0;
	return 1;
}

static int check_requester(const char *v)
{
	const char *p = v;
	size_t len;

	if (strlen(v) > CC_SECTIGO_REQUESTER_MAX) {
		out_error("--external-requester is longer than %d characters",
			  CC_SECTIGO_REQUESTER_MAX);
		return 2;
	}
	while (*p) {
		while (*p == ' ')
			p++;
		len = strcspn(p, ",");
		while (len && p[len - 1] == ' ')
			len--;
		if (!len || !looks_like_email(p, len)) {
			out_error("--external-requester '%s' is not an e-mail "
				  "address (or a comma-separated list of them)",
				  v);
			return 2;
		}
		p += strcspn(p, ",");
		if (*p)
			p++;
	}
	return 0;
}

/* "RSA"/"EC" and "2048"/"P-256" for a key spec. */
static void spec_scm(const struct cc_key_spec *k, const char **alg,
		     char *param, size_t size)
{
	*alg = k->alg == CC_KEY_RSA ? "RSA" : "EC";
	if (k->alg == CC_KEY_RSA)
		snprintf(param, size, "%d", k->bits);
	else
		snprintf(param, size, "P-%d", k->bits);
}

static void describe_keys(const struct cc_sectigo_profile *p,
			  struct cc_buf *b)
{
	size_t i, j;

	for (i = 0; i < p->nkey_types; i++) {
		cc_buf_addf(b, "%s%s ", i ? ", " : "", p->key_types[i].alg);
		for (j = 0; j < p->key_types[i].nparams; j++)
			cc_buf_addf(b, "%s%s", j ? "/" : "",
				    p->key_types[i].params[j]);
	}
	if (!b->len)
		cc_buf_adds(b, "none");
}

static int has_ssl(const struct cc_sectigo_org *g)
{
	size_t i;

	if (!g->ncert_types)
		return 1;
	for (i = 0; i < g->ncert_types; i++)
		if (!strcmp(g->cert_types[i], "SSL"))
			return 1;
	return 0;
}

static int set_num(struct cc_strmap *m, const char *key, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	return cc_strmap_set(m, key, buf);
}

/* Parsed --field NAME=VALUE options. */
struct fields {
	struct cc_sectigo_field *v;
	size_t n;
};

static int check_fields(const struct cc_strlist *in,
			const struct cc_sectigo_custom_fields *known,
			struct fields *out)
{
	struct cc_buf names = CC_BUF_INIT;
	size_t i, j;
	int rc = 0;

	out->v = calloc(in->n + 1, sizeof(*out->v));
	out->n = 0;
	if (!out->v) {
		out_error("out of memory");
		return 1;
	}
	for (j = 0; j < known->n; j++)
		cc_buf_addf(&names, "%s'%s'", j ? ", " : "",
			    known->v[j].name);
	for (i = 0; i < in->n; i++) {
		char *eq = strchr(in->v[i], '=');
		const char *canon = NULL;

		if (!eq || eq == in->v[i] || !eq[1]) {
			out_error("--field '%s' is not NAME=VALUE", in->v[i]);
			rc = 2;
			goto out;
		}
		*eq = '\0';
		for (j = 0; j < known->n; j++)
			if (!strcasecmp(known->v[j].name, in->v[i]))
				canon = known->v[j].name;
		if (!canon) {
			out_error("unknown custom field '%s' (known: %s)",
				  in->v[i], names.data ? names.data : "none");
			*eq = '=';
			rc = 2;
			goto out;
		}
		out->v[out->n].name = canon;
		out->v[out->n++].value = eq + 1;
	}
	for (j = 0; j < known->n; j++) {
		int given = 0;

		for (i = 0; i < out->n; i++)
			given |= !strcmp(out->v[i].name, known->v[j].name);
		if (known->v[j].mandatory && !given) {
			out_error("the custom field '%s' is mandatory (add "
				  "--field '%s=VALUE')", known->v[j].name,
				  known->v[j].name);
			rc = 2;
			goto out;
		}
	}
out:
	cc_buf_release(&names);
	return rc;
}

/* Every name must be covered by a known, validated domain. */
static int check_domains(const struct cc_sectigo_domains *dl,
			 const char *const *names, size_t n)
{
	const struct cc_sectigo_domain *d;
	size_t i;

	for (i = 0; i < n; i++) {
		if (cc_is_ip(names[i]))
			continue;
		d = cc_scm_domain_for(dl, names[i]);
		if (!d) {
			out_error("'%s' is not covered by any domain of the "
				  "Sectigo account (see 'certctl sectigo "
				  "domains')", names[i]);
			return 2;
		}
		if (d->validated == 0) {
			out_error("'%s' is covered by the domain '%s', which is "
				  "not validated (status: %s)", names[i],
				  d->name, d->validation_status ?
				  d->validation_status : "unknown");
			return 2;
		}
	}
	return 0;
}

/*
 * A new certificate has no directory yet: its order is serialised on
 * pending/<name>/lock, the directory that keeps its key until collection.
 */
static int pending_lock(struct cli *cl, struct cc_repo *repo,
			const char *name, int *fd, struct cc_err *err)
{
	char rel[CC_NAME_MAX + 16], path[PATH_MAX];
	size_t n;
	int rc;

	snprintf(rel, sizeof(rel), "%s/%s", SCM_PENDING_DIR, name);
	if ((rc = cc_repo_path(repo, rel, path, sizeof(path), err)) ||
	    (rc = cc_mkdir_p(path, 0700, err)))
		return rc;
	n = strlen(path);
	if (n + 6 > sizeof(path))
		return cc_err_set(err, CC_EINVAL, "path too long");
	memcpy(path + n, "/lock", 6);
	rc = cc_lock(path, (int)(cc_config_duration(cl->cfg, "lock-timeout",
						    30) * 1000), fd, err);
	if (rc == CC_ELOCKED)
		rc = cc_err_set(err, CC_ELOCKED, "'%s' is being ordered by "
				"another certctl process", name);
	return rc;
}

int scm_cmd_order(int argc, char **argv, struct cli *cl)
{
	const char *cn = NULL, *org_opt = NULL, *prof_opt = NULL,
		   *term_opt = NULL, *key_type = NULL, *keystore = NULL,
		   *ks_file = NULL, *ks_env = NULL, *desc = NULL,
		   *requester = NULL, *name_opt = NULL;
	struct cc_strlist sans = CC_STRLIST_INIT, fopts = CC_STRLIST_INIT;
	struct opt opts[] = {
		{ OPT_STR, 0, "cn", &cn, "CN", "common name" },
		{ OPT_LIST, 0, "san", &sans, "NAME",
		  "another DNS name or IP address (repeatable)" },
		{ OPT_STR, 0, "org", &org_opt, "ORG",
		  "organization or department: id or name" },
		{ OPT_STR, 0, "profile", &prof_opt, "PROFILE",
		  "certificate profile: id or name" },
		{ OPT_STR, 0, "term", &term_opt, "DAYS",
		  "validity in days (one of the profile's terms)" },
		{ OPT_STR, 0, "key-type", &key_type, "TYPE",
		  "rsa:2048, rsa:3072, rsa:4096, ec:p256 or ec:p384" },
		{ OPT_STR, 0, "keystore", &keystore, "KIND",
		  "also keep a keystore: pem (none), p12, p12-legacy, jks" },
		{ OPT_STR, 0, "keystore-password-file", &ks_file, "FILE",
		  "keystore password file (read when collecting)" },
		{ OPT_STR, 0, "keystore-password-env", &ks_env, "VAR",
		  "keystore password variable (read when collecting)" },
		{ OPT_STR, 0, "description", &desc, "TEXT",
		  "comments for SCM (at most 1024 characters)" },
		{ OPT_STR, 0, "external-requester", &requester, "EMAIL",
		  "external requester e-mail address(es)" },
		{ OPT_LIST, 0, "field", &fopts, "NAME=VALUE",
		  "custom field (repeatable)" },
		{ OPT_STR, 0, "name", &name_opt, "CERT",
		  "name in the repository (default: from the CN)" },
		SCM_OPT_JSON,
		OPT_END
	};
	struct cmd_usage u = {
		"certctl sectigo order --cn CN [--san NAME]... --org ORG "
		"--profile PROFILE --term DAYS [--key-type TYPE] "
		"[--keystore pem|p12|p12-legacy|jks] "
		"[--keystore-password-file FILE | --keystore-password-env VAR] "
		"[--description TEXT] [--external-requester EMAIL] "
		"[--field NAME=VALUE]... [--name CERT] [--json]",
		"Check a new order locally, make its key and CSR, enroll it "
		"and record it as pending.", opts };
	struct scm_session s;
	struct scm_synced d;
	struct cc_key_spec spec;
	struct cc_sectigo_enroll_req req;
	struct cc_sectigo_enrolled enr;
	struct cc_cert_meta m;
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf kp = CC_BUF_SECRET_INIT, csr = CC_BUF_INIT,
		      kdesc = CC_BUF_INIT, pw = CC_BUF_SECRET_INIT;
	struct fields fl = { NULL, 0 };
	const struct cc_sectigo_org *org;
	const struct cc_sectigo_dept *dept;
	const struct cc_sectigo_profile *prof;
	const char **names = NULL;
	const char *alg;
	char param[16], name[CC_NAME_MAX + 1], kts[16], idb[32], rel[300];
	char *ks_abs = NULL, *end;
	size_t nnames = 0, i, j;
	long term;
	int rc, k, lockfd = -1, sent = 0;

	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	memset(&req, 0, sizeof(req));
	memset(&enr, 0, sizeof(enr));
	memset(&m, 0, sizeof(m));
	rc = opt_parse(argc, argv, &u, NULL, 0, NULL);
	if (rc) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	/* ---- arguments ---- */
	rc = 2;
	if (!cn || !org_opt || !prof_opt || !term_opt) {
		out_error("%s is required", !cn ? "--cn" : !org_opt ? "--org" :
			  !prof_opt ? "--profile" : "--term");
		fprintf(stderr, "usage: %s\n", u.synopsis);
		goto out;
	}
	term = strtol(term_opt, &end, 10);
	if (*end || term <= 0 || term > 100000) {
		out_error("--term '%s' is not a number of days", term_opt);
		goto out;
	}
	names = calloc(sans.n + 1, sizeof(*names));
	if (!names) {
		out_error("out of memory");
		rc = 1;
		goto out;
	}
	names[nnames++] = cn;
	for (i = 0; i < sans.n; i++) {
		for (j = 0; j < nnames; j++)
			if (!strcasecmp(names[j], sans.v[i]))
				break;
		if (j == nnames)
			names[nnames++] = sans.v[i];
	}
	for (i = 0; i < nnames; i++) {
		if (cc_name_validate(names[i], &err)) {
			out_error("invalid name '%s': %s", names[i], err.msg);
			goto out;
		}
	}
	if (!key_type)
		key_type = cc_config_get(cl->cfg, "defaults.key-type");
	if (!key_type)
		key_type = SCM_DEFAULT_KEY_TYPE;
	if (cc_key_spec_parse(key_type, &spec, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	cc_key_spec_format(&spec, kts, sizeof(kts));
	if (!keystore)
		keystore = cc_config_get(cl->cfg, "defaults.keystore");
	if (!keystore)
		keystore = "pem";
	if (strcmp(keystore, "pem") && strcmp(keystore, "p12") &&
	    strcmp(keystore, "p12-legacy") && strcmp(keystore, "jks")) {
		out_error("unknown keystore '%s' (use pem, p12, p12-legacy or "
			  "jks)", keystore);
		goto out;
	}
	if (ks_file && ks_env) {
		out_error("--keystore-password-file and --keystore-password-env "
			  "exclude each other");
		goto out;
	}
	if (!strcmp(keystore, "pem") && (ks_file || ks_env)) {
		out_error("a keystore password needs --keystore p12, "
			  "p12-legacy or jks");
		goto out;
	}
	if (strcmp(keystore, "pem")) {
		if (!ks_file && !ks_env) {
			out_error("--keystore %s needs --keystore-password-file "
				  "FILE or --keystore-password-env VAR (only "
				  "where the password is read is kept)",
				  keystore);
			goto out;
		}
		if (scm_keystore_password(ks_file, ks_env, &pw, &err)) {
			out_error("%s", err.msg);
			goto out;
		}
		cc_buf_release(&pw);
		if (ks_file) {
			char buf[PATH_MAX];

			if (!realpath(ks_file, buf) || !(ks_abs = strdup(buf))) {
				out_error("cannot resolve '%s'", ks_file);
				goto out;
			}
		}
	}
	if (desc && utf8_chars(desc) > CC_SECTIGO_COMMENTS_MAX) {
		out_error("--description is %zu characters long; SCM allows at "
			  "most %d", utf8_chars(desc), CC_SECTIGO_COMMENTS_MAX);
		goto out;
	}
	if (requester && check_requester(requester))
		goto out;
	if (name_opt)
		snprintf(name, sizeof(name), "%s", name_opt);
	else
		cc_name_from_cn(cn, name, sizeof(name));
	if (cc_name_check(name, &err)) {
		out_error("%s%s", err.msg, name_opt ? "" : " (use --name)");
		goto out;
	}
	if ((rc = cli_repo(cl, &s.repo)))
		goto out;
	rc = 2;
	if (cc_repo_cert_exists(s.repo, name)) {
		out_error("a certificate named '%s' exists (renew it with "
			  "'certctl sectigo renew %s', or choose --name)", name,
			  name);
		goto out;
	}
	/* ---- against the synced data ---- */
	if ((rc = scm_synced_get(cl, &s, SCM_SYNC_ALL, &d)))
		goto out;
	rc = 2;
	k = cc_scm_find_org(&d.orgs.list, org_opt, &org, &dept);
	if (k <= 0) {
		out_error(k ? "the organization name '%s' is ambiguous (use its "
			  "id; see 'certctl sectigo orgs')" :
			  "unknown organization '%s' (see 'certctl sectigo "
			  "orgs')", org_opt);
		goto out;
	}
	if (org->ssl_api_enabled == 0) {
		out_error("the organization '%s' (%ld) is not enabled for the "
			  "SSL REST API (an SCM administrator must turn on "
			  "'Enable Web/REST API')", org->name, org->id);
		goto out;
	}
	if (!has_ssl(org)) {
		out_error("the organization '%s' (%ld) cannot order SSL "
			  "certificates", org->name, org->id);
		goto out;
	}
	k = cc_scm_find_profile(&d.profiles.list, prof_opt);
	if (k < 0) {
		out_error(k == -2 ? "the profile name '%s' is ambiguous (use "
			  "its id; see 'certctl sectigo profiles')" :
			  "unknown profile '%s' (see 'certctl sectigo "
			  "profiles')", prof_opt);
		goto out;
	}
	prof = &d.profiles.list.v[k];
	if (d.profiles.orgs && d.profiles.orgs[k].known &&
	    !cc_scm_idlist_has(&d.profiles.orgs[k], org->id)) {
		out_error("the profile '%s' is not offered to the organization "
			  "'%s' (%ld)", prof->name, org->name, org->id);
		goto out;
	}
	if (!cc_sectigo_profile_allows_term(prof, (int)term)) {
		struct cc_buf t = CC_BUF_INIT;

		for (i = 0; i < prof->nterms; i++)
			cc_buf_addf(&t, "%s%d", i ? ", " : "", prof->terms[i]);
		out_error("the term %ld days is not allowed by the profile '%s' "
			  "(allowed: %s)", term, prof->name,
			  t.data ? t.data : "none");
		cc_buf_release(&t);
		goto out;
	}
	spec_scm(&spec, &alg, param, sizeof(param));
	if (!cc_sectigo_profile_allows_key(prof, alg, param)) {
		describe_keys(prof, &kdesc);
		out_error("the key type %s is not allowed by the profile '%s' "
			  "(allowed: %s)", kts, prof->name, kdesc.data);
		goto out;
	}
	if ((rc = check_domains(&d.domains.list, names, nnames)) ||
	    (rc = check_fields(&fopts, &d.profiles.fields, &fl)))
		goto out;
	/* ---- key, CSR, enroll ---- */
	if (pending_lock(cl, s.repo, name, &lockfd, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (cc_repo_cert_exists(s.repo, name)) {
		out_error("a certificate named '%s' exists", name);
		rc = 2;
		goto out;
	}
	if ((rc = scm_open(cl, &s)))
		goto out;
	out_debug("ordering '%s' (%s, key %s) in '%s' with profile '%s'", name,
		 cn, kts, dept ? dept->name : org->name, prof->name);
	if (scm_key_and_csr(kts, NULL, names, nnames, &kp, &csr, &err) ||
	    scm_pending_write(s.repo, name, &kp, &csr, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	req.csr_pem = csr.data;
	req.org_id = dept ? dept->id : org->id;
	req.profile_id = prof->id;
	req.term = (int)term;
	req.sans = names + 1;
	req.nsans = nnames - 1;
	req.comments = desc;
	req.external_requester = requester;
	req.custom_fields = fl.v;
	req.ncustom_fields = fl.n;
	if (cc_sectigo_enroll(s.scm, &req, &enr, &err)) {
		cc_err_prefix(&err, "enrolling '%s'", name);
		rc = out_fail(&err);
		goto out;
	}
	sent = 1;
	snprintf(idb, sizeof(idb), "%ld", enr.ssl_id);
	rc = 1;
	if (cc_str_set(&m.name, name) || cc_str_set(&m.source, "sectigo") ||
	    cc_str_set(&m.status, "pending") ||
	    cc_str_set(&m.key_type, kts) ||
	    cc_str_set(&m.keystore, keystore) ||
	    cc_strmap_set(&m.ca, "ssl-id", idb) ||
	    (enr.renew_id && cc_strmap_set(&m.ca, "renew-id", enr.renew_id)) ||
	    set_num(&m.ca, "org-id", req.org_id) ||
	    set_num(&m.ca, "profile-id", prof->id) ||
	    set_num(&m.ca, "term", term) ||
	    cc_strmap_set(&m.ca, "url", s.url) ||
	    cc_strmap_set(&m.extra, "sectigo-pending", "order") ||
	    (ks_abs && cc_strmap_set(&m.extra, "keystore-password-file",
				     ks_abs)) ||
	    (ks_env && cc_strmap_set(&m.extra, "keystore-password-env",
				     ks_env))) {
		out_error("out of memory");
		goto out;
	}
	if (cc_repo_meta_save(s.repo, &m, &err) ||
	    scm_ordermap_add(s.repo, enr.ssl_id, name, &err)) {
		cc_err_prefix(&err, "SCM order %ld was placed but could not be "
			      "recorded (run 'certctl sectigo import')",
			      enr.ssl_id);
		rc = out_fail(&err);
		goto out;
	}
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddNumberToObject(o, "ssl_id", (double)enr.ssl_id);
		scm_json_str(o, "renew_id", enr.renew_id);
		cJSON_AddStringToObject(o, "status", "pending");
		cJSON_AddStringToObject(o, "key_type", kts);
		cJSON_AddStringToObject(o, "keystore", keystore);
		out_print_json(o);
	} else if (!out_quiet) {
		printf("ordered '%s': SCM order %ld is pending (check it with "
		       "'certctl sectigo status %s')\n", name, enr.ssl_id,
		       name);
	}
	rc = 0;
out:
	if (rc && lockfd >= 0 && !sent) {
		/* nothing was ordered: leave nothing behind */
		snprintf(rel, sizeof(rel), "%s/%s", SCM_PENDING_DIR, name);
		cc_repo_remove(s.repo, rel, NULL);
	}
	if (lockfd >= 0)
		cc_unlock(lockfd);
	free(names);
	free(fl.v);
	free(ks_abs);
	cc_sectigo_enrolled_release(&enr);
	cc_cert_meta_release(&m);
	scm_synced_release(&d);
	scm_close(&s);
	cc_buf_release(&kp);
	cc_buf_release(&csr);
	cc_buf_release(&kdesc);
	cc_buf_release(&pw);
	cc_strlist_release(&sans);
	cc_strlist_release(&fopts);
	return rc;
}

/* ---- status ---- */

enum outcome { OUT_COLLECTED, OUT_PENDING, OUT_FAILED, OUT_ERROR, OUT_OK };

struct status_tally {
	size_t collected, pending, failed, errors;
	cJSON *arr;
};

static void status_json(struct status_tally *t, const char *name, long id,
			const struct cc_sectigo_order *o, const char *status,
			int version, const char *error)
{
	cJSON *e;

	if (!t->arr)
		return;
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "name", name);
	cJSON_AddNumberToObject(e, "ssl_id", (double)id);
	scm_json_str(e, "scm_status", o ? o->status : NULL);
	scm_json_str(e, "status", status);
	if (version)
		cJSON_AddNumberToObject(e, "version", version);
	else
		cJSON_AddNullToObject(e, "version");
	if (error)
		cJSON_AddStringToObject(e, "error", error);
	cJSON_AddItemToArray(t->arr, e);
}

static enum outcome status_fail(struct status_tally *t, const char *name,
				long id, struct cc_err *err)
{
	cc_err_prefix(err, "'%s'", name);
	out_fail(err);
	status_json(t, name, id, NULL, NULL, 0, err->msg);
	t->errors++;
	return OUT_ERROR;
}

/* A certificate without a pending order: report SCM's view. */
static enum outcome status_settled(struct scm_session *s,
				   struct cc_cert_meta *m,
				   struct status_tally *t)
{
	struct cc_sectigo_order o;
	struct cc_err err = CC_ERR_INIT;
	long id = scm_ca_id(m, "ssl-id");
	const char *st;

	if (!id) {
		cc_err_set(&err, CC_ENOENT, "no SCM order is recorded");
		return status_fail(t, m->name, 0, &err);
	}
	if (cc_sectigo_get_order(s->scm, id, &o, &err)) {
		cc_sectigo_order_release(&o);
		return status_fail(t, m->name, id, &err);
	}
	st = m->status ? m->status : "valid";
	if ((o.state == CC_SECTIGO_REVOKED || o.state == CC_SECTIGO_EXPIRED) &&
	    strcmp(st, scm_local_status(o.state))) {
		cc_str_set(&m->status, scm_local_status(o.state));
		cc_strmap_set(&m->extra, "sectigo-status", o.status);
		if (cc_repo_meta_save(s->repo, m, &err)) {
			cc_sectigo_order_release(&o);
			return status_fail(t, m->name, id, &err);
		}
		st = m->status;
	}
	if (!out_json && !out_quiet)
		printf("%s: %s (SCM order %ld: %s); nothing pending\n",
		       m->name, st, id, o.status ? o.status : "unknown");
	status_json(t, m->name, id, &o, st, m->current, NULL);
	cc_sectigo_order_release(&o);
	return OUT_OK;
}

static enum outcome status_one(struct cli *cl, struct scm_session *s,
			       const char *name, struct status_tally *t)
{
	struct cc_sectigo_order o;
	struct cc_cert_meta m;
	struct cc_err err = CC_ERR_INIT;
	const struct cc_version *v;
	enum outcome res;
	long id;
	int fd = -1, stored, rc;
	char exp[32];

	memset(&m, 0, sizeof(m));
	memset(&o, 0, sizeof(o));
	if (cc_repo_cert_lock(s->repo, name, (int)(cc_config_duration(
			cl->cfg, "lock-timeout", 30) * 1000), &fd, &err))
		return status_fail(t, name, 0, &err);
	if (cc_repo_cert_load(s->repo, name, &m, &err)) {
		res = status_fail(t, name, 0, &err);
		goto out;
	}
	id = scm_pending_id(&m);
	if (!id) {
		res = status_settled(s, &m, t);
		goto out;
	}
	if (cc_sectigo_get_order(s->scm, id, &o, &err)) {
		res = status_fail(t, name, id, &err);
		goto out;
	}
	switch (o.state) {
	case CC_SECTIGO_PENDING:
	case CC_SECTIGO_UNKNOWN:
		res = OUT_PENDING;
		break;
	case CC_SECTIGO_ISSUED:
		rc = scm_store_issued(s, &m, &o, NULL, &stored, &err);
		if (rc == CC_EPENDING) {
			res = OUT_PENDING;
			break;
		}
		if (rc) {
			res = status_fail(t, name, id, &err);
			goto out;
		}
		if (stored) {
			/* the history grew: read it again */
			cc_cert_meta_release(&m);
			if (cc_repo_cert_load(s->repo, name, &m, &err)) {
				res = status_fail(t, name, id, &err);
				goto out;
			}
		}
		v = cc_cert_meta_current(&m);
		t->collected++;
		if (!out_json && !out_quiet) {
			cc_time_format(v ? v->not_after : 0, exp, sizeof(exp));
			printf("%s: collected version %d (SCM order %ld, expires "
			       "%s)\n", name, m.current, id, exp);
		}
		status_json(t, name, id, &o, m.status, m.current, NULL);
		res = OUT_COLLECTED;
		goto out;
	default:
		/* declined, rejected, revoked...: the order is over */
		scm_pending_clear(s, &m);
		if (!m.current)
			cc_str_set(&m.status, scm_local_status(o.state));
		cc_strmap_set(&m.extra, "sectigo-status", o.status);
		if (cc_repo_meta_save(s->repo, &m, &err)) {
			res = status_fail(t, name, id, &err);
			goto out;
		}
		out_error("'%s': SCM order %ld ended without a certificate "
			  "(SCM status '%s')", name, id,
			  o.status ? o.status : "unknown");
		status_json(t, name, id, &o, m.status, m.current,
			    "the order ended without a certificate");
		t->failed++;
		res = OUT_FAILED;
		goto out;
	}
	/* still pending */
	t->pending++;
	if (!out_json && !out_quiet)
		printf("%s: still pending (SCM order %ld: %s%s)\n", name, id,
		       o.status ? o.status : "unknown",
		       o.state == CC_SECTIGO_ISSUED ?
		       ", not ready for download yet" : "");
	status_json(t, name, id, &o, "pending", m.current, NULL);
out:
	cc_sectigo_order_release(&o);
	cc_cert_meta_release(&m);
	if (fd >= 0)
		cc_unlock(fd);
	return res;
}

int scm_cmd_status(int argc, char **argv, struct cli *cl)
{
	int all = 0;
	struct opt opts[] = {
		{ OPT_FLAG, 'a', "all", &all, NULL,
		  "every Sectigo certificate with a pending order" },
		SCM_OPT_JSON,
		OPT_END
	};
	struct cmd_usage u = {
		"certctl sectigo status <name> | --all [--json]",
		"Check pending orders and collect issued certificates into "
		"the repository.", opts };
	struct cc_strlist pos = CC_STRLIST_INIT;
	struct cc_index idx = CC_INDEX_INIT;
	struct cc_err err = CC_ERR_INIT;
	struct status_tally t;
	struct scm_session s;
	struct cc_cert_meta m;
	enum outcome res = OUT_OK;
	size_t i, checked = 0;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&t, 0, sizeof(t));
	rc = opt_parse(argc, argv, &u, &pos, 0, NULL);
	if (rc) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if ((pos.n != 1 && !all) || (pos.n && all)) {
		out_error("give one certificate name or --all");
		fprintf(stderr, "usage: %s\n", u.synopsis);
		rc = 2;
		goto out;
	}
	if (!all && (rc = scm_cert_load(cl, pos.v[0], &m)))
		goto out;
	if (!all)
		cc_cert_meta_release(&m);
	if ((rc = scm_open(cl, &s)))
		goto out;
	if (out_json)
		t.arr = cJSON_CreateArray();
	if (!all) {
		res = status_one(cl, &s, pos.v[0], &t);
		checked = 1;
	} else {
		if (cc_repo_index_load(s.repo, &idx, &err)) {
			rc = out_fail(&err);
			goto out;
		}
		for (i = 0; i < idx.n; i++) {
			const struct cc_index_entry *e = &idx.v[i];

			if (strcmp(e->source, "sectigo"))
				continue;
			memset(&m, 0, sizeof(m));
			if (cc_repo_cert_load(s.repo, e->name, &m, NULL))
				continue;
			if (scm_pending_id(&m)) {
				status_one(cl, &s, e->name, &t);
				checked++;
			}
			cc_cert_meta_release(&m);
		}
		if (!out_json && !out_quiet && !checked)
			printf("no pending Sectigo orders\n");
		else if (!out_json && !out_quiet)
			printf("%zu collected, %zu still pending, %zu failed\n",
			       t.collected, t.pending, t.failed + t.errors);
	}
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToObject(o, "certificates", t.arr);
		t.arr = NULL;
		cJSON_AddNumberToObject(o, "collected", (double)t.collected);
		cJSON_AddNumberToObject(o, "pending", (double)t.pending);
		cJSON_AddNumberToObject(o, "failed",
					(double)(t.failed + t.errors));
		out_print_json(o);
	}
	if (!all)
		rc = res == OUT_PENDING ? 4 : res == OUT_FAILED ||
		     res == OUT_ERROR ? 1 : 0;
	else
		rc = t.failed || t.errors ? 1 : 0;
out:
	cJSON_Delete(t.arr);
	cc_index_release(&idx);
	scm_close(&s);
	cc_strlist_release(&pos);
	return rc;
}
