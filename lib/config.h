/*
 * certctl.conf: YAML, validated against a schema. Unknown keys and bad
 * values are errors naming file and line. Values are looked up by dotted
 * path ("defaults.key-type", "acme.server").
 */
#ifndef CERTCTL_CONFIG_H
#define CERTCTL_CONFIG_H

#include "err.h"
#include "ydoc.h"

enum cc_cfg_type {
	CC_CFG_STR = 1,
	CC_CFG_PATH,		/* string; relative paths stay as written */
	CC_CFG_DURATION,	/* "30d", "12h" ... */
	CC_CFG_INT,
	CC_CFG_BOOL,		/* true/false/yes/no */
	CC_CFG_ENUM,		/* one of choices ("a|b|c") */
	CC_CFG_LIST,		/* sequence of strings */
	CC_CFG_SECTION,		/* map with the keys in sub */
	CC_CFG_NAMED,		/* map of user-chosen names -> section sub */
};

struct cc_cfg_key {
	const char *name;
	enum cc_cfg_type type;
	const char *choices;		/* CC_CFG_ENUM */
	const struct cc_cfg_key *sub;	/* CC_CFG_SECTION / CC_CFG_NAMED */
};

/* The schema of certctl.conf (NULL-name terminated). */
extern const struct cc_cfg_key cc_config_schema[];

struct cc_config {
	char *file;			/* path it was read from, or NULL */
	struct cc_ynode *root;		/* validated tree (a map) */
};

/*
 * Parse and validate YAML text against cc_config_schema. name is used in
 * messages. CC_ECONFIG on any error.
 */
int cc_config_parse(const char *text, size_t len, const char *name,
		    struct cc_config **out, struct cc_err *err);

/* Read path and parse it. CC_ENOENT if the file does not exist. */
int cc_config_load(const char *path, struct cc_config **out,
		   struct cc_err *err);

/* An empty configuration. */
int cc_config_empty(struct cc_config **out, struct cc_err *err);

void cc_config_free(struct cc_config *cfg);

/* Scalar at dotted path or NULL ("acme.server"). */
const char *cc_config_get(const struct cc_config *cfg, const char *path);
/* Node at dotted path or NULL. */
const struct cc_ynode *cc_config_node(const struct cc_config *cfg,
				      const char *path);
/* Duration at path in seconds, def if absent. */
long long cc_config_duration(const struct cc_config *cfg, const char *path,
			     long long def);
/* Bool at path, def if absent. */
int cc_config_bool(const struct cc_config *cfg, const char *path, int def);

#endif
