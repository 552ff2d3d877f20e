#include "b64.h"

#include <openssl/crypto.h>

static const char std_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int encode(const void *data, size_t len, struct cc_buf *out,
		  const char *alpha, int pad)
{
	const unsigned char *p = data;
	size_t i, n;
	char *o;
	unsigned v;

	if (len > ((size_t)-1 / 2) / 4 * 3 - 3)
		return CC_ENOMEM;
	n = (len + 2) / 3 * 4;
	if (cc_buf_grow(out, n))
		return CC_ENOMEM;
	o = out->data + out->len;
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		*o++ = alpha[v >> 18 & 63];
		*o++ = alpha[v >> 12 & 63];
		*o++ = alpha[v >> 6 & 63];
		*o++ = alpha[v & 63];
	}
	if (len - i == 1) {
		v = (unsigned)p[i] << 16;
		*o++ = alpha[v >> 18 & 63];
		*o++ = alpha[v >> 12 & 63];
		if (pad) {
			*o++ = '=';
			*o++ = '=';
		}
	} else if (len - i == 2) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
		*o++ = alpha[v >> 18 & 63];
		*o++ = alpha[v >> 12 & 63];
		*o++ = alpha[v >> 6 & 63];
		if (pad)
			*o++ = '=';
	}
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
	return CC_OK;
}

int cc_b64_encode(const void *data, size_t len, struct cc_buf *out)
{
	return encode(data, len, out, std_alpha, 1);
}

int cc_b64url_encode(const void *data, size_t len, struct cc_buf *out)
{
	return encode(data, len, out, url_alpha, 0);
}

static int value_of(char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\f' || c == '\v';
}

static int decode(const char *s, size_t len, struct cc_buf *out,
		  struct cc_err *err, int url)
{
	size_t i, start = out->len, npad = 0, nchars = 0;
	unsigned acc = 0;
	int bits = 0, v, ret = CC_OK;
	unsigned char byte;

	if (cc_buf_grow(out, len / 4 * 3 + 3))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	for (i = 0; i < len; i++) {
		if (!url && is_space(s[i]))
			continue;
		if (s[i] == '=') {
			npad++;
			continue;
		}
		v = value_of(s[i], url);
		if (v < 0 || npad) {
			ret = cc_err_set(err, CC_EINVAL, "invalid %s text",
					 url ? "base64url" : "base64");
			goto out;
		}
		nchars++;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			byte = (unsigned char)(acc >> bits & 0xff);
			out->data[out->len++] = (char)byte;
		}
	}
	/* 1 leftover character cannot encode a byte; padding must fit */
	if (nchars % 4 == 1 || npad > 2 ||
	    (npad && (nchars + npad) % 4 != 0)) {
		ret = cc_err_set(err, CC_EINVAL, "invalid %s length",
				 url ? "base64url" : "base64");
		goto out;
	}
out:
	if (ret) {
		OPENSSL_cleanse(out->data + start, out->len - start);
		out->len = start;
	}
	out->data[out->len] = '\0';
	return ret;
}

int cc_b64_decode(const char *s, size_t len, struct cc_buf *out,
		  struct cc_err *err)
{
	return decode(s, len, out, err, 0);
}

int cc_b64url_decode(const char *s, size_t len, struct cc_buf *out,
		     struct cc_err *err)
{
	return decode(s, len, out, err, 1);
}
