/* Whole-file reads and atomic file output (temp name + flush + rename). */
#include "base.h"
#include "platform.h"

#include <errno.h>
#include <stdlib.h>

int g99_read_file(const char *path, size_t max_bytes, uint8_t **data, size_t *len, g99_error *err)
{
    FILE *fp;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;

    *data = NULL;
    *len = 0;
    fp = g99_fopen(path, "rb");
    if (!fp) return g99_fail(err, G99_EIO, "%s: cannot open: %s", path, strerror(errno));
    /* Read in growing chunks rather than trusting ftell: works on pipes and
     * special files too, and never allocates more than max_bytes + 1. */
    for (;;) {
        size_t got;
        if (n == cap) {
            size_t want = cap ? cap * 2 : 65536;
            uint8_t *grown;
            if (want > max_bytes + 1 || want < cap) want = max_bytes + 1;
            if (want <= cap) {
                free(buf);
                fclose(fp);
                return g99_fail(err, G99_ELIMIT, "%s: larger than the limit of %lu bytes", path,
                                (unsigned long)max_bytes);
            }
            grown = (uint8_t *)realloc(buf, want);
            if (!grown) {
                free(buf);
                fclose(fp);
                return g99_fail(err, G99_ENOMEM, "%s: out of memory reading the file", path);
            }
            buf = grown;
            cap = want;
        }
        errno = 0;
        got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0) break;
    }
    if (ferror(fp)) {
        int e = errno;
        free(buf);
        fclose(fp);
        return g99_fail(err, G99_EIO, "%s: read error: %s", path, e ? strerror(e) : "unknown cause");
    }
    fclose(fp);
    if (n > max_bytes) {
        free(buf);
        return g99_fail(err, G99_ELIMIT, "%s: larger than the limit of %lu bytes", path, (unsigned long)max_bytes);
    }
    *data = buf;
    *len = n;
    return G99_OK;
}

static char *str_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = (char *)malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static void afile_release(g99_afile *f)
{
    free(f->path);
    free(f->tmp_path);
    f->path = f->tmp_path = NULL;
    f->fp = NULL;
}

int g99_afile_open(g99_afile *f, const char *path, g99_error *err)
{
    static unsigned long counter;
    size_t n;
    int attempt;

    f->fp = NULL;
    f->path = f->tmp_path = NULL;
    if (!path || !*path) return g99_fail(err, G99_EINVAL, "empty output file name");
    f->path = str_dup(path);
    n = strlen(path) + 64;
    f->tmp_path = (char *)malloc(n);
    if (!f->path || !f->tmp_path) {
        afile_release(f);
        return g99_fail(err, G99_ENOMEM, "%s: out of memory", path);
    }
    /* "<path>.tmp<pid>.<n>" sits in the destination's folder, so the final
     * rename never crosses file systems. */
    for (attempt = 0; attempt < 100; attempt++) {
        snprintf(f->tmp_path, n, "%s.tmp%lu.%lu", path, g99__process_id(), counter++);
        f->fp = g99__create_new(f->tmp_path);
        if (f->fp) return G99_OK;
        if (errno != EEXIST) break;
    }
    {
        int e = errno;
        afile_release(f);
        return g99_fail(err, G99_EIO, "%s: cannot create a temporary file next to it: %s", path, strerror(e));
    }
}

int g99_afile_write(g99_afile *f, const void *data, size_t n, g99_error *err)
{
    if (!f->fp) return g99_fail(err, G99_EINVAL, "write to a closed output file");
    if (n && fwrite(data, 1, n, f->fp) != n) {
        int e = errno;
        char path[G99_ERROR_MSG_MAX / 2];
        snprintf(path, sizeof path, "%s", f->path);
        g99_afile_abort(f);
        return g99_fail(err, G99_EIO, "%s: write failed: %s", path, strerror(e));
    }
    return G99_OK;
}

/* A power cut right after the rename could lose the new name unless the
 * folder's entry is on disk too. Best effort: some file systems refuse. */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash) {
        g99_sync_dir(".");
        return;
    }
    if (slash == path) {
        g99_sync_dir("/");
        return;
    }
    dir = (char *)malloc((size_t)(slash - path) + 1);
    if (!dir) return;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    g99_sync_dir(dir);
    free(dir);
}

int g99_afile_commit(g99_afile *f, g99_error *err)
{
    char path[G99_ERROR_MSG_MAX / 2];
    int e;
    if (!f->fp) return g99_fail(err, G99_EINVAL, "commit of a closed output file");
    snprintf(path, sizeof path, "%s", f->path);
    if (g99__flush_to_disk(f->fp) != 0) {
        e = errno;
        g99_afile_abort(f);
        return g99_fail(err, G99_EIO, "%s: flush failed: %s", path, strerror(e));
    }
    if (fclose(f->fp) != 0) {
        e = errno;
        f->fp = NULL;
        g99_remove(f->tmp_path);
        afile_release(f);
        return g99_fail(err, G99_EIO, "%s: close failed: %s", path, strerror(e));
    }
    f->fp = NULL;
    if (g99__replace_file(f->tmp_path, f->path) != 0) {
        e = errno;
        g99_remove(f->tmp_path);
        afile_release(f);
        return g99_fail(err, G99_EIO, "%s: rename into place failed: %s", path, strerror(e));
    }
    sync_parent(f->path);
    afile_release(f);
    return G99_OK;
}

void g99_afile_abort(g99_afile *f)
{
    if (f->fp) {
        fclose(f->fp);
        g99_remove(f->tmp_path);
    }
    afile_release(f);
}

int g99_write_file_atomic(const char *path, const void *data, size_t n, g99_error *err)
{
    g99_afile f;
    int rc = g99_afile_open(&f, path, err);
    if (rc) return rc;
    rc = g99_afile_write(&f, data, n, err);
    if (rc) return rc;
    return g99_afile_commit(&f, err);
}

/* ---- stale temporaries and lock files --------------------------------- */

/* The process id of a "<name>.tmp<pid>.<n>" name, or 0 when name is not one. */
static unsigned long temp_owner(const char *path)
{
    const char *t = NULL, *p, *q;
    unsigned long pid = 0;
    for (p = strstr(path, ".tmp"); p; p = strstr(p + 1, ".tmp")) t = p;
    if (!t) return 0;
    for (q = t + 4; *q >= '0' && *q <= '9'; q++) pid = pid * 10 + (unsigned long)(*q - '0');
    if (q == t + 4 || *q != '.' || !q[1]) return 0;
    for (q++; *q >= '0' && *q <= '9'; q++) {}
    return *q ? 0 : pid;
}

size_t g99_remove_stale_temps(const char *dir)
{
    char **paths = NULL;
    size_t n = 0, i, removed = 0;
    if (g99_list_files(dir, &paths, &n, NULL)) return 0;
    for (i = 0; i < n; i++) {
        unsigned long pid = temp_owner(paths[i]);
        if (pid && pid != g99__process_id() && !g99_process_alive(pid) && g99_remove(paths[i]) == 0) removed++;
    }
    g99_free_list(paths, n);
    return removed;
}

static unsigned long lock_owner(const char *path)
{
    uint8_t *data = NULL;
    size_t len = 0, i;
    unsigned long pid = 0;
    if (g99_read_file(path, 64, &data, &len, NULL)) return 0;
    for (i = 0; i < len && data[i] >= '0' && data[i] <= '9'; i++) pid = pid * 10 + (unsigned long)(data[i] - '0');
    free(data);
    return pid;
}

int g99_lock_acquire(g99_lock *l, const char *path, unsigned long *stale_pid, g99_error *err)
{
    int attempt;
    l->path = NULL;
    if (stale_pid) *stale_pid = 0;
    for (attempt = 0; attempt < 2; attempt++) {
        FILE *fp = g99__create_new(path);
        unsigned long owner;
        if (fp) {
            int ok = fprintf(fp, "%lu\n", g99__process_id()) > 0;
            ok = g99__flush_to_disk(fp) == 0 && ok;
            ok = fclose(fp) == 0 && ok;
            if (!ok || !(l->path = str_dup(path))) {
                g99_remove(path);
                return g99_fail(err, G99_EIO, "%s: cannot write the lock file", path);
            }
            return G99_OK;
        }
        if (errno != EEXIST) return g99_fail(err, G99_EIO, "%s: cannot make the lock file: %s", path, strerror(errno));
        owner = lock_owner(path);
        /* an unreadable or empty lock is in the making by its owner */
        if (owner && owner != g99__process_id() && g99_process_alive(owner))
            return g99_fail(err, G99_EINVAL, "%s: in use by another gan99 (process %lu)", path, owner);
        if (!owner) return g99_fail(err, G99_EINVAL, "%s: in use by another gan99", path);
        if (stale_pid) *stale_pid = owner;
        g99_remove(path);
    }
    return g99_fail(err, G99_EIO, "%s: cannot take over the stale lock", path);
}

void g99_lock_release(g99_lock *l)
{
    if (l->path) g99_remove(l->path);
    free(l->path);
    l->path = NULL;
}
