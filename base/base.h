/* gan99 shared basics: the error record, atomic file output, whole-file reads,
 * CRC-32, overflow-checked sizes and little-endian byte access.
 *
 * Every module may include this header and nothing else of gan99's is needed
 * for it: image/ stays usable on its own by taking base/ along (two files).
 *
 * Conventions (doc/design.md §2.1): a fallible function returns 0 or a negative
 * G99_E* code and, if the caller passed a g99_error, fills it with the same
 * code and a message naming the file, offset or field at fault. */
#ifndef GAN99_BASE_H
#define GAN99_BASE_H

#include <float.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The same bits on every platform need float expressions evaluated in float
 * (doc/determinism.md §5). x87 or s390x gcc in ISO mode keep wider intermediates: build
 * with -mfpmath=sse -msse2 (i386) or -fexcess-precision=fast (s390x). */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD != 0
#error "gan99 needs FLT_EVAL_METHOD == 0 (float arithmetic in float); see base/base.h"
#endif

#define GAN99_VERSION "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define G99_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define G99_PRINTF(fmt_index, first_arg)
#endif

/* ---- errors ------------------------------------------------------------ */

enum {
    G99_OK = 0,
    G99_EINVAL = -1,       /* the caller passed a bad argument (NULL, bad shape, ...) */
    G99_EFORMAT = -2,      /* the input data is malformed or corrupt */
    G99_ENOMEM = -3,       /* an allocation failed */
    G99_EIO = -4,          /* the OS refused a read, write, rename ... */
    G99_ELIMIT = -5,       /* the input exceeds a configured limit (pixels, bytes) */
    G99_EUNSUPPORTED = -6, /* valid input that gan99 does not handle */
    G99_ESTOPPED = -7      /* stopped on request (Ctrl-C, SIGTERM) before finishing */
};

#define G99_ERROR_MSG_MAX 512

typedef struct g99_error {
    int code;                     /* G99_OK or one of G99_E* */
    char msg[G99_ERROR_MSG_MAX];  /* "" when code is G99_OK */
} g99_error;

/* Fills err (when not NULL) with code and a printf-formatted message and
 * returns code, so a failing path reads `return g99_fail(err, ...);`. */
int g99_fail(g99_error *err, int code, const char *fmt, ...) G99_PRINTF(3, 4);

/* Puts "context: " in front of the message already in err, e.g. the file
 * name once a parser of bytes has failed. Returns err->code. */
int g99_error_prefix(g99_error *err, const char *fmt, ...) G99_PRINTF(2, 3);

void g99_error_clear(g99_error *err);

/* A short name for a status code ("bad input format", ...). */
const char *g99_status_name(int code);

/* ---- sizes ------------------------------------------------------------- */

/* *out = a * b; returns 0, or -1 (leaving *out untouched) on overflow. */
static inline int g99_size_mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > (size_t)-1 / a) return -1;
    *out = a * b;
    return 0;
}

static inline int g99_size_add(size_t a, size_t b, size_t *out)
{
    if (b > (size_t)-1 - a) return -1;
    *out = a + b;
    return 0;
}

/* ---- byte order: files are little-endian on every host ------------------ */

static inline uint32_t g99_load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t g99_load_le64(const uint8_t *p)
{
    return (uint64_t)g99_load_le32(p) | (uint64_t)g99_load_le32(p + 4) << 32;
}

static inline void g99_store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static inline void g99_store_le64(uint8_t *p, uint64_t v)
{
    g99_store_le32(p, (uint32_t)v);
    g99_store_le32(p + 4, (uint32_t)(v >> 32));
}

/* The bits of a float and back; memcpy is the aliasing-safe way in C99. */
static inline uint32_t g99_f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float g99_bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* ---- CRC-32 (ISO-HDLC, as zlib and PNG) --------------------------------- */

/* Start with crc = 0; feed the previous result to continue a stream.
 * g99_crc32(0, "123456789", 9) == 0xCBF43926. */
uint32_t g99_crc32(uint32_t crc, const void *data, size_t n);

/* ---- files ------------------------------------------------------------- */

/* Reads a whole file into a malloc'd buffer (*data, free() it). Files larger
 * than max_bytes are refused with G99_ELIMIT before reading. */
int g99_read_file(const char *path, size_t max_bytes, uint8_t **data, size_t *len, g99_error *err);

/* Atomic output: bytes go to a temporary file in the destination's folder;
 * commit flushes it to disk and renames it over the destination, so readers
 * see the old file or the new one, never a half-written one. Any failure,
 * or g99_afile_abort, removes the temporary file.
 *
 *   g99_afile f;
 *   if (g99_afile_open(&f, "out.png", err)) return err->code;
 *   if (g99_afile_write(&f, buf, n, err)) return err->code;   (temp removed)
 *   return g99_afile_commit(&f, err);
 */
typedef struct g99_afile {
    FILE *fp;
    char *path;      /* destination */
    char *tmp_path;  /* temporary name in the same folder */
} g99_afile;

int g99_afile_open(g99_afile *f, const char *path, g99_error *err);
/* On failure the temporary file is removed and f is closed. */
int g99_afile_write(g99_afile *f, const void *data, size_t n, g99_error *err);
int g99_afile_commit(g99_afile *f, g99_error *err);
/* Closes and removes the temporary file; a no-op on a closed g99_afile. */
void g99_afile_abort(g99_afile *f);

/* The three steps above in one call. */
int g99_write_file_atomic(const char *path, const void *data, size_t n, g99_error *err);

/* Temporary files of g99_afile left by a process that died before its
 * commit or abort (kill -9, power cut): under dir (recursively), every
 * "<name>.tmp<pid>.<n>" whose process no longer runs is removed. Returns
 * how many were removed (files of running processes are never touched). */
size_t g99_remove_stale_temps(const char *dir);

/* A lock file for a folder that one process at a time may write (a run
 * folder): made with exclusive create and holding the owner's process id.
 * A lock left by a process that no longer runs is taken over, and
 * *stale_pid (when not NULL) tells whose it was (0 otherwise). A lock held
 * by a running process is G99_EINVAL naming that process. */
typedef struct g99_lock {
    char *path;      /* NULL when not held */
} g99_lock;
int g99_lock_acquire(g99_lock *l, const char *path, unsigned long *stale_pid, g99_error *err);
void g99_lock_release(g99_lock *l);

/* ---- folders (POSIX and Windows; elsewhere G99_EUNSUPPORTED) ----------- */

/* Every regular file under dir, recursively, as "dir/sub/name" paths sorted
 * bytewise (strcmp), so a folder has one order on every machine. Names
 * starting with '.' and entries that vanish or dangle are skipped; nesting
 * deeper than 64 is refused. *paths (n entries) is freed with g99_free_list. */
int g99_list_files(const char *dir, char ***paths, size_t *n, g99_error *err);
void g99_free_list(char **paths, size_t n);
/* 1 for a folder, 0 for anything else or nothing. */
int g99_is_dir(const char *path);
/* Makes the folder unless it exists (one level). A file of that name is
 * reported as a file, not as "File exists". */
int g99_mkdir(const char *path, g99_error *err);
/* Asks the OS to make the folder's entries durable (a rename into it
 * survives a power cut). A no-op where the OS has no such call. */
int g99_sync_dir(const char *dir);

/* ---- the process and its surroundings (base/platform.c) ----------------
 * Every OS call of gan99 goes through these, with a plain C99 fallback
 * (noted per function) so a port to a new OS or to bare metal touches one
 * file. */

/* Call first in main(argc, argv): on Windows it replaces argv by the
 * command line in UTF-8 (the C runtime gives it in the ANSI code page,
 * which loses characters) and puts stdout and stderr in binary mode, so
 * "\n" is written as on every other system (not "\r\n"). On Linux with
 * OpenMP it makes the threads wait passively unless the environment says
 * otherwise: it sets OMP_WAIT_POLICY=passive and executes the program again
 * (base/platform.c says why). Returns 0, or -1 when out of memory (argv is
 * then unchanged). */
int g99_main_init(int *argc, char ***argv);
/* fopen and remove for UTF-8 file names (on Windows through the wide-char
 * calls; elsewhere fopen and remove). g99_remove takes a file or an empty
 * folder, as POSIX remove() does. */
FILE *g99_fopen(const char *path, const char *mode);
int g99_remove(const char *path);

/* Seconds on a clock that never goes back (C99 fallback: clock(), CPU time). */
double g99_now_seconds(void);
/* 1 when fp is a terminal (a progress bar may redraw in place); fallback 0. */
int g99_is_terminal(FILE *fp);
/* This process's id, and whether process `pid` still runs (stale locks and
 * temporary files of killed runs); fallback: 1, as if alive, so nothing
 * of another run is ever taken. */
unsigned long g99_process_id(void);
int g99_process_alive(unsigned long pid);
/* A command's standard output (popen "r"); fallback NULL (benches skip). */
FILE *g99_pipe_open(const char *command);
int g99_pipe_close(FILE *fp);

/* Stop requests: after g99_stop_catch, SIGINT and SIGTERM (Ctrl-C, kill,
 * timeout, job schedulers) set a flag instead of ending the process, every
 * time (not only the first), until g99_stop_release restores the previous
 * handlers. g99_stop_requested gives the signal number that asked, or 0.
 * Long loops poll it and stop cleanly. Fallback: signal(), reinstalled in
 * the handler. */
int g99_stop_catch(void);
void g99_stop_release(void);
int g99_stop_requested(void);
void g99_stop_clear(void);

#endif
