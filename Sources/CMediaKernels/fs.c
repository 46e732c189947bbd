#define _GNU_SOURCE
#include "mk_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

int mk_rename_exchange(const char *a, const char *b) {
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0 ? 0 : errno;
}
