#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ydoc.h"

static void ydoc_parse_nested(void **state)
{
	const char *text = "repo: /tmp/x\n"
			   "acme:\n"
			   "  servers:\n"
			   "    - letsencrypt\n"
			   "    - https://example.test/dir\n"
			   "empty:\n";
	struct cc_ynode *root = NULL, *acme, *srv;
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	assert_int_equal(cc_ydoc_parse(text, strlen(text), "t.yaml", &root,
				       &err), 0);
	assert_int_equal(root->type, CC_Y_MAP);
	assert_string_equal(cc_ymap_gets(root, "repo"), "/tmp/x");
	acme = cc_ymap_get(root, "acme");
	assert_non_null(acme);
	assert_int_equal(acme->key_lines[0], 3);
	srv = cc_ymap_get(acme, "servers");
	assert_int_equal(srv->type, CC_Y_SEQ);
	assert_int_equal(srv->n, 2);
	assert_string_equal(srv->items[1]->scalar, "https://example.test/dir");
	assert_int_equal(root->key_lines[2], 6);
	assert_string_equal(cc_ymap_gets(root, "empty"), "");
	cc_ynode_free(root);
}

static void ydoc_errors_name_file_and_line(void **state)
{
	const char *dup = "a: 1\nb: 2\na: 3\n";
	const char *bad = "a: 1\n  b: [\n";
	const char *alias = "a: &x 1\nb: *x\n";
	struct cc_ynode *root = NULL;
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	assert_int_equal(cc_ydoc_parse(dup, strlen(dup), "c.conf", &root, &err),
			 CC_ECONFIG);
	assert_null(root);
	assert_string_equal(err.msg, "c.conf:3: duplicate key 'a'");
	assert_int_equal(cc_ydoc_parse(bad, strlen(bad), "c.conf", &root, &err),
			 CC_ECONFIG);
	assert_non_null(strstr(err.msg, "c.conf:2:"));
	assert_int_equal(cc_ydoc_parse(alias, strlen(alias), "c.conf", &root,
				       &err), CC_ECONFIG);
	assert_non_null(strstr(err.msg, "aliases"));
}

static void ydoc_emit_round_trip(void **state)
{
	struct cc_ynode *root = cc_ynode_map(), *seq = cc_ynode_seq(), *back;
	struct cc_buf out = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	assert_int_equal(cc_ymap_sets(root, "name", "www.example.com"), 0);
	assert_int_equal(cc_ymap_sets(root, "flag", "yes"), 0);
	assert_int_equal(cc_ymap_sets(root, "multi", "a\nb: c\n"), 0);
	assert_int_equal(cc_ymap_setll(root, "n", -42), 0);
	assert_int_equal(cc_yseq_add(seq, cc_ynode_str("*.example.com")), 0);
	assert_int_equal(cc_yseq_add(seq, cc_ynode_str("#hash")), 0);
	assert_int_equal(cc_ymap_set(root, "names", seq), 0);
	assert_int_equal(cc_ymap_sets(root, "name", "replaced"), 0);
	assert_int_equal(root->n, 5);
	assert_int_equal(cc_ydoc_emit(root, &out, &err), 0);
	assert_int_equal(cc_ydoc_parse(out.data, out.len, "x", &back, &err), 0);
	assert_string_equal(cc_ymap_gets(back, "name"), "replaced");
	assert_string_equal(cc_ymap_gets(back, "flag"), "yes");
	assert_string_equal(cc_ymap_gets(back, "multi"), "a\nb: c\n");
	assert_string_equal(cc_ymap_gets(back, "n"), "-42");
	assert_string_equal(cc_ymap_get(back, "names")->items[0]->scalar,
			    "*.example.com");
	assert_string_equal(cc_ymap_get(back, "names")->items[1]->scalar,
			    "#hash");
	assert_non_null(strstr(out.data, "\"yes\""));
	cc_ynode_free(back);
	cc_ynode_free(root);
	cc_buf_release(&out);
}

static void ydoc_empty_is_map(void **state)
{
	struct cc_ynode *root = NULL;

	(void)state;
	assert_int_equal(cc_ydoc_parse("", 0, "e", &root, NULL), 0);
	assert_int_equal(root->type, CC_Y_MAP);
	assert_int_equal(root->n, 0);
	cc_ynode_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ydoc_parse_nested),
		cmocka_unit_test(ydoc_errors_name_file_and_line),
		cmocka_unit_test(ydoc_emit_round_trip),
		cmocka_unit_test(ydoc_empty_is_map),
	};
	return cmocka_run_group_tests_name("ydoc", tests, NULL, NULL);
}
