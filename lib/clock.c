#include "clock.h"

static time_t real_now(void *arg)
{
	(void)arg;
	return time(NULL);
}

static void real_sleep(void *arg, unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	(void)arg;
	while (nanosleep(&ts, &ts) != 0)
		;
}

const struct cc_clock cc_clock_real = { real_now, real_sleep, 0 };
