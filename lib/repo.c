/*
 * Certificate repository: opening, locking, names, string maps, generic
 * private files, reading and deleting certificates. Storing is in
 * repo_store.c, YAML in repo_meta.c, the index in repo_index.c.
 */
#include "repo.h"
#include "repo_int.h"
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *const cc_repo_files[CC_REPO_NFILES] = {
	"cert.pem", "chain.pem", "fullchain.pem", "key.pem", "cert.p12",
	"cert.jks",
};

/* ---- paths and small helpers ---- */

int cc_repo_fmt(char *buf, size_t size, struct cc_err *err, const char *fmt,
		...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return cc_err_set(err, CC_EINVAL, "path too long");
	return CC_OK;
}

int cc_repo_certdir(const struct cc_repo *repo, const char *name,
		    const char *sub, char *buf, size_t size,
		    struct cc_err *err)
{
	if (sub)
		return cc_repo_fmt(buf, size, err, "%s/certs/%s/%s",
				   repo->root, name, sub);
	return cc_repo_fmt(buf, size, err, "%s/certs/%s", repo->root, name);
}

int cc_repo_mkdir(const char *path, int *created, struct cc_err *err)
{
	struct stat st;
	int made = 0;

	if (created)
		*created = 0;
	if (mkdir(path, 0700) == 0)
		made = 1;
	else if (errno != EEXIST)
		return cc_err_set(err, errno == ENOENT ? CC_ENOENT : CC_EIO,
				  "cannot create directory '%s': %s", path,
				  strerror(errno));
	if (lstat(path, &st) < 0)
		return cc_err_set(err, CC_EIO, "cannot stat '%s': %s", path,
				  strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cc_err_set(err, CC_ECORRUPT, "'%s' is not a directory",
				  path);
	if (made && (st.st_mode & 07777) != 0700 && chmod(path, 0700) < 0)
		return cc_err_set(err, CC_EIO, "cannot chmod '%s': %s", path,
				  strerror(errno));
	if (created)
		*created = made;
	return CC_OK;
}

int cc_repo_read_nofollow(const char *path, struct cc_buf *out,
			  struct cc_err *err)
{
	struct stat st;
	size_t total = 0, room;
	ssize_t n;
	int fd, rc = CC_OK;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return cc_err_set(err, CC_ENOENT, "'%s' does not exist",
					  path);
		if (errno == ELOOP)
			return cc_err_set(err, CC_ECORRUPT,
					  "'%s' is a symbolic link", path);
		return cc_err_set(err, CC_EIO, "cannot open '%s': %s", path,
				  strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = cc_err_set(err, CC_EINVAL, "'%s' is not a regular file",
				path);
		goto out;
	}
	if (st.st_size > 0 && (unsigned long long)st.st_size <= CC_READ_MAX &&
	    cc_buf_grow(out, (size_t)st.st_size)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	/* read straight into out: no intermediate copy of key material */
	for (;;) {
		room = out->cap > out->len + 1 ? out->cap - out->len - 1 : 0;
		if (room == 0) {
			if (cc_buf_grow(out, 65536)) {
				rc = cc_err_set(err, CC_ENOMEM,
						"out of memory");
				goto out;
			}
			room = out->cap - out->len - 1;
		}
		n = read(fd, out->data + out->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = cc_err_set(err, CC_EIO, "cannot read '%s': %s",
					path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		total += (size_t)n;
		if (total > CC_READ_MAX) {
			rc = cc_err_set(err, CC_EINVAL, "'%s' is too large",
					path);
			goto out;
		}
	}
out:
	close(fd);
	return rc;
}

int cc_repo_parse_number(const char *s)
{
	long v = 0;
	size_t i;

	if (!s || s[0] < '1' || s[0] > '9')
		return -1;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > INT_MAX ? -1 : (int)v;
}

int cc_repo_current(const char *certdir, int *num, struct cc_err *err)
{
	char path[PATH_MAX], target[64];
	ssize_t n;
	int v;

	*num = 0;
	if (cc_repo_fmt(path, sizeof(path), err, "%s/current", certdir))
		return CC_EINVAL;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		if (errno == ENOENT)
			return CC_OK;
		if (errno == EINVAL)
			return cc_err_set(err, CC_ECORRUPT,
					  "'%s' is not a symbolic link", path);
		return cc_err_set(err, CC_EIO, "cannot read link '%s': %s",
				  path, strerror(errno));
	}
	target[n] = '\0';
	if (strncmp(target, "versions/", 9) ||
	    (v = cc_repo_parse_number(target + 9)) < 0)
		return cc_err_set(err, CC_ECORRUPT,
				  "'%s' points to an unexpected target", path);
	*num = v;
	return CC_OK;
}

/* ---- init / open ---- */

static int check_format(const char *root, const char *path,
			struct cc_err *err)
{
	struct cc_buf b = CC_BUF_INIT;
	int rc;

	rc = cc_repo_read_nofollow(path, &b, err);
	if (rc == CC_ENOENT) {
		rc = cc_err_set(err, CC_ENOENT,
				"no repository at '%s' (run 'certctl init')",
				root);
		goto out;
	}
	if (rc)
		goto out;
	if (strcmp(b.data, CC_REPO_FORMAT_LINE) != 0) {
		if (!strncmp(b.data, "certctl-repository ", 19))
			rc = cc_err_set(err, CC_ECORRUPT,
					"repository '%s' has an unsupported "
					"format (this certctl supports "
					"format %d)", root, CC_REPO_FORMAT);
		else
			rc = cc_err_set(err, CC_ECORRUPT,
					"'%s' is not a certctl repository "
					"format file", path);
	}
out:
	cc_buf_release(&b);
	return rc;
}

static int touch_file(const char *path, mode_t mode, struct cc_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		return cc_err_set(err, CC_EIO, "cannot create '%s': %s", path,
				  strerror(errno));
	close(fd);
	return CC_OK;
}

int cc_repo_init(const char *root, struct cc_err *err)
{
	static const char *const dirs[] = { "certs", "accounts", "sectigo",
					    "pending" };
	char path[PATH_MAX], real[PATH_MAX];
	struct stat st;
	size_t i;
	int rc, existed;

	if (!root || !*root)
		return cc_err_set(err, CC_EINVAL, "empty repository path");
	existed = stat(root, &st) == 0;
	if (!existed) {
		if ((rc = cc_mkdir_p(root, 0700, err)))
			return rc;
		if (chmod(root, 0700) < 0)
			return cc_err_set(err, CC_EIO, "cannot chmod '%s': %s",
					  root, strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		return cc_err_set(err, CC_EEXIST, "'%s' is not a directory",
				  root);
	}
	if (!realpath(root, real))
		return cc_err_set(err, CC_EIO, "cannot resolve '%s': %s", root,
				  strerror(errno));
	if (cc_repo_fmt(path, sizeof(path), err, "%s/format", real))
		return CC_EINVAL;
	/* an existing repository: check it, and restore missing parts */
	existed = cc_exists(path);
	if (existed && (rc = check_format(root, path, err)))
		return rc;
	for (i = 0; i < ARRAY_LEN(dirs); i++) {
		if (cc_repo_fmt(path, sizeof(path), err, "%s/%s", real,
				dirs[i]))
			return CC_EINVAL;
		if ((rc = cc_repo_mkdir(path, NULL, err)))
			return rc;
	}
	if ((rc = cc_repo_fmt(path, sizeof(path), err, "%s/lock", real)) ||
	    (rc = touch_file(path, 0600, err)))
		return rc;
	if (existed)
		return CC_OK;	/* a missing index is rebuilt when loaded */
	if ((rc = cc_repo_fmt(path, sizeof(path), err, "%s/index", real)) ||
	    (rc = cc_write_atomic(path, "", 0, 0644, err)) ||
	    (rc = cc_repo_fmt(path, sizeof(path), err, "%s/index.journal",
			      real)) ||
	    (rc = cc_write_atomic(path, "", 0, 0644, err)))
		return rc;
	/* the format file last: a half-created repository does not open */
	if ((rc = cc_repo_fmt(path, sizeof(path), err, "%s/format", real)))
		return rc;
	return cc_write_atomic(path, CC_REPO_FORMAT_LINE,
			       strlen(CC_REPO_FORMAT_LINE), 0644, err);
}

int cc_repo_open(struct cc_repo **out, const char *root, struct cc_err *err)
{
	char real[PATH_MAX], path[PATH_MAX];
	struct cc_repo *r;
	int rc;

	*out = NULL;
	if (!root || !*root)
		return cc_err_set(err, CC_EINVAL, "empty repository path");
	if (!realpath(root, real)) {
		if (errno == ENOENT || errno == ENOTDIR)
			return cc_err_set(err, CC_ENOENT,
					  "no repository at '%s' (run "
					  "'certctl init')", root);
		return cc_err_set(err, CC_EIO, "cannot resolve '%s': %s",
				  root, strerror(errno));
	}
	if (cc_repo_fmt(path, sizeof(path), err, "%s/format", real))
		return CC_EINVAL;
	if ((rc = check_format(root, path, err)))
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r || !(r->root = strdup(real))) {
		free(r);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	/* realpath gives "/" for the root directory only */
	if (!strcmp(r->root, "/"))
		r->root[0] = '\0';
	r->lock_timeout_ms = CC_REPO_LOCK_TIMEOUT_MS;
	*out = r;
	return CC_OK;
}

void cc_repo_free(struct cc_repo *repo)
{
	if (!repo)
		return;
	while (repo->lock_depth > 0 && repo->lock_pid == getpid())
		cc_repo_unlock(repo);
	free(repo->root);
	free(repo);
}

const char *cc_repo_root(const struct cc_repo *repo)
{
	return repo->root[0] ? repo->root : "/";
}

/* ---- locking: one flock per lock file and process, counted ---- */

struct cc_repo_lockent {
	struct cc_repo_lockent *next;
	dev_t dev;
	ino_t ino;
	pid_t pid;
	int fd;
	int depth;
};

static struct cc_repo_lockent *held_locks;

void cc_repo_set_lock_timeout(struct cc_repo *repo, int ms)
{
	repo->lock_timeout_ms = ms < 0 ? 0 : ms;
}

void cc_repo_set_sync(struct cc_repo *repo, int on)
{
	repo->nosync = !on;
}

int cc_repo_lock(struct cc_repo *repo, struct cc_err *err)
{
	struct cc_repo_lockent *e;
	char path[PATH_MAX];
	struct stat st;
	pid_t pid = getpid();
	int fd, rc;

	if (repo->lock_depth > 0 && repo->lock_pid != pid) {
		/* inherited over fork(): the lock belongs to the parent */
		repo->lock_depth = 0;
		repo->lock = NULL;
	}
	if (repo->lock_depth > 0) {
		repo->lock_depth++;
		repo->lock->depth++;
		return CC_OK;
	}
	if (cc_repo_fmt(path, sizeof(path), err, "%s/lock", repo->root))
		return CC_EINVAL;
	if (stat(path, &st) == 0) {
		for (e = held_locks; e; e = e->next) {
			if (e->pid == pid && e->dev == st.st_dev &&
			    e->ino == st.st_ino) {
				e->depth++;
				repo->lock = e;
				repo->lock_depth = 1;
				repo->lock_pid = pid;
				return CC_OK;
			}
		}
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	rc = cc_lock(path, repo->lock_timeout_ms, &fd, err);
	if (rc == CC_ELOCKED) {
		free(e);
		return cc_err_set(err, CC_ELOCKED,
				  "repository '%s' is locked by another "
				  "certctl process", cc_repo_root(repo));
	}
	if (rc) {
		free(e);
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		cc_unlock(fd);
		free(e);
		return cc_err_set(err, CC_EIO, "cannot stat '%s': %s", path,
				  strerror(errno));
	}
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->pid = pid;
	e->fd = fd;
	e->depth = 1;
	e->next = held_locks;
	held_locks = e;
	repo->lock = e;
	repo->lock_depth = 1;
	repo->lock_pid = pid;
	return CC_OK;
}

void cc_repo_unlock(struct cc_repo *repo)
{
	struct cc_repo_lockent **pp, *e;

	if (!repo || repo->lock_depth <= 0 || repo->lock_pid != getpid())
		return;
	e = repo->lock;
	repo->lock_depth--;
	if (repo->lock_depth == 0)
		repo->lock = NULL;
	if (--e->depth > 0)
		return;
	for (pp = &held_locks; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	cc_unlock(e->fd);
	free(e);
}

int cc_repo_cert_lock(struct cc_repo *repo, const char *name, int timeout_ms,
		      int *fd, struct cc_err *err)
{
	char path[PATH_MAX];
	int rc;

	*fd = -1;
	if ((rc = cc_name_check(name, err)))
		return rc;
	if ((rc = cc_repo_certdir(repo, name, NULL, path, sizeof(path), err)))
		return rc;
	if ((rc = cc_repo_mkdir(path, NULL, err)))
		return rc;
	if ((rc = cc_repo_certdir(repo, name, "lock", path, sizeof(path),
				  err)))
		return rc;
	rc = cc_lock(path, timeout_ms, fd, err);
	if (rc == CC_ELOCKED)
		rc = cc_err_set(err, CC_ELOCKED,
				"certificate '%s' is busy (locked by another "
				"certctl process)", name);
	return rc;
}

/* ---- names ---- */

int cc_name_check(const char *name, struct cc_err *err)
{
	size_t i, len;
	unsigned char c;

	if (!name || !*name)
		return cc_err_set(err, CC_EINVAL,
				  "invalid certificate name: empty");
	len = strnlen(name, CC_NAME_MAX + 1);
	if (len > CC_NAME_MAX)
		return cc_err_set(err, CC_EINVAL,
				  "invalid certificate name: longer than %d "
				  "bytes", CC_NAME_MAX);
	for (i = 0; i < len; i++) {
		c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f)
			return cc_err_set(err, CC_EINVAL,
					  "invalid certificate name: contains "
					  "a control character");
	}
	if (name[0] == '-' || name[0] == '.')
		return cc_err_set(err, CC_EINVAL,
				  "invalid certificate name '%s': must not "
				  "start with '%c'", name, name[0]);
	for (i = 0; i < len; i++) {
		c = (unsigned char)name[i];
		if (c == '/' || c == '\\' || c == ' ')
			return cc_err_set(err, CC_EINVAL,
					  "invalid certificate name '%s': "
					  "must not contain '%c'", name, c);
	}
	if (strstr(name, ".."))
		return cc_err_set(err, CC_EINVAL,
				  "invalid certificate name '%s': must not "
				  "contain '..'", name);
	return CC_OK;
}

void cc_name_from_cn(const char *cn, char *out, size_t size)
{
	size_t o = 0, max;
	const char *s = cn ? cn : "";
	unsigned char c;

	if (!out || size == 0)
		return;
	max = size - 1 < CC_NAME_MAX ? size - 1 : CC_NAME_MAX;
	if (s[0] == '*' && s[1] == '.') {
		if (max >= 9) {
			memcpy(out, "wildcard.", 9);
			o = 9;
		}
		s += 2;
	}
	for (; *s && o < max; s++) {
		c = (unsigned char)*s;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			   c == '.' || c == '-' || c == '_'))
			c = '_';
		if (o == 0 && (c == '.' || c == '-'))
			continue;
		if (c == '.' && o > 0 && out[o - 1] == '.')
			continue;
		out[o++] = (char)c;
	}
	while (o > 0 && out[o - 1] == '.')
		o--;
	if (o == 0) {
		snprintf(out, size, "cert");
		return;
	}
	out[o] = '\0';
}

/* ---- string maps ---- */

int cc_strmap_set(struct cc_strmap *m, const char *key, const char *val)
{
	char **keys, **vals, *k, *v;
	size_t i;

	if (!key)
		return CC_EINVAL;
	if (!val) {
		cc_strmap_del(m, key);
		return CC_OK;
	}
	for (i = 0; i < m->n; i++) {
		if (!strcmp(m->keys[i], key)) {
			if (!(v = strdup(val)))
				return CC_ENOMEM;
			free(m->vals[i]);
			m->vals[i] = v;
			return CC_OK;
		}
	}
	keys = realloc(m->keys, (m->n + 1) * sizeof(*keys));
	if (!keys)
		return CC_ENOMEM;
	m->keys = keys;
	vals = realloc(m->vals, (m->n + 1) * sizeof(*vals));
	if (!vals)
		return CC_ENOMEM;
	m->vals = vals;
	k = strdup(key);
	v = strdup(val);
	if (!k || !v) {
		free(k);
		free(v);
		return CC_ENOMEM;
	}
	m->keys[m->n] = k;
	m->vals[m->n] = v;
	m->n++;
	return CC_OK;
}

const char *cc_strmap_get(const struct cc_strmap *m, const char *key)
{
	size_t i;

	if (!m || !key)
		return NULL;
	for (i = 0; i < m->n; i++)
		if (!strcmp(m->keys[i], key))
			return m->vals[i];
	return NULL;
}

void cc_strmap_del(struct cc_strmap *m, const char *key)
{
	size_t i;

	if (!m || !key)
		return;
	for (i = 0; i < m->n; i++) {
		if (strcmp(m->keys[i], key))
			continue;
		free(m->keys[i]);
		free(m->vals[i]);
		memmove(m->keys + i, m->keys + i + 1,
			(m->n - i - 1) * sizeof(*m->keys));
		memmove(m->vals + i, m->vals + i + 1,
			(m->n - i - 1) * sizeof(*m->vals));
		m->n--;
		return;
	}
}

void cc_strmap_release(struct cc_strmap *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++) {
		free(m->keys[i]);
		free(m->vals[i]);
	}
	free(m->keys);
	free(m->vals);
	m->keys = m->vals = NULL;
	m->n = 0;
}

/* ---- certificates: existence, files, deletion ---- */

int cc_repo_cert_exists(struct cc_repo *repo, const char *name)
{
	char path[PATH_MAX];

	if (cc_name_check(name, NULL))
		return 0;
	if (cc_repo_certdir(repo, name, "meta.yaml", path, sizeof(path),
			    NULL) == CC_OK && cc_exists(path))
		return 1;
	if (cc_repo_certdir(repo, name, "current", path, sizeof(path),
			    NULL) == CC_OK && cc_exists(path))
		return 1;
	return 0;
}

static int file_name_check(const char *file, struct cc_err *err)
{
	size_t i;

	if (!file || !*file || file[0] == '.' || strlen(file) > 64)
		goto bad;
	for (i = 0; file[i]; i++)
		if (file[i] == '/' || (unsigned char)file[i] < 0x20)
			goto bad;
	return CC_OK;
bad:
	return cc_err_set(err, CC_EINVAL, "invalid certificate file name");
}

int cc_repo_cert_read(struct cc_repo *repo, const char *name, int version,
		      const char *file, struct cc_buf *out,
		      struct cc_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int rc, cur;

	if ((rc = cc_name_check(name, err)) || (rc = file_name_check(file,
								       err)))
		return rc;
	if (version < 0)
		return cc_err_set(err, CC_EINVAL, "invalid version number %d",
				  version);
	if ((rc = cc_repo_certdir(repo, name, NULL, dir, sizeof(dir), err)))
		return rc;
	if ((rc = cc_repo_current(dir, &cur, err)))
		return rc;
	if (version == 0)
		version = cur;
	if (version == 0 || version > cur) {
		if (!cc_repo_cert_exists(repo, name))
			return cc_err_set(err, CC_ENOENT,
					  "no certificate '%s'", name);
		if (cur == 0)
			return cc_err_set(err, CC_ENOENT,
					  "certificate '%s' has no version "
					  "yet", name);
		return cc_err_set(err, CC_ENOENT,
				  "certificate '%s' has no version %d", name,
				  version);
	}
	if ((rc = cc_repo_fmt(path, sizeof(path), err, "%s/versions/%d/%s",
			      dir, version, file)))
		return rc;
	rc = cc_repo_read_nofollow(path, out, err);
	if (rc == CC_ENOENT)
		rc = cc_err_set(err, CC_ENOENT,
				"certificate '%s' version %d has no %s", name,
				version, file);
	return rc;
}

int cc_repo_cert_path(struct cc_repo *repo, const char *name,
		      const char *file, char *buf, size_t size,
		      struct cc_err *err)
{
	char cur[PATH_MAX];
	struct stat st;
	int rc;

	if ((rc = cc_name_check(name, err)) || (rc = file_name_check(file,
								       err)))
		return rc;
	if ((rc = cc_repo_certdir(repo, name, "current", cur, sizeof(cur),
				  err)) ||
	    (rc = cc_repo_fmt(cur + strlen(cur), sizeof(cur) - strlen(cur),
			      err, "/%s", file)))
		return rc;
	if (stat(cur, &st) < 0 || !S_ISREG(st.st_mode))
		return cc_err_set(err, CC_ENOENT,
				  "certificate '%s' has no current %s", name,
				  file);
	/* the stable per-file link, which follows renewals */
	return cc_repo_certdir(repo, name, file, buf, size, err);
}

int cc_repo_cert_delete(struct cc_repo *repo, const char *name,
			struct cc_err *err)
{
	char dir[PATH_MAX], trash[PATH_MAX], certs[PATH_MAX];
	const char *names[1];
	int rc, moved = 0;

	if ((rc = cc_name_check(name, err)))
		return rc;
	if ((rc = cc_repo_lock(repo, err)))
		return rc;
	if (!cc_repo_cert_exists(repo, name)) {
		rc = cc_err_set(err, CC_ENOENT, "no certificate '%s'", name);
		goto out;
	}
	if ((rc = cc_repo_certdir(repo, name, NULL, dir, sizeof(dir), err)) ||
	    (rc = cc_repo_fmt(certs, sizeof(certs), err, "%s/certs",
			      repo->root)) ||
	    (rc = cc_repo_fmt(trash, sizeof(trash), err, "%s/.trash-%s-%ld",
			      certs, name, (long)getpid())))
		goto out;
	names[0] = name;
	if ((rc = cc_repo_journal_dirty(repo, names, 1, err)))
		goto out;
	if ((rc = cc_remove_tree(trash, err)))
		goto out;
	if ((rc = cc_fault_check("rename to trash", err)))
		goto out;
	if (rename(dir, trash) < 0) {
		rc = cc_err_set(err, CC_EIO, "cannot rename '%s': %s", dir,
				strerror(errno));
		goto out;
	}
	moved = 1;
	if ((rc = cc_fsync_dir(certs, err)) ||
	    (rc = cc_repo_journal_delete(repo, name, err)))
		goto out;
	moved = 0;
	/* the certificate is gone; a leftover trash tree is harmless and
	 * removed by the next reindex */
	cc_remove_tree(trash, NULL);
	cc_repo_index_maybe_compact(repo);
out:
	if (moved && rename(trash, dir) == 0)
		cc_fsync_dir(certs, NULL);
	cc_repo_unlock(repo);
	return rc;
}

/* ---- generic private files ---- */

static int rel_check(const char *rel, struct cc_err *err)
{
	static const char *const reserved[] = { "format", "lock", "index",
						"index.journal", "certs" };
	const char *p, *end;
	size_t i, n;

	if (!rel || !*rel || rel[0] == '/')
		goto bad;
	for (p = rel; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			goto bad;
	for (p = rel;; p = end + 1) {
		end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			goto bad;
		for (i = 0; p == rel && i < ARRAY_LEN(reserved); i++)
			if (strlen(reserved[i]) == n &&
			    !memcmp(reserved[i], p, n))
				goto bad;
		if (!*end)
			break;
	}
	return CC_OK;
bad:
	return cc_err_set(err, CC_EINVAL, "invalid repository path");
}

int cc_repo_path(struct cc_repo *repo, const char *rel, char *buf,
		 size_t size, struct cc_err *err)
{
	int rc;

	if ((rc = rel_check(rel, err)))
		return rc;
	return cc_repo_fmt(buf, size, err, "%s/%s", repo->root, rel);
}

/* mkdir -p for the parents of path below the root, each 0700 */
static int make_parents(struct cc_repo *repo, const char *path,
			struct cc_err *err)
{
	char tmp[PATH_MAX];
	size_t rootlen = strlen(repo->root), i, len = strlen(path);
	int rc;

	if (len >= sizeof(tmp))
		return cc_err_set(err, CC_EINVAL, "path too long");
	memcpy(tmp, path, len + 1);
	for (i = rootlen + 1; i < len; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		rc = cc_repo_mkdir(tmp, NULL, err);
		tmp[i] = '/';
		if (rc)
			return rc;
	}
	return CC_OK;
}

int cc_repo_write(struct cc_repo *repo, const char *rel, const void *data,
		  size_t len, unsigned mode, struct cc_err *err)
{
	char path[PATH_MAX];
	int rc;

	if ((rc = cc_repo_path(repo, rel, path, sizeof(path), err)))
		return rc;
	if ((rc = cc_repo_lock(repo, err)))
		return rc;
	if ((rc = make_parents(repo, path, err)) == CC_OK)
		rc = cc_write_atomic(path, data ? data : "", data ? len : 0,
				     (mode_t)(mode ? mode & 0777 : 0600), err);
	cc_repo_unlock(repo);
	return rc;
}

int cc_repo_read(struct cc_repo *repo, const char *rel, struct cc_buf *out,
		 struct cc_err *err)
{
	char path[PATH_MAX];
	int rc;

	if ((rc = cc_repo_path(repo, rel, path, sizeof(path), err)))
		return rc;
	return cc_repo_read_nofollow(path, out, err);
}

int cc_repo_remove(struct cc_repo *repo, const char *rel,
		   struct cc_err *err)
{
	char path[PATH_MAX], *slash;
	int rc;

	if ((rc = cc_repo_path(repo, rel, path, sizeof(path), err)))
		return rc;
	if ((rc = cc_repo_lock(repo, err)))
		return rc;
	if (cc_exists(path)) {
		rc = cc_remove_tree(path, err);
		slash = strrchr(path, '/');
		if (rc == CC_OK && slash) {
			*slash = '\0';
			rc = cc_fsync_dir(path, err);
		}
	}
	cc_repo_unlock(repo);
	return rc;
}
