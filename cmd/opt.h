/*
 * A small table-driven option parser for every command level. The same
 * table produces the --help text. Accepts --long, --long=value,
 * --long value, -s, -svalue, -s value, bundled flags (-qv) and "--".
 */
#ifndef CERTCTL_OPT_H
#define CERTCTL_OPT_H

#include "util.h"

enum opt_type {
	OPT_FLAG = 1,	/* int *: set to 1 */
	OPT_STR,	/* const char **: last one wins */
	OPT_LIST,	/* struct cc_strlist *: repeatable */
	OPT_COUNT,	/* int *: incremented */
};

struct opt {
	enum opt_type type;
	char short_name;	/* 0 if none */
	const char *long_name;
	void *target;
	const char *value_name;	/* "FILE", shown in help */
	const char *help;
};

#define OPT_END { 0, 0, NULL, NULL, NULL, NULL }

struct cmd_usage {
	const char *synopsis;	/* "certctl cert list [--expiring DURATION] ..." (may hold several lines) */
	const char *summary;	/* one line */
	const struct opt *opts;
};

/*
 * Parse argv[0..argc) (argv[0] is the command name and is skipped).
 * Positional arguments are collected in order into pos (may be NULL: then
 * they are an error) unless stop_at_pos, which stops at the first one
 * (for global options before a command) and returns its index in *next.
 * "-h"/"--help" prints usage to stdout and returns 1 (caller exits 0).
 * Errors print "certctl: <msg>" plus a hint and return 2. 0 on success.
 */
int opt_parse(int argc, char **argv, const struct cmd_usage *u,
	      struct cc_strlist *pos, int stop_at_pos, int *next);

/* Print the usage (synopsis, summary, options) to stdout. */
void opt_usage(const struct cmd_usage *u);

#endif
