/*
 * The certificate repository: the single source of truth on disk.
 *
 * Layout (format 1):
 *   <root>/format                 "certctl-repository 1\n"
 *   <root>/lock                   repository write lock (flock)
 *   <root>/index                  snapshot: one line per certificate
 *   <root>/index.journal          records appended since the snapshot
 *   <root>/certs/<name>/meta.yaml mutable metadata (status, policies,
 *                                 CA references, deploy targets, ...)
 *   <root>/certs/<name>/versions/<N>/
 *                 cert.pem chain.pem fullchain.pem key.pem [cert.p12]
 *                 [cert.jks] version.yaml   -- immutable once written
 *   <root>/certs/<name>/versions/.last  highest number ever handed out
 *   <root>/certs/<name>/current   symlink -> versions/<N>
 *   <root>/certs/<name>/{cert,chain,fullchain,key}.pem, cert.p12,
 *                 cert.jks        symlinks -> current/<file>
 *   <root>/certs/<name>/lock      per-certificate lock (long operations)
 *   <root>/accounts/, <root>/sectigo/, <root>/pending/: owned by the
 *                 ACME and Sectigo code, written with cc_repo_write.
 *
 * A new version is written into versions/.tmp-<N>, fsynced and renamed to
 * versions/<N>; then "current" is swapped atomically (the commit point);
 * then meta.yaml and the index follow. History is the list of version
 * directories up to the current one (a higher one is the leftover of an
 * interrupted store: ignored, and removed by the next store), so a crash
 * anywhere leaves either the old or the new version current, never a mix;
 * a store that fails undoes its steps. Version numbers are never reused.
 * Directories are 0700, keys and keystores 0600. Every write holds
 * <root>/lock. The index format is described in repo_index.c.
 */
#ifndef CERTCTL_REPO_H
#define CERTCTL_REPO_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"

#define CC_REPO_FORMAT 1
#define CC_NAME_MAX 200

struct cc_repo;

/* Create the repository (idempotent). */
int cc_repo_init(const char *root, struct cc_err *err);

/*
 * Open an existing repository. CC_ENOENT "no repository at '<root>' (run
 * 'certctl init')"; CC_ECORRUPT for an unknown format.
 */
int cc_repo_open(struct cc_repo **out, const char *root, struct cc_err *err);
void cc_repo_free(struct cc_repo *repo);
const char *cc_repo_root(const struct cc_repo *repo);

/*
 * Repository-wide write lock (recursive within one process). Waits up to
 * the repository's lock timeout (default 30 s). All cc_repo_* writers take
 * it themselves; callers take it to group several writes.
 */
int cc_repo_lock(struct cc_repo *repo, struct cc_err *err);
void cc_repo_unlock(struct cc_repo *repo);
void cc_repo_set_lock_timeout(struct cc_repo *repo, int ms);

/* Per-certificate lock for long operations (ordering, renewal). */
int cc_repo_cert_lock(struct cc_repo *repo, const char *name, int timeout_ms,
		      int *fd, struct cc_err *err);

/*
 * Certificate names are path-safe: 1..200 bytes, no '/', '\\', control
 * characters or spaces, not "." / "..", no "..", no leading '-' or '.'.
 */
int cc_name_check(const char *name, struct cc_err *err);

/* Derive a valid name from a common name ("*.example.com" ->
 * "wildcard.example.com"); out >= CC_NAME_MAX + 1. */
void cc_name_from_cn(const char *cn, char *out, size_t size);

/* Small ordered string map, for CA references and renewal state. */
struct cc_strmap {
	size_t n;
	char **keys;
	char **vals;
};

#define CC_STRMAP_INIT { 0, NULL, NULL }

int cc_strmap_set(struct cc_strmap *m, const char *key, const char *val);
const char *cc_strmap_get(const struct cc_strmap *m, const char *key);
void cc_strmap_del(struct cc_strmap *m, const char *key);
void cc_strmap_release(struct cc_strmap *m);

/* One stored version (immutable, versions/<N>/version.yaml). */
struct cc_version {
	int number;
	time_t created;
	char *common_name;
	char **names;
	size_t nnames;
	char *issuer;
	char *serial;
	time_t not_before;
	time_t not_after;
	char *key_type;
	char *fingerprint;
	char *reason;		/* "imported", "issued", "renewed", ... */
	struct cc_strmap ca;	/* the CA's references for this version */
	int has_key;		/* key.pem present */
	int has_p12;
	int has_jks;
};

void cc_version_release(struct cc_version *v);

/* Mutable metadata (meta.yaml). */
struct cc_cert_meta {
	char *name;
	char *source;		/* "acme", "sectigo", "imported" */
	char *status;		/* "valid", "pending", "revoked", "failed" */
	char *key_policy;	/* "new", "same", "import" (NULL = "new") */
	char *key_type;		/* for new keys, e.g. "ec:p256" */
	char *keystore;		/* "pem", "p12", "p12-legacy", "jks" */
	char *renew_before;	/* per-certificate override ("30d") or NULL */
	time_t created;
	time_t updated;
	struct cc_strmap ca;	/* CA references (server, account, order...) */
	struct cc_strmap renewal; /* renewal state (ARI window, failures...) */
	struct cc_strmap extra;	/* anything else a module needs to keep */
	char **deploy;		/* deploy targets */
	size_t ndeploy;
	/* filled by cc_repo_cert_load, ignored by save: */
	int current;		/* current version number, 0 = none */
	struct cc_version *versions; /* history, oldest first */
	size_t nversions;
};

void cc_cert_meta_release(struct cc_cert_meta *m);

/* Current version (NULL if none). */
const struct cc_version *cc_cert_meta_current(const struct cc_cert_meta *m);

/*
 * Load meta.yaml and the version history (out is overwritten; release it
 * with cc_cert_meta_release). CC_ENOENT if unknown name, CC_ECORRUPT
 * "<file>:<line>: ..." for unreadable metadata.
 */
int cc_repo_cert_load(struct cc_repo *repo, const char *name,
		      struct cc_cert_meta *out, struct cc_err *err);

int cc_repo_cert_exists(struct cc_repo *repo, const char *name);

/* Contents of a new version; NULL members are not written. */
struct cc_cert_files {
	const char *cert_pem;
	const char *chain_pem;
	const char *fullchain_pem;
	const char *key_pem;	/* written 0600 */
	const void *p12;	/* written 0600 */
	size_t p12_len;
	const void *jks;	/* written 0600 */
	size_t jks_len;
};

/*
 * Store a new version of certificate meta->name (creating it if new):
 * version files and version.yaml from *ver (its number and created are
 * assigned here and returned in ver->number), swap current, save meta
 * (current updated), update the index. On failure nothing visible changes.
 */
int cc_repo_cert_store(struct cc_repo *repo, struct cc_cert_meta *meta,
		       const struct cc_cert_files *files,
		       struct cc_version *ver, struct cc_err *err);

/*
 * Save only the metadata (status, policies, CA refs...) of a certificate;
 * creates the certificate directory if needed (e.g. a pending order with no
 * version yet). Updates the index.
 */
int cc_repo_meta_save(struct cc_repo *repo, struct cc_cert_meta *meta,
		      struct cc_err *err);

/*
 * Bulk import: store a new version of each of the n certificates (as
 * cc_repo_cert_store) under one lock, with one index update. Stops at the
 * first failure; the certificates before it stay stored.
 */
int cc_repo_store_many(struct cc_repo *repo, struct cc_cert_meta *metas,
		       const struct cc_cert_files *files,
		       struct cc_version *vers, size_t n, struct cc_err *err);

/*
 * Durability of certificate writes (default on). Off skips fsync for bulk
 * imports into a new repository and benchmark fillers; cc_repo_store_many
 * then calls sync() before it publishes the index. A crash while it is
 * off can leave stored versions with lost contents.
 */
void cc_repo_set_sync(struct cc_repo *repo, int on);

/* Delete a certificate and all its versions locally. */
int cc_repo_cert_delete(struct cc_repo *repo, const char *name,
			struct cc_err *err);

/*
 * Read a file of a version (0 = current), e.g. "fullchain.pem", appending
 * to out. CC_ENOENT if missing.
 */
int cc_repo_cert_read(struct cc_repo *repo, const char *name, int version,
		      const char *file, struct cc_buf *out,
		      struct cc_err *err);

/* Absolute path of a file of the current version, into buf. */
int cc_repo_cert_path(struct cc_repo *repo, const char *name,
		      const char *file, char *buf, size_t size,
		      struct cc_err *err);

/*
 * Index: fast listing without opening every certificate directory.
 * Strings are never NULL ("" when unknown); status is "corrupt" for a
 * certificate whose metadata could not be read when the index was rebuilt.
 */
struct cc_index_entry {
	const char *name;
	const char *common_name;
	const char *issuer;
	const char *source;
	const char *status;
	const char *serial;
	time_t not_before;
	time_t not_after;	/* 0 if no version yet */
	int version;
};

struct cc_index {
	struct cc_index_entry *v;	/* sorted by name */
	size_t n;
	char *arena;			/* strings of all entries */
	size_t arena_len;
};

#define CC_INDEX_INIT { NULL, 0, NULL, 0 }

/* Load snapshot + journal; a missing index is rebuilt. */
int cc_repo_index_load(struct cc_repo *repo, struct cc_index *out,
		       struct cc_err *err);
void cc_index_release(struct cc_index *idx);

/* Rebuild the index from the certificate directories. */
int cc_repo_reindex(struct cc_repo *repo, struct cc_err *err);

/* Fold the index journal into a new snapshot (done automatically). */
int cc_repo_index_compact(struct cc_repo *repo, struct cc_err *err);

/*
 * Generic private files under the repository (accounts, pending orders,
 * Sectigo data). rel is relative to the root ("accounts/x/key.pem");
 * parent directories are created 0700; written atomically under the lock.
 */
int cc_repo_write(struct cc_repo *repo, const char *rel, const void *data,
		  size_t len, unsigned mode, struct cc_err *err);
int cc_repo_read(struct cc_repo *repo, const char *rel, struct cc_buf *out,
		 struct cc_err *err);
int cc_repo_remove(struct cc_repo *repo, const char *rel,
		   struct cc_err *err);
/* Absolute path of rel into buf. */
int cc_repo_path(struct cc_repo *repo, const char *rel, char *buf,
		 size_t size, struct cc_err *err);

#endif
