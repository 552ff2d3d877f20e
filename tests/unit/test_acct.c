#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "acct.h"
#include "key.h"
#include "testpki.h"

struct fx {
	char *dir;
	char root[4096];
	struct cc_repo *repo;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tp_mkdtemp();
	snprintf(f->root, sizeof(f->root), "%s/repo", f->dir);
	assert_int_equal(cc_repo_init(f->root, NULL), 0);
	assert_int_equal(cc_repo_open(&f->repo, f->root, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	cc_repo_free(f->repo);
	tp_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void make_acct(struct cc_acct *a, const char *server, const char *name,
		      const char *url)
{
	memset(a, 0, sizeof(*a));
	a->name = strdup(name);
	a->server = strdup(server);
	a->url = strdup(url);
	a->status = strdup("valid");
	a->contact = calloc(1, sizeof(char *));
	a->contact[0] = strdup("mailto:a@example.test");
	a->ncontact = 1;
	a->key = tp_key_ec();
	a->created = 1800000000;
}

static void acct_server_presets_and_ids(void **state)
{
	const char *u;
	char id[256];
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	assert_int_equal(cc_acme_server_url("letsencrypt", &u, NULL), 0);
	assert_string_equal(u, CC_ACME_LETSENCRYPT);
	assert_int_equal(cc_acme_server_url("letsencrypt-staging", &u, NULL), 0);
	assert_string_equal(u, CC_ACME_LETSENCRYPT_STAGING);
	assert_int_equal(cc_acme_server_url("https://ca.test/dir", &u, NULL), 0);
	assert_string_equal(u, "https://ca.test/dir");
	assert_int_equal(cc_acme_server_url("http://ca.test/dir", &u, &err),
			 CC_EUSAGE);
	assert_non_null(strstr(err.msg, "letsencrypt-staging"));
	cc_acct_server_id(CC_ACME_LETSENCRYPT, id, sizeof(id));
	assert_string_equal(id, "acme-v02.api.letsencrypt.org_directory");
	cc_acct_server_id("https://127.0.0.1:14000/dir", id, sizeof(id));
	assert_string_equal(id, "127.0.0.1_14000_dir");
	cc_acct_server_id("https://x/../../etc", id, sizeof(id));
	assert_null(strchr(id, '/'));
}

static void acct_save_load_round_trip(void **state)
{
	struct fx *f = *state;
	struct cc_acct a, b;
	char keypath[8192];
	struct stat st;

	make_acct(&a, "https://ca.test/dir", "default", "https://ca.test/acct/1");
	assert_int_equal(cc_acct_save(f->repo, &a, 0, NULL), 0);
	assert_true(a.is_default);
	assert_int_equal(cc_acct_load(f->repo, "https://ca.test/dir", NULL, &b,
				      NULL), 0);
	assert_string_equal(b.name, "default");
	assert_string_equal(b.url, "https://ca.test/acct/1");
	assert_int_equal(b.ncontact, 1);
	assert_string_equal(b.contact[0], "mailto:a@example.test");
	assert_int_equal(b.created, 1800000000);
	assert_true(cc_key_public_equal(a.key, b.key));
	assert_true(b.is_default);
	snprintf(keypath, sizeof(keypath),
		 "%s/accounts/ca.test_dir/default/key.pem", f->root);
	assert_int_equal(stat(keypath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	cc_acct_release(&a);
	cc_acct_release(&b);
}

static void acct_several_and_default(void **state)
{
	struct fx *f = *state;
	struct cc_acct a, b, c, *v = NULL;
	struct cc_err err = CC_ERR_INIT;
	size_t n = 0;

	make_acct(&a, "https://ca.test/dir", "first", "https://ca.test/acct/1");
	make_acct(&b, "https://ca.test/dir", "second", "https://ca.test/acct/2");
	make_acct(&c, "https://other.test/dir", "first", "https://o/acct/9");
	assert_int_equal(cc_acct_save(f->repo, &a, 0, NULL), 0);
	assert_int_equal(cc_acct_save(f->repo, &b, 0, NULL), 0);
	assert_false(b.is_default);
	assert_int_equal(cc_acct_save(f->repo, &c, 0, NULL), 0);
	assert_int_equal(cc_acct_list(f->repo, &v, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "first");
	assert_true(v[0].is_default);
	assert_false(v[1].is_default);
	cc_acct_list_free(v, n);
	/* make the second the default, then delete it: the default moves */
	assert_int_equal(cc_acct_save(f->repo, &b, 1, NULL), 0);
	cc_acct_release(&a);
	assert_int_equal(cc_acct_load(f->repo, "https://ca.test/dir", NULL, &a,
				      NULL), 0);
	assert_string_equal(a.name, "second");
	cc_acct_release(&a);
	assert_int_equal(cc_acct_delete(f->repo, "https://ca.test/dir", "second",
					NULL), 0);
	assert_int_equal(cc_acct_load(f->repo, "https://ca.test/dir", NULL, &a,
				      NULL), 0);
	assert_string_equal(a.name, "first");
	cc_acct_release(&a);
	assert_int_equal(cc_acct_delete(f->repo, "https://ca.test/dir", "nope",
					&err), CC_ENOENT);
	assert_int_equal(cc_acct_load(f->repo, "https://ca.test/dir", "../x",
				      &a, &err) != 0, 1);
	cc_acct_release(&a);
	cc_acct_release(&b);
	cc_acct_release(&c);
}

static void acct_missing(void **state)
{
	struct fx *f = *state;
	struct cc_acct a;
	struct cc_err err = CC_ERR_INIT;

	assert_int_equal(cc_acct_load(f->repo, "https://none.test/dir", NULL,
				      &a, &err), CC_ENOENT);
	assert_non_null(strstr(err.msg, "account register"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(acct_server_presets_and_ids),
		cmocka_unit_test_setup_teardown(acct_save_load_round_trip,
						setup, teardown),
		cmocka_unit_test_setup_teardown(acct_several_and_default, setup,
						teardown),
		cmocka_unit_test_setup_teardown(acct_missing, setup, teardown),
	};
	return cmocka_run_group_tests_name("acct", tests, NULL, NULL);
}
