/* Tests for lib/b64.c: RFC 4648 section 10 vectors and error cases. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "b64.h"

static const char *const vec_in[] = {
	"", "f", "fo", "foo", "foob", "fooba", "foobar"
};
static const char *const vec_b64[] = {
	"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"
};
static const char *const vec_url[] = {
	"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"
};

static void b64_rfc4648_vectors(void **state)
{
	struct cc_buf b = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vec_in) / sizeof(vec_in[0]); i++) {
		cc_buf_reset(&b);
		assert_int_equal(cc_b64_encode(vec_in[i], strlen(vec_in[i]),
					       &b), CC_OK);
		assert_string_equal(b.data, vec_b64[i]);
		cc_buf_reset(&b);
		assert_int_equal(cc_b64url_encode(vec_in[i],
						  strlen(vec_in[i]), &b),
				 CC_OK);
		assert_string_equal(b.data, vec_url[i]);
		cc_buf_reset(&b);
		assert_int_equal(cc_b64_decode(vec_b64[i], strlen(vec_b64[i]),
					       &b, &err), CC_OK);
		assert_int_equal(b.len, strlen(vec_in[i]));
		assert_string_equal(b.data, vec_in[i]);
		cc_buf_reset(&b);
		assert_int_equal(cc_b64url_decode(vec_url[i],
						  strlen(vec_url[i]), &b,
						  &err), CC_OK);
		assert_string_equal(b.data, vec_in[i]);
		/* unpadded standard and padded url are accepted too */
		cc_buf_reset(&b);
		assert_int_equal(cc_b64_decode(vec_url[i], strlen(vec_url[i]),
					       &b, &err), CC_OK);
		assert_string_equal(b.data, vec_in[i]);
		cc_buf_reset(&b);
		assert_int_equal(cc_b64url_decode(vec_b64[i],
						  strlen(vec_b64[i]), &b,
						  &err), CC_OK);
		assert_string_equal(b.data, vec_in[i]);
	}
	cc_buf_release(&b);
}

static void b64_alphabets_differ(void **state)
{
	static const unsigned char bin[] = { 0xfb, 0xff, 0xbf, 0x00, 0x3e };
	struct cc_buf b = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	assert_int_equal(cc_b64_encode(bin, sizeof(bin), &b), CC_OK);
	assert_string_equal(b.data, "+/+/AD4=");
	cc_buf_reset(&b);
	assert_int_equal(cc_b64url_encode(bin, sizeof(bin), &b), CC_OK);
	assert_string_equal(b.data, "-_-_AD4");
	cc_buf_reset(&b);
	assert_int_equal(cc_b64url_decode("-_-_AD4", 7, &b, &err), CC_OK);
	assert_int_equal(b.len, sizeof(bin));
	assert_memory_equal(b.data, bin, sizeof(bin));
	cc_buf_reset(&b);
	assert_int_equal(cc_b64_decode("+/+/AD4=", 8, &b, &err), CC_OK);
	assert_memory_equal(b.data, bin, sizeof(bin));
	/* each alphabet rejects the other's characters */
	cc_buf_reset(&b);
	assert_int_equal(cc_b64_decode("-_-_AD4", 7, &b, &err), CC_EINVAL);
	assert_int_equal(b.len, 0);
	assert_int_equal(cc_b64url_decode("+/+/AD4=", 8, &b, &err),
			 CC_EINVAL);
	assert_int_equal(err.code, CC_EINVAL);
	assert_int_equal(b.len, 0);
	cc_buf_release(&b);
}

static void b64_appends_and_whitespace(void **state)
{
	struct cc_buf b = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	const char *pem = "Zm9v\r\nYmFy\n Zg==\n";

	(void)state;
	assert_int_equal(cc_buf_adds(&b, "x:"), CC_OK);
	assert_int_equal(cc_b64url_encode("foo", 3, &b), CC_OK);
	assert_string_equal(b.data, "x:Zm9v");
	cc_buf_reset(&b);
	assert_int_equal(cc_b64_decode(pem, strlen(pem), &b, &err), CC_OK);
	assert_string_equal(b.data, "foobarf");
	/* url decoding does not skip whitespace */
	cc_buf_reset(&b);
	assert_int_equal(cc_b64url_decode("Zm9v\nYmFy", 9, &b, &err),
			 CC_EINVAL);
	cc_buf_release(&b);
}

static void b64_rejects_bad_input(void **state)
{
	static const char *const bad[] = {
		"Z", "Zm9vY", "Zg=", "Zg===", "Z===", "Zg==Zg==", "Zm9v!",
		"Zm=v", "\x80\x81",
	};
	struct cc_buf b = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	size_t i;

	(void)state;
	assert_int_equal(cc_buf_adds(&b, "keep"), CC_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cc_err_clear(&err);
		assert_int_equal(cc_b64_decode(bad[i], strlen(bad[i]), &b,
					       &err), CC_EINVAL);
		assert_int_equal(err.code, CC_EINVAL);
		assert_string_equal(b.data, "keep");
		assert_int_equal(cc_b64url_decode(bad[i], strlen(bad[i]), &b,
						  NULL), CC_EINVAL);
		assert_string_equal(b.data, "keep");
	}
	cc_buf_release(&b);
}

static void b64_roundtrip_all_bytes(void **state)
{
	unsigned char bin[256];
	struct cc_buf e = CC_BUF_INIT, d = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(255 - i);
	for (n = 0; n <= sizeof(bin); n += 37) {
		cc_buf_reset(&e);
		cc_buf_reset(&d);
		assert_int_equal(cc_b64url_encode(bin, n, &e), CC_OK);
		assert_null(memchr(e.data, '=', e.len));
		assert_int_equal(cc_b64url_decode(e.data, e.len, &d, &err),
				 CC_OK);
		assert_int_equal(d.len, n);
		assert_memory_equal(d.data, bin, n);
		cc_buf_reset(&e);
		cc_buf_reset(&d);
		assert_int_equal(cc_b64_encode(bin, n, &e), CC_OK);
		assert_int_equal(e.len % 4, 0);
		assert_int_equal(cc_b64_decode(e.data, e.len, &d, &err),
				 CC_OK);
		assert_int_equal(d.len, n);
		assert_memory_equal(d.data, bin, n);
	}
	cc_buf_release(&e);
	cc_buf_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(b64_rfc4648_vectors),
		cmocka_unit_test(b64_alphabets_differ),
		cmocka_unit_test(b64_appends_and_whitespace),
		cmocka_unit_test(b64_rejects_bad_input),
		cmocka_unit_test(b64_roundtrip_all_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
