/*
 * certctl sectigo renew, reissue, revoke, cancel, delete: the life of a
 * Sectigo certificate after its first order.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fsutil.h"
#include "key.h"
#include "sectigo_cli.h"
#include "util.h"
#include "x509.h"

static int lock_timeout(struct cli *cl)
{
	return (int)(cc_config_duration(cl->cfg, "lock-timeout", 30) * 1000);
}

/*
 * The options and one certificate name as the only positional argument:
 * 0, or opt_parse's result (1: help shown), or 2.
 */
static int parse_one_name(int argc, char **argv, const struct cmd_usage *u,
			  struct cc_strlist *pos)
{
	int rc = opt_parse(argc, argv, u, pos, 0, NULL);

	if (rc || pos->n == 1)
		return rc;
	out_error("exactly one certificate name is needed");
	fprintf(stderr, "usage: %s\n", u->synopsis);
	return 2;
}

/* Open the SCM session and lock certificate name: 0 or an exit code. */
static int open_locked(struct cli *cl, struct scm_session *s,
		       const char *name, int *fd, struct cc_err *err)
{
	int rc = scm_open(cl, s);

	if (rc)
		return rc;
	if (cc_repo_cert_lock(s->repo, name, lock_timeout(cl), fd, err))
		return out_fail(err);
	return 0;
}

/* Names for a new CSR: the current version's CN first, then its SANs. */
static const char **version_names(const struct cc_version *v, size_t *n)
{
	const char **names = calloc(v->nnames + 2, sizeof(*names));
	size_t i, j;

	*n = 0;
	if (!names)
		return NULL;
	if (v->common_name && *v->common_name)
		names[(*n)++] = v->common_name;
	for (i = 0; i < v->nnames; i++) {
		for (j = 0; j < *n; j++)
			if (!strcasecmp(names[j], v->names[i]))
				break;
		if (j == *n)
			names[(*n)++] = v->names[i];
	}
	return names;
}

/* Key type for a new key: option, certificate, current key, defaults. */
static const char *new_key_type(struct cli *cl, const struct cc_cert_meta *m,
				const struct cc_version *v, const char *opt)
{
	const char *kt = opt;

	if (!kt)
		kt = m->key_type;
	if (!kt && v->key_type && strcmp(v->key_type, "other"))
		kt = v->key_type;
	if (!kt)
		kt = cc_config_get(cl->cfg, "defaults.key-type");
	return kt ? kt : SCM_DEFAULT_KEY_TYPE;
}

/* Common checks: a current version, an order, nothing pending. */
static int ready_for_new_order(const struct cc_cert_meta *m, const char *what)
{
	long p = scm_pending_id(m);

	if (p) {
		out_error("'%s' already has a pending SCM order %ld (check it "
			  "with 'certctl sectigo status %s' or cancel it)",
			  m->name, p, m->name);
		return 1;
	}
	if (!cc_cert_meta_current(m)) {
		out_error("'%s' has no certificate to %s", m->name, what);
		return 1;
	}
	if (!scm_ca_id(m, "ssl-id")) {
		out_error("'%s' has no SCM order id (ca.ssl-id)", m->name);
		return 1;
	}
	return 0;
}

/*
 * SCM took the request but the local record failed: err (out of memory
 * when unset) after the prefix fmt, shown; the exit code.
 */
static int record_failed(struct cc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int record_failed(struct cc_err *err, const char *fmt, ...)
{
	char pre[CC_ERR_MSG_MAX];
	va_list ap;

	if (!err->msg[0])
		cc_err_set(err, CC_ENOMEM, "out of memory");
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	cc_err_prefix(err, "%s", pre);
	return out_fail(err);
}

static void pending_drop(struct cc_repo *repo, const char *name)
{
	char rel[CC_NAME_MAX + 16];

	snprintf(rel, sizeof(rel), "%s/%s", SCM_PENDING_DIR, name);
	cc_repo_remove(repo, rel, NULL);
}

/* ---- renew ---- */

static int renew_cert(struct cli *cl, const char *name, const char *kt_opt)
{
	struct scm_session s;
	struct cc_cert_meta m;
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf kp = CC_BUF_SECRET_INIT, csr = CC_BUF_INIT,
		      old = CC_BUF_SECRET_INIT;
	struct cc_key_spec spec;
	const struct cc_version *v;
	const char **names = NULL, *policy, *kt = NULL;
	EVP_PKEY *reuse = NULL;
	char kts[16], idb[32];
	long id, new_id = 0;
	size_t n;
	int rc, fd = -1;

	memset(&s, 0, sizeof(s));
	if ((rc = scm_cert_load(cl, name, &m)))
		return rc;
	if ((rc = ready_for_new_order(&m, "renew")))
		goto out;
	v = cc_cert_meta_current(&m);
	id = scm_ca_id(&m, "ssl-id");
	policy = m.key_policy ? m.key_policy :
		 cc_config_get(cl->cfg, "defaults.key-policy");
	if (!policy)
		policy = "new";
	kts[0] = '\0';
	if (!strcmp(policy, "same") && !kt_opt) {
		if (cc_repo_cert_read(cl->repo, name, 0, "key.pem", &old,
				      &err) ||
		    cc_key_load(old.data, old.len, NULL, &reuse, &err)) {
			cc_err_prefix(&err, "'%s' keeps its key (key policy "
				      "'same') but", name);
			rc = out_fail(&err);
			goto out;
		}
	} else {
		kt = new_key_type(cl, &m, v, kt_opt);
		if (cc_key_spec_parse(kt, &spec, &err)) {
			rc = out_fail(&err);
			goto out;
		}
		cc_key_spec_format(&spec, kts, sizeof(kts));
	}
	if (!(names = version_names(v, &n)) || !n) {
		out_error("'%s' has no names to renew", name);
		rc = 1;
		goto out;
	}
	if ((rc = open_locked(cl, &s, name, &fd, &err)))
		goto out;
	if (scm_key_and_csr(kts, reuse, names, n, &kp, &csr, &err) ||
	    scm_pending_write(s.repo, name, &kp, &csr, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (cc_sectigo_renew(s.scm, id, csr.data, &new_id, &err)) {
		pending_drop(s.repo, name);
		cc_err_prefix(&err, "renewing '%s' (SCM order %ld)", name, id);
		rc = out_fail(&err);
		goto out;
	}
	snprintf(idb, sizeof(idb), "%ld", new_id);
	if (cc_strmap_set(&m.ca, "pending-ssl-id", idb) ||
	    cc_strmap_set(&m.extra, "sectigo-pending", "renew") ||
	    (kt_opt && cc_str_set(&m.key_type, kts)) ||
	    cc_repo_meta_save(s.repo, &m, &err) ||
	    scm_ordermap_add(s.repo, new_id, name, &err)) {
		rc = record_failed(&err, "SCM order %ld (the renewal) was "
				   "placed but could not be recorded", new_id);
		goto out;
	}
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddNumberToObject(o, "ssl_id", (double)new_id);
		cJSON_AddNumberToObject(o, "previous_ssl_id", (double)id);
		cJSON_AddStringToObject(o, "status", "pending");
		cJSON_AddBoolToObject(o, "new_key", reuse == NULL);
		out_print_json(o);
	} else if (!out_quiet) {
		printf("renewal of '%s' ordered: SCM order %ld follows order "
		       "%ld (%s; pending, check it with 'certctl sectigo "
		       "status %s')\n", name, new_id, id,
		       reuse ? "same key" : "new key", name);
	}
	rc = 0;
out:
	if (fd >= 0)
		cc_unlock(fd);
	EVP_PKEY_free(reuse);
	free(names);
	cc_cert_meta_release(&m);
	cc_buf_release(&kp);
	cc_buf_release(&csr);
	cc_buf_release(&old);
	scm_close(&s);
	return rc;
}

int sectigo_cert_renew(struct cli *cl, const char *name)
{
	return renew_cert(cl, name, NULL);
}

int scm_cmd_renew(int argc, char **argv, struct cli *cl)
{
	const char *kt = NULL;
	struct opt opts[] = {
		{ OPT_STR, 0, "key-type", &kt, "TYPE",
		  "type of the new key (default: as before)" },
		SCM_OPT_JSON,
		OPT_END
	};
	struct cmd_usage u = {
		"certctl sectigo renew <name> [--key-type TYPE] [--json]",
		"Order the renewal of a certificate (a new SCM order; a new "
		"key unless the key policy is 'same').", opts };
	struct cc_strlist pos = CC_STRLIST_INIT;
	int rc;

	rc = parse_one_name(argc, argv, &u, &pos);
	if (!rc)
		rc = renew_cert(cl, pos.v[0], kt);
	else if (rc == 1)
		rc = 0;
	cc_strlist_release(&pos);
	return rc;
}

/* ---- reissue ---- */

int scm_cmd_reissue(int argc, char **argv, struct cli *cl)
{
	const char *kt_opt = NULL, *reason = NULL;
	struct opt opts[] = {
		{ OPT_STR, 0, "reason", &reason, "TEXT",
		  "why the certificate is replaced (required)" },
		{ OPT_STR, 0, "key-type", &kt_opt, "TYPE",
		  "type of the new key (default: as before)" },
		SCM_OPT_JSON,
		OPT_END
	};
	struct cmd_usage u = {
		"certctl sectigo reissue <name> --reason TEXT [--key-type TYPE] "
		"[--json]",
		"Replace a certificate with one for a new key (the SCM order "
		"keeps its id).", opts };
	struct cc_strlist pos = CC_STRLIST_INIT;
	struct scm_session s;
	struct cc_cert_meta m;
	struct cc_sectigo_replace_req req;
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf kp = CC_BUF_SECRET_INIT, csr = CC_BUF_INIT;
	struct cc_key_spec spec;
	const struct cc_version *v;
	const char **names = NULL;
	char kts[16];
	long id;
	size_t n;
	int rc, fd = -1, has_cn;

	memset(&s, 0, sizeof(s));
	memset(&m, 0, sizeof(m));
	memset(&req, 0, sizeof(req));
	if ((rc = parse_one_name(argc, argv, &u, &pos))) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if (!reason || !*reason) {
		out_error("--reason is required");
		fprintf(stderr, "usage: %s\n", u.synopsis);
		rc = 2;
		goto out;
	}
	if (strlen(reason) > CC_SECTIGO_MESSAGE_MAX) {
		out_error("--reason is longer than %d characters",
			  CC_SECTIGO_MESSAGE_MAX);
		rc = 2;
		goto out;
	}
	if ((rc = scm_cert_load(cl, pos.v[0], &m)))
		goto out;
	if ((rc = ready_for_new_order(&m, "reissue")))
		goto out;
	v = cc_cert_meta_current(&m);
	id = scm_ca_id(&m, "ssl-id");
	if (cc_key_spec_parse(new_key_type(cl, &m, v, kt_opt), &spec, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	cc_key_spec_format(&spec, kts, sizeof(kts));
	if (!(names = version_names(v, &n)) || !n) {
		out_error("'%s' has no names to reissue", m.name);
		rc = 1;
		goto out;
	}
	if ((rc = open_locked(cl, &s, m.name, &fd, &err)))
		goto out;
	if (scm_key_and_csr(kts, NULL, names, n, &kp, &csr, &err) ||
	    scm_pending_write(s.repo, m.name, &kp, &csr, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	has_cn = v->common_name && *v->common_name &&
		 strlen(v->common_name) <= 64;
	req.csr_pem = csr.data;
	req.reason = reason;
	req.common_name = has_cn ? v->common_name : NULL;
	req.sans = names + (has_cn ? 1 : 0);
	req.nsans = n - (has_cn ? 1 : 0);
	if (cc_sectigo_replace(s.scm, id, &req, &err)) {
		pending_drop(s.repo, m.name);
		cc_err_prefix(&err, "reissuing '%s' (SCM order %ld)", m.name,
			      id);
		rc = out_fail(&err);
		goto out;
	}
	if (cc_strmap_set(&m.extra, "sectigo-pending", "reissue") ||
	    (kt_opt && cc_str_set(&m.key_type, kts)) ||
	    cc_repo_meta_save(s.repo, &m, &err)) {
		rc = record_failed(&err, "SCM order %ld is being reissued but "
				   "this could not be recorded", id);
		goto out;
	}
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", m.name);
		cJSON_AddNumberToObject(o, "ssl_id", (double)id);
		cJSON_AddStringToObject(o, "status", "pending");
		cJSON_AddStringToObject(o, "key_type", kts);
		out_print_json(o);
	} else if (!out_quiet) {
		printf("reissue of '%s' requested: SCM order %ld gets a "
		       "certificate for a new %s key (pending, check it with "
		       "'certctl sectigo status %s')\n", m.name, id, kts,
		       m.name);
	}
	rc = 0;
out:
	if (fd >= 0)
		cc_unlock(fd);
	free(names);
	cc_cert_meta_release(&m);
	cc_buf_release(&kp);
	cc_buf_release(&csr);
	scm_close(&s);
	cc_strlist_release(&pos);
	return rc;
}

/* ---- revoke ---- */

static int revoke_cert(struct cli *cl, const char *name, const char *reason,
		       const char *message)
{
	struct scm_session s;
	struct cc_cert_meta m;
	struct cc_err err = CC_ERR_INIT;
	char msg[128];
	long id;
	int rc, code, fd = -1;

	memset(&s, 0, sizeof(s));
	code = reason ? scm_revoke_code(reason) : -1;
	if (code < 0) {
		out_error("unknown revocation reason '%s' (use unspecified, "
			  "keyCompromise, affiliationChanged, superseded, "
			  "cessationOfOperation or 0, 1, 3, 4, 5)",
			  reason ? reason : "");
		return 2;
	}
	if (message && (!*message ||
			strlen(message) > CC_SECTIGO_REVOKE_REASON_MAX)) {
		out_error("--message must have 1 to %d characters",
			  CC_SECTIGO_REVOKE_REASON_MAX);
		return 2;
	}
	if ((rc = scm_cert_load(cl, name, &m)))
		return rc;
	id = scm_ca_id(&m, "ssl-id");
	if (!id || !m.current) {
		out_error("'%s' has no issued certificate to revoke%s", name,
			  scm_pending_id(&m) ? " (its order is pending: use "
			  "'certctl sectigo cancel')" : "");
		rc = 1;
		goto out;
	}
	if (!message) {
		snprintf(msg, sizeof(msg), "%s (revoked with certctl)",
			 scm_revoke_name(code));
		message = msg;
	}
	if ((rc = open_locked(cl, &s, name, &fd, &err)))
		goto out;
	if (cc_sectigo_revoke(s.scm, id, code, message, &err)) {
		cc_err_prefix(&err, "revoking '%s' (SCM order %ld)", name, id);
		rc = out_fail(&err);
		goto out;
	}
	if (cc_str_set(&m.status, "revoked") ||
	    cc_strmap_set(&m.extra, "sectigo-status", "Revoked") ||
	    cc_strmap_set(&m.extra, "revocation-reason",
			  scm_revoke_name(code)) ||
	    cc_repo_meta_save(s.repo, &m, &err)) {
		rc = record_failed(&err, "'%s' was revoked in SCM but this "
				   "could not be recorded", name);
		goto out;
	}
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddNumberToObject(o, "ssl_id", (double)id);
		cJSON_AddStringToObject(o, "status", "revoked");
		cJSON_AddStringToObject(o, "reason", scm_revoke_name(code));
		cJSON_AddNumberToObject(o, "reason_code", code);
		out_print_json(o);
	} else if (!out_quiet) {
		printf("revoked '%s' (SCM order %ld, reason %s)\n", name, id,
		       scm_revoke_name(code));
	}
	rc = 0;
out:
	if (fd >= 0)
		cc_unlock(fd);
	cc_cert_meta_release(&m);
	scm_close(&s);
	return rc;
}

int sectigo_cert_revoke(struct cli *cl, const char *name, const char *reason)
{
	return revoke_cert(cl, name, reason ? reason : "unspecified", NULL);
}

int scm_cmd_revoke(int argc, char **argv, struct cli *cl)
{
	const char *reason = NULL, *message = NULL;
	struct opt opts[] = {
		{ OPT_STR, 0, "reason", &reason, "CODE",
		  "unspecified, keyCompromise, affiliationChanged, superseded, "
		  "cessationOfOperation (or 0, 1, 3, 4, 5)" },
		{ OPT_STR, 0, "message", &message, "TEXT",
		  "explanation sent to SCM" },
		SCM_OPT_JSON,
		OPT_END
	};
	struct cmd_usage u = {
		"certctl sectigo revoke <name> --reason CODE [--message TEXT] "
		"[--json]",
		"Revoke a certificate in SCM and mark it revoked.", opts };
	struct cc_strlist pos = CC_STRLIST_INIT;
	int rc;

	rc = parse_one_name(argc, argv, &u, &pos);
	if (!rc && !reason) {
		out_error("--reason is required");
		fprintf(stderr, "usage: %s\n", u.synopsis);
		rc = 2;
	}
	if (!rc)
		rc = revoke_cert(cl, pos.v[0], reason, message);
	else if (rc == 1)
		rc = 0;
	cc_strlist_release(&pos);
	return rc;
}

/* ---- cancel ---- */

int scm_cmd_cancel(int argc, char **argv, struct cli *cl)
{
	const char *message = NULL;
	struct opt opts[] = {
		{ OPT_STR, 0, "message", &message, "TEXT",
		  "explanation sent to SCM with the decline" },
		SCM_OPT_JSON,
		OPT_END
	};
	struct cmd_usage u = {
		"certctl sectigo cancel <name> [--message TEXT] [--json]",
		"Cancel an order that still awaits approval (SCM declines "
		"it); otherwise say why it cannot be cancelled.", opts };
	struct cc_strlist pos = CC_STRLIST_INIT;
	struct scm_session s;
	struct cc_cert_meta m;
	struct cc_err err = CC_ERR_INIT;
	enum cc_sectigo_state state;
	long id;
	int rc, fd = -1, loaded = 0;

	memset(&s, 0, sizeof(s));
	memset(&m, 0, sizeof(m));
	if ((rc = parse_one_name(argc, argv, &u, &pos))) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if (message && (!*message ||
			strlen(message) > CC_SECTIGO_MESSAGE_MAX)) {
		out_error("--message must have 1 to %d characters",
			  CC_SECTIGO_MESSAGE_MAX);
		rc = 2;
		goto out;
	}
	if ((rc = scm_cert_load(cl, pos.v[0], &m)))
		goto out;
	loaded = 1;
	id = scm_pending_id(&m);
	if (!id)
		id = scm_ca_id(&m, "ssl-id");
	if (!id) {
		out_error("'%s' has no SCM order id", m.name);
		rc = 1;
		goto out;
	}
	if ((rc = open_locked(cl, &s, m.name, &fd, &err)))
		goto out;
	if (cc_sectigo_cancel(s.scm, id, message ? message :
			      "cancelled with certctl", &state, &err)) {
		cc_err_prefix(&err, "cannot cancel '%s'", m.name);
		rc = out_fail(&err);
		goto out;
	}
	scm_pending_clear(&s, &m);
	if (!m.current && cc_str_set(&m.status, "failed")) {
		out_error("out of memory");
		rc = 1;
		goto out;
	}
	cc_strmap_set(&m.extra, "sectigo-status", "Declined");
	if (cc_repo_meta_save(s.repo, &m, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", m.name);
		cJSON_AddNumberToObject(o, "ssl_id", (double)id);
		cJSON_AddBoolToObject(o, "cancelled", 1);
		cJSON_AddStringToObject(o, "status", m.status ? m.status :
					"valid");
		out_print_json(o);
	} else if (!out_quiet) {
		printf("cancelled '%s': SCM order %ld is declined%s\n", m.name,
		       id, m.current ? " (the current certificate stays)" :
		       "");
	}
	rc = 0;
out:
	if (fd >= 0)
		cc_unlock(fd);
	if (loaded)
		cc_cert_meta_release(&m);
	scm_close(&s);
	cc_strlist_release(&pos);
	return rc;
}

/* ---- delete ---- */

/* Drop every order of name from sectigo/orders.yaml. */
static int ordermap_forget(struct cc_repo *repo, const char *name,
			   struct cc_err *err)
{
	struct cc_strmap map = CC_STRMAP_INIT;
	size_t i;
	int rc, changed = 0;

	if ((rc = cc_repo_lock(repo, err)))
		return rc;
	rc = cc_scm_ordermap_load(repo, &map, err);
	for (i = 0; !rc && i < map.n;) {
		if (!strcmp(map.vals[i], name)) {
			cc_strmap_del(&map, map.keys[i]);
			changed = 1;
		} else {
			i++;
		}
	}
	if (!rc && changed)
		rc = cc_scm_ordermap_save(repo, &map, err);
	cc_repo_unlock(repo);
	cc_strmap_release(&map);
	return rc;
}

int scm_cmd_delete(int argc, char **argv, struct cli *cl)
{
	int yes = 0;
	struct opt opts[] = {
		{ OPT_FLAG, 'y', "yes", &yes, NULL, "do not ask" },
		SCM_OPT_JSON,
		OPT_END
	};
	struct cmd_usage u = {
		"certctl sectigo delete <name> [--yes] [--json]",
		"Delete a Sectigo certificate from the local repository only; "
		"the order stays in SCM.", opts };
	struct cc_strlist pos = CC_STRLIST_INIT;
	struct cc_cert_meta m;
	struct cc_err err = CC_ERR_INIT;
	char q[512], rel[CC_NAME_MAX + 16];
	long id;
	int rc, ans, loaded = 0;

	memset(&m, 0, sizeof(m));
	if ((rc = parse_one_name(argc, argv, &u, &pos))) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if ((rc = scm_cert_load(cl, pos.v[0], &m)))
		goto out;
	loaded = 1;
	id = scm_ca_id(&m, "ssl-id");
	if (!yes) {
		snprintf(q, sizeof(q), "delete '%s' (%zu version%s) from the "
			 "repository? SCM order %ld stays in Sectigo", m.name,
			 m.nversions, m.nversions == 1 ? "" : "s", id);
		ans = ask_yes_no(q);
		if (ans < 0) {
			out_error("not deleting '%s' without --yes (no terminal "
				  "to ask)", m.name);
			rc = 2;
			goto out;
		}
		if (!ans) {
			out_info("not deleted");
			rc = 1;
			goto out;
		}
	}
	if (cc_repo_cert_delete(cl->repo, m.name, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	snprintf(rel, sizeof(rel), "%s/%s", SCM_PENDING_DIR, m.name);
	cc_repo_remove(cl->repo, rel, NULL);
	if (ordermap_forget(cl->repo, m.name, &err))
		out_warn("%s", err.msg);
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", m.name);
		cJSON_AddBoolToObject(o, "deleted", 1);
		cJSON_AddNumberToObject(o, "ssl_id", (double)id);
		out_print_json(o);
	} else if (!out_quiet) {
		printf("deleted '%s' from the repository; SCM order %ld stays "
		       "in Sectigo (revoke it there, or with 'certctl sectigo "
		       "revoke' before deleting, if it must stop working)\n",
		       m.name, id);
	}
	rc = 0;
out:
	if (loaded)
		cc_cert_meta_release(&m);
	cc_strlist_release(&pos);
	return rc;
}
