#include "acct.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fsutil.h"
#include "key.h"
#include "util.h"
#include "x509.h"
#include "ydoc.h"

int cc_acme_server_url(const char *s, const char **out, struct cc_err *err)
{
	if (!s || !*s || !strcmp(s, "letsencrypt")) {
		*out = CC_ACME_LETSENCRYPT;
		return CC_OK;
	}
	if (!strcmp(s, "letsencrypt-staging")) {
		*out = CC_ACME_LETSENCRYPT_STAGING;
		return CC_OK;
	}
	if (!strncmp(s, "https://", 8) && s[8]) {
		*out = s;
		return CC_OK;
	}
	return cc_err_set(err, CC_EUSAGE,
			  "unknown ACME server '%s' (use letsencrypt, "
			  "letsencrypt-staging or an https:// directory URL)",
			  s);
}

void cc_acct_server_id(const char *url, char *out, size_t size)
{
	size_t o = 0;
	const char *p = url;

	if (!strncmp(p, "https://", 8))
		p += 8;
	for (; *p && o + 1 < size; p++) {
		char c = *p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-')
			out[o++] = c;
		else if (o && out[o - 1] != '_')
			out[o++] = '_';
	}
	while (o && out[o - 1] == '_')
		o--;
	if (!o)
		out[o++] = 'x';
	out[o] = '\0';
}

void cc_acct_release(struct cc_acct *a)
{
	size_t i;

	if (!a)
		return;
	free(a->name);
	free(a->server);
	free(a->url);
	for (i = 0; i < a->ncontact; i++)
		free(a->contact[i]);
	free(a->contact);
	free(a->status);
	free(a->key_type);
	free(a->eab_kid);
	free(a->tos);
	EVP_PKEY_free(a->key);
	memset(a, 0, sizeof(*a));
}

static int rel_path(char *buf, size_t size, const char *server,
		    const char *name, const char *file)
{
	char sid[200];

	cc_acct_server_id(server, sid, sizeof(sid));
	if (name)
		snprintf(buf, size, "accounts/%s/%s%s%s", sid, name,
			 file ? "/" : "", file ? file : "");
	else
		snprintf(buf, size, "accounts/%s%s%s", sid, file ? "/" : "",
			 file ? file : "");
	return 0;
}

static int read_default(struct cc_repo *repo, const char *server, char *out,
			size_t size)
{
	struct cc_buf b = CC_BUF_INIT;
	char rel[512];
	size_t n;

	rel_path(rel, sizeof(rel), server, NULL, ".default");
	if (cc_repo_read(repo, rel, &b, NULL) || !b.len) {
		cc_buf_release(&b);
		return -1;
	}
	n = strcspn(b.data, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(out, b.data, n);
	out[n] = '\0';
	cc_buf_release(&b);
	return cc_name_check(out, NULL) ? -1 : 0;
}

static time_t time_of(const struct cc_ynode *m, const char *key)
{
	const char *s = cc_ymap_gets(m, key);
	time_t t = 0;

	if (s && cc_time_parse(s, &t))
		t = 0;
	return t;
}

static int parse_account(const char *text, size_t len, const char *file,
			 struct cc_acct *a, struct cc_err *err)
{
	struct cc_ynode *root = NULL, *c;
	size_t i;
	int rc;

	rc = cc_ydoc_parse(text, len, file, &root, err);
	if (rc) {
		if (err)
			err->code = CC_ECORRUPT;
		return CC_ECORRUPT;
	}
	rc = CC_ENOMEM;
	if (cc_str_set(&a->server, cc_ymap_gets(root, "server")) ||
	    cc_str_set(&a->url, cc_ymap_gets(root, "url")) ||
	    cc_str_set(&a->status, cc_ymap_gets(root, "status")) ||
	    cc_str_set(&a->key_type, cc_ymap_gets(root, "key-type")) ||
	    cc_str_set(&a->eab_kid, cc_ymap_gets(root, "eab-kid")) ||
	    cc_str_set(&a->tos, cc_ymap_gets(root, "terms-of-service")))
		goto out;
	a->created = time_of(root, "created");
	a->updated = time_of(root, "updated");
	c = cc_ymap_get(root, "contact");
	if (c && c->type == CC_Y_SEQ && c->n) {
		a->contact = calloc(c->n, sizeof(char *));
		if (!a->contact)
			goto out;
		for (i = 0; i < c->n; i++) {
			if (c->items[i]->type != CC_Y_SCALAR)
				continue;
			a->contact[a->ncontact] = strdup(c->items[i]->scalar);
			if (!a->contact[a->ncontact])
				goto out;
			a->ncontact++;
		}
	}
	if (!a->server || !a->url) {
		rc = cc_err_set(err, CC_ECORRUPT,
				"'%s': server or url missing", file);
		goto out;
	}
	rc = CC_OK;
out:
	if (rc == CC_ENOMEM)
		cc_err_set(err, rc, "out of memory");
	cc_ynode_free(root);
	return rc;
}

int cc_acct_load(struct cc_repo *repo, const char *server, const char *name,
		 struct cc_acct *out, struct cc_err *err)
{
	struct cc_buf y = CC_BUF_INIT, k = CC_BUF_SECRET_INIT;
	char def[CC_NAME_MAX + 1], rel[512];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!name) {
		if (read_default(repo, server, def, sizeof(def)))
			return cc_err_set(err, CC_ENOENT,
					  "no ACME account for '%s' (run "
					  "'certctl acme account register')",
					  server);
		name = def;
		out->is_default = 1;
	} else {
		if ((rc = cc_name_check(name, err)))
			return rc;
		out->is_default = read_default(repo, server, def,
					       sizeof(def)) == 0 &&
				  !strcmp(def, name);
	}
	rel_path(rel, sizeof(rel), server, name, "account.yaml");
	rc = cc_repo_read(repo, rel, &y, err);
	if (rc == CC_ENOENT)
		rc = cc_err_set(err, CC_ENOENT,
				"no ACME account '%s' for '%s'", name, server);
	if (rc)
		goto out;
	if ((rc = parse_account(y.data, y.len, rel, out, err)))
		goto out;
	if (!(out->name = strdup(name))) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	rel_path(rel, sizeof(rel), server, name, "key.pem");
	if ((rc = cc_repo_read(repo, rel, &k, err)) ||
	    (rc = cc_key_load(k.data, k.len, NULL, &out->key, err))) {
		cc_err_prefix(err, "account '%s'", name);
		goto out;
	}
out:
	if (rc)
		cc_acct_release(out);
	cc_buf_release(&y);
	cc_buf_release(&k);
	return rc;
}

static int set_time(struct cc_ynode *m, const char *key, time_t t)
{
	char buf[32];

	if (!t)
		return CC_OK;
	cc_time_format(t, buf, sizeof(buf));
	return cc_ymap_sets(m, key, buf);
}

int cc_acct_save(struct cc_repo *repo, struct cc_acct *a, int make_default,
		 struct cc_err *err)
{
	struct cc_ynode *root = cc_ynode_map(), *c = cc_ynode_seq();
	struct cc_buf y = CC_BUF_INIT, k = CC_BUF_SECRET_INIT;
	char rel[512], def[CC_NAME_MAX + 1];
	size_t i;
	int rc = CC_ENOMEM;

	if (!root || !c)
		goto nomem;
	if ((rc = cc_name_check(a->name, err)))
		goto out;
	for (i = 0; i < a->ncontact; i++)
		if (cc_yseq_add(c, cc_ynode_str(a->contact[i])))
			goto nomem;
	if (cc_ymap_sets(root, "server", a->server) ||
	    cc_ymap_sets(root, "url", a->url) ||
	    cc_ymap_set(root, "contact", c) ||
	    cc_ymap_sets(root, "status", a->status) ||
	    cc_ymap_sets(root, "key-type", a->key_type) ||
	    cc_ymap_sets(root, "eab-kid", a->eab_kid) ||
	    cc_ymap_sets(root, "terms-of-service", a->tos) ||
	    set_time(root, "created", a->created) ||
	    set_time(root, "updated", a->updated)) {
		c = NULL;
		goto nomem;
	}
	c = NULL;
	if ((rc = cc_ydoc_emit(root, &y, err)))
		goto out;
	if ((rc = cc_repo_lock(repo, err)))
		goto out;
	if (a->key) {
		rel_path(rel, sizeof(rel), a->server, a->name, "key.pem");
		if ((rc = cc_key_to_pem(a->key, &k, err)) ||
		    (rc = cc_repo_write(repo, rel, k.data, k.len, 0600, err)))
			goto unlock;
	}
	rel_path(rel, sizeof(rel), a->server, a->name, "account.yaml");
	if ((rc = cc_repo_write(repo, rel, y.data, y.len, 0600, err)))
		goto unlock;
	if (make_default || read_default(repo, a->server, def, sizeof(def))) {
		rel_path(rel, sizeof(rel), a->server, NULL, ".default");
		rc = cc_repo_write(repo, rel, a->name, strlen(a->name), 0600,
				   err);
		if (rc == CC_OK)
			a->is_default = 1;
	}
unlock:
	cc_repo_unlock(repo);
	goto out;
nomem:
	rc = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cc_ynode_free(c);
	cc_ynode_free(root);
	cc_buf_release(&y);
	cc_buf_release(&k);
	return rc;
}

static int cmp_acct(const void *x, const void *y)
{
	const struct cc_acct *a = x, *b = y;
	int c = strcmp(a->server, b->server);

	return c ? c : strcmp(a->name, b->name);
}

void cc_acct_list_free(struct cc_acct *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		cc_acct_release(&v[i]);
	free(v);
}

int cc_acct_list(struct cc_repo *repo, struct cc_acct **out, size_t *n,
		 struct cc_err *err)
{
	char base[4096], sdir[4096], rel[1024], def[CC_NAME_MAX + 1];
	struct cc_acct *v = NULL, *nv;
	size_t cnt = 0;
	DIR *d = NULL, *sd = NULL;
	struct dirent *de, *ae;
	struct cc_buf y = CC_BUF_INIT;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = cc_repo_path(repo, "accounts", base, sizeof(base), err)))
		return rc;
	d = opendir(base);
	if (!d)
		return CC_OK;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sdir, sizeof(sdir), "%s/%s", base, de->d_name);
		sd = opendir(sdir);
		if (!sd)
			continue;
		while ((ae = readdir(sd))) {
			struct cc_acct a;

			if (ae->d_name[0] == '.' ||
			    cc_name_check(ae->d_name, NULL))
				continue;
			snprintf(rel, sizeof(rel), "accounts/%s/%s/account.yaml",
				 de->d_name, ae->d_name);
			cc_buf_reset(&y);
			if (cc_repo_read(repo, rel, &y, NULL))
				continue;
			memset(&a, 0, sizeof(a));
			if (parse_account(y.data, y.len, rel, &a, NULL) ||
			    !(a.name = strdup(ae->d_name))) {
				cc_acct_release(&a);
				continue;
			}
			a.is_default = read_default(repo, a.server, def,
						    sizeof(def)) == 0 &&
				       !strcmp(def, a.name);
			nv = realloc(v, (cnt + 1) * sizeof(*v));
			if (!nv) {
				cc_acct_release(&a);
				rc = cc_err_set(err, CC_ENOMEM, "out of memory");
				goto out;
			}
			v = nv;
			v[cnt++] = a;
		}
		closedir(sd);
		sd = NULL;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_acct);
	*out = v;
	*n = cnt;
	v = NULL;
	cnt = 0;
	rc = CC_OK;
out:
	if (sd)
		closedir(sd);
	closedir(d);
	cc_acct_list_free(v, cnt);
	cc_buf_release(&y);
	return rc;
}

int cc_acct_delete(struct cc_repo *repo, const char *server,
		   const char *name, struct cc_err *err)
{
	struct cc_acct *v = NULL;
	char rel[512], path[4096], def[CC_NAME_MAX + 1];
	size_t n = 0, i;
	int rc;

	if ((rc = cc_name_check(name, err)))
		return rc;
	if ((rc = cc_repo_lock(repo, err)))
		return rc;
	rel_path(rel, sizeof(rel), server, name, NULL);
	if ((rc = cc_repo_path(repo, rel, path, sizeof(path), err)))
		goto out;
	if (!cc_exists(path)) {
		rc = cc_err_set(err, CC_ENOENT, "no ACME account '%s' for '%s'",
				name, server);
		goto out;
	}
	if ((rc = cc_remove_tree(path, err)))
		goto out;
	if (read_default(repo, server, def, sizeof(def)) == 0 &&
	    !strcmp(def, name)) {
		rel_path(rel, sizeof(rel), server, NULL, ".default");
		cc_repo_remove(repo, rel, NULL);
		if (cc_acct_list(repo, &v, &n, NULL) == CC_OK) {
			for (i = 0; i < n; i++) {
				if (strcmp(v[i].server, server))
					continue;
				cc_repo_write(repo, rel, v[i].name,
					      strlen(v[i].name), 0600, NULL);
				break;
			}
		}
	}
out:
	cc_acct_list_free(v, n);
	cc_repo_unlock(repo);
	return rc;
}
