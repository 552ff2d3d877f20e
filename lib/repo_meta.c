/*
 * Certificate metadata: meta.yaml and versions/<N>/version.yaml as YAML
 * (through ydoc), and loading a certificate with its history.
 */
#include "repo.h"
#include "repo_int.h"
#include "ydoc.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- times ---- */

void cc_repo_time_format(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "1970-01-01T00:00:00Z");
}

static int digits(const char *s, size_t n, int *out)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int cc_repo_time_parse(const char *s, time_t *out)
{
	struct tm tm, chk;
	int y, mo, d, h, mi, se;
	time_t t;

	if (!s || strlen(s) != 20 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
	    digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) ||
	    digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	/* reject out-of-range fields that timegm would normalise */
	if (!gmtime_r(&t, &chk) || chk.tm_year != y - 1900 ||
	    chk.tm_mon != mo - 1 || chk.tm_mday != d || chk.tm_hour != h ||
	    chk.tm_min != mi || chk.tm_sec != se)
		return -1;
	*out = t;
	return 0;
}

/* ---- releasing ---- */

void cc_version_release(struct cc_version *v)
{
	size_t i;

	if (!v)
		return;
	free(v->common_name);
	for (i = 0; i < v->nnames; i++)
		free(v->names[i]);
	free(v->names);
	free(v->issuer);
	free(v->serial);
	free(v->key_type);
	free(v->fingerprint);
	free(v->reason);
	cc_strmap_release(&v->ca);
	memset(v, 0, sizeof(*v));
}

void cc_cert_meta_release(struct cc_cert_meta *m)
{
	size_t i;

	if (!m)
		return;
	free(m->name);
	free(m->source);
	free(m->status);
	free(m->key_policy);
	free(m->key_type);
	free(m->keystore);
	free(m->renew_before);
	cc_strmap_release(&m->ca);
	cc_strmap_release(&m->renewal);
	cc_strmap_release(&m->extra);
	for (i = 0; i < m->ndeploy; i++)
		free(m->deploy[i]);
	free(m->deploy);
	for (i = 0; i < m->nversions; i++)
		cc_version_release(&m->versions[i]);
	free(m->versions);
	memset(m, 0, sizeof(*m));
}

const struct cc_version *cc_cert_meta_current(const struct cc_cert_meta *m)
{
	size_t i;

	if (!m || m->current <= 0)
		return NULL;
	for (i = m->nversions; i > 0; i--)
		if (m->versions[i - 1].number == m->current)
			return &m->versions[i - 1];
	return NULL;
}

/* ---- emitting ---- */

static int set_time(struct cc_ynode *map, const char *key, time_t t)
{
	char buf[32];

	if (t == 0)
		return CC_OK;
	cc_repo_time_format(t, buf, sizeof(buf));
	return cc_ymap_sets(map, key, buf);
}

static int set_strmap(struct cc_ynode *map, const char *key,
		      const struct cc_strmap *m)
{
	struct cc_ynode *sub;
	size_t i;

	if (m->n == 0)
		return CC_OK;
	if (!(sub = cc_ynode_map()))
		return CC_ENOMEM;
	for (i = 0; i < m->n; i++) {
		if (cc_ymap_sets(sub, m->keys[i], m->vals[i])) {
			cc_ynode_free(sub);
			return CC_ENOMEM;
		}
	}
	return cc_ymap_set(map, key, sub);
}

static int set_list(struct cc_ynode *map, const char *key, char *const *v,
		    size_t n)
{
	struct cc_ynode *seq;
	size_t i;

	if (n == 0)
		return CC_OK;
	if (!(seq = cc_ynode_seq()))
		return CC_ENOMEM;
	for (i = 0; i < n; i++) {
		if (cc_yseq_add(seq, cc_ynode_str(v[i]))) {
			cc_ynode_free(seq);
			return CC_ENOMEM;
		}
	}
	return cc_ymap_set(map, key, seq);
}

static int emit_done(struct cc_ynode *root, int rc, struct cc_buf *out,
		     struct cc_err *err)
{
	if (rc)
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
	else
		rc = cc_ydoc_emit(root, out, err);
	cc_ynode_free(root);
	return rc;
}

int cc_repo_meta_emit(const struct cc_cert_meta *m, struct cc_buf *out,
		      struct cc_err *err)
{
	struct cc_ynode *root = cc_ynode_map();
	int rc;

	if (!root)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	rc = cc_ymap_sets(root, "name", m->name) ||
	     cc_ymap_sets(root, "source", m->source) ||
	     cc_ymap_sets(root, "status", m->status) ||
	     cc_ymap_sets(root, "key_policy", m->key_policy) ||
	     cc_ymap_sets(root, "key_type", m->key_type) ||
	     cc_ymap_sets(root, "keystore", m->keystore) ||
	     cc_ymap_sets(root, "renew_before", m->renew_before) ||
	     set_time(root, "created", m->created) ||
	     set_time(root, "updated", m->updated) ||
	     set_strmap(root, "ca", &m->ca) ||
	     set_strmap(root, "renewal", &m->renewal) ||
	     set_strmap(root, "extra", &m->extra) ||
	     set_list(root, "deploy", m->deploy, m->ndeploy);
	return emit_done(root, rc, out, err);
}

int cc_repo_version_emit(const struct cc_version *v, struct cc_buf *out,
			 struct cc_err *err)
{
	struct cc_ynode *root = cc_ynode_map();
	int rc;

	if (!root)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	rc = cc_ymap_setll(root, "number", v->number) ||
	     set_time(root, "created", v->created) ||
	     cc_ymap_sets(root, "common_name", v->common_name) ||
	     set_list(root, "names", v->names, v->nnames) ||
	     cc_ymap_sets(root, "issuer", v->issuer) ||
	     cc_ymap_sets(root, "serial", v->serial) ||
	     set_time(root, "not_before", v->not_before) ||
	     set_time(root, "not_after", v->not_after) ||
	     cc_ymap_sets(root, "key_type", v->key_type) ||
	     cc_ymap_sets(root, "fingerprint", v->fingerprint) ||
	     cc_ymap_sets(root, "reason", v->reason) ||
	     set_strmap(root, "ca", &v->ca) ||
	     cc_ymap_sets(root, "has_key", v->has_key ? "true" : "false") ||
	     cc_ymap_sets(root, "has_p12", v->has_p12 ? "true" : "false") ||
	     cc_ymap_sets(root, "has_jks", v->has_jks ? "true" : "false");
	return emit_done(root, rc, out, err);
}

/* ---- parsing ---- */

struct yctx {
	const struct cc_ynode *root;
	const char *path;
	struct cc_err *err;
};

/* line of key in the root map, for messages */
static int key_line(const struct yctx *y, const char *key)
{
	size_t i;

	for (i = 0; i < y->root->n; i++)
		if (!strcmp(y->root->keys[i], key))
			return y->root->key_lines[i];
	return y->root->line;
}

static int bad(const struct yctx *y, const char *key, const char *what)
{
	return cc_err_set(y->err, CC_ECORRUPT, "%s:%d: '%s' %s", y->path,
			  key_line(y, key), key, what);
}

static int get_str(const struct yctx *y, const char *key, char **out)
{
	const struct cc_ynode *n = cc_ymap_get(y->root, key);

	if (!n)
		return CC_OK;
	if (n->type != CC_Y_SCALAR)
		return bad(y, key, "must be a string");
	if (!(*out = strdup(n->scalar)))
		return cc_err_set(y->err, CC_ENOMEM, "out of memory");
	return CC_OK;
}

static int get_time(const struct yctx *y, const char *key, time_t *out)
{
	const struct cc_ynode *n = cc_ymap_get(y->root, key);

	if (!n)
		return CC_OK;
	if (n->type != CC_Y_SCALAR || cc_repo_time_parse(n->scalar, out))
		return bad(y, key,
			   "must be a time like 2026-11-23T12:00:00Z");
	return CC_OK;
}

static int get_bool(const struct yctx *y, const char *key, int *out)
{
	const struct cc_ynode *n = cc_ymap_get(y->root, key);

	if (!n)
		return CC_OK;
	if (n->type == CC_Y_SCALAR && !strcmp(n->scalar, "true"))
		*out = 1;
	else if (n->type == CC_Y_SCALAR && !strcmp(n->scalar, "false"))
		*out = 0;
	else
		return bad(y, key, "must be true or false");
	return CC_OK;
}

static int get_strmap(const struct yctx *y, const char *key,
		      struct cc_strmap *out)
{
	const struct cc_ynode *n = cc_ymap_get(y->root, key);
	size_t i;

	if (!n)
		return CC_OK;
	if (n->type == CC_Y_SCALAR && n->scalar[0] == '\0')
		return CC_OK;	/* "key:" with nothing */
	if (n->type != CC_Y_MAP)
		return bad(y, key, "must be a mapping");
	for (i = 0; i < n->n; i++) {
		if (n->items[i]->type != CC_Y_SCALAR)
			return cc_err_set(y->err, CC_ECORRUPT,
					  "%s:%d: '%s' must be a string",
					  y->path, n->key_lines[i],
					  n->keys[i]);
		if (cc_strmap_set(out, n->keys[i], n->items[i]->scalar))
			return cc_err_set(y->err, CC_ENOMEM, "out of memory");
	}
	return CC_OK;
}

static int get_list(const struct yctx *y, const char *key, char ***out,
		    size_t *nout)
{
	const struct cc_ynode *n = cc_ymap_get(y->root, key);
	size_t i;

	if (!n)
		return CC_OK;
	if (n->type == CC_Y_SCALAR && n->scalar[0] == '\0')
		return CC_OK;
	if (n->type != CC_Y_SEQ)
		return bad(y, key, "must be a list");
	if (n->n == 0)
		return CC_OK;
	*out = calloc(n->n, sizeof(**out));
	if (!*out)
		return cc_err_set(y->err, CC_ENOMEM, "out of memory");
	for (i = 0; i < n->n; i++) {
		if (n->items[i]->type != CC_Y_SCALAR)
			return cc_err_set(y->err, CC_ECORRUPT,
					  "%s:%d: '%s' must be a list of "
					  "strings", y->path,
					  n->items[i]->line, key);
		if (!((*out)[i] = strdup(n->items[i]->scalar)))
			return cc_err_set(y->err, CC_ENOMEM, "out of memory");
		(*nout)++;
	}
	return CC_OK;
}

static int parse_root(const char *data, size_t len, const char *path,
		      struct cc_ynode **root, struct cc_err *err)
{
	int rc = cc_ydoc_parse(data, len, path, root, err);

	if (rc == CC_ENOMEM)
		return rc;
	if (rc) {
		if (err)
			err->code = CC_ECORRUPT;
		return CC_ECORRUPT;
	}
	if ((*root)->type != CC_Y_MAP) {
		rc = cc_err_set(err, CC_ECORRUPT, "%s:%d: expected a mapping",
				path, (*root)->line);
		cc_ynode_free(*root);
		*root = NULL;
	}
	return rc;
}

int cc_repo_meta_parse(const char *data, size_t len, const char *path,
		       struct cc_cert_meta *m, struct cc_err *err)
{
	struct cc_ynode *root = NULL;
	struct yctx y;
	int rc;

	if ((rc = parse_root(data, len, path, &root, err)))
		return rc;
	y.root = root;
	y.path = path;
	y.err = err;
	if ((rc = get_str(&y, "source", &m->source)) ||
	    (rc = get_str(&y, "status", &m->status)) ||
	    (rc = get_str(&y, "key_policy", &m->key_policy)) ||
	    (rc = get_str(&y, "key_type", &m->key_type)) ||
	    (rc = get_str(&y, "keystore", &m->keystore)) ||
	    (rc = get_str(&y, "renew_before", &m->renew_before)) ||
	    (rc = get_time(&y, "created", &m->created)) ||
	    (rc = get_time(&y, "updated", &m->updated)) ||
	    (rc = get_strmap(&y, "ca", &m->ca)) ||
	    (rc = get_strmap(&y, "renewal", &m->renewal)) ||
	    (rc = get_strmap(&y, "extra", &m->extra)) ||
	    (rc = get_list(&y, "deploy", &m->deploy, &m->ndeploy)))
		goto out;
out:
	cc_ynode_free(root);
	return rc;
}

int cc_repo_version_parse(const char *data, size_t len, const char *path,
			  struct cc_version *v, struct cc_err *err)
{
	struct cc_ynode *root = NULL;
	struct yctx y;
	int rc;

	if ((rc = parse_root(data, len, path, &root, err)))
		return rc;
	y.root = root;
	y.path = path;
	y.err = err;
	if ((rc = get_time(&y, "created", &v->created)) ||
	    (rc = get_str(&y, "common_name", &v->common_name)) ||
	    (rc = get_list(&y, "names", &v->names, &v->nnames)) ||
	    (rc = get_str(&y, "issuer", &v->issuer)) ||
	    (rc = get_str(&y, "serial", &v->serial)) ||
	    (rc = get_time(&y, "not_before", &v->not_before)) ||
	    (rc = get_time(&y, "not_after", &v->not_after)) ||
	    (rc = get_str(&y, "key_type", &v->key_type)) ||
	    (rc = get_str(&y, "fingerprint", &v->fingerprint)) ||
	    (rc = get_str(&y, "reason", &v->reason)) ||
	    (rc = get_strmap(&y, "ca", &v->ca)) ||
	    (rc = get_bool(&y, "has_key", &v->has_key)) ||
	    (rc = get_bool(&y, "has_p12", &v->has_p12)) ||
	    (rc = get_bool(&y, "has_jks", &v->has_jks)))
		goto out;
out:
	cc_ynode_free(root);
	return rc;
}

/* ---- loading ---- */

int cc_repo_version_load(const char *dir, int number, struct cc_version *v,
			 struct cc_err *err)
{
	char path[PATH_MAX];
	struct cc_buf b = CC_BUF_INIT;
	int rc;

	memset(v, 0, sizeof(*v));
	if ((rc = cc_repo_fmt(path, sizeof(path), err,
			      "%s/versions/%d/version.yaml", dir, number)))
		return rc;
	rc = cc_repo_read_nofollow(path, &b, err);
	if (rc == CC_ENOENT)
		rc = cc_err_set(err, CC_ECORRUPT, "'%s' is missing", path);
	if (rc == CC_OK)
		rc = cc_repo_version_parse(b.data, b.len, path, v, err);
	v->number = number;
	if (rc)
		cc_version_release(v);
	cc_buf_release(&b);
	return rc;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* committed version numbers (<= current), ascending */
static int list_versions(const char *dir, int current, int **out,
			 size_t *n, struct cc_err *err)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int *v = NULL, *nv, num, rc = CC_OK;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if ((rc = cc_repo_fmt(path, sizeof(path), err, "%s/versions", dir)))
		return rc;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? CC_OK :
		       cc_err_set(err, CC_EIO, "cannot read '%s': %s", path,
				  strerror(errno));
	while ((de = readdir(d))) {
		num = cc_repo_parse_number(de->d_name);
		if (num <= 0 || num > current)
			continue;	/* not a version, or uncommitted */
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = cc_err_set(err, CC_ENOMEM,
						"out of memory");
				goto out;
			}
			v = nv;
		}
		v[(*n)++] = num;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_int);
out:
	closedir(d);
	if (rc) {
		free(v);
		*n = 0;
		v = NULL;
	}
	*out = v;
	return rc;
}

int cc_repo_cert_load_ex(struct cc_repo *repo, const char *name, int history,
			 struct cc_cert_meta *out, struct cc_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct cc_buf b = CC_BUF_INIT;
	int *nums = NULL, rc, have_meta;
	size_t n = 0, i;

	memset(out, 0, sizeof(*out));
	if ((rc = cc_name_check(name, err)))
		return rc;
	if ((rc = cc_repo_certdir(repo, name, NULL, dir, sizeof(dir), err)) ||
	    (rc = cc_repo_fmt(path, sizeof(path), err, "%s/meta.yaml", dir)))
		return rc;
	if (!(out->name = strdup(name))) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = cc_repo_current(dir, &out->current, err)))
		goto out;
	rc = cc_repo_read_nofollow(path, &b, err);
	have_meta = rc == CC_OK;
	if (rc == CC_ENOENT && out->current > 0)
		rc = CC_OK;	/* interrupted first store: meta comes later */
	if (rc == CC_ENOENT) {
		rc = cc_err_set(err, CC_ENOENT, "no certificate '%s'", name);
		goto out;
	}
	if (rc)
		goto out;
	if (have_meta &&
	    (rc = cc_repo_meta_parse(b.data, b.len, path, out, err)))
		goto out;
	if (history) {
		if ((rc = list_versions(dir, out->current, &nums, &n, err)))
			goto out;
	} else if (out->current > 0) {
		if (!(nums = malloc(sizeof(*nums)))) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			goto out;
		}
		nums[0] = out->current;
		n = 1;
	}
	if (n) {
		out->versions = calloc(n, sizeof(*out->versions));
		if (!out->versions) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		rc = cc_repo_version_load(dir, nums[i], &out->versions[i],
					  err);
		if (rc)
			goto out;
		out->nversions++;
	}
	if (out->current > 0 && !cc_cert_meta_current(out))
		rc = cc_err_set(err, CC_ECORRUPT,
				"certificate '%s': current version %d is "
				"missing", name, out->current);
	if (!have_meta && rc == CC_OK && out->nversions)
		out->created = out->versions[0].created;
out:
	free(nums);
	cc_buf_release(&b);
	if (rc)
		cc_cert_meta_release(out);
	return rc;
}

int cc_repo_cert_load(struct cc_repo *repo, const char *name,
		      struct cc_cert_meta *out, struct cc_err *err)
{
	return cc_repo_cert_load_ex(repo, name, 1, out, err);
}
