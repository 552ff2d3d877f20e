#include "secret.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "fsutil.h"
#include "out.h"

static int tty_read(int fd, const char *prompt, struct cc_buf *out)
{
	struct termios old, noecho;
	char c;
	ssize_t n;
	int restore = 0;

	if (write(fd, prompt, strlen(prompt)) < 0)
		return -1;
	if (tcgetattr(fd, &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		noecho.c_lflag |= ECHONL;
		if (tcsetattr(fd, TCSAFLUSH, &noecho) == 0)
			restore = 1;
	}
	for (;;) {
		n = read(fd, &c, 1);
		if (n <= 0 || c == '\n' || c == '\r')
			break;
		if (cc_buf_add(out, &c, 1))
			break;
	}
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	c = 0;
	return n < 0 ? -1 : 0;
}

int secret_available(const char *file, const char *env)
{
	int fd;

	if (file || (env && getenv(env)))
		return 1;
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int secret_get(const char *file, const char *env, const char *what,
	       int prompt, int confirm, struct cc_buf *out)
{
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf again = CC_BUF_SECRET_INIT;
	char line[128];
	const char *v;
	int fd, rc = 1;

	out->secret = 1;
	if (file) {
		if (cc_read_file(file, out, &err))
			return out_fail(&err);
		char *nl = memchr(out->data ? out->data : "", '\n', out->len);
		if (nl) {
			out->len = (size_t)(nl - out->data);
			if (out->len && out->data[out->len - 1] == '\r')
				out->len--;
			out->data[out->len] = '\0';
		}
		if (!out->data)
			cc_buf_adds(out, "");
		return 0;
	}
	if (env) {
		v = getenv(env);
		if (!v) {
			out_error("environment variable '%s' is not set", env);
			return 2;
		}
		if (cc_buf_adds(out, v))
			return 1;
		return 0;
	}
	fd = prompt ? open("/dev/tty", O_RDWR | O_CLOEXEC) : -1;
	if (fd < 0) {
		out_error("a %s is needed: use --password-file FILE or "
			  "--password-env VAR", what);
		return 2;
	}
	snprintf(line, sizeof(line), "%s: ", what);
	line[0] = (char)((line[0] >= 'a' && line[0] <= 'z') ? line[0] - 32 :
							    line[0]);
	if (tty_read(fd, line, out) < 0)
		goto out;
	if (confirm) {
		snprintf(line, sizeof(line), "Repeat the %s: ", what);
		if (tty_read(fd, line, &again) < 0)
			goto out;
		if (again.len != out->len ||
		    (out->len && memcmp(again.data, out->data, out->len))) {
			out_error("the two entries differ");
			goto out;
		}
	}
	if (!out->data)
		cc_buf_adds(out, "");
	rc = 0;
out:
	cc_buf_release(&again);
	close(fd);
	return rc;
}
