/* Helpers shared by the solver implementations (lib/solver*.c only). */
#ifndef CERTCTL_SOLVER_INT_H
#define CERTCTL_SOLVER_INT_H

#include <stddef.h>

#include "solver.h"

/*
 * Replace it->record with "<solver name> key=value ..." from nkv pairs
 * kv[2i], kv[2i+1] (pairs with a NULL value are left out), then call the
 * record callback.
 */
int cc_solver_record_set(struct cc_solver *s, struct cc_chal_item *it,
			 const char *const *kv, size_t nkv,
			 struct cc_err *err);

/* Free it->record (NULL) and call the record callback. */
int cc_solver_record_clear(struct cc_solver *s, struct cc_chal_item *it,
			   struct cc_err *err);

/* In a forked child: close every descriptor >= 3 except keep (or -1). */
void cc_solver_close_fds(int keep);

#endif
