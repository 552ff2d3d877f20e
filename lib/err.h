/*
 * Error codes and the error struct every lib/ and providers/ function fills.
 * Functions return CC_OK (0) or a negative CC_E* code; details go in
 * struct cc_err (which may be NULL).
 */
#ifndef CERTCTL_ERR_H
#define CERTCTL_ERR_H

#include <stdarg.h>

enum cc_errcode {
	CC_OK = 0,
	CC_ERR = -1,		/* generic failure */
	CC_ENOMEM = -2,
	CC_EINVAL = -3,		/* bad input (file, name, argument) */
	CC_ENOENT = -4,		/* no such certificate, file, account */
	CC_EEXIST = -5,
	CC_EIO = -6,
	CC_ELOCKED = -7,	/* lock could not be taken in time */
	CC_ECONFIG = -8,	/* configuration error (exit 2) */
	CC_ENET = -9,		/* transport failure */
	CC_EHTTP = -10,		/* unexpected HTTP status */
	CC_EPROTO = -11,	/* malformed server response */
	CC_EAUTH = -12,		/* credentials rejected */
	CC_ERATELIMIT = -13,
	CC_EPENDING = -14,	/* not issued yet: try again later */
	CC_ECHALLENGE = -15,	/* a challenge failed */
	CC_ECRYPTO = -16,
	CC_EUNSUPPORTED = -17,
	CC_EPASSWORD = -18,	/* wrong or missing password */
	CC_EMISMATCH = -19,	/* key does not match certificate */
	CC_EUSAGE = -20,	/* usage error (exit 2) */
	CC_ECORRUPT = -21,	/* repository data unreadable */
	CC_ETLS = -22,		/* server certificate not trusted (not retried) */
};

#define CC_ERR_MSG_MAX 512

struct cc_err {
	int code;
	char msg[CC_ERR_MSG_MAX];
	int http_status;	/* HTTP status of the failing response, or 0 */
	char problem[128];	/* ACME problem type or CA error code, or "" */
	unsigned retry_after;	/* seconds the server asked us to wait, or 0 */
};

#define CC_ERR_INIT { 0, "", 0, "", 0 }

/* Reset err to "no error". */
void cc_err_clear(struct cc_err *err);

/* Fill err (if not NULL) with code and a printf-style message; return code. */
int cc_err_set(struct cc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cc_err_vset(struct cc_err *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * Prepend "<context>: " to the message already in err; returns err->code
 * (or CC_ERR when err is NULL).
 */
int cc_err_prefix(struct cc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Like cc_err_set, then append ": <first OpenSSL error reason>" and clear the
 * OpenSSL error queue.
 */
int cc_err_openssl(struct cc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Short text for a code ("out of memory", "not found", ...). */
const char *cc_strerror(int code);

#endif
