#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "renew.h"

#define DAY 86400L
static const time_t T0 = 1800000000;	/* 2027-01-15 */

static struct cc_renew_input lifetime(long days)
{
	struct cc_renew_input in;

	memset(&in, 0, sizeof(in));
	in.not_before = T0;
	in.not_after = T0 + days * DAY;
	return in;
}

static void renew_90_day_at_one_third(void **state)
{
	struct cc_renew_input in = lifetime(90);
	struct cc_renew_decision d;

	(void)state;
	cc_renew_decide(&in, T0 + 59 * DAY, &d);
	assert_false(d.due);
	assert_int_equal(d.at, T0 + 60 * DAY);
	cc_renew_decide(&in, T0 + 60 * DAY, &d);
	assert_true(d.due);
	assert_string_equal(d.why, "one third of lifetime left");
}

static void renew_45_day_and_6_day(void **state)
{
	struct cc_renew_input in = lifetime(45);
	struct cc_renew_decision d;

	(void)state;
	cc_renew_decide(&in, T0 + 29 * DAY, &d);
	assert_false(d.due);
	cc_renew_decide(&in, T0 + 30 * DAY, &d);
	assert_true(d.due);
	in = lifetime(6);	/* short-lived: renew at half */
	cc_renew_decide(&in, T0 + 2 * DAY, &d);
	assert_false(d.due);
	assert_int_equal(d.at, T0 + 3 * DAY);
	cc_renew_decide(&in, T0 + 3 * DAY, &d);
	assert_true(d.due);
	assert_string_equal(d.why, "half of lifetime left");
}

static void renew_before_override(void **state)
{
	struct cc_renew_input in = lifetime(90);
	struct cc_renew_decision d;

	(void)state;
	in.renew_before = 7 * DAY;
	cc_renew_decide(&in, T0 + 70 * DAY, &d);
	assert_false(d.due);
	cc_renew_decide(&in, T0 + 83 * DAY, &d);
	assert_true(d.due);
	assert_string_equal(d.why, "renew-before");
}

static void renew_ari_window_first(void **state)
{
	struct cc_renew_input in = lifetime(90);
	struct cc_renew_decision d;

	(void)state;
	/* the CA asks for an early renewal (e.g. mass revocation) */
	in.ari_start = T0 + 10 * DAY;
	in.ari_end = T0 + 12 * DAY;
	in.seed = 500;		/* middle of the window */
	in.run_interval = 3600;
	cc_renew_decide(&in, T0 + 5 * DAY, &d);
	assert_false(d.due);
	assert_int_equal(d.at, T0 + 11 * DAY);
	assert_string_equal(d.why, "ari window");
	cc_renew_decide(&in, T0 + 11 * DAY, &d);
	assert_true(d.due);
	/* lifetime rule would say not yet: ARI wins */
	assert_true(T0 + 11 * DAY < in.not_after - 30 * DAY);
}

static void renew_ari_point_before_next_run(void **state)
{
	struct cc_renew_input in = lifetime(90);
	struct cc_renew_decision d;

	(void)state;
	in.ari_start = T0 + 60 * DAY;
	in.ari_end = T0 + 62 * DAY;
	in.seed = 999;		/* late in the window */
	in.run_interval = 7 * DAY;	/* weekly cron */
	/* the point is after now but before the next weekly run */
	cc_renew_decide(&in, T0 + 57 * DAY, &d);
	assert_true(d.due);
	/* with an hourly run the same moment is not due yet */
	in.run_interval = 3600;
	cc_renew_decide(&in, T0 + 57 * DAY, &d);
	assert_false(d.due);
}

static void renew_backoff_after_failures(void **state)
{
	struct cc_renew_input in = lifetime(90);
	struct cc_renew_decision d;
	time_t now = T0 + 70 * DAY;

	(void)state;
	assert_int_equal(cc_renew_backoff(1), 60);
	assert_int_equal(cc_renew_backoff(2), 600);
	assert_int_equal(cc_renew_backoff(3), 6000);
	assert_int_equal(cc_renew_backoff(4), 86400);
	assert_int_equal(cc_renew_backoff(40), 86400);
	in.failures = 2;
	in.last_failure = now - 300;
	cc_renew_decide(&in, now, &d);
	assert_false(d.due);
	assert_string_equal(d.why, "backing off");
	assert_int_equal(d.at, now + 300);
	cc_renew_decide(&in, now + 300, &d);
	assert_true(d.due);
	in.force = 1;
	in.last_failure = now;
	cc_renew_decide(&in, now, &d);
	assert_true(d.due);
	assert_string_equal(d.why, "forced");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(renew_90_day_at_one_third),
		cmocka_unit_test(renew_45_day_and_6_day),
		cmocka_unit_test(renew_before_override),
		cmocka_unit_test(renew_ari_window_first),
		cmocka_unit_test(renew_ari_point_before_next_run),
		cmocka_unit_test(renew_backoff_after_failures),
	};
	return cmocka_run_group_tests_name("renew", tests, NULL, NULL);
}
