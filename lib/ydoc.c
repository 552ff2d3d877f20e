#include "ydoc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

static struct cc_ynode *node_new(enum cc_ynode_type type, int line)
{
	struct cc_ynode *n = calloc(1, sizeof(*n));

	if (n) {
		n->type = type;
		n->line = line;
	}
	return n;
}

void cc_ynode_free(struct cc_ynode *n)
{
	size_t i;

	if (!n)
		return;
	free(n->scalar);
	for (i = 0; i < n->n; i++) {
		if (n->keys)
			free(n->keys[i]);
		cc_ynode_free(n->items[i]);
	}
	free(n->keys);
	free(n->key_lines);
	free(n->items);
	free(n);
}

struct cc_ynode *cc_ynode_map(void)
{
	return node_new(CC_Y_MAP, 0);
}

struct cc_ynode *cc_ynode_seq(void)
{
	return node_new(CC_Y_SEQ, 0);
}

struct cc_ynode *cc_ynode_str(const char *s)
{
	struct cc_ynode *n = node_new(CC_Y_SCALAR, 0);

	if (!n)
		return NULL;
	n->scalar = strdup(s ? s : "");
	if (!n->scalar) {
		free(n);
		return NULL;
	}
	return n;
}

struct cc_ynode *cc_ynode_strf(const char *fmt, ...)
{
	struct cc_ynode *n;
	char *s = NULL;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0 || !(s = malloc((size_t)len + 1)))
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	n = node_new(CC_Y_SCALAR, 0);
	if (!n) {
		free(s);
		return NULL;
	}
	n->scalar = s;
	return n;
}

static int grow(struct cc_ynode *n, int with_keys)
{
	struct cc_ynode **items;
	char **keys;
	int *lines;

	items = realloc(n->items, (n->n + 1) * sizeof(*items));
	if (!items)
		return CC_ENOMEM;
	n->items = items;
	if (with_keys) {
		keys = realloc(n->keys, (n->n + 1) * sizeof(*keys));
		if (!keys)
			return CC_ENOMEM;
		n->keys = keys;
		lines = realloc(n->key_lines, (n->n + 1) * sizeof(*lines));
		if (!lines)
			return CC_ENOMEM;
		n->key_lines = lines;
	}
	return CC_OK;
}

static int map_add(struct cc_ynode *map, const char *key, int line,
		   struct cc_ynode *val)
{
	char *k;

	if (!val)
		return CC_ENOMEM;
	k = strdup(key);
	if (!k || grow(map, 1)) {
		free(k);
		cc_ynode_free(val);
		return CC_ENOMEM;
	}
	map->keys[map->n] = k;
	map->key_lines[map->n] = line;
	map->items[map->n] = val;
	map->n++;
	return CC_OK;
}

int cc_ymap_set(struct cc_ynode *map, const char *key, struct cc_ynode *val)
{
	size_t i;

	if (!val)
		return CC_ENOMEM;
	if (!map || map->type != CC_Y_MAP) {
		cc_ynode_free(val);
		return CC_EINVAL;
	}
	for (i = 0; i < map->n; i++) {
		if (!strcmp(map->keys[i], key)) {
			cc_ynode_free(map->items[i]);
			map->items[i] = val;
			return CC_OK;
		}
	}
	return map_add(map, key, 0, val);
}

int cc_ymap_sets(struct cc_ynode *map, const char *key, const char *s)
{
	if (!s)
		return CC_OK;
	return cc_ymap_set(map, key, cc_ynode_str(s));
}

int cc_ymap_setll(struct cc_ynode *map, const char *key, long long v)
{
	return cc_ymap_set(map, key, cc_ynode_strf("%lld", v));
}

int cc_yseq_add(struct cc_ynode *seq, struct cc_ynode *item)
{
	if (!item)
		return CC_ENOMEM;
	if (!seq || seq->type != CC_Y_SEQ || grow(seq, 0)) {
		cc_ynode_free(item);
		return seq && seq->type == CC_Y_SEQ ? CC_ENOMEM : CC_EINVAL;
	}
	seq->items[seq->n++] = item;
	return CC_OK;
}

struct cc_ynode *cc_ymap_get(const struct cc_ynode *map, const char *key)
{
	size_t i;

	if (!map || map->type != CC_Y_MAP)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i], key))
			return map->items[i];
	return NULL;
}

const char *cc_ymap_gets(const struct cc_ynode *map, const char *key)
{
	struct cc_ynode *n = cc_ymap_get(map, key);

	return n && n->type == CC_Y_SCALAR ? n->scalar : NULL;
}

/* ---- parser ---- */

struct parser {
	yaml_parser_t p;
	const char *name;
	struct cc_err *err;
};

static int perr(struct parser *ps, size_t line, const char *what)
{
	return cc_err_set(ps->err, CC_ECONFIG, "%s:%zu: %s", ps->name,
			  line + 1, what);
}

static int next(struct parser *ps, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&ps->p, ev)) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s%s%s",
			 ps->p.problem ? ps->p.problem : "syntax error",
			 ps->p.context ? " " : "",
			 ps->p.context ? ps->p.context : "");
		return perr(ps, ps->p.problem_mark.line, msg);
	}
	return CC_OK;
}

static int parse_node(struct parser *ps, yaml_event_t *ev,
		      struct cc_ynode **out, int depth);

static int parse_children(struct parser *ps, struct cc_ynode *n, int depth)
{
	yaml_event_t ev;
	struct cc_ynode *child;
	char *key;
	int line, rc;

	for (;;) {
		if ((rc = next(ps, &ev)))
			return rc;
		if (ev.type == YAML_SEQUENCE_END_EVENT ||
		    ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return CC_OK;
		}
		if (n->type == CC_Y_SEQ) {
			rc = parse_node(ps, &ev, &child, depth + 1);
			if (rc)
				return rc;
			if (cc_yseq_add(n, child))
				return cc_err_set(ps->err, CC_ENOMEM,
						  "out of memory");
			continue;
		}
		/* map: key must be a scalar */
		line = (int)ev.start_mark.line + 1;
		if (ev.type != YAML_SCALAR_EVENT) {
			size_t l = ev.start_mark.line;
			yaml_event_delete(&ev);
			return perr(ps, l, "mapping keys must be plain strings");
		}
		key = strdup((const char *)ev.data.scalar.value);
		yaml_event_delete(&ev);
		if (!key)
			return cc_err_set(ps->err, CC_ENOMEM, "out of memory");
		if (cc_ymap_get(n, key)) {
			char msg[300];
			snprintf(msg, sizeof(msg), "duplicate key '%.200s'", key);
			free(key);
			return perr(ps, (size_t)line - 1, msg);
		}
		if ((rc = next(ps, &ev))) {
			free(key);
			return rc;
		}
		rc = parse_node(ps, &ev, &child, depth + 1);
		if (rc) {
			free(key);
			return rc;
		}
		rc = map_add(n, key, line, child);
		free(key);
		if (rc)
			return cc_err_set(ps->err, CC_ENOMEM, "out of memory");
	}
}

/* Consumes ev. */
static int parse_node(struct parser *ps, yaml_event_t *ev,
		      struct cc_ynode **out, int depth)
{
	struct cc_ynode *n = NULL;
	int line = (int)ev->start_mark.line + 1, rc;

	*out = NULL;
	if (depth > 64) {
		yaml_event_delete(ev);
		return perr(ps, (size_t)line - 1, "nesting too deep");
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = node_new(CC_Y_SCALAR, line);
		if (n)
			n->scalar = strndup((const char *)ev->data.scalar.value,
					    ev->data.scalar.length);
		if (n && ev->data.scalar.length &&
		    strlen(n->scalar ? n->scalar : "") !=
			    ev->data.scalar.length) {
			yaml_event_delete(ev);
			cc_ynode_free(n);
			return perr(ps, (size_t)line - 1,
				    "NUL character in a value");
		}
		yaml_event_delete(ev);
		if (!n || !n->scalar) {
			cc_ynode_free(n);
			return cc_err_set(ps->err, CC_ENOMEM, "out of memory");
		}
		*out = n;
		return CC_OK;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		n = node_new(ev->type == YAML_SEQUENCE_START_EVENT ? CC_Y_SEQ :
								      CC_Y_MAP,
			     line);
		yaml_event_delete(ev);
		if (!n)
			return cc_err_set(ps->err, CC_ENOMEM, "out of memory");
		rc = parse_children(ps, n, depth);
		if (rc) {
			cc_ynode_free(n);
			return rc;
		}
		*out = n;
		return CC_OK;
	case YAML_ALIAS_EVENT:
		yaml_event_delete(ev);
		return perr(ps, (size_t)line - 1,
			    "aliases are not supported");
	default:
		yaml_event_delete(ev);
		return perr(ps, (size_t)line - 1, "unexpected YAML event");
	}
}

int cc_ydoc_parse(const char *data, size_t len, const char *name,
		  struct cc_ynode **out, struct cc_err *err)
{
	struct parser ps;
	yaml_event_t ev;
	struct cc_ynode *root = NULL;
	int rc, started = 0;

	*out = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.name = name ? name : "<input>";
	ps.err = err;
	if (!yaml_parser_initialize(&ps.p))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&ps.p, (const unsigned char *)data, len);
	for (;;) {
		if ((rc = next(&ps, &ev)))
			goto out;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_STREAM_START_EVENT ||
		    ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			size_t l = ev.start_mark.line;
			yaml_event_delete(&ev);
			if (started++) {
				rc = perr(&ps, l, "only one document allowed");
				goto out;
			}
			continue;
		}
		if (root) {
			size_t l = ev.start_mark.line;
			yaml_event_delete(&ev);
			rc = perr(&ps, l, "unexpected content");
			goto out;
		}
		if ((rc = parse_node(&ps, &ev, &root, 0)))
			goto out;
	}
	if (!root) {
		root = cc_ynode_map();
		if (!root) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			goto out;
		}
	} else if (root->type == CC_Y_SCALAR && root->scalar[0] == '\0') {
		/* a document holding only "~" or nothing */
		cc_ynode_free(root);
		root = cc_ynode_map();
		if (!root) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			goto out;
		}
	}
	*out = root;
	root = NULL;
	rc = CC_OK;
out:
	cc_ynode_free(root);
	yaml_parser_delete(&ps.p);
	return rc;
}

/* ---- emitter ---- */

static int write_cb(void *data, unsigned char *buffer, size_t size)
{
	return cc_buf_add(data, buffer, size) == CC_OK;
}

static int needs_quotes(const char *s)
{
	/* Let libyaml choose, except keep values that look like other types
	 * as strings so a reader never sees a bool or null. */
	static const char *const special[] = {
		"", "~", "null", "Null", "NULL", "true", "True", "TRUE",
		"false", "False", "FALSE", "yes", "Yes", "YES", "no", "No",
		"NO", "on", "On", "ON", "off", "Off", "OFF", "y", "n", NULL
	};
	size_t i;

	for (i = 0; special[i]; i++)
		if (!strcmp(s, special[i]))
			return 1;
	return 0;
}

static int emit_scalar(yaml_emitter_t *em, const char *s)
{
	yaml_event_t ev;
	yaml_scalar_style_t style = needs_quotes(s) ?
					    YAML_DOUBLE_QUOTED_SCALAR_STYLE :
					    YAML_ANY_SCALAR_STYLE;

	if (strchr(s, '\n'))
		style = YAML_LITERAL_SCALAR_STYLE;
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL,
					  (yaml_char_t *)s, (int)strlen(s), 1,
					  1, style))
		return 0;
	return yaml_emitter_emit(em, &ev);
}

static int emit_node(yaml_emitter_t *em, const struct cc_ynode *n)
{
	yaml_event_t ev;
	size_t i;

	switch (n->type) {
	case CC_Y_SCALAR:
		return emit_scalar(em, n->scalar ? n->scalar : "");
	case CC_Y_SEQ:
		if (!yaml_sequence_start_event_initialize(
			    &ev, NULL, NULL, 1, YAML_ANY_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return 0;
		for (i = 0; i < n->n; i++)
			if (!emit_node(em, n->items[i]))
				return 0;
		return yaml_sequence_end_event_initialize(&ev) &&
		       yaml_emitter_emit(em, &ev);
	case CC_Y_MAP:
		if (!yaml_mapping_start_event_initialize(
			    &ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return 0;
		for (i = 0; i < n->n; i++)
			if (!emit_scalar(em, n->keys[i]) ||
			    !emit_node(em, n->items[i]))
				return 0;
		return yaml_mapping_end_event_initialize(&ev) &&
		       yaml_emitter_emit(em, &ev);
	}
	return 0;
}

int cc_ydoc_emit(const struct cc_ynode *root, struct cc_buf *out,
		 struct cc_err *err)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	int ok;

	if (!yaml_emitter_initialize(&em))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	yaml_emitter_set_output(&em, write_cb, out);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
	     yaml_emitter_emit(&em, &ev) &&
	     yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	     yaml_emitter_emit(&em, &ev) && emit_node(&em, root) &&
	     yaml_document_end_event_initialize(&ev, 1) &&
	     yaml_emitter_emit(&em, &ev) &&
	     yaml_stream_end_event_initialize(&ev) &&
	     yaml_emitter_emit(&em, &ev) && yaml_emitter_flush(&em);
	if (!ok) {
		int rc = cc_err_set(err, CC_EIO, "cannot write YAML: %s",
				    em.problem ? em.problem : "emitter error");
		yaml_emitter_delete(&em);
		return rc;
	}
	yaml_emitter_delete(&em);
	return CC_OK;
}
