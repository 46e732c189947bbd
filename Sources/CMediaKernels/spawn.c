#define _GNU_SOURCE
#include "mk_spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <errno.h>
#include <unistd.h>

int mk_spawn_shell(const char *command, char *const envp[], int *output, pid_t *pid) {
    int fds[2];
    /* Close-on-exec: no other child started meanwhile holds the pipe open. */
    if (pipe2(fds, O_CLOEXEC) != 0) return errno;
    int out_fd = fds[1];
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int status = posix_spawn_file_actions_init(&actions);
    if (status != 0) {
        close(fds[0]);
        close(fds[1]);
        return status;
    }
    status = posix_spawnattr_init(&attributes);
    if (status != 0) {
        posix_spawn_file_actions_destroy(&actions);
        close(fds[0]);
        close(fds[1]);
        return status;
    }
    sigset_t none, defaults;
    sigemptyset(&none);
    sigfillset(&defaults);
    if ((status = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) == 0
        && (status = posix_spawn_file_actions_adddup2(&actions, out_fd, 1)) == 0
        && (status = posix_spawn_file_actions_adddup2(&actions, out_fd, 2)) == 0
        && (status = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) == 0
        && (status = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) == 0
        && (status = posix_spawnattr_setpgroup(&attributes, 0)) == 0
        && (status = posix_spawnattr_setsigmask(&attributes, &none)) == 0
        && (status = posix_spawnattr_setsigdefault(&attributes, &defaults)) == 0) {
        char *const argv[] = {"/bin/sh", "-c", (char *)command, NULL};
        status = posix_spawn(pid, "/bin/sh", &actions, &attributes, argv, envp);
    }
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    close(out_fd);
    if (status == 0) {
        *output = fds[0];
    } else {
        close(fds[0]);
    }
    return status;
}
