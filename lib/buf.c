#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

void cc_buf_init(struct cc_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->secret = 0;
}

void cc_buf_release(struct cc_buf *b)
{
	if (!b)
		return;
	if (b->data && b->secret)
		OPENSSL_cleanse(b->data, b->cap);
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int cc_buf_grow(struct cc_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > (size_t)-1 / 2 - b->len)
		return CC_ENOMEM;
	need = b->len + n + 1;
	if (need <= b->cap)
		return CC_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if (b->secret) {
		p = malloc(cap);
		if (!p)
			return CC_ENOMEM;
		if (b->data) {
			memcpy(p, b->data, b->len + 1);
			OPENSSL_cleanse(b->data, b->cap);
			free(b->data);
		}
	} else {
		p = realloc(b->data, cap);
		if (!p)
			return CC_ENOMEM;
	}
	if (!b->data)
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
	return CC_OK;
}

int cc_buf_add(struct cc_buf *b, const void *data, size_t len)
{
	if (cc_buf_grow(b, len))
		return CC_ENOMEM;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return CC_OK;
}

int cc_buf_adds(struct cc_buf *b, const char *s)
{
	return cc_buf_add(b, s, strlen(s));
}

int cc_buf_addf(struct cc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || cc_buf_grow(b, (size_t)n))
		return CC_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return CC_OK;
}

void cc_buf_reset(struct cc_buf *b)
{
	if (b->data && b->secret)
		OPENSSL_cleanse(b->data, b->cap);
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *cc_buf_detach(struct cc_buf *b, size_t *len)
{
	char *p = b->data;

	if (!p) {
		p = calloc(1, 1);
	}
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
