/*
 * certctl sectigo import: bring every existing SCM order into the
 * repository as a certificate with source sectigo. Orders are recognised
 * by their sslId (sectigo/orders.yaml, checked against each certificate's
 * metadata), so running it again changes nothing that did not change in
 * SCM.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sectigo_cli.h"
#include "util.h"

struct import_stats {
	size_t orders, imported, updated, unchanged, collected, failed;
};

/* "0A:1B:..." and "a1b..." compare equal: hex digits, no leading zeros. */
static void serial_norm(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; in && *in && n + 1 < size; in++) {
		if (!isxdigit((unsigned char)*in))
			continue;
		if (!n && *in == '0')
			continue;
		out[n++] = (char)tolower((unsigned char)*in);
	}
	out[n] = '\0';
}

static int same_serial(const char *a, const char *b)
{
	char x[128], y[128];

	serial_norm(a, x, sizeof(x));
	serial_norm(b, y, sizeof(y));
	return x[0] && !strcmp(x, y);
}

/* Is id one of the comma-separated ids in s? */
static int id_in_list(const char *s, long id)
{
	char *end;

	while (s && *s) {
		if (strtol(s, &end, 10) == id && (*end == ',' || !*end))
			return 1;
		s = strchr(s, ',');
		if (s)
			s++;
	}
	return 0;
}

/* Set m[key] = val, noting a change. */
static int set_if(struct cc_strmap *m, const char *key, const char *val,
		  int *changed)
{
	const char *old = cc_strmap_get(m, key);

	if (!val || (old && !strcmp(old, val)))
		return 0;
	*changed = 1;
	return cc_strmap_set(m, key, val);
}

static int set_id_if(struct cc_strmap *m, const char *key, long v,
		     int *changed)
{
	char buf[32];

	if (v <= 0)
		return 0;
	snprintf(buf, sizeof(buf), "%ld", v);
	return set_if(m, key, buf, changed);
}

/* The CA references and SCM status of order o into m. */
static int order_refs(struct cc_cert_meta *m, const struct cc_sectigo_order *o,
		      const char *url, int *changed)
{
	return set_id_if(&m->ca, "ssl-id", o->id, changed) ||
	       set_if(&m->ca, "order-number", o->backend_cert_id, changed) ||
	       set_id_if(&m->ca, "org-id", o->org_id, changed) ||
	       set_id_if(&m->ca, "profile-id", o->profile_id, changed) ||
	       set_id_if(&m->ca, "term", o->term, changed) ||
	       set_if(&m->ca, "url", url, changed) ||
	       set_if(&m->extra, "sectigo-status", o->status, changed);
}

static int unique_name(struct cc_repo *repo, const char *prefix,
		       const struct cc_sectigo_order *o,
		       const struct cc_strlist *used, char *out, size_t size)
{
	const char *cn = o->common_name && *o->common_name ? o->common_name :
			 o->nsans ? o->sans[0] : NULL;
	char base[CC_NAME_MAX + 1], tmp[CC_NAME_MAX + 1];
	int n;

	tmp[0] = '\0';
	if (cn)
		cc_name_from_cn(cn, tmp, sizeof(tmp));
	if (!tmp[0] || cc_name_check(tmp, NULL))
		snprintf(tmp, sizeof(tmp), "sectigo-%ld", o->id);
	if ((size_t)snprintf(base, sizeof(base), "%s%s", prefix, tmp) >=
	    sizeof(base) - 8 || cc_name_check(base, NULL))
		snprintf(base, sizeof(base), "%ssectigo-%ld", prefix, o->id);
	snprintf(out, size, "%s", base);
	for (n = 2; cc_repo_cert_exists(repo, out) ||
		    cc_strlist_has(used, out); n++) {
		if (n > 100000)
			return -1;
		snprintf(out, size, "%s-%d", base, n);
	}
	return 0;
}

/* An order that belongs to certificate m. */
static int import_existing(struct scm_session *s, struct cc_cert_meta *m,
			   const struct cc_sectigo_order *o,
			   struct import_stats *st, struct cc_err *err)
{
	const struct cc_version *cur = cc_cert_meta_current(m);
	long ssl_id = scm_ca_id(m, "ssl-id"), pend = scm_pending_id(m);
	int changed = 0, stored = 0, rc;

	if (o->id == pend && cc_strmap_get(&m->extra, "sectigo-pending")) {
		/* our own pending order: collect it with its key */
		if (o->state != CC_SECTIGO_ISSUED) {
			st->unchanged++;
			return CC_OK;
		}
		rc = scm_store_issued(s, m, o, NULL, &stored, err);
		if (rc == CC_EPENDING) {
			cc_err_clear(err);
			st->unchanged++;
			return CC_OK;
		}
		if (rc)
			return rc;
		st->updated++;
		st->collected += stored;
		out_debug("collected '%s' (order %ld)", m->name, o->id);
		return CC_OK;
	}
	if (o->id != ssl_id) {
		/* an earlier order of a renewed certificate */
		st->unchanged++;
		return CC_OK;
	}
	if (order_refs(m, o, s->url, &changed))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	if (o->state == CC_SECTIGO_ISSUED &&
	    (!cur || (o->serial && !same_serial(cur->serial, o->serial)))) {
		/* issued (again, after a reissue): a new version */
		rc = scm_store_issued(s, m, o, "imported", &stored, err);
		if (rc != CC_EPENDING) {
			if (rc)
				return rc;
			st->updated++;
			st->collected += stored;
			out_debug("updated '%s' (order %ld)", m->name, o->id);
			return CC_OK;
		}
		cc_err_clear(err);
	}
	if (strcmp(m->status ? m->status : "", scm_local_status(o->state))) {
		changed = 1;
		if (cc_str_set(&m->status, scm_local_status(o->state)))
			return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	if (!changed) {
		st->unchanged++;
		return CC_OK;
	}
	if ((rc = cc_repo_meta_save(s->repo, m, err)))
		return rc;
	st->updated++;
	out_debug("updated '%s' (order %ld, %s)", m->name, o->id, m->status);
	return CC_OK;
}

static int import_new(struct scm_session *s, const char *prefix,
		      const struct cc_sectigo_order *o,
		      struct cc_strlist *used, struct cc_strmap *map,
		      int *map_dirty, struct import_stats *st,
		      struct cc_err *err)
{
	struct cc_cert_meta m;
	char name[CC_NAME_MAX + 1], key[32];
	int changed = 0, stored = 0, rc;

	memset(&m, 0, sizeof(m));
	if (unique_name(s->repo, prefix, o, used, name, sizeof(name)))
		return cc_err_set(err, CC_EEXIST, "no free name for order "
				  "%ld", o->id);
	if (cc_str_set(&m.name, name) || cc_str_set(&m.source, "sectigo") ||
	    cc_str_set(&m.status, scm_local_status(o->state)) ||
	    order_refs(&m, o, s->url, &changed) ||
	    cc_strlist_add(used, name)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	rc = CC_EPENDING;
	if (o->state == CC_SECTIGO_ISSUED) {
		rc = scm_store_issued(s, &m, o, "imported", &stored, err);
		if (rc && rc != CC_EPENDING)
			goto out;
	}
	if (rc == CC_EPENDING) {
		cc_err_clear(err);
		if ((rc = cc_repo_meta_save(s->repo, &m, err)))
			goto out;
	}
	snprintf(key, sizeof(key), "%ld", o->id);
	if (cc_strmap_set(map, key, name)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	*map_dirty = 1;
	st->imported++;
	st->collected += stored;
	out_debug("imported order %ld as '%s' (%s)", o->id, name, m.status);
out:
	cc_cert_meta_release(&m);
	return rc;
}

/* The certificate that order id belongs to, per the map and its meta. */
static int find_cert(struct cc_repo *repo, const struct cc_strmap *map,
		     long id, struct cc_cert_meta *m)
{
	const char *name;
	char key[32];

	memset(m, 0, sizeof(*m));
	snprintf(key, sizeof(key), "%ld", id);
	name = cc_strmap_get(map, key);
	if (!name || cc_name_check(name, NULL) ||
	    !cc_repo_cert_exists(repo, name) ||
	    cc_repo_cert_load(repo, name, m, NULL))
		return 0;
	if (m->source && !strcmp(m->source, "sectigo") &&
	    (scm_ca_id(m, "ssl-id") == id ||
	     scm_ca_id(m, "pending-ssl-id") == id ||
	     id_in_list(cc_strmap_get(&m->ca, "previous-ssl-ids"), id)))
		return 1;
	cc_cert_meta_release(m);
	return 0;
}

static int map_add_ids(struct cc_strmap *map, const char *list,
		       const char *name, int *dirty)
{
	char key[32];
	char *end;
	long id;

	while (list && *list) {
		id = strtol(list, &end, 10);
		if (id > 0 && (*end == ',' || !*end)) {
			snprintf(key, sizeof(key), "%ld", id);
			if (!cc_strmap_get(map, key)) {
				if (cc_strmap_set(map, key, name))
					return -1;
				*dirty = 1;
			}
		}
		list = strchr(list, ',');
		if (list)
			list++;
	}
	return 0;
}

/*
 * Without sectigo/orders.yaml (lost, or a repository from elsewhere), find
 * the orders in the certificates' metadata.
 */
static int map_rebuild(struct cc_repo *repo, struct cc_strmap *map,
		       int *dirty, struct cc_err *err)
{
	struct cc_index idx = CC_INDEX_INIT;
	struct cc_cert_meta m;
	size_t i;
	int rc;

	if ((rc = cc_repo_index_load(repo, &idx, err)))
		return rc;
	for (i = 0; i < idx.n && !rc; i++) {
		if (strcmp(idx.v[i].source, "sectigo") ||
		    cc_repo_cert_load(repo, idx.v[i].name, &m, NULL))
			continue;
		if (map_add_ids(map, cc_strmap_get(&m.ca, "ssl-id"), m.name,
				dirty) ||
		    map_add_ids(map, cc_strmap_get(&m.ca, "pending-ssl-id"),
				m.name, dirty) ||
		    map_add_ids(map, cc_strmap_get(&m.ca, "previous-ssl-ids"),
				m.name, dirty))
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		cc_cert_meta_release(&m);
	}
	cc_index_release(&idx);
	return rc;
}

int scm_cmd_import(int argc, char **argv, struct cli *cl)
{
	const char *status = NULL, *prefix = NULL;
	struct opt opts[] = {
		{ OPT_STR, 0, "status", &status, "STATUS",
		  "only orders with this SCM status (Issued, Applied...)" },
		{ OPT_STR, 0, "prefix", &prefix, "PREFIX",
		  "put PREFIX before the names of new certificates" },
		SCM_OPT_JSON,
		OPT_END
	};
	struct cmd_usage u = {
		"certctl sectigo import [--status STATUS] [--prefix PREFIX] "
		"[--json]",
		"Import every existing SCM order as a certificate (source "
		"sectigo), collecting the issued ones.", opts };
	struct cc_sectigo_order_filter f;
	struct cc_sectigo_orders list;
	struct cc_sectigo_order o;
	struct cc_strmap map = CC_STRMAP_INIT;
	struct cc_strlist used = CC_STRLIST_INIT;
	struct import_stats st;
	struct scm_session s;
	struct cc_cert_meta m;
	struct cc_err err = CC_ERR_INIT;
	char probe[CC_NAME_MAX + 8];
	int rc, map_dirty = 0;
	size_t i;

	memset(&s, 0, sizeof(s));
	memset(&st, 0, sizeof(st));
	memset(&f, 0, sizeof(f));
	memset(&list, 0, sizeof(list));
	rc = opt_parse(argc, argv, &u, NULL, 0, NULL);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (!prefix)
		prefix = "";
	snprintf(probe, sizeof(probe), "%sx", prefix);
	if (strlen(prefix) > 100 || cc_name_check(probe, NULL)) {
		out_error("'%s' cannot start a certificate name (letters, "
			  "digits, '.', '_' and '-')", prefix);
		return 2;
	}
	if ((rc = scm_open(cl, &s)))
		goto out;
	if (cc_scm_ordermap_load(s.repo, &map, &err) ||
	    (!map.n && map_rebuild(s.repo, &map, &map_dirty, &err))) {
		rc = out_fail(&err);
		goto out;
	}
	f.status = status;
	if (cc_sectigo_list_orders(s.scm, &f, &list, &err)) {
		cc_err_prefix(&err, "listing the SCM orders");
		rc = out_fail(&err);
		goto out;
	}
	st.orders = list.n;
	out_info("%zu SCM orders", list.n);
	for (i = 0; i < list.n; i++) {
		int have;

		rc = cc_sectigo_get_order(s.scm, list.v[i].id, &o, &err);
		if (!rc) {
			have = find_cert(s.repo, &map, o.id, &m);
			if (have)
				rc = import_existing(&s, &m, &o, &st, &err);
			else
				rc = import_new(&s, prefix, &o, &used, &map,
						&map_dirty, &st, &err);
			if (have)
				cc_cert_meta_release(&m);
		}
		if (rc) {
			cc_err_prefix(&err, "order %ld", list.v[i].id);
			out_fail(&err);
			cc_err_clear(&err);
			st.failed++;
			if (rc == CC_EAUTH || rc == CC_ENET ||
			    rc == CC_ELOCKED) {
				cc_sectigo_order_release(&o);
				break;
			}
		}
		cc_sectigo_order_release(&o);
	}
	if (map_dirty && cc_scm_ordermap_save(s.repo, &map, &err)) {
		out_fail(&err);
		st.failed++;
	}
	if (out_json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "orders", (double)st.orders);
		cJSON_AddNumberToObject(j, "imported", (double)st.imported);
		cJSON_AddNumberToObject(j, "updated", (double)st.updated);
		cJSON_AddNumberToObject(j, "unchanged", (double)st.unchanged);
		cJSON_AddNumberToObject(j, "collected", (double)st.collected);
		cJSON_AddNumberToObject(j, "failed", (double)st.failed);
		out_print_json(j);
	} else if (!out_quiet) {
		printf("imported %zu, updated %zu, unchanged %zu, collected "
		       "%zu%s", st.imported, st.updated, st.unchanged,
		       st.collected, st.failed ? "" : "\n");
		if (st.failed)
			printf(", failed %zu\n", st.failed);
	}
	rc = st.failed ? 1 : 0;
out:
	cc_sectigo_orders_release(&list);
	cc_strmap_release(&map);
	cc_strlist_release(&used);
	scm_close(&s);
	return rc;
}
