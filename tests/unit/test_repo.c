#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "repo.h"

struct fx {
	char dir[64];
	char root[PATH_MAX];
	struct cc_repo *repo;
};

static int setup(void **state)
{
	struct cc_err err = CC_ERR_INIT;
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/certctl-repo-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->root, sizeof(f->root), "%s/repo", f->dir);
	if (cc_repo_init(f->root, &err) || cc_repo_open(&f->repo, f->root,
							  &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	cc_fault_set(-1);
	cc_repo_free(f->repo);
	cc_remove_tree(f->dir, NULL);
	free(f);
	return 0;
}

/* ---- helpers ---- */

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	assert_non_null(p);
	return p;
}

static void path_of(char *buf, size_t size, const struct fx *f,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void path_of(char *buf, size_t size, const struct fx *f,
		    const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(buf, size, "%s/%s", f->root, rel);
}

static void slurp(const char *path, struct cc_buf *out)
{
	struct cc_err err = CC_ERR_INIT;

	cc_buf_reset(out);
	if (cc_read_file(path, out, &err))
		fail_msg("cannot read %s: %s", path, err.msg);
}

static void append_raw(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

/* Contents of one test version, tagged so versions differ. */
struct content {
	char cert[128], chain[128], full[256], key[128];
	unsigned char p12[32], jks[24];
};

static void content_make(struct content *c, const char *tag)
{
	size_t i;

	snprintf(c->cert, sizeof(c->cert),
		 "-----BEGIN CERTIFICATE-----\ncert-%s\n"
		 "-----END CERTIFICATE-----\n", tag);
	snprintf(c->chain, sizeof(c->chain),
		 "-----BEGIN CERTIFICATE-----\nchain-%s\n"
		 "-----END CERTIFICATE-----\n", tag);
	snprintf(c->full, sizeof(c->full), "%s%s", c->cert, c->chain);
	snprintf(c->key, sizeof(c->key),
		 "-----BEGIN PRIVATE KEY-----\nkey-%s\n"
		 "-----END PRIVATE KEY-----\n", tag);
	for (i = 0; i < sizeof(c->p12); i++)
		c->p12[i] = (unsigned char)(i * 7 + (unsigned char)tag[0]);
	c->p12[3] = 0;	/* binary, with a NUL */
	for (i = 0; i < sizeof(c->jks); i++)
		c->jks[i] = (unsigned char)(0xfe - i);
}

static void files_of(struct cc_cert_files *fl, const struct content *c,
		     int keystores)
{
	memset(fl, 0, sizeof(*fl));
	fl->cert_pem = c->cert;
	fl->chain_pem = c->chain;
	fl->fullchain_pem = c->full;
	fl->key_pem = c->key;
	if (keystores) {
		fl->p12 = c->p12;
		fl->p12_len = sizeof(c->p12);
		fl->jks = c->jks;
		fl->jks_len = sizeof(c->jks);
	}
}

static void meta_make(struct cc_cert_meta *m, const char *name,
		      const char *status)
{
	memset(m, 0, sizeof(*m));
	m->name = xstrdup(name);
	m->source = xstrdup("acme");
	m->status = xstrdup(status);
}

static void ver_make(struct cc_version *v, const char *cn, const char *serial)
{
	memset(v, 0, sizeof(*v));
	v->common_name = xstrdup(cn);
	v->issuer = xstrdup("CN=Test CA");
	v->serial = xstrdup(serial);
	v->not_before = 1700000000;
	v->not_after = 1700000000 + 90 * 86400;
	v->reason = xstrdup("issued");
}

/* Store a version of name; returns the cc_repo_cert_store code. */
static int store_simple(struct cc_repo *repo, const char *name,
			const char *tag, const char *status, int *number,
			struct cc_err *err)
{
	struct cc_cert_meta m;
	struct cc_version v;
	struct cc_cert_files fl;
	struct content c;
	int rc;

	content_make(&c, tag);
	files_of(&fl, &c, 0);
	meta_make(&m, name, status);
	ver_make(&v, name, tag);
	rc = cc_repo_cert_store(repo, &m, &fl, &v, err);
	if (number)
		*number = v.number;
	cc_cert_meta_release(&m);
	cc_version_release(&v);
	return rc;
}

static void dump_entry(struct cc_buf *b, const struct cc_index_entry *e)
{
	assert_int_equal(cc_buf_addf(b, "%s|%s|%s|%s|%s|%s|%lld|%lld|%d\n",
				     e->name, e->common_name, e->issuer,
				     e->source, e->status, e->serial,
				     (long long)e->not_before,
				     (long long)e->not_after, e->version),
			 0);
}

/* The index as text, also checking it is sorted and strings non-NULL. */
static void index_dump(struct cc_repo *repo, struct cc_buf *out)
{
	struct cc_index idx = CC_INDEX_INIT;
	struct cc_err err = CC_ERR_INIT;
	size_t i;

	cc_buf_reset(out);
	if (cc_repo_index_load(repo, &idx, &err))
		fail_msg("index load: %s", err.msg);
	for (i = 0; i < idx.n; i++) {
		assert_non_null(idx.v[i].common_name);
		assert_non_null(idx.v[i].issuer);
		assert_non_null(idx.v[i].source);
		assert_non_null(idx.v[i].status);
		assert_non_null(idx.v[i].serial);
		if (i)
			assert_true(strcmp(idx.v[i - 1].name,
					   idx.v[i].name) < 0);
		dump_entry(out, &idx.v[i]);
	}
	cc_index_release(&idx);
}

/* What the index should say, computed from the certificate directories. */
static void disk_dump(struct cc_repo *repo, struct cc_buf *out)
{
	char certs[PATH_MAX];
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i, j;
	DIR *d;

	cc_buf_reset(out);
	snprintf(certs, sizeof(certs), "%s/certs", cc_repo_root(repo));
	d = opendir(certs);
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !cc_repo_cert_exists(repo,
								  de->d_name))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		assert_non_null(names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	for (i = 1; i < n; i++) /* insertion sort: small n */
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		struct cc_cert_meta m;
		struct cc_err err = CC_ERR_INIT;
		const struct cc_version *cur;
		struct cc_index_entry e;

		if (cc_repo_cert_load(repo, names[i], &m, &err))
			fail_msg("load %s: %s", names[i], err.msg);
		cur = cc_cert_meta_current(&m);
		memset(&e, 0, sizeof(e));
		e.name = m.name;
		e.source = m.source ? m.source : "";
		e.status = m.status ? m.status : "";
		e.common_name = cur && cur->common_name ? cur->common_name : "";
		e.issuer = cur && cur->issuer ? cur->issuer : "";
		e.serial = cur && cur->serial ? cur->serial : "";
		e.not_before = cur ? cur->not_before : 0;
		e.not_after = cur ? cur->not_after : 0;
		e.version = m.current;
		dump_entry(out, &e);
		cc_cert_meta_release(&m);
		free(names[i]);
	}
	free(names);
}

/* The index agrees with the directories and with a rebuilt index. */
static void assert_index_consistent(struct cc_repo *repo)
{
	struct cc_buf a = CC_BUF_INIT, b = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;

	index_dump(repo, &a);
	disk_dump(repo, &b);
	assert_string_equal(a.data ? a.data : "", b.data ? b.data : "");
	assert_int_equal(cc_repo_reindex(repo, &err), 0);
	index_dump(repo, &b);
	assert_string_equal(a.data ? a.data : "", b.data ? b.data : "");
	cc_buf_release(&a);
	cc_buf_release(&b);
}

/* Number of entries of dir whose name starts with prefix. */
static int count_prefix(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

/* Number of version directories (numeric names) in dir. */
static int count_versions(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			n++;
	closedir(d);
	return n;
}

static int count_lines_of(const char *path)
{
	struct cc_buf b = CC_BUF_INIT;
	size_t i;
	int n = 0;

	slurp(path, &b);
	for (i = 0; i < b.len; i++)
		n += b.data[i] == '\n';
	cc_buf_release(&b);
	return n;
}

/* ---- tests ---- */

static void repo_init_creates_private_layout(void **state)
{
	static const char *const dirs[] = { "", "certs", "accounts",
					    "sectigo", "pending" };
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf b = CC_BUF_INIT;
	char path[PATH_MAX], real[PATH_MAX];
	struct cc_repo *r = NULL;
	mode_t old;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		path_of(path, sizeof(path), f, "%s", dirs[i]);
		assert_int_equal(mode_of(path) & 0777, 0700);
	}
	path_of(path, sizeof(path), f, "format");
	slurp(path, &b);
	assert_string_equal(b.data, "certctl-repository 1\n");
	path_of(path, sizeof(path), f, "lock");
	assert_int_equal(mode_of(path), 0600);
	/* idempotent (restoring what is missing), and still 0700 under a
	 * permissive umask */
	path_of(path, sizeof(path), f, "pending");
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(store_simple(f->repo, "kept.test", "k", "valid", NULL,
				      &err), 0);
	assert_int_equal(cc_repo_init(f->root, &err), 0);
	assert_int_equal(mode_of(path), 0700);
	assert_true(cc_repo_cert_exists(f->repo, "kept.test"));
	assert_index_consistent(f->repo);
	old = umask(0);
	snprintf(path, sizeof(path), "%s/other/deep", f->dir);
	assert_int_equal(cc_repo_init(path, &err), 0);
	umask(old);
	assert_int_equal(mode_of(path) & 0777, 0700);
	snprintf(real, sizeof(real), "%s/certs", path);
	assert_int_equal(mode_of(real) & 0777, 0700);
	assert_int_equal(cc_repo_open(&r, path, &err), 0);
	assert_non_null(realpath(path, real));
	assert_string_equal(cc_repo_root(r), real);
	cc_repo_free(r);
	cc_buf_release(&b);
}

static void repo_open_non_repository_fails(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_repo *r = (struct cc_repo *)1;
	char path[PATH_MAX];

	assert_int_equal(cc_repo_open(&r, f->dir, &err), CC_ENOENT);
	assert_null(r);
	assert_non_null(strstr(err.msg, "certctl init"));
	snprintf(path, sizeof(path), "%s/missing", f->dir);
	assert_int_equal(cc_repo_open(&r, path, &err), CC_ENOENT);
	/* unknown format */
	path_of(path, sizeof(path), f, "format");
	assert_int_equal(cc_write_atomic(path, "certctl-repository 7\n", 21,
					 0644, &err), 0);
	assert_int_equal(cc_repo_open(&r, f->root, &err), CC_ECORRUPT);
	assert_int_equal(cc_repo_init(f->root, &err), CC_ECORRUPT);
	assert_int_equal(cc_write_atomic(path, "hello\n", 6, 0644, &err), 0);
	assert_int_equal(cc_repo_open(&r, f->root, &err), CC_ECORRUPT);
}

static void repo_store_load_roundtrip(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_cert_meta m, l;
	struct cc_version v;
	const struct cc_version *cur;
	struct cc_cert_files fl;
	struct content c;
	struct cc_buf b = CC_BUF_INIT;
	struct cc_index idx = CC_INDEX_INIT;
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;
	size_t i;

	content_make(&c, "one");
	files_of(&fl, &c, 1);
	meta_make(&m, "www.example.com", "valid");
	m.key_policy = xstrdup("same");
	m.key_type = xstrdup("ec:p256");
	m.keystore = xstrdup("p12");
	m.renew_before = xstrdup("30d");
	m.created = 1600000000;
	assert_int_equal(cc_strmap_set(&m.ca, "server",
				       "https://acme.test/dir"), 0);
	assert_int_equal(cc_strmap_set(&m.ca, "account", "acct: #1"), 0);
	assert_int_equal(cc_strmap_set(&m.renewal, "failures", "2"), 0);
	assert_int_equal(cc_strmap_set(&m.renewal, "ari", "true"), 0);
	assert_int_equal(cc_strmap_set(&m.extra, "note", "line1\nline2"), 0);
	m.deploy = calloc(2, sizeof(*m.deploy));
	assert_non_null(m.deploy);
	m.deploy[0] = xstrdup("nginx");
	m.deploy[1] = xstrdup("- odd: value");
	m.ndeploy = 2;
	ver_make(&v, "www.example.com", "0a:1b");
	v.names = calloc(2, sizeof(*v.names));
	assert_non_null(v.names);
	v.names[0] = xstrdup("www.example.com");
	v.names[1] = xstrdup("*.example.com");
	v.nnames = 2;
	v.key_type = xstrdup("ec:p256");
	v.fingerprint = xstrdup("ab12");
	assert_int_equal(cc_strmap_set(&v.ca, "order", "https://o/1"), 0);

	assert_int_equal(cc_repo_cert_store(f->repo, &m, &fl, &v, &err), 0);
	assert_int_equal(v.number, 1);
	assert_true(v.created > 0);
	assert_int_equal(m.current, 1);
	assert_int_equal(m.created, 1600000000);
	assert_true(m.updated >= v.created);
	assert_true(cc_repo_cert_exists(f->repo, "www.example.com"));

	assert_int_equal(cc_repo_cert_load(f->repo, "www.example.com", &l,
					   &err), 0);
	assert_string_equal(l.name, "www.example.com");
	assert_string_equal(l.source, "acme");
	assert_string_equal(l.status, "valid");
	assert_string_equal(l.key_policy, "same");
	assert_string_equal(l.key_type, "ec:p256");
	assert_string_equal(l.keystore, "p12");
	assert_string_equal(l.renew_before, "30d");
	assert_int_equal(l.created, 1600000000);
	assert_int_equal(l.updated, m.updated);
	assert_int_equal(l.ca.n, 2);
	assert_string_equal(l.ca.keys[0], "server");
	assert_string_equal(cc_strmap_get(&l.ca, "server"),
			    "https://acme.test/dir");
	assert_string_equal(cc_strmap_get(&l.ca, "account"), "acct: #1");
	assert_string_equal(cc_strmap_get(&l.renewal, "failures"), "2");
	assert_string_equal(cc_strmap_get(&l.renewal, "ari"), "true");
	assert_string_equal(cc_strmap_get(&l.extra, "note"), "line1\nline2");
	assert_int_equal(l.ndeploy, 2);
	assert_string_equal(l.deploy[0], "nginx");
	assert_string_equal(l.deploy[1], "- odd: value");
	assert_int_equal(l.current, 1);
	assert_int_equal(l.nversions, 1);
	cur = cc_cert_meta_current(&l);
	assert_non_null(cur);
	assert_int_equal(cur->number, 1);
	assert_int_equal(cur->created, v.created);
	assert_string_equal(cur->common_name, "www.example.com");
	assert_int_equal(cur->nnames, 2);
	assert_string_equal(cur->names[1], "*.example.com");
	assert_string_equal(cur->issuer, "CN=Test CA");
	assert_string_equal(cur->serial, "0a:1b");
	assert_int_equal(cur->not_before, 1700000000);
	assert_int_equal(cur->not_after, 1700000000 + 90 * 86400);
	assert_string_equal(cur->key_type, "ec:p256");
	assert_string_equal(cur->fingerprint, "ab12");
	assert_string_equal(cur->reason, "issued");
	assert_string_equal(cc_strmap_get(&cur->ca, "order"), "https://o/1");
	assert_int_equal(cur->has_key, 1);
	assert_int_equal(cur->has_p12, 1);
	assert_int_equal(cur->has_jks, 1);
	cc_cert_meta_release(&l);

	/* files, their modes and the stable links */
	assert_int_equal(cc_repo_cert_read(f->repo, "www.example.com", 0,
					   "cert.pem", &b, &err), 0);
	assert_string_equal(b.data, c.cert);
	cc_buf_reset(&b);
	assert_int_equal(cc_repo_cert_read(f->repo, "www.example.com", 1,
					   "fullchain.pem", &b, &err), 0);
	assert_string_equal(b.data, c.full);
	cc_buf_reset(&b);
	assert_int_equal(cc_repo_cert_read(f->repo, "www.example.com", 0,
					   "cert.p12", &b, &err), 0);
	assert_int_equal(b.len, sizeof(c.p12));
	assert_memory_equal(b.data, c.p12, sizeof(c.p12));
	assert_int_equal(cc_repo_cert_read(f->repo, "www.example.com", 2,
					   "cert.pem", &b, &err), CC_ENOENT);
	assert_int_equal(cc_repo_cert_read(f->repo, "nope", 0, "cert.pem", &b,
					   &err), CC_ENOENT);
	assert_int_equal(cc_repo_cert_read(f->repo, "www.example.com", 0,
					   "../format", &b, &err), CC_EINVAL);
	path_of(path, sizeof(path), f, "certs/www.example.com/versions/1/%s",
		"key.pem");
	assert_int_equal(mode_of(path), 0600);
	path_of(path, sizeof(path), f, "certs/www.example.com/versions/1/%s",
		"cert.p12");
	assert_int_equal(mode_of(path), 0600);
	path_of(path, sizeof(path), f, "certs/www.example.com/versions/1/%s",
		"cert.jks");
	assert_int_equal(mode_of(path), 0600);
	path_of(path, sizeof(path), f, "certs/www.example.com/versions/1/%s",
		"cert.pem");
	assert_int_equal(mode_of(path) & 0077, 0044);
	path_of(path, sizeof(path), f, "certs/www.example.com");
	assert_int_equal(mode_of(path), 0700);
	path_of(path, sizeof(path), f, "certs/www.example.com/versions");
	assert_int_equal(mode_of(path), 0700);
	path_of(path, sizeof(path), f, "certs/www.example.com/versions/1");
	assert_int_equal(mode_of(path), 0700);
	path_of(path, sizeof(path), f, "certs/www.example.com/current");
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, "versions/1");
	assert_int_equal(cc_repo_cert_path(f->repo, "www.example.com",
					   "key.pem", path, sizeof(path),
					   &err), 0);
	slurp(path, &b);
	assert_string_equal(b.data, c.key);
	{
		struct stat st;

		assert_int_equal(lstat(path, &st), 0);
		assert_true(S_ISLNK(st.st_mode));
	}
	assert_int_equal(cc_repo_cert_path(f->repo, "www.example.com",
					   "nothing.pem", path, sizeof(path),
					   &err), CC_ENOENT);

	/* the index entry */
	assert_int_equal(cc_repo_index_load(f->repo, &idx, &err), 0);
	assert_int_equal(idx.n, 1);
	assert_string_equal(idx.v[0].name, "www.example.com");
	assert_string_equal(idx.v[0].common_name, "www.example.com");
	assert_string_equal(idx.v[0].issuer, "CN=Test CA");
	assert_string_equal(idx.v[0].source, "acme");
	assert_string_equal(idx.v[0].status, "valid");
	assert_string_equal(idx.v[0].serial, "0a:1b");
	assert_int_equal(idx.v[0].not_before, 1700000000);
	assert_int_equal(idx.v[0].not_after, 1700000000 + 90 * 86400);
	assert_int_equal(idx.v[0].version, 1);
	cc_index_release(&idx);
	for (i = 0; i < 1; i++)
		assert_index_consistent(f->repo);

	cc_cert_meta_release(&m);
	cc_version_release(&v);
	cc_buf_release(&b);
}

static void repo_second_store_keeps_first_version(void **state)
{
	static const char *const files[] = { "cert.pem", "chain.pem",
					     "fullchain.pem", "key.pem",
					     "cert.p12", "cert.jks",
					     "version.yaml" };
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf before[7], b = CC_BUF_INIT;
	struct cc_cert_meta m, l;
	struct cc_version v;
	struct cc_cert_files fl;
	struct content c;
	char path[PATH_MAX];
	size_t i;

	content_make(&c, "first");
	files_of(&fl, &c, 1);
	meta_make(&m, "history.test", "valid");
	ver_make(&v, "history.test", "01");
	assert_int_equal(cc_repo_cert_store(f->repo, &m, &fl, &v, &err), 0);
	cc_version_release(&v);
	for (i = 0; i < 7; i++) {
		cc_buf_init(&before[i]);
		path_of(path, sizeof(path), f,
			"certs/history.test/versions/1/%s", files[i]);
		slurp(path, &before[i]);
	}
	/* version 2 without keystores, status changed */
	content_make(&c, "second");
	files_of(&fl, &c, 0);
	free(m.status);
	m.status = xstrdup("renewing");
	ver_make(&v, "history.test", "02");
	assert_int_equal(cc_repo_cert_store(f->repo, &m, &fl, &v, &err), 0);
	assert_int_equal(v.number, 2);
	assert_int_equal(m.current, 2);
	for (i = 0; i < 7; i++) {
		path_of(path, sizeof(path), f,
			"certs/history.test/versions/1/%s", files[i]);
		slurp(path, &b);
		assert_int_equal(b.len, before[i].len);
		assert_memory_equal(b.data, before[i].data, b.len);
		cc_buf_release(&before[i]);
	}
	assert_int_equal(cc_repo_cert_load(f->repo, "history.test", &l, &err),
			 0);
	assert_int_equal(l.current, 2);
	assert_int_equal(l.nversions, 2);
	assert_int_equal(l.versions[0].number, 1);
	assert_int_equal(l.versions[1].number, 2);
	assert_string_equal(l.versions[0].serial, "01");
	assert_string_equal(l.versions[1].serial, "02");
	assert_int_equal(l.versions[0].has_p12, 1);
	assert_int_equal(l.versions[1].has_p12, 0);
	assert_string_equal(l.status, "renewing");
	cc_cert_meta_release(&l);
	/* the stable links follow; the p12 link went with the p12 */
	path_of(path, sizeof(path), f, "certs/history.test/cert.pem");
	slurp(path, &b);
	assert_string_equal(b.data, c.cert);
	path_of(path, sizeof(path), f, "certs/history.test/cert.p12");
	assert_false(cc_exists(path));
	assert_int_equal(cc_repo_cert_read(f->repo, "history.test", 1,
					   "cert.p12", &b, &err), 0);
	assert_int_equal(cc_repo_cert_read(f->repo, "history.test", 0,
					   "cert.p12", &b, &err), CC_ENOENT);
	assert_index_consistent(f->repo);
	cc_cert_meta_release(&m);
	cc_version_release(&v);
	cc_buf_release(&b);
}

static void repo_name_check_rejects_unsafe_names(void **state)
{
	static const char *const bad[] = {
		"", "../x", "a/../b", "/abs", "a/b", "-x", ".x", ".", "..",
		"a..b", "a b", "a\\b", "a\nb", "a\tb", "a\001b", "a\177",
		"x\r", NULL
	};
	static const char *const good[] = {
		"example.com", "wildcard.example.com", "a", "x-1_2.test",
		"A.B", "a.b-", NULL
	};
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	char longname[CC_NAME_MAX + 2], certs[PATH_MAX];
	size_t i;

	for (i = 0; bad[i]; i++) {
		cc_err_clear(&err);
		assert_int_equal(cc_name_check(bad[i], &err), CC_EINVAL);
		assert_int_equal(err.code, CC_EINVAL);
		assert_null(strchr(err.msg, '\n'));
		assert_int_equal(store_simple(f->repo, bad[i], "t", "valid",
					      NULL, &err), CC_EINVAL);
		assert_false(cc_repo_cert_exists(f->repo, bad[i]));
	}
	assert_int_equal(cc_name_check(NULL, &err), CC_EINVAL);
	for (i = 0; good[i]; i++)
		assert_int_equal(cc_name_check(good[i], &err), 0);
	memset(longname, 'a', sizeof(longname));
	longname[CC_NAME_MAX] = '\0';
	assert_int_equal(cc_name_check(longname, &err), 0);
	longname[CC_NAME_MAX] = 'a';
	longname[CC_NAME_MAX + 1] = '\0';
	assert_int_equal(cc_name_check(longname, &err), CC_EINVAL);
	/* nothing was written for the rejected names */
	path_of(certs, sizeof(certs), f, "certs");
	assert_int_equal(count_prefix(certs, ""), 2);	/* . and .. */
	path_of(certs, sizeof(certs), f, "x");
	assert_false(cc_exists(certs));
}

static void repo_name_from_cn_gives_valid_names(void **state)
{
	static const char *const cns[][2] = {
		{ "*.Example.COM", "wildcard.example.com" },
		{ "www.example.com", "www.example.com" },
		{ "", "cert" },
		{ "..", "cert" },
		{ "-x", "x" },
		{ "../../etc/passwd", "_._etc_passwd" },
		{ "a b/c\\d", "a_b_c_d" },
		{ "a..b", "a.b" },
		{ "host.", "host" },
		{ "\xc3\xa9t\xc3\xa9", "__t__" },
	};
	char out[CC_NAME_MAX + 1], big[600], small[6];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cns) / sizeof(*cns); i++) {
		cc_name_from_cn(cns[i][0], out, sizeof(out));
		assert_string_equal(out, cns[i][1]);
		assert_int_equal(cc_name_check(out, NULL), 0);
	}
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cc_name_from_cn(big, out, sizeof(out));
	assert_int_equal(strlen(out), CC_NAME_MAX);
	assert_int_equal(cc_name_check(out, NULL), 0);
	cc_name_from_cn("*.example.com", small, sizeof(small));
	assert_int_equal(cc_name_check(small, NULL), 0);
	cc_name_from_cn(NULL, out, sizeof(out));
	assert_string_equal(out, "cert");
}

static void repo_strmap_set_get_del(void **state)
{
	struct cc_strmap m = CC_STRMAP_INIT;

	(void)state;
	assert_int_equal(cc_strmap_set(&m, "a", "1"), 0);
	assert_int_equal(cc_strmap_set(&m, "b", "2"), 0);
	assert_int_equal(cc_strmap_set(&m, "c", "3"), 0);
	assert_int_equal(cc_strmap_set(&m, "a", "one"), 0);
	assert_int_equal(m.n, 3);
	assert_string_equal(m.keys[0], "a");
	assert_string_equal(cc_strmap_get(&m, "a"), "one");
	assert_null(cc_strmap_get(&m, "z"));
	cc_strmap_del(&m, "b");
	assert_int_equal(m.n, 2);
	assert_string_equal(m.keys[1], "c");
	assert_null(cc_strmap_get(&m, "b"));
	assert_int_equal(cc_strmap_set(&m, "c", NULL), 0);
	assert_int_equal(m.n, 1);
	cc_strmap_del(&m, "nothing");
	cc_strmap_release(&m);
	assert_int_equal(m.n, 0);
	cc_strmap_release(&m);
}

static void repo_delete_removes_certificate_and_entry(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_cert_meta l;
	struct cc_index idx = CC_INDEX_INIT;
	char certs[PATH_MAX];

	assert_int_equal(store_simple(f->repo, "gone.test", "x", "valid", NULL,
				      &err), 0);
	assert_int_equal(store_simple(f->repo, "kept.test", "x", "valid", NULL,
				      &err), 0);
	assert_int_equal(cc_repo_cert_delete(f->repo, "gone.test", &err), 0);
	assert_false(cc_repo_cert_exists(f->repo, "gone.test"));
	assert_int_equal(cc_repo_cert_load(f->repo, "gone.test", &l, &err),
			 CC_ENOENT);
	path_of(certs, sizeof(certs), f, "certs");
	assert_int_equal(count_prefix(certs, ".trash-"), 0);
	assert_int_equal(count_prefix(certs, "gone.test"), 0);
	assert_int_equal(cc_repo_index_load(f->repo, &idx, &err), 0);
	assert_int_equal(idx.n, 1);
	assert_string_equal(idx.v[0].name, "kept.test");
	cc_index_release(&idx);
	assert_int_equal(cc_repo_cert_delete(f->repo, "gone.test", &err),
			 CC_ENOENT);
	assert_int_equal(cc_repo_cert_delete(f->repo, "../x", &err),
			 CC_EINVAL);
	/* a new certificate of the same name starts again at version 1 */
	assert_int_equal(store_simple(f->repo, "gone.test", "y", "valid", NULL,
				      &err), 0);
	assert_int_equal(cc_repo_cert_load(f->repo, "gone.test", &l, &err), 0);
	assert_int_equal(l.current, 1);
	assert_int_equal(l.nversions, 1);
	cc_cert_meta_release(&l);
	assert_index_consistent(f->repo);
}

/* Everything about cert "fault.test" that must survive a failed store. */
struct snap {
	struct cc_buf files[6];
	struct cc_buf meta;
	struct cc_buf index;
};

static void snap_take(struct fx *f, const char *name, struct snap *s)
{
	static const char *const files[] = { "cert.pem", "chain.pem",
					     "fullchain.pem", "key.pem",
					     "version.yaml", "cert.pem" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < 6; i++) {
		cc_buf_init(&s->files[i]);
		path_of(path, sizeof(path), f, "certs/%s/current/%s", name,
			files[i]);
		slurp(path, &s->files[i]);
	}
	cc_buf_init(&s->meta);
	path_of(path, sizeof(path), f, "certs/%s/meta.yaml", name);
	slurp(path, &s->meta);
	cc_buf_init(&s->index);
	index_dump(f->repo, &s->index);
}

static void snap_check(struct fx *f, const char *name, const struct snap *s)
{
	struct snap now;
	size_t i;

	snap_take(f, name, &now);
	for (i = 0; i < 6; i++) {
		assert_int_equal(now.files[i].len, s->files[i].len);
		assert_memory_equal(now.files[i].data, s->files[i].data,
				    s->files[i].len);
		cc_buf_release(&now.files[i]);
	}
	assert_string_equal(now.meta.data, s->meta.data);
	assert_string_equal(now.index.data, s->index.data);
	cc_buf_release(&now.meta);
	cc_buf_release(&now.index);
}

static void snap_release(struct snap *s)
{
	size_t i;

	for (i = 0; i < 6; i++)
		cc_buf_release(&s->files[i]);
	cc_buf_release(&s->meta);
	cc_buf_release(&s->index);
}

static void repo_store_survives_failure_at_every_step(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_cert_meta l;
	struct cc_repo *r2;
	struct snap s;
	char vdir[PATH_MAX];
	int n, rc = -1, number = 0;

	assert_int_equal(store_simple(f->repo, "fault.test", "v1", "valid",
				      NULL, &err), 0);
	snap_take(f, "fault.test", &s);
	path_of(vdir, sizeof(vdir), f, "certs/fault.test/versions");
	for (n = 0; n < 200; n++) {
		cc_err_clear(&err);
		cc_fault_set(n);
		rc = store_simple(f->repo, "fault.test", "v2", "changed",
				  &number, &err);
		cc_fault_set(-1);
		if (rc == CC_OK)
			break;
		assert_int_equal(rc, CC_EIO);
		assert_non_null(strstr(err.msg, "injected failure"));
		/* a fresh handle sees the old version, intact */
		assert_int_equal(cc_repo_open(&r2, f->root, &err), 0);
		assert_int_equal(cc_repo_cert_load(r2, "fault.test", &l, &err),
				 0);
		assert_int_equal(l.current, 1);
		assert_int_equal(l.nversions, 1);
		assert_string_equal(l.status, "valid");
		cc_cert_meta_release(&l);
		snap_check(f, "fault.test", &s);
		assert_index_consistent(r2);
		/* nothing half-written remains visible */
		assert_int_equal(count_prefix(vdir, ".tmp-"), 0);
		assert_int_equal(count_versions(vdir), 1);
		cc_repo_free(r2);
	}
	assert_int_equal(rc, CC_OK);
	assert_true(n >= 15);	/* every step was hit */
	/* numbers reserved by failed attempts are not reused */
	assert_true(number > 2);
	assert_int_equal(count_versions(vdir), 2);
	assert_int_equal(cc_repo_cert_load(f->repo, "fault.test", &l, &err), 0);
	assert_int_equal(l.current, number);
	assert_int_equal(l.nversions, 2);
	assert_int_equal(l.versions[0].number, 1);
	assert_string_equal(l.status, "changed");
	cc_cert_meta_release(&l);
	assert_int_equal(count_prefix(vdir, ".tmp-"), 0);
	assert_index_consistent(f->repo);
	snap_release(&s);
}

static void repo_first_store_failure_leaves_nothing(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_cert_meta l;
	char dir[PATH_MAX];
	int n, rc = -1;

	assert_int_equal(store_simple(f->repo, "other.test", "o", "valid",
				      NULL, &err), 0);
	path_of(dir, sizeof(dir), f, "certs/new.test");
	for (n = 0; n < 200; n++) {
		cc_fault_set(n);
		rc = store_simple(f->repo, "new.test", "v1", "valid", NULL,
				  &err);
		cc_fault_set(-1);
		if (rc == CC_OK)
			break;
		assert_false(cc_repo_cert_exists(f->repo, "new.test"));
		assert_int_equal(cc_repo_cert_load(f->repo, "new.test", &l,
						   &err), CC_ENOENT);
		assert_false(cc_exists(dir));
		assert_index_consistent(f->repo);
	}
	assert_int_equal(rc, CC_OK);
	assert_true(n >= 10);
	assert_index_consistent(f->repo);
}

static void repo_meta_save_and_delete_survive_failures(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_cert_meta m, l;
	struct snap s;
	int n, rc = -1;

	assert_int_equal(store_simple(f->repo, "m.test", "v1", "valid", NULL,
				      &err), 0);
	snap_take(f, "m.test", &s);
	for (n = 0; n < 100; n++) {
		assert_int_equal(cc_repo_cert_load(f->repo, "m.test", &m,
						   &err), 0);
		free(m.status);
		m.status = xstrdup("revoked");
		cc_fault_set(n);
		rc = cc_repo_meta_save(f->repo, &m, &err);
		cc_fault_set(-1);
		cc_cert_meta_release(&m);
		if (rc == CC_OK)
			break;
		snap_check(f, "m.test", &s);
		assert_index_consistent(f->repo);
	}
	assert_int_equal(rc, CC_OK);
	assert_true(n >= 2);
	assert_int_equal(cc_repo_cert_load(f->repo, "m.test", &l, &err), 0);
	assert_string_equal(l.status, "revoked");
	assert_int_equal(l.current, 1);
	cc_cert_meta_release(&l);
	snap_release(&s);

	snap_take(f, "m.test", &s);
	for (n = 0; n < 100; n++) {
		cc_fault_set(n);
		rc = cc_repo_cert_delete(f->repo, "m.test", &err);
		cc_fault_set(-1);
		if (rc == CC_OK)
			break;
		assert_true(cc_repo_cert_exists(f->repo, "m.test"));
		snap_check(f, "m.test", &s);
		assert_index_consistent(f->repo);
	}
	assert_int_equal(rc, CC_OK);
	assert_true(n >= 2);
	assert_false(cc_repo_cert_exists(f->repo, "m.test"));
	assert_index_consistent(f->repo);
	snap_release(&s);
}

static void repo_meta_save_pending_certificate(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_cert_meta m, l;
	struct cc_index idx = CC_INDEX_INIT;

	meta_make(&m, "pending.test", "pending");
	assert_int_equal(cc_strmap_set(&m.ca, "order", "https://o/9"), 0);
	assert_int_equal(cc_repo_meta_save(f->repo, &m, &err), 0);
	cc_cert_meta_release(&m);
	assert_true(cc_repo_cert_exists(f->repo, "pending.test"));
	assert_int_equal(cc_repo_cert_load(f->repo, "pending.test", &l, &err),
			 0);
	assert_int_equal(l.current, 0);
	assert_int_equal(l.nversions, 0);
	assert_null(cc_cert_meta_current(&l));
	assert_string_equal(cc_strmap_get(&l.ca, "order"), "https://o/9");
	assert_true(l.created > 0);
	cc_cert_meta_release(&l);
	assert_int_equal(cc_repo_index_load(f->repo, &idx, &err), 0);
	assert_int_equal(idx.n, 1);
	assert_int_equal(idx.v[0].version, 0);
	assert_int_equal(idx.v[0].not_after, 0);
	assert_string_equal(idx.v[0].status, "pending");
	assert_string_equal(idx.v[0].common_name, "");
	cc_index_release(&idx);
	assert_int_equal(store_simple(f->repo, "pending.test", "1", "valid",
				      NULL, &err), 0);
	assert_index_consistent(f->repo);
}

static void repo_stale_leftovers_removed_and_numbers_not_reused(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_cert_meta l;
	char path[PATH_MAX], dir[PATH_MAX];
	int number;

	assert_int_equal(store_simple(f->repo, "crash.test", "1", "valid",
				      NULL, &err), 0);
	/* what crashes could leave behind */
	path_of(dir, sizeof(dir), f, "certs/crash.test");
	snprintf(path, sizeof(path), "%s/versions/.tmp-7", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/versions/.tmp-7/cert.pem", dir);
	assert_int_equal(cc_write_atomic(path, "half", 4, 0644, &err), 0);
	snprintf(path, sizeof(path), "%s/versions/9", dir);
	assert_int_equal(mkdir(path, 0700), 0);	/* never made current */
	snprintf(path, sizeof(path), "%s/current.tmp-4242", dir);
	assert_int_equal(symlink("versions/9", path), 0);
	/* readers ignore the uncommitted version */
	assert_int_equal(cc_repo_cert_load(f->repo, "crash.test", &l, &err),
			 0);
	assert_int_equal(l.nversions, 1);
	assert_int_equal(l.current, 1);
	cc_cert_meta_release(&l);
	assert_int_equal(store_simple(f->repo, "crash.test", "2", "valid",
				      &number, &err), 0);
	assert_int_equal(number, 10);
	snprintf(path, sizeof(path), "%s/versions", dir);
	assert_int_equal(count_prefix(path, ".tmp-"), 0);
	snprintf(path, sizeof(path), "%s/versions/9", dir);
	assert_false(cc_exists(path));
	assert_int_equal(count_prefix(dir, "current.tmp-"), 0);
	assert_int_equal(cc_repo_cert_load(f->repo, "crash.test", &l, &err),
			 0);
	assert_int_equal(l.nversions, 2);
	assert_int_equal(l.versions[1].number, 10);
	cc_cert_meta_release(&l);
	/* a failed attempt consumed 11: the next is 12 */
	cc_fault_set(4);
	assert_int_not_equal(store_simple(f->repo, "crash.test", "3", "valid",
					  NULL, &err), 0);
	cc_fault_set(-1);
	assert_int_equal(store_simple(f->repo, "crash.test", "3", "valid",
				      &number, &err), 0);
	assert_int_equal(number, 12);
}

static void repo_meta_parse_error_names_file_and_line(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_cert_meta l;
	char path[PATH_MAX];
	const char *bad1 = "name: x\nstatus: [unclosed\n";
	const char *bad2 = "name: x\nstatus: valid\nca: just-a-string\n";
	const char *bad3 = "name: x\ncreated: yesterday\n";

	assert_int_equal(store_simple(f->repo, "corrupt.test", "1", "valid",
				      NULL, &err), 0);
	path_of(path, sizeof(path), f, "certs/corrupt.test/meta.yaml");
	assert_int_equal(cc_write_atomic(path, bad1, strlen(bad1), 0644, &err),
			 0);
	assert_int_equal(cc_repo_cert_load(f->repo, "corrupt.test", &l, &err),
			 CC_ECORRUPT);
	assert_int_equal(err.code, CC_ECORRUPT);
	assert_non_null(strstr(err.msg, "meta.yaml:"));
	assert_int_equal(cc_write_atomic(path, bad2, strlen(bad2), 0644, &err),
			 0);
	assert_int_equal(cc_repo_cert_load(f->repo, "corrupt.test", &l, &err),
			 CC_ECORRUPT);
	assert_non_null(strstr(err.msg, "meta.yaml:3:"));
	assert_int_equal(cc_write_atomic(path, bad3, strlen(bad3), 0644, &err),
			 0);
	assert_int_equal(cc_repo_cert_load(f->repo, "corrupt.test", &l, &err),
			 CC_ECORRUPT);
	assert_non_null(strstr(err.msg, "meta.yaml:2:"));
}

static void repo_index_journal_compaction_keeps_entries(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_cert_meta m;
	struct cc_index idx = CC_INDEX_INIT;
	char name[32], jpath[PATH_MAX], spath[PATH_MAX];
	int i, lines;

	path_of(jpath, sizeof(jpath), f, "index.journal");
	path_of(spath, sizeof(spath), f, "index");
	for (i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "c%03d.test", i);
		meta_make(&m, name, i % 2 ? "valid" : "pending");
		assert_int_equal(cc_repo_meta_save(f->repo, &m, &err), 0);
		cc_cert_meta_release(&m);
	}
	/* 300 records were appended: compaction must have run */
	lines = count_lines_of(jpath);
	assert_true(lines < 150);
	assert_true(count_lines_of(spath) > 1);
	assert_int_equal(cc_repo_index_load(f->repo, &idx, &err), 0);
	assert_int_equal(idx.n, 150);
	for (i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "c%03d.test", i);
		assert_string_equal(idx.v[i].name, name);
		assert_string_equal(idx.v[i].status,
				    i % 2 ? "valid" : "pending");
	}
	cc_index_release(&idx);
	assert_int_equal(cc_repo_cert_delete(f->repo, "c007.test", &err), 0);
	assert_int_equal(store_simple(f->repo, "c008.test", "x", "valid", NULL,
				      &err), 0);
	assert_int_equal(cc_repo_index_compact(f->repo, &err), 0);
	assert_int_equal(count_lines_of(jpath), 0);
	assert_int_equal(count_lines_of(spath), 150);	/* header + 149 */
	assert_int_equal(cc_repo_index_load(f->repo, &idx, &err), 0);
	assert_int_equal(idx.n, 149);
	assert_string_equal(idx.v[7].name, "c008.test");
	assert_int_equal(idx.v[7].version, 1);
	cc_index_release(&idx);
	assert_index_consistent(f->repo);
}

static void repo_index_ignores_torn_and_garbage_lines(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_index idx = CC_INDEX_INIT;
	struct cc_buf before = CC_BUF_INIT, after = CC_BUF_INIT;
	char jpath[PATH_MAX], spath[PATH_MAX];

	assert_int_equal(store_simple(f->repo, "a.test", "a", "valid", NULL,
				      &err), 0);
	assert_int_equal(store_simple(f->repo, "b.test", "b", "valid", NULL,
				      &err), 0);
	index_dump(f->repo, &before);
	path_of(jpath, sizeof(jpath), f, "index.journal");
	path_of(spath, sizeof(spath), f, "index");
	append_raw(jpath, "garbage without tabs\n");
	append_raw(jpath, "upsert\tbad name\tx\tx\tx\tx\tx\t0\t0\t1\n");
	append_raw(jpath, "upsert\tnum.test\tx\tx\tx\tx\tx\tzero\t0\t1\n");
	append_raw(jpath, "delete\ta.test\textra\n");
	append_raw(jpath, "frobnicate\ta.test\n");
	append_raw(spath, "not\ta\tvalid\tline\n");
	/* a complete-looking record whose newline never made it */
	append_raw(jpath, "upsert\tzzz.test\t\t\t\t\t\t0\t0\t1");
	index_dump(f->repo, &after);
	assert_string_equal(after.data, before.data);
	/* the next write ends the torn line without reviving it */
	assert_int_equal(store_simple(f->repo, "c.test", "c", "valid", NULL,
				      &err), 0);
	assert_int_equal(cc_repo_index_load(f->repo, &idx, &err), 0);
	assert_int_equal(idx.n, 3);
	assert_string_equal(idx.v[2].name, "c.test");
	cc_index_release(&idx);
	/* a torn delete of a short prefix does not delete anything */
	append_raw(jpath, "delete");
	assert_int_equal(store_simple(f->repo, "d.test", "d", "valid", NULL,
				      &err), 0);
	assert_int_equal(cc_repo_index_load(f->repo, &idx, &err), 0);
	assert_int_equal(idx.n, 4);
	cc_index_release(&idx);
	assert_index_consistent(f->repo);
	cc_buf_release(&before);
	cc_buf_release(&after);
}

static void repo_index_dirty_names_are_reread(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_index idx = CC_INDEX_INIT;
	char jpath[PATH_MAX], path[PATH_MAX];
	const char *meta = "name: a.test\nsource: imported\nstatus: revoked\n";

	assert_int_equal(store_simple(f->repo, "a.test", "a", "valid", NULL,
				      &err), 0);
	assert_int_equal(store_simple(f->repo, "b.test", "b", "valid", NULL,
				      &err), 0);
	assert_int_equal(cc_repo_index_compact(f->repo, &err), 0);
	/* a writer that died after changing a.test and removing b.test */
	path_of(path, sizeof(path), f, "certs/a.test/meta.yaml");
	assert_int_equal(cc_write_atomic(path, meta, strlen(meta), 0644, &err),
			 0);
	path_of(path, sizeof(path), f, "certs/b.test");
	assert_int_equal(cc_remove_tree(path, &err), 0);
	path_of(jpath, sizeof(jpath), f, "index.journal");
	/* without the intent records the index is (knowingly) stale */
	assert_int_equal(cc_repo_index_load(f->repo, &idx, &err), 0);
	assert_int_equal(idx.n, 2);
	assert_string_equal(idx.v[0].status, "valid");
	cc_index_release(&idx);
	append_raw(jpath, "dirty\ta.test\ndirty\tb.test\n");
	append_raw(jpath, "upsert\ta.test\tto");	/* and a torn record */
	assert_int_equal(cc_repo_index_load(f->repo, &idx, &err), 0);
	assert_int_equal(idx.n, 1);
	assert_string_equal(idx.v[0].name, "a.test");
	assert_string_equal(idx.v[0].status, "revoked");
	assert_string_equal(idx.v[0].source, "imported");
	assert_int_equal(idx.v[0].version, 1);
	assert_string_equal(idx.v[0].serial, "a");
	cc_index_release(&idx);
	/* a later upsert clears the mark (after the torn record is ended, as
	 * the next writer does); compaction keeps the result */
	append_raw(jpath, "\t/\n");
	append_raw(jpath, "upsert\ta.test\tcn\ti\ts\tst\tse\t1\t2\t1\n");
	assert_int_equal(cc_repo_index_load(f->repo, &idx, &err), 0);
	assert_int_equal(idx.n, 1);
	assert_string_equal(idx.v[0].status, "st");
	cc_index_release(&idx);
	append_raw(jpath, "dirty\ta.test\n");
	assert_int_equal(cc_repo_index_compact(f->repo, &err), 0);
	assert_int_equal(cc_repo_index_load(f->repo, &idx, &err), 0);
	assert_int_equal(idx.n, 1);
	assert_string_equal(idx.v[0].status, "revoked");
	cc_index_release(&idx);
	assert_index_consistent(f->repo);
}

static void repo_index_escapes_and_rebuilds(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_cert_meta m;
	struct cc_version v;
	struct cc_cert_files fl;
	struct content c;
	struct cc_index idx = CC_INDEX_INIT;
	char path[PATH_MAX];

	content_make(&c, "e");
	files_of(&fl, &c, 0);
	meta_make(&m, "esc.test", "va\tl\\id\nx");
	ver_make(&v, "tab\there", "back\\slash");
	v.not_before = -86400;	/* before 1970 */
	assert_int_equal(cc_repo_cert_store(f->repo, &m, &fl, &v, &err), 0);
	assert_int_equal(cc_repo_index_load(f->repo, &idx, &err), 0);
	assert_int_equal(idx.n, 1);
	assert_string_equal(idx.v[0].status, "va\tl\\id\nx");
	assert_string_equal(idx.v[0].common_name, "tab\there");
	assert_string_equal(idx.v[0].serial, "back\\slash");
	assert_int_equal(idx.v[0].not_before, -86400);
	cc_index_release(&idx);
	assert_index_consistent(f->repo);
	/* a missing index is rebuilt on load */
	path_of(path, sizeof(path), f, "index");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(cc_repo_index_load(f->repo, &idx, &err), 0);
	assert_int_equal(idx.n, 1);
	assert_string_equal(idx.v[0].status, "va\tl\\id\nx");
	cc_index_release(&idx);
	assert_true(cc_exists(path));
	cc_cert_meta_release(&m);
	cc_version_release(&v);
}

static void repo_bulk_store_many(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_cert_meta m[40];
	struct cc_version v[40];
	struct cc_cert_files fl[40];
	struct content c;
	struct cc_index idx = CC_INDEX_INIT;
	char name[32];
	int i;

	content_make(&c, "bulk");
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "bulk%02d.test", 39 - i);
		meta_make(&m[i], name, "valid");
		ver_make(&v[i], name, "s");
		files_of(&fl[i], &c, 0);
	}
	assert_int_equal(cc_repo_store_many(f->repo, m, fl, v, 40, &err), 0);
	assert_int_equal(cc_repo_index_load(f->repo, &idx, &err), 0);
	assert_int_equal(idx.n, 40);
	assert_string_equal(idx.v[0].name, "bulk00.test");
	assert_int_equal(idx.v[0].version, 1);
	cc_index_release(&idx);
	for (i = 0; i < 40; i++) {
		assert_int_equal(v[i].number, 1);
		cc_cert_meta_release(&m[i]);
		cc_version_release(&v[i]);
	}
	assert_index_consistent(f->repo);
}

static void repo_lock_is_recursive_and_exclusive(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_repo *r2;
	pid_t pid;
	int status, fd;

	assert_int_equal(cc_repo_lock(f->repo, &err), 0);
	assert_int_equal(cc_repo_lock(f->repo, &err), 0);
	/* a second handle in the same process shares the lock */
	assert_int_equal(cc_repo_open(&r2, f->root, &err), 0);
	assert_int_equal(cc_repo_lock(r2, &err), 0);
	assert_int_equal(store_simple(r2, "locked.test", "x", "valid", NULL,
				      &err), 0);
	cc_repo_unlock(r2);
	cc_repo_unlock(f->repo);
	/* still held once: another process cannot take it */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cc_repo *r3;
		int rc = 1;

		if (cc_repo_open(&r3, f->root, NULL) == 0) {
			cc_repo_set_lock_timeout(r3, 100);
			rc = cc_repo_lock(r3, NULL) == CC_ELOCKED ? 0 : 2;
			cc_repo_free(r3);
		}
		_exit(rc);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	cc_repo_unlock(f->repo);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cc_repo *r3;
		int rc = 1;

		if (cc_repo_open(&r3, f->root, NULL) == 0) {
			cc_repo_set_lock_timeout(r3, 100);
			rc = cc_repo_lock(r3, NULL) == CC_OK ? 0 : 2;
			cc_repo_free(r3);	/* releases it */
		}
		_exit(rc);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	cc_repo_unlock(f->repo);	/* not held: no effect */
	assert_int_equal(cc_repo_lock(f->repo, &err), 0);
	cc_repo_unlock(f->repo);

	/* per-certificate lock */
	assert_int_equal(cc_repo_cert_lock(f->repo, "locked.test", 0, &fd,
					   &err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd2 = -1, rc;

		rc = cc_repo_cert_lock(f->repo, "locked.test", 50, &fd2,
				       NULL);
		cc_unlock(fd2);
		_exit(rc == CC_ELOCKED ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	cc_unlock(fd);
	assert_int_equal(cc_repo_cert_lock(f->repo, "../x", 0, &fd, &err),
			 CC_EINVAL);
	/* locking a new name does not make it a certificate */
	assert_int_equal(cc_repo_cert_lock(f->repo, "future.test", 0, &fd,
					   &err), 0);
	cc_unlock(fd);
	assert_false(cc_repo_cert_exists(f->repo, "future.test"));
	cc_repo_free(r2);
	assert_index_consistent(f->repo);
}

#define NWRITERS 20

static void repo_concurrent_writers_stay_consistent(void **state)
{
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_cert_meta l;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	pid_t pids[NWRITERS];
	char name[32], vdir[PATH_MAX];
	int i, status, left, waited, nshared = 0, number;
	size_t k;

	for (i = 0; i < NWRITERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct cc_repo *r;
			int rc = 1;

			if (cc_repo_open(&r, f->root, NULL) == 0) {
				snprintf(name, sizeof(name), "w%02d.test", i);
				rc = store_simple(r, name, name, "valid", NULL,
						  NULL);
				if (rc == 0 && i % 2 == 0)
					rc = store_simple(r, "shared.test",
							  name, "valid", NULL,
							  NULL);
				if (rc == 0 && i % 5 == 0)
					rc = store_simple(r, name, "again",
							  "renewed", NULL,
							  NULL);
				cc_repo_free(r);
			}
			_exit(rc == 0 ? 0 : 1);
		}
		if (i % 2 == 0)
			nshared++;
	}
	/* bounded wait: 120 s */
	for (left = NWRITERS, waited = 0; left > 0 && waited < 12000;) {
		pid_t p = waitpid(-1, &status, WNOHANG);

		if (p > 0) {
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 0);
			left--;
			continue;
		}
		nanosleep(&ts, NULL);
		waited++;
	}
	if (left) {
		for (i = 0; i < NWRITERS; i++)
			kill(pids[i], SIGKILL);
		while (waitpid(-1, &status, 0) > 0)
			;
		fail_msg("%d writers did not finish", left);
	}
	for (i = 0; i < NWRITERS; i++) {
		snprintf(name, sizeof(name), "w%02d.test", i);
		assert_int_equal(cc_repo_cert_load(f->repo, name, &l, &err),
				 0);
		assert_int_equal(l.current, i % 5 == 0 ? 2 : 1);
		assert_int_equal(l.nversions, i % 5 == 0 ? 2 : 1);
		cc_cert_meta_release(&l);
	}
	assert_int_equal(cc_repo_cert_load(f->repo, "shared.test", &l, &err),
			 0);
	assert_int_equal(l.current, nshared);
	assert_int_equal(l.nversions, (size_t)nshared);
	for (k = 0; k < l.nversions; k++)
		assert_int_equal(l.versions[k].number, (int)k + 1);
	cc_cert_meta_release(&l);
	assert_index_consistent(f->repo);
	assert_int_equal(store_simple(f->repo, "shared.test", "last", "valid",
				      &number, &err), 0);
	assert_int_equal(number, nshared + 1);
	path_of(vdir, sizeof(vdir), f, "certs/shared.test/versions");
	assert_int_equal(count_prefix(vdir, ".tmp-"), 0);
}

static void repo_generic_private_files(void **state)
{
	static const char *const bad[] = { "", "/abs", "../x", "a/../b",
					   "a//b", "a/./b", "a/", "certs/x",
					   "format", "index", "lock",
					   "index.journal", "a\nb", NULL };
	struct fx *f = *state;
	struct cc_err err = CC_ERR_INIT;
	struct cc_buf b = CC_BUF_INIT;
	char path[PATH_MAX];
	size_t i;

	assert_int_equal(cc_repo_write(f->repo, "accounts/le/one/key.pem",
				       "secret", 6, 0600, &err), 0);
	path_of(path, sizeof(path), f, "accounts/le/one/key.pem");
	assert_int_equal(mode_of(path), 0600);
	path_of(path, sizeof(path), f, "accounts/le");
	assert_int_equal(mode_of(path), 0700);
	path_of(path, sizeof(path), f, "accounts/le/one");
	assert_int_equal(mode_of(path), 0700);
	assert_int_equal(cc_repo_read(f->repo, "accounts/le/one/key.pem", &b,
				      &err), 0);
	assert_string_equal(b.data, "secret");
	assert_int_equal(cc_repo_write(f->repo, "pending/o.yaml", "a: b\n", 5,
				       0644, &err), 0);
	path_of(path, sizeof(path), f, "pending/o.yaml");
	assert_int_equal(mode_of(path), 0644);
	assert_int_equal(cc_repo_path(f->repo, "pending/o.yaml", path,
				      sizeof(path), &err), 0);
	assert_int_equal(path[0], '/');
	assert_non_null(strstr(path, "/repo/pending/o.yaml"));
	for (i = 0; bad[i]; i++) {
		assert_int_equal(cc_repo_write(f->repo, bad[i], "x", 1, 0600,
					       &err), CC_EINVAL);
		assert_int_equal(cc_repo_path(f->repo, bad[i], path,
					      sizeof(path), &err), CC_EINVAL);
	}
	assert_int_equal(cc_repo_remove(f->repo, "accounts/le", &err), 0);
	cc_buf_reset(&b);
	assert_int_equal(cc_repo_read(f->repo, "accounts/le/one/key.pem", &b,
				      &err), CC_ENOENT);
	assert_int_equal(cc_repo_remove(f->repo, "accounts/le", &err), 0);
	/* the reader refuses a symlink */
	path_of(path, sizeof(path), f, "pending/link");
	assert_int_equal(symlink("o.yaml", path), 0);
	assert_int_not_equal(cc_repo_read(f->repo, "pending/link", &b, &err),
			     0);
	cc_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
		T(repo_init_creates_private_layout),
		T(repo_open_non_repository_fails),
		T(repo_store_load_roundtrip),
		T(repo_second_store_keeps_first_version),
		T(repo_name_check_rejects_unsafe_names),
		cmocka_unit_test(repo_name_from_cn_gives_valid_names),
		cmocka_unit_test(repo_strmap_set_get_del),
		T(repo_delete_removes_certificate_and_entry),
		T(repo_store_survives_failure_at_every_step),
		T(repo_first_store_failure_leaves_nothing),
		T(repo_meta_save_and_delete_survive_failures),
		T(repo_meta_save_pending_certificate),
		T(repo_stale_leftovers_removed_and_numbers_not_reused),
		T(repo_meta_parse_error_names_file_and_line),
		T(repo_index_journal_compaction_keeps_entries),
		T(repo_index_ignores_torn_and_garbage_lines),
		T(repo_index_dirty_names_are_reread),
		T(repo_index_escapes_and_rebuilds),
		T(repo_bulk_store_many),
		T(repo_lock_is_recursive_and_exclusive),
		T(repo_concurrent_writers_stay_consistent),
		T(repo_generic_private_files),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
