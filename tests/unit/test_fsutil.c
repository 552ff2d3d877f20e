#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "testpki.h"

static int setup(void **state)
{
	*state = tp_mkdtemp();
	return 0;
}

static int teardown(void **state)
{
	tp_rmtree(*state);
	free(*state);
	cc_fault_set(-1);
	return 0;
}

static void fsutil_write_atomic_replaces_and_sets_mode(void **state)
{
	char path[4096];
	struct cc_buf b = CC_BUF_INIT;
	struct stat st;

	snprintf(path, sizeof(path), "%s/f", (char *)*state);
	assert_int_equal(cc_write_atomic(path, "one", 3, 0600, NULL), 0);
	assert_int_equal(cc_write_atomic(path, "second", 6, 0644, NULL), 0);
	assert_int_equal(cc_read_file(path, &b, NULL), 0);
	assert_string_equal(b.data, "second");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	cc_buf_release(&b);
}

static void fsutil_injected_failure_keeps_old_file(void **state)
{
	char path[4096];
	struct cc_buf b = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;

	snprintf(path, sizeof(path), "%s/f", (char *)*state);
	assert_int_equal(cc_write_atomic(path, "old", 3, 0600, NULL), 0);
	cc_fault_set(0);
	assert_int_equal(cc_write_atomic(path, "new content", 11, 0600, &err),
			 CC_EIO);
	assert_non_null(strstr(err.msg, "injected failure"));
	assert_int_equal(cc_read_file(path, &b, NULL), 0);
	assert_string_equal(b.data, "old");
	/* no temp file left behind: the directory holds only f */
	{
		DIR *d = opendir(*state);
		struct dirent *de;
		int n = 0;

		assert_non_null(d);
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				n++, assert_string_equal(de->d_name, "f");
		closedir(d);
		assert_int_equal(n, 1);
	}
	cc_buf_release(&b);
}

static void fsutil_fault_countdown(void **state)
{
	(void)state;
	cc_fault_set(2);
	assert_int_equal(cc_fault_check("a", NULL), 0);
	assert_int_equal(cc_fault_check("b", NULL), 0);
	assert_int_equal(cc_fault_check("c", NULL), CC_EIO);
	/* fires once, then off */
	assert_int_equal(cc_fault_check("d", NULL), 0);
}

static void fsutil_read_missing_and_directory(void **state)
{
	struct cc_buf b = CC_BUF_INIT;
	struct cc_err err = CC_ERR_INIT;
	char path[4096];

	snprintf(path, sizeof(path), "%s/none", (char *)*state);
	assert_int_equal(cc_read_file(path, &b, &err), CC_ENOENT);
	assert_non_null(strstr(err.msg, "cannot open"));
	assert_int_equal(cc_read_file(*state, &b, &err), CC_EINVAL);
	cc_buf_release(&b);
}

static void fsutil_mkdir_p_and_remove_tree(void **state)
{
	char path[4096], link[4200], outside[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/a/b/c", (char *)*state);
	assert_int_equal(cc_mkdir_p(path, 0700, NULL), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* a symlink inside is removed, not followed */
	snprintf(outside, sizeof(outside), "%s/keep", (char *)*state);
	assert_int_equal(mkdir(outside, 0700), 0);
	snprintf(link, sizeof(link), "%s/a/b/l", (char *)*state);
	assert_int_equal(symlink(outside, link), 0);
	snprintf(path, sizeof(path), "%s/a", (char *)*state);
	assert_int_equal(cc_remove_tree(path, NULL), 0);
	assert_false(cc_exists(path));
	assert_true(cc_exists(outside));
	assert_int_equal(cc_remove_tree(path, NULL), 0);
}

static void fsutil_lock_excludes_other_processes(void **state)
{
	char path[4096];
	struct cc_err err = CC_ERR_INIT;
	int fd = -1, status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/lock", (char *)*state);
	assert_int_equal(cc_lock(path, 0, &fd, NULL), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int f2 = -1;
		int rc = cc_lock(path, 50, &f2, &err);

		_exit(rc == CC_ELOCKED && strstr(err.msg, "locked") ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cc_unlock(fd);
	pid = fork();
	if (pid == 0) {
		int f2 = -1;

		_exit(cc_lock(path, 0, &f2, NULL) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			fsutil_write_atomic_replaces_and_sets_mode, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			fsutil_injected_failure_keeps_old_file, setup, teardown),
		cmocka_unit_test_setup_teardown(fsutil_fault_countdown, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			fsutil_read_missing_and_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(
			fsutil_mkdir_p_and_remove_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(
			fsutil_lock_excludes_other_processes, setup, teardown),
	};
	return cmocka_run_group_tests_name("fsutil", tests, NULL, NULL);
}
