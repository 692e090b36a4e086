/* The Windows side of the OS seam (base/platform.c has the POSIX side and
 * the plain C99 fallback): the same functions with the same contracts,
 * through the Win32 API, which is Windows' libc-level interface.
 *
 * File names are UTF-8 inside gan99, as on Linux and macOS; every call that
 * takes a name converts it to UTF-16 and uses the wide ("W") function, so a
 * name in any script works whatever the ANSI code page is. Forward slashes
 * work as separators (Win32 accepts both), and the listing joins with '/',
 * so a folder lists the same bytes on every system.
 *
 * Durability: FlushFileBuffers is Windows' fsync, and MoveFileExW with
 * MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH replaces the
 * destination in one step and returns only once the move is on disk (the
 * folder entry included, so no folder sync is needed or possible).
 *
 * Stop requests: Ctrl-C and Ctrl-Break reach a console program through
 * SetConsoleCtrlHandler (on a thread of their own); raise(SIGINT) and
 * raise(SIGTERM) inside the process go through the C runtime's signal(),
 * which resets the handler on delivery, so the handler reinstalls itself. */
#ifdef _WIN32

#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0600   /* Vista: PROCESS_QUERY_LIMITED_INFORMATION */
#endif
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <shellapi.h>   /* CommandLineToArgvW */

#include "base.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

/* errno for the last Win32 error, so messages read as on POSIX
 * (strerror(errno)) and callers test EEXIST as they do there. */
static int errno_from_win32(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_PATHNAME: return ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_WRITE_PROTECT: return EACCES;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS: return EEXIST;
    case ERROR_DIRECTORY: return ENOTDIR;
    case ERROR_DIR_NOT_EMPTY: return ENOTEMPTY;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL: return ENOSPC;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY: return ENOMEM;
    case ERROR_FILENAME_EXCED_RANGE: return ENAMETOOLONG;
    case ERROR_INVALID_NAME:
    case ERROR_INVALID_PARAMETER:
    case ERROR_NO_UNICODE_TRANSLATION: return EINVAL;
    default: return EIO;
    }
}

static void set_errno_from_win32(void) { errno = errno_from_win32(GetLastError()); }

/* UTF-8 to UTF-16, malloc'd; NULL with errno set when s is not UTF-8 or
 * memory is short. */
static wchar_t *to_wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w;
    if (n <= 0) {
        errno = EINVAL;
        return NULL;
    }
    w = (wchar_t *)malloc((size_t)n * sizeof *w);
    if (!w) {
        errno = ENOMEM;
        return NULL;
    }
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
    return w;
}

static char *to_utf8(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s;
    if (n <= 0) {
        errno = EINVAL;
        return NULL;
    }
    s = (char *)malloc((size_t)n);
    if (!s) {
        errno = ENOMEM;
        return NULL;
    }
    WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    return s;
}

/* ---- fmaf -------------------------------------------------------------- */

/* MinGW-w64's fmaf is not a fused multiply-add: about one result in five
 * differs from the correctly rounded x*y+z (measured under wine on a million
 * random triples), so the scalar kernels, whose GEMM chains and Adam decay
 * are fmaf by definition (nn/kernels/kernels.h), would differ from the SIMD
 * kernels and from every other platform. gan99's own definition takes the
 * place of the C runtime's when linking (libgan99.a comes first).
 *
 * For float operands x*y is exact in double (48 of 53 bits); s = x*y + z
 * rounded to double and its exact error e (Knuth's two-sum) give the exact
 * result s + e. Rounding s straight to float could round twice across a
 * float midpoint, so s is first rounded to odd: when e != 0 and the last
 * bit of s is 0, s moves one double ulp toward s + e. A value rounded to
 * odd with 53 bits, then to nearest with 24, is the correctly rounded one
 * (two or more extra bits suffice). Checked bit for bit against glibc's
 * fmaf on 40 million triples (random bits, values near 1, subnormals,
 * cancellations). Every product and sum of float operands is a normal or
 * zero double, so no step underflows or overflows. */
float fmaf(float x, float y, float z)
{
    double p = (double)x * (double)y;
    double s = p + (double)z, t, e;
    uint64_t u;
    if (s != s || s - s != 0.0) return (float)s;   /* NaN or infinity */
    t = s - p;
    e = (p - (s - t)) + ((double)z - t);
    if (e != 0.0) {
        memcpy(&u, &s, 8);
        if (!(u & 1u)) {
            if ((e > 0.0) == (s > 0.0)) u++;   /* the exact value lies further from zero */
            else u--;
            memcpy(&s, &u, 8);
        }
    }
    return (float)s;
}

/* ---- the process ------------------------------------------------------- */

int g99_main_init(int *argc, char ***argv)
{
    int n = 0, i;
    wchar_t **wargv;
    char **u;
    /* Binary mode first: it matters even when the rest fails. */
    fflush(stdout);
    fflush(stderr);
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stderr), _O_BINARY);
    wargv = CommandLineToArgvW(GetCommandLineW(), &n);
    if (!wargv) return -1;
    /* Kept for the life of the process, as the runtime's argv is. */
    u = (char **)calloc((size_t)n + 1, sizeof *u);
    if (!u) {
        LocalFree(wargv);
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (!(u[i] = to_utf8(wargv[i]))) {
            while (i > 0) free(u[--i]);
            free(u);
            LocalFree(wargv);
            return -1;
        }
    }
    LocalFree(wargv);
    *argc = n;
    *argv = u;
    return 0;
}

unsigned long g99__process_id(void) { return (unsigned long)GetCurrentProcessId(); }
unsigned long g99_process_id(void) { return g99__process_id(); }

int g99_process_alive(unsigned long pid)
{
    HANDLE h;
    DWORD code = 0;
    int alive;
    if (pid == 0) return 1;
    h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
    if (!h) return GetLastError() == ERROR_ACCESS_DENIED;   /* exists, another user's */
    /* a handle can outlive its process: ask whether it has ended */
    alive = GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;
    CloseHandle(h);
    return alive;
}

double g99_now_seconds(void)
{
    LARGE_INTEGER f, t;
    if (!QueryPerformanceFrequency(&f) || !QueryPerformanceCounter(&t)) return (double)GetTickCount64() * 1e-3;
    return (double)t.QuadPart / (double)f.QuadPart;
}

int g99_is_terminal(FILE *fp) { return _isatty(_fileno(fp)) != 0; }

/* Text mode: a command's "\r\n" lines read as "\n" lines, as on POSIX. */
FILE *g99_pipe_open(const char *command)
{
    fflush(NULL);   /* _popen's child shares our console: keep the order */
    return _popen(command, "r");
}
int g99_pipe_close(FILE *fp) { return _pclose(fp); }

/* ---- files ------------------------------------------------------------- */

FILE *g99_fopen(const char *path, const char *mode)
{
    wchar_t *wp = to_wide(path), *wm = to_wide(mode);
    FILE *fp = NULL;
    if (wp && wm) fp = _wfopen(wp, wm);
    free(wp);
    free(wm);
    return fp;
}

int g99_remove(const char *path)
{
    wchar_t *w = to_wide(path);
    DWORD attr;
    BOOL ok;
    if (!w) return -1;
    attr = GetFileAttributesW(w);
    if (attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY)) ok = RemoveDirectoryW(w);
    else ok = DeleteFileW(w);
    if (!ok) set_errno_from_win32();
    free(w);
    return ok ? 0 : -1;
}

FILE *g99__create_new(const char *path)
{
    wchar_t *w = to_wide(path);
    FILE *fp;
    int fd;
    if (!w) return NULL;
    fd = _wopen(w, _O_WRONLY | _O_CREAT | _O_EXCL | _O_BINARY, _S_IREAD | _S_IWRITE);
    if (fd < 0) {
        free(w);
        return NULL;   /* errno is EEXIST when the name is taken */
    }
    fp = _fdopen(fd, "wb");
    if (!fp) {
        int e = errno;
        _close(fd);
        _wremove(w);
        errno = e;
    }
    free(w);
    return fp;
}

int g99__flush_to_disk(FILE *fp)
{
    HANDLE h;
    if (fflush(fp) != 0) return -1;
    h = (HANDLE)_get_osfhandle(_fileno(fp));
    if (h == INVALID_HANDLE_VALUE || !FlushFileBuffers(h)) {
        set_errno_from_win32();
        return -1;
    }
    return 0;
}

int g99__replace_file(const char *src, const char *dst)
{
    wchar_t *ws = to_wide(src), *wd = to_wide(dst);
    int tries, ok = 0;
    if (ws && wd) {
        /* A reader that has dst open (a viewer, a virus scanner) makes the
         * replace fail for a moment: try again for up to about a second. */
        for (tries = 0; tries < 50; tries++) {
            DWORD e;
            if (MoveFileExW(ws, wd, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
                ok = 1;
                break;
            }
            e = GetLastError();
            errno = errno_from_win32(e);
            if (e != ERROR_ACCESS_DENIED && e != ERROR_SHARING_VIOLATION) break;
            Sleep(20);
        }
    }
    free(ws);
    free(wd);
    return ok ? 0 : -1;
}

/* ---- folders ----------------------------------------------------------- */

static int g99__exists(const char *path);

int g99__walk(const char *dir, g99__path_list *l, int depth, g99_error *err)
{
    WIN32_FIND_DATAW fd;
    HANDLE h;
    wchar_t *pattern;
    char *star;
    int rc = 0;
    if (depth > 64) return g99_fail(err, G99_ELIMIT, "%s: folders nested deeper than 64", dir);
    star = g99__path_join(dir, "*");
    if (!star) return g99_fail(err, G99_ENOMEM, "out of memory");
    pattern = to_wide(star);
    free(star);
    if (!pattern) return g99_fail(err, G99_EIO, "%s: cannot open the folder: %s", dir, strerror(errno));
    h = FindFirstFileW(pattern, &fd);
    free(pattern);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        if (e == ERROR_FILE_NOT_FOUND && g99_is_dir(dir)) return 0;   /* nothing in it */
        /* a file given as the folder: "Not a directory", as POSIX says */
        errno = e != ERROR_FILE_NOT_FOUND && e != ERROR_PATH_NOT_FOUND && !g99_is_dir(dir) && g99__exists(dir)
                    ? ENOTDIR : errno_from_win32(e);
        return g99_fail(err, G99_EIO, "%s: cannot open the folder: %s", dir, strerror(errno));
    }
    do {
        char *name, *path;
        if (fd.cFileName[0] == L'.') continue;   /* ".", "..", hidden by convention */
        if (!(name = to_utf8(fd.cFileName))) {
            rc = g99_fail(err, G99_ENOMEM, "out of memory");
            break;
        }
        path = g99__path_join(dir, name);
        free(name);
        if (!path) {
            rc = g99_fail(err, G99_ENOMEM, "out of memory");
            break;
        }
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            /* links to folders are followed, as stat() follows them on
             * POSIX; the depth bound stops loops */
            rc = g99__walk(path, l, depth + 1, err);
            free(path);
        } else if (!(fd.dwFileAttributes & FILE_ATTRIBUTE_DEVICE)) {
            if (g99__path_push(l, path)) {
                free(path);
                rc = g99_fail(err, G99_ENOMEM, "out of memory");
            }
        } else {
            free(path);
        }
    } while (!rc && FindNextFileW(h, &fd));
    if (!rc && GetLastError() != ERROR_NO_MORE_FILES)
        rc = g99_fail(err, G99_EIO, "%s: cannot list the folder: %s", dir, strerror(errno_from_win32(GetLastError())));
    FindClose(h);
    return rc;
}

static int g99__exists(const char *path)
{
    wchar_t *w = to_wide(path);
    DWORD attr;
    if (!w) return 0;
    attr = GetFileAttributesW(w);
    free(w);
    return attr != INVALID_FILE_ATTRIBUTES;
}

int g99_is_dir(const char *path)
{
    wchar_t *w = to_wide(path);
    DWORD attr;
    if (!w) return 0;
    attr = GetFileAttributesW(w);
    free(w);
    return attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY) != 0;
}

int g99_mkdir(const char *path, g99_error *err)
{
    wchar_t *w = to_wide(path);
    DWORD e;
    if (!w) return g99_fail(err, G99_EIO, "%s: cannot make the folder: %s", path, strerror(errno));
    if (CreateDirectoryW(w, NULL)) {
        free(w);
        return 0;
    }
    e = GetLastError();
    free(w);
    if (e == ERROR_ALREADY_EXISTS || e == ERROR_FILE_EXISTS) {
        if (g99_is_dir(path)) return 0;
        return g99_fail(err, G99_EINVAL, "%s: is a file, not a folder", path);
    }
    return g99_fail(err, G99_EIO, "%s: cannot make the folder: %s", path, strerror(errno_from_win32(e)));
}

/* MOVEFILE_WRITE_THROUGH already put the rename on disk; Windows has no
 * way to flush a folder's entries on their own. */
int g99_sync_dir(const char *dir)
{
    (void)dir;
    return 0;
}

/* ---- stop requests ----------------------------------------------------- */

static volatile LONG stop_signal;
static void (*old_int)(int), (*old_term)(int);
static int stop_installed;

static BOOL WINAPI on_console(DWORD type)
{
    switch (type) {
    case CTRL_C_EVENT:
        InterlockedExchange(&stop_signal, SIGINT);
        return TRUE;   /* handled: the process lives on and stops cleanly */
    case CTRL_BREAK_EVENT:
        InterlockedExchange(&stop_signal, SIGTERM);
        return TRUE;
    default:
        /* closing the console, logoff, shutdown: Windows ends the process
         * when the handler returns, whatever it says; the flag lets a loop
         * that is between two steps stop first */
        InterlockedExchange(&stop_signal, SIGTERM);
        return FALSE;
    }
}

static void on_signal(int sig)
{
    InterlockedExchange(&stop_signal, sig);
    signal(sig, on_signal);
}

int g99_stop_catch(void)
{
    InterlockedExchange(&stop_signal, 0);
    old_int = signal(SIGINT, on_signal);
    old_term = signal(SIGTERM, on_signal);
    stop_installed = 1;
    if (!SetConsoleCtrlHandler(on_console, TRUE)) return -1;
    return old_int == SIG_ERR || old_term == SIG_ERR ? -1 : 0;
}

void g99_stop_release(void)
{
    if (!stop_installed) return;
    SetConsoleCtrlHandler(on_console, FALSE);
    signal(SIGINT, old_int == SIG_ERR ? SIG_DFL : old_int);
    signal(SIGTERM, old_term == SIG_ERR ? SIG_DFL : old_term);
    stop_installed = 0;
}

int g99_stop_requested(void) { return (int)InterlockedCompareExchange(&stop_signal, 0, 0); }
void g99_stop_clear(void) { InterlockedExchange(&stop_signal, 0); }

#else
/* ISO C wants at least one declaration in a file. */
typedef int g99__platform_win32_unused;
#endif
