/* OS seam: exclusive create, fsync, atomic rename, process id.
 * POSIX systems get the real calls; anything else falls back to plain C99
 * (weaker guarantees, documented on each function). */
#if defined(__unix__) || defined(__APPLE__)
#define _POSIX_C_SOURCE 200809L
#define G99_POSIX 1
#endif

#include "platform.h"

#include <stdlib.h>

#ifdef G99_POSIX
#include <fcntl.h>
#include <sys/stat.h>
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

#else

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

#endif

int g99__replace_file(const char *src, const char *dst)
{
#if defined(_WIN32)
    /* MSVCRT's rename refuses an existing destination. */
    remove(dst);
#endif
    return rename(src, dst) == 0 ? 0 : -1;
}
