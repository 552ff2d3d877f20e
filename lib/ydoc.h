/*
 * A small YAML document tree over libyaml: parse a file into nodes that
 * remember their line, and emit a tree back as YAML. Used for
 * certctl.conf, certificate metadata, accounts and sync data.
 */
#ifndef CERTCTL_YDOC_H
#define CERTCTL_YDOC_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

enum cc_ynode_type { CC_Y_SCALAR = 1, CC_Y_SEQ, CC_Y_MAP };

struct cc_ynode {
	enum cc_ynode_type type;
	int line;		/* 1-based source line, 0 if built in memory */
	char *scalar;		/* CC_Y_SCALAR */
	size_t n;		/* CC_Y_SEQ / CC_Y_MAP: number of items */
	char **keys;		/* CC_Y_MAP: keys[i] names items[i] */
	int *key_lines;		/* CC_Y_MAP: line of keys[i] */
	struct cc_ynode **items;
};

/*
 * Parse one YAML document (empty input gives an empty map). Only string
 * keys are allowed; anchors/aliases are refused. Errors read
 * "<name>:<line>: <problem>".
 */
int cc_ydoc_parse(const char *data, size_t len, const char *name,
		  struct cc_ynode **out, struct cc_err *err);

/* Emit the tree as a YAML document appended to out. */
int cc_ydoc_emit(const struct cc_ynode *root, struct cc_buf *out,
		 struct cc_err *err);

void cc_ynode_free(struct cc_ynode *n);

/* Builders: return NULL on out of memory (and then free what they took). */
struct cc_ynode *cc_ynode_map(void);
struct cc_ynode *cc_ynode_seq(void);
struct cc_ynode *cc_ynode_str(const char *s);
struct cc_ynode *cc_ynode_strf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Add key -> value (takes value, also on failure). Replaces an old key. */
int cc_ymap_set(struct cc_ynode *map, const char *key, struct cc_ynode *val);
/* Shorthands; a NULL s adds nothing and succeeds. */
int cc_ymap_sets(struct cc_ynode *map, const char *key, const char *s);
int cc_ymap_setll(struct cc_ynode *map, const char *key, long long v);
/* Append (takes node, also on failure). */
int cc_yseq_add(struct cc_ynode *seq, struct cc_ynode *item);

/* Lookups (NULL if absent or map is not a map). */
struct cc_ynode *cc_ymap_get(const struct cc_ynode *map, const char *key);
/* Scalar value of key, or NULL if absent or not a scalar. */
const char *cc_ymap_gets(const struct cc_ynode *map, const char *key);

#endif
