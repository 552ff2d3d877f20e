#include "opt.h"

#include <stdio.h>
#include <string.h>

#include "out.h"

void opt_usage(const struct cmd_usage *u)
{
	const struct opt *o;
	char left[64];

	printf("usage: %s\n", u->synopsis);
	if (u->summary)
		printf("\n%s\n", u->summary);
	if (!u->opts || !u->opts[0].long_name)
		return;
	printf("\noptions:\n");
	for (o = u->opts; o->long_name; o++) {
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s",
				 o->short_name, o->long_name,
				 o->value_name ? " " : "",
				 o->value_name ? o->value_name : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s",
				 o->long_name, o->value_name ? " " : "",
				 o->value_name ? o->value_name : "");
		printf("  %-30s %s\n", left, o->help ? o->help : "");
	}
	printf("  %-30s %s\n", "-h, --help", "show this help");
}

static const struct opt *find_long(const struct opt *opts, const char *name,
				   size_t len)
{
	const struct opt *o;

	for (o = opts; o && o->long_name; o++)
		if (strlen(o->long_name) == len &&
		    !strncmp(o->long_name, name, len))
			return o;
	return NULL;
}

static const struct opt *find_short(const struct opt *opts, char c)
{
	const struct opt *o;

	for (o = opts; o && o->long_name; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

static int usage_error(const struct cmd_usage *u, const char *fmt,
		       const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	out_error("%s", msg);
	fprintf(stderr, "usage: %s\n", u->synopsis);
	return 2;
}

static int apply(const struct opt *o, const char *value)
{
	switch (o->type) {
	case OPT_FLAG:
		*(int *)o->target = 1;
		break;
	case OPT_COUNT:
		(*(int *)o->target)++;
		break;
	case OPT_STR:
		*(const char **)o->target = value;
		break;
	case OPT_LIST:
		if (cc_strlist_add(o->target, value)) {
			out_error("out of memory");
			return 1;
		}
		break;
	}
	return 0;
}

static int takes_value(const struct opt *o)
{
	return o->type == OPT_STR || o->type == OPT_LIST;
}

int opt_parse(int argc, char **argv, const struct cmd_usage *u,
	      struct cc_strlist *pos, int stop_at_pos, int *next)
{
	const struct opt *o;
	int i, only_pos = 0;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];

		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (stop_at_pos) {
				*next = i;
				return 0;
			}
			if (!pos)
				return usage_error(u, "unexpected argument '%s'",
						   a);
			if (cc_strlist_add(pos, a))
				return 2;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			opt_usage(u);
			return 1;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			o = find_long(u->opts, name, len);
			if (!o)
				return usage_error(u, "unknown option '%s'", a);
			if (takes_value(o)) {
				const char *v = eq ? eq + 1 : NULL;

				if (!v) {
					if (i + 1 >= argc)
						return usage_error(
							u,
							"option '%s' needs a value",
							a);
					v = argv[++i];
				}
				if (apply(o, v))
					return 2;
			} else {
				if (eq)
					return usage_error(
						u, "option '%s' takes no value",
						a);
				apply(o, NULL);
			}
			continue;
		}
		/* short options, possibly bundled */
		for (char *p = a + 1; *p; p++) {
			char sopt[3] = { '-', *p, '\0' };

			if (*p == 'h') {
				opt_usage(u);
				return 1;
			}
			o = find_short(u->opts, *p);
			if (!o)
				return usage_error(u, "unknown option '%s'",
						   sopt);
			if (takes_value(o)) {
				const char *v = p[1] ? p + 1 : NULL;

				if (!v) {
					if (i + 1 >= argc)
						return usage_error(
							u,
							"option '%s' needs a value",
							sopt);
					v = argv[++i];
				}
				if (apply(o, v))
					return 2;
				break;
			}
			apply(o, NULL);
		}
	}
	if (stop_at_pos)
		*next = argc;
	return 0;
}
