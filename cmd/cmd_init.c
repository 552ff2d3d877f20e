/* certctl init: create the repository. */
#include <stdio.h>

#include "cmd.h"

int cmd_init(int argc, char **argv, struct cli *cl)
{
	static const struct opt opts[] = { OPT_END };
	static const struct cmd_usage u = { "certctl init",
		"Create the certificate repository (directories 0700) if it "
		"does not exist yet.", opts };
	struct cc_err err = CC_ERR_INIT;
	int rc = opt_parse(argc, argv, &u, NULL, 0, NULL);

	if (rc)
		return rc == 1 ? 0 : rc;
	if (cc_repo_init(cl->repo_path, &err))
		return out_fail(&err);
	if (out_json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "repository", cl->repo_path);
		cJSON_AddNumberToObject(o, "format", CC_REPO_FORMAT);
		out_print_json(o);
	} else if (!out_quiet) {
		printf("initialized certificate repository in %s\n",
		       cl->repo_path);
	}
	return 0;
}
