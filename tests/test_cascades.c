/* cli/cascades.c's path handling, both hosts' rules on any host: the file
 * is included so its static helpers can be called with windows 0 and 1.
 * Expected values are hand-derived. */
#include "test.h"
#include "../cli/cascades.c"

const char *cli_program_path = NULL;   /* cli/main.c's, absent from the test runner */

static void folders_end_at_the_hosts_separators(void)
{
    const char *w = "C:\\gan99\\bin\\gan99.exe", *mixed = "C:\\gan99/build\\gan99.exe";
    CHECK(last_separator(w, 1) == w + 12);
    CHECK(last_separator(w, 0) == NULL);                 /* a plain character on POSIX */
    CHECK(last_separator(mixed, 1) == mixed + 14);
    CHECK_EQ_STR("/gan99", last_separator("/usr/bin/gan99", 0));
    CHECK(last_separator("gan99", 1) == NULL);
}

static void lists_split_at_the_hosts_separator(void)
{
    char item[16];
    const char *l = "C:\\a;;D:\\b c;", *p;
    p = list_next(l, 1, item, sizeof item);
    CHECK_EQ_STR("C:\\a", item);
    p = list_next(p, 1, item, sizeof item);
    CHECK_EQ_STR("D:\\b c", item);                       /* the empty entry is skipped */
    CHECK(list_next(p, 1, item, sizeof item) == NULL);
    CHECK_EQ_STR("", item);
    /* POSIX: ':' separates, so the drive letter would split */
    p = list_next("C:\\a;D:\\b", 0, item, sizeof item);
    CHECK_EQ_STR("C", item);
    p = list_next("/opt/x:/usr/share/gan99/cascades:y", 0, item, sizeof item);
    CHECK_EQ_STR("/opt/x", item);
    /* an entry longer than the buffer is skipped, not cut */
    p = list_next(p, 0, item, sizeof item);
    CHECK_EQ_STR("y", item);
    CHECK(list_next(p, 0, item, sizeof item) == NULL);
    CHECK(list_next(NULL, 0, item, sizeof item) == NULL);
}

const test_case cascades_tests[] = {
    TEST(folders_end_at_the_hosts_separators),
    TEST(lists_split_at_the_hosts_separator),
    TEST_END
};
