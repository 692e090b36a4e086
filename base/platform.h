/* The few operating-system calls gan99 needs, behind one seam so a port to a
 * new OS (or to bare metal) touches one file. Internal to base/. */
#ifndef GAN99_BASE_PLATFORM_H
#define GAN99_BASE_PLATFORM_H

#include "base.h"

#include <stdio.h>

/* Creates path for writing, failing if it already exists (NULL then). */
FILE *g99__create_new(const char *path);
/* Flushes stdio buffers and asks the OS to put the bytes on disk. */
int g99__flush_to_disk(FILE *fp);
/* Replaces dst by src in one step where the OS allows it. */
int g99__replace_file(const char *src, const char *dst);
/* A number that differs between processes running at the same time. */
unsigned long g99__process_id(void);

/* The folder listing: each OS walks (g99__walk, recursive, depth-bounded,
 * skipping names that start with '.'), platform.c sorts. Paths are joined
 * with '/' on every OS, so a listing has the same bytes everywhere. */
typedef struct g99__path_list {
    char **v;
    size_t n, cap;
} g99__path_list;
int g99__walk(const char *dir, g99__path_list *l, int depth, g99_error *err);
/* Appends s (taking it) to l; -1 when out of memory (s is then the caller's). */
int g99__path_push(g99__path_list *l, char *s);
/* "dir/name", malloc'd; NULL when out of memory. */
char *g99__path_join(const char *dir, const char *name);

#endif
