#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "config.h"

static int parse(const char *text, struct cc_config **cfg,
		 struct cc_err *err)
{
	return cc_config_parse(text, strlen(text), "t.conf", cfg, err);
}

static void config_valid_values(void **state)
{
	struct cc_config *cfg = NULL;
	struct cc_err err = CC_ERR_INIT;
	const char *text = "repository: /srv/certs\n"
			   "lock-timeout: 1m\n"
			   "defaults:\n"
			   "  key-type: rsa:3072\n"
			   "  digest: sha384\n"
			   "acme:\n"
			   "  server: letsencrypt-staging\n"
			   "  follow-cname: yes\n"
			   "  dns-resolvers: [127.0.0.1, \"::1\"]\n"
			   "dns-providers:\n"
			   "  main:\n"
			   "    type: rfc2136\n"
			   "    server: 127.0.0.1:5353\n";

	(void)state;
	if (parse(text, &cfg, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(cc_config_get(cfg, "repository"), "/srv/certs");
	assert_string_equal(cc_config_get(cfg, "defaults.key-type"),
			    "rsa:3072");
	assert_int_equal(cc_config_duration(cfg, "lock-timeout", 5), 60);
	assert_string_equal(cc_config_get(cfg, "defaults.digest"), "sha384");
	assert_int_equal(cc_config_duration(cfg, "acme.dns-wait", 7), 7);
	assert_int_equal(cc_config_bool(cfg, "acme.follow-cname", 0), 1);
	assert_int_equal(cc_config_bool(cfg, "acme.missing", 1), 1);
	assert_string_equal(cc_config_get(cfg, "dns-providers.main.type"),
			    "rfc2136");
	assert_int_equal(cc_config_node(cfg, "acme.dns-resolvers")->n, 2);
	assert_null(cc_config_get(cfg, "acme.nothing"));
	cc_config_free(cfg);
}

static void config_rejects_with_file_and_line(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "repository: /x\nfoo: 1\n",
		  "t.conf:2: unknown key 'foo'" },
		{ "defaults:\n  key-type: dsa\n",
		  "t.conf:2: 'defaults.key-type': 'dsa' is not one of" },
		{ "acme:\n  server: x\n  webroots: /x\n",
		  "t.conf:3: unknown key 'acme.webroots'" },
		{ "lock-timeout: forever\n",
		  "t.conf:1: 'lock-timeout': invalid duration 'forever'" },
		{ "acme:\n  jobs: many\n",
		  "t.conf:2: 'acme.jobs': 'many' is not a number" },
		{ "acme:\n  follow-cname: maybe\n",
		  "t.conf:2: 'acme.follow-cname': 'maybe' is not true" },
		{ "defaults: 3\n", "t.conf:1: 'defaults' must be a mapping" },
		{ "defaults:\n  renew-before: 30d\n",
		  "t.conf:2: unknown key 'defaults.renew-before'" },
		{ "dns-providers:\n  cf:\n    type: cloudflare\n    tokn: x\n",
		  "t.conf:4: unknown key 'dns-providers.cf.tokn'" },
		{ "- a\n- b\n", "the configuration must be a mapping" },
		{ "repository: [a]\n",
		  "t.conf:1: 'repository' must be a single value" },
	};
	struct cc_config *cfg;
	struct cc_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cc_err_clear(&err);
		cfg = (struct cc_config *)1;
		assert_int_equal(parse(cases[i].text, &cfg, &err), CC_ECONFIG);
		assert_null(cfg);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: got '%s'", i, err.msg);
	}
}

static void config_empty_and_missing(void **state)
{
	struct cc_config *cfg = NULL;
	struct cc_err err = CC_ERR_INIT;

	(void)state;
	assert_int_equal(cc_config_empty(&cfg, &err), 0);
	assert_null(cc_config_get(cfg, "repository"));
	cc_config_free(cfg);
	assert_int_equal(cc_config_load("/nonexistent/certctl.conf", &cfg,
					&err), CC_ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_valid_values),
		cmocka_unit_test(config_rejects_with_file_and_line),
		cmocka_unit_test(config_empty_and_missing),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
