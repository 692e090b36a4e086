/* The error record: a status code and a message that names what went wrong. */
#include "base.h"

#include <stdarg.h>

int g99_fail(g99_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int g99_error_prefix(g99_error *err, const char *fmt, ...)
{
    char old[G99_ERROR_MSG_MAX];
    size_t n, rest;
    va_list ap;
    if (!err) return G99_EINVAL;
    memcpy(old, err->msg, sizeof old);
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* Then ": " and the old message, cut to what still fits. */
    n = strlen(err->msg);
    rest = sizeof err->msg - 1 - n;
    if (rest >= 2) {
        memcpy(err->msg + n, ": ", 2);
        n += 2;
        rest -= 2;
        old[sizeof old - 1] = '\0';
        if (strlen(old) < rest) rest = strlen(old);
        memcpy(err->msg + n, old, rest);
        err->msg[n + rest] = '\0';
    }
    return err->code;
}

void g99_error_clear(g99_error *err)
{
    if (err) {
        err->code = G99_OK;
        err->msg[0] = '\0';
    }
}

const char *g99_status_name(int code)
{
    switch (code) {
    case G99_OK: return "ok";
    case G99_EINVAL: return "invalid argument";
    case G99_EFORMAT: return "malformed input";
    case G99_ENOMEM: return "out of memory";
    case G99_EIO: return "I/O error";
    case G99_ELIMIT: return "limit exceeded";
    case G99_EUNSUPPORTED: return "unsupported";
    case G99_ESTOPPED: return "stopped on request";
    default: return "unknown error";
    }
}
