/*
 * Files: whole-file reads, atomic private writes, directories and locks.
 */
#ifndef CERTCTL_FSUTIL_H
#define CERTCTL_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"

/* Files larger than this are refused by cc_read_file (64 MiB). */
#define CC_READ_MAX (64u << 20)

/* Append the whole file at path to out. CC_ENOENT if it does not exist. */
int cc_read_file(const char *path, struct cc_buf *out, struct cc_err *err);

/*
 * Write data to path atomically: temp file in the same directory with the
 * given mode, write, fsync, rename over path, fsync the directory. On any
 * failure the old file (if any) is untouched and the temp file removed.
 */
int cc_write_atomic(const char *path, const void *data, size_t len,
		    mode_t mode, struct cc_err *err);

/* fsync a directory. */
int cc_fsync_dir(const char *dir, struct cc_err *err);

/* mkdir -p with mode for every created component. */
int cc_mkdir_p(const char *path, mode_t mode, struct cc_err *err);

/* rm -rf path (does not follow symlinks). Missing path is not an error. */
int cc_remove_tree(const char *path, struct cc_err *err);

/* 1 if path exists (lstat), 0 otherwise. */
int cc_exists(const char *path);

/*
 * Exclusive advisory lock on path (created 0600 if missing), waiting up to
 * timeout_ms (0 = try once). *fd receives the descriptor to pass to
 * cc_unlock. CC_ELOCKED on timeout.
 */
int cc_lock(const char *path, int timeout_ms, int *fd, struct cc_err *err);
void cc_unlock(int fd);

/*
 * Fault injection for crash tests: after n more successful calls of
 * cc_fault_check, the next one fails (n < 0 disables). cc_write_atomic
 * and the repository commit steps call cc_fault_check(name).
 */
void cc_fault_set(long n);
int cc_fault_check(const char *what, struct cc_err *err);

#endif
