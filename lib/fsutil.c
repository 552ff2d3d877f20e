#define _GNU_SOURCE
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long fault_countdown = -1;

void cc_fault_set(long n)
{
	fault_countdown = n;
}

int cc_fault_check(const char *what, struct cc_err *err)
{
	if (fault_countdown < 0)
		return CC_OK;
	if (fault_countdown == 0) {
		fault_countdown = -1;
		return cc_err_set(err, CC_EIO, "injected failure at %s", what);
	}
	fault_countdown--;
	return CC_OK;
}

int cc_read_file(const char *path, struct cc_buf *out, struct cc_err *err)
{
	struct stat st;
	size_t total = 0, room;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cc_err_set(err, errno == ENOENT ? CC_ENOENT : CC_EIO,
				  "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		memset(&st, 0, sizeof(st));
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return cc_err_set(err, CC_EINVAL, "'%s' is a directory", path);
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (unsigned long long)st.st_size <= CC_READ_MAX &&
	    cc_buf_grow(out, (size_t)st.st_size)) {
		close(fd);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	/* read straight into out: no copy of key material on the stack */
	for (;;) {
		room = out->cap > out->len + 1 ? out->cap - out->len - 1 : 0;
		if (room == 0) {
			if (cc_buf_grow(out, 65536)) {
				close(fd);
				return cc_err_set(err, CC_ENOMEM,
						  "out of memory");
			}
			room = out->cap - out->len - 1;
		}
		n = read(fd, out->data + out->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return cc_err_set(err, CC_EIO, "cannot read '%s': %s",
					  path, strerror(e));
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		total += (size_t)n;
		if (total > CC_READ_MAX) {
			close(fd);
			return cc_err_set(err, CC_EINVAL, "'%s' is too large",
					  path);
		}
	}
	close(fd);
	return CC_OK;
}

static int dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		snprintf(dir, size, ".");
		return 0;
	}
	n = (size_t)(slash - path);
	if (n == 0)
		n = 1;
	if (n >= size)
		return -1;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

int cc_fsync_dir(const char *dir, struct cc_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return cc_err_set(err, CC_EIO, "cannot open '%s': %s", dir,
				  strerror(errno));
	if (fsync(fd) < 0 && errno != EINVAL) {
		int e = errno;
		close(fd);
		return cc_err_set(err, CC_EIO, "cannot sync '%s': %s", dir,
				  strerror(e));
	}
	close(fd);
	return CC_OK;
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

int cc_write_atomic(const char *path, const void *data, size_t len,
		    mode_t mode, struct cc_err *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	struct timespec ts;
	int fd = -1, rc, e;
	unsigned tries;

	if (dir_of(path, dir, sizeof(dir)) < 0)
		return cc_err_set(err, CC_EINVAL, "path too long: '%s'", path);
	clock_gettime(CLOCK_REALTIME, &ts);
	for (tries = 0; tries < 100; tries++) {
		if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%lx.%u", path,
			     (long)getpid(), (unsigned long)ts.tv_nsec,
			     tries) >= (int)sizeof(tmp))
			return cc_err_set(err, CC_EINVAL, "path too long: '%s'",
					  path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				       O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		return cc_err_set(err, CC_EIO, "cannot create '%s': %s", tmp,
				  strerror(errno));
	if (fchmod(fd, mode) < 0)
		goto fail_errno;
	if ((rc = cc_fault_check(path, err)) != CC_OK) {
		/* simulate a crash halfway: half the data, no rename */
		if (write_all(fd, data, len / 2) < 0)
			goto fail_errno;
		close(fd);
		unlink(tmp);
		return rc;
	}
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0)
		goto fail_errno;
	if (close(fd) < 0) {
		fd = -1;
		goto fail_errno;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail_errno;
	return cc_fsync_dir(dir, err);

fail_errno:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return cc_err_set(err, e == ENOSPC ? CC_EIO : CC_EIO,
			  "cannot write '%s': %s", path, strerror(e));
}

int cc_mkdir_p(const char *path, mode_t mode, struct cc_err *err)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path), i;
	struct stat st;

	if (len == 0 || len >= sizeof(tmp))
		return cc_err_set(err, CC_EINVAL, "bad directory path '%s'",
				  path);
	memcpy(tmp, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return cc_err_set(err, CC_EIO,
					  "cannot create directory '%s': %s",
					  tmp, strerror(errno));
		if (i < len)
			tmp[i] = '/';
	}
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return cc_err_set(err, CC_EIO, "'%s' is not a directory", path);
	return CC_OK;
}

static int remove_at(int dfd, const char *name, struct cc_err *err)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? CC_OK :
		       cc_err_set(err, CC_EIO, "cannot stat '%s': %s", name,
				  strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return cc_err_set(err, CC_EIO,
					  "cannot remove '%s': %s", name,
					  strerror(errno));
		return CC_OK;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			       O_CLOEXEC);
	if (fd < 0)
		return cc_err_set(err, CC_EIO, "cannot open '%s': %s", name,
				  strerror(errno));
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cc_err_set(err, CC_EIO, "cannot read '%s'", name);
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (remove_at(dirfd(d), de->d_name, err)) {
			closedir(d);
			return err ? err->code : CC_EIO;
		}
	}
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return cc_err_set(err, CC_EIO, "cannot remove '%s': %s", name,
				  strerror(errno));
	return CC_OK;
}

int cc_remove_tree(const char *path, struct cc_err *err)
{
	return remove_at(AT_FDCWD, path, err);
}

int cc_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int cc_lock(const char *path, int timeout_ms, int *fd, struct cc_err *err)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int waited = 0, f;

	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f < 0)
		return cc_err_set(err, CC_EIO, "cannot open lock '%s': %s",
				  path, strerror(errno));
	for (;;) {
		if (flock(f, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;
			close(f);
			return cc_err_set(err, CC_EIO, "cannot lock '%s': %s",
					  path, strerror(e));
		}
		if (waited >= timeout_ms) {
			close(f);
			return cc_err_set(err, CC_ELOCKED,
					  "'%s' is locked by another certctl "
					  "process", path);
		}
		nanosleep(&ts, NULL);
		waited += 10;
	}
	*fd = f;
	return CC_OK;
}

void cc_unlock(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}
