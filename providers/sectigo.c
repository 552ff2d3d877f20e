/*
 * Sectigo Certificate Manager REST client. See sectigo.h and
 * shared/ref/sectigo-scm-api.md.
 */
#include "sectigo.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#define DEFAULT_ATTEMPTS 3
#define DEFAULT_BACKOFF_MS 2000
#define DEFAULT_BACKOFF_MAX_MS 30000
#define DEFAULT_MAX_PAGES 1000
#define DESC_MAX 300		/* bytes of an SCM description kept */

struct cc_sectigo {
	char *base;		/* no trailing '/' */
	char *login;
	char *customer_uri;
	char *password;
	size_t password_len;
	struct cc_http *http;
	const struct cc_clock *clock;
	unsigned max_attempts;
	unsigned backoff_ms;
	unsigned backoff_max_ms;
	unsigned max_pages;
};

/* What an error response said, for callers that look at the SCM code. */
struct scm_result {
	long code;
	int have_code;
};

enum call_flags {
	CALL_COLLECT = 1 << 0,	/* any Accept; "try later" codes are answers */
};

/* ---- small helpers ------------------------------------------------------ */

static int set_err(struct cc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* cc_err_set that also clears what an earlier error left in err. */
static int set_err(struct cc_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->http_status = 0;
		err->problem[0] = '\0';
		err->retry_after = 0;
	}
	va_start(ap, fmt);
	cc_err_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

static int valid_header_value(const char *v)
{
	const unsigned char *p;

	if (!v || !*v)
		return 0;
	for (p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Characters, not bytes, of UTF-8 text. */
static size_t utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Overwrite every occurrence of secret in msg (in place). */
static void redact(char *msg, const char *secret)
{
	size_t n;
	char *p = msg;

	if (!msg || !secret || !(n = strlen(secret)))
		return;
	while ((p = strstr(p, secret)) != NULL) {
		if (n >= 3) {
			memcpy(p, "***", 3);
			memmove(p + 3, p + n, strlen(p + n) + 1);
			p += 3;
		} else {
			memset(p, '*', n);
			p += n;
		}
	}
}

/* Room for one more element in an array grown in steps of 64. */
static int reserve(void **v, size_t n, size_t elem)
{
	size_t cap = (n + 63) / 64 * 64;
	void *p;

	if (n < cap)
		return CC_OK;
	if (cap + 64 > ((size_t)-1) / elem)
		return CC_ENOMEM;
	p = realloc(*v, (cap + 64) * elem);
	if (!p)
		return CC_ENOMEM;
	*v = p;
	return CC_OK;
}

static void strv_free(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int add_param(struct cc_buf *b, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	int ret;

	ret = cc_buf_addf(b, "&%s=", name);
	for (p = (const unsigned char *)value; !ret && *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' ||
		    *p == '~')
			ret = cc_buf_add(b, p, 1);
		else
			ret = cc_buf_addf(b, "%%%c%c", hex[*p >> 4],
					  hex[*p & 15]);
	}
	return ret;
}

/* Percent-encode one path segment. */
static int add_segment(struct cc_buf *b, const char *seg)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	int ret = CC_OK;

	for (p = (const unsigned char *)seg; !ret && *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' ||
		    *p == '~')
			ret = cc_buf_add(b, p, 1);
		else
			ret = cc_buf_addf(b, "%%%c%c", hex[*p >> 4],
					  hex[*p & 15]);
	}
	return ret;
}

/* CSR text: PEM armour and base64 only, trailing whitespace removed. */
static int check_csr(const char *csr, char **trimmed, struct cc_err *err)
{
	const char *p;
	size_t n;

	*trimmed = NULL;
	if (!csr)
		return set_err(err, CC_EINVAL, "a csr is required");
	n = strlen(csr);
	while (n && isspace((unsigned char)csr[n - 1]))
		n--;
	if (!n)
		return set_err(err, CC_EINVAL, "a csr is required");
	if (n > CC_SECTIGO_CSR_MAX)
		return set_err(err, CC_EINVAL,
				  "csr is longer than %d characters",
				  CC_SECTIGO_CSR_MAX);
	if (strncmp(csr, "-----BEGIN", 10) != 0)
		return set_err(err, CC_EINVAL, "csr is not in pem form");
	for (p = csr; p < csr + n; p++)
		if (!isalnum((unsigned char)*p) && !strchr("+/=- \t\r\n", *p))
			return set_err(err, CC_EINVAL,
					  "csr contains characters scm does not accept");
	*trimmed = malloc(n + 1);
	if (!*trimmed)
		return set_err(err, CC_ENOMEM, "out of memory");
	memcpy(*trimmed, csr, n);
	(*trimmed)[n] = '\0';
	return CC_OK;
}

/* ---- dates and states --------------------------------------------------- */

static int digits(const char **s, int n, int *out)
{
	int v = 0;

	while (n--) {
		if (!isdigit((unsigned char)**s))
			return -1;
		v = v * 10 + (**s - '0');
		(*s)++;
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int month_days(int y, int m)
{
	static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				  30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return md[m - 1];
}

int cc_sectigo_parse_date(const char *s, time_t *out, struct cc_err *err)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0, sign = 0;
	long long t;

	if (!s)
		return set_err(err, CC_EPROTO, "missing date");
	if (strlen(s) >= 10 && s[2] == '/' && s[5] == '/') {
		if (digits(&p, 2, &mo) || *p++ != '/' || digits(&p, 2, &d) ||
		    *p++ != '/' || digits(&p, 4, &y) || *p)
			goto bad;
	} else {
		if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
		    *p++ != '-' || digits(&p, 2, &d))
			goto bad;
		if (*p == 'T' || *p == ' ') {
			p++;
			if (digits(&p, 2, &h) || *p++ != ':' ||
			    digits(&p, 2, &mi))
				goto bad;
			if (*p == ':') {
				p++;
				if (digits(&p, 2, &se))
					goto bad;
			}
			if (*p == '.')
				for (p++; isdigit((unsigned char)*p); p++)
					;
			if (*p == 'Z') {
				p++;
			} else if (*p == '+' || *p == '-') {
				sign = *p++ == '+' ? 1 : -1;
				if (digits(&p, 2, &oh))
					goto bad;
				if (*p == ':')
					p++;
				if (digits(&p, 2, &om))
					goto bad;
			}
		}
		if (*p)
			goto bad;
	}
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > month_days(y, mo) || h > 23 || mi > 59 || se > 60 ||
	    oh > 23 || om > 59)
		goto bad;
	t = days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + se;
	t -= sign * (oh * 3600LL + om * 60LL);
	if (sizeof(time_t) < 8 && t > INT_MAX)
		goto bad;
	*out = (time_t)t;
	return CC_OK;
bad:
	return set_err(err, CC_EPROTO, "cannot parse scm date '%.40s'", s);
}

enum cc_sectigo_state cc_sectigo_state_parse(const char *status)
{
	static const struct {
		const char *name;
		enum cc_sectigo_state st;
	} map[] = {
		{ "requested", CC_SECTIGO_PENDING },
		{ "approved", CC_SECTIGO_PENDING },
		{ "saapproved", CC_SECTIGO_PENDING },
		{ "applied", CC_SECTIGO_PENDING },
		{ "init", CC_SECTIGO_PENDING },
		{ "issued", CC_SECTIGO_ISSUED },
		{ "declined", CC_SECTIGO_FAILED },
		{ "rejected", CC_SECTIGO_FAILED },
		{ "invalid", CC_SECTIGO_FAILED },
		{ "revoked", CC_SECTIGO_REVOKED },
		{ "expired", CC_SECTIGO_EXPIRED },
		{ "replaced", CC_SECTIGO_REPLACED },
	};
	char key[32];
	size_t i, n = 0;

	if (!status)
		return CC_SECTIGO_UNKNOWN;
	for (; *status; status++) {
		if (isspace((unsigned char)*status) || *status == '_')
			continue;
		if (n + 1 >= sizeof(key))
			return CC_SECTIGO_UNKNOWN;
		key[n++] = (char)tolower((unsigned char)*status);
	}
	key[n] = '\0';
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(key, map[i].name) == 0)
			return map[i].st;
	return CC_SECTIGO_UNKNOWN;
}

const char *cc_sectigo_state_name(enum cc_sectigo_state st)
{
	switch (st) {
	case CC_SECTIGO_PENDING: return "pending";
	case CC_SECTIGO_ISSUED: return "issued";
	case CC_SECTIGO_FAILED: return "failed";
	case CC_SECTIGO_REVOKED: return "revoked";
	case CC_SECTIGO_EXPIRED: return "expired";
	case CC_SECTIGO_REPLACED: return "replaced";
	default: return "unknown";
	}
}

/* ---- JSON getters ------------------------------------------------------- */

static cJSON *parse_json(const char *json, size_t len, int array,
			 const char *what, struct cc_err *err)
{
	cJSON *root = NULL;

	if (json && len)
		root = cJSON_ParseWithLength(json, len);
	if (!root || (array ? !cJSON_IsArray(root) : !cJSON_IsObject(root))) {
		cJSON_Delete(root);
		set_err(err, CC_EPROTO,
			   "malformed scm response to %s: expected a json %s",
			   what, array ? "array" : "object");
		return NULL;
	}
	return root;
}

static int bad_field(struct cc_err *err, const char *name, const char *want)
{
	return set_err(err, CC_EPROTO,
			  "malformed scm response: '%s' is not %s", name, want);
}

/* Fill one item (a struct of the list's type) from a JSON value. */
typedef int (*fill_fn)(const cJSON *o, void *item, struct cc_err *err);

/* A JSON object filled into out; the caller releases out on failure. */
static int parse_one(const char *json, size_t len, const char *what,
		     fill_fn fill, void *out, struct cc_err *err)
{
	cJSON *root = parse_json(json, len, 0, what, err);
	int ret;

	if (!root)
		return CC_EPROTO;
	ret = fill(root, out, err);
	cJSON_Delete(root);
	return ret;
}

/*
 * A JSON array appended to *v (*n items of elem bytes), each item filled
 * in turn; *count (if count) counts the items seen. The caller releases
 * the list on failure.
 */
static int parse_list(const char *json, size_t len, const char *what,
		      fill_fn fill, void **v, size_t *n, size_t elem,
		      size_t *count, struct cc_err *err)
{
	cJSON *root = parse_json(json, len, 1, what, err);
	const cJSON *o;
	int ret = CC_OK;

	if (!root)
		return CC_EPROTO;
	cJSON_ArrayForEach(o, root) {
		if (reserve(v, *n, elem)) {
			ret = set_err(err, CC_ENOMEM, "out of memory");
			break;
		}
		ret = fill(o, (char *)*v + (*n)++ * elem, err);
		if (count)
			(*count)++;
		if (ret)
			break;
	}
	cJSON_Delete(root);
	return ret;
}

/* Integer field; absent or null leaves *out alone unless required. */
static int get_long(const cJSON *o, const char *name, int required,
		    long *out, struct cc_err *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	char *end;
	double d;
	long v;

	if (!it || cJSON_IsNull(it)) {
		if (required)
			return set_err(err, CC_EPROTO,
					  "malformed scm response: '%s' is missing",
					  name);
		return CC_OK;
	}
	if (cJSON_IsNumber(it)) {
		d = it->valuedouble;
		if (!(d >= -9.0e15 && d <= 9.0e15) ||
		    (double)(long long)d != d || d > (double)LONG_MAX ||
		    d < (double)LONG_MIN)
			return bad_field(err, name, "an integer");
		*out = (long)d;
		return CC_OK;
	}
	if (cJSON_IsString(it) && it->valuestring[0]) {
		errno = 0;
		v = strtol(it->valuestring, &end, 10);
		if (!errno && !*end) {
			*out = v;
			return CC_OK;
		}
	}
	return bad_field(err, name, "an integer");
}

static int get_int(const cJSON *o, const char *name, int required, int *out,
		   struct cc_err *err)
{
	long v = *out;
	int ret = get_long(o, name, required, &v, err);

	if (ret)
		return ret;
	if (v < INT_MIN || v > INT_MAX)
		return bad_field(err, name, "a small integer");
	*out = (int)v;
	return CC_OK;
}

/* String field (numbers are turned into text); absent/null -> NULL. */
static int get_str(const cJSON *o, const char *name, int required,
		   char **out, struct cc_err *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	char num[64];
	const char *v;

	free(*out);
	*out = NULL;
	if (!it || cJSON_IsNull(it)) {
		if (required)
			return set_err(err, CC_EPROTO,
					  "malformed scm response: '%s' is missing",
					  name);
		return CC_OK;
	}
	if (cJSON_IsString(it)) {
		v = it->valuestring;
	} else if (cJSON_IsNumber(it)) {
		snprintf(num, sizeof(num), "%.17g", it->valuedouble);
		v = num;
	} else {
		return bad_field(err, name, "a string");
	}
	*out = strdup(v);
	if (!*out)
		return set_err(err, CC_ENOMEM, "out of memory");
	return CC_OK;
}

/* Boolean field: 1/0, or -1 when absent or null. */
static int get_bool(const cJSON *o, const char *name, int *out,
		    struct cc_err *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = -1;
	if (!it || cJSON_IsNull(it))
		return CC_OK;
	if (!cJSON_IsBool(it))
		return bad_field(err, name, "a boolean");
	*out = cJSON_IsTrue(it) ? 1 : 0;
	return CC_OK;
}

static int push_str(char ***v, size_t *n, const char *s, size_t len)
{
	char *c;

	if (reserve((void **)v, *n, sizeof(**v)))
		return CC_ENOMEM;
	c = malloc(len + 1);
	if (!c)
		return CC_ENOMEM;
	memcpy(c, s, len);
	c[len] = '\0';
	(*v)[(*n)++] = c;
	return CC_OK;
}

/*
 * Array of strings (numbers allowed, turned into text). A plain string is
 * taken as a comma-separated list. Absent/null -> empty.
 */
static int get_strv(const cJSON *o, const char *name, char ***out,
		    size_t *n, struct cc_err *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name), *e;
	const char *p, *q;
	char num[64];
	int ret = CC_OK;

	strv_free(*out, *n);
	*out = NULL;
	*n = 0;
	if (!it || cJSON_IsNull(it))
		return CC_OK;
	if (cJSON_IsString(it)) {
		for (p = it->valuestring; !ret && *p; p = *q ? q + 1 : q) {
			while (*p == ' ')
				p++;
			q = strchr(p, ',');
			if (!q)
				q = p + strlen(p);
			if (q > p)
				ret = push_str(out, n, p, (size_t)(q - p));
		}
		goto out;
	}
	if (!cJSON_IsArray(it))
		return bad_field(err, name, "an array of strings");
	cJSON_ArrayForEach(e, it) {
		if (cJSON_IsString(e)) {
			p = e->valuestring;
		} else if (cJSON_IsNumber(e)) {
			snprintf(num, sizeof(num), "%.17g", e->valuedouble);
			p = num;
		} else {
			ret = bad_field(err, name, "an array of strings");
			goto out;
		}
		ret = push_str(out, n, p, strlen(p));
		if (ret)
			break;
	}
out:
	if (ret == CC_ENOMEM)
		set_err(err, CC_ENOMEM, "out of memory");
	if (ret) {
		strv_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

/* Date field; absent, null or "" -> 0. */
static int get_date(const cJSON *o, const char *name, time_t *out,
		    struct cc_err *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = 0;
	if (!it || cJSON_IsNull(it) ||
	    (cJSON_IsString(it) && !it->valuestring[0]))
		return CC_OK;
	if (!cJSON_IsString(it))
		return bad_field(err, name, "a date");
	if (cc_sectigo_parse_date(it->valuestring, out, err))
		return cc_err_prefix(err, "malformed scm response: '%s'",
				     name);
	return CC_OK;
}

/* ---- error mapping ------------------------------------------------------ */

static int code_for(long status, int have_code, long code)
{
	if (status == 401)
		return CC_EAUTH;
	if (status == 429)
		return CC_ERATELIMIT;
	if (have_code) {
		switch (code) {
		case -16: case -970:
		case -3: case -25: case -37: case -226:
			return CC_EAUTH;
		case -183: case -1400: case -109:
			return CC_EPENDING;
		case -124: case -1117: case -123: case -1023: case -727:
			return CC_ENOENT;
		case -126: case -1450: case -180: case -8408: case -1148:
			return CC_EUNSUPPORTED;
		case -107: case -737: case -1137: case -843:
			return CC_ECHALLENGE;
		case -195: case -140: case -129:
		case -1: case -2: case -14: case -65:
			return CC_EHTTP;
		default:
			break;
		}
	}
	if (status == 403)
		return CC_EAUTH;
	if (status == 404)
		return CC_ENOENT;
	if (status == 400 && have_code)
		return CC_EINVAL;
	return CC_EHTTP;
}

/* Length of s[0..n) without a trailing incomplete UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t n)
{
	size_t lead = n, want;
	unsigned char c;

	while (lead && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (!lead)
		return n;
	c = (unsigned char)s[lead - 1];
	if (c < 0x80)
		return n;
	want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	return n - (lead - 1) >= want ? n : lead - 1;
}

/* One line of at most DESC_MAX bytes, cut on a UTF-8 boundary. */
static void clean_desc(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && n + 1 < size; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			continue;
		out[n++] = (char)c;
	}
	if (*in)	/* truncated: do not leave half a character */
		n = utf8_cut(out, n);
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static int map_error(long status, const char *body, size_t len,
		     struct scm_result *res, struct cc_err *err)
{
	char desc[DESC_MAX + 1] = "";
	const cJSON *c, *d;
	cJSON *root = NULL;
	long code = 0;
	int have = 0, ret;
	char *end;

	if (body && len)
		root = cJSON_ParseWithLength(body, len);
	if (cJSON_IsObject(root)) {
		c = cJSON_GetObjectItemCaseSensitive(root, "code");
		if (cJSON_IsNumber(c) && c->valuedouble >= -1e9 &&
		    c->valuedouble <= 1e9 &&
		    (double)(long)c->valuedouble == c->valuedouble) {
			code = (long)c->valuedouble;
			have = 1;
		} else if (cJSON_IsString(c) && c->valuestring[0]) {
			code = strtol(c->valuestring, &end, 10);
			have = !*end && code > -1000000000L &&
			       code < 1000000000L;
		}
		d = cJSON_GetObjectItemCaseSensitive(root, "description");
		if (!cJSON_IsString(d) || !d->valuestring[0])
			d = cJSON_GetObjectItemCaseSensitive(root, "details");
		if (cJSON_IsString(d))
			clean_desc(d->valuestring, desc, sizeof(desc));
	}
	if (!have)
		code = 0;
	ret = code_for(status, have, code);
	if (have)
		set_err(err, ret, "%s (SCM code %ld)",
			   desc[0] ? desc : "scm error", code);
	else
		set_err(err, ret, "unexpected http status %ld from scm",
			   status);
	if (err) {
		err->http_status = (int)status;
		if (have)
			snprintf(err->problem, sizeof(err->problem), "%ld",
				 code);
		else
			err->problem[0] = '\0';
		err->retry_after = 0;
	}
	if (res) {
		res->code = code;
		res->have_code = have;
	}
	cJSON_Delete(root);
	return ret;
}

int cc_sectigo_map_error(long http_status, const char *body, size_t len,
			 struct cc_err *err)
{
	return map_error(http_status, body, len, NULL, err);
}

/* ---- client ------------------------------------------------------------- */

int cc_sectigo_new(struct cc_sectigo **out, const struct cc_sectigo_opts *opts,
		   struct cc_err *err)
{
	struct cc_sectigo *s = NULL;
	size_t n;
	int ret = CC_OK;

	*out = NULL;
	if (!opts || !opts->http) {
		ret = set_err(err, CC_EINVAL, "sectigo: no http transport");
		goto out;
	}
	if (!opts->base_url || strncasecmp(opts->base_url, "https://", 8) ||
	    strlen(opts->base_url) <= 8 || has_ctl(opts->base_url) ||
	    strpbrk(opts->base_url, " ?#")) {
		ret = set_err(err, CC_EINVAL,
				 "sectigo: base url must be an https url, "
				 "e.g. 'https://cert-manager.com/api'");
		goto out;
	}
	if (!valid_header_value(opts->login) ||
	    !valid_header_value(opts->customer_uri)) {
		ret = set_err(err, CC_EINVAL,
				 "sectigo: login and customer uri must be "
				 "non-empty without control characters");
		goto out;
	}
	if (!valid_header_value(opts->password)) {
		ret = set_err(err, CC_EINVAL,
				 "sectigo: password must be non-empty without "
				 "control characters");
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto oom;
	n = strlen(opts->base_url);
	while (n > 8 && opts->base_url[n - 1] == '/')
		n--;
	s->base = strndup(opts->base_url, n);
	s->login = strdup(opts->login);
	s->customer_uri = strdup(opts->customer_uri);
	s->password_len = strlen(opts->password);
	s->password = malloc(s->password_len + 1);
	if (!s->base || !s->login || !s->customer_uri || !s->password)
		goto oom;
	memcpy(s->password, opts->password, s->password_len + 1);
	s->http = opts->http;
	s->clock = opts->clock ? opts->clock : &cc_clock_real;
	s->max_attempts = opts->max_attempts ? opts->max_attempts :
			  DEFAULT_ATTEMPTS;
	s->backoff_ms = opts->backoff_ms ? opts->backoff_ms :
			DEFAULT_BACKOFF_MS;
	s->backoff_max_ms = opts->backoff_max_ms ? opts->backoff_max_ms :
			    DEFAULT_BACKOFF_MAX_MS;
	s->max_pages = opts->max_pages ? opts->max_pages : DEFAULT_MAX_PAGES;
	*out = s;
	s = NULL;
	goto out;
oom:
	ret = set_err(err, CC_ENOMEM, "out of memory");
out:
	cc_sectigo_free(s);
	return ret;
}

void cc_sectigo_free(struct cc_sectigo *s)
{
	if (!s)
		return;
	if (s->password)
		OPENSSL_cleanse(s->password, s->password_len);
	free(s->password);
	free(s->base);
	free(s->login);
	free(s->customer_uri);
	free(s);
}

static int idempotent(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static int retryable(const char *method, long status,
		     const struct scm_result *r, unsigned flags)
{
	if (r->have_code) {
		switch (r->code) {
		case -195: case -140: case -129:
			return 1;
		case -1400: case -109:
			return !(flags & CALL_COLLECT);
		default:
			break;
		}
	}
	if (status == 429 || status == 503)
		return 1;
	return status >= 500 && status <= 599 && idempotent(method);
}

static unsigned backoff(const struct cc_sectigo *s, unsigned attempt)
{
	unsigned long long w = s->backoff_ms;

	while (--attempt && w < s->backoff_max_ms)
		w *= 2;
	return w > s->backoff_max_ms ? s->backoff_max_ms : (unsigned)w;
}

/*
 * One SCM call with retries. On a non-2xx answer the response stays in
 * resp (callers release it), err is filled and the CC_E* code returned;
 * res (if not NULL) gets the SCM error code.
 */
static int scm_call(struct cc_sectigo *s, const char *method,
		    const char *path, const char *body, unsigned flags,
		    struct cc_http_response *resp, struct scm_result *res,
		    struct cc_err *err)
{
	struct cc_buf url = CC_BUF_INIT, login = CC_BUF_INIT;
	struct cc_buf cust = CC_BUF_INIT, pw = CC_BUF_SECRET_INIT;
	struct scm_result r = { 0, 0 };
	struct cc_http_request req;
	const char *hdrs[7];
	unsigned attempt, ra, wait;
	size_t nh = 0;
	char *hit;
	int ret;

	if (cc_buf_addf(&url, "%s%s", s->base, path) ||
	    cc_buf_addf(&login, "login: %s", s->login) ||
	    cc_buf_addf(&cust, "customerUri: %s", s->customer_uri) ||
	    cc_buf_adds(&pw, "password: ") ||
	    cc_buf_add(&pw, s->password, s->password_len)) {
		ret = set_err(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	hdrs[nh++] = login.data;
	hdrs[nh++] = pw.data;
	hdrs[nh++] = cust.data;
	hdrs[nh++] = flags & CALL_COLLECT ? "Accept: */*" :
		     "Accept: application/json";
	if (body)
		hdrs[nh++] = "Content-Type: application/json;charset=UTF-8";
	hdrs[nh] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url.data;
	req.headers = hdrs;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.secret_headers = 1;

	for (attempt = 1;; attempt++) {
		cc_err_clear(err);
		r.code = 0;
		r.have_code = 0;
		cc_http_response_release(resp);
		ret = cc_http_perform(s->http, &req, resp, err);
		if (ret == CC_ENET && idempotent(method) &&
		    attempt < s->max_attempts) {
			cc_sleep_ms(s->clock, backoff(s, attempt));
			continue;
		}
		if (ret)
			goto out;
		if (resp->status >= 200 && resp->status <= 299)
			goto out;
		/* a server that echoes the password must not leak it */
		while (resp->body.data &&
		       (hit = strstr(resp->body.data, s->password)) != NULL) {
			memmove(hit, hit + s->password_len,
				resp->body.len - (size_t)(hit - resp->body.data) -
				s->password_len + 1);
			resp->body.len -= s->password_len;
		}
		ret = map_error(resp->status, resp->body.data, resp->body.len,
				&r, err);
		ra = cc_http_retry_after(cc_http_header_get(resp,
							    "Retry-After"),
					 cc_now(s->clock));
		if (err)
			err->retry_after = ra;
		if (!retryable(method, resp->status, &r, flags) ||
		    attempt >= s->max_attempts)
			goto out;
		wait = backoff(s, attempt);
		if (ra && ra * 1000u > wait)
			wait = ra * 1000u;
		if (wait > s->backoff_max_ms)
			goto out;	/* longer than we wait: caller decides */
		cc_sleep_ms(s->clock, wait);
	}
out:
	if (ret && err)
		redact(err->msg, s->password);
	if (res)
		*res = r;
	cc_buf_release(&url);
	cc_buf_release(&login);
	cc_buf_release(&cust);
	cc_buf_release(&pw);
	return ret;
}

/* GET path, expect 2xx, hand the body to parse. */
static int scm_get(struct cc_sectigo *s, const char *path,
		   struct cc_http_response *resp, struct cc_err *err)
{
	return scm_call(s, "GET", path, NULL, 0, resp, NULL, err);
}

int cc_sectigo_check(struct cc_sectigo *s, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	struct cc_sectigo_profiles p = { NULL, 0 };
	int ret;


	/* a 200 that is not SCM's profile list (a proxy page) is no success */
	ret = scm_get(s, "/ssl/v1/types", &resp, err);
	if (!ret)
		ret = cc_sectigo_parse_profiles(resp.body.data, resp.body.len,
						&p, err);
	cc_sectigo_profiles_release(&p);
	cc_http_response_release(&resp);
	return ret;
}

/* ---- organizations ------------------------------------------------------ */

void cc_sectigo_org_release(struct cc_sectigo_org *o)
{
	size_t i;

	if (!o)
		return;
	free(o->name);
	for (i = 0; i < o->ndepts; i++) {
		free(o->depts[i].name);
		free(o->depts[i].parent_name);
	}
	free(o->depts);
	strv_free(o->cert_types, o->ncert_types);
	memset(o, 0, sizeof(*o));
	o->ssl_api_enabled = -1;
}

void cc_sectigo_orgs_release(struct cc_sectigo_orgs *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		cc_sectigo_org_release(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int fill_org(const cJSON *o, void *item, struct cc_err *err)
{
	struct cc_sectigo_org *out = item;
	const cJSON *depts, *d;
	struct cc_sectigo_dept *nd;
	int ret;

	memset(out, 0, sizeof(*out));
	out->ssl_api_enabled = -1;
	if (!cJSON_IsObject(o))
		return bad_field(err, "organization", "an object");
	ret = get_long(o, "id", 1, &out->id, err);
	if (!ret)
		ret = get_str(o, "name", 0, &out->name, err);
	if (!ret)
		ret = get_bool(o, "sslCertsApiEnabled", &out->ssl_api_enabled,
			       err);
	if (!ret)
		ret = get_strv(o, "certTypes", &out->cert_types,
			       &out->ncert_types, err);
	if (ret)
		return ret;
	depts = cJSON_GetObjectItemCaseSensitive(o, "departments");
	if (!depts || cJSON_IsNull(depts))
		return CC_OK;
	if (!cJSON_IsArray(depts))
		return bad_field(err, "departments", "an array");
	cJSON_ArrayForEach(d, depts) {
		if (!cJSON_IsObject(d))
			return bad_field(err, "departments",
					 "an array of objects");
		if (reserve((void **)&out->depts, out->ndepts, sizeof(*nd)))
			return set_err(err, CC_ENOMEM, "out of memory");
		nd = &out->depts[out->ndepts++];
		memset(nd, 0, sizeof(*nd));
		ret = get_long(d, "id", 1, &nd->id, err);
		if (!ret)
			ret = get_str(d, "name", 0, &nd->name, err);
		if (!ret)
			ret = get_str(d, "parentName", 0, &nd->parent_name,
				      err);
		if (ret)
			return ret;
	}
	return CC_OK;
}

int cc_sectigo_parse_orgs(const char *json, size_t len,
			  struct cc_sectigo_orgs *out, struct cc_err *err)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = parse_list(json, len, "the organization list", fill_org,
			 (void **)&out->v, &out->n, sizeof(*out->v), NULL, err);
	if (ret)
		cc_sectigo_orgs_release(out);
	return ret;
}

int cc_sectigo_parse_org(const char *json, size_t len,
			 struct cc_sectigo_org *out, struct cc_err *err)
{
	int ret;

	memset(out, 0, sizeof(*out));
	out->ssl_api_enabled = -1;
	ret = parse_one(json, len, "the organization details", fill_org, out,
			err);
	if (ret)
		cc_sectigo_org_release(out);
	return ret;
}

int cc_sectigo_list_orgs(struct cc_sectigo *s, struct cc_sectigo_orgs *out,
			 struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = scm_get(s, "/organization/v1", &resp, err);
	if (!ret)
		ret = cc_sectigo_parse_orgs(resp.body.data, resp.body.len, out,
					    err);
	cc_http_response_release(&resp);
	return ret;
}

int cc_sectigo_get_org(struct cc_sectigo *s, long id,
		       struct cc_sectigo_org *out, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	char path[64];
	int ret;

	memset(out, 0, sizeof(*out));
	out->ssl_api_enabled = -1;
	snprintf(path, sizeof(path), "/organization/v1/%ld", id);
	ret = scm_get(s, path, &resp, err);
	if (!ret)
		ret = cc_sectigo_parse_org(resp.body.data, resp.body.len, out,
					   err);
	cc_http_response_release(&resp);
	return ret;
}

/* ---- paging ------------------------------------------------------------- */

typedef int (*page_fn)(const char *json, size_t len, void *out,
		       size_t *count, struct cc_err *err);

/*
 * GET path?size=200&position=N<filters> until a short page, an empty page
 * or X-Total-Count; at most s->max_pages requests.
 */
static int fetch_pages(struct cc_sectigo *s, const char *path,
		       const char *filters, page_fn parse, void *out,
		       size_t *total, unsigned *pages, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	struct cc_buf url = CC_BUF_INIT;
	unsigned long long t;
	size_t pos = 0, count;
	int have_total = 0, ret = CC_OK;
	const char *h;
	char *end;

	*total = 0;
	*pages = 0;
	for (;;) {
		if (*pages >= s->max_pages) {
			ret = set_err(err, CC_EPROTO,
					 "scm list '%s' did not end after %u pages",
					 path, s->max_pages);
			goto out;
		}
		cc_buf_reset(&url);
		if (cc_buf_addf(&url, "%s?size=%d&position=%zu%s", path,
				CC_SECTIGO_PAGE_SIZE, pos, filters)) {
			ret = set_err(err, CC_ENOMEM, "out of memory");
			goto out;
		}
		ret = scm_get(s, url.data, &resp, err);
		(*pages)++;
		if (ret)
			goto out;
		h = cc_http_header_get(&resp, "X-Total-Count");
		if (h && *pages == 1) {
			t = strtoull(h, &end, 10);
			if (end == h || *end || t > (size_t)-1 / 2) {
				ret = set_err(err, CC_EPROTO,
						 "malformed X-Total-Count '%.20s' from scm",
						 h);
				goto out;
			}
			*total = (size_t)t;
			have_total = 1;
		}
		ret = parse(resp.body.data, resp.body.len, out, &count, err);
		if (ret)
			goto out;
		pos += CC_SECTIGO_PAGE_SIZE;
		if (count < CC_SECTIGO_PAGE_SIZE || (have_total && pos >= *total))
			break;
		cc_http_response_release(&resp);
	}
out:
	cc_http_response_release(&resp);
	cc_buf_release(&url);
	return ret;
}

/* ---- domains ------------------------------------------------------------ */

void cc_sectigo_domain_release(struct cc_sectigo_domain *d)
{
	if (!d)
		return;
	free(d->name);
	free(d->validation_status);
	free(d->delegation_status);
	free(d->state);
	free(d->validation_method);
	memset(d, 0, sizeof(*d));
	d->validated = -1;
}

void cc_sectigo_domains_release(struct cc_sectigo_domains *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		cc_sectigo_domain_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int fill_domain(const cJSON *o, void *item, struct cc_err *err)
{
	struct cc_sectigo_domain *d = item;
	int ret;

	memset(d, 0, sizeof(*d));
	d->validated = -1;
	if (!cJSON_IsObject(o))
		return bad_field(err, "domain", "an object");
	ret = get_long(o, "id", 1, &d->id, err);
	if (!ret)
		ret = get_str(o, "name", 0, &d->name, err);
	if (!ret)
		ret = get_str(o, "validationStatus", 0, &d->validation_status,
			      err);
	if (!ret)
		ret = get_str(o, "delegationStatus", 0, &d->delegation_status,
			      err);
	if (!ret)
		ret = get_str(o, "state", 0, &d->state, err);
	if (!ret)
		ret = get_str(o, "validationMethod", 0, &d->validation_method,
			      err);
	if (!ret)
		ret = get_date(o, "dcvExpiration", &d->dcv_expires, err);
	if (!ret && d->validation_status)
		d->validated = strcasecmp(d->validation_status,
					  "validated") == 0;
	return ret;
}

int cc_sectigo_parse_domain(const char *json, size_t len,
			    struct cc_sectigo_domain *out, struct cc_err *err)
{
	int ret;

	memset(out, 0, sizeof(*out));
	out->validated = -1;
	ret = parse_one(json, len, "the domain details", fill_domain, out,
			err);
	if (ret)
		cc_sectigo_domain_release(out);
	return ret;
}

static int parse_domain_page(const char *json, size_t len, void *arg,
			     size_t *count, struct cc_err *err)
{
	struct cc_sectigo_domains *l = arg;

	*count = 0;
	return parse_list(json, len, "the domain list", fill_domain,
			  (void **)&l->v, &l->n, sizeof(*l->v), count, err);
}

int cc_sectigo_list_domains(struct cc_sectigo *s,
			    struct cc_sectigo_domains *out, struct cc_err *err)
{
	unsigned pages;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = fetch_pages(s, "/domain/v1", "", parse_domain_page, out,
			  &out->total, &pages, err);
	if (ret)
		cc_sectigo_domains_release(out);
	return ret;
}

int cc_sectigo_get_domain(struct cc_sectigo *s, long id,
			  struct cc_sectigo_domain *out, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	char path[64];
	int ret;

	memset(out, 0, sizeof(*out));
	out->validated = -1;
	snprintf(path, sizeof(path), "/domain/v1/%ld", id);
	ret = scm_get(s, path, &resp, err);
	if (!ret)
		ret = cc_sectigo_parse_domain(resp.body.data, resp.body.len,
					      out, err);
	cc_http_response_release(&resp);
	return ret;
}

/* ---- profiles and custom fields ----------------------------------------- */

static void profile_release(struct cc_sectigo_profile *p)
{
	size_t i;

	free(p->name);
	free(p->description);
	free(p->terms);
	for (i = 0; i < p->nkey_types; i++) {
		free(p->key_types[i].alg);
		strv_free(p->key_types[i].params, p->key_types[i].nparams);
	}
	free(p->key_types);
	memset(p, 0, sizeof(*p));
}

void cc_sectigo_profiles_release(struct cc_sectigo_profiles *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		profile_release(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int fill_profile(const cJSON *o, void *item, struct cc_err *err)
{
	struct cc_sectigo_profile *p = item;
	const cJSON *terms, *t, *kt, *k;
	struct cc_sectigo_key_type *nk;
	int ret, b = -1;
	double d;

	memset(p, 0, sizeof(*p));
	if (!cJSON_IsObject(o))
		return bad_field(err, "profile", "an object");
	ret = get_long(o, "id", 1, &p->id, err);
	if (!ret)
		ret = get_str(o, "name", 0, &p->name, err);
	if (!ret)
		ret = get_str(o, "description", 0, &p->description, err);
	if (!ret)
		ret = get_bool(o, "useSecondaryOrgName", &b, err);
	if (ret)
		return ret;
	p->use_secondary_org_name = b == 1;
	terms = cJSON_GetObjectItemCaseSensitive(o, "terms");
	if (terms && !cJSON_IsNull(terms)) {
		if (!cJSON_IsArray(terms))
			return bad_field(err, "terms", "an array of integers");
		cJSON_ArrayForEach(t, terms) {
			d = cJSON_IsNumber(t) ? t->valuedouble : -1;
			if (d < 1 || d > 100000 || (double)(int)d != d)
				return bad_field(err, "terms",
						 "an array of integers");
			if (reserve((void **)&p->terms, p->nterms,
				    sizeof(*p->terms)))
				return set_err(err, CC_ENOMEM,
						  "out of memory");
			p->terms[p->nterms++] = (int)d;
		}
	}
	kt = cJSON_GetObjectItemCaseSensitive(o, "keyTypes");
	if (!kt || cJSON_IsNull(kt))
		return CC_OK;
	if (!cJSON_IsObject(kt))
		return bad_field(err, "keyTypes", "an object");
	cJSON_ArrayForEach(k, kt) {
		if (reserve((void **)&p->key_types, p->nkey_types,
			    sizeof(*nk)))
			return set_err(err, CC_ENOMEM, "out of memory");
		nk = &p->key_types[p->nkey_types++];
		memset(nk, 0, sizeof(*nk));
		nk->alg = strdup(k->string ? k->string : "");
		if (!nk->alg)
			return set_err(err, CC_ENOMEM, "out of memory");
		ret = get_strv(kt, k->string, &nk->params, &nk->nparams, err);
		if (ret)
			return ret;
	}
	return CC_OK;
}

int cc_sectigo_parse_profiles(const char *json, size_t len,
			      struct cc_sectigo_profiles *out,
			      struct cc_err *err)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = parse_list(json, len, "the profile list", fill_profile,
			 (void **)&out->v, &out->n, sizeof(*out->v), NULL, err);
	if (ret)
		cc_sectigo_profiles_release(out);
	return ret;
}

int cc_sectigo_list_profiles(struct cc_sectigo *s, long org_id,
			     struct cc_sectigo_profiles *out,
			     struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	char path[80];
	int ret;

	memset(out, 0, sizeof(*out));
	if (org_id > 0)
		snprintf(path, sizeof(path),
			 "/ssl/v1/types?organizationId=%ld", org_id);
	else
		snprintf(path, sizeof(path), "/ssl/v1/types");
	ret = scm_get(s, path, &resp, err);
	if (!ret)
		ret = cc_sectigo_parse_profiles(resp.body.data, resp.body.len,
						out, err);
	cc_http_response_release(&resp);
	return ret;
}

int cc_sectigo_profile_allows_term(const struct cc_sectigo_profile *p,
				   int term)
{
	size_t i;

	for (i = 0; p && i < p->nterms; i++)
		if (p->terms[i] == term)
			return 1;
	return 0;
}

/* Lower-case alphanumerics only, with curve aliases folded. */
static void norm_key_word(const char *in, char *out, size_t size)
{
	static const char *const alias[][2] = {
		{ "prime256v1", "p256" }, { "secp256r1", "p256" },
		{ "secp384r1", "p384" }, { "secp521r1", "p521" },
		{ "ecdsa", "ec" }, { "ecc", "ec" },
	};
	size_t i, n = 0;

	for (; in && *in && n + 1 < size; in++)
		if (isalnum((unsigned char)*in))
			out[n++] = (char)tolower((unsigned char)*in);
	out[n] = '\0';
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(out, alias[i][0]) == 0)
			snprintf(out, size, "%s", alias[i][1]);
}

int cc_sectigo_profile_allows_key(const struct cc_sectigo_profile *p,
				  const char *alg, const char *param)
{
	char a[32], b[32];
	size_t i, j;

	if (!p || !alg || !param)
		return 0;
	norm_key_word(alg, a, sizeof(a));
	for (i = 0; i < p->nkey_types; i++) {
		norm_key_word(p->key_types[i].alg, b, sizeof(b));
		if (strcmp(a, b) != 0)
			continue;
		norm_key_word(param, a, sizeof(a));
		for (j = 0; j < p->key_types[i].nparams; j++) {
			norm_key_word(p->key_types[i].params[j], b,
				      sizeof(b));
			if (strcmp(a, b) == 0)
				return 1;
		}
		return 0;
	}
	return 0;
}

void cc_sectigo_custom_fields_release(struct cc_sectigo_custom_fields *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int fill_custom_field(const cJSON *o, void *item,
			     struct cc_err *err)
{
	struct cc_sectigo_custom_field *f = item;
	int ret, b = -1;

	memset(f, 0, sizeof(*f));
	if (!cJSON_IsObject(o))
		return bad_field(err, "customFields", "an array of objects");
	ret = get_long(o, "id", 0, &f->id, err);
	if (!ret)
		ret = get_str(o, "name", 1, &f->name, err);
	if (!ret)
		ret = get_bool(o, "mandatory", &b, err);
	if (!ret)
		f->mandatory = b == 1;
	return ret;
}

int cc_sectigo_parse_custom_fields(const char *json, size_t len,
				   struct cc_sectigo_custom_fields *out,
				   struct cc_err *err)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = parse_list(json, len, "the custom field list",
			 fill_custom_field, (void **)&out->v, &out->n,
			 sizeof(*out->v), NULL, err);
	if (ret)
		cc_sectigo_custom_fields_release(out);
	return ret;
}

int cc_sectigo_list_custom_fields(struct cc_sectigo *s,
				  struct cc_sectigo_custom_fields *out,
				  struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = scm_get(s, "/ssl/v1/customFields", &resp, err);
	if (!ret)
		ret = cc_sectigo_parse_custom_fields(resp.body.data,
						     resp.body.len, out, err);
	cc_http_response_release(&resp);
	return ret;
}

/* ---- orders ------------------------------------------------------------- */

static void order_init(struct cc_sectigo_order *o)
{
	memset(o, 0, sizeof(*o));
	o->reason_code = -1;
}

void cc_sectigo_order_release(struct cc_sectigo_order *o)
{
	if (!o)
		return;
	free(o->common_name);
	strv_free(o->sans, o->nsans);
	free(o->serial);
	free(o->status);
	free(o->profile_name);
	free(o->comments);
	free(o->external_requester);
	free(o->requester);
	free(o->requested_via);
	free(o->key_type);
	free(o->backend_cert_id);
	order_init(o);
}

void cc_sectigo_orders_release(struct cc_sectigo_orders *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		cc_sectigo_order_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The id: "id" (current name) or "sslId" (older twin). */
static int get_ssl_id(const cJSON *o, long *id, struct cc_err *err)
{
	*id = 0;
	if (cJSON_GetObjectItemCaseSensitive(o, "sslId"))
		return get_long(o, "sslId", 1, id, err);
	return get_long(o, "id", 1, id, err);
}

static int fill_summary(const cJSON *o, void *item, struct cc_err *err)
{
	struct cc_sectigo_order *d = item;
	int ret;

	order_init(d);
	if (!cJSON_IsObject(o))
		return bad_field(err, "order", "an object");
	ret = get_ssl_id(o, &d->id, err);
	if (!ret)
		ret = get_str(o, "commonName", 0, &d->common_name, err);
	if (!ret)
		ret = get_strv(o, "subjectAlternativeNames", &d->sans,
			       &d->nsans, err);
	if (!ret)
		ret = get_str(o, "serialNumber", 0, &d->serial, err);
	return ret;
}

static int fill_order(const cJSON *o, void *item, struct cc_err *err)
{
	struct cc_sectigo_order *d = item;
	const cJSON *ct;
	int ret, b = -1;

	ret = fill_summary(o, d, err);
	if (ret)
		return ret;
	if (cJSON_GetObjectItemCaseSensitive(o, "id"))
		ret = get_long(o, "id", 1, &d->id, err);
	if (!ret)
		ret = get_long(o, "orgId", 0, &d->org_id, err);
	if (!ret)
		ret = get_str(o, "status", 0, &d->status, err);
	if (!ret)
		ret = get_int(o, "term", 0, &d->term, err);
	if (!ret)
		ret = get_str(o, "comments", 0, &d->comments, err);
	if (!ret)
		ret = get_str(o, "externalRequester", 0,
			      &d->external_requester, err);
	if (!ret)
		ret = get_str(o, "requester", 0, &d->requester, err);
	if (!ret)
		ret = get_str(o, "requestedVia", 0, &d->requested_via, err);
	if (!ret)
		ret = get_str(o, "keyType", 0, &d->key_type, err);
	if (!ret)
		ret = get_str(o, "backendCertId", 0, &d->backend_cert_id, err);
	if (!ret)
		ret = get_date(o, "requested", &d->requested, err);
	if (!ret)
		ret = get_date(o, "approved", &d->approved, err);
	if (!ret)
		ret = get_date(o, "issued", &d->issued, err);
	if (!ret)
		ret = get_date(o, "expires", &d->expires, err);
	if (!ret)
		ret = get_date(o, "revoked", &d->revoked, err);
	if (!ret)
		ret = get_bool(o, "renewed", &b, err);
	if (!ret)
		ret = get_int(o, "reasonCode", 0, &d->reason_code, err);
	if (ret)
		return ret;
	d->renewed = b == 1;
	d->state = cc_sectigo_state_parse(d->status);
	ct = cJSON_GetObjectItemCaseSensitive(o, "certType");
	if (cJSON_IsObject(ct)) {
		ret = get_long(ct, "id", 0, &d->profile_id, err);
		if (!ret)
			ret = get_str(ct, "name", 0, &d->profile_name, err);
	} else if (ct && !cJSON_IsNull(ct)) {
		ret = bad_field(err, "certType", "an object");
	}
	return ret;
}

int cc_sectigo_parse_order(const char *json, size_t len,
			   struct cc_sectigo_order *out, struct cc_err *err)
{
	int ret;

	order_init(out);
	ret = parse_one(json, len, "the order details", fill_order, out, err);
	if (ret)
		cc_sectigo_order_release(out);
	return ret;
}

int cc_sectigo_parse_order_page(const char *json, size_t len,
				struct cc_sectigo_orders *out, size_t *count,
				struct cc_err *err)
{
	*count = 0;
	return parse_list(json, len, "the order list", fill_summary,
			  (void **)&out->v, &out->n, sizeof(*out->v), count,
			  err);
}

static int parse_order_page_cb(const char *json, size_t len, void *out,
			       size_t *count, struct cc_err *err)
{
	return cc_sectigo_parse_order_page(json, len, out, count, err);
}

static int cmp_order_id(const void *a, const void *b)
{
	const struct cc_sectigo_order *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int cc_sectigo_list_orders(struct cc_sectigo *s,
			   const struct cc_sectigo_order_filter *f,
			   struct cc_sectigo_orders *out, struct cc_err *err)
{
	struct cc_buf q = CC_BUF_INIT;
	char num[32];
	size_t i, j;
	int ret = CC_OK;

	memset(out, 0, sizeof(*out));
	if (cc_buf_adds(&q, ""))	/* q.data is a string from here on */
		goto oom;
	if (f && f->status && add_param(&q, "status", f->status))
		goto oom;
	if (f && f->common_name && add_param(&q, "commonName", f->common_name))
		goto oom;
	if (f && f->external_requester &&
	    add_param(&q, "externalRequester", f->external_requester))
		goto oom;
	if (f && f->serial && add_param(&q, "serialNumber", f->serial))
		goto oom;
	if (f && f->org_id > 0) {
		snprintf(num, sizeof(num), "%ld", f->org_id);
		if (add_param(&q, "orgId", num))
			goto oom;
	}
	if (f && f->profile_id > 0) {
		snprintf(num, sizeof(num), "%ld", f->profile_id);
		if (add_param(&q, "sslTypeId", num))
			goto oom;
	}
	ret = fetch_pages(s, "/ssl/v1", q.data, parse_order_page_cb, out,
			  &out->total, &out->pages, err);
	if (ret)
		goto out;
	/* pages may overlap if the server's order moves: keep one of each */
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_order_id);
	for (i = j = 0; i < out->n; i++) {
		if (j && out->v[j - 1].id == out->v[i].id) {
			cc_sectigo_order_release(&out->v[i]);
			continue;
		}
		if (i != j)
			out->v[j] = out->v[i];
		j++;
	}
	out->n = j;
	goto out;
oom:
	ret = set_err(err, CC_ENOMEM, "out of memory");
out:
	if (ret) {
		unsigned pages = out->pages;

		cc_sectigo_orders_release(out);
		out->pages = pages;
	}
	cc_buf_release(&q);
	return ret;
}

int cc_sectigo_get_order(struct cc_sectigo *s, long id,
			 struct cc_sectigo_order *out, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	char path[64];
	int ret;

	order_init(out);
	snprintf(path, sizeof(path), "/ssl/v1/%ld", id);
	ret = scm_get(s, path, &resp, err);
	if (!ret)
		ret = cc_sectigo_parse_order(resp.body.data, resp.body.len, out,
					     err);
	cc_http_response_release(&resp);
	return ret;
}

/* ---- request bodies ----------------------------------------------------- */

static int check_text(const char *what, const char *v, size_t min,
		      size_t max, struct cc_err *err)
{
	size_t n = v ? utf8_len(v) : 0;

	if (n < min)
		return set_err(err, CC_EINVAL, "%s is required", what);
	if (n > max)
		return set_err(err, CC_EINVAL,
				  "%s is longer than %zu characters", what,
				  max);
	return CC_OK;
}

static int check_sans(const char *const *sans, size_t n, struct cc_err *err)
{
	const char *p;
	size_t i;

	if (n && !sans)
		return set_err(err, CC_EINVAL, "no subject alternative names");
	for (i = 0; i < n; i++) {
		if (!sans[i] || !*sans[i] || strlen(sans[i]) > 253)
			return set_err(err, CC_EINVAL,
					  "empty or too long subject alternative name");
		for (p = sans[i]; *p; p++)
			if ((unsigned char)*p <= ' ' || *p == ',' ||
			    *p == 0x7f)
				return set_err(err, CC_EINVAL,
						  "invalid subject alternative name '%.64s'",
						  sans[i]);
	}
	return CC_OK;
}

/* cJSON builders that remember an allocation failure. */
static void jadd(cJSON *obj, const char *name, cJSON *item, int *oom)
{
	if (!item || !cJSON_AddItemToObject(obj, name, item)) {
		cJSON_Delete(item);
		*oom = 1;
	}
}

static void jadd_str(cJSON *obj, const char *name, const char *v, int *oom)
{
	if (v)
		jadd(obj, name, cJSON_CreateString(v), oom);
}

static int finish_json(cJSON *root, int oom, char **json,
		       struct cc_err *err)
{
	int ret = CC_OK;

	if (!oom)
		*json = cJSON_PrintUnformatted(root);
	if (oom || !*json)
		ret = set_err(err, CC_ENOMEM, "out of memory");
	cJSON_Delete(root);
	return ret;
}

int cc_sectigo_enroll_json(const struct cc_sectigo_enroll_req *req,
			   char **json, struct cc_err *err)
{
	struct cc_buf sans = CC_BUF_INIT;
	cJSON *root = NULL, *arr, *f;
	char *csr = NULL;
	size_t i;
	int ret, oom = 0;

	*json = NULL;
	if (!req)
		return set_err(err, CC_EINVAL, "no enroll request");
	ret = check_csr(req->csr_pem, &csr, err);
	if (ret)
		goto out;
	if (req->org_id <= 0 || req->profile_id <= 0 || req->term <= 0) {
		ret = set_err(err, CC_EINVAL,
				 "enroll needs an organization id, a profile "
				 "id and a term");
		goto out;
	}
	ret = check_sans(req->sans, req->nsans, err);
	if (!ret)
		ret = check_text("comments", req->comments, 0,
				 CC_SECTIGO_COMMENTS_MAX, err);
	if (!ret)
		ret = check_text("external requester", req->external_requester,
				 0, CC_SECTIGO_REQUESTER_MAX, err);
	if (ret)
		goto out;
	for (i = 0; i < req->ncustom_fields; i++) {
		if (!req->custom_fields[i].name ||
		    !*req->custom_fields[i].name ||
		    !req->custom_fields[i].value) {
			ret = set_err(err, CC_EINVAL,
					 "custom field %zu needs a name and a value",
					 i + 1);
			goto out;
		}
	}
	for (i = 0; i < req->nsans; i++)
		if (cc_buf_addf(&sans, "%s%s", i ? "," : "", req->sans[i]))
			oom = 1;
	root = cJSON_CreateObject();
	if (!root) {
		ret = set_err(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	jadd(root, "orgId", cJSON_CreateNumber((double)req->org_id), &oom);
	jadd_str(root, "csr", csr, &oom);
	jadd(root, "certType", cJSON_CreateNumber((double)req->profile_id),
	     &oom);
	jadd(root, "term", cJSON_CreateNumber(req->term), &oom);
	/* legacy fields every working client still sends (reference 2.6) */
	jadd(root, "numberServers", cJSON_CreateNumber(1), &oom);
	jadd(root, "serverType", cJSON_CreateNumber(-1), &oom);
	if (req->nsans)
		jadd_str(root, "subjAltNames", sans.data ? sans.data : "",
			 &oom);
	if (req->comments && *req->comments)
		jadd_str(root, "comments", req->comments, &oom);
	if (req->external_requester && *req->external_requester)
		jadd_str(root, "externalRequester", req->external_requester,
			 &oom);
	if (req->ncustom_fields) {
		arr = cJSON_CreateArray();
		jadd(root, "customFields", arr, &oom);
		for (i = 0; arr && !oom && i < req->ncustom_fields; i++) {
			f = cJSON_CreateObject();
			if (!f || !cJSON_AddItemToArray(arr, f)) {
				cJSON_Delete(f);
				oom = 1;
				break;
			}
			jadd_str(f, "name", req->custom_fields[i].name, &oom);
			jadd_str(f, "value", req->custom_fields[i].value,
				 &oom);
		}
	}
	jadd_str(root, "dcvMode", req->dcv_mode, &oom);
	jadd_str(root, "dcvEmail", req->dcv_email, &oom);
	ret = finish_json(root, oom, json, err);
out:
	free(csr);
	cc_buf_release(&sans);
	return ret;
}

int cc_sectigo_replace_json(const struct cc_sectigo_replace_req *req,
			    char **json, struct cc_err *err)
{
	cJSON *root = NULL, *arr;
	char *csr = NULL;
	size_t i;
	int ret, oom = 0;

	*json = NULL;
	if (!req)
		return set_err(err, CC_EINVAL, "no replace request");
	ret = check_csr(req->csr_pem, &csr, err);
	if (!ret)
		ret = check_text("a reason", req->reason, 1,
				 CC_SECTIGO_MESSAGE_MAX, err);
	if (!ret && req->common_name)
		ret = check_text("the common name", req->common_name, 1, 64,
				 err);
	if (!ret)
		ret = check_sans(req->sans, req->nsans, err);
	if (ret)
		goto out;
	root = cJSON_CreateObject();
	if (!root) {
		ret = set_err(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	jadd_str(root, "csr", csr, &oom);
	jadd_str(root, "reason", req->reason, &oom);
	jadd_str(root, "commonName", req->common_name, &oom);
	if (req->nsans) {
		/* an array here, unlike enroll's string (reference 2.10) */
		arr = cJSON_CreateArray();
		jadd(root, "subjectAlternativeNames", arr, &oom);
		for (i = 0; arr && !oom && i < req->nsans; i++) {
			cJSON *v = cJSON_CreateString(req->sans[i]);

			if (!v || !cJSON_AddItemToArray(arr, v)) {
				cJSON_Delete(v);
				oom = 1;
			}
		}
	}
	jadd_str(root, "dcvMode", req->dcv_mode, &oom);
	jadd_str(root, "dcvEmail", req->dcv_email, &oom);
	ret = finish_json(root, oom, json, err);
out:
	free(csr);
	return ret;
}

/* ---- enroll and friends ------------------------------------------------- */

void cc_sectigo_enrolled_release(struct cc_sectigo_enrolled *e)
{
	if (!e)
		return;
	free(e->renew_id);
	e->renew_id = NULL;
	e->ssl_id = 0;
}

int cc_sectigo_parse_enrolled(const char *json, size_t len,
			      struct cc_sectigo_enrolled *out,
			      struct cc_err *err)
{
	cJSON *root = parse_json(json, len, 0, "enroll", err);
	int ret;

	memset(out, 0, sizeof(*out));
	if (!root)
		return CC_EPROTO;
	ret = get_long(root, "sslId", 1, &out->ssl_id, err);
	if (!ret && out->ssl_id <= 0)
		ret = bad_field(err, "sslId", "a positive integer");
	if (!ret)
		ret = get_str(root, "renewId", 0, &out->renew_id, err);
	cJSON_Delete(root);
	if (ret)
		cc_sectigo_enrolled_release(out);
	return ret;
}

int cc_sectigo_enroll(struct cc_sectigo *s,
		      const struct cc_sectigo_enroll_req *req,
		      struct cc_sectigo_enrolled *out, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	char *body = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = cc_sectigo_enroll_json(req, &body, err);
	if (!ret)
		ret = scm_call(s, "POST", "/ssl/v1/enroll", body, 0, &resp,
			       NULL, err);
	if (!ret)
		ret = cc_sectigo_parse_enrolled(resp.body.data, resp.body.len,
						out, err);
	cc_http_response_release(&resp);
	free(body);
	return ret;
}

static int valid_format(const char *f)
{
	size_t n = 0;

	for (; f && *f; f++, n++)
		if (!isalnum((unsigned char)*f))
			return 0;
	return n > 0 && n <= 16;
}

int cc_sectigo_collect(struct cc_sectigo *s, long id, const char *format,
		       struct cc_buf *out, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	struct scm_result r;
	char path[96];
	int ret;

	cc_buf_reset(out);
	if (!valid_format(format))
		return set_err(err, CC_EINVAL,
				  "invalid certificate format '%.20s'",
				  format ? format : "");
	snprintf(path, sizeof(path), "/ssl/v1/collect/%ld?format=%s", id,
		 format);
	ret = scm_call(s, "GET", path, NULL, CALL_COLLECT, &resp, &r, err);
	if (ret && !r.have_code && (resp.status == 404 ||
				    resp.status == 405)) {
		/* an instance that only knows the older path form */
		snprintf(path, sizeof(path), "/ssl/v1/collect/%ld/%s", id,
			 format);
		ret = scm_call(s, "GET", path, NULL, CALL_COLLECT, &resp, &r,
			       err);
	}
	if (ret && r.have_code && r.code == 0 && resp.status == 400) {
		/* older SCM: {"code":0} while the certificate is pending */
		/* cc_err_set keeps http_status and problem ("0") */
		ret = cc_err_set(err, CC_EPENDING,
				 "certificate %ld is not issued yet (SCM code 0)",
				 id);
	}
	if (ret)
		goto out;
	if (!resp.body.len) {
		ret = set_err(err, CC_EPENDING,
				 "certificate %ld is not ready for download yet",
				 id);
		goto out;
	}
	if (cc_buf_add(out, resp.body.data, resp.body.len))
		ret = set_err(err, CC_ENOMEM, "out of memory");
out:
	cc_http_response_release(&resp);
	return ret;
}

/*
 * Append the certificates in pem (any line endings) to out with LF line
 * endings, in order or reversed. *count gets how many there were.
 */
static int add_certs(struct cc_buf *out, const char *pem, size_t len,
		     int reverse, size_t *count)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	const char *start[32], *stop[32], *p = pem, *b, *e, *c;
	size_t n = 0, i, k;

	while (p < pem + len && (b = strstr(p, begin)) != NULL) {
		e = strstr(b, end);
		if (!e || n == sizeof(start) / sizeof(start[0]))
			return CC_EPROTO;
		start[n] = b;
		stop[n++] = e + sizeof(end) - 1;
		p = e + sizeof(end) - 1;
	}
	*count = n;
	for (i = 0; i < n; i++) {
		k = reverse ? n - 1 - i : i;
		for (c = start[k]; c < stop[k]; c++)
			if (*c != '\r' && cc_buf_add(out, c, 1))
				return CC_ENOMEM;
		if (cc_buf_adds(out, "\n"))
			return CC_ENOMEM;
	}
	return CC_OK;
}

int cc_sectigo_collect_chain(struct cc_sectigo *s, long id,
			     struct cc_buf *pem, struct cc_err *err)
{
	struct cc_buf leaf = CC_BUF_INIT, chain = CC_BUF_INIT;
	size_t nleaf = 0, nchain = 0;
	int ret, reverse = 0;

	cc_buf_reset(pem);
	ret = cc_sectigo_collect(s, id, "x509CO", &leaf, err);
	if (ret)
		goto out;
	ret = cc_sectigo_collect(s, id, "x509IOR", &chain, err);
	if (ret == CC_EUNSUPPORTED) {
		reverse = 1;
		ret = cc_sectigo_collect(s, id, "x509IO", &chain, err);
	}
	if (ret)
		goto out;
	ret = add_certs(pem, leaf.data, leaf.len, 0, &nleaf);
	if (!ret)
		ret = add_certs(pem, chain.data, chain.len, reverse, &nchain);
	if (ret == CC_ENOMEM) {
		set_err(err, ret, "out of memory");
	} else if (ret || nleaf != 1) {
		ret = set_err(err, CC_EPROTO,
				 "scm sent %zu certificates for order %ld "
				 "where one was expected", nleaf, id);
	}
out:
	if (ret)
		cc_buf_reset(pem);
	cc_buf_release(&leaf);
	cc_buf_release(&chain);
	return ret;
}

/* {"csr": "..."} or {} */
static int csr_body(const char *csr_pem, char **json, struct cc_err *err)
{
	cJSON *root;
	char *csr = NULL;
	int ret = CC_OK, oom = 0;

	*json = NULL;
	if (csr_pem) {
		ret = check_csr(csr_pem, &csr, err);
		if (ret)
			goto out;
	}
	root = cJSON_CreateObject();
	if (!root) {
		ret = set_err(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	jadd_str(root, "csr", csr, &oom);
	ret = finish_json(root, oom, json, err);
out:
	free(csr);
	return ret;
}

int cc_sectigo_renew(struct cc_sectigo *s, long id, const char *csr_pem,
		     long *new_id, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	struct cc_sectigo_enrolled e = { 0, NULL };
	char path[64], *body = NULL;
	int ret;

	*new_id = 0;
	ret = csr_body(csr_pem, &body, err);
	if (ret)
		goto out;
	snprintf(path, sizeof(path), "/ssl/v1/renewById/%ld", id);
	ret = scm_call(s, "POST", path, body, 0, &resp, NULL, err);
	if (!ret)
		ret = cc_sectigo_parse_enrolled(resp.body.data, resp.body.len,
						&e, err);
	if (!ret)
		*new_id = e.ssl_id;
out:
	cc_sectigo_enrolled_release(&e);
	cc_http_response_release(&resp);
	free(body);
	return ret;
}

int cc_sectigo_renew_by_renew_id(struct cc_sectigo *s, const char *renew_id,
				 const char *csr_pem, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	struct cc_buf path = CC_BUF_INIT;
	char *body = NULL;
	int ret;

	if (!renew_id || !*renew_id || strlen(renew_id) > 128)
		return set_err(err, CC_EINVAL, "invalid renew id");
	ret = csr_body(csr_pem, &body, err);
	if (ret)
		goto out;
	if (cc_buf_adds(&path, "/ssl/v1/renew/") ||
	    add_segment(&path, renew_id)) {
		ret = set_err(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	ret = scm_call(s, "POST", path.data, body, 0, &resp, NULL, err);
out:
	cc_http_response_release(&resp);
	cc_buf_release(&path);
	free(body);
	return ret;
}

/* POST path with body, expect 2xx. */
static int post_ok(struct cc_sectigo *s, const char *path, const char *body,
		   struct scm_result *r, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	int ret;

	ret = scm_call(s, "POST", path, body, 0, &resp, r, err);
	cc_http_response_release(&resp);
	return ret;
}

int cc_sectigo_replace(struct cc_sectigo *s, long id,
		       const struct cc_sectigo_replace_req *req,
		       struct cc_err *err)
{
	char path[64], *body = NULL;
	int ret;

	ret = cc_sectigo_replace_json(req, &body, err);
	if (!ret) {
		snprintf(path, sizeof(path), "/ssl/v1/replace/%ld", id);
		ret = post_ok(s, path, body, NULL, err);
	}
	free(body);
	return ret;
}

int cc_sectigo_revoke(struct cc_sectigo *s, long id, int reason_code,
		      const char *reason, struct cc_err *err)
{
	struct scm_result r;
	cJSON *root;
	char path[64], *body = NULL;
	int ret, oom = 0;

	if (reason_code < 0 || reason_code > 5 || reason_code == 2)
		return set_err(err, CC_EINVAL,
				  "invalid revocation reason code %d "
				  "(use 0, 1, 3, 4 or 5)", reason_code);
	ret = check_text("a revocation reason", reason, 1,
			 CC_SECTIGO_REVOKE_REASON_MAX, err);
	if (ret)
		return ret;
	root = cJSON_CreateObject();
	if (!root)
		return set_err(err, CC_ENOMEM, "out of memory");
	jadd(root, "reasonCode", cJSON_CreateNumber(reason_code), &oom);
	jadd_str(root, "reason", reason, &oom);
	ret = finish_json(root, oom, &body, err);
	if (ret)
		goto out;
	snprintf(path, sizeof(path), "/ssl/v1/revoke/%ld", id);
	ret = post_ok(s, path, body, &r, err);
	if (ret && r.have_code && r.code == -159) {
		/* already revoked: what the caller wanted */
		cc_err_clear(err);
		ret = CC_OK;
	}
out:
	free(body);
	return ret;
}

static int message_call(struct cc_sectigo *s, const char *verb, long id,
			const char *message, struct cc_err *err)
{
	cJSON *root;
	char path[64], *body = NULL;
	int ret, oom = 0;

	ret = check_text("a message", message, 1, CC_SECTIGO_MESSAGE_MAX, err);
	if (ret)
		return ret;
	root = cJSON_CreateObject();
	if (!root)
		return set_err(err, CC_ENOMEM, "out of memory");
	jadd_str(root, "message", message, &oom);
	ret = finish_json(root, oom, &body, err);
	if (!ret) {
		snprintf(path, sizeof(path), "/ssl/v1/%s/%ld", verb, id);
		ret = post_ok(s, path, body, NULL, err);
	}
	free(body);
	return ret;
}

int cc_sectigo_approve(struct cc_sectigo *s, long id, const char *message,
		       struct cc_err *err)
{
	return message_call(s, "approve", id, message, err);
}

int cc_sectigo_decline(struct cc_sectigo *s, long id, const char *message,
		       struct cc_err *err)
{
	return message_call(s, "decline", id, message, err);
}

int cc_sectigo_cancel(struct cc_sectigo *s, long id, const char *message,
		      enum cc_sectigo_state *state, struct cc_err *err)
{
	struct cc_sectigo_order o;
	int ret;

	if (state)
		*state = CC_SECTIGO_UNKNOWN;
	ret = cc_sectigo_get_order(s, id, &o, err);
	if (ret)
		goto out;
	if (state)
		*state = o.state;
	switch (o.state) {
	case CC_SECTIGO_PENDING:
		if (o.status && strcasecmp(o.status, "requested") == 0) {
			ret = cc_sectigo_decline(s, id, message ? message :
						 "cancelled with certctl", err);
			if (!ret && state)
				*state = CC_SECTIGO_FAILED;
			break;
		}
		ret = set_err(err, CC_EUNSUPPORTED,
				 "scm has no cancel call and order %ld is "
				 "already '%s' (past approval): wait for it "
				 "and revoke it, or delete it locally", id,
				 o.status);
		break;
	case CC_SECTIGO_ISSUED:
		ret = set_err(err, CC_EUNSUPPORTED,
				 "scm has no cancel call and order %ld is "
				 "already issued: revoke it, or delete it "
				 "locally", id);
		break;
	case CC_SECTIGO_FAILED:
		break;		/* declined, rejected, invalid: nothing to do */
	default:
		ret = set_err(err, CC_EUNSUPPORTED,
				 "order %ld is '%s': there is nothing scm can "
				 "cancel; delete it locally", id,
				 o.status ? o.status : "unknown");
		break;
	}
out:
	cc_sectigo_order_release(&o);
	return ret;
}
