#include "err.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

void cc_err_clear(struct cc_err *err)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
}

int cc_err_vset(struct cc_err *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int cc_err_set(struct cc_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cc_err_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int cc_err_prefix(struct cc_err *err, const char *fmt, ...)
{
	char pre[CC_ERR_MSG_MAX], old[CC_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return CC_ERR;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", pre, old);
	return err->code ? err->code : CC_ERR;
}

int cc_err_openssl(struct cc_err *err, int code, const char *fmt, ...)
{
	unsigned long e = ERR_get_error();
	const char *reason = NULL;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	cc_err_vset(err, code, fmt, ap);
	va_end(ap);
	if (e)
		reason = ERR_reason_error_string(e);
	ERR_clear_error();
	if (err && reason) {
		len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", reason);
	}
	return code;
}

const char *cc_strerror(int code)
{
	switch (code) {
	case CC_OK: return "success";
	case CC_ENOMEM: return "out of memory";
	case CC_EINVAL: return "invalid input";
	case CC_ENOENT: return "not found";
	case CC_EEXIST: return "already exists";
	case CC_EIO: return "input/output error";
	case CC_ELOCKED: return "locked by another certctl process";
	case CC_ECONFIG: return "configuration error";
	case CC_ENET: return "network error";
	case CC_EHTTP: return "unexpected HTTP status";
	case CC_EPROTO: return "malformed server response";
	case CC_EAUTH: return "authentication failed";
	case CC_ERATELIMIT: return "rate limited";
	case CC_EPENDING: return "pending";
	case CC_ECHALLENGE: return "challenge failed";
	case CC_ECRYPTO: return "cryptographic error";
	case CC_EUNSUPPORTED: return "not supported";
	case CC_EPASSWORD: return "wrong password";
	case CC_EMISMATCH: return "key does not match certificate";
	case CC_EUSAGE: return "usage error";
	case CC_ECORRUPT: return "corrupt data";
	case CC_ETLS: return "server certificate not trusted";
	default: return "error";
	}
}
