/* Reading secrets: from a file, an environment variable or a tty prompt. */
#ifndef CERTCTL_SECRET_H
#define CERTCTL_SECRET_H

#include "buf.h"

/*
 * Get a secret into out (a secret buffer): from file (first line, without
 * the line end), else from the environment variable env, else, when
 * allowed and a terminal is available, by prompting on /dev/tty without
 * echo (twice when confirm). Returns 0, or prints an error naming what
 * to use (what: "keystore password") and returns 2 (no source) or 1.
 */
int secret_get(const char *file, const char *env, const char *what,
	       int prompt, int confirm, struct cc_buf *out);

/* 1 if a secret source (file/env/tty) is available. */
int secret_available(const char *file, const char *env);

#endif
