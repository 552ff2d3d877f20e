#include "out.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int out_quiet;
int out_verbose;
int out_json;

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fputs("certctl: ", stderr);
	if (prefix)
		fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void out_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
}

void out_warn(const char *fmt, ...)
{
	va_list ap;

	if (out_quiet)
		return;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void out_info(const char *fmt, ...)
{
	va_list ap;

	if (out_quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void out_debug(const char *fmt, ...)
{
	va_list ap;

	if (!out_verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int out_exit_code(int code)
{
	switch (code) {
	case CC_OK:
		return 0;
	case CC_EUSAGE:
	case CC_ECONFIG:
		return 2;
	case CC_EPENDING:
		return 4;
	default:
		return 1;
	}
}

int out_fail(const struct cc_err *err)
{
	out_error("%s", err->msg[0] ? err->msg : cc_strerror(err->code));
	return out_exit_code(err->code ? err->code : CC_ERR);
}

void out_print_json(cJSON *doc)
{
	char *s = cJSON_Print(doc);

	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		cJSON_free(s);
	} else {
		out_error("out of memory");
	}
	cJSON_Delete(doc);
}

int ask_yes_no(const char *question)
{
	char line[16];
	FILE *tty;
	int yes = 0;

	if (!isatty(STDIN_FILENO) || !(tty = fopen("/dev/tty", "r+")))
		return -1;
	fprintf(tty, "%s [y/N] ", question);
	fflush(tty);
	if (fgets(line, sizeof(line), tty))
		yes = line[0] == 'y' || line[0] == 'Y';
	fclose(tty);
	return yes;
}
