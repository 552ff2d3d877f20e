/* Everything certctl prints goes through here (only cmd/ prints). */
#ifndef CERTCTL_OUT_H
#define CERTCTL_OUT_H

#include <cjson/cJSON.h>

#include "err.h"

extern int out_quiet;	/* -q: only errors */
extern int out_verbose;	/* -v: details */
extern int out_json;	/* --json */

void out_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress/info on stderr unless quiet (or json on stdout). */
void out_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Report err as "certctl: <msg>" and return the exit code for it. */
int out_fail(const struct cc_err *err);
/* Exit code for a library error code: 2 usage/config, 4 pending, else 1. */
int out_exit_code(int code);

/* Ask a yes/no question on the terminal: 1 yes, 0 no, -1 no terminal. */
int ask_yes_no(const char *question);

/* Print a cJSON document to stdout (pretty) and free it. */
void out_print_json(cJSON *doc);

#endif
