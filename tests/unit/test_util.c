#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "util.h"

static void util_duration_parse(void **state)
{
	long long s;

	(void)state;
	assert_int_equal(cc_duration_parse("30d", &s, NULL), 0);
	assert_int_equal(s, 30LL * 86400);
	assert_int_equal(cc_duration_parse("12h", &s, NULL), 0);
	assert_int_equal(s, 12 * 3600);
	assert_int_equal(cc_duration_parse("1d12h", &s, NULL), 0);
	assert_int_equal(s, 86400 + 12 * 3600);
	assert_int_equal(cc_duration_parse("2w", &s, NULL), 0);
	assert_int_equal(s, 14 * 86400);
	assert_int_equal(cc_duration_parse("45", &s, NULL), 0);
	assert_int_equal(s, 45);
	assert_int_equal(cc_duration_parse("90m", &s, NULL), 0);
	assert_int_equal(s, 5400);
}

static void util_duration_rejects(void **state)
{
	static const char *const bad[] = { "", "d", "30x", "-1d", "1.5d",
					   "30 d", "1d12",
					   "99999999999999999999d" };
	struct cc_err err = CC_ERR_INIT;
	long long s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cc_duration_parse(bad[i], &s, &err),
				 CC_EUSAGE);
		assert_non_null(strstr(err.msg, "invalid duration"));
	}
}

static void util_duration_format(void **state)
{
	char b[32];

	(void)state;
	cc_duration_format(86400 + 3600, b, sizeof(b));
	assert_string_equal(b, "1d1h");
	cc_duration_format(45, b, sizeof(b));
	assert_string_equal(b, "45s");
	cc_duration_format(0, b, sizeof(b));
	assert_string_equal(b, "0s");
}

static void util_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(cc_edit_distance("cert", "cert"), 0);
	assert_int_equal(cc_edit_distance("crt", "cert"), 1);
	assert_int_equal(cc_edit_distance("lst", "list"), 1);
	assert_int_equal(cc_edit_distance("kitten", "sitting"), 3);
}

static void util_strlist_and_buf(void **state)
{
	struct cc_strlist l = CC_STRLIST_INIT;
	struct cc_buf b = CC_BUF_SECRET_INIT;
	char *d;
	size_t len;
	int i;

	(void)state;
	assert_int_equal(cc_strlist_add(&l, "a"), 0);
	assert_int_equal(cc_strlist_add(&l, "b"), 0);
	assert_true(cc_strlist_has(&l, "b"));
	assert_false(cc_strlist_has(&l, "c"));
	cc_strlist_release(&l);
	assert_int_equal(l.n, 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(cc_buf_addf(&b, "%d,", i), 0);
	assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
	assert_int_equal(b.data[b.len], '\0');
	d = cc_buf_detach(&b, &len);
	assert_int_equal(strlen(d), len);
	assert_null(b.data);
	free(d);
}

static void util_err_prefix(void **state)
{
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	assert_int_equal(cc_err_set(&err, CC_EIO, "cannot read '%s'", "x"),
			 CC_EIO);
	assert_int_equal(cc_err_prefix(&err, "cert '%s'", "www"), CC_EIO);
	assert_string_equal(err.msg, "cert 'www': cannot read 'x'");
	assert_int_equal(cc_err_set(NULL, CC_ENOENT, "x"), CC_ENOENT);
	assert_string_equal(cc_strerror(CC_ENOMEM), "out of memory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(util_duration_parse),
		cmocka_unit_test(util_duration_rejects),
		cmocka_unit_test(util_duration_format),
		cmocka_unit_test(util_edit_distance),
		cmocka_unit_test(util_strlist_and_buf),
		cmocka_unit_test(util_err_prefix),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
