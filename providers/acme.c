/*
 * ACME client core: the client object, directory, nonces, signed requests,
 * problem documents, and accounts.
 */
#include "acme_int.h"

#include <stdlib.h>
#include <string.h>

#include "jws.h"

#define DEFAULT_MAX_RETRY_AFTER 60u
#define DEFAULT_POLL_TIMEOUT 120u
#define DEFAULT_POLL_INITIAL_MS 10u
#define DEFAULT_POLL_MAX_MS 5000u
#define DEFAULT_NONCE_RETRIES 10u
#define NONCE_MAX 512
#define MAX_SUBPROBLEMS 20
#define MAX_PROFILES 64
#define MAX_CONTACTS 32

static const char jose_type[] = "Content-Type: application/jose+json";

/* ------------------------------------------------------------------ */
/* JSON helpers */

const char *cc_acmei_str(const cJSON *obj, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(it) && it->valuestring ? it->valuestring : NULL;
}

int cc_acmei_dup(const cJSON *obj, const char *name, char **out)
{
	const char *s = cc_acmei_str(obj, name);

	*out = NULL;
	if (!s)
		return CC_OK;
	*out = strdup(s);
	return *out ? CC_OK : CC_ENOMEM;
}

int cc_acmei_json(const struct cc_http_response *resp, const char *url,
		  cJSON **out, struct cc_err *err)
{
	*out = NULL;
	if (resp->body.len)
		*out = cJSON_ParseWithLength(resp->body.data, resp->body.len);
	if (!cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		return cc_err_set(err, CC_EPROTO,
				  "malformed json response from '%s'", url);
	}
	return CC_OK;
}

/* Append s with control characters replaced, so messages stay one line. */
static int add_clean(struct cc_buf *b, const char *s)
{
	size_t start = b->len, i;

	if (cc_buf_adds(b, s))
		return CC_ENOMEM;
	for (i = start; i < b->len; i++)
		if ((unsigned char)b->data[i] < 0x20 || b->data[i] == 0x7f)
			b->data[i] = ' ';
	return CC_OK;
}

static const char *type_suffix(const char *type)
{
	size_t n = sizeof(ACME_ERROR_NS) - 1;

	if (type && strncmp(type, ACME_ERROR_NS, n) == 0 && type[n])
		return type + n;
	return type;
}

int cc_acmei_problem_code(const char *type)
{
	static const struct {
		const char *suffix;
		int code;
	} map[] = {
		{ "rateLimited", CC_ERATELIMIT },
		{ "unauthorized", CC_ECHALLENGE },
		{ "incorrectResponse", CC_ECHALLENGE },
		{ "dns", CC_ECHALLENGE },
		{ "connection", CC_ECHALLENGE },
		{ "tls", CC_ECHALLENGE },
		{ "accountDoesNotExist", CC_ENOENT },
		{ "externalAccountRequired", CC_EAUTH },
		{ "alreadyRevoked", CC_EEXIST },
		{ "badNonce", CC_EPROTO },
	};
	size_t i, n = sizeof(ACME_ERROR_NS) - 1;

	if (!type || strncmp(type, ACME_ERROR_NS, n) != 0)
		return CC_EHTTP;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(type + n, map[i].suffix) == 0)
			return map[i].code;
	return CC_EHTTP;
}

/* "<suffix>: <detail>[; <identifier>: <detail>]..." */
static int problem_text(const cJSON *p, struct cc_buf *out)
{
	const char *type = cc_acmei_str(p, "type");
	const char *detail = cc_acmei_str(p, "detail");
	const char *suffix = type_suffix(type), *id, *sd;
	const cJSON *subs, *sub;
	int n = 0, ret = CC_OK;

	if (suffix)
		ret |= add_clean(out, suffix);
	if (detail && *detail) {
		if (suffix)
			ret |= cc_buf_adds(out, ": ");
		ret |= add_clean(out, detail);
	}
	if (!suffix && !(detail && *detail))
		ret |= cc_buf_adds(out, "unknown problem");
	subs = cJSON_GetObjectItemCaseSensitive(p, "subproblems");
	if (!cJSON_IsArray(subs))
		subs = NULL;
	cJSON_ArrayForEach(sub, subs) {
		if (n++ >= MAX_SUBPROBLEMS)
			break;
		id = cc_acmei_str(cJSON_GetObjectItemCaseSensitive(sub,
							"identifier"), "value");
		sd = cc_acmei_str(sub, "detail");
		if (!sd)
			sd = type_suffix(cc_acmei_str(sub, "type"));
		ret |= cc_buf_adds(out, "; ");
		if (id) {
			ret |= add_clean(out, id);
			ret |= cc_buf_adds(out, ": ");
		}
		ret |= add_clean(out, sd ? sd : "error");
	}
	return ret ? CC_ENOMEM : CC_OK;
}

int cc_acmei_problem_parse(const cJSON *p, struct cc_acme_problem *out)
{
	struct cc_buf b = CC_BUF_INIT;

	out->type = out->message = NULL;
	if (!cJSON_IsObject(p))
		return CC_OK;
	if (cc_acmei_dup(p, "type", &out->type) || problem_text(p, &b))
		goto oom;
	out->message = cc_buf_detach(&b, NULL);
	if (!out->message)
		goto oom;
	return CC_OK;
oom:
	cc_buf_release(&b);
	cc_acmei_problem_release(out);
	return CC_ENOMEM;
}

void cc_acmei_problem_release(struct cc_acme_problem *p)
{
	if (!p)
		return;
	free(p->type);
	free(p->message);
	p->type = p->message = NULL;
}

int cc_acmei_problem_err(const struct cc_acme_problem *p, int code,
			 const char *prefix, struct cc_err *err)
{
	const char *msg = p->message ? p->message : "unknown problem";

	if (prefix)
		cc_err_set(err, code, "%s: %s", prefix, msg);
	else
		cc_err_set(err, code, "%s", msg);
	if (err)
		snprintf(err->problem, sizeof(err->problem), "%s",
			 p->type ? p->type : "");
	return code;
}

/*
 * Fill err from a non-2xx response: problem document if there is one.
 * type (size 128) receives the problem type or "".
 */
static int response_error(struct cc_acme *a, const char *url,
			  const struct cc_http_response *resp, char *type,
			  struct cc_err *err)
{
	struct cc_acme_problem p = { NULL, NULL };
	cJSON *doc = NULL;
	int code;

	type[0] = '\0';
	if (resp->body.len && resp->body.data[0] == '{')
		doc = cJSON_ParseWithLength(resp->body.data, resp->body.len);
	if (cJSON_IsObject(doc) && (cc_acmei_str(doc, "type") ||
				    cc_acmei_str(doc, "detail"))) {
		if (cc_acmei_problem_parse(doc, &p)) {
			code = cc_err_set(err, CC_ENOMEM, "out of memory");
		} else {
			code = cc_acmei_problem_code(p.type);
			cc_acmei_problem_err(&p, code, NULL, err);
			snprintf(type, 128, "%s", p.type ? p.type : "");
		}
	} else {
		code = cc_err_set(err, CC_EHTTP,
				  "unexpected http status %ld from '%s'",
				  resp->status, url);
		if (err)
			err->problem[0] = '\0';
	}
	if (err) {
		err->http_status = (int)resp->status;
		err->retry_after = cc_http_retry_after(
			cc_http_header_get(resp, "Retry-After"),
			cc_now(a->clock));
	}
	cc_acmei_problem_release(&p);
	cJSON_Delete(doc);
	return code;
}

/* ------------------------------------------------------------------ */
/* Requests */

static int nonce_ok(const char *n)
{
	size_t i;

	for (i = 0; n[i]; i++) {
		if (i >= NONCE_MAX)
			return 0;
		if (!((n[i] >= 'A' && n[i] <= 'Z') ||
		      (n[i] >= 'a' && n[i] <= 'z') ||
		      (n[i] >= '0' && n[i] <= '9') ||
		      n[i] == '-' || n[i] == '_'))
			return 0;
	}
	return i > 0;
}

/* Perform and keep the Replay-Nonce of any response. */
static int perform(struct cc_acme *a, const struct cc_http_request *req,
		   struct cc_http_response *resp, struct cc_err *err)
{
	const char *n;
	char *dup;
	int ret;

	ret = cc_http_perform(a->http, req, resp, err);
	if (ret)
		return ret;
	n = cc_http_header_get(resp, "Replay-Nonce");
	if (n && nonce_ok(n)) {
		dup = strdup(n);
		if (!dup) {
			cc_http_response_release(resp);
			return cc_err_set(err, CC_ENOMEM, "out of memory");
		}
		free(a->nonce);
		a->nonce = dup;
	}
	return CC_OK;
}

static int is_2xx(long status)
{
	return status >= 200 && status < 300;
}

/*
 * After a failed response: 1 if it is a 429/503 worth one wait (which is
 * done here), else 0.
 */
static int wait_retry(struct cc_acme *a, const struct cc_http_response *resp,
		      int *waited)
{
	unsigned ra;

	if (*waited || (resp->status != 429 && resp->status != 503))
		return 0;
	ra = cc_http_retry_after(cc_http_header_get(resp, "Retry-After"),
				 cc_now(a->clock));
	if (ra == 0 || ra > a->opts.max_retry_after)
		return 0;
	*waited = 1;
	cc_sleep_ms(a->clock, ra * 1000u);
	return 1;
}

static int plain_request(struct cc_acme *a, const char *method,
			 const char *url, struct cc_http_response *resp,
			 struct cc_err *err)
{
	struct cc_http_request req;
	struct cc_err e = CC_ERR_INIT;
	char type[128];
	int ret, waited = 0, tries;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	for (tries = 0; tries < 2; tries++) {
		cc_http_response_release(resp);
		ret = perform(a, &req, resp, &e);
		if (ret)
			break;
		if (is_2xx(resp->status))
			break;
		if (wait_retry(a, resp, &waited))
			continue;
		break;
	}
	if (!ret && !is_2xx(resp->status)) {
		ret = response_error(a, url, resp, type, &e);
		cc_http_response_release(resp);
	}
	if (ret && err)
		*err = e;
	return ret;
}

int cc_acmei_get(struct cc_acme *a, const char *url,
		 struct cc_http_response *resp, struct cc_err *err)
{
	return plain_request(a, "GET", url, resp, err);
}

static int get_nonce(struct cc_acme *a, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	const struct cc_acme_directory *dir;
	int ret;

	if (a->nonce)
		return CC_OK;
	ret = cc_acme_get_directory(a, &dir, err);
	if (ret)
		return ret;
	ret = plain_request(a, "HEAD", dir->new_nonce, &resp, err);
	if (!ret && !a->nonce)
		ret = cc_err_set(err, CC_EPROTO, "no replay-nonce from '%s'",
				 dir->new_nonce);
	cc_http_response_release(&resp);
	return ret;
}

int cc_acmei_post(struct cc_acme *a, const char *url, const char *payload,
		  EVP_PKEY *key, int use_jwk, const char *accept,
		  struct cc_http_response *resp, struct cc_err *err)
{
	struct cc_buf jws = CC_BUF_INIT, acc = CC_BUF_INIT;
	struct cc_http_request req;
	struct cc_err e = CC_ERR_INIT;
	const char *hdrs[3];
	char type[128];
	unsigned bad_nonces = 0;
	int ret = CC_OK, waited = 0, tries;

	cc_http_response_release(resp);
	if (!url) {
		ret = cc_err_set(&e, CC_EPROTO, "the ca gave no url for this "
				 "request");
		goto out;
	}
	if (!use_jwk && !a->account_url) {
		ret = cc_err_set(&e, CC_EINVAL, "no acme account url: "
				 "register or find the account first");
		goto out;
	}
	hdrs[0] = jose_type;
	hdrs[1] = NULL;
	hdrs[2] = NULL;
	if (accept) {
		if (cc_buf_addf(&acc, "Accept: %s", accept)) {
			ret = cc_err_set(&e, CC_ENOMEM, "out of memory");
			goto out;
		}
		hdrs[1] = acc.data;
	}
	/* bounded: nonce retries + one rate-limit wait + the first try */
	for (tries = 0; tries < (int)a->opts.nonce_retries + 2; tries++) {
		ret = get_nonce(a, &e);
		if (ret)
			goto out;
		cc_buf_reset(&jws);
		ret = cc_jws_sign(key ? key : a->key,
				  use_jwk ? NULL : a->account_url, a->nonce,
				  url, payload, &jws, &e);
		free(a->nonce);		/* a nonce is good for one request */
		a->nonce = NULL;
		if (ret)
			goto out;
		cc_http_response_release(resp);
		memset(&req, 0, sizeof(req));
		req.method = "POST";
		req.url = url;
		req.headers = hdrs;
		req.body = jws.data;
		req.body_len = jws.len;
		ret = perform(a, &req, resp, &e);
		if (ret)
			goto out;
		if (is_2xx(resp->status))
			goto out;
		ret = response_error(a, url, resp, type, &e);
		if (strcmp(type, ACME_ERROR_NS "badNonce") == 0 &&
		    bad_nonces < a->opts.nonce_retries) {
			bad_nonces++;
			continue;
		}
		if (wait_retry(a, resp, &waited))
			continue;
		goto out;
	}
out:
	if (ret) {
		cc_http_response_release(resp);
		if (err)
			*err = e;
	}
	cc_buf_release(&jws);
	cc_buf_release(&acc);
	return ret;
}

int cc_acme_post(struct cc_acme *a, const char *url, const char *payload,
		 struct cc_http_response *resp, struct cc_err *err)
{
	return cc_acmei_post(a, url, payload, NULL, 0, NULL, resp, err);
}

/* ------------------------------------------------------------------ */
/* Client and directory */

static void directory_release(struct cc_acme_directory *d)
{
	size_t i;

	free(d->new_nonce);
	free(d->new_account);
	free(d->new_order);
	free(d->revoke_cert);
	free(d->key_change);
	free(d->renewal_info);
	free(d->terms_of_service);
	free(d->website);
	for (i = 0; i < d->nprofiles; i++) {
		free(d->profiles[i]);
		free(d->profile_descs[i]);
	}
	free(d->profiles);
	free(d->profile_descs);
	memset(d, 0, sizeof(*d));
}

static void fill_opts(struct cc_acme_opts *o, const struct cc_acme_opts *in)
{
	memset(o, 0, sizeof(*o));
	if (in)
		*o = *in;
	if (!o->max_retry_after)
		o->max_retry_after = DEFAULT_MAX_RETRY_AFTER;
	if (!o->poll_timeout)
		o->poll_timeout = DEFAULT_POLL_TIMEOUT;
	if (!o->poll_initial_ms)
		o->poll_initial_ms = DEFAULT_POLL_INITIAL_MS;
	if (!o->poll_max_ms)
		o->poll_max_ms = DEFAULT_POLL_MAX_MS;
	if (o->poll_max_ms < o->poll_initial_ms)
		o->poll_max_ms = o->poll_initial_ms;
	if (!o->nonce_retries)
		o->nonce_retries = DEFAULT_NONCE_RETRIES;
}

int cc_acme_new(struct cc_acme **out, const char *directory_url,
		struct cc_http *http, const struct cc_clock *clock,
		EVP_PKEY *account_key, const char *account_url,
		struct cc_err *err)
{
	struct cc_acme *a = NULL;
	int ret = CC_OK;

	*out = NULL;
	if (!directory_url || !*directory_url || !http || !clock ||
	    !account_key) {
		ret = cc_err_set(err, CC_EINVAL, "acme client needs a "
				 "directory url, transport, clock and key");
		goto out;
	}
	if (!cc_jws_alg(account_key)) {
		ret = cc_err_set(err, CC_EUNSUPPORTED, "unsupported account "
				 "key type (use ec:p256, ec:p384 or rsa)");
		goto out;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		goto oom;
	a->http = http;
	a->clock = clock;
	fill_opts(&a->opts, NULL);
	a->dir_url = strdup(directory_url);
	if (!a->dir_url)
		goto oom;
	if (account_url) {
		a->account_url = strdup(account_url);
		if (!a->account_url)
			goto oom;
	}
	if (!EVP_PKEY_up_ref(account_key))
		goto oom;
	a->key = account_key;
	*out = a;
	a = NULL;
	goto out;
oom:
	ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cc_acme_free(a);
	return ret;
}

void cc_acme_free(struct cc_acme *a)
{
	if (!a)
		return;
	free(a->dir_url);
	free(a->account_url);
	free(a->nonce);
	EVP_PKEY_free(a->key);
	directory_release(&a->dir);
	free(a);
}

void cc_acme_set_opts(struct cc_acme *a, const struct cc_acme_opts *opts)
{
	fill_opts(&a->opts, opts);
}

const char *cc_acme_account_url(const struct cc_acme *a)
{
	return a->account_url;
}

EVP_PKEY *cc_acme_account_key(const struct cc_acme *a)
{
	return a->key;
}

static int parse_profiles(const cJSON *profiles, struct cc_acme_directory *d)
{
	const cJSON *it;
	size_t n = 0;

	if (!cJSON_IsObject(profiles))
		return CC_OK;
	cJSON_ArrayForEach(it, profiles)
		n++;
	if (!n)
		return CC_OK;
	if (n > MAX_PROFILES)
		n = MAX_PROFILES;
	d->profiles = calloc(n, sizeof(char *));
	d->profile_descs = calloc(n, sizeof(char *));
	if (!d->profiles || !d->profile_descs)
		return CC_ENOMEM;
	cJSON_ArrayForEach(it, profiles) {
		if (d->nprofiles >= n)
			break;
		d->profiles[d->nprofiles] = strdup(it->string ? it->string :
						   "");
		d->profile_descs[d->nprofiles] = strdup(
			cJSON_IsString(it) ? it->valuestring : "");
		d->nprofiles++;
		if (!d->profiles[d->nprofiles - 1] ||
		    !d->profile_descs[d->nprofiles - 1])
			return CC_ENOMEM;
	}
	return CC_OK;
}

static int parse_directory(const cJSON *doc, struct cc_acme_directory *d)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(doc, "meta");
	const cJSON *ear;

	if (cc_acmei_dup(doc, "newNonce", &d->new_nonce) ||
	    cc_acmei_dup(doc, "newAccount", &d->new_account) ||
	    cc_acmei_dup(doc, "newOrder", &d->new_order) ||
	    cc_acmei_dup(doc, "revokeCert", &d->revoke_cert) ||
	    cc_acmei_dup(doc, "keyChange", &d->key_change) ||
	    cc_acmei_dup(doc, "renewalInfo", &d->renewal_info))
		return CC_ENOMEM;
	if (!cJSON_IsObject(meta))
		return CC_OK;
	if (cc_acmei_dup(meta, "termsOfService", &d->terms_of_service) ||
	    cc_acmei_dup(meta, "website", &d->website))
		return CC_ENOMEM;
	ear = cJSON_GetObjectItemCaseSensitive(meta,
					       "externalAccountRequired");
	d->external_account_required = cJSON_IsTrue(ear);
	return parse_profiles(cJSON_GetObjectItemCaseSensitive(meta,
							       "profiles"), d);
}

int cc_acme_get_directory(struct cc_acme *a,
			  const struct cc_acme_directory **out,
			  struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	cJSON *doc = NULL;
	int ret;

	if (a->have_dir) {
		*out = &a->dir;
		return CC_OK;
	}
	*out = NULL;
	ret = cc_acmei_get(a, a->dir_url, &resp, err);
	if (ret)
		goto out;
	ret = cc_acmei_json(&resp, a->dir_url, &doc, err);
	if (ret)
		goto out;
	if (parse_directory(doc, &a->dir)) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	if (!a->dir.new_nonce || !a->dir.new_account || !a->dir.new_order) {
		ret = cc_err_set(err, CC_EPROTO, "'%s' is not an acme "
				 "directory (no newNonce, newAccount or "
				 "newOrder)", a->dir_url);
		goto out;
	}
	a->have_dir = 1;
	*out = &a->dir;
out:
	if (ret)
		directory_release(&a->dir);
	cJSON_Delete(doc);
	cc_http_response_release(&resp);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Accounts */

void cc_acme_account_release(struct cc_acme_account *acct)
{
	size_t i;

	if (!acct)
		return;
	free(acct->url);
	free(acct->status);
	for (i = 0; i < acct->ncontact; i++)
		free(acct->contact[i]);
	free(acct->contact);
	free(acct->orders);
	memset(acct, 0, sizeof(*acct));
}

static int parse_account(const cJSON *doc, const char *url,
			 struct cc_acme_account *out)
{
	const cJSON *contact, *it;
	size_t n = 0;

	out->url = strdup(url);
	if (!out->url || cc_acmei_dup(doc, "status", &out->status) ||
	    cc_acmei_dup(doc, "orders", &out->orders))
		return CC_ENOMEM;
	contact = cJSON_GetObjectItemCaseSensitive(doc, "contact");
	if (!cJSON_IsArray(contact))
		return CC_OK;
	n = (size_t)cJSON_GetArraySize(contact);
	if (n > MAX_CONTACTS)
		n = MAX_CONTACTS;
	if (!n)
		return CC_OK;
	out->contact = calloc(n, sizeof(char *));
	if (!out->contact)
		return CC_ENOMEM;
	cJSON_ArrayForEach(it, contact) {
		if (out->ncontact >= n)
			break;
		if (!cJSON_IsString(it))
			continue;
		out->contact[out->ncontact] = strdup(it->valuestring);
		if (!out->contact[out->ncontact])
			return CC_ENOMEM;
		out->ncontact++;
	}
	return CC_OK;
}

/* Set the client's account URL. */
static int set_account_url(struct cc_acme *a, const char *url)
{
	char *dup;

	if (a->account_url && strcmp(a->account_url, url) == 0)
		return CC_OK;
	dup = strdup(url);
	if (!dup)
		return CC_ENOMEM;
	free(a->account_url);
	a->account_url = dup;
	return CC_OK;
}

/* Parse an account response into out (may be NULL). */
static int account_response(const struct cc_http_response *resp,
			    const char *url, struct cc_acme_account *out,
			    struct cc_err *err)
{
	cJSON *doc = NULL;
	int ret = CC_OK;

	if (!out)
		return CC_OK;
	memset(out, 0, sizeof(*out));
	/* some servers answer 200 with an empty body for existing accounts */
	if (resp->body.len) {
		ret = cc_acmei_json(resp, url, &doc, err);
		if (ret)
			goto out;
	}
	if (parse_account(doc, url, out)) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	out->created = resp->status == 201;
out:
	if (ret)
		cc_acme_account_release(out);
	cJSON_Delete(doc);
	return ret;
}

static cJSON *contact_array(const char *const *contact, size_t n)
{
	struct cc_buf b = CC_BUF_INIT;
	cJSON *arr = cJSON_CreateArray(), *s;
	size_t i;

	for (i = 0; arr && i < n; i++) {
		cc_buf_reset(&b);
		if ((strncmp(contact[i], "mailto:", 7) != 0 &&
		     cc_buf_adds(&b, "mailto:")) ||
		    cc_buf_adds(&b, contact[i])) {
			cJSON_Delete(arr);
			arr = NULL;
			break;
		}
		s = cJSON_CreateString(b.data);
		if (!s || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			cJSON_Delete(arr);
			arr = NULL;
		}
	}
	cc_buf_release(&b);
	return arr;
}

/* newAccount with payload; the account URL comes from Location. */
static int new_account(struct cc_acme *a, cJSON *payload,
		       struct cc_acme_account *out, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	const struct cc_acme_directory *dir;
	const char *loc;
	char *text = NULL, *url = NULL;
	int ret;

	if (out)
		memset(out, 0, sizeof(*out));
	ret = cc_acme_get_directory(a, &dir, err);
	if (ret)
		goto out;
	text = cJSON_PrintUnformatted(payload);
	if (!text) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	ret = cc_acmei_post(a, dir->new_account, text, NULL, 1, NULL, &resp,
			    err);
	if (ret)
		goto out;
	loc = cc_http_header_get(&resp, "Location");
	url = loc ? cc_acmei_resolve_url(dir->new_account, loc) : NULL;
	if (!url) {
		ret = cc_err_set(err, CC_EPROTO, "no account url (Location) "
				 "in the newAccount response");
		goto out;
	}
	if (set_account_url(a, url)) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	ret = account_response(&resp, url, out, err);
out:
	free(url);
	cJSON_free(text);
	cc_http_response_release(&resp);
	return ret;
}

int cc_acme_account_new(struct cc_acme *a,
			const struct cc_acme_account_req *req,
			struct cc_acme_account *out, struct cc_err *err)
{
	const struct cc_acme_directory *dir;
	cJSON *payload = NULL, *contact, *eab = NULL;
	int ret, have_eab;

	if (out)
		memset(out, 0, sizeof(*out));
	ret = cc_acme_get_directory(a, &dir, err);
	if (ret)
		goto out;
	have_eab = req && req->eab_kid && req->eab_hmac_key;
	if (dir->external_account_required && !have_eab) {
		ret = cc_err_set(err, CC_EAUTH, "the ca requires external "
				 "account binding (an eab key id and hmac "
				 "key)");
		if (err)
			snprintf(err->problem, sizeof(err->problem), "%s",
				 ACME_ERROR_NS "externalAccountRequired");
		goto out;
	}
	payload = cJSON_CreateObject();
	if (!payload)
		goto oom;
	if (req && req->ncontact) {
		contact = contact_array(req->contact, req->ncontact);
		if (!contact)
			goto oom;
		cJSON_AddItemToObject(payload, "contact", contact);
	}
	if (req && req->agree_tos &&
	    !cJSON_AddTrueToObject(payload, "termsOfServiceAgreed"))
		goto oom;
	if (have_eab) {
		ret = cc_jws_eab(a->key, req->eab_kid, req->eab_hmac_key,
				 dir->new_account, &eab, err);
		if (ret)
			goto out;
		cJSON_AddItemToObject(payload, "externalAccountBinding", eab);
	}
	ret = new_account(a, payload, out, err);
	goto out;
oom:
	ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cJSON_Delete(payload);
	return ret;
}

int cc_acme_account_find(struct cc_acme *a, struct cc_acme_account *out,
			 struct cc_err *err)
{
	cJSON *payload = cJSON_CreateObject();
	int ret;

	if (!payload || !cJSON_AddTrueToObject(payload, "onlyReturnExisting"))
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
	else
		ret = new_account(a, payload, out, err);
	cJSON_Delete(payload);
	return ret;
}

/* POST payload to the account URL; parse the account into out. */
static int account_post(struct cc_acme *a, const char *payload,
			struct cc_acme_account *out, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	int ret;

	if (out)
		memset(out, 0, sizeof(*out));
	ret = cc_acmei_post(a, a->account_url, payload, NULL, 0, NULL, &resp,
			    err);
	if (!ret)
		ret = account_response(&resp, a->account_url, out, err);
	cc_http_response_release(&resp);
	return ret;
}

int cc_acme_account_fetch(struct cc_acme *a, struct cc_acme_account *out,
			  struct cc_err *err)
{
	if (out)
		memset(out, 0, sizeof(*out));
	if (!a->account_url)
		return cc_err_set(err, CC_EINVAL, "no acme account url: "
				  "register or find the account first");
	return account_post(a, NULL, out, err);
}

int cc_acme_account_update(struct cc_acme *a, const char *const *contact,
			   size_t ncontact, struct cc_acme_account *out,
			   struct cc_err *err)
{
	cJSON *payload = cJSON_CreateObject(), *arr;
	char *text = NULL;
	int ret;

	if (out)
		memset(out, 0, sizeof(*out));
	arr = contact_array(contact, ncontact);
	if (!payload || !arr) {
		cJSON_Delete(arr);
		goto oom;
	}
	cJSON_AddItemToObject(payload, "contact", arr);
	text = cJSON_PrintUnformatted(payload);
	if (!text)
		goto oom;
	ret = account_post(a, text, out, err);
	goto out;
oom:
	ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cJSON_free(text);
	cJSON_Delete(payload);
	return ret;
}

int cc_acme_account_deactivate(struct cc_acme *a,
			       struct cc_acme_account *out,
			       struct cc_err *err)
{
	return account_post(a, "{\"status\":\"deactivated\"}", out, err);
}

int cc_acme_account_key_change(struct cc_acme *a, EVP_PKEY *new_key,
			       struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	const struct cc_acme_directory *dir;
	struct cc_buf inner = CC_BUF_INIT;
	cJSON *payload = NULL, *old_jwk = NULL;
	char *text = NULL;
	int ret;

	ret = cc_acme_get_directory(a, &dir, err);
	if (ret)
		goto out;
	if (!dir->key_change) {
		ret = cc_err_set(err, CC_EUNSUPPORTED, "the ca does not "
				 "support account key changes");
		goto out;
	}
	if (!a->account_url) {
		ret = cc_err_set(err, CC_EINVAL, "no acme account url: "
				 "register or find the account first");
		goto out;
	}
	if (!new_key || !cc_jws_alg(new_key)) {
		ret = cc_err_set(err, CC_EUNSUPPORTED, "unsupported account "
				 "key type (use ec:p256, ec:p384 or rsa)");
		goto out;
	}
	ret = cc_jwk_new(a->key, &old_jwk, err);
	if (ret)
		goto out;
	payload = cJSON_CreateObject();
	if (!payload ||
	    !cJSON_AddStringToObject(payload, "account", a->account_url))
		goto oom;
	cJSON_AddItemToObject(payload, "oldKey", old_jwk);
	old_jwk = NULL;
	text = cJSON_PrintUnformatted(payload);
	if (!text)
		goto oom;
	/* inner JWS: new key, jwk, no nonce, same url */
	ret = cc_jws_sign(new_key, NULL, NULL, dir->key_change, text, &inner,
			  err);
	if (ret)
		goto out;
	ret = cc_acmei_post(a, dir->key_change, inner.data, NULL, 0, NULL,
			    &resp, err);
	if (ret)
		goto out;
	if (!EVP_PKEY_up_ref(new_key))
		goto oom;
	EVP_PKEY_free(a->key);
	a->key = new_key;
	goto out;
oom:
	ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cc_http_response_release(&resp);
	cc_buf_release(&inner);
	cJSON_free(text);
	cJSON_Delete(old_jwk);
	cJSON_Delete(payload);
	return ret;
}

/* ------------------------------------------------------------------ */
/* URLs */

char *cc_acmei_resolve_url(const char *base, const char *ref)
{
	struct cc_buf b = CC_BUF_INIT;
	const char *p;
	size_t n;

	if (strncmp(ref, "https://", 8) == 0 || strncmp(ref, "http://", 7) == 0)
		return strdup(ref);
	if (ref[0] != '/' || ref[1] == '/')
		return NULL;	/* only absolute-path references */
	p = strstr(base, "://");
	if (!p)
		return NULL;
	p += 3;
	n = strcspn(p, "/?#");
	if (cc_buf_add(&b, base, (size_t)(p - base) + n) ||
	    cc_buf_adds(&b, ref)) {
		cc_buf_release(&b);
		return NULL;
	}
	return cc_buf_detach(&b, NULL);
}
