#ifndef MK_SPAWN_H
#define MK_SPAWN_H

#include <sys/types.h>

/*
 * Starts `/bin/sh -c command` with exactly the environment `envp` (NULL-terminated), standard
 * input from /dev/null, standard output and error into one pipe whose read end (close-on-exec)
 * goes to *output, every other descriptor closed,
 * default signal handling and an empty signal mask, in a process group of its own (its pid),
 * so that the caller can stop it and its children together. Returns 0 and the pid in *pid, or
 * an errno value.
 */
int mk_spawn_shell(const char *command, char *const envp[], int *output, pid_t *pid);

#endif
