#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fsutil.h"
#include "util.h"

#define KEYTYPES "rsa:2048|rsa:3072|rsa:4096|ec:p256|ec:p384"

static const struct cc_cfg_key defaults_keys[] = {
	{ "key-type", CC_CFG_ENUM, KEYTYPES, NULL },
	{ "digest", CC_CFG_ENUM, "sha256|sha384|sha512", NULL },
	{ "keystore", CC_CFG_ENUM, "pem|p12|p12-legacy|jks", NULL },
	{ "key-policy", CC_CFG_ENUM, "new|same", NULL },
	{ NULL, 0, NULL, NULL }
};

static const struct cc_cfg_key acme_keys[] = {
	{ "server", CC_CFG_STR, NULL, NULL },
	{ "ca-bundle", CC_CFG_PATH, NULL, NULL },
	{ "email", CC_CFG_STR, NULL, NULL },
	{ "account", CC_CFG_STR, NULL, NULL },
	{ "eab-kid", CC_CFG_STR, NULL, NULL },
	{ "eab-hmac-key-file", CC_CFG_PATH, NULL, NULL },
	{ "challenge", CC_CFG_ENUM, "http-01|dns-01", NULL },
	{ "webroot", CC_CFG_PATH, NULL, NULL },
	{ "standalone", CC_CFG_STR, NULL, NULL },
	{ "dns-hook", CC_CFG_PATH, NULL, NULL },
	{ "dns-provider", CC_CFG_STR, NULL, NULL },
	{ "dns-wait", CC_CFG_DURATION, NULL, NULL },
	{ "dns-resolvers", CC_CFG_LIST, NULL, NULL },
	{ "follow-cname", CC_CFG_BOOL, NULL, NULL },
	{ "preferred-chain", CC_CFG_STR, NULL, NULL },
	{ "profile", CC_CFG_STR, NULL, NULL },
	{ "poll-timeout", CC_CFG_DURATION, NULL, NULL },
	{ "jobs", CC_CFG_INT, NULL, NULL },
	{ NULL, 0, NULL, NULL }
};

static const struct cc_cfg_key sectigo_keys[] = {
	{ "url", CC_CFG_STR, NULL, NULL },
	{ "login", CC_CFG_STR, NULL, NULL },
	{ "customer-uri", CC_CFG_STR, NULL, NULL },
	{ "password-file", CC_CFG_PATH, NULL, NULL },
	{ "ca-bundle", CC_CFG_PATH, NULL, NULL },
	{ "sync-max-age", CC_CFG_DURATION, NULL, NULL },
	{ NULL, 0, NULL, NULL }
};

static const struct cc_cfg_key dns_provider_keys[] = {
	{ "type", CC_CFG_ENUM,
	  "cloudflare|route53|azure|rfc2136|cloudns|godaddy|exec|manual",
	  NULL },
	{ "zone", CC_CFG_STR, NULL, NULL },
	{ "api-url", CC_CFG_STR, NULL, NULL },
	{ "ca-bundle", CC_CFG_PATH, NULL, NULL },
	{ "credentials-file", CC_CFG_PATH, NULL, NULL },
	{ "server", CC_CFG_STR, NULL, NULL },
	{ "tsig-key-file", CC_CFG_PATH, NULL, NULL },
	{ "program", CC_CFG_PATH, NULL, NULL },
	{ "ttl", CC_CFG_INT, NULL, NULL },
	{ NULL, 0, NULL, NULL }
};

static const struct cc_cfg_key top_keys[] = {
	{ "repository", CC_CFG_PATH, NULL, NULL },
	{ "lock-timeout", CC_CFG_DURATION, NULL, NULL },
	{ "defaults", CC_CFG_SECTION, NULL, defaults_keys },
	{ "acme", CC_CFG_SECTION, NULL, acme_keys },
	{ "sectigo", CC_CFG_SECTION, NULL, sectigo_keys },
	{ "dns-providers", CC_CFG_NAMED, NULL, dns_provider_keys },
	{ NULL, 0, NULL, NULL }
};

const struct cc_cfg_key cc_config_schema[] = {
	{ "", CC_CFG_SECTION, NULL, top_keys },
	{ NULL, 0, NULL, NULL }
};

static int where(struct cc_err *err, const char *name, int line,
		 const char *fmt, const char *a, const char *b)
{
	char msg[CC_ERR_MSG_MAX];

	snprintf(msg, sizeof(msg), fmt, a, b ? b : "");
	return cc_err_set(err, CC_ECONFIG, "%s:%d: %s", name, line, msg);
}

static int is_bool(const char *s)
{
	static const char *const v[] = { "true", "false", "yes", "no", "on",
					 "off", NULL };
	size_t i;

	for (i = 0; v[i]; i++)
		if (!strcmp(s, v[i]))
			return 1;
	return 0;
}

static int enum_has(const char *choices, const char *s)
{
	size_t n = strlen(s);
	const char *p = choices;

	while (p && *p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && !strncmp(p, s, n))
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

static int check_value(const struct cc_cfg_key *k, const struct cc_ynode *v,
		       const char *name, int line, const char *path,
		       struct cc_err *err);

static int check_section(const struct cc_cfg_key *keys,
			 const struct cc_ynode *map, const char *name,
			 const char *path, struct cc_err *err)
{
	char sub[256];
	size_t i;
	const struct cc_cfg_key *k;
	int rc;

	for (i = 0; i < map->n; i++) {
		for (k = keys; k->name; k++)
			if (!strcmp(k->name, map->keys[i]))
				break;
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "",
			 map->keys[i]);
		if (!k->name)
			return where(err, name, map->key_lines[i],
				     "unknown key '%s'%s", sub,
				     "");
		rc = check_value(k, map->items[i], name, map->key_lines[i],
				 sub, err);
		if (rc)
			return rc;
	}
	return CC_OK;
}

static int check_value(const struct cc_cfg_key *k, const struct cc_ynode *v,
		       const char *name, int line, const char *path,
		       struct cc_err *err)
{
	long long d;
	size_t i;
	char *end;

	switch (k->type) {
	case CC_CFG_SECTION:
		if (v->type != CC_Y_MAP)
			return where(err, name, line, "'%s' must be a mapping%s",
				     path, "");
		return check_section(k->sub, v, name, path, err);
	case CC_CFG_NAMED:
		if (v->type != CC_Y_MAP)
			return where(err, name, line, "'%s' must be a mapping%s",
				     path, "");
		for (i = 0; i < v->n; i++) {
			char sub[256];
			int rc;

			snprintf(sub, sizeof(sub), "%s.%s", path, v->keys[i]);
			if (v->items[i]->type != CC_Y_MAP)
				return where(err, name, v->key_lines[i],
					     "'%s' must be a mapping%s", sub,
					     "");
			rc = check_section(k->sub, v->items[i], name, sub, err);
			if (rc)
				return rc;
		}
		return CC_OK;
	case CC_CFG_LIST:
		if (v->type != CC_Y_SEQ)
			return where(err, name, line, "'%s' must be a list%s",
				     path, "");
		for (i = 0; i < v->n; i++)
			if (v->items[i]->type != CC_Y_SCALAR)
				return where(err, name, v->items[i]->line,
					     "'%s' must be a list of strings%s",
					     path, "");
		return CC_OK;
	default:
		break;
	}
	if (v->type != CC_Y_SCALAR)
		return where(err, name, line, "'%s' must be a single value%s",
			     path, "");
	switch (k->type) {
	case CC_CFG_DURATION:
		if (cc_duration_parse(v->scalar, &d, NULL))
			return where(err, name, line,
				     "'%s': invalid duration '%s' (use e.g. "
				     "30d, 12h)", path, v->scalar);
		break;
	case CC_CFG_INT:
		strtol(v->scalar, &end, 10);
		if (!*v->scalar || *end)
			return where(err, name, line,
				     "'%s': '%s' is not a number", path,
				     v->scalar);
		break;
	case CC_CFG_BOOL:
		if (!is_bool(v->scalar))
			return where(err, name, line,
				     "'%s': '%s' is not true or false", path,
				     v->scalar);
		break;
	case CC_CFG_ENUM:
		if (!enum_has(k->choices, v->scalar)) {
			char msg[CC_ERR_MSG_MAX];

			snprintf(msg, sizeof(msg), "'%s': '%s' is not one of %s",
				 path, v->scalar, k->choices);
			return cc_err_set(err, CC_ECONFIG, "%s:%d: %s", name,
					  line, msg);
		}
		break;
	default:
		break;
	}
	return CC_OK;
}

int cc_config_parse(const char *text, size_t len, const char *name,
		    struct cc_config **out, struct cc_err *err)
{
	struct cc_config *cfg;
	int rc;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg || !(cfg->file = strdup(name))) {
		free(cfg);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	rc = cc_ydoc_parse(text, len, name, &cfg->root, err);
	if (rc) {
		if (err)
			err->code = CC_ECONFIG;
		rc = CC_ECONFIG;
		goto fail;
	}
	if (cfg->root->type != CC_Y_MAP) {
		rc = cc_err_set(err, CC_ECONFIG,
				"%s:%d: the configuration must be a mapping",
				name, cfg->root->line);
		goto fail;
	}
	rc = check_section(top_keys, cfg->root, name, "", err);
	if (rc)
		goto fail;
	*out = cfg;
	return CC_OK;
fail:
	cc_config_free(cfg);
	return rc;
}

int cc_config_load(const char *path, struct cc_config **out,
		   struct cc_err *err)
{
	struct cc_buf b = CC_BUF_INIT;
	int rc;

	*out = NULL;
	rc = cc_read_file(path, &b, err);
	if (rc == CC_OK)
		rc = cc_config_parse(b.data ? b.data : "", b.len, path, out,
				     err);
	cc_buf_release(&b);
	return rc;
}

int cc_config_empty(struct cc_config **out, struct cc_err *err)
{
	return cc_config_parse("", 0, "(none)", out, err);
}

void cc_config_free(struct cc_config *cfg)
{
	if (!cfg)
		return;
	cc_ynode_free(cfg->root);
	free(cfg->file);
	free(cfg);
}

const struct cc_ynode *cc_config_node(const struct cc_config *cfg,
				      const char *path)
{
	const struct cc_ynode *n = cfg ? cfg->root : NULL;
	char part[128];
	const char *p = path, *dot;
	size_t len;

	while (n && p && *p) {
		dot = strchr(p, '.');
		len = dot ? (size_t)(dot - p) : strlen(p);
		if (len >= sizeof(part))
			return NULL;
		memcpy(part, p, len);
		part[len] = '\0';
		n = cc_ymap_get(n, part);
		p = dot ? dot + 1 : NULL;
	}
	return n;
}

const char *cc_config_get(const struct cc_config *cfg, const char *path)
{
	const struct cc_ynode *n = cc_config_node(cfg, path);

	return n && n->type == CC_Y_SCALAR ? n->scalar : NULL;
}

long long cc_config_duration(const struct cc_config *cfg, const char *path,
			     long long def)
{
	const char *s = cc_config_get(cfg, path);
	long long v;

	if (!s || cc_duration_parse(s, &v, NULL))
		return def;
	return v;
}

int cc_config_bool(const struct cc_config *cfg, const char *path, int def)
{
	const char *s = cc_config_get(cfg, path);

	if (!s)
		return def;
	return !strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on");
}
