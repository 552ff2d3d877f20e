/*
 * When to renew a certificate. ARI first: inside the CA's suggested window
 * (RFC 9773), at a point chosen once per window; renew at once when that
 * point comes before the next expected run. Without ARI: when one third of
 * the lifetime remains (one half for lifetimes under 10 days), so 6-day,
 * 45-day and 90-day certificates all behave. A fixed "renew before" is a
 * per-certificate override. Failures back off: 1 min, 10 min, 100 min,
 * then daily.
 */
#ifndef CERTCTL_RENEW_H
#define CERTCTL_RENEW_H

#include <time.h>

struct cc_renew_input {
	time_t not_before;
	time_t not_after;
	long long renew_before;	/* override in seconds, 0 = none */
	time_t ari_start;	/* ARI suggested window, 0 = none */
	time_t ari_end;
	long long run_interval;	/* seconds until the next expected run (cron);
				   0 = 1 day */
	unsigned seed;		/* per-certificate number that picks the point
				   in the ARI window (e.g. a hash of the serial) */
	int failures;		/* consecutive failed attempts */
	time_t last_failure;	/* time of the last failure */
	int force;
};

struct cc_renew_decision {
	int due;		/* renew now */
	time_t at;		/* when it will be due (or was), 0 if now */
	const char *why;	/* "ari window", "one third of lifetime left",
				   "renew-before", "forced", "backing off",
				   "not yet" */
};

void cc_renew_decide(const struct cc_renew_input *in, time_t now,
		     struct cc_renew_decision *out);

/* Back-off after n consecutive failures: 60, 600, 6000, then 86400 s. */
long long cc_renew_backoff(int failures);

#endif
