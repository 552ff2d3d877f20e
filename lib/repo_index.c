/*
 * The certificate index: fast listing without opening certificate
 * directories.
 *
 *   <root>/index          "# certctl index 1 <count>" then one line per
 *                         certificate, sorted by name:
 *                         name cn issuer source status serial not_before
 *                         not_after version (tab-separated; times are
 *                         epoch seconds; \\, \t, \n, \r escaped)
 *   <root>/index.journal  records appended since the snapshot:
 *                         "upsert <9 fields>", "delete <name>",
 *                         "dirty <name>" (a write of <name> started)
 *
 * Writers hold the repository lock, append with O_APPEND + fsync, and
 * compact (new snapshot by rename, then an empty journal by rename) when
 * the journal grows past a quarter of the snapshot (at most 1000, at least
 * 64 records). Readers take no lock: they read the journal, then the
 * snapshot (a snapshot never misses what the journal they read says, and
 * replaying an older journal over a newer snapshot is harmless), ignore
 * a torn last line and unparseable lines, and re-read from its directory
 * any certificate whose last journal record is "dirty". The next append
 * after a torn record first ends it with "\t/\n", which makes it invalid.
 */
#include "repo.h"
#include "repo_int.h"
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INDEX_HEADER "# certctl index 1"
#define INDEX_FIELDS 9
/* ends a torn journal record; "/" is not a valid name or number */
#define TORN_MARK "\t/\n"

enum { OP_UPSERT = 1, OP_DELETE, OP_DIRTY };

/* ---- writing records ---- */

static int add_esc(struct cc_buf *b, const char *s)
{
	const char *p = s ? s : "", *q;
	char esc[2] = { '\\', 0 };

	for (;;) {
		for (q = p; *q && *q != '\\' && *q != '\t' && *q != '\n' &&
			    *q != '\r';
		     q++)
			;
		if (q > p && cc_buf_add(b, p, (size_t)(q - p)))
			return CC_ENOMEM;
		if (!*q)
			return CC_OK;
		esc[1] = *q == '\\' ? '\\' : *q == '\t' ? 't' :
			 *q == '\n' ? 'n' : 'r';
		if (cc_buf_add(b, esc, 2))
			return CC_ENOMEM;
		p = q + 1;
	}
}

static int add_num(struct cc_buf *b, long long v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%lld", v);

	return cc_buf_add(b, tmp, (size_t)n);
}

static int add_entry(struct cc_buf *b, const struct cc_index_entry *e)
{
	const char *strs[6];
	size_t i;

	strs[0] = e->name;
	strs[1] = e->common_name;
	strs[2] = e->issuer;
	strs[3] = e->source;
	strs[4] = e->status;
	strs[5] = e->serial;
	for (i = 0; i < 6; i++)
		if (add_esc(b, strs[i]) || cc_buf_add(b, "\t", 1))
			return CC_ENOMEM;
	if (add_num(b, (long long)e->not_before) || cc_buf_add(b, "\t", 1) ||
	    add_num(b, (long long)e->not_after) || cc_buf_add(b, "\t", 1) ||
	    add_num(b, e->version) || cc_buf_add(b, "\n", 1))
		return CC_ENOMEM;
	return CC_OK;
}

static void entry_of(struct cc_index_entry *e, const struct cc_cert_meta *m,
		     const struct cc_version *v)
{
	memset(e, 0, sizeof(*e));
	e->name = m->name;
	e->source = m->source;
	e->status = m->status;
	if (v) {
		e->common_name = v->common_name;
		e->issuer = v->issuer;
		e->serial = v->serial;
		e->not_before = v->not_before;
		e->not_after = v->not_after;
		e->version = v->number;
	}
}

int cc_repo_journal_line(struct cc_buf *out, const struct cc_cert_meta *m,
			 const struct cc_version *v)
{
	struct cc_index_entry e;

	entry_of(&e, m, v);
	if (cc_buf_add(out, "upsert\t", 7))
		return CC_ENOMEM;
	return add_entry(out, &e);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int cc_repo_journal_append(struct cc_repo *repo, const char *data,
			   size_t len, struct cc_err *err)
{
	char path[PATH_MAX], last;
	struct stat st;
	int fd, rfd, rc = CC_OK, fault, e;

	if ((rc = cc_repo_fmt(path, sizeof(path), err, "%s/index.journal",
			      repo->root)))
		return rc;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0)
		return cc_err_set(err, CC_EIO, "cannot open '%s': %s", path,
				  strerror(errno));
	/*
	 * End a torn record left by a crash so that it cannot swallow ours;
	 * the marker makes sure it does not parse as a record either.
	 */
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		rfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (rfd >= 0 && pread(rfd, &last, 1, st.st_size - 1) == 1 &&
		    last != '\n' && write_all(fd, TORN_MARK, 3) < 0)
			rc = -1;
		if (rfd >= 0)
			close(rfd);
	}
	if (rc == CC_OK && (fault = cc_fault_check("index journal", err))) {
		/* simulate a crash halfway through the append */
		if (write_all(fd, data, len / 2) < 0)
			fault = cc_err_set(err, CC_EIO, "cannot append to "
					   "'%s': %s", path, strerror(errno));
		close(fd);
		return fault;
	}
	if (rc || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		e = errno;
		rc = cc_err_set(err, CC_EIO, "cannot append to '%s': %s", path,
				strerror(e));
	}
	close(fd);
	return rc;
}

int cc_repo_journal_dirty(struct cc_repo *repo, const char *const *names,
			  size_t n, struct cc_err *err)
{
	struct cc_buf b = CC_BUF_INIT;
	size_t i;
	int rc = CC_OK;

	for (i = 0; i < n && rc == CC_OK; i++)
		if (cc_buf_add(&b, "dirty\t", 6) || cc_buf_adds(&b, names[i]) ||
		    cc_buf_add(&b, "\n", 1))
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
	if (rc == CC_OK && b.len)
		rc = cc_repo_journal_append(repo, b.data, b.len, err);
	cc_buf_release(&b);
	return rc;
}

int cc_repo_journal_delete(struct cc_repo *repo, const char *name,
			   struct cc_err *err)
{
	struct cc_buf b = CC_BUF_INIT;
	int rc;

	if (cc_buf_add(&b, "delete\t", 7) || cc_buf_adds(&b, name) ||
	    cc_buf_add(&b, "\n", 1))
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
	else
		rc = cc_repo_journal_append(repo, b.data, b.len, err);
	cc_buf_release(&b);
	return rc;
}

/* ---- reading ---- */

struct jrec {
	const char *name;	/* pass 1: into the unparsed journal */
	size_t nlen;
	size_t seq;
	int op;
	struct cc_index_entry e;
};

static int op_of(const char *s)
{
	if (!strcmp(s, "upsert"))
		return OP_UPSERT;
	if (!strcmp(s, "delete"))
		return OP_DELETE;
	if (!strcmp(s, "dirty"))
		return OP_DIRTY;
	return 0;
}

static size_t count_lines(const char *p, const char *end)
{
	size_t n = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

static void unescape(char *s)
{
	char *o;

	s = strchr(s, '\\');
	if (!s)
		return;
	for (o = s; *s; s++) {
		if (*s != '\\' || !s[1]) {
			*o++ = *s;
			continue;
		}
		s++;
		*o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s == 'r' ? '\r' :
		       *s;
	}
	*o = '\0';
}

static int parse_ll(const char *s, long long *out)
{
	unsigned long long v = 0;
	int neg = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' ||
		    v > ((unsigned long long)LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	*out = neg ? -(long long)v : (long long)v;
	return 0;
}

/*
 * Split the line [p, nl) in place into tab-separated fields; max + 1 if
 * there are more than max.
 */
static size_t split(char *p, char *nl, char **f, size_t max)
{
	size_t n = 0;
	char *tab;

	*nl = '\0';
	for (;;) {
		if (n == max)
			return max + 1;
		f[n++] = p;
		tab = memchr(p, '\t', (size_t)(nl - p));
		if (!tab)
			return n;
		*tab = '\0';
		p = tab + 1;
	}
}

static int parse_entry(char **f, struct cc_index_entry *e)
{
	long long nb, na, ver;
	size_t i;

	/* a valid name has nothing to unescape */
	if (strchr(f[0], '\\') || cc_name_check(f[0], NULL))
		return -1;
	for (i = 1; i < INDEX_FIELDS; i++)
		unescape(f[i]);
	if (parse_ll(f[6], &nb) || parse_ll(f[7], &na) ||
	    parse_ll(f[8], &ver) || ver < 0 || ver > INT_MAX)
		return -1;
	e->name = f[0];
	e->common_name = f[1];
	e->issuer = f[2];
	e->source = f[3];
	e->status = f[4];
	e->serial = f[5];
	e->not_before = (time_t)nb;
	e->not_after = (time_t)na;
	e->version = (int)ver;
	return 0;
}

/* Parse the journal line [p, nl) in place; 0 if it is a valid record. */
static int parse_jline(char *p, char *nl, struct jrec *r)
{
	char *f[INDEX_FIELDS + 2];
	size_t nf = split(p, nl, f, INDEX_FIELDS + 1);

	memset(&r->e, 0, sizeof(r->e));
	if (nf < 2)
		return -1;
	r->op = op_of(f[0]);
	if (r->op == OP_UPSERT)
		return nf == INDEX_FIELDS + 1 ? parse_entry(f + 1, &r->e) : -1;
	if ((r->op == OP_DELETE || r->op == OP_DIRTY) && nf == 2 &&
	    cc_name_check(f[1], NULL) == CC_OK) {
		r->e.name = f[1];
		return 0;
	}
	return -1;
}

static int cmp_jrec(const void *a, const void *b)
{
	const struct jrec *x = a, *y = b;
	size_t n = x->nlen < y->nlen ? x->nlen : y->nlen;
	int c = memcmp(x->name, y->name, n);

	if (c)
		return c;
	if (x->nlen != y->nlen)
		return x->nlen < y->nlen ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/*
 * Names whose last journal record in data[0..len) is "dirty": append
 * their current state, read from their directories, as records.
 */
static int reread_dirty(struct cc_repo *repo, struct cc_buf *buf, size_t len,
			struct cc_err *err)
{
	struct jrec *r = NULL;
	struct cc_buf line = CC_BUF_INIT;
	char (*names)[CC_NAME_MAX + 1] = NULL;
	const char *p = buf->data, *end = buf->data + len, *nl;
	size_t n = 0, cap, i, j, ndirty = 0;
	int rc = CC_OK;

	cap = count_lines(p, end);
	if (cap == 0)
		return CC_OK;
	if (!(r = malloc(cap * sizeof(*r))))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	for (; p < end && (nl = memchr(p, '\n', (size_t)(end - p)));
	     p = nl + 1) {
		/* parse a copy: the same rules as the real parse below */
		cc_buf_reset(&line);
		if (cc_buf_add(&line, p, (size_t)(nl - p + 1))) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			goto out;
		}
		if (parse_jline(line.data, line.data + (nl - p), &r[n]))
			continue;
		r[n].name = p + (r[n].e.name - line.data);
		r[n].nlen = strlen(r[n].e.name);
		r[n].seq = n;
		n++;
	}
	qsort(r, n, sizeof(*r), cmp_jrec);
	for (i = j = 0; i < n; i++) {
		if (i + 1 < n && r[i + 1].nlen == r[i].nlen &&
		    !memcmp(r[i + 1].name, r[i].name, r[i].nlen))
			continue;	/* not the last record of this name */
		if (r[i].op == OP_DIRTY)
			r[j++] = r[i];
	}
	if (j && !(names = malloc(j * sizeof(*names)))) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	for (ndirty = 0; ndirty < j; ndirty++) {
		memcpy(names[ndirty], r[ndirty].name, r[ndirty].nlen);
		names[ndirty][r[ndirty].nlen] = '\0';
	}
	free(r);
	r = NULL;
	/* buf may move from here on */
	for (i = 0; i < ndirty; i++) {
		struct cc_cert_meta m;
		int lrc = cc_repo_cert_load_ex(repo, names[i], 0, &m, NULL);

		if (lrc == CC_OK)
			rc = cc_repo_journal_line(buf, &m,
						  cc_cert_meta_current(&m));
		else if (lrc == CC_ENOENT)
			rc = cc_buf_add(buf, "delete\t", 7) ||
			     cc_buf_adds(buf, names[i]) ||
			     cc_buf_add(buf, "\n", 1);
		/* other errors: keep what the index had */
		cc_cert_meta_release(&m);
		if (rc) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			goto out;
		}
	}
out:
	free(r);
	free(names);
	cc_buf_release(&line);
	return rc;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct cc_index_entry *)a)->name,
		      ((const struct cc_index_entry *)b)->name);
}

static int cmp_jrec_full(const void *a, const void *b)
{
	const struct jrec *x = a, *y = b;
	int c = strcmp(x->e.name, y->e.name);

	if (c)
		return c;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static int read_optional(const char *path, struct cc_buf *b, int *missing,
			 struct cc_err *err)
{
	int rc = cc_repo_read_nofollow(path, b, err);

	*missing = rc == CC_ENOENT;
	return *missing ? CC_OK : rc;
}

static int index_load(struct cc_repo *repo, struct cc_index *out,
		      int *missing, struct cc_err *err)
{
	char jpath[PATH_MAX], spath[PATH_MAX], *p, *end, *nl;
	char *f[INDEX_FIELDS + 1];
	struct cc_buf buf = CC_BUF_INIT;
	struct cc_index_entry *se = NULL, *res = NULL;
	struct jrec *jr = NULL;
	size_t jlen, sstart, ns = 0, nj = 0, cap, i, j, k;
	int rc, jmissing, sorted = 1;

	*missing = 0;
	if ((rc = cc_repo_fmt(jpath, sizeof(jpath), err, "%s/index.journal",
			      repo->root)) ||
	    (rc = cc_repo_fmt(spath, sizeof(spath), err, "%s/index",
			      repo->root)))
		return rc;
	/* journal first, then snapshot (see the comment at the top) */
	if ((rc = read_optional(jpath, &buf, &jmissing, err)))
		goto out;
	jlen = buf.len;
	while (jlen > 0 && buf.data[jlen - 1] != '\n')
		jlen--;		/* a torn last record */
	buf.len = jlen;
	if (buf.data)
		buf.data[jlen] = '\0';
	if ((rc = reread_dirty(repo, &buf, jlen, err)))
		goto out;
	sstart = buf.len;
	if ((rc = read_optional(spath, &buf, missing, err)) || *missing)
		goto out;
	if (!buf.data && cc_buf_grow(&buf, 1)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}

	/* snapshot entries */
	cap = count_lines(buf.data + sstart, buf.data + buf.len);
	if (cap && !(se = malloc(cap * sizeof(*se)))) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	end = buf.data + buf.len;
	for (p = buf.data + sstart;
	     p < end && (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
		if (p[0] == '#' && p[1] == ' ')
			continue;	/* header (names have no spaces) */
		if (split(p, nl, f, INDEX_FIELDS) != INDEX_FIELDS ||
		    parse_entry(f, &se[ns]))
			continue;
		if (ns && sorted && strcmp(se[ns - 1].name, se[ns].name) >= 0)
			sorted = 0;
		ns++;
	}
	if (!sorted) {
		qsort(se, ns, sizeof(*se), cmp_entry);
		for (i = j = 0; i < ns; i++) {
			if (j && !strcmp(se[j - 1].name, se[i].name))
				j--;	/* duplicate: the later one wins */
			se[j++] = se[i];
		}
		ns = j;
	}

	/* journal records, including those re-read from disk */
	cap = count_lines(buf.data, buf.data + sstart);
	if (cap && !(jr = malloc(cap * sizeof(*jr)))) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	end = buf.data + sstart;
	for (p = buf.data;
	     p < end && (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
		if (parse_jline(p, nl, &jr[nj]) || jr[nj].op == OP_DIRTY)
			continue;
		jr[nj].seq = nj;
		nj++;
	}
	if (nj == 0) {
		res = se;
		se = NULL;
		goto done;
	}
	qsort(jr, nj, sizeof(*jr), cmp_jrec_full);
	for (i = j = 0; i < nj; i++) {
		if (j && !strcmp(jr[j - 1].e.name, jr[i].e.name))
			j--;	/* the last record of a name wins */
		jr[j++] = jr[i];
	}
	nj = j;
	if (!(res = malloc((ns + nj) * sizeof(*res)))) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	for (i = j = k = 0; i < ns || j < nj;) {
		int c = i >= ns ? 1 : j >= nj ? -1 :
			strcmp(se[i].name, jr[j].e.name);

		if (c < 0) {
			res[k++] = se[i++];
			continue;
		}
		if (jr[j].op == OP_UPSERT)
			res[k++] = jr[j].e;
		j++;
		if (c == 0)
			i++;
	}
	ns = k;
done:
	out->v = res;
	out->n = ns;
	out->arena_len = buf.len;
	out->arena = cc_buf_detach(&buf, NULL);
	res = NULL;
out:
	free(se);
	free(jr);
	free(res);
	cc_buf_release(&buf);
	return rc;
}

int cc_repo_index_load(struct cc_repo *repo, struct cc_index *out,
		       struct cc_err *err)
{
	int rc, missing;

	memset(out, 0, sizeof(*out));
	rc = index_load(repo, out, &missing, err);
	if (rc == CC_OK && missing) {
		/* no snapshot: rebuild it from the directories */
		if ((rc = cc_repo_reindex(repo, err)))
			return rc;
		rc = index_load(repo, out, &missing, err);
		if (rc == CC_OK && missing)
			rc = cc_err_set(err, CC_EIO, "index of '%s' vanished",
					cc_repo_root(repo));
	}
	if (rc)
		cc_index_release(out);
	return rc;
}

void cc_index_release(struct cc_index *idx)
{
	if (!idx)
		return;
	free(idx->v);
	free(idx->arena);
	memset(idx, 0, sizeof(*idx));
}

/* ---- snapshots ---- */

static int write_index(struct cc_repo *repo, const struct cc_buf *body,
		       size_t n, struct cc_err *err)
{
	char spath[PATH_MAX], jpath[PATH_MAX];
	struct cc_buf b = CC_BUF_INIT;
	int rc;

	if ((rc = cc_repo_fmt(spath, sizeof(spath), err, "%s/index",
			      repo->root)) ||
	    (rc = cc_repo_fmt(jpath, sizeof(jpath), err, "%s/index.journal",
			      repo->root)))
		return rc;
	if (cc_buf_grow(&b, body->len + 64) ||
	    cc_buf_addf(&b, INDEX_HEADER " %zu\n", n) ||
	    cc_buf_add(&b, body->data ? body->data : "", body->len)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	/* snapshot first: the old journal replays harmlessly over it */
	if ((rc = cc_write_atomic(spath, b.data, b.len, 0644, err)))
		goto out;
	rc = cc_write_atomic(jpath, "", 0, 0644, err);
out:
	cc_buf_release(&b);
	return rc;
}

int cc_repo_index_compact(struct cc_repo *repo, struct cc_err *err)
{
	struct cc_index idx = CC_INDEX_INIT;
	struct cc_buf body = CC_BUF_INIT;
	size_t i;
	int rc;

	if ((rc = cc_repo_lock(repo, err)))
		return rc;
	if ((rc = cc_repo_index_load(repo, &idx, err)))
		goto out;
	if (cc_buf_grow(&body, idx.arena_len + idx.n * 8)) {
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < idx.n; i++) {
		if (add_entry(&body, &idx.v[i])) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			goto out;
		}
	}
	rc = write_index(repo, &body, idx.n, err);
out:
	cc_buf_release(&body);
	cc_index_release(&idx);
	cc_repo_unlock(repo);
	return rc;
}

void cc_repo_index_maybe_compact(struct cc_repo *repo)
{
	char path[PATH_MAX], head[64];
	struct cc_buf b = CC_BUF_INIT;
	size_t nj, ns = 0, limit;
	ssize_t n;
	int fd;

	if (cc_repo_fmt(path, sizeof(path), NULL, "%s/index.journal",
			repo->root) ||
	    cc_repo_read_nofollow(path, &b, NULL))
		goto out;
	nj = count_lines(b.data, b.data + b.len);
	if (nj <= 64)
		goto out;
	if (cc_repo_fmt(path, sizeof(path), NULL, "%s/index", repo->root))
		goto out;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, head, sizeof(head) - 1);
		close(fd);
		head[n > 0 ? n : 0] = '\0';
		if (!strncmp(head, INDEX_HEADER " ", sizeof(INDEX_HEADER)))
			ns = strtoul(head + sizeof(INDEX_HEADER), NULL, 10);
	}
	limit = ns / 4;
	if (limit > 1000)
		limit = 1000;
	if (limit < 64)
		limit = 64;
	if (nj > limit)
		cc_repo_index_compact(repo, NULL);
out:
	cc_buf_release(&b);
}

/* ---- rebuilding ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cc_repo_reindex(struct cc_repo *repo, struct cc_err *err)
{
	char certs[PATH_MAX], path[PATH_MAX];
	struct cc_buf body = CC_BUF_INIT;
	char **names = NULL, **nn;
	size_t n = 0, cap = 0, i, count = 0;
	struct dirent *de;
	DIR *d = NULL;
	int rc;

	if ((rc = cc_repo_lock(repo, err)))
		return rc;
	if ((rc = cc_repo_fmt(certs, sizeof(certs), err, "%s/certs",
			      repo->root)))
		goto out;
	if (!(d = opendir(certs))) {
		rc = cc_err_set(err, CC_EIO, "cannot read '%s': %s", certs,
				strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, ".trash-", 7)) {
			/* left by an interrupted delete */
			if (cc_repo_fmt(path, sizeof(path), NULL, "%s/%s",
					certs, de->d_name) == CC_OK)
				cc_remove_tree(path, NULL);
			continue;
		}
		if (cc_name_check(de->d_name, NULL))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(nn = realloc(names, cap * sizeof(*names)))) {
				rc = cc_err_set(err, CC_ENOMEM,
						"out of memory");
				goto out;
			}
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		struct cc_cert_meta m;
		struct cc_index_entry e;
		int lrc = cc_repo_cert_load_ex(repo, names[i], 0, &m, NULL);

		if (lrc == CC_ENOENT) {
			cc_cert_meta_release(&m);
			continue;
		}
		if (lrc == CC_OK) {
			entry_of(&e, &m, cc_cert_meta_current(&m));
		} else {
			/* list it, so that it is noticed */
			memset(&e, 0, sizeof(e));
			e.name = names[i];
			e.status = "corrupt";
		}
		rc = add_entry(&body, &e);
		cc_cert_meta_release(&m);
		if (rc) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
			goto out;
		}
		count++;
	}
	rc = write_index(repo, &body, count, err);
out:
	if (d)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	cc_buf_release(&body);
	cc_repo_unlock(repo);
	return rc;
}
