/* certctl help [COMMAND]: the man page of a command. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "fsutil.h"

#ifndef CERTCTL_MANDIR
#define CERTCTL_MANDIR "/usr/local/share/man"
#endif

static int find_page(const char *page, char *path, size_t size)
{
	char exe[PATH_MAX], *slash;
	const char *sect = strstr(page, ".conf") ? "5" : "1";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* build tree: build/certctl -> ../man */
			snprintf(path, size, "%s/../man/%s.%s", exe, page, sect);
			if (access(path, R_OK) == 0)
				return 0;
			/* installed: bin/certctl -> ../share/man/manN */
			snprintf(path, size, "%s/../share/man/man%s/%s.%s", exe,
				 sect, page, sect);
			if (access(path, R_OK) == 0)
				return 0;
		}
	}
	snprintf(path, size, "%s/man%s/%s.%s", CERTCTL_MANDIR, sect, page,
		 sect);
	return access(path, R_OK) == 0 ? 0 : -1;
}

int cli_show_man(const char *page)
{
	char path[PATH_MAX];
	pid_t pid;
	int status;

	if (find_page(page, path, sizeof(path)) < 0) {
		out_error("no manual page for '%s'", page);
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		out_error("cannot run man: fork failed");
		return 1;
	}
	if (pid == 0) {
		char *const man_argv[] = { "man", "-l", path, NULL };
		char *const mandoc_argv[] = { "mandoc", "-a", path, NULL };

		if (!isatty(STDOUT_FILENO))
			setenv("MANPAGER", "cat", 1);
		execvp("man", man_argv);
		execvp("mandoc", mandoc_argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		out_error("cannot show '%s': neither man nor mandoc is "
			  "installed", path);
		return 1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int cmd_help(int argc, char **argv, struct cli *cl)
{
	static const struct opt opts[] = { OPT_END };
	static const struct cmd_usage u = { "certctl help [<command>]",
		"Show the manual page of certctl or of a command.", opts };
	struct cc_strlist pos = CC_STRLIST_INIT;
	char page[128];
	const char *sugg;
	const struct cmd *c;
	int rc;

	(void)cl;
	rc = opt_parse(argc, argv, &u, &pos, 0, NULL);
	if (rc) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if (pos.n > 1) {
		out_error("help takes one command name");
		rc = 2;
		goto out;
	}
	if (pos.n == 0) {
		rc = cli_show_man("certctl");
		goto out;
	}
	if (!strcmp(pos.v[0], "certctl.conf") || !strcmp(pos.v[0], "config")) {
		rc = cli_show_man("certctl.conf");
		goto out;
	}
	for (c = cmd_table; c->name; c++)
		if (!strcmp(c->name, pos.v[0]))
			break;
	if (!c->name) {
		sugg = cmd_suggest(cmd_table, pos.v[0]);
		if (sugg)
			out_error("'%s' is not a certctl command; did you mean "
				  "'%s'?", pos.v[0], sugg);
		else
			out_error("'%s' is not a certctl command", pos.v[0]);
		rc = 2;
		goto out;
	}
	if (!strcmp(c->name, "help") || !strcmp(c->name, "version"))
		snprintf(page, sizeof(page), "certctl");
	else
		snprintf(page, sizeof(page), "certctl-%s", c->name);
	rc = cli_show_man(page);
out:
	cc_strlist_release(&pos);
	return rc;
}
