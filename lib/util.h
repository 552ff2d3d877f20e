/* Small shared helpers: durations, string lists, strings. */
#ifndef CERTCTL_UTIL_H
#define CERTCTL_UTIL_H

#include <stddef.h>

#include "err.h"

/*
 * Parse a duration: a positive integer followed by s, m, h, d or w
 * ("30d", "12h", "90m", "45s", "2w"); a bare integer is seconds.
 * Several parts may be combined ("1d12h"). CC_EUSAGE on bad input.
 */
int cc_duration_parse(const char *s, long long *seconds, struct cc_err *err);

/* Format seconds compactly ("30d", "1d12h", "45s"). buf >= 32. */
void cc_duration_format(long long seconds, char *buf, size_t size);

/* strdup that returns NULL for NULL. */
char *cc_strdup0(const char *s);

/* Replace *dst with a copy of src (NULL allowed). CC_ENOMEM on failure. */
int cc_str_set(char **dst, const char *src);

/* Levenshtein distance (bounded inputs; used for "did you mean"). */
size_t cc_edit_distance(const char *a, const char *b);

/* Growable list of owned strings. */
struct cc_strlist {
	char **v;
	size_t n;
};

#define CC_STRLIST_INIT { NULL, 0 }

int cc_strlist_add(struct cc_strlist *l, const char *s);
int cc_strlist_has(const struct cc_strlist *l, const char *s);
void cc_strlist_release(struct cc_strlist *l);

#endif
