/* OS seam: exclusive create, fsync, atomic rename, process ids, the
 * folder calls C99 lacks (list, test, make, sync), the clock, terminals,
 * pipes and stop requests (SIGINT, SIGTERM).
 * POSIX systems get the real calls here, Windows gets its own in
 * base/platform_win32.c; anything else falls back to plain C99 (weaker
 * guarantees, documented on each function). The folder listing's sorting
 * and the calls that are plain C everywhere are shared at the end. */
#if defined(__unix__) || defined(__APPLE__)
#define _POSIX_C_SOURCE 200809L
#define G99_POSIX 1
/* 64-bit inode numbers and offsets on 32-bit systems (armhf): without it
 * readdir fails with EOVERFLOW on large file systems. */
#define _FILE_OFFSET_BITS 64
#endif

#include "base.h"
#include "platform.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#ifdef G99_POSIX
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

FILE *g99__create_new(const char *path)
{
    FILE *fp;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0) return NULL;
    fp = fdopen(fd, "wb");
    if (!fp) {
        close(fd);
        remove(path);
    }
    return fp;
}

int g99__flush_to_disk(FILE *fp)
{
    if (fflush(fp) != 0) return -1;
    return fsync(fileno(fp)) == 0 ? 0 : -1;
}

unsigned long g99__process_id(void) { return (unsigned long)getpid(); }

/* depth bounds the recursion (symbolic-link loops, absurd trees) */
int g99__walk(const char *dir, g99__path_list *l, int depth, g99_error *err)
{
    DIR *d;
    struct dirent *e;
    int rc = 0;
    if (depth > 64) return g99_fail(err, G99_ELIMIT, "%s: folders nested deeper than 64", dir);
    d = opendir(dir);
    if (!d) return g99_fail(err, G99_EIO, "%s: cannot open the folder: %s", dir, strerror(errno));
    while (!rc) {
        struct stat st;
        char *path;
        errno = 0;
        e = readdir(d);
        if (!e) {
            if (errno != 0) rc = g99_fail(err, G99_EIO, "%s: cannot list the folder: %s", dir, strerror(errno));
            break;
        }
        if (e->d_name[0] == '.') continue;
        path = g99__path_join(dir, e->d_name);
        if (!path) {
            rc = g99_fail(err, G99_ENOMEM, "out of memory");
            break;
        }
        if (stat(path, &st) != 0) {
            free(path);   /* vanished or a dangling link: not a file to read */
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = g99__walk(path, l, depth + 1, err);
            free(path);
        } else if (S_ISREG(st.st_mode)) {
            if (g99__path_push(l, path)) {
                free(path);
                rc = g99_fail(err, G99_ENOMEM, "out of memory");
            }
        } else {
            free(path);
        }
    }
    closedir(d);
    return rc;
}

int g99_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int g99_mkdir(const char *path, g99_error *err)
{
    if (mkdir(path, 0777) == 0 || (errno == EEXIST && g99_is_dir(path))) return 0;
    if (errno == EEXIST) return g99_fail(err, G99_EINVAL, "%s: is a file, not a folder", path);
    return g99_fail(err, G99_EIO, "%s: cannot make the folder: %s", path, strerror(errno));
}

int g99_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY), rc;
    if (fd < 0) return -1;
    rc = fsync(fd);
    close(fd);
    return rc == 0 ? 0 : -1;
}

double g99_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int g99_is_terminal(FILE *fp) { return isatty(fileno(fp)); }

int g99_process_alive(unsigned long pid)
{
    /* signal 0 checks only; EPERM means it exists under another user */
    return pid == 0 || kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

FILE *g99_pipe_open(const char *command) { return popen(command, "r"); }
int g99_pipe_close(FILE *fp) { return pclose(fp); }

static volatile sig_atomic_t stop_signal;
static struct sigaction old_int, old_term;
static int stop_installed;

static void on_stop(int sig) { stop_signal = sig; }

int g99_stop_catch(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;   /* no SA_RESETHAND: a second Ctrl-C is caught too */
    sigemptyset(&sa.sa_mask);
    stop_signal = 0;
    if (sigaction(SIGINT, &sa, &old_int) != 0) return -1;
    if (sigaction(SIGTERM, &sa, &old_term) != 0) {
        sigaction(SIGINT, &old_int, NULL);
        return -1;
    }
    stop_installed = 1;
    return 0;
}

void g99_stop_release(void)
{
    if (!stop_installed) return;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    stop_installed = 0;
}

#elif !defined(_WIN32)

/* C99 has no exclusive create: check, then create (a race is possible). */
FILE *g99__create_new(const char *path)
{
    FILE *probe = fopen(path, "rb");
    if (probe) {
        fclose(probe);
        return NULL;
    }
    return fopen(path, "wb");
}

int g99__flush_to_disk(FILE *fp) { return fflush(fp) == 0 ? 0 : -1; }

unsigned long g99__process_id(void)
{
    static char here;
    return (unsigned long)(size_t)&here;  /* differs per process under ASLR */
}

/* Plain C99 can neither list nor make folders. */
int g99__walk(const char *dir, g99__path_list *l, int depth, g99_error *err)
{
    (void)l;
    (void)depth;
    return g99_fail(err, G99_EUNSUPPORTED, "%s: listing folders needs a POSIX system", dir);
}

int g99_is_dir(const char *path)
{
    (void)path;
    return 0;
}

int g99_mkdir(const char *path, g99_error *err)
{
    return g99_fail(err, G99_EUNSUPPORTED, "%s: making folders needs a POSIX system", path);
}

int g99_sync_dir(const char *dir)
{
    (void)dir;
    return 0;
}

double g99_now_seconds(void) { return (double)clock() / CLOCKS_PER_SEC; }

int g99_is_terminal(FILE *fp)
{
    (void)fp;
    return 0;
}

int g99_process_alive(unsigned long pid)
{
    (void)pid;
    return 1;
}

FILE *g99_pipe_open(const char *command)
{
    (void)command;
    return NULL;
}

int g99_pipe_close(FILE *fp)
{
    (void)fp;
    return -1;
}

static volatile sig_atomic_t stop_signal;
static void (*old_int)(int), (*old_term)(int);
static int stop_installed;

/* C99's signal() may reset the handler on delivery: put it back */
static void on_stop(int sig)
{
    stop_signal = sig;
    signal(sig, on_stop);
}

int g99_stop_catch(void)
{
    stop_signal = 0;
    old_int = signal(SIGINT, on_stop);
    old_term = signal(SIGTERM, on_stop);
    stop_installed = 1;
    return old_int == SIG_ERR || old_term == SIG_ERR ? -1 : 0;
}

void g99_stop_release(void)
{
    if (!stop_installed) return;
    signal(SIGINT, old_int == SIG_ERR ? SIG_DFL : old_int);
    signal(SIGTERM, old_term == SIG_ERR ? SIG_DFL : old_term);
    stop_installed = 0;
}

#endif

/* ---- shared by every platform ------------------------------------------ */

int g99__path_push(g99__path_list *l, char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **v = (char **)realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

char *g99__path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *s = (char *)malloc(a + b + 2);
    if (!s) return NULL;
    memcpy(s, dir, a);
    s[a] = '/';
    memcpy(s + a + 1, name, b + 1);
    return s;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int g99_list_files(const char *dir, char ***paths, size_t *n, g99_error *err)
{
    g99__path_list l = { NULL, 0, 0 };
    int rc;
    *paths = NULL;
    *n = 0;
    rc = g99__walk(dir, &l, 0, err);
    if (rc) {
        g99_free_list(l.v, l.n);
        return rc;
    }
    if (l.n) qsort(l.v, l.n, sizeof *l.v, by_path);
    *paths = l.v;
    *n = l.n;
    return 0;
}

void g99_free_list(char **paths, size_t n)
{
    size_t i;
    for (i = 0; paths && i < n; i++) free(paths[i]);
    free(paths);
}

#ifndef _WIN32
int g99__replace_file(const char *src, const char *dst)
{
    return rename(src, dst) == 0 ? 0 : -1;
}

/* OpenMP's threads wait for work at every barrier. By default GCC's and
 * LLVM's runtimes spin there for a while before they sleep: on cores no one
 * else uses that saves a few microseconds per region, but when another
 * process shares the cores the spinning threads take its time slices and a
 * 2-thread training step took 2-3x as long as with passive waiting (threads
 * sleep at once). The runtimes read the policy from the environment once,
 * when the program loads, so gan99 sets OMP_WAIT_POLICY=passive and starts
 * itself again (same process id, arguments and environment otherwise).
 * A policy the user set (OMP_WAIT_POLICY, GOMP_SPINCOUNT, KMP_BLOCKTIME) is
 * kept. Linux only (/proc/self/exe); if the exec fails, for instance under
 * an emulator that cannot run it again, gan99 simply goes on as it is. */
static void wait_passively(char **argv)
{
#if defined(_OPENMP) && defined(__linux__)
    if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT") || getenv("KMP_BLOCKTIME")) return;
    if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
    execv("/proc/self/exe", argv);
#else
    (void)argv;
#endif
}

int g99_main_init(int *argc, char ***argv)
{
    (void)argc;
    wait_passively(*argv);
    return 0;
}

FILE *g99_fopen(const char *path, const char *mode) { return fopen(path, mode); }
int g99_remove(const char *path) { return remove(path); }

unsigned long g99_process_id(void) { return g99__process_id(); }
int g99_stop_requested(void) { return (int)stop_signal; }
void g99_stop_clear(void) { stop_signal = 0; }
#endif
