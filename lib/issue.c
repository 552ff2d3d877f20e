/*
 * The ACME issuance driver (see issue.h).
 */
#include "issue.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "csr.h"
#include "fsutil.h"
#include "jws.h"
#include "key.h"
#include "keystore.h"
#include "util.h"
#include "x509.h"
#include "ydoc.h"

#define NOMEM(err) cc_err_set(err, CC_ENOMEM, "out of memory")

void cc_issue_result_release(struct cc_issue_result *r)
{
	if (!r)
		return;
	cc_buf_release(&r->instructions);
}

static void progress(struct cc_issue_env *env, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void progress(struct cc_issue_env *env, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!env->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	env->progress(env->progress_arg, msg);
}

/* ------------------------------------------------------------------ */
/* pending/<name>/order.yaml */

void cc_pending_release(struct cc_pending *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->items.n; i++) {
		if (p->authz)
			free(p->authz[i]);
		if (p->chall)
			free(p->chall[i]);
	}
	free(p->authz);
	free(p->chall);
	cc_chal_list_release(&p->items);
	cc_strlist_release(&p->names);
	free(p->name);
	free(p->server);
	free(p->account);
	free(p->order_url);
	free(p->challenge);
	free(p->status);
	free(p->error);
	free(p->key_policy);
	free(p->key_type);
	free(p->digest);
	free(p->keystore);
	free(p->ks_pw_file);
	free(p->ks_pw_env);
	free(p->preferred_chain);
	free(p->profile);
	free(p->replaces);
	free(p->reason);
	cc_strmap_release(&p->settings);
	memset(p, 0, sizeof(*p));
}

static void rel(char *buf, size_t size, const char *name, const char *file)
{
	snprintf(buf, size, "pending/%s%s%s", name, file ? "/" : "",
		 file ? file : "");
}

static int pending_save(struct cc_repo *repo, const struct cc_pending *p,
			struct cc_err *err)
{
	struct cc_ynode *root = cc_ynode_map(), *seq = NULL, *it = NULL,
			*set = NULL;
	struct cc_buf y = CC_BUF_INIT;
	char path[512], t[32];
	size_t i;
	int rc;

	if (!root)
		return NOMEM(err);
	cc_time_format(p->created, t, sizeof(t));
	if (cc_ymap_sets(root, "name", p->name) ||
	    cc_ymap_sets(root, "server", p->server) ||
	    cc_ymap_sets(root, "account", p->account) ||
	    cc_ymap_sets(root, "order", p->order_url) ||
	    cc_ymap_sets(root, "challenge", p->challenge) ||
	    cc_ymap_sets(root, "status", p->status) ||
	    cc_ymap_sets(root, "error", p->error) ||
	    cc_ymap_sets(root, "created", t) ||
	    cc_ymap_sets(root, "key-policy", p->key_policy) ||
	    cc_ymap_sets(root, "key-type", p->key_type) ||
	    cc_ymap_sets(root, "digest", p->digest) ||
	    cc_ymap_sets(root, "keystore", p->keystore) ||
	    cc_ymap_sets(root, "keystore-password-file", p->ks_pw_file) ||
	    cc_ymap_sets(root, "keystore-password-env", p->ks_pw_env) ||
	    cc_ymap_sets(root, "preferred-chain", p->preferred_chain) ||
	    cc_ymap_sets(root, "profile", p->profile) ||
	    cc_ymap_sets(root, "replaces", p->replaces) ||
	    cc_ymap_sets(root, "reason", p->reason))
		goto nomem;
	if (!(seq = cc_ynode_seq()))
		goto nomem;
	for (i = 0; i < p->names.n; i++)
		if (cc_yseq_add(seq, cc_ynode_str(p->names.v[i])))
			goto nomem;
	rc = cc_ymap_set(root, "names", seq);
	seq = NULL;
	if (rc)
		goto nomem;
	if (!(set = cc_ynode_map()))
		goto nomem;
	for (i = 0; i < p->settings.n; i++)
		if (cc_ymap_sets(set, p->settings.keys[i], p->settings.vals[i]))
			goto nomem;
	rc = cc_ymap_set(root, "settings", set);
	set = NULL;
	if (rc || !(seq = cc_ynode_seq()))
		goto nomem;
	for (i = 0; i < p->items.n; i++) {
		const struct cc_chal_item *c = &p->items.v[i];

		if (!(it = cc_ynode_map()))
			goto nomem;
		if (cc_ymap_sets(it, "identifier", c->identifier) ||
		    cc_ymap_sets(it, "wildcard", c->wildcard ? "1" : "0") ||
		    cc_ymap_sets(it, "type", c->type) ||
		    cc_ymap_sets(it, "token", c->token) ||
		    cc_ymap_sets(it, "dns-name", c->dns_name) ||
		    cc_ymap_sets(it, "zone", c->zone) ||
		    cc_ymap_sets(it, "record", c->record) ||
		    cc_ymap_sets(it, "authorization", p->authz[i]) ||
		    cc_ymap_sets(it, "url", p->chall[i]))
			goto nomem;
		rc = cc_yseq_add(seq, it);
		it = NULL;
		if (rc)
			goto nomem;
	}
	rc = cc_ymap_set(root, "challenges", seq);
	seq = NULL;
	if (rc)
		goto nomem;
	if ((rc = cc_ydoc_emit(root, &y, err)))
		goto out;
	rel(path, sizeof(path), p->name, "order.yaml");
	rc = cc_repo_write(repo, path, y.data, y.len, 0600, err);
	goto out;
nomem:
	rc = NOMEM(err);
out:
	cc_ynode_free(it);
	cc_ynode_free(seq);
	cc_ynode_free(set);
	cc_ynode_free(root);
	cc_buf_release(&y);
	return rc;
}

static int dupset(char **dst, const struct cc_ynode *m, const char *key)
{
	return cc_str_set(dst, cc_ymap_gets(m, key));
}

int cc_pending_load(struct cc_repo *repo, const char *name,
		    struct cc_pending *p, struct cc_err *err)
{
	struct cc_buf y = CC_BUF_INIT;
	struct cc_ynode *root = NULL, *seq, *set;
	char path[512];
	const char *t;
	size_t i;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = cc_name_check(name, err)))
		return rc;
	rel(path, sizeof(path), name, "order.yaml");
	rc = cc_repo_read(repo, path, &y, err);
	if (rc == CC_ENOENT)
		rc = cc_err_set(err, CC_ENOENT,
				"no pending request for '%s'", name);
	if (rc)
		goto out;
	if ((rc = cc_ydoc_parse(y.data, y.len, path, &root, err))) {
		rc = err ? (err->code = CC_ECORRUPT) : CC_ECORRUPT;
		goto out;
	}
	rc = CC_ENOMEM;
	if (cc_str_set(&p->name, name) ||
	    dupset(&p->server, root, "server") ||
	    dupset(&p->account, root, "account") ||
	    dupset(&p->order_url, root, "order") ||
	    dupset(&p->challenge, root, "challenge") ||
	    dupset(&p->status, root, "status") ||
	    dupset(&p->error, root, "error") ||
	    dupset(&p->key_policy, root, "key-policy") ||
	    dupset(&p->key_type, root, "key-type") ||
	    dupset(&p->digest, root, "digest") ||
	    dupset(&p->keystore, root, "keystore") ||
	    dupset(&p->ks_pw_file, root, "keystore-password-file") ||
	    dupset(&p->ks_pw_env, root, "keystore-password-env") ||
	    dupset(&p->preferred_chain, root, "preferred-chain") ||
	    dupset(&p->profile, root, "profile") ||
	    dupset(&p->replaces, root, "replaces") ||
	    dupset(&p->reason, root, "reason"))
		goto nomem;
	t = cc_ymap_gets(root, "created");
	if (t)
		cc_time_parse(t, &p->created);
	seq = cc_ymap_get(root, "names");
	for (i = 0; seq && seq->type == CC_Y_SEQ && i < seq->n; i++)
		if (seq->items[i]->type == CC_Y_SCALAR &&
		    cc_strlist_add(&p->names, seq->items[i]->scalar))
			goto nomem;
	set = cc_ymap_get(root, "settings");
	for (i = 0; set && set->type == CC_Y_MAP && i < set->n; i++)
		if (set->items[i]->type == CC_Y_SCALAR &&
		    cc_strmap_set(&p->settings, set->keys[i],
				  set->items[i]->scalar))
			goto nomem;
	seq = cc_ymap_get(root, "challenges");
	if (seq && seq->type == CC_Y_SEQ && seq->n) {
		p->authz = calloc(seq->n, sizeof(char *));
		p->chall = calloc(seq->n, sizeof(char *));
		if (!p->authz || !p->chall)
			goto nomem;
		for (i = 0; i < seq->n; i++) {
			const struct cc_ynode *m = seq->items[i];
			const char *w = cc_ymap_gets(m, "wildcard");
			struct cc_chal_item *c;

			const char *tok = cc_ymap_gets(m, "token");
			char ka[600];

			/* the key authorization depends on the account key
			   and is recomputed (restore_items) when needed */
			snprintf(ka, sizeof(ka), "%s.unknown", tok ? tok : "");
			rc = cc_chal_list_add(&p->items,
					      cc_ymap_gets(m, "identifier"),
					      w && !strcmp(w, "1"),
					      cc_ymap_gets(m, "type"), tok, ka,
					      err);
			if (rc) {
				cc_err_prefix(err, "'%s'", path);
				goto out;
			}
			c = &p->items.v[p->items.n - 1];
			rc = CC_ENOMEM;
			if (dupset(&c->record, m, "record") ||
			    dupset(&p->authz[i], m, "authorization") ||
			    dupset(&p->chall[i], m, "url"))
				goto nomem;
			if (cc_ymap_gets(m, "dns-name") &&
			    cc_str_set(&c->dns_name,
				       cc_ymap_gets(m, "dns-name")))
				goto nomem;
			if (dupset(&c->zone, m, "zone"))
				goto nomem;
		}
	}
	rc = CC_OK;
	goto out;
nomem:
	rc = NOMEM(err);
out:
	if (rc)
		cc_pending_release(p);
	cc_ynode_free(root);
	cc_buf_release(&y);
	return rc;
}

int cc_pending_list(struct cc_repo *repo, struct cc_strlist *names,
		    struct cc_err *err)
{
	char path[4096], f[4200];
	struct dirent *de;
	DIR *d;
	int rc;

	if ((rc = cc_repo_path(repo, "pending", path, sizeof(path), err)))
		return rc;
	d = opendir(path);
	if (!d)
		return CC_OK;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || cc_name_check(de->d_name, NULL))
			continue;
		snprintf(f, sizeof(f), "%s/%s/order.yaml", path, de->d_name);
		if (!cc_exists(f))
			continue;
		if (cc_strlist_add(names, de->d_name)) {
			closedir(d);
			return NOMEM(err);
		}
	}
	closedir(d);
	return CC_OK;
}

static int pending_forget(struct cc_repo *repo, const char *name,
			  struct cc_err *err)
{
	char r[512], path[4096];
	int rc;

	rel(r, sizeof(r), name, NULL);
	if ((rc = cc_repo_path(repo, r, path, sizeof(path), err)))
		return rc;
	if ((rc = cc_repo_lock(repo, err)))
		return rc;
	rc = cc_remove_tree(path, err);
	cc_repo_unlock(repo);
	return rc;
}

/* Record callback: persist every change of what is published where. */
struct rec_ctx {
	struct cc_repo *repo;
	struct cc_pending *p;
};

static int on_record(void *arg, const struct cc_chal_item *it,
		     struct cc_err *err)
{
	struct rec_ctx *c = arg;

	(void)it;
	return pending_save(c->repo, c->p, err);
}

/* ------------------------------------------------------------------ */
/* steps */

static int load_pending_key(struct cc_repo *repo, const char *name,
			    EVP_PKEY **key, struct cc_err *err)
{
	struct cc_buf k = CC_BUF_SECRET_INIT;
	char path[512];
	int rc;

	rel(path, sizeof(path), name, "key.pem");
	rc = cc_repo_read(repo, path, &k, err);
	if (!rc)
		rc = cc_key_load(k.data, k.len, NULL, key, err);
	cc_buf_release(&k);
	return rc;
}

int cc_pending_key(struct cc_repo *repo, const char *name, EVP_PKEY **key,
		   struct cc_err *err)
{
	int rc = cc_name_check(name, err);

	return rc ? rc : load_pending_key(repo, name, key, err);
}

static int save_pending_key(struct cc_repo *repo, const char *name,
			    EVP_PKEY *key, struct cc_err *err)
{
	struct cc_buf k = CC_BUF_SECRET_INIT;
	char path[512];
	int rc;

	rel(path, sizeof(path), name, "key.pem");
	rc = cc_key_to_pem(key, &k, err);
	if (!rc)
		rc = cc_repo_write(repo, path, k.data, k.len, 0600, err);
	cc_buf_release(&k);
	return rc;
}

/* The certificate key for a new order, per the key policy. */
static int choose_key(struct cc_issue_env *env,
		      const struct cc_issue_req *req, EVP_PKEY **key,
		      struct cc_err *err)
{
	const char *pol = req->key_policy ? req->key_policy : "new";
	struct cc_key_spec spec;
	struct cc_buf k = CC_BUF_SECRET_INIT;
	int rc;

	*key = NULL;
	if (req->use_key) {
		EVP_PKEY_up_ref(req->use_key);
		*key = req->use_key;
		return CC_OK;
	}
	if (!strcmp(pol, "import")) {
		if (!req->import_key)
			return cc_err_set(err, CC_EUSAGE,
					  "key policy 'import' needs a key "
					  "(--key FILE)");
		EVP_PKEY_up_ref(req->import_key);
		*key = req->import_key;
		return CC_OK;
	}
	if (!strcmp(pol, "same")) {
		rc = cc_repo_cert_read(env->repo, req->name, 0, "key.pem", &k,
				       NULL);
		if (rc == CC_OK)
			rc = cc_key_load(k.data, k.len, NULL, key, err);
		cc_buf_release(&k);
		if (rc == CC_OK)
			return CC_OK;
		if (rc != CC_ENOENT)
			return rc;
		/* first issue: nothing to keep yet */
	} else if (strcmp(pol, "new")) {
		return cc_err_set(err, CC_EUSAGE,
				  "unknown key policy '%s' (use new, same or "
				  "import)", pol);
	}
	if ((rc = cc_key_spec_parse(req->key_type ? req->key_type : "ec:p256",
				    &spec, err)))
		return rc;
	return cc_key_generate(&spec, key, err);
}

static int add_items(struct cc_issue_env *env, struct cc_pending *p,
		     const struct cc_acme_order *o, struct cc_err *err)
{
	EVP_PKEY *akey = cc_acme_account_key(env->acme);
	struct cc_acme_authz z;
	const struct cc_acme_challenge *ch;
	struct cc_buf ka = CC_BUF_INIT;
	size_t i, n = o->nauthorizations;
	int rc = CC_OK;

	p->authz = calloc(n ? n : 1, sizeof(char *));
	p->chall = calloc(n ? n : 1, sizeof(char *));
	if (!p->authz || !p->chall)
		return NOMEM(err);
	for (i = 0; i < n; i++) {
		memset(&z, 0, sizeof(z));
		if ((rc = cc_acme_authz_fetch(env->acme, o->authorizations[i],
					      &z, err)))
			goto out;
		if (!strcmp(z.status, "valid")) {
			cc_acme_authz_release(&z);
			continue;	/* reused authorization */
		}
		if (strcmp(z.status, "pending")) {
			rc = cc_err_set(err, CC_ECHALLENGE,
					"authorization for '%s' is %s",
					z.identifier.value, z.status);
			cc_acme_authz_release(&z);
			goto out;
		}
		ch = cc_acme_authz_challenge(&z, p->challenge);
		if (!ch || !ch->token) {
			rc = cc_err_set(err, CC_EUNSUPPORTED,
					"the CA offers no %s challenge for "
					"'%s%s'%s", p->challenge,
					z.wildcard ? "*." : "",
					z.identifier.value,
					z.wildcard ? " (wildcards need dns-01)"
						   : "");
			cc_acme_authz_release(&z);
			goto out;
		}
		cc_buf_reset(&ka);
		if ((rc = cc_jws_key_authorization(akey, ch->token, &ka, err)) ||
		    (rc = cc_chal_list_add(&p->items, z.identifier.value,
					   z.wildcard, p->challenge, ch->token,
					   ka.data, err))) {
			cc_acme_authz_release(&z);
			goto out;
		}
		p->authz[p->items.n - 1] = strdup(z.url);
		p->chall[p->items.n - 1] = strdup(ch->url);
		cc_acme_authz_release(&z);
		if (!p->authz[p->items.n - 1] || !p->chall[p->items.n - 1]) {
			rc = NOMEM(err);
			goto out;
		}
	}
out:
	cc_buf_release(&ka);
	return rc;
}

/* Recompute key authorizations (not stored) for a loaded pending request. */
static int restore_items(struct cc_issue_env *env, struct cc_pending *p,
			 struct cc_err *err)
{
	EVP_PKEY *akey = cc_acme_account_key(env->acme);
	struct cc_buf ka = CC_BUF_INIT, tv = CC_BUF_INIT;
	size_t i;
	int rc = CC_OK;

	for (i = 0; i < p->items.n; i++) {
		struct cc_chal_item *c = &p->items.v[i];

		cc_buf_reset(&ka);
		cc_buf_reset(&tv);
		if ((rc = cc_jws_key_authorization(akey, c->token, &ka, err)))
			break;
		if (cc_str_set(&c->key_authorization, ka.data)) {
			rc = NOMEM(err);
			break;
		}
		if (!strcmp(c->type, "dns-01")) {
			if ((rc = cc_jws_dns01_value(akey, c->token, &tv, err)))
				break;
			if (cc_str_set(&c->txt_value, tv.data)) {
				rc = NOMEM(err);
				break;
			}
		}
	}
	cc_buf_release(&ka);
	cc_buf_release(&tv);
	return rc;
}

static int wait_dns(struct cc_issue_env *env, struct cc_pending *p,
		    struct cc_err *err)
{
	struct cc_dns_expect *ex;
	size_t i, n = 0;
	int rc;

	if (env->skip_dns_wait)
		return CC_OK;
	ex = calloc(p->items.n ? p->items.n : 1, sizeof(*ex));
	if (!ex)
		return NOMEM(err);
	for (i = 0; i < p->items.n; i++) {
		if (strcmp(p->items.v[i].type, "dns-01"))
			continue;
		ex[n].fqdn = p->items.v[i].dns_name;
		ex[n].value = p->items.v[i].txt_value;
		n++;
	}
	rc = CC_OK;
	if (n) {
		progress(env, "waiting for %zu TXT record%s to be visible", n,
			 n == 1 ? "" : "s");
		rc = cc_dns_wait_txt(ex, n, &env->dns_wait, err);
	}
	free(ex);
	return rc;
}

static int answer_all(struct cc_issue_env *env, struct cc_pending *p,
		      struct cc_err *err)
{
	struct cc_acme_authz z;
	size_t i;
	int rc;

	for (i = 0; i < p->items.n; i++) {
		if ((rc = cc_acme_challenge_respond(env->acme, p->chall[i],
						    err))) {
			cc_err_prefix(err, "'%s'", p->items.v[i].identifier);
			return rc;
		}
	}
	progress(env, "answered %zu challenge%s, waiting for the CA",
		 p->items.n, p->items.n == 1 ? "" : "s");
	for (i = 0; i < p->items.n; i++) {
		memset(&z, 0, sizeof(z));
		rc = cc_acme_authz_poll(env->acme, p->authz[i], &z, err);
		cc_acme_authz_release(&z);
		if (rc)
			return rc;
	}
	return CC_OK;
}

static int cleanup_items(struct cc_issue_env *env, struct cc_pending *p,
			 struct cc_err *err)
{
	struct cc_solver *manual = NULL;
	struct cc_solver *s = env->solver;
	size_t i;
	int any = 0, rc;
	char sname[64];

	for (i = 0; i < p->items.n; i++)
		if (p->items.v[i].record)
			any = 1;
	if (!any)
		return CC_OK;
	/* manual records need no solver of the caller's */
	for (i = 0; i < p->items.n; i++) {
		if (!p->items.v[i].record ||
		    cc_chal_record_solver(p->items.v[i].record, sname,
					  sizeof(sname)))
			continue;
		if (strstr(sname, "manual") &&
		    (!s || strcmp(cc_solver_name(s), sname))) {
			if (cc_solver_manual_new(&manual, p->items.v[i].type,
						 NULL) == CC_OK)
				s = manual;
			break;
		}
	}
	if (!s) {
		return cc_err_set(err, CC_EUSAGE,
				  "'%s' has published challenges; give the "
				  "same solver options to clean them up",
				  p->name);
	}
	{
		struct rec_ctx rc_ctx = { env->repo, p };

		cc_solver_set_record_cb(s, on_record, &rc_ctx);
		rc = cc_solver_cleanup(s, p->items.v, p->items.n, err);
		cc_solver_set_record_cb(s, NULL, NULL);
	}
	cc_solver_free(manual);
	return rc;
}

static int verify_names(X509 *leaf, const struct cc_strlist *names,
			struct cc_err *err)
{
	struct cc_cert_info info;
	size_t i, j;
	int rc;

	memset(&info, 0, sizeof(info));
	if ((rc = cc_cert_info_get(leaf, &info, err)))
		return rc;
	for (i = 0; i < names->n; i++) {
		for (j = 0; j < info.nnames; j++)
			if (!strcasecmp(info.names[j], names->v[i]))
				break;
		if (j == info.nnames) {
			rc = cc_err_set(err, CC_EPROTO,
					"the issued certificate does not cover "
					"'%s'", names->v[i]);
			break;
		}
	}
	cc_cert_info_release(&info);
	return rc;
}

static int store_cert(struct cc_issue_env *env, struct cc_pending *p,
		      const struct cc_issue_req *req, EVP_PKEY *key,
		      const char *pem, size_t pem_len, const char *cert_url,
		      struct cc_issue_result *res, struct cc_err *err)
{
	struct cc_bundle b = CC_BUNDLE_INIT;
	struct cc_buf cert = CC_BUF_INIT, chain = CC_BUF_INIT,
		      full = CC_BUF_INIT, kp = CC_BUF_SECRET_INIT,
		      ks = CC_BUF_SECRET_INIT, ari = CC_BUF_INIT;
	struct cc_cert_info info;
	struct cc_cert_meta meta;
	struct cc_cert_files files;
	struct cc_version ver;
	const char *kst = p->keystore ? p->keystore : "pem";
	char kt[16];
	struct cc_key_spec spec;
	size_t i;
	int rc;

	memset(&info, 0, sizeof(info));
	memset(&meta, 0, sizeof(meta));
	memset(&files, 0, sizeof(files));
	memset(&ver, 0, sizeof(ver));
	if ((rc = cc_bundle_parse(pem, pem_len, NULL, &b, err)) ||
	    (rc = cc_chain_order(&b, err)))
		goto out;
	if (!cc_key_matches_cert(key, b.certs[0])) {
		rc = cc_err_set(err, CC_EMISMATCH,
				"the CA returned a certificate for another key");
		goto out;
	}
	if ((rc = verify_names(b.certs[0], &p->names, err)) ||
	    (rc = cc_cert_info_get(b.certs[0], &info, err)))
		goto out;
	if ((rc = cc_cert_to_pem(b.certs[0], &cert, err)) ||
	    (rc = cc_certs_to_pem(b.certs + 1, b.ncerts - 1, &chain, err)) ||
	    (rc = cc_certs_to_pem(b.certs, b.ncerts, &full, err)) ||
	    (rc = cc_key_to_pem(key, &kp, err)))
		goto out;
	files.cert_pem = cert.data;
	files.chain_pem = chain.data ? chain.data : "";
	files.fullchain_pem = full.data;
	files.key_pem = kp.data;
	if (strcmp(kst, "pem")) {
		if (!req || !req->keystore_password) {
			rc = cc_err_set(err, CC_EUSAGE,
					"a keystore password is needed for "
					"the %s keystore", kst);
			goto out;
		}
		if (!strcmp(kst, "jks")) {
			rc = cc_jks_write(key, b.certs, b.ncerts,
					  req->keystore_password, p->name,
					  (long long)time(NULL) * 1000, &ks,
					  err);
			files.jks = ks.data;
			files.jks_len = ks.len;
		} else {
			rc = cc_p12_write(key, b.certs, b.ncerts,
					  req->keystore_password, p->name,
					  strcmp(kst, "p12-legacy") ?
						  CC_P12_MODERN :
						  CC_P12_LEGACY,
					  &ks, err);
			files.p12 = ks.data;
			files.p12_len = ks.len;
		}
		if (rc)
			goto out;
	}
	rc = cc_repo_cert_load(env->repo, p->name, &meta, err);
	if (rc == CC_ENOENT) {
		if (cc_str_set(&meta.name, p->name))
			goto nomem;
	} else if (rc) {
		goto out;
	}
	rc = CC_OK;
	if (cc_key_get_spec(key, &spec, NULL) == CC_OK)
		cc_key_spec_format(&spec, kt, sizeof(kt));
	else
		snprintf(kt, sizeof(kt), "%s", info.key_type);
	if (cc_str_set(&meta.source, "acme") ||
	    cc_str_set(&meta.status, "valid") ||
	    cc_str_set(&meta.key_policy, p->key_policy ? p->key_policy : "new") ||
	    cc_str_set(&meta.key_type, kt) ||
	    cc_str_set(&meta.keystore, kst) ||
	    cc_strmap_set(&meta.ca, "server", p->server) ||
	    cc_strmap_set(&meta.ca, "account", p->account) ||
	    cc_strmap_set(&meta.ca, "order", p->order_url) ||
	    cc_strmap_set(&meta.ca, "certificate", cert_url) ||
	    cc_strmap_set(&meta.extra, "challenge", p->challenge) ||
	    cc_strmap_set(&meta.extra, "digest", p->digest) ||
	    cc_strmap_set(&meta.extra, "keystore-password-file",
			  p->ks_pw_file) ||
	    cc_strmap_set(&meta.extra, "keystore-password-env", p->ks_pw_env) ||
	    cc_strmap_set(&meta.extra, "preferred-chain", p->preferred_chain) ||
	    cc_strmap_set(&meta.extra, "profile", p->profile))
		goto nomem;
	for (i = 0; i < p->settings.n; i++)
		if (cc_strmap_set(&meta.extra, p->settings.keys[i],
				  p->settings.vals[i]))
			goto nomem;
	if (req && req->renew_before &&
	    cc_str_set(&meta.renew_before, req->renew_before))
		goto nomem;
	/* a success resets the renewal state */
	cc_strmap_release(&meta.renewal);
	ver.common_name = info.common_name;
	ver.names = info.names;
	ver.nnames = info.nnames;
	ver.issuer = info.issuer;
	ver.serial = info.serial;
	ver.not_before = info.not_before;
	ver.not_after = info.not_after;
	ver.key_type = info.key_type;
	ver.fingerprint = info.fingerprint;
	ver.reason = p->reason ? p->reason : "issued";
	if (cc_strmap_set(&ver.ca, "order", p->order_url) ||
	    cc_strmap_set(&ver.ca, "certificate", cert_url))
		goto nomem;
	if (cc_acme_ari_cert_id(b.certs[0], &ari, NULL) == CC_OK &&
	    (cc_strmap_set(&ver.ca, "ari-id", ari.data) ||
	     cc_strmap_set(&meta.ca, "ari-id", ari.data)))
		goto nomem;
	if (p->replaces && cc_strmap_set(&ver.ca, "replaces", p->replaces))
		goto nomem;
	if ((rc = cc_repo_cert_store(env->repo, &meta, &files, &ver, err)))
		goto out;
	res->version = ver.number;
	res->not_after = info.not_after;
	snprintf(res->serial, sizeof(res->serial), "%s", info.serial);
	goto out;
nomem:
	rc = NOMEM(err);
out:
	cc_strmap_release(&ver.ca);
	cc_cert_meta_release(&meta);
	cc_cert_info_release(&info);
	cc_bundle_release(&b);
	cc_buf_release(&cert);
	cc_buf_release(&chain);
	cc_buf_release(&full);
	cc_buf_release(&kp);
	cc_buf_release(&ks);
	cc_buf_release(&ari);
	return rc;
}

static int finalize_and_store(struct cc_issue_env *env, struct cc_pending *p,
			      const struct cc_issue_req *req, EVP_PKEY *key,
			      struct cc_issue_result *res, struct cc_err *err)
{
	struct cc_acme_order o;
	struct cc_acme_chains chains;
	struct cc_buf der = CC_BUF_INIT;
	const char **names = NULL;
	size_t i, pick;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&chains, 0, sizeof(chains));
	names = calloc(p->names.n ? p->names.n : 1, sizeof(*names));
	if (!names)
		return NOMEM(err);
	for (i = 0; i < p->names.n; i++)
		names[i] = p->names.v[i];
	if ((rc = cc_acme_order_fetch(env->acme, p->order_url, &o, err)))
		goto out;
	if (!strcmp(o.status, "pending") || !strcmp(o.status, "processing")) {
		if ((rc = cc_acme_order_poll(env->acme, &o, err)))
			goto out;
	}
	if (!strcmp(o.status, "ready")) {
		if ((rc = cc_csr_build(key, names, p->names.n, p->digest, &der,
				       NULL, err)))
			goto out;
		progress(env, "finalizing the order");
		if ((rc = cc_acme_order_finalize(env->acme, &o, der.data,
						 der.len, err)))
			goto out;
	}
	if (strcmp(o.status, "valid") || !o.certificate) {
		rc = cc_err_set(err, CC_EPROTO, "order is %s, not valid",
				o.status);
		goto out;
	}
	if ((rc = cc_acme_cert_download(env->acme, o.certificate,
					p->preferred_chain != NULL, &chains,
					err)))
		goto out;
	pick = cc_acme_chain_pick(&chains, p->preferred_chain);
	rc = store_cert(env, p, req, key, chains.v[pick].pem,
			chains.v[pick].pem_len, o.certificate, res, err);
out:
	free(names);
	cc_buf_release(&der);
	cc_acme_chains_release(&chains);
	cc_acme_order_release(&o);
	return rc;
}

/*
 * From published challenges to a stored certificate. Cleans up what was
 * published whatever happens; on failure the pending record is kept with
 * status "failed" so 'retry' knows what to redo.
 */
static int complete(struct cc_issue_env *env, struct cc_pending *p,
		    const struct cc_issue_req *req, EVP_PKEY *key,
		    struct cc_issue_result *res, struct cc_err *err)
{
	struct cc_err cerr = CC_ERR_INIT;
	int rc, crc;

	rc = wait_dns(env, p, err);
	if (rc == CC_EPENDING && p->status && !strcmp(p->status, "manual")) {
		/* records placed by hand are not visible yet: the user can
		   fix them and verify again */
		cc_err_prefix(err, "not answered yet");
		return rc;
	}
	if (!rc)
		rc = answer_all(env, p, err);
	crc = cleanup_items(env, p, &cerr);
	if (!rc)
		rc = finalize_and_store(env, p, req, key, res, err);
	if (rc) {
		cc_str_set(&p->status, "failed");
		cc_str_set(&p->error, err ? err->msg : "failed");
		pending_save(env->repo, p, NULL);
		return rc;
	}
	if (crc) {
		/* issued, but something published could not be removed:
		   keep the record so a later run removes it */
		cc_str_set(&p->status, "cleanup");
		pending_save(env->repo, p, NULL);
		progress(env, "%s", cerr.msg);
		return CC_OK;
	}
	pending_forget(env->repo, p->name, NULL);
	return CC_OK;
}

/*
 * Publish where _acme-challenge.<name> points when it is a CNAME, and find
 * each name's zone (hooks get it as CERTCTL_ZONE).
 */
static int follow_cnames(struct cc_issue_env *env, struct cc_pending *p,
			 struct cc_err *err)
{
	const struct cc_dns_wait_opts *w = &env->dns_wait;
	const char *const *res = w->nresolvers ? w->resolvers : w->servers;
	size_t nres = w->nresolvers ? w->nresolvers : w->nservers, i;
	char *target = NULL;
	int rc;

	if (!nres)
		return CC_OK;
	for (i = 0; i < p->items.n; i++) {
		struct cc_chal_item *c = &p->items.v[i];

		if (strcmp(c->type, "dns-01") || c->record)
			continue;
		if (env->follow_cname &&
		    (rc = cc_dnsq_follow_cname(res, nres, c->dns_name, w->q,
					       &target, err)))
			return rc;
		if (!target && !(target = strdup(c->dns_name)))
			return NOMEM(err);
		if (!c->zone)
			cc_dnsq_find_zone(res, nres, target, w->q, &c->zone,
					  NULL);
		if (strcmp(target, c->dns_name))
			progress(env, "%s is an alias of %s", c->dns_name,
				 target);
		free(c->dns_name);
		c->dns_name = target;
		target = NULL;
	}
	return pending_save(env->repo, p, err);
}

/* publish, then either complete or stop for manual placement */
static int solve(struct cc_issue_env *env, struct cc_pending *p,
		 const struct cc_issue_req *req, EVP_PKEY *key,
		 struct cc_issue_result *res, struct cc_err *err)
{
	struct rec_ctx rctx = { env->repo, p };
	size_t i, manual = 0;
	int rc;

	if (p->items.n) {
		if (!env->solver)
			return cc_err_set(err, CC_EUSAGE,
					  "no challenge solver given (see "
					  "'certctl acme request --help')");
		if (strcmp(cc_solver_type(env->solver), p->challenge))
			return cc_err_set(err, CC_EUSAGE,
					  "the solver is for %s, the request "
					  "for %s", cc_solver_type(env->solver),
					  p->challenge);
		if ((env->follow_cname || env->lookup_zone) &&
		    (rc = follow_cnames(env, p, err)))
			return rc;
		progress(env, "publishing %zu %s challenge%s", p->items.n,
			 p->challenge, p->items.n == 1 ? "" : "s");
		cc_solver_set_record_cb(env->solver, on_record, &rctx);
		rc = cc_solver_publish(env->solver, p->items.v, p->items.n,
				       err);
		cc_solver_set_record_cb(env->solver, NULL, NULL);
		if (rc) {
			struct cc_err cerr = CC_ERR_INIT;

			cleanup_items(env, p, &cerr);
			cc_str_set(&p->status, "failed");
			cc_str_set(&p->error, err ? err->msg : "failed");
			pending_save(env->repo, p, NULL);
			return rc;
		}
		for (i = 0; i < p->items.n; i++)
			if (p->items.v[i].manual)
				manual++;
		if (manual) {
			cc_str_set(&p->status, "manual");
			if ((rc = pending_save(env->repo, p, err)))
				return rc;
			res->pending = 1;
			cc_solver_manual_instructions(p->items.v, p->items.n,
						      0, &res->instructions,
						      NULL);
			return cc_err_set(err, CC_EPENDING,
					  "'%s' waits for %zu challenge%s to "
					  "be placed by hand; then run "
					  "'certctl acme verify %s'", p->name,
					  manual, manual == 1 ? "" : "s",
					  p->name);
		}
	}
	return complete(env, p, req, key, res, err);
}

static int lock_cert(struct cc_issue_env *env, const char *name, int *fd,
		     struct cc_err *err)
{
	int rc = cc_repo_cert_lock(env->repo, name, 0, fd, err);

	if (rc == CC_ELOCKED)
		rc = cc_err_set(err, CC_ELOCKED,
				"another certctl process is working on '%s'",
				name);
	return rc;
}

int cc_issue_request(struct cc_issue_env *env, const struct cc_issue_req *req,
		     struct cc_issue_result *res, struct cc_err *err)
{
	struct cc_pending p, old;
	struct cc_acme_order o;
	struct cc_acme_order_req oreq;
	EVP_PKEY *key = NULL;
	int lockfd = -1, rc;
	size_t i;

	memset(&p, 0, sizeof(p));
	memset(&o, 0, sizeof(o));
	memset(res, 0, sizeof(*res));
	if ((rc = cc_name_check(req->name, err)))
		return rc;
	if (!req->nnames || req->nnames > CC_MAX_NAMES)
		return cc_err_set(err, CC_EUSAGE,
				  "a certificate needs 1 to %d names",
				  CC_MAX_NAMES);
	if ((rc = lock_cert(env, req->name, &lockfd, err)))
		return rc;
	/* an earlier run of this certificate left something behind */
	if (cc_pending_load(env->repo, req->name, &old, NULL) == CC_OK) {
		if (old.status && !strcmp(old.status, "manual")) {
			rc = cc_err_set(err, CC_EEXIST,
					"a request for '%s' waits for manual "
					"challenges: run 'certctl acme verify "
					"%s' or 'certctl acme retry %s'",
					req->name, req->name, req->name);
			cc_pending_release(&old);
			goto out;
		}
		if (restore_items(env, &old, NULL) == CC_OK &&
		    cleanup_items(env, &old, err) != CC_OK) {
			cc_err_prefix(err, "cannot clean up the earlier "
				      "request for '%s'", req->name);
			rc = err ? err->code : CC_ERR;
			cc_pending_release(&old);
			goto out;
		}
		/* never forget what another solver published */
		for (i = 0; i < old.items.n; i++) {
			char sname[64] = "?";

			if (!old.items.v[i].record)
				continue;
			cc_chal_record_solver(old.items.v[i].record, sname,
					      sizeof(sname));
			rc = cc_err_set(err, CC_EUSAGE,
					"an earlier request for '%s' published "
					"challenges with the %s solver: run "
					"again with the same solver options so "
					"they are removed", req->name, sname);
			cc_pending_release(&old);
			goto out;
		}
		cc_pending_release(&old);
		pending_forget(env->repo, req->name, NULL);
	}
	if ((rc = choose_key(env, req, &key, err)))
		goto out;
	rc = CC_ENOMEM;
	for (i = 0; i < req->nnames; i++)
		if (cc_strlist_add(&p.names, req->names[i]))
			goto nomem;
	if (cc_str_set(&p.name, req->name) ||
	    cc_str_set(&p.server, req->server) ||
	    cc_str_set(&p.account, req->account) ||
	    cc_str_set(&p.challenge, req->challenge ? req->challenge :
						      "http-01") ||
	    cc_str_set(&p.status, "published") ||
	    cc_str_set(&p.key_policy, req->key_policy) ||
	    cc_str_set(&p.key_type, req->key_type) ||
	    cc_str_set(&p.digest, req->digest) ||
	    cc_str_set(&p.keystore, req->keystore) ||
	    cc_str_set(&p.ks_pw_file, req->keystore_password_file) ||
	    cc_str_set(&p.ks_pw_env, req->keystore_password_env) ||
	    cc_str_set(&p.preferred_chain, req->preferred_chain) ||
	    cc_str_set(&p.profile, req->profile) ||
	    cc_str_set(&p.replaces, req->replaces) ||
	    cc_str_set(&p.reason, req->reason))
		goto nomem;
	for (i = 0; req->settings && i < req->settings->n; i++)
		if (cc_strmap_set(&p.settings, req->settings->keys[i],
				  req->settings->vals[i]))
			goto nomem;
	p.created = time(NULL);
	memset(&oreq, 0, sizeof(oreq));
	oreq.names = req->names;
	oreq.nnames = req->nnames;
	oreq.profile = req->profile;
	oreq.replaces = req->replaces;
	progress(env, "ordering a certificate for %s%s", req->names[0],
		 req->nnames > 1 ? " and more" : "");
	if ((rc = cc_acme_order_new(env->acme, &oreq, &o, err)))
		goto out;
	if (cc_str_set(&p.order_url, o.url))
		goto nomem;
	if ((rc = add_items(env, &p, &o, err)))
		goto out;
	/* recorded before anything is published */
	if ((rc = save_pending_key(env->repo, req->name, key, err)) ||
	    (rc = pending_save(env->repo, &p, err)))
		goto out;
	rc = solve(env, &p, req, key, res, err);
	goto out;
nomem:
	rc = NOMEM(err);
out:
	cc_acme_order_release(&o);
	cc_pending_release(&p);
	EVP_PKEY_free(key);
	cc_unlock(lockfd);
	return rc;
}

int cc_issue_finish(struct cc_issue_env *env, const char *name,
		    const char *keystore_password,
		    struct cc_issue_result *res, struct cc_err *err)
{
	struct cc_pending p;
	struct cc_issue_req req;
	EVP_PKEY *key = NULL;
	int lockfd = -1, rc;

	memset(res, 0, sizeof(*res));
	memset(&req, 0, sizeof(req));
	if ((rc = lock_cert(env, name, &lockfd, err)))
		return rc;
	if ((rc = cc_pending_load(env->repo, name, &p, err)))
		goto out_unlock;
	if (p.status && !strcmp(p.status, "failed")) {
		rc = cc_err_set(err, CC_ECHALLENGE,
				"the request for '%s' failed (%s): run "
				"'certctl acme retry %s'", name,
				p.error ? p.error : "unknown error", name);
		goto out;
	}
	if ((rc = load_pending_key(env->repo, name, &key, err)) ||
	    (rc = restore_items(env, &p, err)))
		goto out;
	req.keystore_password = keystore_password;
	rc = complete(env, &p, &req, key, res, err);
out:
	cc_pending_release(&p);
	EVP_PKEY_free(key);
out_unlock:
	cc_unlock(lockfd);
	return rc;
}

int cc_issue_abandon(struct cc_issue_env *env, const char *name,
		     struct cc_err *err)
{
	struct cc_pending p;
	size_t i;
	int lockfd = -1, rc;

	if ((rc = lock_cert(env, name, &lockfd, err)))
		return rc;
	if ((rc = cc_pending_load(env->repo, name, &p, err)))
		goto out_unlock;
	if (env->acme)
		restore_items(env, &p, NULL);
	if ((rc = cleanup_items(env, &p, err)))
		goto out;
	if (env->acme)
		for (i = 0; i < p.items.n; i++)
			cc_acme_authz_deactivate(env->acme, p.authz[i], NULL);
	rc = pending_forget(env->repo, name, err);
out:
	cc_pending_release(&p);
out_unlock:
	cc_unlock(lockfd);
	return rc;
}
