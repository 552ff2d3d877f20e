#include "renew.h"

#include <stddef.h>

long long cc_renew_backoff(int failures)
{
	if (failures <= 0)
		return 0;
	if (failures == 1)
		return 60;
	if (failures == 2)
		return 600;
	if (failures == 3)
		return 6000;
	return 86400;
}

void cc_renew_decide(const struct cc_renew_input *in, time_t now,
		     struct cc_renew_decision *out)
{
	long long interval = in->run_interval > 0 ? in->run_interval : 86400;
	long long lifetime, threshold, span;
	time_t at, retry;

	out->due = 0;
	out->at = 0;
	out->why = "not yet";
	if (in->force) {
		out->due = 1;
		out->why = "forced";
		return;
	}
	if (in->failures > 0) {
		retry = in->last_failure +
			(time_t)cc_renew_backoff(in->failures);
		if (now < retry) {
			out->at = retry;
			out->why = "backing off";
			return;
		}
	}
	if (in->renew_before > 0) {
		at = in->not_after - (time_t)in->renew_before;
		out->why = "renew-before";
	} else if (in->ari_start && in->ari_end >= in->ari_start) {
		span = (long long)(in->ari_end - in->ari_start);
		at = in->ari_start +
		     (time_t)(span ? (long long)(in->seed % 1000) * span / 1000 :
				     0);
		out->why = "ari window";
		/* the chosen point falls before the next run: renew now */
		if (at <= now + (time_t)interval && at > now)
			at = now;
	} else {
		lifetime = (long long)(in->not_after - in->not_before);
		if (lifetime <= 0)
			lifetime = 1;
		threshold = lifetime < 10 * 86400 ? lifetime / 2 :
						    lifetime / 3;
		at = in->not_after - (time_t)threshold;
		out->why = lifetime < 10 * 86400 ? "half of lifetime left" :
						   "one third of lifetime left";
	}
	out->at = at;
	if (now >= at)
		out->due = 1;
}
