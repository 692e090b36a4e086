/* gan: the few file-system calls C99 lacks (listing a folder, making one),
 * behind one seam so a port to another OS touches gan/fs_posix.c only.
 * Internal to gan/. */
#ifndef GAN99_GAN_FS_H
#define GAN99_GAN_FS_H

#include "../base/base.h"

/* Every regular file under dir, recursively, as "dir/sub/name" paths sorted
 * bytewise (strcmp), so a dataset has one order on every machine. Names
 * starting with '.' are skipped. *paths (n entries) is freed with
 * gan_fs_free_list. */
int gan_fs_list_files(const char *dir, char ***paths, size_t *n, g99_error *err);
void gan_fs_free_list(char **paths, size_t n);
/* 1 for a folder, 0 for anything else or nothing. */
int gan_fs_is_dir(const char *path);
/* Makes the folder unless it exists (one level). */
int gan_fs_mkdir(const char *path, g99_error *err);

#endif
