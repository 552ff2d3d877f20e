/*
 * certctl sectigo: helpers shared by the subcommands (certificates,
 * pending orders, collection, keys).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "csr.h"
#include "fsutil.h"
#include "key.h"
#include "keystore.h"
#include "sectigo_cli.h"
#include "util.h"
#include "x509.h"

/* ---- JSON ---- */

void scm_json_str(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

void scm_json_time(cJSON *o, const char *key, time_t t)
{
	char buf[32];

	if (!t) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	cc_time_format(t, buf, sizeof(buf));
	cJSON_AddStringToObject(o, key, buf);
}

/* ---- certificates ---- */

int scm_cert_load(struct cli *cl, const char *name, struct cc_cert_meta *m)
{
	struct cc_err err = CC_ERR_INIT;
	struct cc_repo *repo;
	int rc;

	memset(m, 0, sizeof(*m));
	if (cc_name_check(name, &err))
		return out_fail(&err);
	if ((rc = cli_repo(cl, &repo)))
		return rc;
	if (cc_repo_cert_load(repo, name, m, &err)) {
		if (err.code == CC_ENOENT)
			snprintf(err.msg, sizeof(err.msg),
				 "no certificate named '%s' (see 'certctl cert "
				 "list')", name);
		return out_fail(&err);
	}
	if (!m->source || strcmp(m->source, "sectigo")) {
		out_error("'%s' is not a Sectigo certificate (source: %s)",
			  name, m->source ? m->source : "unknown");
		cc_cert_meta_release(m);
		return 2;
	}
	return 0;
}

long scm_ca_id(const struct cc_cert_meta *m, const char *key)
{
	const char *s = cc_strmap_get(&m->ca, key);
	char *end;
	long v;

	if (!s || !*s)
		return 0;
	v = strtol(s, &end, 10);
	return *end || v <= 0 ? 0 : v;
}

long scm_pending_id(const struct cc_cert_meta *m)
{
	long id = scm_ca_id(m, "pending-ssl-id");

	if (id)
		return id;
	if (cc_strmap_get(&m->extra, "sectigo-pending") ||
	    (m->status && !strcmp(m->status, "pending")))
		return scm_ca_id(m, "ssl-id");
	return 0;
}

const char *scm_local_status(enum cc_sectigo_state st)
{
	switch (st) {
	case CC_SECTIGO_ISSUED:
		return "valid";
	case CC_SECTIGO_PENDING:
		return "pending";
	case CC_SECTIGO_FAILED:
		return "failed";
	case CC_SECTIGO_REVOKED:
		return "revoked";
	case CC_SECTIGO_EXPIRED:
		return "expired";
	case CC_SECTIGO_REPLACED:
		return "replaced";
	default:
		return "unknown";
	}
}

int scm_keystore_password(const char *file, const char *env,
			  struct cc_buf *out, struct cc_err *err)
{
	const char *v;
	char *nl;
	int rc;

	out->secret = 1;
	cc_buf_reset(out);
	if (file) {
		if ((rc = cc_read_file(file, out, err)))
			return cc_err_prefix(err, "keystore password");
		nl = out->data ? memchr(out->data, '\n', out->len) : NULL;
		if (nl) {
			out->len = (size_t)(nl - out->data);
			if (out->len && out->data[out->len - 1] == '\r')
				out->len--;
			out->data[out->len] = '\0';
		}
		if (!out->len)
			return cc_err_set(err, CC_ECONFIG, "the keystore "
					  "password file '%s' is empty", file);
		return CC_OK;
	}
	if (env) {
		v = getenv(env);
		if (!v || !*v)
			return cc_err_set(err, CC_ECONFIG, "environment "
					  "variable '%s' (the keystore "
					  "password) is not set", env);
		return cc_buf_adds(out, v) ? cc_err_set(err, CC_ENOMEM,
							"out of memory") : 0;
	}
	return cc_err_set(err, CC_ECONFIG, "no keystore password source "
			  "(--keystore-password-file or "
			  "--keystore-password-env)");
}

/* ---- order map ---- */

int scm_ordermap_add(struct cc_repo *repo, long id, const char *name,
		     struct cc_err *err)
{
	struct cc_strmap m = CC_STRMAP_INIT;
	const char *old;
	char key[32];
	int rc;

	snprintf(key, sizeof(key), "%ld", id);
	if ((rc = cc_repo_lock(repo, err)))
		return rc;
	rc = cc_scm_ordermap_load(repo, &m, err);
	old = rc ? NULL : cc_strmap_get(&m, key);
	if (!rc && (!old || strcmp(old, name))) {
		rc = cc_strmap_set(&m, key, name);
		if (rc)
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		else
			rc = cc_scm_ordermap_save(repo, &m, err);
	}
	cc_repo_unlock(repo);
	cc_strmap_release(&m);
	return rc;
}

/* ---- keys, CSRs, pending files ---- */

int scm_key_and_csr(const char *key_type, EVP_PKEY *reuse,
		    const char *const *names, size_t n, struct cc_buf *key_pem,
		    struct cc_buf *csr_pem, struct cc_err *err)
{
	struct cc_key_spec spec;
	EVP_PKEY *key = reuse;
	int rc;

	key_pem->secret = 1;
	if (!key) {
		if ((rc = cc_key_spec_parse(key_type, &spec, err)) ||
		    (rc = cc_key_generate(&spec, &key, err)))
			return rc;
	}
	rc = cc_key_to_pem(key, key_pem, err);
	if (!rc)
		rc = cc_csr_build(key, names, n, NULL, NULL, csr_pem, err);
	if (key != reuse)
		EVP_PKEY_free(key);
	return rc;
}

static void pending_rel(char *buf, size_t size, const char *name,
			const char *file)
{
	if (file)
		snprintf(buf, size, "%s/%s/%s", SCM_PENDING_DIR, name, file);
	else
		snprintf(buf, size, "%s/%s", SCM_PENDING_DIR, name);
}

int scm_pending_write(struct cc_repo *repo, const char *name,
		      const struct cc_buf *key_pem,
		      const struct cc_buf *csr_pem, struct cc_err *err)
{
	char rel[CC_NAME_MAX + 64];
	int rc;

	pending_rel(rel, sizeof(rel), name, "key.pem");
	rc = cc_repo_write(repo, rel, key_pem->data, key_pem->len, 0600, err);
	if (!rc && csr_pem) {
		pending_rel(rel, sizeof(rel), name, "csr.pem");
		rc = cc_repo_write(repo, rel, csr_pem->data, csr_pem->len,
				   0600, err);
	}
	return rc;
}

void scm_pending_clear(struct scm_session *s, struct cc_cert_meta *m)
{
	char rel[CC_NAME_MAX + 64];

	pending_rel(rel, sizeof(rel), m->name, NULL);
	cc_repo_remove(s->repo, rel, NULL);
	cc_strmap_del(&m->ca, "pending-ssl-id");
	cc_strmap_del(&m->extra, "sectigo-pending");
}

/* ---- collection ---- */

static int set_id(struct cc_strmap *m, const char *key, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	return cc_strmap_set(m, key, buf);
}

/* Append id to the comma-separated list at key (once). */
static int list_append(struct cc_strmap *m, const char *key, const char *id)
{
	const char *old = cc_strmap_get(m, key);
	struct cc_buf b = CC_BUF_INIT;
	const char *p;
	size_t n = strlen(id);
	int rc;

	for (p = old; p && *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && !strncmp(p, id, n))
			return CC_OK;
		p += len;
		if (*p)
			p++;
	}
	rc = old && *old ? cc_buf_addf(&b, "%s,%s", old, id) :
			   cc_buf_adds(&b, id);
	if (!rc)
		rc = cc_strmap_set(m, key, b.data);
	cc_buf_release(&b);
	return rc;
}

/* The key for the collected leaf: pending key or the current key. */
static int collect_key(struct scm_session *s, struct cc_cert_meta *m,
		       X509 *leaf, long id, EVP_PKEY **key,
		       struct cc_err *err)
{
	const struct cc_version *cur = cc_cert_meta_current(m);
	struct cc_buf k = CC_BUF_SECRET_INIT;
	struct cc_cert_info info;
	char rel[CC_NAME_MAX + 64];
	int rc, same;

	*key = NULL;
	pending_rel(rel, sizeof(rel), m->name, "key.pem");
	rc = cc_repo_read(s->repo, rel, &k, err);
	if (rc == CC_OK) {
		rc = cc_key_load(k.data, k.len, NULL, key, err);
		cc_buf_release(&k);
		if (rc)
			return cc_err_prefix(err, "%s", rel);
		if (cc_key_matches_cert(*key, leaf))
			return CC_OK;
		EVP_PKEY_free(*key);
		*key = NULL;
		memset(&info, 0, sizeof(info));
		same = cur && cur->fingerprint &&
		       cc_cert_info_get(leaf, &info, NULL) == CC_OK &&
		       !strcmp(info.fingerprint, cur->fingerprint);
		cc_cert_info_release(&info);
		if (same)
			return cc_err_set(err, CC_EPENDING, "SCM still serves "
					  "the previous certificate of order "
					  "%ld", id);
		return cc_err_set(err, CC_EMISMATCH, "the certificate SCM "
				  "issued for order %ld does not match the key "
				  "kept for it in %s", id, rel);
	}
	if (rc != CC_ENOENT)
		return rc;
	cc_err_clear(err);
	if (cur && cur->has_key &&
	    cc_repo_cert_read(s->repo, m->name, 0, "key.pem", &k,
			      NULL) == CC_OK &&
	    cc_key_load(k.data, k.len, NULL, key, NULL) == CC_OK &&
	    !cc_key_matches_cert(*key, leaf)) {
		EVP_PKEY_free(*key);
		*key = NULL;
	}
	cc_buf_release(&k);
	return CC_OK;
}

static int make_keystore(const struct cc_cert_meta *m, EVP_PKEY *key,
			 const struct cc_bundle *b, struct cc_buf *ks,
			 int *jks, struct cc_err *err)
{
	struct cc_buf pw = CC_BUF_SECRET_INIT;
	const char *kind = m->keystore ? m->keystore : "pem";
	int rc;

	*jks = 0;
	if (!strcmp(kind, "pem") || !key)
		return CC_OK;
	rc = scm_keystore_password(cc_strmap_get(&m->extra,
						 "keystore-password-file"),
				   cc_strmap_get(&m->extra,
						 "keystore-password-env"),
				   &pw, err);
	if (rc)
		return rc;
	ks->secret = 1;
	if (!strcmp(kind, "jks")) {
		*jks = 1;
		rc = cc_jks_write(key, b->certs, b->ncerts, pw.data, m->name,
				  (long long)time(NULL) * 1000, ks, err);
	} else {
		rc = cc_p12_write(key, b->certs, b->ncerts, pw.data, m->name,
				  strcmp(kind, "p12-legacy") ? CC_P12_MODERN :
				  CC_P12_LEGACY, ks, err);
	}
	cc_buf_release(&pw);
	return rc;
}

static const char *version_reason(const struct cc_cert_meta *m,
				  const char *dflt)
{
	const char *k = cc_strmap_get(&m->extra, "sectigo-pending");

	if (k && !strcmp(k, "renew"))
		return "renewed";
	if (k && !strcmp(k, "reissue"))
		return "reissued";
	if (k && !strcmp(k, "order"))
		return "issued";
	return dflt ? dflt : "issued";
}

/* meta after a collection of order id: ids moved, pending cleared */
static int meta_collected(struct cc_cert_meta *m,
			  const struct cc_sectigo_order *o,
			  const char *key_type)
{
	const char *old = cc_strmap_get(&m->ca, "ssl-id");
	char idbuf[32];
	int rc = 0;

	snprintf(idbuf, sizeof(idbuf), "%ld", o->id);
	if (old && strcmp(old, idbuf)) {
		rc = list_append(&m->ca, "previous-ssl-ids", old);
		/* the renew id belonged to the previous order */
		cc_strmap_del(&m->ca, "renew-id");
	}
	if (!rc)
		rc = cc_strmap_set(&m->ca, "ssl-id", idbuf);
	if (!rc && o->backend_cert_id)
		rc = cc_strmap_set(&m->ca, "order-number", o->backend_cert_id);
	if (!rc && o->status)
		rc = cc_strmap_set(&m->extra, "sectigo-status", o->status);
	if (!rc && !m->key_type && key_type && strcmp(key_type, "other"))
		rc = cc_str_set(&m->key_type, key_type);
	if (!rc)
		rc = cc_str_set(&m->status, o->state == CC_SECTIGO_EXPIRED ?
				"expired" : "valid");
	cc_strmap_del(&m->ca, "pending-ssl-id");
	return rc;
}

int scm_store_issued(struct scm_session *s, struct cc_cert_meta *m,
		     const struct cc_sectigo_order *o, const char *reason,
		     int *stored, struct cc_err *err)
{
	struct cc_buf pem = CC_BUF_INIT, certp = CC_BUF_INIT,
		      chainp = CC_BUF_INIT, fullp = CC_BUF_INIT,
		      keyp = CC_BUF_SECRET_INIT, ks = CC_BUF_SECRET_INIT;
	struct cc_bundle b = CC_BUNDLE_INIT;
	struct cc_cert_info info;
	struct cc_cert_files files;
	struct cc_version ver;
	const struct cc_version *cur;
	EVP_PKEY *key = NULL;
	char rel[CC_NAME_MAX + 64];
	int rc, jks = 0;

	*stored = 0;
	memset(&info, 0, sizeof(info));
	memset(&files, 0, sizeof(files));
	memset(&ver, 0, sizeof(ver));
	rc = cc_sectigo_collect_chain(s->scm, o->id, &pem, err);
	if (!rc)
		rc = cc_bundle_parse(pem.data, pem.len, NULL, &b, err);
	if (!rc)
		rc = cc_chain_order(&b, err);
	if (rc)
		goto out;
	if ((rc = collect_key(s, m, b.certs[0], o->id, &key, err)) ||
	    (rc = cc_cert_info_get(b.certs[0], &info, err)))
		goto out;
	cur = cc_cert_meta_current(m);
	if (cur && cur->fingerprint && !strcmp(cur->fingerprint,
					       info.fingerprint) &&
	    (!key || cur->has_key)) {
		/* already the current version: only the metadata changes */
		if (meta_collected(m, o, info.key_type)) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			goto out;
		}
		scm_pending_clear(s, m);
		rc = cc_repo_meta_save(s->repo, m, err);
		goto out;
	}
	if ((rc = cc_cert_to_pem(b.certs[0], &certp, err)) ||
	    (rc = cc_certs_to_pem(b.certs + 1, b.ncerts - 1, &chainp, err)) ||
	    (rc = cc_certs_to_pem(b.certs, b.ncerts, &fullp, err)) ||
	    (key && (rc = cc_key_to_pem(key, &keyp, err))) ||
	    (rc = make_keystore(m, key, &b, &ks, &jks, err)))
		goto out;
	files.cert_pem = certp.data;
	files.chain_pem = chainp.data ? chainp.data : "";
	files.fullchain_pem = fullp.data;
	files.key_pem = key ? keyp.data : NULL;
	if (ks.len && jks) {
		files.jks = ks.data;
		files.jks_len = ks.len;
	} else if (ks.len) {
		files.p12 = ks.data;
		files.p12_len = ks.len;
	}
	ver.common_name = info.common_name;
	ver.names = info.names;
	ver.nnames = info.nnames;
	ver.issuer = info.issuer;
	ver.serial = info.serial;
	ver.not_before = info.not_before;
	ver.not_after = info.not_after;
	ver.key_type = info.key_type;
	ver.fingerprint = info.fingerprint;
	ver.reason = (char *)version_reason(m, reason);
	if (set_id(&ver.ca, "ssl-id", o->id) ||
	    (o->backend_cert_id &&
	     cc_strmap_set(&ver.ca, "order-number", o->backend_cert_id)) ||
	    (o->serial && cc_strmap_set(&ver.ca, "scm-serial", o->serial)) ||
	    meta_collected(m, o, info.key_type)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	cc_strmap_del(&m->extra, "sectigo-pending");
	rc = cc_repo_cert_store(s->repo, m, &files, &ver, err);
	if (rc)
		goto out;
	*stored = 1;
	pending_rel(rel, sizeof(rel), m->name, NULL);
	cc_repo_remove(s->repo, rel, NULL);
out:
	cc_strmap_release(&ver.ca);
	cc_cert_info_release(&info);
	cc_bundle_release(&b);
	EVP_PKEY_free(key);
	cc_buf_release(&pem);
	cc_buf_release(&certp);
	cc_buf_release(&chainp);
	cc_buf_release(&fullp);
	cc_buf_release(&keyp);
	cc_buf_release(&ks);
	return rc;
}

/* ---- revocation reasons ---- */

static const struct {
	const char *name;
	int code;
} reasons[] = {
	{ "unspecified", 0 },
	{ "keyCompromise", 1 },
	{ "affiliationChanged", 3 },
	{ "superseded", 4 },
	{ "cessationOfOperation", 5 },
};

int scm_revoke_code(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		char num[4];

		snprintf(num, sizeof(num), "%d", reasons[i].code);
		if (!strcasecmp(s, reasons[i].name) || !strcmp(s, num))
			return reasons[i].code;
	}
	return -1;
}

const char *scm_revoke_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == code)
			return reasons[i].name;
	return "unspecified";
}
