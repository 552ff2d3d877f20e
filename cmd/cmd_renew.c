/*
 * certctl renew: renew ACME certificates that are due (ARI first, then a
 * fraction of the lifetime), many at once, each under its own lock, with
 * a per-certificate back-off after failures.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "acme_cli.h"
#include "acme_solve.h"
#include "fsutil.h"
#include "renew.h"
#include "secret.h"
#include "util.h"
#include "x509.h"

#define MAX_JOBS 64

struct renew_opts {
	struct acme_common co;
	struct solve_opts so;
	long long within;	/* --within, 0 = none */
	long long interval;	/* expected time to the next run */
	int force;
	int dry_run;
	const char *ks_file;
	const char *ks_env;
	/* renew --jobs with http-01 standalone: one responder in the parent
	   serves the files the workers publish into shared_dir */
	const char *shared_listen;
	const char *shared_dir;
};

/* One certificate's outcome, sent from a worker as one line of JSON. */
struct outcome {
	char name[CC_NAME_MAX + 1];
	const char *result;	/* renewed, not-due, failed, skipped, due */
	char detail[CC_ERR_MSG_MAX];
	int version;
	time_t at;
};

static time_t renewal_time(const struct cc_strmap *m, const char *key)
{
	const char *s = cc_strmap_get(m, key);
	time_t t = 0;

	if (s && cc_time_parse(s, &t))
		t = 0;
	return t;
}

static void set_time(struct cc_strmap *m, const char *key, time_t t)
{
	char buf[32];

	cc_time_format(t, buf, sizeof(buf));
	cc_strmap_set(m, key, buf);
}

static unsigned seed_of(const char *s)
{
	unsigned h = 2166136261u;

	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Ask the CA for its renewal window when due for a check (RFC 9773). */
static void refresh_ari(struct acme_session *s, struct cc_cert_meta *m,
			int *changed)
{
	const struct cc_acme_directory *dir;
	struct cc_acme_renewal_info ri;
	const char *id = cc_strmap_get(&m->ca, "ari-id");
	time_t now = time(NULL), next = renewal_time(&m->renewal, "ari-next");

	if (!id || (next && now < next))
		return;
	if (cc_acme_get_directory(s->acme, &dir, NULL) || !dir->renewal_info)
		return;
	memset(&ri, 0, sizeof(ri));
	if (cc_acme_renewal_info(s->acme, id, &ri, NULL) == CC_OK) {
		set_time(&m->renewal, "ari-start", ri.start);
		set_time(&m->renewal, "ari-end", ri.end);
		if (ri.explanation_url)
			cc_strmap_set(&m->renewal, "ari-explanation",
				      ri.explanation_url);
		/* the CA's Retry-After, else check again in 6 hours */
		set_time(&m->renewal, "ari-next",
			 now + (ri.retry_after ? (time_t)ri.retry_after :
						 6 * 3600));
		*changed = 1;
	}
	cc_acme_renewal_info_release(&ri);
}

static int supports_ari(struct acme_session *s)
{
	const struct cc_acme_directory *dir;

	return cc_acme_get_directory(s->acme, &dir, NULL) == CC_OK &&
	       dir->renewal_info;
}

/* Renew one certificate if due. Never prints; fills *oc. */
static void renew_one(struct cli *cl, const struct renew_opts *ro_in,
		      const char *name, struct outcome *oc)
{
	struct renew_opts ro = *ro_in;
	struct cc_cert_meta m;
	struct cc_err err = CC_ERR_INIT;
	struct acme_session s;
	struct cc_issue_env env;
	struct cc_issue_req req;
	struct cc_issue_result res;
	struct cc_strmap settings = CC_STRMAP_INIT;
	struct cc_renew_input in;
	struct cc_renew_decision d;
	struct cc_buf pw = CC_BUF_SECRET_INIT;
	const struct cc_version *v;
	const char *challenge, *rb, *ksf, *kse;
	int changed = 0, quiet = out_quiet;
	long long rbs;

	memset(&m, 0, sizeof(m));
	memset(&s, 0, sizeof(s));
	memset(&env, 0, sizeof(env));
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	/* the string lists are this worker's own copies */
	memset(&ro.so.dns_servers, 0, sizeof(ro.so.dns_servers));
	memset(&ro.so.resolvers, 0, sizeof(ro.so.resolvers));
	for (size_t i = 0; i < ro_in->so.dns_servers.n; i++)
		cc_strlist_add(&ro.so.dns_servers, ro_in->so.dns_servers.v[i]);
	for (size_t i = 0; i < ro_in->so.resolvers.n; i++)
		cc_strlist_add(&ro.so.resolvers, ro_in->so.resolvers.v[i]);
	snprintf(oc->name, sizeof(oc->name), "%s", name);
	oc->result = "failed";
	oc->detail[0] = '\0';
	if (cc_repo_cert_load(cl->repo, name, &m, &err))
		goto fail;
	v = cc_cert_meta_current(&m);
	if (!m.source || strcmp(m.source, "acme")) {
		oc->result = "skipped";
		snprintf(oc->detail, sizeof(oc->detail),
			 "not an ACME certificate (%s)",
			 m.source ? m.source : "unknown");
		goto out;
	}
	if (!v || (m.status && !strcmp(m.status, "revoked"))) {
		oc->result = "skipped";
		snprintf(oc->detail, sizeof(oc->detail), "%s",
			 v ? "revoked" : "no issued version yet");
		goto out;
	}
	memset(&in, 0, sizeof(in));
	in.not_before = v->not_before;
	in.not_after = v->not_after;
	rb = m.renew_before;	/* per-certificate override only */
	if (ro.within)
		in.renew_before = ro.within;
	else if (rb && cc_duration_parse(rb, &rbs, NULL) == CC_OK)
		in.renew_before = rbs;
	in.run_interval = ro.interval;
	in.seed = seed_of(v->serial);
	in.failures = (int)strtol(cc_strmap_get(&m.renewal, "failures") ?
				  cc_strmap_get(&m.renewal, "failures") : "0",
				  NULL, 10);
	in.last_failure = renewal_time(&m.renewal, "last-failure");
	in.force = ro.force;
	if (!ro.co.server)
		ro.co.server = cc_strmap_get(&m.ca, "server");
	if (!ro.co.account)
		ro.co.account = cc_strmap_get(&m.ca, "account");
	if (!ro.co.ca_bundle)
		ro.co.ca_bundle = cc_strmap_get(&m.extra, "ca-bundle");
	out_quiet = 1;	/* the session prints nothing in workers */
	if (acme_open(cl, &ro.co, 1, &s)) {
		snprintf(oc->detail, sizeof(oc->detail),
			 "cannot open the ACME account for %s",
			 ro.co.server ? ro.co.server : "its server");
		goto fail_record;
	}
	if (!in.force)
		refresh_ari(&s, &m, &changed);
	in.ari_start = renewal_time(&m.renewal, "ari-start");
	in.ari_end = renewal_time(&m.renewal, "ari-end");
	cc_renew_decide(&in, time(NULL), &d);
	oc->at = d.at;
	if (!d.due) {
		oc->result = "not-due";
		snprintf(oc->detail, sizeof(oc->detail), "%s", d.why);
		if (changed && !ro.dry_run)
			cc_repo_meta_save(cl->repo, &m, NULL);
		goto out;
	}
	if (ro.dry_run) {
		oc->result = "due";
		snprintf(oc->detail, sizeof(oc->detail), "%s", d.why);
		goto out;
	}
	/* command-line solver options apply to certificates validated the
	   same way; the others keep their own settings */
	if (!solve_opts_fit(&ro.so, cc_strmap_get(&m.extra, "challenge")))
		solve_opts_clear_solver(&ro.so);
	solve_opts_defaults(&ro.so, &m.extra, cl->cfg);
	{
		int shared = ro.shared_dir && ro.so.standalone &&
			     !strcmp(ro.so.standalone, ro.shared_listen);

		if (shared) {
			ro.so.standalone = NULL;
			ro.so.webroot = ro.shared_dir;
		}
		if (solve_setup(&ro.so, cl->cfg, &env, &settings,
				&challenge)) {
			snprintf(oc->detail, sizeof(oc->detail),
				 "no usable challenge settings (give solver "
				 "options)");
			goto fail_record;
		}
		if (shared) {
			/* record what the user chose, not the shared dir */
			cc_strmap_del(&settings, "webroot");
			cc_strmap_set(&settings, "standalone",
				      ro.shared_listen);
		}
	}
	if (s.ca_bundle)
		cc_strmap_set(&settings, "ca-bundle", s.ca_bundle);
	ksf = ro.ks_file ? ro.ks_file :
	      cc_strmap_get(&m.extra, "keystore-password-file");
	kse = ro.ks_env ? ro.ks_env :
	      cc_strmap_get(&m.extra, "keystore-password-env");
	if (m.keystore && strcmp(m.keystore, "pem") &&
	    secret_get(ksf, kse, "keystore password", 0, 0, &pw)) {
		snprintf(oc->detail, sizeof(oc->detail),
			 "the keystore password is not available");
		goto fail_record;
	}
	env.acme = s.acme;
	env.repo = cl->repo;
	req.name = m.name;
	req.names = (const char *const *)v->names;
	req.nnames = v->nnames;
	req.server = s.server;
	req.account = s.acct.name;
	req.challenge = challenge;
	req.key_policy = m.key_policy;
	req.key_type = m.key_type;
	req.digest = cc_strmap_get(&m.extra, "digest");
	req.keystore = m.keystore;
	req.keystore_password = pw.data;
	req.keystore_password_file = ksf;
	req.keystore_password_env = kse;
	req.preferred_chain = cc_strmap_get(&m.extra, "preferred-chain");
	req.profile = cc_strmap_get(&m.extra, "profile");
	req.replaces = supports_ari(&s) ? cc_strmap_get(&m.ca, "ari-id") :
					  NULL;
	req.reason = "renewed";
	req.settings = &settings;
	if (m.key_policy && !strcmp(m.key_policy, "import"))
		req.key_policy = "same";
	if (cc_issue_request(&env, &req, &res, &err) == CC_OK) {
		oc->result = "renewed";
		oc->version = res.version;
		oc->at = res.not_after;
		snprintf(oc->detail, sizeof(oc->detail), "%s", d.why);
		goto out;
	}
	if (err.code == CC_EPENDING && res.pending) {
		/* manual challenges: the user has to act, it is no failure */
		oc->result = "pending";
		snprintf(oc->detail, sizeof(oc->detail), "%s", err.msg);
		goto out;
	}
	if (err.code == CC_ELOCKED) {
		oc->result = "skipped";
		snprintf(oc->detail, sizeof(oc->detail), "%s", err.msg);
		goto out;
	}
	snprintf(oc->detail, sizeof(oc->detail), "%s", err.msg);
fail_record:
	/* back off: a broken configuration must not burn rate limits */
	{
		struct cc_cert_meta fresh;
		char n[16];

		memset(&fresh, 0, sizeof(fresh));
		if (cc_repo_cert_load(cl->repo, name, &fresh, NULL) == CC_OK) {
			snprintf(n, sizeof(n), "%d", in.failures + 1);
			cc_strmap_set(&fresh.renewal, "failures", n);
			set_time(&fresh.renewal, "last-failure", time(NULL));
			cc_strmap_set(&fresh.renewal, "last-error", oc->detail);
			cc_repo_meta_save(cl->repo, &fresh, NULL);
		}
		cc_cert_meta_release(&fresh);
	}
	goto out;
fail:
	snprintf(oc->detail, sizeof(oc->detail), "%s", err.msg);
out:
	out_quiet = quiet;
	solve_teardown(&env);
	cc_issue_result_release(&res);
	acme_close(&s);
	solve_opts_release(&ro.so);
	cc_strmap_release(&settings);
	cc_buf_release(&pw);
	cc_cert_meta_release(&m);
}

static void outcome_write(int fd, const struct outcome *oc)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "name", oc->name);
	cJSON_AddStringToObject(o, "result", oc->result);
	cJSON_AddStringToObject(o, "detail", oc->detail);
	cJSON_AddNumberToObject(o, "version", oc->version);
	cJSON_AddNumberToObject(o, "at", (double)oc->at);
	s = cJSON_PrintUnformatted(o);
	if (s) {
		size_t len = strlen(s);
		ssize_t w = write(fd, s, len);

		(void)w;
		cJSON_free(s);
	}
	cJSON_Delete(o);
}

static const char *const results[] = { "renewed", "not-due", "failed",
				       "skipped", "due", "pending", NULL };

static int outcome_read(const char *text, struct outcome *oc)
{
	cJSON *o = cJSON_Parse(text);
	const cJSON *x;
	size_t i;

	if (!o)
		return -1;
	memset(oc, 0, sizeof(*oc));
	oc->result = "failed";
	x = cJSON_GetObjectItem(o, "name");
	if (cJSON_IsString(x))
		snprintf(oc->name, sizeof(oc->name), "%s", x->valuestring);
	x = cJSON_GetObjectItem(o, "result");
	for (i = 0; cJSON_IsString(x) && results[i]; i++)
		if (!strcmp(results[i], x->valuestring))
			oc->result = results[i];
	x = cJSON_GetObjectItem(o, "detail");
	if (cJSON_IsString(x))
		snprintf(oc->detail, sizeof(oc->detail), "%s", x->valuestring);
	x = cJSON_GetObjectItem(o, "version");
	if (cJSON_IsNumber(x))
		oc->version = x->valueint;
	x = cJSON_GetObjectItem(o, "at");
	if (cJSON_IsNumber(x))
		oc->at = (time_t)x->valuedouble;
	cJSON_Delete(o);
	return 0;
}

static void report(const struct outcome *oc)
{
	char t[32] = "-";

	if (out_json)
		return;
	if (oc->at)
		cc_time_format(oc->at, t, sizeof(t));
	if (!strcmp(oc->result, "renewed"))
		printf("renewed   %s (version %d, expires %s)\n", oc->name,
		       oc->version, t);
	else if (!strcmp(oc->result, "failed"))
		printf("FAILED    %s: %s\n", oc->name, oc->detail);
	else if (!strcmp(oc->result, "pending"))
		printf("pending   %s: %s\n", oc->name, oc->detail);
	else if (!strcmp(oc->result, "due"))
		printf("due       %s (%s)\n", oc->name, oc->detail);
	else if (!strcmp(oc->result, "skipped"))
		printf("skipped   %s: %s\n", oc->name, oc->detail);
	else if (!out_quiet)
		printf("not due   %s (%s; due %s)\n", oc->name, oc->detail, t);
	fflush(stdout);
}

/* Run renew_one for every name with up to jobs worker processes. */
static int run_all(struct cli *cl, const struct renew_opts *ro,
		   struct cc_strlist *names, int jobs, struct outcome *ocs)
{
	struct {
		pid_t pid;
		int fd;
		size_t idx;
		struct cc_buf buf;
	} w[MAX_JOBS];
	size_t next = 0, done = 0, i;
	int active = 0, k;

	if (jobs <= 1) {
		for (i = 0; i < names->n; i++) {
			renew_one(cl, ro, names->v[i], &ocs[i]);
			report(&ocs[i]);
		}
		return 0;
	}
	memset(w, 0, sizeof(w));
	for (k = 0; k < jobs; k++)
		w[k].pid = 0;
	fflush(stdout);
	fflush(stderr);
	while (done < names->n) {
		/* start workers */
		for (k = 0; k < jobs && next < names->n; k++) {
			int p[2];

			if (w[k].pid)
				continue;
			if (pipe(p) < 0)
				break;
			w[k].pid = fork();
			if (w[k].pid < 0) {
				w[k].pid = 0;
				close(p[0]);
				close(p[1]);
				break;
			}
			if (w[k].pid == 0) {
				struct outcome oc;

				close(p[0]);
				renew_one(cl, ro, names->v[next], &oc);
				outcome_write(p[1], &oc);
				close(p[1]);
				_exit(0);
			}
			close(p[1]);
			w[k].fd = p[0];
			w[k].idx = next++;
			cc_buf_init(&w[k].buf);
			active++;
		}
		/* collect one finished worker (its pipe hits EOF) */
		{
			struct pollfd pf[MAX_JOBS];
			int map[MAX_JOBS], np = 0;

			for (k = 0; k < jobs; k++) {
				if (!w[k].pid)
					continue;
				pf[np].fd = w[k].fd;
				pf[np].events = POLLIN;
				map[np++] = k;
			}
			if (!np)
				break;
			if (poll(pf, (nfds_t)np, 1000) < 0 && errno != EINTR)
				break;
			for (i = 0; i < (size_t)np; i++) {
				char tmp[4096];
				ssize_t r;

				if (!(pf[i].revents & (POLLIN | POLLHUP)))
					continue;
				k = map[i];
				r = read(w[k].fd, tmp, sizeof(tmp));
				if (r > 0) {
					cc_buf_add(&w[k].buf, tmp, (size_t)r);
					continue;
				}
				close(w[k].fd);
				while (waitpid(w[k].pid, NULL, 0) < 0 &&
				       errno == EINTR)
					;
				if (!w[k].buf.data ||
				    outcome_read(w[k].buf.data,
						 &ocs[w[k].idx])) {
					snprintf(ocs[w[k].idx].name,
						 sizeof(ocs[0].name), "%s",
						 names->v[w[k].idx]);
					ocs[w[k].idx].result = "failed";
					snprintf(ocs[w[k].idx].detail,
						 sizeof(ocs[0].detail),
						 "the worker died");
				}
				report(&ocs[w[k].idx]);
				cc_buf_release(&w[k].buf);
				w[k].pid = 0;
				active--;
				done++;
			}
		}
	}
	return 0;
}

/*
 * Workers cannot each listen on the one http-01 port. When the certificates
 * to renew use a standalone responder, start one here that serves what the
 * workers publish (webroot-style) into a private directory.
 */
static char shared_listen[256];

static int share_standalone(struct cli *cl, struct renew_opts *ro,
			    const struct cc_strlist *names, long *jobs,
			    char *dir, struct cc_solver **out)
{
	struct cc_strlist addrs = CC_STRLIST_INIT;
	struct cc_err err = CC_ERR_INIT;
	const char *listen = NULL;
	size_t i;
	int rc = 0;

	if (ro->so.standalone) {
		listen = ro->so.standalone;
	} else if (!ro->so.webroot && !ro->so.manual && !ro->so.dns_hook &&
		   !ro->so.dns_provider) {
		for (i = 0; i < names->n; i++) {
			struct cc_cert_meta m;
			const char *a;

			memset(&m, 0, sizeof(m));
			if (cc_repo_cert_load(cl->repo, names->v[i], &m,
					      NULL) == CC_OK &&
			    (a = cc_strmap_get(&m.extra, "standalone")) &&
			    !cc_strlist_has(&addrs, a))
				cc_strlist_add(&addrs, a);
			cc_cert_meta_release(&m);
		}
		if (addrs.n > 1) {
			out_warn("certificates use %zu standalone addresses: "
				 "renewing one at a time", addrs.n);
			*jobs = 1;
			goto out;
		}
		if (addrs.n)
			listen = addrs.v[0];
	}
	if (!listen)
		goto out;
	snprintf(dir, 4096, "%s/certctl-renew.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		out_error("cannot create a temporary directory: %s",
			  strerror(errno));
		dir[0] = '\0';
		rc = 1;
		goto out;
	}
	if (cc_solver_standalone_dir_new(out, listen, dir, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	snprintf(shared_listen, sizeof(shared_listen), "%s", listen);
	ro->shared_listen = shared_listen;
	ro->shared_dir = dir;
out:
	cc_strlist_release(&addrs);
	return rc;
}

int cmd_renew(int argc, char **argv, struct cli *cl)
{
	struct renew_opts ro;
	const char *within = NULL, *jobs_s = NULL, *interval = NULL;
	int all = 0;
	struct opt opts[] = {
		{ OPT_FLAG, 0, "all", &all, NULL,
		  "consider every ACME certificate" },
		{ OPT_STR, 0, "within", &within, "DURATION",
		  "renew what expires within DURATION (overrides the "
		  "schedule)" },
		{ OPT_FLAG, 'f', "force", &ro.force, NULL,
		  "renew now, ignoring the schedule and the back-off" },
		{ OPT_STR, 'j', "jobs", &jobs_s, "N",
		  "renew up to N certificates at once (default 4)" },
		{ OPT_FLAG, 'n', "dry-run", &ro.dry_run, NULL,
		  "only say what is due" },
		{ OPT_STR, 0, "interval", &interval, "DURATION",
		  "how often renew runs, e.g. from cron (default 1d)" },
		{ OPT_STR, 0, "keystore-password-file", &ro.ks_file, "FILE",
		  "keystore password for p12/jks certificates" },
		{ OPT_STR, 0, "keystore-password-env", &ro.ks_env, "VAR",
		  "that password from environment variable VAR" },
		SOLVE_OPTS(ro.so),
		ACME_COMMON_OPTS(ro.co),
		OPT_END
	};
	struct cmd_usage u = {
		"certctl renew [<cert>...] [--all] [--within DURATION] "
		"[--force] [--jobs N] [--dry-run] [--interval DURATION] "
		"[solver options] [--server SERVER] [--account NAME] "
		"[--ca-bundle FILE]",
		"Renew ACME certificates that are due: inside the CA's ARI "
		"window, else when a third of the lifetime is left.", opts };
	struct cc_strlist pos = CC_STRLIST_INIT, names = CC_STRLIST_INIT;
	struct cc_index idx = CC_INDEX_INIT;
	struct cc_err err = CC_ERR_INIT;
	struct outcome *ocs = NULL;
	struct cc_solver *shared = NULL;
	char shared_dir[4096] = "";
	struct cc_repo *repo;
	size_t i, nfail = 0, nren = 0, npend = 0;
	long jobs;
	char *end;
	int rc;

	memset(&ro, 0, sizeof(ro));
	rc = opt_parse(argc, argv, &u, &pos, 0, NULL);
	if (rc) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if (!all && !pos.n) {
		out_error("name certificates to renew or give --all");
		fprintf(stderr, "usage: %s\n", u.synopsis);
		rc = 2;
		goto out;
	}
	if (within && cc_duration_parse(within, &ro.within, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	ro.interval = 86400;
	if (interval && cc_duration_parse(interval, &ro.interval, &err)) {
		rc = out_fail(&err);
		goto out;
	}
	if (!jobs_s)
		jobs_s = cc_config_get(cl->cfg, "acme.jobs");
	jobs = jobs_s ? strtol(jobs_s, &end, 10) : 4;
	if (jobs_s && (*end || jobs < 1 || jobs > MAX_JOBS)) {
		out_error("--jobs must be 1 to %d", MAX_JOBS);
		rc = 2;
		goto out;
	}
	if ((rc = cli_repo(cl, &repo)))
		goto out;
	if (all) {
		if (cc_repo_index_load(repo, &idx, &err)) {
			rc = out_fail(&err);
			goto out;
		}
		for (i = 0; i < idx.n; i++)
			if (!strcmp(idx.v[i].source, "acme") &&
			    strcmp(idx.v[i].status, "revoked") &&
			    idx.v[i].version > 0)
				cc_strlist_add(&names, idx.v[i].name);
	}
	for (i = 0; i < pos.n; i++) {
		if (cc_name_check(pos.v[i], &err)) {
			rc = out_fail(&err);
			goto out;
		}
		if (!cc_repo_cert_exists(repo, pos.v[i])) {
			out_error("no certificate named '%s'", pos.v[i]);
			rc = 1;
			goto out;
		}
		if (!cc_strlist_has(&names, pos.v[i]))
			cc_strlist_add(&names, pos.v[i]);
	}
	ocs = calloc(names.n ? names.n : 1, sizeof(*ocs));
	if (!ocs) {
		out_error("out of memory");
		rc = 1;
		goto out;
	}
	if ((size_t)jobs > names.n)
		jobs = (long)names.n;
	if (jobs > 1 && !ro.dry_run &&
	    (rc = share_standalone(cl, &ro, &names, &jobs, shared_dir,
				   &shared)))
		goto out;
	run_all(cl, &ro, &names, (int)jobs, ocs);
	for (i = 0; i < names.n; i++) {
		if (!ocs[i].result)
			ocs[i].result = "failed";
		nfail += !strcmp(ocs[i].result, "failed");
		nren += !strcmp(ocs[i].result, "renewed");
		npend += !strcmp(ocs[i].result, "pending");
	}
	if (out_json) {
		cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();

		for (i = 0; i < names.n; i++) {
			cJSON *x = cJSON_CreateObject();
			char t[32];

			cJSON_AddStringToObject(x, "name", ocs[i].name);
			cJSON_AddStringToObject(x, "result", ocs[i].result);
			cJSON_AddStringToObject(x, "detail", ocs[i].detail);
			if (ocs[i].version)
				cJSON_AddNumberToObject(x, "version",
							ocs[i].version);
			if (ocs[i].at) {
				cc_time_format(ocs[i].at, t, sizeof(t));
				cJSON_AddStringToObject(x, "at", t);
			}
			cJSON_AddItemToArray(a, x);
		}
		cJSON_AddItemToObject(o, "certificates", a);
		cJSON_AddNumberToObject(o, "renewed", (double)nren);
		cJSON_AddNumberToObject(o, "failed", (double)nfail);
		cJSON_AddNumberToObject(o, "pending", (double)npend);
		out_print_json(o);
	} else if (!out_quiet) {
		printf("%zu renewed, %zu failed, %zu pending, %zu checked\n",
		       nren, nfail, npend, names.n);
	}
	/* 1: something failed; 4: something waits for manual challenges */
	rc = nfail ? 1 : npend ? 4 : 0;
out:
	cc_solver_free(shared);
	if (shared_dir[0])
		cc_remove_tree(shared_dir, NULL);
	free(ocs);
	cc_index_release(&idx);
	cc_strlist_release(&pos);
	cc_strlist_release(&names);
	solve_opts_release(&ro.so);
	return rc;
}
