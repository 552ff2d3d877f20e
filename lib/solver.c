/*
 * Challenge items, records, the solver interface, the manual solvers, the
 * DNS provider registry and the provider-backed dns-01 solver.
 */
#define _GNU_SOURCE
#include "solver.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "b64.h"
#include "solver_int.h"

#define TOKEN_MAX 512

/* ------------------------------------------------------------------ */
/* Items */

int cc_chal_token_valid(const char *token)
{
	size_t i;

	if (!token || !*token)
		return 0;
	for (i = 0; token[i]; i++) {
		char c = token[i];

		if (i >= TOKEN_MAX)
			return 0;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

static int identifier_valid(const char *id)
{
	size_t i;

	if (!id[0] || id[0] == '.' || strlen(id) > 253)
		return 0;
	for (i = 0; id[i]; i++) {
		char c = id[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.' || c == ':'))
			return 0;
		if (c == '.' && id[i + 1] == '.')
			return 0;
	}
	return 1;
}

static int is_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static int txt_value(const char *ka, char **out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct cc_buf b = CC_BUF_INIT;

	if (EVP_Digest(ka, strlen(ka), md, &mdlen, EVP_sha256(), NULL) != 1)
		return CC_ECRYPTO;
	if (cc_b64url_encode(md, mdlen, &b))
		return CC_ENOMEM;
	*out = cc_buf_detach(&b, NULL);
	return *out ? CC_OK : CC_ENOMEM;
}

int cc_chal_item_init(struct cc_chal_item *it, const char *identifier,
		      int wildcard, const char *type, const char *token,
		      const char *key_authorization, struct cc_err *err)
{
	struct cc_buf b = CC_BUF_INIT;
	size_t tl, il;
	int rc = CC_OK, dns;

	memset(it, 0, sizeof(*it));
	if (identifier && strncmp(identifier, "*.", 2) == 0) {
		identifier += 2;
		wildcard = 1;
	}
	if (!identifier || !identifier_valid(identifier))
		return cc_err_set(err, CC_EINVAL,
				  "invalid challenge identifier '%s'",
				  identifier ? identifier : "");
	if (!type || (strcmp(type, "http-01") && strcmp(type, "dns-01")))
		return cc_err_set(err, CC_EINVAL,
				  "unsupported challenge type '%s' for %s",
				  type ? type : "", identifier);
	dns = strcmp(type, "dns-01") == 0;
	if (!cc_chal_token_valid(token))
		return cc_err_set(err, CC_EINVAL,
				  "invalid challenge token for %s", identifier);
	tl = strlen(token);
	if (!key_authorization || strncmp(key_authorization, token, tl) ||
	    key_authorization[tl] != '.' || !key_authorization[tl + 1] ||
	    strchr(key_authorization, '\n') || strchr(key_authorization, ' '))
		return cc_err_set(err, CC_EINVAL,
				  "invalid key authorization for %s",
				  identifier);
	if (dns && is_ip(identifier))
		return cc_err_set(err, CC_EINVAL,
				  "dns-01 cannot validate the IP address %s",
				  identifier);
	if (!dns && wildcard)
		return cc_err_set(err, CC_EINVAL,
				  "http-01 cannot validate the wildcard *.%s",
				  identifier);
	it->wildcard = wildcard ? 1 : 0;
	it->identifier = strdup(identifier);
	it->type = strdup(type);
	it->token = strdup(token);
	it->key_authorization = strdup(key_authorization);
	if (!it->identifier || !it->type || !it->token ||
	    !it->key_authorization)
		goto nomem;
	if (dns) {
		il = strlen(identifier);
		if (identifier[il - 1] == '.')
			il--;
		if (cc_buf_addf(&b, "_acme-challenge.%.*s.", (int)il,
				identifier))
			goto nomem;
		it->dns_name = cc_buf_detach(&b, NULL);
		if (!it->dns_name)
			goto nomem;
		rc = txt_value(key_authorization, &it->txt_value);
		if (rc == CC_ECRYPTO) {
			rc = cc_err_set(err, rc, "cannot hash the key "
					"authorization");
			goto out;
		}
		if (rc)
			goto nomem;
	}
	goto out;
nomem:
	rc = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cc_buf_release(&b);
	if (rc)
		cc_chal_item_release(it);
	return rc;
}

void cc_chal_item_release(struct cc_chal_item *it)
{
	if (!it)
		return;
	free(it->identifier);
	free(it->type);
	free(it->token);
	free(it->key_authorization);
	free(it->dns_name);
	free(it->txt_value);
	free(it->zone);
	free(it->record);
	memset(it, 0, sizeof(*it));
}

int cc_chal_list_add(struct cc_chal_list *l, const char *identifier,
		     int wildcard, const char *type, const char *token,
		     const char *key_authorization, struct cc_err *err)
{
	struct cc_chal_item *nv;
	int rc;

	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	l->v = nv;
	rc = cc_chal_item_init(&nv[l->n], identifier, wildcard, type, token,
			       key_authorization, err);
	if (!rc)
		l->n++;
	return rc;
}

void cc_chal_list_release(struct cc_chal_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		cc_chal_item_release(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ------------------------------------------------------------------ */
/* Records */

static int rec_escape(struct cc_buf *b, const char *v)
{
	const unsigned char *p;
	int rc = 0;

	for (p = (const unsigned char *)v; *p && !rc; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '%' || *p == '=')
			rc = cc_buf_addf(b, "%%%02X", *p);
		else
			rc = cc_buf_add(b, p, 1);
	}
	return rc;
}

int cc_solver_record_set(struct cc_solver *s, struct cc_chal_item *it,
			 const char *const *kv, size_t nkv,
			 struct cc_err *err)
{
	struct cc_buf b = CC_BUF_INIT;
	size_t i;
	int rc = cc_buf_adds(&b, s->ops->name);

	for (i = 0; i < nkv && !rc; i++) {
		if (!kv[2 * i + 1])
			continue;
		rc = cc_buf_addf(&b, " %s=", kv[2 * i]);
		if (!rc)
			rc = rec_escape(&b, kv[2 * i + 1]);
	}
	if (rc) {
		cc_buf_release(&b);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	free(it->record);
	it->record = cc_buf_detach(&b, NULL);
	if (!it->record)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	if (s->record_cb)
		return s->record_cb(s->record_arg, it, err);
	return CC_OK;
}

int cc_solver_record_clear(struct cc_solver *s, struct cc_chal_item *it,
			   struct cc_err *err)
{
	free(it->record);
	it->record = NULL;
	if (s->record_cb)
		return s->record_cb(s->record_arg, it, err);
	return CC_OK;
}

int cc_chal_record_solver(const char *record, char *name, size_t size)
{
	size_t n = 0;

	if (!record)
		return CC_EINVAL;
	while (record[n] && record[n] != ' ') {
		char c = record[n];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return CC_EINVAL;
		n++;
	}
	if (n == 0 || n >= size)
		return CC_EINVAL;
	memcpy(name, record, n);
	name[n] = '\0';
	return CC_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int cc_chal_record_get(const char *record, const char *key, char **value)
{
	size_t kl = strlen(key), i;
	const char *p, *e = NULL;
	char *v;

	*value = NULL;
	if (!record)
		return CC_OK;
	p = strchr(record, ' ');
	while (p) {
		p++;
		e = strchr(p, ' ');
		if (!e)
			e = p + strlen(p);
		if ((size_t)(e - p) > kl && strncmp(p, key, kl) == 0 &&
		    p[kl] == '=')
			break;
		p = *e ? e : NULL;
	}
	if (!p)
		return CC_OK;
	p += kl + 1;
	v = malloc((size_t)(e - p) + 1);
	if (!v)
		return CC_ENOMEM;
	for (i = 0; p < e; p++) {
		if (*p == '%' && e - p >= 3 && hexval(p[1]) >= 0 &&
		    hexval(p[2]) >= 0) {
			v[i++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
			p += 2;
		} else {
			v[i++] = *p;
		}
	}
	v[i] = '\0';
	*value = v;
	return CC_OK;
}

/* ------------------------------------------------------------------ */
/* The interface */

static int record_ours(const struct cc_solver *s, const char *record)
{
	char name[64];

	return cc_chal_record_solver(record, name, sizeof(name)) == CC_OK &&
	       strcmp(name, s->ops->name) == 0;
}

int cc_solver_publish(struct cc_solver *s, struct cc_chal_item *items,
		      size_t n, struct cc_err *err)
{
	struct cc_chal_item **v;
	size_t i, m = 0;
	int rc = CC_OK;

	if (!s)
		return cc_err_set(err, CC_EINVAL, "no solver");
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		struct cc_chal_item *it = &items[i];

		if (!it->type || strcmp(it->type, s->ops->type) != 0) {
			rc = cc_err_set(err, CC_EINVAL,
					"solver '%s' cannot solve the %s "
					"challenge for %s", s->ops->name,
					it->type ? it->type : "(none)",
					it->identifier ? it->identifier : "?");
			goto out;
		}
		if (it->record && record_ours(s, it->record))
			continue;
		if (it->record) {
			rc = cc_err_set(err, CC_EINVAL,
					"the %s challenge for %s is already "
					"published by another solver", it->type,
					it->identifier ? it->identifier : "?");
			goto out;
		}
		v[m++] = it;
	}
	if (m)
		rc = s->ops->publish(s, v, m, err);
out:
	free(v);
	return rc;
}

int cc_solver_cleanup(struct cc_solver *s, struct cc_chal_item *items,
		      size_t n, struct cc_err *err)
{
	struct cc_chal_item **v;
	size_t i, m = 0;
	int rc = CC_OK;

	if (!s)
		return cc_err_set(err, CC_EINVAL, "no solver");
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		if (items[i].record && record_ours(s, items[i].record))
			v[m++] = &items[i];
	if (m)
		rc = s->ops->cleanup(s, v, m, err);
	free(v);
	return rc;
}

void cc_solver_free(struct cc_solver *s)
{
	if (s)
		s->ops->destroy(s);
}

const char *cc_solver_name(const struct cc_solver *s)
{
	return s->ops->name;
}

const char *cc_solver_type(const struct cc_solver *s)
{
	return s->ops->type;
}

void cc_solver_set_record_cb(struct cc_solver *s, cc_solver_record_fn fn,
			     void *arg)
{
	s->record_cb = fn;
	s->record_arg = arg;
}

void cc_solver_close_fds(int keep)
{
	int fds[1024], fd;
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;

	/* collect first: closing while reading would close the DIR fd */
	d = opendir("/proc/self/fd");
	if (d) {
		while ((de = readdir(d)) && n < sizeof(fds) / sizeof(fds[0])) {
			char *end;
			long v = strtol(de->d_name, &end, 10);

			if (*end || end == de->d_name || v < 3 || v == keep ||
			    v == dirfd(d))
				continue;
			fds[n++] = (int)v;
		}
		closedir(d);
		for (i = 0; i < n; i++)
			close(fds[i]);
		if (n < sizeof(fds) / sizeof(fds[0]))
			return;
	}
	for (fd = 3; fd < 4096; fd++)
		if (fd != keep)
			close(fd);
}

/* ------------------------------------------------------------------ */
/* Manual solvers */

static int manual_publish(struct cc_solver *s,
			  struct cc_chal_item *const *items, size_t n,
			  struct cc_err *err)
{
	struct cc_buf path = CC_BUF_INIT;
	size_t i;
	int rc = CC_OK;

	for (i = 0; i < n && !rc; i++) {
		struct cc_chal_item *it = items[i];

		if (strcmp(it->type, "http-01") == 0) {
			const char *kv[] = { "path", NULL };

			cc_buf_reset(&path);
			if (cc_buf_addf(&path, "/.well-known/acme-challenge/%s",
					it->token)) {
				rc = cc_err_set(err, CC_ENOMEM,
						"out of memory");
				break;
			}
			kv[1] = path.data;
			rc = cc_solver_record_set(s, it, kv, 1, err);
		} else {
			const char *kv[] = { "fqdn", it->dns_name,
					     "value", it->txt_value };

			rc = cc_solver_record_set(s, it, kv, 2, err);
		}
		if (!rc)
			it->manual = 1;
	}
	cc_buf_release(&path);
	return rc;
}

static int manual_cleanup(struct cc_solver *s,
			  struct cc_chal_item *const *items, size_t n,
			  struct cc_err *err)
{
	size_t i;
	int rc = CC_OK, r;

	for (i = 0; i < n; i++) {
		items[i]->manual = 0;
		r = cc_solver_record_clear(s, items[i], err);
		if (r && !rc)
			rc = r;
	}
	return rc;
}

static void manual_destroy(struct cc_solver *s)
{
	free(s);
}

static const struct cc_solver_ops manual_http_ops = {
	"http-manual", "http-01", manual_publish, manual_cleanup,
	manual_destroy
};

static const struct cc_solver_ops manual_dns_ops = {
	"dns-manual", "dns-01", manual_publish, manual_cleanup,
	manual_destroy
};

int cc_solver_manual_new(struct cc_solver **out, const char *type,
			 struct cc_err *err)
{
	struct cc_solver *s;

	*out = NULL;
	if (!type || (strcmp(type, "http-01") && strcmp(type, "dns-01")))
		return cc_err_set(err, CC_EINVAL,
				  "unsupported challenge type '%s'",
				  type ? type : "");
	s = calloc(1, sizeof(*s));
	if (!s)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	s->ops = strcmp(type, "http-01") == 0 ? &manual_http_ops :
						&manual_dns_ops;
	*out = s;
	return CC_OK;
}

int cc_solver_manual_instructions(const struct cc_chal_item *items,
				  size_t n, int removal, struct cc_buf *out,
				  struct cc_err *err)
{
	size_t i, j, same;
	int rc = 0, v6;

	for (i = 0; i < n && !rc; i++) {
		const struct cc_chal_item *it = &items[i];

		if (!it->type || !it->identifier || !it->token) {
			return cc_err_set(err, CC_EINVAL,
					  "incomplete challenge item");
		} else if (strcmp(it->type, "http-01") == 0) {
			v6 = strchr(it->identifier, ':') != NULL;
			if (removal)
				rc = cc_buf_addf(out, "Remove from the web "
						 "server of %s:\n  URL:     "
						 "http://%s%s%s/.well-known/"
						 "acme-challenge/%s\n",
						 it->identifier, v6 ? "[" : "",
						 it->identifier, v6 ? "]" : "",
						 it->token);
			else
				rc = cc_buf_addf(out, "Serve this file over "
						 "HTTP on port 80 of %s:\n"
						 "  URL:     http://%s%s%s/"
						 ".well-known/acme-challenge/"
						 "%s\n  Content: %s\n",
						 it->identifier, v6 ? "[" : "",
						 it->identifier, v6 ? "]" : "",
						 it->token,
						 it->key_authorization ?
						 it->key_authorization : "");
		} else if (strcmp(it->type, "dns-01") == 0 && it->dns_name &&
			   it->txt_value) {
			rc = cc_buf_addf(out, "%s DNS TXT record for %s%s:\n"
					 "  Name:  %s\n  Value: %s\n",
					 removal ? "Remove the" : "Create a",
					 it->wildcard ? "*." : "",
					 it->identifier, it->dns_name,
					 it->txt_value);
		} else {
			return cc_err_set(err, CC_EINVAL,
					  "incomplete challenge item");
		}
	}
	/* one note per name that needs several values at once */
	for (i = 0; i < n && !rc && !removal; i++) {
		if (strcmp(items[i].type, "dns-01") != 0)
			continue;
		for (j = 0, same = 0; j < n; j++) {
			if (strcmp(items[j].type, "dns-01") != 0 ||
			    strcasecmp(items[j].dns_name,
				       items[i].dns_name) != 0)
				continue;
			if (j < i)
				break;
			same++;
		}
		if (j == n && same > 1)
			rc = cc_buf_addf(out, "Note: %s must have all %zu TXT "
					 "values above at the same time.\n",
					 items[i].dns_name, same);
	}
	if (rc)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	return CC_OK;
}

/* ------------------------------------------------------------------ */
/* DNS provider registry */

#define DNS_REGISTERED_MAX 32

/* Built-in providers (providers/dns_*.c add themselves here). */
static const struct cc_dns_ops *const dns_builtin[] = { NULL };

static const struct cc_dns_ops *dns_registered[DNS_REGISTERED_MAX];
static size_t dns_nregistered;

const struct cc_dns_ops *cc_dns_provider_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; dns_builtin[i]; i++)
		if (strcmp(dns_builtin[i]->name, name) == 0)
			return dns_builtin[i];
	for (i = 0; i < dns_nregistered; i++)
		if (strcmp(dns_registered[i]->name, name) == 0)
			return dns_registered[i];
	return NULL;
}

int cc_dns_provider_register(const struct cc_dns_ops *ops,
			     struct cc_err *err)
{
	const struct cc_dns_ops *old;

	if (!ops || !ops->name || !ops->open || !ops->add_txt ||
	    !ops->del_txt || !ops->close)
		return cc_err_set(err, CC_EINVAL, "incomplete dns provider");
	old = cc_dns_provider_find(ops->name);
	if (old == ops)
		return CC_OK;
	if (old)
		return cc_err_set(err, CC_EEXIST,
				  "dns provider '%s' already exists",
				  ops->name);
	if (dns_nregistered >= DNS_REGISTERED_MAX)
		return cc_err_set(err, CC_ENOMEM,
				  "too many dns providers registered");
	dns_registered[dns_nregistered++] = ops;
	return CC_OK;
}

int cc_dns_provider_names(struct cc_strlist *out)
{
	size_t i;

	for (i = 0; dns_builtin[i]; i++)
		if (cc_strlist_add(out, dns_builtin[i]->name))
			return CC_ENOMEM;
	for (i = 0; i < dns_nregistered; i++)
		if (cc_strlist_add(out, dns_registered[i]->name))
			return CC_ENOMEM;
	return CC_OK;
}

int cc_dns_open(const struct cc_dns_ops *ops, const struct cc_dns_params *p,
		struct cc_dns **out, struct cc_err *err)
{
	int rc;

	*out = NULL;
	if (!ops)
		return cc_err_set(err, CC_EINVAL, "no dns provider");
	rc = ops->open(out, p, err);
	if (rc) {
		*out = NULL;
		return rc;
	}
	if (!*out)
		return cc_err_set(err, CC_ERR, "dns provider '%s' did not open",
				  ops->name);
	(*out)->ops = ops;
	return CC_OK;
}

int cc_dns_add_txt(struct cc_dns *d, const char *zone, const char *fqdn,
		   const char *value, unsigned ttl, char **record_id,
		   struct cc_err *err)
{
	*record_id = NULL;
	return d->ops->add_txt(d, zone, fqdn, value, ttl, record_id, err);
}

int cc_dns_del_txt(struct cc_dns *d, const char *zone, const char *fqdn,
		   const char *value, const char *record_id,
		   struct cc_err *err)
{
	return d->ops->del_txt(d, zone, fqdn, value, record_id, err);
}

void cc_dns_close(struct cc_dns *d)
{
	if (d)
		d->ops->close(d);
}

/* ------------------------------------------------------------------ */
/* dns-01 through a provider */

struct dns_solver {
	struct cc_solver base;
	struct cc_dns *dns;
	unsigned ttl;
};

static int dns_publish(struct cc_solver *s, struct cc_chal_item *const *items,
		       size_t n, struct cc_err *err)
{
	struct dns_solver *ds = (struct dns_solver *)s;
	const char *pname = ds->dns->ops->name;
	char *id = NULL;
	size_t i;
	int rc = CC_OK;

	for (i = 0; i < n && !rc; i++) {
		struct cc_chal_item *it = items[i];
		const char *kv[] = { "provider", pname, "fqdn", it->dns_name,
				     "value", it->txt_value, "zone", it->zone,
				     "id", NULL };

		if (!it->dns_name || !it->txt_value) {
			rc = cc_err_set(err, CC_EINVAL, "incomplete dns-01 "
					"challenge for %s", it->identifier);
			break;
		}
		rc = cc_solver_record_set(s, it, kv, 4, err);
		if (rc)
			break;
		rc = cc_dns_add_txt(ds->dns, it->zone, it->dns_name,
				    it->txt_value, ds->ttl, &id, err);
		if (rc) {
			cc_err_prefix(err, "cannot add the TXT record %s "
				      "(dns provider '%s')", it->dns_name,
				      pname);
			break;
		}
		if (id) {
			kv[9] = id;
			rc = cc_solver_record_set(s, it, kv, 5, err);
		}
		free(id);
		id = NULL;
	}
	free(id);
	return rc;
}

static int dns_cleanup(struct cc_solver *s, struct cc_chal_item *const *items,
		       size_t n, struct cc_err *err)
{
	struct dns_solver *ds = (struct dns_solver *)s;
	const char *pname = ds->dns->ops->name;
	struct cc_err e = CC_ERR_INIT;
	char *prov, *fqdn, *value, *zone, *id;
	size_t i;
	int rc = CC_OK, r;

	for (i = 0; i < n; i++) {
		struct cc_chal_item *it = items[i];

		prov = fqdn = value = zone = id = NULL;
		if (cc_chal_record_get(it->record, "provider", &prov) ||
		    cc_chal_record_get(it->record, "fqdn", &fqdn) ||
		    cc_chal_record_get(it->record, "value", &value) ||
		    cc_chal_record_get(it->record, "zone", &zone) ||
		    cc_chal_record_get(it->record, "id", &id)) {
			r = cc_err_set(&e, CC_ENOMEM, "out of memory");
		} else if (!prov || !fqdn || !value) {
			r = cc_err_set(&e, CC_ECORRUPT, "malformed challenge "
				       "record '%s'", it->record);
		} else if (strcmp(prov, pname) != 0) {
			r = cc_err_set(&e, CC_EINVAL, "the TXT record %s was "
				       "made by dns provider '%s', not '%s'",
				       fqdn, prov, pname);
		} else {
			r = cc_dns_del_txt(ds->dns, zone, fqdn, value, id, &e);
			if (r)
				cc_err_prefix(&e, "cannot remove the TXT "
					      "record %s (dns provider '%s')",
					      fqdn, pname);
			else
				r = cc_solver_record_clear(s, it, &e);
		}
		if (r && !rc) {
			rc = r;
			if (err)
				*err = e;
		}
		free(prov);
		free(fqdn);
		free(value);
		free(zone);
		free(id);
	}
	return rc;
}

static void dns_destroy(struct cc_solver *s)
{
	struct dns_solver *ds = (struct dns_solver *)s;

	cc_dns_close(ds->dns);
	free(ds);
}

static const struct cc_solver_ops dns_ops = {
	"dns-provider", "dns-01", dns_publish, dns_cleanup, dns_destroy
};

int cc_solver_dns_new(struct cc_solver **out, struct cc_dns *dns,
		      unsigned ttl, struct cc_err *err)
{
	struct dns_solver *ds;

	*out = NULL;
	if (!dns)
		return cc_err_set(err, CC_EINVAL, "no dns provider");
	ds = calloc(1, sizeof(*ds));
	if (!ds) {
		cc_dns_close(dns);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	ds->base.ops = &dns_ops;
	ds->dns = dns;
	ds->ttl = ttl ? ttl : 60;
	*out = &ds->base;
	return CC_OK;
}
