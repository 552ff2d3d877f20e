/*
 * dns-01 hook solver: runs a user program to add and remove TXT records.
 */
#define _GNU_SOURCE
#include "solver.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "solver_int.h"

#define HOOK_OUT_MAX	16384	/* output kept for the error message */
#define HOOK_TERM_MS	1000	/* SIGTERM grace before SIGKILL */
#define HOOK_DRAIN_MS	200	/* wait for EOF after the exit */
#define HOOK_LINE_MAX	200

struct hook {
	struct cc_solver base;
	char *program;
	unsigned timeout_ms;
	struct cc_strlist env;
};

struct hook_call {
	const char *action;
	const char *fqdn;
	const char *value;
	const char *identifier;
	int wildcard;
	const char *zone;	/* or NULL */
};

static long long hook_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The first non-empty line of out, trimmed and made printable. */
static void first_line(const struct cc_buf *out, char *line, size_t size)
{
	const char *p = out->data ? out->data : "", *e = p + out->len;
	size_t n = 0;

	while (p < e && (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t'))
		p++;
	while (p < e && *p != '\n' && *p != '\r' && n + 1 < size) {
		unsigned char c = (unsigned char)*p++;

		line[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	line[n] = '\0';
}

static int build_env(const struct hook *h, const struct hook_call *c,
		     struct cc_strlist *env)
{
	struct cc_buf b = CC_BUF_INIT;
	size_t i;
	int rc = CC_OK;

	if (h->env.n) {
		for (i = 0; i < h->env.n && !rc; i++)
			rc = cc_strlist_add(env, h->env.v[i]);
	} else {
		rc = cc_strlist_add(env, "PATH=/usr/local/bin:/usr/bin:/bin");
	}
#define ADDENV(...)                                                      \
	do {                                                             \
		cc_buf_reset(&b);                                        \
		if (!rc && (cc_buf_addf(&b, __VA_ARGS__) ||              \
			    cc_strlist_add(env, b.data)))                \
			rc = CC_ENOMEM;                                  \
	} while (0)
	ADDENV("CERTCTL_ACTION=%s", c->action);
	ADDENV("CERTCTL_FQDN=%s", c->fqdn);
	ADDENV("CERTCTL_TXT_VALUE=%s", c->value);
	ADDENV("CERTCTL_IDENTIFIER=%s", c->identifier);
	ADDENV("CERTCTL_WILDCARD=%d", c->wildcard ? 1 : 0);
	if (c->zone)
		ADDENV("CERTCTL_ZONE=%s", c->zone);
#undef ADDENV
	cc_buf_release(&b);
	return rc ? CC_ENOMEM : CC_OK;
}

/* In the child: set up and exec; reports errno on ep and exits. */
static void hook_exec(char *const *argv, char **envp, int outfd, int ep)
{
	struct sigaction act;
	sigset_t none;
	int fd, e;

	setpgid(0, 0);
	memset(&act, 0, sizeof(act));
	act.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGHUP, &act, NULL);
	sigaction(SIGCHLD, &act, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(outfd, 1) < 0 ||
	    dup2(outfd, 2) < 0)
		goto fail;
	cc_solver_close_fds(ep);
	environ = envp;
	execvp(argv[0], argv);
fail:
	e = errno;
	environ = NULL;
	free(envp);	/* only the array: keeps leak checkers quiet */
	if (write(ep, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* Kill the hook's process group: SIGTERM, then SIGKILL; reap it. */
static void hook_kill(pid_t pid, int outfd)
{
	struct pollfd pfd = { outfd, 0, 0 };
	int st, i;

	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	for (i = 0; i < HOOK_TERM_MS / 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			goto done;
		(void)poll(&pfd, 0, 10);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
done:
	kill(-pid, SIGKILL);	/* whatever it left behind */
}

static int run_hook(const struct hook *h, const struct hook_call *c,
		    struct cc_err *err)
{
	char *argv[] = { h->program, (char *)c->action, (char *)c->fqdn,
			 (char *)c->value, (char *)c->identifier, NULL };
	struct cc_strlist env = CC_STRLIST_INIT;
	struct cc_buf out = CC_BUF_INIT;
	char **envp = NULL, buf[4096], line[HOOK_LINE_MAX];
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 }, st = 0, e = 0, rc;
	int exited = 0, eof = 0;
	long long deadline, exit_at = 0, now, wait;
	struct pollfd pfd;
	size_t i;
	ssize_t n;
	pid_t pid;

	rc = build_env(h, c, &env);
	if (!rc) {
		envp = calloc(env.n + 1, sizeof(*envp));
		if (!envp)
			rc = CC_ENOMEM;
	}
	if (rc) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < env.n; i++)
		envp[i] = env.v[i];
	if (pipe2(op, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		rc = cc_err_set(err, CC_EIO, "cannot run dns hook '%s': %s",
				h->program, strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = cc_err_set(err, CC_EIO, "cannot run dns hook '%s': %s",
				h->program, strerror(errno));
		goto out;
	}
	if (pid == 0)
		hook_exec(argv, envp, op[1], ep[1]);
	(void)setpgid(pid, pid);
	close(op[1]);
	close(ep[1]);
	op[1] = ep[1] = -1;
	do
		n = read(ep[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(e)) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		rc = cc_err_set(err, CC_ERR, "cannot run dns hook '%s': %s",
				h->program, strerror(e));
		goto out;
	}
	(void)fcntl(op[0], F_SETFL, fcntl(op[0], F_GETFL) | O_NONBLOCK);
	deadline = hook_mono_ms() + h->timeout_ms;
	for (;;) {
		if (!exited) {
			pid_t r = waitpid(pid, &st, WNOHANG);

			if (r < 0 && errno == ECHILD) {
				/* reaped behind our back (SIGCHLD ignored) */
				rc = cc_err_set(err, CC_ERR, "cannot get the "
						"exit status of dns hook '%s'",
						h->program);
				goto out;
			}
			if (r == pid) {
				exited = 1;
				exit_at = hook_mono_ms();
			}
		}
		now = hook_mono_ms();
		if (exited && (eof || now - exit_at >= HOOK_DRAIN_MS))
			break;
		if (!exited && now >= deadline) {
			hook_kill(pid, op[0]);
			if (h->timeout_ms % 1000)
				rc = cc_err_set(err, CC_ERR, "dns hook '%s' "
						"timed out after %u ms",
						h->program, h->timeout_ms);
			else
				rc = cc_err_set(err, CC_ERR, "dns hook '%s' "
						"timed out after %u s",
						h->program,
						h->timeout_ms / 1000);
			goto out;
		}
		wait = exited ? HOOK_DRAIN_MS - (now - exit_at) :
				deadline - now;
		if (wait > 50)
			wait = 50;
		pfd.fd = eof ? -1 : op[0];
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)wait) <= 0 || eof)
			continue;
		n = read(op[0], buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			eof = 1;
		else if (n > 0 && out.len < HOOK_OUT_MAX &&
			 cc_buf_add(&out, buf,
				    (size_t)n < HOOK_OUT_MAX - out.len ?
				    (size_t)n : HOOK_OUT_MAX - out.len))
			eof = 1;	/* out of memory: stop collecting */
	}
	first_line(&out, line, sizeof(line));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		rc = CC_OK;
	else if (WIFEXITED(st))
		rc = cc_err_set(err, CC_ERR,
				"dns hook '%s' failed (exit %d)%s%s",
				h->program, WEXITSTATUS(st),
				line[0] ? ": " : "", line);
	else
		rc = cc_err_set(err, CC_ERR, "dns hook '%s' was killed by "
				"signal %d%s%s", h->program,
				WIFSIGNALED(st) ? WTERMSIG(st) : 0,
				line[0] ? ": " : "", line);
out:
	for (i = 0; i < 2; i++) {
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	free(envp);
	cc_strlist_release(&env);
	cc_buf_release(&out);
	return rc;
}

static int hook_publish(struct cc_solver *s, struct cc_chal_item *const *items,
			size_t n, struct cc_err *err)
{
	struct hook *h = (struct hook *)s;
	size_t i;
	int rc = CC_OK;

	for (i = 0; i < n && !rc; i++) {
		struct cc_chal_item *it = items[i];
		const char *kv[] = { "fqdn", it->dns_name,
				     "value", it->txt_value,
				     "identifier", it->identifier,
				     "wildcard", it->wildcard ? "1" : "0",
				     "zone", it->zone };
		struct hook_call c = { "add", it->dns_name, it->txt_value,
				       it->identifier, it->wildcard,
				       it->zone };

		if (!it->dns_name || !it->txt_value || !it->identifier) {
			rc = cc_err_set(err, CC_EINVAL, "incomplete dns-01 "
					"challenge for %s",
					it->identifier ? it->identifier : "?");
			break;
		}
		rc = cc_solver_record_set(s, it, kv, 5, err);
		if (!rc)
			rc = run_hook(h, &c, err);
	}
	return rc;
}

static int hook_cleanup(struct cc_solver *s, struct cc_chal_item *const *items,
			size_t n, struct cc_err *err)
{
	struct hook *h = (struct hook *)s;
	struct cc_err e = CC_ERR_INIT;
	char *fqdn, *value, *ident, *wild, *zone;
	size_t i;
	int rc = CC_OK, r;

	for (i = 0; i < n; i++) {
		struct cc_chal_item *it = items[i];

		fqdn = value = ident = wild = zone = NULL;
		if (cc_chal_record_get(it->record, "fqdn", &fqdn) ||
		    cc_chal_record_get(it->record, "value", &value) ||
		    cc_chal_record_get(it->record, "identifier", &ident) ||
		    cc_chal_record_get(it->record, "wildcard", &wild) ||
		    cc_chal_record_get(it->record, "zone", &zone)) {
			r = cc_err_set(&e, CC_ENOMEM, "out of memory");
		} else if (!fqdn || !value || !ident) {
			r = cc_err_set(&e, CC_ECORRUPT, "malformed challenge "
				       "record '%s'", it->record);
		} else {
			struct hook_call c = { "remove", fqdn, value, ident,
					       wild && strcmp(wild, "1") == 0,
					       zone };

			r = run_hook(h, &c, &e);
			if (!r)
				r = cc_solver_record_clear(s, it, &e);
		}
		if (r && !rc) {
			rc = r;
			if (err)
				*err = e;
		}
		free(fqdn);
		free(value);
		free(ident);
		free(wild);
		free(zone);
	}
	return rc;
}

static void hook_destroy(struct cc_solver *s)
{
	struct hook *h = (struct hook *)s;

	free(h->program);
	cc_strlist_release(&h->env);
	free(h);
}

static const struct cc_solver_ops hook_ops = {
	"dns-hook", "dns-01", hook_publish, hook_cleanup, hook_destroy
};

int cc_solver_dns_hook_new(struct cc_solver **out,
			   const struct cc_dns_hook_opts *opts,
			   struct cc_err *err)
{
	struct hook *h;
	size_t i;

	*out = NULL;
	if (!opts || !opts->program || !*opts->program)
		return cc_err_set(err, CC_EINVAL, "no dns hook program given");
	h = calloc(1, sizeof(*h));
	if (!h)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	h->base.ops = &hook_ops;
	h->timeout_ms = opts->timeout_ms ? opts->timeout_ms : 120000;
	h->program = strdup(opts->program);
	if (!h->program)
		goto nomem;
	for (i = 0; opts->env && opts->env[i]; i++) {
		if (!strchr(opts->env[i], '=')) {
			hook_destroy(&h->base);
			return cc_err_set(err, CC_EINVAL, "invalid environment "
					  "entry '%s' for the dns hook",
					  opts->env[i]);
		}
		if (cc_strlist_add(&h->env, opts->env[i]))
			goto nomem;
	}
	*out = &h->base;
	return CC_OK;
nomem:
	hook_destroy(&h->base);
	return cc_err_set(err, CC_ENOMEM, "out of memory");
}
