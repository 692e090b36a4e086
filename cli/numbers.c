/* Numbers on the command line: every numeric flag of every command goes
 * through these, so "3x", "", "-1" for a count, 99999999999999999999, inf,
 * nan and 1e999 are refused the same way everywhere, with the flag named:
 *
 *   gan99: sample: --seed: 99999999999999999999 is out of range (0..18446744073709551615)
 *
 * Integers are plain decimal (an optional sign, then digits: no spaces,
 * no hex, no exponent); decimals are what strtod reads, finite only. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "'3x' is not an integer"-style reasons quote the text; an empty value
 * gets its own words since '' is easy to miss. */
static int not_a(const cli_command *cmd, const char *flag, const char *s, const char *what)
{
    if (!*s) return cli_usage_error(cmd, "%s: an empty value is not %s", flag, what);
    return cli_usage_error(cmd, "%s: '%s' is not %s", flag, s, what);
}

/* The digits of s after an optional sign: 1 when s is [+-]?[0-9]+. */
static int is_decimal(const char *s)
{
    if (*s == '+' || *s == '-') s++;
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

int cli_parse_i64(const cli_command *cmd, const char *flag, const char *s, int64_t lo, int64_t hi, int64_t *v)
{
    long long x;
    char *end;
    if (!is_decimal(s)) return not_a(cmd, flag, s, "an integer");
    errno = 0;
    x = strtoll(s, &end, 10);
    if (errno == ERANGE || x < lo || x > hi)
        return cli_usage_error(cmd, "%s: %s is out of range (%lld..%lld)", flag, s, (long long)lo, (long long)hi);
    *v = (int64_t)x;
    return 0;
}

int cli_parse_u64(const cli_command *cmd, const char *flag, const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
    unsigned long long x;
    char *end;
    if (!is_decimal(s)) return not_a(cmd, flag, s, "an integer");
    errno = 0;
    /* strtoull takes "-1" as 2^64-1: a sign is out of range by hand. */
    x = s[0] == '-' ? 0 : strtoull(s, &end, 10);
    if (errno == ERANGE || (s[0] == '-' && strspn(s + 1, "0") != strlen(s + 1)) || x < lo || x > hi)
        return cli_usage_error(cmd, "%s: %s is out of range (%llu..%llu)", flag, s, (unsigned long long)lo,
                               (unsigned long long)hi);
    *v = (uint64_t)x;
    return 0;
}

int cli_parse_int(const cli_command *cmd, const char *flag, const char *s, int lo, int hi, int *v)
{
    int64_t x;
    if (cli_parse_i64(cmd, flag, s, lo, hi, &x)) return CLI_BAD_INPUT;
    *v = (int)x;
    return 0;
}

int cli_parse_double(const cli_command *cmd, const char *flag, const char *s, double lo, double hi, double *v)
{
    double x;
    char *end;
    const char *c;
    /* strtod also reads "inf", "nan" and hex floats: only digits, a sign,
     * a point and an exponent are numbers here. */
    for (c = s; *c; c++)
        if (!strchr("0123456789+-.eE", *c)) break;
    if (!*s || *c) {
        if (*c && (strstr(s, "inf") || strstr(s, "INF") || strstr(s, "nan") || strstr(s, "NAN") ||
                   strstr(s, "Inf") || strstr(s, "NaN")))
            return cli_usage_error(cmd, "%s: '%s' is not a finite number", flag, s);
        return not_a(cmd, flag, s, "a number");
    }
    errno = 0;
    x = strtod(s, &end);
    if (end == s || *end) return not_a(cmd, flag, s, "a number");
    /* Overflow gives HUGE_VAL and ERANGE; underflow (1e-999) is a fine 0. */
    if ((errno == ERANGE && fabs(x) > 1.0) || !(x >= lo && x <= hi))
        return cli_usage_error(cmd, "%s: %s is out of range (%g..%g)", flag, s, lo, hi);
    *v = x;
    return 0;
}

/* ---- options: 1 taken, 0 not this flag, -1 reported ---- */

int cli_opt_str(const cli_command *cmd, int argc, char **argv, int *i, const char *name, const char **value)
{
    if (strcmp(argv[*i], name) != 0) return 0;
    if (*i + 1 >= argc) {
        cli_usage_error(cmd, "%s needs a value", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

int cli_opt_int(const cli_command *cmd, int argc, char **argv, int *i, const char *name, int lo, int hi, int *v)
{
    const char *s = NULL;
    int rc = cli_opt_str(cmd, argc, argv, i, name, &s);
    if (rc != 1) return rc;
    return cli_parse_int(cmd, name, s, lo, hi, v) ? -1 : 1;
}

int cli_opt_u64(const cli_command *cmd, int argc, char **argv, int *i, const char *name, uint64_t lo, uint64_t hi,
                uint64_t *v)
{
    const char *s = NULL;
    int rc = cli_opt_str(cmd, argc, argv, i, name, &s);
    if (rc != 1) return rc;
    return cli_parse_u64(cmd, name, s, lo, hi, v) ? -1 : 1;
}

int cli_opt_double(const cli_command *cmd, int argc, char **argv, int *i, const char *name, double lo, double hi,
                   double *v)
{
    const char *s = NULL;
    int rc = cli_opt_str(cmd, argc, argv, i, name, &s);
    if (rc != 1) return rc;
    return cli_parse_double(cmd, name, s, lo, hi, v) ? -1 : 1;
}

int cli_opt_long(const cli_command *cmd, int argc, char **argv, int *i, const char *name, long *value)
{
    const char *s = NULL;
    int64_t x;
    int rc = cli_opt_str(cmd, argc, argv, i, name, &s);
    if (rc != 1) return rc;
    if (cli_parse_i64(cmd, name, s, LONG_MIN, LONG_MAX, &x)) return -1;
    *value = (long)x;
    return 1;
}

const char *cli_list_next(const char *s, char sep, char *item, size_t size)
{
    const char *end = strchr(s, sep);
    size_t n = end ? (size_t)(end - s) : strlen(s);
    if (n + 1 <= size) {
        memcpy(item, s, n);
        item[n] = '\0';
    } else {
        /* Longer than any number: shown cut, and the "..." makes sure it
         * is refused rather than read as its first digits. */
        memcpy(item, s, size - 4);
        strcpy(item + size - 4, "...");
    }
    return end ? end + 1 : NULL;
}

int cli_parse_wxh(const cli_command *cmd, const char *flag, const char *s, int square, int lo, int hi, int *w, int *h)
{
    char item[64];
    const char *rest = cli_list_next(s, 'x', item, sizeof item);
    if ((!rest && !square) || (rest && strchr(rest, 'x')))
        return cli_usage_error(cmd, "%s wants WxH%s, not '%s'", flag, square ? " or N" : "", s);
    if (cli_parse_int(cmd, flag, item, lo, hi, w)) return CLI_BAD_INPUT;
    if (!rest) {
        *h = *w;
        return 0;
    }
    return cli_parse_int(cmd, flag, rest, lo, hi, h);
}
