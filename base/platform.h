/* The few operating-system calls gan99 needs, behind one seam so a port to a
 * new OS (or to bare metal) touches one file. Internal to base/. */
#ifndef GAN99_BASE_PLATFORM_H
#define GAN99_BASE_PLATFORM_H

#include <stdio.h>

/* Creates path for writing, failing if it already exists (NULL then). */
FILE *g99__create_new(const char *path);
/* Flushes stdio buffers and asks the OS to put the bytes on disk. */
int g99__flush_to_disk(FILE *fp);
/* Replaces dst by src in one step where the OS allows it. */
int g99__replace_file(const char *src, const char *dst);
/* A number that differs between processes running at the same time. */
unsigned long g99__process_id(void);

#endif
