/* The command table and what handlers share. */
#ifndef CERTCTL_CMD_H
#define CERTCTL_CMD_H

#include "config.h"
#include "opt.h"
#include "out.h"
#include "repo.h"

/* State the dispatcher prepares for handlers. */
struct cli {
	const char *repo_arg;	/* --repo */
	const char *config_arg;	/* --config */
	char *repo_path;	/* resolved repository path */
	struct cc_config *cfg;	/* always loaded (maybe empty) */
	struct cc_repo *repo;	/* opened on demand by cli_repo */
};

/* Open the repository (once). Prints the error; returns an exit code. */
int cli_repo(struct cli *c, struct cc_repo **out);

/* Handlers: argv[0] is the command name. Return the exit code. */
typedef int (*cmd_fn)(int argc, char **argv, struct cli *c);

struct cmd {
	const char *name;
	cmd_fn fn;
	const char *summary;
};

/*
 * Run the subcommand named argv[1] from table (argv[0] is the parent).
 * Handles "-h", missing and unknown subcommands (with a suggestion).
 */
int cmd_dispatch(const char *parent, const struct cmd *table, int argc,
		 char **argv, struct cli *c);

/* Closest command name within a small edit distance, or NULL. */
const char *cmd_suggest(const struct cmd *table, const char *name);

int cmd_init(int argc, char **argv, struct cli *c);
int cmd_cert(int argc, char **argv, struct cli *c);
int cmd_help(int argc, char **argv, struct cli *c);
int cmd_renew(int argc, char **argv, struct cli *c);
int cmd_sectigo(int argc, char **argv, struct cli *c);
int cmd_version(int argc, char **argv, struct cli *c);

/* Top-level table (for help and suggestions). */
extern const struct cmd cmd_table[];

/* Show the man page for topic ("certctl-cert"); returns exit code. */
int cli_show_man(const char *page);

#endif
