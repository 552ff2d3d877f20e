/*
 * Growable byte buffer. Always NUL-terminated (the NUL is not counted in
 * len), so text can be used as a C string. Secret buffers are wiped with
 * OPENSSL_cleanse before their memory is released.
 */
#ifndef CERTCTL_BUF_H
#define CERTCTL_BUF_H

#include <stddef.h>

#include "err.h"

struct cc_buf {
	char *data;
	size_t len;
	size_t cap;
	int secret;	/* wipe on release and on growth */
};

#define CC_BUF_INIT { NULL, 0, 0, 0 }
#define CC_BUF_SECRET_INIT { NULL, 0, 0, 1 }

void cc_buf_init(struct cc_buf *b);
/* Free the contents (wiping if secret); b is reusable afterwards. */
void cc_buf_release(struct cc_buf *b);
/* Make room for n more bytes. */
int cc_buf_grow(struct cc_buf *b, size_t n);
int cc_buf_add(struct cc_buf *b, const void *data, size_t len);
int cc_buf_adds(struct cc_buf *b, const char *s);
int cc_buf_addf(struct cc_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cc_buf_reset(struct cc_buf *b);
/* Hand the data to the caller (free() it); b becomes empty. */
char *cc_buf_detach(struct cc_buf *b, size_t *len);

#endif
