#include "util.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cc_duration_parse(const char *s, long long *seconds, struct cc_err *err)
{
	const char *p = s;
	long long total = 0, n, mult;
	int parts = 0;

	if (!s || !*s)
		goto bad;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			goto bad;
		n = 0;
		while (isdigit((unsigned char)*p)) {
			if (n > LLONG_MAX / 10 - 10)
				goto bad;
			n = n * 10 + (*p++ - '0');
		}
		switch (*p) {
		case '\0': mult = 1; break;
		case 's': mult = 1; p++; break;
		case 'm': mult = 60; p++; break;
		case 'h': mult = 3600; p++; break;
		case 'd': mult = 86400; p++; break;
		case 'w': mult = 7 * 86400; p++; break;
		default: goto bad;
		}
		if (n > (LLONG_MAX / 4) / mult)
			goto bad;
		total += n * mult;
		parts++;
		if (mult == 1 && !*p && parts > 1 && p[-1] != 's')
			goto bad;
	}
	*seconds = total;
	return CC_OK;
bad:
	return cc_err_set(err, CC_EUSAGE,
			  "invalid duration '%s' (use e.g. 30d, 12h, 90m, 45s)",
			  s ? s : "");
}

void cc_duration_format(long long s, char *buf, size_t size)
{
	size_t off = 0;
	static const struct { long long mult; char unit; } u[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
	size_t i;

	if (s <= 0) {
		snprintf(buf, size, "0s");
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < 4 && off < size; i++) {
		if (s >= u[i].mult) {
			off += (size_t)snprintf(buf + off, size - off, "%lld%c",
						s / u[i].mult, u[i].unit);
			s %= u[i].mult;
		}
	}
}

char *cc_strdup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

int cc_str_set(char **dst, const char *src)
{
	char *c = NULL;

	if (src && !(c = strdup(src)))
		return CC_ENOMEM;
	free(*dst);
	*dst = c;
	return CC_OK;
}

size_t cc_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, tmp, best;
	size_t row[65];

	if (la > 64 || lb > 64)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

int cc_strlist_add(struct cc_strlist *l, const char *s)
{
	char **v, *c = strdup(s);

	if (!c)
		return CC_ENOMEM;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v) {
		free(c);
		return CC_ENOMEM;
	}
	l->v = v;
	l->v[l->n++] = c;
	return CC_OK;
}

int cc_strlist_has(const struct cc_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

void cc_strlist_release(struct cc_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
