/*
 * Base64 (RFC 4648 section 4, padded) and base64url (section 5, unpadded as
 * JOSE and ACME use it) encoding and decoding. Output is appended to a
 * struct cc_buf (set out->secret before decoding a secret).
 */
#ifndef CERTCTL_B64_H
#define CERTCTL_B64_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Append the padded base64 of data to out. CC_ENOMEM on failure. */
int cc_b64_encode(const void *data, size_t len, struct cc_buf *out);

/* Append the unpadded base64url of data to out. CC_ENOMEM on failure. */
int cc_b64url_encode(const void *data, size_t len, struct cc_buf *out);

/*
 * Decode len characters of base64 text and append the bytes to out. ASCII
 * whitespace is skipped (PEM bodies); '=' padding is optional but only at
 * the end. CC_EINVAL on any other character or an impossible length.
 */
int cc_b64_decode(const char *s, size_t len, struct cc_buf *out,
		  struct cc_err *err);

/*
 * Decode base64url text (alphabet '-' and '_'); trailing '=' padding is
 * tolerated, whitespace is not. CC_EINVAL on bad input.
 */
int cc_b64url_decode(const char *s, size_t len, struct cc_buf *out,
		     struct cc_err *err);

#endif
