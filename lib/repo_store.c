/*
 * Writing certificates: new versions (cc_repo_cert_store), metadata only
 * (cc_repo_meta_save) and bulk imports (cc_repo_store_many).
 *
 * A store runs under the repository lock:
 *   1. "dirty <name>" is appended to the index journal;
 *   2. leftovers of interrupted stores are removed (versions/.tmp-*,
 *      versions newer than current, temporary links);
 *   3. the number N = max(existing, versions/.last) + 1 is reserved in
 *      versions/.last, so a number is never handed out twice;
 *   4. versions/.tmp-N is written (every file fsynced), fsynced and
 *      renamed to versions/N;
 *   5. the top-level links (cert.pem -> current/cert.pem ...) are made;
 *   6. "current" is swapped to versions/N (symlink + rename): the commit;
 *   7. meta.yaml is written atomically, then the index journal gets the
 *      "upsert" record that clears the dirty mark.
 * A failure at any step undoes the earlier ones, so the previous version
 * stays current. A crash leaves at worst an uncommitted versions/N or
 * .tmp-N (ignored by readers, removed by the next store) or a committed
 * version with stale meta.yaml/index (the dirty mark makes index readers
 * look at the directory).
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
#include <time.h>
#include <unistd.h>

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

/* fsync, unless the repository was told not to (bulk imports) */
static int sync_fd(const struct cc_repo *repo, int fd, const char *path,
		   struct cc_err *err)
{
	if (repo->nosync || fsync(fd) == 0 || errno == EINVAL)
		return CC_OK;
	return cc_err_set(err, CC_EIO, "cannot sync '%s': %s", path,
			  strerror(errno));
}

static int sync_dir(const struct cc_repo *repo, const char *dir,
		    struct cc_err *err)
{
	return repo->nosync ? CC_OK : cc_fsync_dir(dir, err);
}

/* Create file name in directory dfd (must not exist), write, fsync. */
static int write_new(const struct cc_repo *repo, int dfd, const char *dir,
		     const char *name, const void *data, size_t len,
		     mode_t mode, struct cc_err *err)
{
	char what[96];
	int fd, rc = CC_OK, e;

	snprintf(what, sizeof(what), "write %s", name);
	if ((rc = cc_fault_check(what, err)))
		return rc;
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				       O_CLOEXEC, mode);
	if (fd < 0)
		return cc_err_set(err, CC_EIO, "cannot create '%s/%s': %s",
				  dir, name, strerror(errno));
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0) {
		e = errno;
		rc = cc_err_set(err, CC_EIO, "cannot write '%s/%s': %s", dir,
				name, strerror(e));
	}
	if (rc == CC_OK)
		rc = sync_fd(repo, fd, dir, err);
	if (close(fd) < 0 && rc == CC_OK)
		rc = cc_err_set(err, CC_EIO, "cannot write '%s/%s': %s", dir,
				name, strerror(errno));
	return rc;
}

/*
 * Replace path atomically (temporary file + rename), like cc_write_atomic
 * but honouring the repository's sync setting. Callers hold the lock, so
 * the temporary name only needs the pid.
 */
static int write_replace(const struct cc_repo *repo, const char *path,
			 const void *data, size_t len, mode_t mode,
			 struct cc_err *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX], *slash;
	int fd, rc, e;

	if ((rc = cc_repo_fmt(tmp, sizeof(tmp), err, "%s.tmp.%ld", path,
			      (long)getpid())) ||
	    (rc = cc_repo_fmt(dir, sizeof(dir), err, "%s", path)))
		return rc;
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  mode);
	if (fd < 0)
		return cc_err_set(err, CC_EIO, "cannot create '%s': %s", tmp,
				  strerror(errno));
	if ((rc = cc_fault_check(path, err))) {
		/* simulate a crash halfway: half the data, no rename */
		if (write_all(fd, data, len / 2) < 0)
			rc = cc_err_set(err, CC_EIO, "cannot write '%s': %s",
					tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return rc;
	}
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 ||
	    (!repo->nosync && fsync(fd) < 0)) {
		e = errno;
		close(fd);
		unlink(tmp);
		return cc_err_set(err, CC_EIO, "cannot write '%s': %s", path,
				  strerror(e));
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		return cc_err_set(err, CC_EIO, "cannot write '%s': %s", path,
				  strerror(e));
	}
	return sync_dir(repo, dir, err);
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/*
 * Remove what interrupted stores left in dir and dir/versions, and return
 * the highest version number ever used (directories and versions/.last).
 */
static int cleanup_and_max(const char *dir, int current, int *max,
			   struct cc_err *err)
{
	char vdir[PATH_MAX], path[PATH_MAX];
	struct cc_buf b = CC_BUF_INIT;
	struct dirent *de;
	DIR *d = NULL;
	int num, rc;

	*max = current;
	if ((rc = cc_repo_fmt(vdir, sizeof(vdir), err, "%s/versions", dir)))
		return rc;
	if (!(d = opendir(dir)))
		return cc_err_set(err, CC_EIO, "cannot read '%s': %s", dir,
				  strerror(errno));
	while ((de = readdir(d))) {
		if (!starts(de->d_name, "current.tmp-") &&
		    !starts(de->d_name, "meta.yaml.tmp.") &&
		    !strstr(de->d_name, ".tmp-link"))
			continue;
		if (cc_repo_fmt(path, sizeof(path), NULL, "%s/%s", dir,
				de->d_name) == CC_OK)
			unlink(path);
	}
	closedir(d);
	if (!(d = opendir(vdir)))
		return cc_err_set(err, CC_EIO, "cannot read '%s': %s", vdir,
				  strerror(errno));
	while ((de = readdir(d))) {
		num = cc_repo_parse_number(de->d_name);
		if (num < 0 && starts(de->d_name, ".tmp-"))
			num = cc_repo_parse_number(de->d_name + 5);
		if (num > *max)
			*max = num;
		if (num > current || starts(de->d_name, ".tmp-") ||
		    starts(de->d_name, ".last.tmp.")) {
			if ((rc = cc_repo_fmt(path, sizeof(path), err, "%s/%s",
					      vdir, de->d_name)) ||
			    (rc = cc_remove_tree(path, err)))
				goto out;
		}
	}
	if ((rc = cc_repo_fmt(path, sizeof(path), err, "%s/.last", vdir)))
		goto out;
	if (cc_repo_read_nofollow(path, &b, NULL) == CC_OK) {
		if (b.len && b.data[b.len - 1] == '\n')
			b.data[--b.len] = '\0';
		num = cc_repo_parse_number(b.data);
		if (num > *max)
			*max = num;
	}
out:
	closedir(d);
	cc_buf_release(&b);
	return rc;
}

/* Make dir/<file> a link to current/<file>; *made if newly created. */
static int ensure_link(int dfd, const char *dir, const char *file, int *made,
		       struct cc_err *err)
{
	char target[80], have[80], tmp[96], what[96];
	ssize_t n;
	int rc;

	*made = 0;
	snprintf(target, sizeof(target), "current/%s", file);
	n = readlinkat(dfd, file, have, sizeof(have) - 1);
	if (n >= 0) {
		have[n] = '\0';
		if (!strcmp(have, target))
			return CC_OK;
	}
	snprintf(what, sizeof(what), "link %s", file);
	if ((rc = cc_fault_check(what, err)))
		return rc;
	if (n < 0 && errno == ENOENT) {
		if (symlinkat(target, dfd, file) < 0)
			return cc_err_set(err, CC_EIO,
					  "cannot create link '%s/%s': %s",
					  dir, file, strerror(errno));
		*made = 1;
		return CC_OK;
	}
	/* something else is there: replace it atomically */
	snprintf(tmp, sizeof(tmp), "%s.tmp-link", file);
	unlinkat(dfd, tmp, 0);
	if (symlinkat(target, dfd, tmp) < 0 ||
	    renameat(dfd, tmp, dfd, file) < 0) {
		rc = cc_err_set(err, CC_EIO, "cannot replace '%s/%s': %s",
				dir, file, strerror(errno));
		unlinkat(dfd, tmp, 0);
		return rc;
	}
	return CC_OK;
}

/* Point dir/current at versions/<number> (0: remove it). */
static int swap_current(int dfd, const char *dir, int number, int check,
			struct cc_err *err)
{
	char target[64], tmp[64];
	int rc;

	if (number == 0) {
		if (unlinkat(dfd, "current", 0) < 0 && errno != ENOENT)
			return cc_err_set(err, CC_EIO,
					  "cannot remove '%s/current': %s",
					  dir, strerror(errno));
		return CC_OK;
	}
	snprintf(target, sizeof(target), "versions/%d", number);
	snprintf(tmp, sizeof(tmp), "current.tmp-%ld", (long)getpid());
	unlinkat(dfd, tmp, 0);
	if (symlinkat(target, dfd, tmp) < 0)
		return cc_err_set(err, CC_EIO, "cannot create link in '%s': %s",
				  dir, strerror(errno));
	if (check && (rc = cc_fault_check("swap current", err))) {
		unlinkat(dfd, tmp, 0);
		return rc;
	}
	if (renameat(dfd, tmp, dfd, "current") < 0) {
		rc = cc_err_set(err, CC_EIO, "cannot update '%s/current': %s",
				dir, strerror(errno));
		unlinkat(dfd, tmp, 0);
		return rc;
	}
	return CC_OK;
}

static int open_dir(const char *path, int *fd, struct cc_err *err)
{
	*fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return cc_err_set(err, CC_EIO, "cannot open '%s': %s", path,
				  strerror(errno));
	return CC_OK;
}

/* Create the certificate directory (and versions/) if needed. */
static int make_certdir(struct cc_repo *repo, const char *name, char *dir,
			size_t size, int *created, struct cc_err *err)
{
	char path[PATH_MAX];
	int rc;

	if ((rc = cc_repo_certdir(repo, name, NULL, dir, size, err)))
		return rc;
	if ((rc = cc_fault_check("create certificate directory", err)) ||
	    (rc = cc_repo_mkdir(dir, created, err)))
		return rc;
	if (*created && (rc = cc_repo_fmt(path, sizeof(path), err,
					  "%s/certs", repo->root)) == CC_OK)
		rc = sync_dir(repo, path, err);
	if (rc == CC_OK &&
	    (rc = cc_repo_fmt(path, sizeof(path), err, "%s/versions", dir)) ==
		    CC_OK)
		rc = cc_repo_mkdir(path, NULL, err);
	if (rc && *created) {
		cc_remove_tree(dir, NULL);
		*created = 0;
	}
	return rc;
}

/* Old meta.yaml, to put back if the store fails after replacing it. */
struct meta_backup {
	struct cc_buf data;
	int had;
	int written;
};

static void meta_restore(struct meta_backup *mb, const char *dir)
{
	char path[PATH_MAX];

	if (!mb->written ||
	    cc_repo_fmt(path, sizeof(path), NULL, "%s/meta.yaml", dir))
		return;
	if (mb->had)
		cc_write_atomic(path, mb->data.data, mb->data.len, 0644, NULL);
	else
		unlink(path);
}

static int meta_write(const struct cc_repo *repo, struct cc_cert_meta *meta,
		      const char *dir, struct meta_backup *mb,
		      struct cc_err *err)
{
	char path[PATH_MAX];
	struct cc_buf y = CC_BUF_INIT;
	int rc;

	if ((rc = cc_repo_fmt(path, sizeof(path), err, "%s/meta.yaml", dir)))
		return rc;
	rc = cc_repo_read_nofollow(path, &mb->data, NULL);
	mb->had = rc == CC_OK;
	if ((rc = cc_repo_meta_emit(meta, &y, err)) == CC_OK &&
	    (rc = write_replace(repo, path, y.data, y.len, 0644, err)) ==
		    CC_OK)
		mb->written = 1;
	cc_buf_release(&y);
	return rc;
}

/* Publish the index record for meta (whose current version is v). */
static int index_record(struct cc_repo *repo, const struct cc_cert_meta *m,
			const struct cc_version *v, struct cc_buf *batch,
			struct cc_err *err)
{
	struct cc_buf line = CC_BUF_INIT;
	int rc;

	if (cc_repo_journal_line(batch ? batch : &line, m, v))
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
	else if (batch)
		rc = CC_OK;
	else
		rc = cc_repo_journal_append(repo, line.data, line.len, err);
	cc_buf_release(&line);
	return rc;
}

static int store_one(struct cc_repo *repo, struct cc_cert_meta *meta,
		     const struct cc_cert_files *files, struct cc_version *ver,
		     struct cc_buf *batch, struct cc_err *err)
{
	char dir[PATH_MAX], vdir[PATH_MAX], tmp[PATH_MAX], fin[PATH_MAX];
	char num[32], path[PATH_MAX];
	struct meta_backup mb = { CC_BUF_INIT, 0, 0 };
	struct cc_buf y = CC_BUF_INIT;
	const void *data[CC_REPO_NFILES];
	size_t len[CC_REPO_NFILES];
	struct cc_version saved_ver = *ver;
	time_t saved_created = meta->created, saved_updated = meta->updated;
	int saved_current = meta->current;
	int dfd = -1, tfd = -1, created = 0, old = 0, max, number, rc, made;
	int stage = 0, links = 0;
	size_t i;
	time_t now = time(NULL);

	data[0] = files->cert_pem;
	len[0] = files->cert_pem ? strlen(files->cert_pem) : 0;
	data[1] = files->chain_pem;
	len[1] = files->chain_pem ? strlen(files->chain_pem) : 0;
	data[2] = files->fullchain_pem;
	len[2] = files->fullchain_pem ? strlen(files->fullchain_pem) : 0;
	data[3] = files->key_pem;
	len[3] = files->key_pem ? strlen(files->key_pem) : 0;
	data[4] = files->p12;
	len[4] = files->p12_len;
	data[5] = files->jks;
	len[5] = files->jks_len;

	if ((rc = make_certdir(repo, meta->name, dir, sizeof(dir), &created,
			       err)) ||
	    (rc = open_dir(dir, &dfd, err)) ||
	    (rc = cc_repo_current(dir, &old, err)) ||
	    (rc = cleanup_and_max(dir, old, &max, err)))
		goto out;
	if (max >= INT_MAX) {
		rc = cc_err_set(err, CC_ECORRUPT,
				"certificate '%s': too many versions",
				meta->name);
		goto out;
	}
	number = max + 1;
	snprintf(num, sizeof(num), "%d\n", number);
	if ((rc = cc_repo_fmt(vdir, sizeof(vdir), err, "%s/versions", dir)) ||
	    (rc = cc_repo_fmt(path, sizeof(path), err, "%s/.last", vdir)) ||
	    (rc = write_replace(repo, path, num, strlen(num), 0644, err)))
		goto out;

	/* the new version, in a temporary directory */
	if ((rc = cc_repo_fmt(tmp, sizeof(tmp), err, "%s/.tmp-%d", vdir,
			      number)) ||
	    (rc = cc_repo_fmt(fin, sizeof(fin), err, "%s/%d", vdir, number)) ||
	    (rc = cc_fault_check("create version directory", err)) ||
	    (rc = cc_repo_mkdir(tmp, NULL, err)))
		goto out;
	stage = 1;
	if ((rc = open_dir(tmp, &tfd, err)))
		goto out;
	ver->number = number;
	ver->created = now;
	ver->has_key = files->key_pem != NULL;
	ver->has_p12 = files->p12 != NULL;
	ver->has_jks = files->jks != NULL;
	for (i = 0; i < CC_REPO_NFILES; i++) {
		if (!data[i])
			continue;
		if ((rc = write_new(repo, tfd, tmp, cc_repo_files[i],
				    data[i], len[i], i >= 3 ? 0600 : 0644,
				    err)))
			goto out;
	}
	if ((rc = cc_repo_version_emit(ver, &y, err)) ||
	    (rc = write_new(repo, tfd, tmp, "version.yaml", y.data, y.len,
			    0644, err)) ||
	    (rc = cc_fault_check("sync version directory", err)) ||
	    (rc = sync_fd(repo, tfd, tmp, err)))
		goto out;
	if ((rc = cc_fault_check("commit version directory", err)))
		goto out;
	if (rename(tmp, fin) < 0) {
		rc = cc_err_set(err, CC_EIO, "cannot rename '%s': %s", tmp,
				strerror(errno));
		goto out;
	}
	stage = 2;
	if ((rc = sync_dir(repo, vdir, err)))
		goto out;

	/* stable per-file links, then the commit point */
	for (i = 0; i < CC_REPO_NFILES; i++) {
		if (!data[i])
			continue;
		if ((rc = ensure_link(dfd, dir, cc_repo_files[i], &made, err)))
			goto out;
		if (made)
			links |= 1 << i;
	}
	if ((rc = swap_current(dfd, dir, number, 1, err)))
		goto out;
	stage = 3;
	if ((rc = cc_fault_check("sync certificate directory", err)) ||
	    (rc = sync_fd(repo, dfd, dir, err)))
		goto out;

	meta->current = number;
	meta->updated = now;
	if (!meta->created)
		meta->created = now;
	if ((rc = meta_write(repo, meta, dir, &mb, err)) ||
	    (rc = index_record(repo, meta, ver, batch, err)))
		goto out;

	/* done; drop links to files this version does not have */
	for (i = 0; i < CC_REPO_NFILES; i++) {
		char have[80], want[80];
		ssize_t n;

		if (data[i])
			continue;
		n = readlinkat(dfd, cc_repo_files[i], have, sizeof(have) - 1);
		if (n < 0)
			continue;
		have[n] = '\0';
		snprintf(want, sizeof(want), "current/%s", cc_repo_files[i]);
		if (!strcmp(have, want))
			unlinkat(dfd, cc_repo_files[i], 0);
	}
out:
	if (tfd >= 0)
		close(tfd);
	if (rc) {
		/* undo, newest step first */
		int undone = 1;

		meta_restore(&mb, dir);
		if (stage >= 3) {
			undone = swap_current(dfd, dir, old, 0, NULL) == CC_OK;
			fsync(dfd);
		}
		for (i = 0; undone && i < CC_REPO_NFILES; i++)
			if (links & (1 << i))
				unlinkat(dfd, cc_repo_files[i], 0);
		/* keep the new version if "current" still points to it */
		if (stage >= 2 && undone)
			cc_remove_tree(fin, NULL);
		else if (stage == 1)
			cc_remove_tree(tmp, NULL);
		if (created && undone)
			cc_remove_tree(dir, NULL);
		*ver = saved_ver;
		meta->created = saved_created;
		meta->updated = saved_updated;
		meta->current = saved_current;
	}
	if (dfd >= 0)
		close(dfd);
	cc_buf_release(&mb.data);
	cc_buf_release(&y);
	return rc;
}

int cc_repo_cert_store(struct cc_repo *repo, struct cc_cert_meta *meta,
		       const struct cc_cert_files *files,
		       struct cc_version *ver, struct cc_err *err)
{
	const char *names[1];
	int rc;

	if (!meta || !files || !ver)
		return cc_err_set(err, CC_EINVAL, "missing certificate data");
	if ((rc = cc_name_check(meta->name, err)))
		return rc;
	if ((rc = cc_repo_lock(repo, err)))
		return rc;
	names[0] = meta->name;
	if ((rc = cc_repo_journal_dirty(repo, names, 1, err)) == CC_OK &&
	    (rc = store_one(repo, meta, files, ver, NULL, err)) == CC_OK)
		cc_repo_index_maybe_compact(repo);
	cc_repo_unlock(repo);
	return rc;
}

int cc_repo_store_many(struct cc_repo *repo, struct cc_cert_meta *metas,
		       const struct cc_cert_files *files,
		       struct cc_version *vers, size_t n, struct cc_err *err)
{
	struct cc_buf batch = CC_BUF_INIT;
	const char **names = NULL;
	size_t i;
	int rc, rc2;

	if (n == 0)
		return CC_OK;
	if (!metas || !files || !vers)
		return cc_err_set(err, CC_EINVAL, "missing certificate data");
	for (i = 0; i < n; i++)
		if ((rc = cc_name_check(metas[i].name, err)))
			return rc;
	if (!(names = malloc(n * sizeof(*names))))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		names[i] = metas[i].name;
	if ((rc = cc_repo_lock(repo, err)))
		goto out;
	if ((rc = cc_repo_journal_dirty(repo, names, n, err)) == CC_OK) {
		for (i = 0; i < n && rc == CC_OK; i++)
			rc = store_one(repo, &metas[i], &files[i], &vers[i],
				       &batch, err);
		/* publish what was stored, even after a failure */
		if (repo->nosync)
			sync();
		if (batch.len) {
			rc2 = cc_repo_journal_append(repo, batch.data,
						     batch.len,
						     rc ? NULL : err);
			if (rc == CC_OK)
				rc = rc2;
		}
		cc_repo_index_maybe_compact(repo);
	}
	cc_repo_unlock(repo);
out:
	free(names);
	cc_buf_release(&batch);
	return rc;
}

int cc_repo_meta_save(struct cc_repo *repo, struct cc_cert_meta *meta,
		      struct cc_err *err)
{
	char dir[PATH_MAX];
	struct meta_backup mb = { CC_BUF_INIT, 0, 0 };
	struct cc_version cur;
	const char *names[1];
	time_t saved_created, saved_updated, now = time(NULL);
	int saved_current, created = 0, rc, locked = 0;

	memset(&cur, 0, sizeof(cur));
	if (!meta)
		return cc_err_set(err, CC_EINVAL, "missing certificate data");
	saved_created = meta->created;
	saved_updated = meta->updated;
	saved_current = meta->current;
	if ((rc = cc_name_check(meta->name, err)) ||
	    (rc = cc_repo_lock(repo, err)))
		return rc;
	locked = 1;
	names[0] = meta->name;
	if ((rc = cc_repo_journal_dirty(repo, names, 1, err)) ||
	    (rc = make_certdir(repo, meta->name, dir, sizeof(dir), &created,
			       err)) ||
	    (rc = cc_repo_current(dir, &meta->current, err)))
		goto out;
	if (meta->current > 0 &&
	    (rc = cc_repo_version_load(dir, meta->current, &cur, err)))
		goto out;
	meta->updated = now;
	if (!meta->created)
		meta->created = now;
	if ((rc = meta_write(repo, meta, dir, &mb, err)) ||
	    (rc = index_record(repo, meta, meta->current > 0 ? &cur : NULL,
			       NULL, err)))
		goto out;
	cc_repo_index_maybe_compact(repo);
out:
	if (rc) {
		meta_restore(&mb, dir);
		if (created)
			cc_remove_tree(dir, NULL);
		meta->created = saved_created;
		meta->updated = saved_updated;
		meta->current = saved_current;
	}
	cc_version_release(&cur);
	cc_buf_release(&mb.data);
	if (locked)
		cc_repo_unlock(repo);
	return rc;
}
