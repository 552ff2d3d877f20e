/*
 * certctl: the dispatcher. Global options, configuration and repository
 * discovery, then one handler from cmd_table.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acme_cli.h"
#include "cmd.h"
#include "fsutil.h"

#ifndef CERTCTL_VERSION
#define CERTCTL_VERSION "0.0.0"
#endif
#ifndef CERTCTL_SYSCONFDIR
#define CERTCTL_SYSCONFDIR "/etc"
#endif

const struct cmd cmd_table[] = {
	{ "init", cmd_init, "create a certificate repository" },
	{ "cert", cmd_cert, "import, list, show, export, renew, revoke, delete" },
	{ "acme", cmd_acme, "ACME accounts, requests, challenges, revocation" },
	{ "sectigo", cmd_sectigo, "Sectigo Certificate Manager: account, sync, orders" },
	{ "renew", cmd_renew, "renew certificates that are due" },
	{ "help", cmd_help, "show help for certctl or a command" },
	{ "version", cmd_version, "print the version" },
	{ NULL, NULL, NULL }
};

static const char global_synopsis[] =
	"certctl [-C DIR] [-c FILE] [--json] [-q] [-v] <command> "
	"[<subcommand>] [<options>]";

static void print_commands(FILE *f)
{
	const struct cmd *c;

	fprintf(f, "\ncommands:\n");
	for (c = cmd_table; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\nSee 'certctl help <command>' or 'certctl <command> --help'.\n");
}

const char *cmd_suggest(const struct cmd *table, const char *name)
{
	const struct cmd *c;
	const char *best = NULL;
	size_t bestd = 3, d;

	for (c = table; c->name; c++) {
		d = cc_edit_distance(name, c->name);
		if (!strncmp(c->name, name, strlen(name)) && strlen(name) >= 2)
			d = 1;
		if (d < bestd) {
			bestd = d;
			best = c->name;
		}
	}
	return best;
}

int cmd_dispatch(const char *parent, const struct cmd *table, int argc,
		 char **argv, struct cli *cl)
{
	const struct cmd *c;
	const char *sugg;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		FILE *f = argc < 2 ? stderr : stdout;

		fprintf(f, "usage: certctl %s <subcommand> [<options>]\n\n"
			   "subcommands:\n", parent);
		for (c = table; c->name; c++)
			fprintf(f, "  %-12s %s\n", c->name, c->summary);
		fprintf(f, "\nSee 'certctl %s <subcommand> --help' or "
			   "'certctl help %s'.\n", parent, parent);
		return argc < 2 ? 2 : 0;
	}
	for (c = table; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			return c->fn(argc - 1, argv + 1, cl);
	sugg = cmd_suggest(table, argv[1]);
	if (sugg)
		out_error("'%s' is not a '%s' subcommand; did you mean '%s'?",
			  argv[1], parent, sugg);
	else
		out_error("'%s' is not a '%s' subcommand (see 'certctl %s "
			  "--help')", argv[1], parent, parent);
	return 2;
}

static char *default_repo(void)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char buf[4096];

	if (geteuid() == 0)
		return strdup("/var/lib/certctl");
	if (xdg && *xdg == '/')
		snprintf(buf, sizeof(buf), "%s/certctl", xdg);
	else if (home && *home)
		snprintf(buf, sizeof(buf), "%s/.local/share/certctl", home);
	else
		return strdup("/var/lib/certctl");
	return strdup(buf);
}

static int load_config(struct cli *cl)
{
	struct cc_err err = CC_ERR_INIT;
	const char *env = getenv("CERTCTL_CONFIG");
	const char *explicit = cl->config_arg ? cl->config_arg :
				(env && *env ? env : NULL);
	char path[4096];
	const char *repo_guess = cl->repo_arg ? cl->repo_arg :
				 getenv("CERTCTL_REPO");
	char *def = NULL;
	int rc;

	if (explicit) {
		rc = cc_config_load(explicit, &cl->cfg, &err);
		if (rc == CC_ENOENT)
			err.code = CC_ECONFIG;
		return rc ? out_fail(&err) : 0;
	}
	if (!repo_guess || !*repo_guess)
		repo_guess = def = default_repo();
	snprintf(path, sizeof(path), "%s/certctl.conf", repo_guess);
	free(def);
	rc = cc_config_load(path, &cl->cfg, &err);
	if (rc == CC_ENOENT) {
		snprintf(path, sizeof(path), "%s/certctl/certctl.conf",
			 CERTCTL_SYSCONFDIR);
		rc = cc_config_load(path, &cl->cfg, &err);
	}
	if (rc == CC_ENOENT)
		rc = cc_config_empty(&cl->cfg, &err);
	return rc ? out_fail(&err) : 0;
}

static int resolve_repo(struct cli *cl)
{
	const char *env = getenv("CERTCTL_REPO");
	const char *cfg = cc_config_get(cl->cfg, "repository");

	if (cl->repo_arg && *cl->repo_arg)
		cl->repo_path = strdup(cl->repo_arg);
	else if (env && *env)
		cl->repo_path = strdup(env);
	else if (cfg && *cfg)
		cl->repo_path = strdup(cfg);
	else
		cl->repo_path = default_repo();
	if (!cl->repo_path) {
		out_error("out of memory");
		return 1;
	}
	return 0;
}

int cli_repo(struct cli *cl, struct cc_repo **out)
{
	struct cc_err err = CC_ERR_INIT;
	long long lt;

	if (!cl->repo) {
		if (cc_repo_open(&cl->repo, cl->repo_path, &err))
			return out_fail(&err);
		lt = cc_config_duration(cl->cfg, "lock-timeout", 30);
		cc_repo_set_lock_timeout(cl->repo, (int)(lt * 1000));
	}
	*out = cl->repo;
	return 0;
}

int cmd_version(int argc, char **argv, struct cli *cl)
{
	static const struct opt opts[] = { OPT_END };
	static const struct cmd_usage u = { "certctl version",
		"Print the version of certctl.", opts };
	int rc = opt_parse(argc, argv, &u, NULL, 0, NULL);

	(void)cl;
	if (rc)
		return rc == 1 ? 0 : rc;
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "version", CERTCTL_VERSION);
		out_print_json(o);
	} else {
		printf("certctl %s\n", CERTCTL_VERSION);
	}
	return 0;
}

static void sanitize_fds(void)
{
	int fd;

	/* make sure 0, 1 and 2 are open so no file we open becomes one */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

static int flush_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			return 0;
		out_error("cannot write output: %s", strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cli cl;
	int json = 0, quiet = 0, verbose = 0, version = 0, next = 0, rc;
	const struct cmd *c;
	const char *sugg;
	struct opt opts[] = {
		{ OPT_STR, 'C', "repo", &cl.repo_arg, "DIR",
		  "repository directory" },
		{ OPT_STR, 'c', "config", &cl.config_arg, "FILE",
		  "configuration file" },
		{ OPT_FLAG, 0, "json", &json, NULL,
		  "machine-readable JSON output" },
		{ OPT_FLAG, 'q', "quiet", &quiet, NULL, "only print errors" },
		{ OPT_COUNT, 'v', "verbose", &verbose, NULL,
		  "print more details" },
		{ OPT_FLAG, 0, "version", &version, NULL, "print the version" },
		OPT_END
	};
	struct cmd_usage u = { global_synopsis,
		"certctl manages the whole life of TLS certificates.", opts };

	sanitize_fds();
	umask(077);
	/* test hook: fail the N-th write step (see certctl(1), ENVIRONMENT) */
	if (getenv("CERTCTL_TEST_FAULT"))
		cc_fault_set(strtol(getenv("CERTCTL_TEST_FAULT"), NULL, 10));
	setlocale(LC_ALL, "C");
	memset(&cl, 0, sizeof(cl));

	rc = opt_parse(argc, argv, &u, NULL, 1, &next);
	if (rc == 1) {
		print_commands(stdout);
		return 0;
	}
	if (rc)
		return rc;
	out_json = json;
	out_quiet = quiet;
	out_verbose = verbose;
	if (version)
		return cmd_version(1, argv, &cl);
	if (next >= argc) {
		fprintf(stderr, "usage: %s\n", global_synopsis);
		print_commands(stderr);
		return 2;
	}
	for (c = cmd_table; c->name; c++)
		if (!strcmp(c->name, argv[next]))
			break;
	if (!c->name) {
		sugg = cmd_suggest(cmd_table, argv[next]);
		if (sugg)
			out_error("'%s' is not a certctl command; did you mean "
				  "'%s'?", argv[next], sugg);
		else
			out_error("'%s' is not a certctl command (see 'certctl "
				  "--help')", argv[next]);
		return 2;
	}
	if (c->fn != cmd_help && c->fn != cmd_version) {
		if ((rc = load_config(&cl)) || (rc = resolve_repo(&cl)))
			goto out;
	}
	rc = c->fn(argc - next, argv + next, &cl);
out:
	if (flush_stdout() && rc == 0)
		rc = 1;
	cc_repo_free(cl.repo);
	cc_config_free(cl.cfg);
	free(cl.repo_path);
	return rc;
}
