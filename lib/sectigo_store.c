/* Local Sectigo data in the repository: see sectigo_store.h. */
#include "sectigo_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "x509.h"
#include "ydoc.h"

/* ---- small YAML helpers ---- */

static int nomem(struct cc_err *err)
{
	return cc_err_set(err, CC_ENOMEM, "out of memory");
}

static int set_time(struct cc_ynode *m, const char *key, time_t t)
{
	char buf[32];

	if (!t)
		return CC_OK;
	cc_time_format(t, buf, sizeof(buf));
	return cc_ymap_sets(m, key, buf);
}

static time_t get_time(const struct cc_ynode *m, const char *key)
{
	const char *s = cc_ymap_gets(m, key);
	time_t t = 0;

	if (s && cc_time_parse(s, &t))
		t = 0;
	return t;
}

static int set_bool(struct cc_ynode *m, const char *key, int v)
{
	return cc_ymap_sets(m, key, v > 0 ? "true" : v == 0 ? "false" :
			    "unknown");
}

static int get_bool(const struct cc_ynode *m, const char *key, int def)
{
	const char *s = cc_ymap_gets(m, key);

	if (!s)
		return def;
	if (!strcmp(s, "true"))
		return 1;
	if (!strcmp(s, "false"))
		return 0;
	return def;
}

/* Parse a decimal long; 0 if absent, -1 and an error for bad text. */
static int get_long(const struct cc_ynode *m, const char *key, long *out,
		    const char *file, struct cc_err *err)
{
	const char *s = cc_ymap_gets(m, key);
	char *end;

	*out = 0;
	if (!s)
		return CC_OK;
	*out = strtol(s, &end, 10);
	if (!*s || *end)
		return cc_err_set(err, CC_ECORRUPT, "%s:%d: '%s' is not a "
				  "number", file, m->line, key);
	return CC_OK;
}

static int dup_str(char **dst, const struct cc_ynode *m, const char *key)
{
	const char *s = cc_ymap_gets(m, key);

	*dst = NULL;
	if (!s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : -1;
}

/* Parse a repository file; missing -> CC_ENOENT with *root NULL. */
static int read_yaml(struct cc_repo *repo, const char *rel,
		     struct cc_ynode **root, struct cc_err *err)
{
	struct cc_buf b = CC_BUF_INIT;
	int rc;

	*root = NULL;
	rc = cc_repo_read(repo, rel, &b, err);
	if (!rc) {
		rc = cc_ydoc_parse(b.data ? b.data : "", b.len, rel, root,
				   err);
		if (rc) {
			rc = CC_ECORRUPT;
			if (err)
				err->code = rc;
		} else if ((*root)->type != CC_Y_MAP) {
			rc = cc_err_set(err, CC_ECORRUPT, "%s: not a map", rel);
			cc_ynode_free(*root);
			*root = NULL;
		}
	}
	cc_buf_release(&b);
	return rc;
}

static int write_yaml(struct cc_repo *repo, const char *rel,
		      struct cc_ynode *root, struct cc_err *err)
{
	struct cc_buf b = CC_BUF_INIT;
	int rc;

	rc = cc_ydoc_emit(root, &b, err);
	if (!rc)
		rc = cc_repo_write(repo, rel, b.data, b.len, 0600, err);
	cc_buf_release(&b);
	return rc;
}

/* read_yaml for synced data: a missing file is CC_OK with *root NULL. */
static int read_synced(struct cc_repo *repo, const char *rel,
		       struct cc_ynode **root, struct cc_err *err)
{
	int rc = read_yaml(repo, rel, root, err);

	if (rc == CC_ENOENT) {
		cc_err_clear(err);
		rc = CC_OK;
	}
	return rc;
}

/* Put list (taken) at key of root, write root to rel and free it. */
static int write_list(struct cc_repo *repo, const char *rel,
		      struct cc_ynode *root, const char *key,
		      struct cc_ynode *list, struct cc_err *err)
{
	int rc;

	if (cc_ymap_set(root, key, list))
		rc = nomem(err);
	else
		rc = write_yaml(repo, rel, root, err);
	cc_ynode_free(root);
	return rc;
}

/* A new map with id and name (NULL: "") added to seq; NULL: no memory. */
static struct cc_ynode *add_item(struct cc_ynode *seq, long id,
				 const char *name)
{
	struct cc_ynode *m = cc_ynode_map();

	if (!m || cc_yseq_add(seq, m) || cc_ymap_setll(m, "id", id) ||
	    cc_ymap_sets(m, "name", name ? name : ""))
		return NULL;
	return m;
}

/* The id and name of a synced item. */
static int get_id_name(const struct cc_ynode *m, long *id, char **name,
		       const char *file, struct cc_err *err)
{
	int rc = get_long(m, "id", id, file, err);

	if (!rc && dup_str(name, m, "name"))
		rc = nomem(err);
	return rc;
}

/* Load one item of a synced list from the map m. */
typedef int (*load_fn)(const struct cc_ynode *m, void *item, void *ctx,
		       struct cc_err *err);

/*
 * The maps in seq (NULL: none) loaded in turn into a new array *v of *n
 * items of elem bytes; other entries are skipped. The caller releases
 * the array on failure.
 */
static int load_list(const struct cc_ynode *seq, void **v, size_t *n,
		     size_t elem, load_fn load, void *ctx, struct cc_err *err)
{
	size_t i;
	int rc;

	if (seq && seq->n && !(*v = calloc(seq->n, elem)))
		return nomem(err);
	for (i = 0; seq && i < seq->n; i++) {
		if (seq->items[i]->type != CC_Y_MAP)
			continue;
		rc = load(seq->items[i], (char *)*v + (*n)++ * elem, ctx, err);
		if (rc)
			return rc;
	}
	return CC_OK;
}

/* The sequence at key, or NULL. */
static const struct cc_ynode *get_seq(const struct cc_ynode *m,
				      const char *key)
{
	const struct cc_ynode *s = cc_ymap_get(m, key);

	return s && s->type == CC_Y_SEQ ? s : NULL;
}

static int strv_from_seq(const struct cc_ynode *s, char ***v, size_t *n)
{
	size_t i;

	*v = NULL;
	*n = 0;
	if (!s || !s->n)
		return 0;
	*v = calloc(s->n, sizeof(char *));
	if (!*v)
		return -1;
	for (i = 0; i < s->n; i++) {
		if (s->items[i]->type != CC_Y_SCALAR)
			continue;
		if (!((*v)[*n] = strdup(s->items[i]->scalar)))
			return -1;
		(*n)++;
	}
	return 0;
}

static struct cc_ynode *seq_of(char *const *v, size_t n)
{
	struct cc_ynode *s = cc_ynode_seq();
	size_t i;

	for (i = 0; s && i < n; i++) {
		if (cc_yseq_add(s, cc_ynode_str(v[i]))) {
			cc_ynode_free(s);
			return NULL;
		}
	}
	return s;
}

/* ---- account ---- */

void cc_scm_account_release(struct cc_scm_account *a)
{
	if (!a)
		return;
	free(a->url);
	free(a->login);
	free(a->customer_uri);
	free(a->ca_bundle);
	free(a->password_env);
	memset(a, 0, sizeof(*a));
}

int cc_scm_account_load(struct cc_repo *repo, struct cc_scm_account *out,
			struct cc_err *err)
{
	struct cc_ynode *root;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = read_yaml(repo, CC_SCM_ACCOUNT, &root, err);
	if (rc == CC_ENOENT)
		return cc_err_set(err, CC_ENOENT, "no Sectigo account (run "
				  "'certctl sectigo account set')");
	if (rc)
		return rc;
	if (dup_str(&out->url, root, "url") ||
	    dup_str(&out->login, root, "login") ||
	    dup_str(&out->customer_uri, root, "customer-uri") ||
	    dup_str(&out->ca_bundle, root, "ca-bundle") ||
	    dup_str(&out->password_env, root, "password-env")) {
		rc = nomem(err);
		goto out;
	}
	out->password_stored = get_bool(root, "password-stored", 0) == 1;
	out->created = get_time(root, "created");
	out->updated = get_time(root, "updated");
	if (!out->login || !out->customer_uri)
		rc = cc_err_set(err, CC_ECORRUPT, "%s: login or customer-uri "
				"missing", CC_SCM_ACCOUNT);
out:
	if (rc)
		cc_scm_account_release(out);
	cc_ynode_free(root);
	return rc;
}

int cc_scm_account_save(struct cc_repo *repo, struct cc_scm_account *a,
			const char *password, struct cc_err *err)
{
	struct cc_scm_account old;
	struct cc_ynode *root = NULL;
	time_t now = time(NULL);
	int rc;

	if (!password && (!a->password_env || !*a->password_env))
		return cc_err_set(err, CC_EINVAL, "no password and no "
				  "password variable");
	if ((rc = cc_repo_lock(repo, err)))
		return rc;
	memset(&old, 0, sizeof(old));
	if (cc_scm_account_load(repo, &old, NULL) == CC_OK && old.created)
		a->created = old.created;
	cc_scm_account_release(&old);
	if (!a->created)
		a->created = now;
	a->updated = now;
	a->password_stored = password != NULL;
	root = cc_ynode_map();
	if (!root ||
	    cc_ymap_sets(root, "url", a->url) ||
	    cc_ymap_sets(root, "login", a->login) ||
	    cc_ymap_sets(root, "customer-uri", a->customer_uri) ||
	    cc_ymap_sets(root, "ca-bundle", a->ca_bundle) ||
	    (password ? cc_ymap_sets(root, "password-stored", "true") :
			cc_ymap_sets(root, "password-env", a->password_env)) ||
	    set_time(root, "created", a->created) ||
	    set_time(root, "updated", a->updated)) {
		rc = nomem(err);
		goto out;
	}
	if (password)
		rc = cc_repo_write(repo, CC_SCM_PASSWORD, password,
				   strlen(password), 0600, err);
	else
		rc = cc_repo_remove(repo, CC_SCM_PASSWORD, err);
	if (!rc)
		rc = write_yaml(repo, CC_SCM_ACCOUNT, root, err);
out:
	cc_ynode_free(root);
	cc_repo_unlock(repo);
	return rc;
}

int cc_scm_password_read(struct cc_repo *repo, struct cc_buf *out,
			 struct cc_err *err)
{
	int rc;

	out->secret = 1;
	rc = cc_repo_read(repo, CC_SCM_PASSWORD, out, err);
	if (rc == CC_ENOENT)
		return cc_err_set(err, CC_ENOENT, "the Sectigo password is not "
				  "stored (run 'certctl sectigo account set')");
	if (rc)
		return rc;
	while (out->len && (out->data[out->len - 1] == '\n' ||
			    out->data[out->len - 1] == '\r'))
		out->data[--out->len] = '\0';
	if (!out->len)
		return cc_err_set(err, CC_ECORRUPT, "%s is empty",
				  CC_SCM_PASSWORD);
	return CC_OK;
}

/* ---- organizations ---- */

void cc_scm_orgs_release(struct cc_scm_orgs *o)
{
	if (!o)
		return;
	cc_sectigo_orgs_release(&o->list);
	memset(o, 0, sizeof(*o));
}

int cc_scm_orgs_save(struct cc_repo *repo, const struct cc_scm_orgs *o,
		     struct cc_err *err)
{
	struct cc_ynode *root = cc_ynode_map(), *seq = cc_ynode_seq();
	struct cc_ynode *m, *ds;
	size_t i, j;

	if (!root || !seq || set_time(root, "synced", o->synced))
		goto oom;
	for (i = 0; i < o->list.n; i++) {
		const struct cc_sectigo_org *g = &o->list.v[i];

		if (!(m = add_item(seq, g->id, g->name)) ||
		    set_bool(m, "ssl-api-enabled", g->ssl_api_enabled) ||
		    cc_ymap_set(m, "cert-types", seq_of(g->cert_types,
							 g->ncert_types)))
			goto oom;
		if (!(ds = cc_ynode_seq()) || cc_ymap_set(m, "departments", ds))
			goto oom;
		for (j = 0; j < g->ndepts; j++)
			if (!add_item(ds, g->depts[j].id, g->depts[j].name))
				goto oom;
	}
	return write_list(repo, CC_SCM_ORGS, root, "organizations", seq, err);
oom:
	cc_ynode_free(seq);
	cc_ynode_free(root);
	return nomem(err);
}

/* ctx: the organization's name. */
static int load_dept(const struct cc_ynode *m, void *item, void *ctx,
		     struct cc_err *err)
{
	struct cc_sectigo_dept *d = item;
	const char *org = ctx;
	int rc;

	if ((rc = get_id_name(m, &d->id, &d->name, CC_SCM_ORGS, err)))
		return rc;
	if (!(d->parent_name = cc_strdup0(org ? org : "")))
		return nomem(err);
	return CC_OK;
}

static int load_org(const struct cc_ynode *m, void *item, void *ctx,
		    struct cc_err *err)
{
	struct cc_sectigo_org *g = item;
	int rc;

	(void)ctx;
	if ((rc = get_id_name(m, &g->id, &g->name, CC_SCM_ORGS, err)))
		return rc;
	if (strv_from_seq(get_seq(m, "cert-types"), &g->cert_types,
			  &g->ncert_types))
		return nomem(err);
	g->ssl_api_enabled = get_bool(m, "ssl-api-enabled", -1);
	return load_list(get_seq(m, "departments"), (void **)&g->depts,
			 &g->ndepts, sizeof(*g->depts), load_dept, g->name,
			 err);
}

int cc_scm_orgs_load(struct cc_repo *repo, struct cc_scm_orgs *out,
		     struct cc_err *err)
{
	struct cc_ynode *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_synced(repo, CC_SCM_ORGS, &root, err)) || !root)
		return rc;
	out->synced = get_time(root, "synced");
	rc = load_list(get_seq(root, "organizations"), (void **)&out->list.v,
		       &out->list.n, sizeof(*out->list.v), load_org, NULL, err);
	if (rc)
		cc_scm_orgs_release(out);
	cc_ynode_free(root);
	return rc;
}

/* ---- domains ---- */

void cc_scm_domains_release(struct cc_scm_domains *d)
{
	if (!d)
		return;
	cc_sectigo_domains_release(&d->list);
	memset(d, 0, sizeof(*d));
}

int cc_scm_domains_save(struct cc_repo *repo, const struct cc_scm_domains *d,
			struct cc_err *err)
{
	struct cc_ynode *root = cc_ynode_map(), *seq = cc_ynode_seq(), *m;
	char t[32];
	size_t i;

	if (!root || !seq || set_time(root, "synced", d->synced))
		goto oom;
	for (i = 0; i < d->list.n; i++) {
		const struct cc_sectigo_domain *x = &d->list.v[i];

		if (!(m = add_item(seq, x->id, x->name)) ||
		    cc_ymap_sets(m, "validation-status",
				 x->validation_status) ||
		    set_bool(m, "validated", x->validated) ||
		    cc_ymap_sets(m, "delegation-status",
				 x->delegation_status) ||
		    cc_ymap_sets(m, "state", x->state) ||
		    cc_ymap_sets(m, "validation-method",
				 x->validation_method))
			goto oom;
		if (x->dcv_expires) {
			cc_time_format(x->dcv_expires, t, sizeof(t));
			if (cc_ymap_sets(m, "dcv-expires", t))
				goto oom;
		}
	}
	return write_list(repo, CC_SCM_DOMAINS, root, "domains", seq, err);
oom:
	cc_ynode_free(seq);
	cc_ynode_free(root);
	return nomem(err);
}

static int load_domain(const struct cc_ynode *m, void *item, void *ctx,
		       struct cc_err *err)
{
	struct cc_sectigo_domain *x = item;
	int rc;

	(void)ctx;
	if ((rc = get_id_name(m, &x->id, &x->name, CC_SCM_DOMAINS, err)))
		return rc;
	if (dup_str(&x->validation_status, m, "validation-status") ||
	    dup_str(&x->delegation_status, m, "delegation-status") ||
	    dup_str(&x->state, m, "state") ||
	    dup_str(&x->validation_method, m, "validation-method"))
		return nomem(err);
	x->validated = get_bool(m, "validated", -1);
	x->dcv_expires = get_time(m, "dcv-expires");
	return CC_OK;
}

int cc_scm_domains_load(struct cc_repo *repo, struct cc_scm_domains *out,
			struct cc_err *err)
{
	struct cc_ynode *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_synced(repo, CC_SCM_DOMAINS, &root, err)) || !root)
		return rc;
	out->synced = get_time(root, "synced");
	rc = load_list(get_seq(root, "domains"), (void **)&out->list.v,
		       &out->list.n, sizeof(*out->list.v), load_domain, NULL,
		       err);
	out->list.total = out->list.n;
	if (rc)
		cc_scm_domains_release(out);
	cc_ynode_free(root);
	return rc;
}

/* ---- profiles ---- */

int cc_scm_idlist_has(const struct cc_scm_idlist *l, long id)
{
	size_t i;

	for (i = 0; l && i < l->n; i++)
		if (l->v[i] == id)
			return 1;
	return 0;
}

int cc_scm_idlist_add(struct cc_scm_idlist *l, long id)
{
	long *v;

	l->known = 1;
	if (cc_scm_idlist_has(l, id))
		return CC_OK;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return CC_ENOMEM;
	l->v = v;
	l->v[l->n++] = id;
	return CC_OK;
}

void cc_scm_profiles_release(struct cc_scm_profiles *p)
{
	size_t i;

	if (!p)
		return;
	if (p->orgs)
		for (i = 0; i < p->list.n; i++)
			free(p->orgs[i].v);
	free(p->orgs);
	cc_sectigo_profiles_release(&p->list);
	cc_sectigo_custom_fields_release(&p->fields);
	memset(p, 0, sizeof(*p));
}

int cc_scm_profiles_save(struct cc_repo *repo,
			 const struct cc_scm_profiles *p, struct cc_err *err)
{
	struct cc_ynode *root = cc_ynode_map(), *seq = cc_ynode_seq();
	struct cc_ynode *fs = NULL, *m, *s, *kt;
	size_t i, j;

	if (!root || !seq || set_time(root, "synced", p->synced))
		goto oom;
	for (i = 0; i < p->list.n; i++) {
		const struct cc_sectigo_profile *x = &p->list.v[i];

		if (!(m = add_item(seq, x->id, x->name)) ||
		    cc_ymap_sets(m, "description", x->description))
			goto oom;
		if (!(s = cc_ynode_seq()) || cc_ymap_set(m, "terms", s))
			goto oom;
		for (j = 0; j < x->nterms; j++)
			if (cc_yseq_add(s, cc_ynode_strf("%d", x->terms[j])))
				goto oom;
		if (!(kt = cc_ynode_map()) || cc_ymap_set(m, "key-types", kt))
			goto oom;
		for (j = 0; j < x->nkey_types; j++)
			if (cc_ymap_set(kt, x->key_types[j].alg,
					seq_of(x->key_types[j].params,
					       x->key_types[j].nparams)))
				goto oom;
		if (set_bool(m, "use-secondary-org-name",
			     x->use_secondary_org_name))
			goto oom;
		if (p->orgs && p->orgs[i].known) {
			if (!(s = cc_ynode_seq()) || cc_ymap_set(m, "orgs", s))
				goto oom;
			for (j = 0; j < p->orgs[i].n; j++)
				if (cc_yseq_add(s, cc_ynode_strf(
						"%ld", p->orgs[i].v[j])))
					goto oom;
		}
	}
	if (cc_ymap_set(root, "profiles", seq)) {
		seq = NULL;
		goto oom;
	}
	seq = NULL;
	if (!(fs = cc_ynode_seq()))
		goto oom;
	for (i = 0; i < p->fields.n; i++) {
		const struct cc_sectigo_custom_field *f = &p->fields.v[i];

		if (!(m = add_item(fs, f->id, f->name)) ||
		    set_bool(m, "mandatory", f->mandatory != 0))
			goto oom;
	}
	return write_list(repo, CC_SCM_PROFILES, root, "custom-fields", fs,
			  err);
oom:
	cc_ynode_free(fs);
	cc_ynode_free(seq);
	cc_ynode_free(root);
	return nomem(err);
}

/* ctx: the cc_scm_profiles whose list.v holds item. */
static int load_profile(const struct cc_ynode *m, void *item, void *ctx,
			struct cc_err *err)
{
	struct cc_scm_profiles *p = ctx;
	struct cc_sectigo_profile *x = item;
	struct cc_scm_idlist *orgs = &p->orgs[x - p->list.v];
	const struct cc_ynode *s, *kt;
	long v;
	size_t j;
	char *end;
	int rc;

	if ((rc = get_id_name(m, &x->id, &x->name, CC_SCM_PROFILES, err)))
		return rc;
	if (dup_str(&x->description, m, "description"))
		return nomem(err);
	x->use_secondary_org_name = get_bool(m, "use-secondary-org-name", 0);
	s = get_seq(m, "terms");
	if (s && s->n) {
		if (!(x->terms = calloc(s->n, sizeof(int))))
			return nomem(err);
		for (j = 0; j < s->n; j++) {
			if (s->items[j]->type != CC_Y_SCALAR)
				continue;
			v = strtol(s->items[j]->scalar, &end, 10);
			if (*end || v <= 0 || v > 100000)
				continue;
			x->terms[x->nterms++] = (int)v;
		}
	}
	kt = cc_ymap_get(m, "key-types");
	if (kt && kt->type == CC_Y_MAP && kt->n) {
		x->key_types = calloc(kt->n, sizeof(*x->key_types));
		if (!x->key_types)
			return nomem(err);
		for (j = 0; j < kt->n; j++) {
			struct cc_sectigo_key_type *k =
				&x->key_types[x->nkey_types++];

			if (!(k->alg = strdup(kt->keys[j])) ||
			    strv_from_seq(kt->items[j]->type == CC_Y_SEQ ?
						  kt->items[j] : NULL,
					  &k->params, &k->nparams))
				return nomem(err);
		}
	}
	s = get_seq(m, "orgs");
	if (s || cc_ymap_get(m, "orgs"))
		orgs->known = 1;
	for (j = 0; s && j < s->n; j++) {
		if (s->items[j]->type != CC_Y_SCALAR)
			continue;
		v = strtol(s->items[j]->scalar, &end, 10);
		if (*end)
			continue;
		if (cc_scm_idlist_add(orgs, v))
			return nomem(err);
	}
	return CC_OK;
}

static int load_field(const struct cc_ynode *m, void *item, void *ctx,
		      struct cc_err *err)
{
	struct cc_sectigo_custom_field *f = item;
	int rc;

	(void)ctx;
	if ((rc = get_id_name(m, &f->id, &f->name, CC_SCM_PROFILES, err)))
		return rc;
	f->mandatory = get_bool(m, "mandatory", 0) == 1;
	return CC_OK;
}

int cc_scm_profiles_load(struct cc_repo *repo, struct cc_scm_profiles *out,
			 struct cc_err *err)
{
	struct cc_ynode *root;
	const struct cc_ynode *seq;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_synced(repo, CC_SCM_PROFILES, &root, err)) || !root)
		return rc;
	out->synced = get_time(root, "synced");
	seq = get_seq(root, "profiles");
	if (seq && seq->n && !(out->orgs = calloc(seq->n, sizeof(*out->orgs))))
		rc = nomem(err);
	if (!rc)
		rc = load_list(seq, (void **)&out->list.v, &out->list.n,
			       sizeof(*out->list.v), load_profile, out, err);
	if (!rc)
		rc = load_list(get_seq(root, "custom-fields"),
			       (void **)&out->fields.v, &out->fields.n,
			       sizeof(*out->fields.v), load_field, NULL, err);
	if (rc)
		cc_scm_profiles_release(out);
	cc_ynode_free(root);
	return rc;
}

/* ---- lookups ---- */

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int cc_scm_find_org(const struct cc_sectigo_orgs *l, const char *key,
		    const struct cc_sectigo_org **org,
		    const struct cc_sectigo_dept **dept)
{
	const char *slash = strchr(key, '/');
	size_t i, j, plen = slash ? (size_t)(slash - key) : 0;
	long id = all_digits(key) ? strtol(key, NULL, 10) : -1;
	int found = 0;

	*org = NULL;
	*dept = NULL;
	for (i = 0; i < l->n; i++) {
		const struct cc_sectigo_org *g = &l->v[i];
		const char *gn = g->name ? g->name : "";

		if (id >= 0 ? g->id == id :
		    !slash && !strcasecmp(gn, key)) {
			if (found++)
				return -1;
			*org = g;
			*dept = NULL;
		}
		for (j = 0; j < g->ndepts; j++) {
			const char *dn = g->depts[j].name ? g->depts[j].name :
				"";
			int hit;

			if (id >= 0)
				hit = g->depts[j].id == id;
			else if (slash)
				hit = strlen(gn) == plen &&
				      !strncasecmp(gn, key, plen) &&
				      !strcasecmp(dn, slash + 1);
			else
				hit = !strcasecmp(dn, key);
			if (hit) {
				if (found++)
					return -1;
				*org = g;
				*dept = &g->depts[j];
			}
		}
	}
	return found ? 1 : 0;
}

int cc_scm_find_profile(const struct cc_sectigo_profiles *l, const char *key)
{
	long id = all_digits(key) ? strtol(key, NULL, 10) : -1;
	int found = -1;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (id >= 0 ? l->v[i].id == id :
		    l->v[i].name && !strcasecmp(l->v[i].name, key)) {
			if (found >= 0)
				return -2;
			found = (int)i;
		}
	}
	return found;
}

const struct cc_sectigo_domain *
cc_scm_domain_for(const struct cc_sectigo_domains *l, const char *name)
{
	const struct cc_sectigo_domain *best = NULL;
	size_t i, n, dl, bestlen = 0;

	if (!strncmp(name, "*.", 2))
		name += 2;
	n = strlen(name);
	for (i = 0; i < l->n; i++) {
		const char *d = l->v[i].name;

		if (!d || !*d)
			continue;
		if (!strncmp(d, "*.", 2))
			d += 2;
		dl = strlen(d);
		if (dl > n || dl <= bestlen)
			continue;
		if (strcasecmp(name + n - dl, d))
			continue;
		if (dl < n && name[n - dl - 1] != '.')
			continue;
		best = &l->v[i];
		bestlen = dl;
	}
	return best;
}

/* ---- order map ---- */

int cc_scm_ordermap_load(struct cc_repo *repo, struct cc_strmap *out,
			 struct cc_err *err)
{
	struct cc_ynode *root;
	const struct cc_ynode *m;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_synced(repo, CC_SCM_ORDERS, &root, err)) || !root)
		return rc;
	m = cc_ymap_get(root, "orders");
	for (i = 0; m && m->type == CC_Y_MAP && i < m->n; i++) {
		if (m->items[i]->type != CC_Y_SCALAR)
			continue;
		if (cc_strmap_set(out, m->keys[i], m->items[i]->scalar)) {
			rc = nomem(err);
			cc_strmap_release(out);
			break;
		}
	}
	cc_ynode_free(root);
	return rc;
}

struct kv {
	const char *k, *v;
};

static int cmp_key(const void *a, const void *b)
{
	const char *x = ((const struct kv *)a)->k, *y = ((const struct kv *)b)->k;
	size_t lx = strlen(x), ly = strlen(y);

	/* decimal ids: shorter is smaller, then by digits */
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x, y);
}

/* Written sorted by id, so equal maps give equal files. */
int cc_scm_ordermap_save(struct cc_repo *repo, const struct cc_strmap *m,
			 struct cc_err *err)
{
	struct cc_ynode *root = cc_ynode_map(), *o = cc_ynode_map();
	struct kv *keys = calloc(m->n + 1, sizeof(*keys));
	size_t i;

	if (!root || !o || !keys)
		goto oom;
	for (i = 0; i < m->n; i++) {
		keys[i].k = m->keys[i];
		keys[i].v = m->vals[i];
	}
	qsort(keys, m->n, sizeof(*keys), cmp_key);
	for (i = 0; i < m->n; i++)
		if (cc_ymap_sets(o, keys[i].k, keys[i].v))
			goto oom;
	free(keys);
	return write_list(repo, CC_SCM_ORDERS, root, "orders", o, err);
oom:
	free(keys);
	cc_ynode_free(o);
	cc_ynode_free(root);
	return nomem(err);
}
