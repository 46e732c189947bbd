#ifndef MK_FS_H
#define MK_FS_H

/* Swaps the two paths at once (renameat2 RENAME_EXCHANGE): a reader sees one or the other,
   never neither. Returns 0 or an errno value (EINVAL or ENOSYS where the file system or the
   kernel cannot). */
int mk_rename_exchange(const char *a, const char *b);

#endif
