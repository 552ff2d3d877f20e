/* Injectable clock and sleep, so polling and back-off are testable. */
#ifndef CERTCTL_CLOCK_H
#define CERTCTL_CLOCK_H

#include <time.h>

struct cc_clock {
	time_t (*now)(void *arg);
	/* sleep ms milliseconds */
	void (*sleep_ms)(void *arg, unsigned ms);
	void *arg;
};

/* The real clock (time(), nanosleep()). */
extern const struct cc_clock cc_clock_real;

static inline time_t cc_now(const struct cc_clock *c)
{
	return c->now(c->arg);
}

static inline void cc_sleep_ms(const struct cc_clock *c, unsigned ms)
{
	c->sleep_ms(c->arg, ms);
}

#endif
