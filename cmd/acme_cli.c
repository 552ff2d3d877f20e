/* certctl acme: sessions shared by the acme subcommands, and dispatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acme_cli.h"
#include "clock.h"

int acme_server(struct cli *cl, const struct acme_common *o, const char **url)
{
	struct cc_err err = CC_ERR_INIT;
	const char *s = o->server ? o->server :
			cc_config_get(cl->cfg, "acme.server");

	if (cc_acme_server_url(s, url, &err))
		return out_fail(&err);
	return 0;
}

int acme_open(struct cli *cl, const struct acme_common *o, int need_account,
	      struct acme_session *s)
{
	struct cc_http_opts hopts;
	struct cc_err err = CC_ERR_INIT;
	struct cc_repo *repo;
	const char *acct_name = o->account ? o->account :
				cc_config_get(cl->cfg, "acme.account");
	long long pt;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = acme_server(cl, o, &s->server)))
		return rc;
	memset(&hopts, 0, sizeof(hopts));
	hopts.ca_bundle = o->ca_bundle ? o->ca_bundle :
			  cc_config_get(cl->cfg, "acme.ca-bundle");
	if (hopts.ca_bundle) {
		s->ca_bundle = realpath(hopts.ca_bundle, NULL);
		if (!s->ca_bundle) {
			out_error("cannot read CA bundle '%s'", hopts.ca_bundle);
			return 2;
		}
		hopts.ca_bundle = s->ca_bundle;
	}
	hopts.user_agent = "certctl/" CERTCTL_VERSION;
	if (cc_http_curl_new(&s->http, &hopts, &err))
		return out_fail(&err);
	if (!need_account)
		return 0;
	if ((rc = cli_repo(cl, &repo)))
		return rc;
	if (cc_acct_load(repo, s->server, acct_name, &s->acct, &err))
		return out_fail(&err);
	s->have_acct = 1;
	if (cc_acme_new(&s->acme, s->server, s->http, &cc_clock_real,
			s->acct.key, s->acct.url, &err))
		return out_fail(&err);
	pt = cc_config_duration(cl->cfg, "acme.poll-timeout", 0);
	if (pt > 0) {
		struct cc_acme_opts ao;

		memset(&ao, 0, sizeof(ao));
		ao.poll_timeout = (unsigned)pt;
		cc_acme_set_opts(s->acme, &ao);
	}
	return 0;
}

void acme_close(struct acme_session *s)
{
	cc_acme_free(s->acme);
	cc_http_free(s->http);
	cc_acct_release(&s->acct);
	free(s->ca_bundle);
	memset(s, 0, sizeof(*s));
}

