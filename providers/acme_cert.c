/*
 * ACME certificates: download with alternate chains, preferred chain
 * selection, revocation, and renewal information (ARI, RFC 9773).
 */
#include "acme_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "b64.h"

static const char pem_chain_type[] = "application/pem-certificate-chain";

/* ------------------------------------------------------------------ */
/* Download */

void cc_acme_chains_release(struct cc_acme_chains *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->v[i].url);
		free(c->v[i].pem);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* 1 if the rel value (space-separated list) holds "alternate". */
static int rel_has_alternate(const char *v, size_t n)
{
	size_t i = 0, start;

	while (i < n) {
		while (i < n && is_ws(v[i]))
			i++;
		start = i;
		while (i < n && !is_ws(v[i]))
			i++;
		if (i - start == 9 && strncasecmp(v + start, "alternate", 9) == 0)
			return 1;
	}
	return 0;
}

/*
 * Parse one Link header value (RFC 8288) and append the URLs of the
 * rel="alternate" links (resolved against base) to urls (max entries).
 */
static int parse_links(const char *p, const char *base, char **urls,
		       size_t *n, size_t max)
{
	const char *uri, *uri_end, *name, *val;
	size_t nlen, vlen;
	int alt;

	for (;;) {
		while (is_ws(*p) || *p == ',')
			p++;
		if (*p != '<')
			return CC_OK;
		uri = p + 1;
		uri_end = strchr(uri, '>');
		if (!uri_end)
			return CC_OK;
		p = uri_end + 1;
		alt = 0;
		for (;;) {
			while (is_ws(*p))
				p++;
			if (*p != ';')
				break;
			p++;
			while (is_ws(*p))
				p++;
			name = p;
			while (*p && *p != '=' && *p != ';' && *p != ',' &&
			       !is_ws(*p))
				p++;
			nlen = (size_t)(p - name);
			while (is_ws(*p))
				p++;
			val = p;
			vlen = 0;
			if (*p == '=') {
				p++;
				while (is_ws(*p))
					p++;
				if (*p == '"') {
					val = ++p;
					while (*p && *p != '"')
						p++;
					vlen = (size_t)(p - val);
					if (*p == '"')
						p++;
				} else {
					val = p;
					while (*p && *p != ';' && *p != ',' &&
					       !is_ws(*p))
						p++;
					vlen = (size_t)(p - val);
				}
			}
			if (nlen == 3 && strncasecmp(name, "rel", 3) == 0 &&
			    rel_has_alternate(val, vlen))
				alt = 1;
		}
		if (alt && *n < max) {
			char *ref = strndup(uri, (size_t)(uri_end - uri));

			if (!ref)
				return CC_ENOMEM;
			urls[*n] = cc_acmei_resolve_url(base, ref);
			free(ref);
			if (urls[*n])
				(*n)++;
		}
		while (*p && *p != ',')
			p++;
		if (!*p)
			return CC_OK;
	}
}

/* POST-as-GET one chain; collect alternate URLs when urls is not NULL. */
static int fetch_chain(struct cc_acme *a, const char *url,
		       struct cc_acme_chain *c, char **urls, size_t *nurls,
		       struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	const char *p;
	size_t i;
	int ret;

	ret = cc_acmei_post(a, url, NULL, NULL, 0, pem_chain_type, &resp,
			    err);
	if (ret)
		goto out;
	p = resp.body.data;
	while (p && (*p == ' ' || *p == '\r' || *p == '\n' || *p == '\t'))
		p++;
	if (!p || strncmp(p, "-----BEGIN CERTIFICATE-----", 27) != 0) {
		ret = cc_err_set(err, CC_EPROTO, "'%s' did not return a pem "
				 "certificate chain", url);
		goto out;
	}
	c->url = strdup(url);
	if (!c->url)
		goto oom;
	c->pem = cc_buf_detach(&resp.body, &c->pem_len);
	if (!c->pem)
		goto oom;
	for (i = 0; urls && i < resp.nheaders; i++) {
		if (strcasecmp(resp.headers[i].name, "Link") != 0)
			continue;
		if (parse_links(resp.headers[i].value, url, urls, nurls,
				CC_ACME_MAX_ALTERNATES))
			goto oom;
	}
	goto out;
oom:
	ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cc_http_response_release(&resp);
	return ret;
}

int cc_acme_cert_download(struct cc_acme *a, const char *url, int alternates,
			  struct cc_acme_chains *out, struct cc_err *err)
{
	char *urls[CC_ACME_MAX_ALTERNATES];
	size_t nurls = 0, i;
	int ret;

	out->v = NULL;
	out->n = 0;
	if (!url)
		return cc_err_set(err, CC_EINVAL, "no certificate url");
	out->v = calloc(CC_ACME_MAX_ALTERNATES + 1, sizeof(*out->v));
	if (!out->v)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	ret = fetch_chain(a, url, &out->v[0], alternates ? urls : NULL,
			  &nurls, err);
	if (ret)
		goto out;
	out->n = 1;
	for (i = 0; i < nurls; i++) {
		ret = fetch_chain(a, urls[i], &out->v[out->n], NULL, NULL,
				  err);
		if (ret)
			goto out;
		out->n++;
	}
out:
	for (i = 0; i < nurls; i++)
		free(urls[i]);
	if (ret)
		cc_acme_chains_release(out);
	return ret;
}

/* Issuer CN of the last certificate in pem, or NULL. Caller frees. */
static char *top_issuer_cn(const char *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *cert, *last = NULL;
	X509_NAME *name;
	X509_NAME_ENTRY *ent;
	unsigned char *utf8 = NULL;
	char *cn = NULL;
	int idx, n, count = 0;

	if (!bio || len > 0x7fffffff)
		goto out;
	while (count++ < 100 &&
	       (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		X509_free(last);
		last = cert;
	}
	ERR_clear_error();
	if (!last)
		goto out;
	name = X509_get_issuer_name(last);
	idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (idx < 0)
		goto out;
	ent = X509_NAME_get_entry(name, idx);
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(ent));
	if (n < 0)
		goto out;
	cn = strndup((char *)utf8, (size_t)n);
out:
	OPENSSL_free(utf8);
	X509_free(last);
	BIO_free(bio);
	return cn;
}

size_t cc_acme_chain_pick(const struct cc_acme_chains *c,
			  const char *preferred)
{
	size_t i;
	char *cn;
	int match;

	if (!c || !preferred || !*preferred)
		return 0;
	for (i = 0; i < c->n; i++) {
		cn = top_issuer_cn(c->v[i].pem, c->v[i].pem_len);
		match = cn && strcmp(cn, preferred) == 0;
		free(cn);
		if (match)
			return i;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Revocation */

int cc_acme_revoke(struct cc_acme *a, const void *cert_der, size_t len,
		   int reason, EVP_PKEY *cert_key, struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	const struct cc_acme_directory *dir;
	struct cc_buf der64 = CC_BUF_INIT;
	cJSON *payload = NULL;
	char *text = NULL;
	int ret;

	if (!cert_der || !len) {
		ret = cc_err_set(err, CC_EINVAL, "no certificate to revoke");
		goto out;
	}
	if (reason != CC_ACME_REASON_NONE &&
	    (reason < 0 || reason > 10 || reason == 7)) {
		ret = cc_err_set(err, CC_EINVAL, "invalid revocation reason "
				 "%d", reason);
		goto out;
	}
	ret = cc_acme_get_directory(a, &dir, err);
	if (ret)
		goto out;
	if (!dir->revoke_cert) {
		ret = cc_err_set(err, CC_EUNSUPPORTED, "the ca does not "
				 "support revocation");
		goto out;
	}
	payload = cJSON_CreateObject();
	if (!payload || cc_b64url_encode(cert_der, len, &der64) ||
	    !cJSON_AddStringToObject(payload, "certificate", der64.data) ||
	    (reason != CC_ACME_REASON_NONE &&
	     !cJSON_AddNumberToObject(payload, "reason", reason)))
		goto oom;
	text = cJSON_PrintUnformatted(payload);
	if (!text)
		goto oom;
	ret = cc_acmei_post(a, dir->revoke_cert, text, cert_key,
			    cert_key != NULL, NULL, &resp, err);
	goto out;
oom:
	ret = cc_err_set(err, CC_ENOMEM, "out of memory");
out:
	cJSON_free(text);
	cJSON_Delete(payload);
	cc_buf_release(&der64);
	cc_http_response_release(&resp);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Renewal information */

int cc_acme_ari_cert_id(X509 *cert, struct cc_buf *out, struct cc_err *err)
{
	const ASN1_OCTET_STRING *kid;
	const ASN1_INTEGER *serial;
	unsigned char *der = NULL;
	size_t start = out->len, hdr;
	int len, ret = CC_OK;

	kid = cert ? X509_get0_authority_key_id(cert) : NULL;
	if (!kid || ASN1_STRING_length(kid) <= 0) {
		ret = cc_err_set(err, CC_EINVAL, "the certificate has no "
				 "authority key identifier");
		goto out;
	}
	serial = X509_get0_serialNumber(cert);
	len = serial ? i2d_ASN1_INTEGER(serial, &der) : -1;
	/* INTEGER tag, length (short or long form), content octets */
	if (len < 3 || der[0] != 0x02) {
		ret = cc_err_set(err, CC_EINVAL, "bad certificate serial");
		goto out;
	}
	hdr = der[1] < 0x80 ? 2 : 2 + (size_t)(der[1] & 0x7f);
	if (hdr >= (size_t)len) {
		ret = cc_err_set(err, CC_EINVAL, "bad certificate serial");
		goto out;
	}
	if (cc_b64url_encode(ASN1_STRING_get0_data(kid),
			     (size_t)ASN1_STRING_length(kid), out) ||
	    cc_buf_adds(out, ".") ||
	    cc_b64url_encode(der + hdr, (size_t)len - hdr, out)) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
out:
	if (ret && out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	OPENSSL_free(der);
	return ret;
}

void cc_acme_renewal_info_release(struct cc_acme_renewal_info *ri)
{
	if (!ri)
		return;
	free(ri->explanation_url);
	memset(ri, 0, sizeof(*ri));
}

static int cert_id_ok(const char *id)
{
	const char *dot = strchr(id, '.');
	size_t i;

	if (!dot || dot == id || !dot[1] || strchr(dot + 1, '.'))
		return 0;
	for (i = 0; id[i]; i++)
		if (id[i] != '.' && !((id[i] >= 'A' && id[i] <= 'Z') ||
				      (id[i] >= 'a' && id[i] <= 'z') ||
				      (id[i] >= '0' && id[i] <= '9') ||
				      id[i] == '-' || id[i] == '_'))
			return 0;
	return i <= 512;
}

int cc_acme_renewal_info(struct cc_acme *a, const char *cert_id,
			 struct cc_acme_renewal_info *out,
			 struct cc_err *err)
{
	struct cc_http_response resp = CC_HTTP_RESPONSE_INIT;
	const struct cc_acme_directory *dir;
	struct cc_buf url = CC_BUF_INIT;
	const cJSON *win;
	cJSON *doc = NULL;
	size_t blen;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!cert_id || !cert_id_ok(cert_id)) {
		ret = cc_err_set(err, CC_EINVAL, "invalid ari certificate id");
		goto out;
	}
	ret = cc_acme_get_directory(a, &dir, err);
	if (ret)
		goto out;
	if (!dir->renewal_info) {
		ret = cc_err_set(err, CC_EUNSUPPORTED, "the ca does not offer "
				 "renewal information (ari)");
		goto out;
	}
	blen = strlen(dir->renewal_info);
	while (blen && dir->renewal_info[blen - 1] == '/')
		blen--;
	if (cc_buf_add(&url, dir->renewal_info, blen) ||
	    cc_buf_addf(&url, "/%s", cert_id)) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	ret = cc_acmei_get(a, url.data, &resp, err);
	if (ret)
		goto out;
	ret = cc_acmei_json(&resp, url.data, &doc, err);
	if (ret)
		goto out;
	win = cJSON_GetObjectItemCaseSensitive(doc, "suggestedWindow");
	if (cc_acme_time_parse(cc_acmei_str(win, "start"), &out->start) ||
	    cc_acme_time_parse(cc_acmei_str(win, "end"), &out->end) ||
	    out->end < out->start) {
		ret = cc_err_set(err, CC_EPROTO, "bad suggestedWindow in "
				 "renewal information from '%s'", url.data);
		goto out;
	}
	if (cc_acmei_dup(doc, "explanationURL", &out->explanation_url)) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	out->retry_after = cc_http_retry_after(
		cc_http_header_get(&resp, "Retry-After"), cc_now(a->clock));
out:
	if (ret)
		cc_acme_renewal_info_release(out);
	cJSON_Delete(doc);
	cc_buf_release(&url);
	cc_http_response_release(&resp);
	return ret;
}
