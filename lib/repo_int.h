/*
 * Internal declarations shared by repo.c, repo_meta.c, repo_store.c and
 * repo_index.c. Not for use outside the repository module.
 */
#ifndef CERTCTL_REPO_INT_H
#define CERTCTL_REPO_INT_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"
#include "repo.h"

#define CC_REPO_FORMAT_LINE "certctl-repository 1\n"
#define CC_REPO_LOCK_TIMEOUT_MS 30000

/* Files of a version directory, in the order they are written. */
#define CC_REPO_NFILES 6
extern const char *const cc_repo_files[CC_REPO_NFILES];

struct cc_repo_lockent;

struct cc_repo {
	char *root;		/* absolute, no trailing slash */
	int lock_timeout_ms;
	int lock_depth;		/* times this handle holds the lock */
	pid_t lock_pid;		/* process that took it */
	int nosync;		/* cc_repo_set_sync(repo, 0) */
	struct cc_repo_lockent *lock;
};

/* snprintf into buf; CC_EINVAL "path too long" if it does not fit. */
int cc_repo_fmt(char *buf, size_t size, struct cc_err *err, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

/* "<root>/certs/<name>" or "<root>/certs/<name>/<sub>" (sub may be NULL). */
int cc_repo_certdir(const struct cc_repo *repo, const char *name,
		    const char *sub, char *buf, size_t size,
		    struct cc_err *err);

/*
 * Create directory path with mode 0700 if missing (parent must exist);
 * verify it is a real directory (not a symlink) and, if created here, that
 * its mode is 0700. *created (may be NULL) tells whether it was created.
 */
int cc_repo_mkdir(const char *path, int *created, struct cc_err *err);

/* Read a whole file, refusing a symlink as last component. */
int cc_repo_read_nofollow(const char *path, struct cc_buf *out,
			  struct cc_err *err);

/* Decimal version number "1".."2147483647" without leading zero; -1 if not. */
int cc_repo_parse_number(const char *s);

/*
 * Current version number of the certificate directory (0 if no
 * "current" link). CC_ECORRUPT if the link is not "versions/<N>".
 */
int cc_repo_current(const char *certdir, int *num, struct cc_err *err);

/* RFC 3339 UTC time: "2026-11-23T12:00:00Z" (buf >= 32). */
void cc_repo_time_format(time_t t, char *buf, size_t size);
int cc_repo_time_parse(const char *s, time_t *out);

/* YAML for meta.yaml and version.yaml. */
int cc_repo_meta_emit(const struct cc_cert_meta *m, struct cc_buf *out,
		      struct cc_err *err);
int cc_repo_meta_parse(const char *data, size_t len, const char *path,
		       struct cc_cert_meta *m, struct cc_err *err);
int cc_repo_version_emit(const struct cc_version *v, struct cc_buf *out,
			 struct cc_err *err);
int cc_repo_version_parse(const char *data, size_t len, const char *path,
			  struct cc_version *v, struct cc_err *err);

/* Load versions/<number>/version.yaml of certificate directory dir. */
int cc_repo_version_load(const char *dir, int number, struct cc_version *v,
			 struct cc_err *err);

/*
 * Load a certificate; with history == 0 only the current version is
 * loaded (versions has 0 or 1 element). CC_ENOENT if it does not exist
 * (no meta.yaml and no current version).
 */
int cc_repo_cert_load_ex(struct cc_repo *repo, const char *name, int history,
			 struct cc_cert_meta *out, struct cc_err *err);

/* Index journal (callers hold the repository lock). */
int cc_repo_journal_dirty(struct cc_repo *repo, const char *const *names,
			  size_t n, struct cc_err *err);
int cc_repo_journal_delete(struct cc_repo *repo, const char *name,
			   struct cc_err *err);
/* Append "upsert" record for meta and its current version v (or NULL). */
int cc_repo_journal_line(struct cc_buf *out, const struct cc_cert_meta *m,
			 const struct cc_version *v);
int cc_repo_journal_append(struct cc_repo *repo, const char *data,
			   size_t len, struct cc_err *err);
/* Compact the index if the journal has grown; errors are ignored. */
void cc_repo_index_maybe_compact(struct cc_repo *repo);

#endif
