/*
 * certctl sectigo sync, orgs, domains, profiles: fetch the account's
 * organizations, domains and profiles, keep them in the repository and
 * list them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sectigo_cli.h"
#include "util.h"
#include "x509.h"

void scm_synced_release(struct scm_synced *d)
{
	cc_scm_orgs_release(&d->orgs);
	cc_scm_domains_release(&d->domains);
	cc_scm_profiles_release(&d->profiles);
}

/* ---- fetching ---- */

static int fetch_orgs(struct scm_session *s, struct cc_scm_orgs *out,
		      struct cc_err *err)
{
	struct cc_sectigo_org d;
	char **tmp;
	size_t i, n;
	int rc;

	cc_scm_orgs_release(out);
	if ((rc = cc_sectigo_list_orgs(s->scm, &out->list, err)))
		return cc_err_prefix(err, "organizations");
	for (i = 0; i < out->list.n; i++) {
		struct cc_sectigo_org *g = &out->list.v[i];

		rc = cc_sectigo_get_org(s->scm, g->id, &d, err);
		if (rc == CC_ENOENT) {
			cc_err_clear(err);
			continue;
		}
		if (rc)
			return cc_err_prefix(err, "organization %ld", g->id);
		g->ssl_api_enabled = d.ssl_api_enabled;
		tmp = g->cert_types;
		n = g->ncert_types;
		g->cert_types = d.cert_types;
		g->ncert_types = d.ncert_types;
		d.cert_types = tmp;
		d.ncert_types = n;
		cc_sectigo_org_release(&d);
	}
	out->synced = time(NULL);
	return CC_OK;
}

static void swap_str(char **a, char **b)
{
	char *t = *a;

	*a = *b;
	*b = t;
}

static int fetch_domains(struct scm_session *s, struct cc_scm_domains *out,
			 struct cc_err *err)
{
	struct cc_sectigo_domain d;
	size_t i;
	int rc;

	cc_scm_domains_release(out);
	if ((rc = cc_sectigo_list_domains(s->scm, &out->list, err)))
		return cc_err_prefix(err, "domains");
	for (i = 0; i < out->list.n; i++) {
		struct cc_sectigo_domain *x = &out->list.v[i];

		rc = cc_sectigo_get_domain(s->scm, x->id, &d, err);
		if (rc == CC_ENOENT) {
			cc_err_clear(err);
			continue;
		}
		if (rc)
			return cc_err_prefix(err, "domain '%s'",
					     x->name ? x->name : "?");
		swap_str(&x->validation_status, &d.validation_status);
		swap_str(&x->delegation_status, &d.delegation_status);
		swap_str(&x->state, &d.state);
		swap_str(&x->validation_method, &d.validation_method);
		x->validated = d.validated;
		x->dcv_expires = d.dcv_expires;
		cc_sectigo_domain_release(&d);
	}
	out->synced = time(NULL);
	return CC_OK;
}

static int has_ssl(const struct cc_sectigo_org *g)
{
	size_t i;

	if (!g->ncert_types)
		return 1;	/* unknown */
	for (i = 0; i < g->ncert_types; i++)
		if (!strcmp(g->cert_types[i], "SSL"))
			return 1;
	return 0;
}

static int fetch_profiles(struct scm_session *s,
			  const struct cc_scm_orgs *orgs,
			  struct cc_scm_profiles *out, struct cc_err *err)
{
	struct cc_sectigo_orgs own = { NULL, 0 };
	const struct cc_sectigo_orgs *ol = orgs && orgs->synced ?
					   &orgs->list : &own;
	struct cc_sectigo_profiles per;
	size_t i, j;
	int rc, k, any = 0;

	cc_scm_profiles_release(out);
	if ((rc = cc_sectigo_list_profiles(s->scm, 0, &out->list, err)))
		return cc_err_prefix(err, "profiles");
	if ((rc = cc_sectigo_list_custom_fields(s->scm, &out->fields, err)))
		return cc_err_prefix(err, "custom fields");
	if (out->list.n) {
		out->orgs = calloc(out->list.n, sizeof(*out->orgs));
		if (!out->orgs)
			return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	if (ol == &own && (rc = cc_sectigo_list_orgs(s->scm, &own, err)))
		return cc_err_prefix(err, "organizations");
	/* which profiles each organization offers */
	for (i = 0; i < ol->n; i++) {
		const struct cc_sectigo_org *g = &ol->v[i];

		if (g->ssl_api_enabled == 0 || !has_ssl(g))
			continue;
		rc = cc_sectigo_list_profiles(s->scm, g->id, &per, err);
		if (rc == CC_EINVAL || rc == CC_EAUTH || rc == CC_ENOENT) {
			cc_err_clear(err);
			continue;	/* not usable for SSL */
		}
		if (rc) {
			cc_sectigo_orgs_release(&own);
			return cc_err_prefix(err, "profiles of organization "
					     "%ld", g->id);
		}
		any = 1;
		for (j = 0; j < per.n; j++) {
			k = -1;
			for (size_t x = 0; x < out->list.n; x++)
				if (out->list.v[x].id == per.v[j].id)
					k = (int)x;
			if (k >= 0 && cc_scm_idlist_add(&out->orgs[k], g->id)) {
				cc_sectigo_profiles_release(&per);
				cc_sectigo_orgs_release(&own);
				return cc_err_set(err, CC_ENOMEM,
						  "out of memory");
			}
		}
		cc_sectigo_profiles_release(&per);
	}
	for (i = 0; any && i < out->list.n; i++)
		out->orgs[i].known = 1;
	cc_sectigo_orgs_release(&own);
	out->synced = time(NULL);
	return CC_OK;
}

static const char *part_name(unsigned part)
{
	return part == SCM_SYNC_ORGS ? "organizations" :
	       part == SCM_SYNC_DOMAINS ? "domains" : "profiles";
}

/* Fetch and save one part into d. */
static int sync_part(struct scm_session *s, unsigned part,
		     struct scm_synced *d, struct cc_err *err)
{
	int rc;

	switch (part) {
	case SCM_SYNC_ORGS:
		rc = fetch_orgs(s, &d->orgs, err);
		if (!rc)
			rc = cc_scm_orgs_save(s->repo, &d->orgs, err);
		break;
	case SCM_SYNC_DOMAINS:
		rc = fetch_domains(s, &d->domains, err);
		if (!rc)
			rc = cc_scm_domains_save(s->repo, &d->domains, err);
		break;
	default:
		if (!d->orgs.synced)
			cc_scm_orgs_load(s->repo, &d->orgs, NULL);
		rc = fetch_profiles(s, &d->orgs, &d->profiles, err);
		if (!rc)
			rc = cc_scm_profiles_save(s->repo, &d->profiles, err);
		break;
	}
	return rc;
}

static time_t part_synced(const struct scm_synced *d, unsigned part)
{
	return part == SCM_SYNC_ORGS ? d->orgs.synced :
	       part == SCM_SYNC_DOMAINS ? d->domains.synced :
	       d->profiles.synced;
}

static int load_part(struct cc_repo *repo, unsigned part,
		     struct scm_synced *d, struct cc_err *err)
{
	if (part == SCM_SYNC_ORGS)
		return cc_scm_orgs_load(repo, &d->orgs, err);
	if (part == SCM_SYNC_DOMAINS)
		return cc_scm_domains_load(repo, &d->domains, err);
	return cc_scm_profiles_load(repo, &d->profiles, err);
}

int scm_synced_get(struct cli *cl, struct scm_session *s, unsigned what,
		   struct scm_synced *out)
{
	static const unsigned parts[] = { SCM_SYNC_ORGS, SCM_SYNC_DOMAINS,
					  SCM_SYNC_PROFILES };
	struct cc_err err = CC_ERR_INIT;
	long long max_age = cc_config_duration(cl->cfg,
					       "sectigo.sync-max-age",
					       SCM_SYNC_MAX_AGE);
	time_t now = time(NULL), t;
	char when[32], age[32];
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s->repo && (rc = cli_repo(cl, &s->repo)))
		return rc;
	for (i = 0; i < 3; i++) {
		if (!(what & parts[i]))
			continue;
		if (load_part(s->repo, parts[i], out, &err)) {
			rc = out_fail(&err);
			goto fail;
		}
	}
	for (i = 0; i < 3; i++) {
		if (!(what & parts[i]))
			continue;
		t = part_synced(out, parts[i]);
		if (t && now - t <= max_age && t <= now + 300)
			continue;
		if ((rc = scm_open(cl, s)))
			goto fail;
		if (t) {
			cc_duration_format(now - t, age, sizeof(age));
			out_info("refreshing the Sectigo %s (synced %s ago)",
				 part_name(parts[i]), age);
		} else {
			out_info("fetching the Sectigo %s",
				 part_name(parts[i]));
		}
		rc = sync_part(s, parts[i], out, &err);
		if (rc && t && err.code != CC_ENOMEM) {
			cc_time_format(t, when, sizeof(when));
			out_warn("cannot refresh the Sectigo %s: %s; using the "
				 "copy synced at %s", part_name(parts[i]),
				 err.msg, when);
			cc_err_clear(&err);
			if (load_part(s->repo, parts[i], out, &err)) {
				rc = out_fail(&err);
				goto fail;
			}
			continue;
		}
		if (rc) {
			rc = out_fail(&err);
			goto fail;
		}
	}
	return 0;
fail:
	scm_synced_release(out);
	return rc;
}

/* ---- sync ---- */

int scm_cmd_sync(int argc, char **argv, struct cli *cl)
{
	struct opt opts[] = {
		SCM_OPT_JSON,
		OPT_END
	};
	struct cmd_usage u = {
		"certctl sectigo sync [orgs | domains | profiles]... [--json]",
		"Fetch the organizations (with departments), domains (with "
		"validation status) and profiles (terms, key types, custom "
		"fields) and keep them in the repository.", opts };
	static const unsigned parts[] = { SCM_SYNC_ORGS, SCM_SYNC_DOMAINS,
					  SCM_SYNC_PROFILES };
	struct cc_strlist pos = CC_STRLIST_INIT;
	struct scm_session s;
	struct scm_synced d;
	struct cc_err err = CC_ERR_INIT;
	unsigned what = 0;
	size_t i, ndept = 0, nval = 0;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	rc = opt_parse(argc, argv, &u, &pos, 0, NULL);
	if (rc) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	for (i = 0; i < pos.n; i++) {
		if (!strcmp(pos.v[i], "orgs") ||
		    !strcmp(pos.v[i], "organizations"))
			what |= SCM_SYNC_ORGS;
		else if (!strcmp(pos.v[i], "domains"))
			what |= SCM_SYNC_DOMAINS;
		else if (!strcmp(pos.v[i], "profiles"))
			what |= SCM_SYNC_PROFILES;
		else {
			out_error("unknown sync part '%s' (use orgs, domains "
				  "or profiles)", pos.v[i]);
			rc = 2;
			goto out;
		}
	}
	if (!what)
		what = SCM_SYNC_ALL;
	if ((rc = scm_open(cl, &s)))
		goto out;
	for (i = 0; i < 3; i++) {
		if (!(what & parts[i]))
			continue;
		if (sync_part(&s, parts[i], &d, &err)) {
			cc_err_prefix(&err, "sync");
			rc = out_fail(&err);
			goto out;
		}
	}
	for (i = 0; i < d.orgs.list.n; i++)
		ndept += d.orgs.list.v[i].ndepts;
	for (i = 0; i < d.domains.list.n; i++)
		nval += d.domains.list.v[i].validated == 1;
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		scm_json_time(o, "synced", time(NULL));
		if (what & SCM_SYNC_ORGS) {
			cJSON_AddNumberToObject(o, "organizations",
						(double)d.orgs.list.n);
			cJSON_AddNumberToObject(o, "departments",
						(double)ndept);
		}
		if (what & SCM_SYNC_DOMAINS) {
			cJSON_AddNumberToObject(o, "domains",
						(double)d.domains.list.n);
			cJSON_AddNumberToObject(o, "validated_domains",
						(double)nval);
		}
		if (what & SCM_SYNC_PROFILES) {
			cJSON_AddNumberToObject(o, "profiles",
						(double)d.profiles.list.n);
			cJSON_AddNumberToObject(o, "custom_fields",
						(double)d.profiles.fields.n);
		}
		out_print_json(o);
	} else if (!out_quiet) {
		printf("synced");
		if (what & SCM_SYNC_ORGS)
			printf(" %zu organizations (%zu departments)%s",
			       d.orgs.list.n, ndept,
			       what & ~(unsigned)SCM_SYNC_ORGS ? "," : "");
		if (what & SCM_SYNC_DOMAINS)
			printf(" %zu domains (%zu validated)%s",
			       d.domains.list.n, nval,
			       what & SCM_SYNC_PROFILES ? "," : "");
		if (what & SCM_SYNC_PROFILES)
			printf(" %zu profiles (%zu custom fields)",
			       d.profiles.list.n, d.profiles.fields.n);
		printf("\n");
	}
	rc = 0;
out:
	scm_synced_release(&d);
	scm_close(&s);
	cc_strlist_release(&pos);
	return rc;
}

/* ---- listings ---- */

static int list_prepare(int argc, char **argv, struct cmd_usage *u,
			struct cli *cl, unsigned what, struct scm_synced *d)
{
	struct scm_session s;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(d, 0, sizeof(*d));
	rc = opt_parse(argc, argv, u, NULL, 0, NULL);
	if (rc)
		return rc == 1 ? -1 : rc;
	rc = scm_synced_get(cl, &s, what, d);
	scm_close(&s);
	return rc;
}

static const char *yes_no(int v)
{
	return v > 0 ? "yes" : v == 0 ? "no" : "?";
}

int scm_cmd_orgs(int argc, char **argv, struct cli *cl)
{
	struct opt opts[] = {
		SCM_OPT_JSON,
		OPT_END
	};
	struct cmd_usage u = { "certctl sectigo orgs [--json]",
		"List the synced organizations and their departments.", opts };
	struct scm_synced d;
	size_t i, j, k;
	int rc;

	rc = list_prepare(argc, argv, &u, cl, SCM_SYNC_ORGS, &d);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (out_json) {
		cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();

		cJSON_AddNumberToObject(o, "format", 1);
		scm_json_time(o, "synced", d.orgs.synced);
		for (i = 0; i < d.orgs.list.n; i++) {
			const struct cc_sectigo_org *g = &d.orgs.list.v[i];
			cJSON *e = cJSON_CreateObject(),
			      *ct = cJSON_CreateArray(),
			      *ds = cJSON_CreateArray();

			cJSON_AddNumberToObject(e, "id", (double)g->id);
			scm_json_str(e, "name", g->name);
			if (g->ssl_api_enabled < 0)
				cJSON_AddNullToObject(e, "ssl_api_enabled");
			else
				cJSON_AddBoolToObject(e, "ssl_api_enabled",
						      g->ssl_api_enabled);
			for (k = 0; k < g->ncert_types; k++)
				cJSON_AddItemToArray(ct, cJSON_CreateString(
						g->cert_types[k]));
			cJSON_AddItemToObject(e, "cert_types", ct);
			for (j = 0; j < g->ndepts; j++) {
				cJSON *x = cJSON_CreateObject();

				cJSON_AddNumberToObject(x, "id",
							(double)g->depts[j].id);
				scm_json_str(x, "name", g->depts[j].name);
				cJSON_AddItemToArray(ds, x);
			}
			cJSON_AddItemToObject(e, "departments", ds);
			cJSON_AddItemToArray(a, e);
		}
		cJSON_AddItemToObject(o, "organizations", a);
		out_print_json(o);
	} else {
		printf("%-8s %-36s %-7s %s\n", "ID", "NAME", "SSL API",
		       "CERT TYPES");
		for (i = 0; i < d.orgs.list.n; i++) {
			const struct cc_sectigo_org *g = &d.orgs.list.v[i];

			printf("%-8ld %-36s %-7s", g->id, g->name ? g->name :
			       "", yes_no(g->ssl_api_enabled));
			for (k = 0; k < g->ncert_types; k++)
				printf("%s%s", k ? "," : " ",
				       g->cert_types[k]);
			printf("%s\n", g->ncert_types ? "" : " -");
			for (j = 0; j < g->ndepts; j++)
				printf("%-8ld   %s (department of %s)\n",
				       g->depts[j].id, g->depts[j].name ?
				       g->depts[j].name : "", g->name ?
				       g->name : "");
		}
	}
	scm_synced_release(&d);
	return 0;
}

int scm_cmd_domains(int argc, char **argv, struct cli *cl)
{
	struct opt opts[] = {
		SCM_OPT_JSON,
		OPT_END
	};
	struct cmd_usage u = { "certctl sectigo domains [--json]",
		"List the synced domains with their validation status.",
		opts };
	struct scm_synced d;
	char t[32];
	size_t i;
	int rc;

	rc = list_prepare(argc, argv, &u, cl, SCM_SYNC_DOMAINS, &d);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (out_json) {
		cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();

		cJSON_AddNumberToObject(o, "format", 1);
		scm_json_time(o, "synced", d.domains.synced);
		for (i = 0; i < d.domains.list.n; i++) {
			const struct cc_sectigo_domain *x =
				&d.domains.list.v[i];
			cJSON *e = cJSON_CreateObject();

			cJSON_AddNumberToObject(e, "id", (double)x->id);
			scm_json_str(e, "name", x->name);
			scm_json_str(e, "validation_status",
				     x->validation_status);
			if (x->validated < 0)
				cJSON_AddNullToObject(e, "validated");
			else
				cJSON_AddBoolToObject(e, "validated",
						      x->validated);
			scm_json_str(e, "state", x->state);
			scm_json_str(e, "validation_method",
				     x->validation_method);
			scm_json_time(e, "dcv_expires", x->dcv_expires);
			cJSON_AddItemToArray(a, e);
		}
		cJSON_AddItemToObject(o, "domains", a);
		out_print_json(o);
	} else {
		printf("%-8s %-40s %-10s %-16s %s\n", "ID", "NAME", "VALIDATED",
		       "STATUS", "DCV EXPIRES");
		for (i = 0; i < d.domains.list.n; i++) {
			const struct cc_sectigo_domain *x =
				&d.domains.list.v[i];

			if (x->dcv_expires)
				cc_time_format(x->dcv_expires, t, sizeof(t));
			else
				snprintf(t, sizeof(t), "-");
			printf("%-8ld %-40s %-10s %-16s %.10s\n", x->id,
			       x->name ? x->name : "", yes_no(x->validated),
			       x->validation_status ? x->validation_status :
			       "-", t);
		}
	}
	scm_synced_release(&d);
	return 0;
}

int scm_cmd_profiles(int argc, char **argv, struct cli *cl)
{
	struct opt opts[] = {
		SCM_OPT_JSON,
		OPT_END
	};
	struct cmd_usage u = { "certctl sectigo profiles [--json]",
		"List the synced certificate profiles (terms, key types, "
		"organizations) and custom fields.", opts };
	struct scm_synced d;
	const struct cc_scm_profiles *p;
	struct cc_buf line = CC_BUF_INIT;
	size_t i, j, k;
	int rc;

	rc = list_prepare(argc, argv, &u, cl, SCM_SYNC_PROFILES, &d);
	if (rc)
		return rc < 0 ? 0 : rc;
	p = &d.profiles;
	if (out_json) {
		cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray(),
		      *f = cJSON_CreateArray();

		cJSON_AddNumberToObject(o, "format", 1);
		scm_json_time(o, "synced", p->synced);
		for (i = 0; i < p->list.n; i++) {
			const struct cc_sectigo_profile *x = &p->list.v[i];
			cJSON *e = cJSON_CreateObject(),
			      *t = cJSON_CreateArray(),
			      *kt = cJSON_CreateObject();

			cJSON_AddNumberToObject(e, "id", (double)x->id);
			scm_json_str(e, "name", x->name);
			scm_json_str(e, "description", x->description);
			for (j = 0; j < x->nterms; j++)
				cJSON_AddItemToArray(t, cJSON_CreateNumber(
						x->terms[j]));
			cJSON_AddItemToObject(e, "terms", t);
			for (j = 0; j < x->nkey_types; j++) {
				cJSON *ps = cJSON_CreateArray();

				for (k = 0; k < x->key_types[j].nparams; k++)
					cJSON_AddItemToArray(ps,
						cJSON_CreateString(
						x->key_types[j].params[k]));
				cJSON_AddItemToObject(kt, x->key_types[j].alg,
						      ps);
			}
			cJSON_AddItemToObject(e, "key_types", kt);
			if (p->orgs && p->orgs[i].known) {
				cJSON *og = cJSON_CreateArray();

				for (j = 0; j < p->orgs[i].n; j++)
					cJSON_AddItemToArray(og,
						cJSON_CreateNumber(
						(double)p->orgs[i].v[j]));
				cJSON_AddItemToObject(e, "orgs", og);
			} else {
				cJSON_AddNullToObject(e, "orgs");
			}
			cJSON_AddItemToArray(a, e);
		}
		cJSON_AddItemToObject(o, "profiles", a);
		for (i = 0; i < p->fields.n; i++) {
			cJSON *e = cJSON_CreateObject();

			cJSON_AddNumberToObject(e, "id",
						(double)p->fields.v[i].id);
			scm_json_str(e, "name", p->fields.v[i].name);
			cJSON_AddBoolToObject(e, "mandatory",
					      p->fields.v[i].mandatory);
			cJSON_AddItemToArray(f, e);
		}
		cJSON_AddItemToObject(o, "custom_fields", f);
		out_print_json(o);
	} else {
		printf("%-6s %-24s %-14s %-36s %s\n", "ID", "NAME",
		       "TERMS (DAYS)", "KEY TYPES", "ORGS");
		for (i = 0; i < p->list.n; i++) {
			const struct cc_sectigo_profile *x = &p->list.v[i];

			cc_buf_reset(&line);
			for (j = 0; j < x->nterms; j++)
				cc_buf_addf(&line, "%s%d", j ? "," : "",
					    x->terms[j]);
			printf("%-6ld %-24s %-14s ", x->id, x->name ? x->name :
			       "", line.data ? line.data : "-");
			cc_buf_reset(&line);
			for (j = 0; j < x->nkey_types; j++) {
				cc_buf_addf(&line, "%s%s:", j ? " " : "",
					    x->key_types[j].alg);
				for (k = 0; k < x->key_types[j].nparams; k++)
					cc_buf_addf(&line, "%s%s", k ? "," : "",
						    x->key_types[j].params[k]);
			}
			printf("%-36s ", line.data ? line.data : "-");
			if (p->orgs && p->orgs[i].known) {
				for (j = 0; j < p->orgs[i].n; j++)
					printf("%s%ld", j ? "," : "",
					       p->orgs[i].v[j]);
				printf("%s\n", p->orgs[i].n ? "" : "none");
			} else {
				printf("?\n");
			}
		}
		if (p->fields.n) {
			printf("\ncustom fields:");
			for (i = 0; i < p->fields.n; i++)
				printf("%s %s%s", i ? "," : "",
				       p->fields.v[i].name,
				       p->fields.v[i].mandatory ?
				       " (mandatory)" : "");
			printf("\n");
		}
	}
	cc_buf_release(&line);
	scm_synced_release(&d);
	return 0;
}
