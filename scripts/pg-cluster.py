#!/usr/bin/env python3
"""A throwaway PostgreSQL 15 cluster on a free loopback port, for tests and benchmarks.

initdb in a temp dir (as the `postgres` user when run as root: initdb refuses root), superuser
`engine` whose password is ENGINE_TEST_PG_PASSWORD (TCP connections must give it: scram), fsync
off. Prints "PORT <n>" once the server accepts connections, then waits; when its parent exits
(or on SIGTERM) it stops the server by its PID and removes the directory, so a killed test run
never leaves a cluster behind. SIGUSR1 restarts the server (a fast shutdown, then a start on
the same port and data): what a test does to check that workers reconnect.

--listen ADDR also listens on a test network's address, and --allow CIDR lets clients of that
network in (scram, as on loopback): workers in network namespaces reach it through their links.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = "/usr/lib/postgresql/15/bin"


def as_owner(argv, owner):
    if owner is None:
        return argv
    return ["runuser", "-u", owner, "--"] + argv


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", action="append", default=[])
    parser.add_argument("--allow", action="append", default=[])
    args = parser.parse_args()
    password = os.environ.get("ENGINE_TEST_PG_PASSWORD", "engine")
    owner = "postgres" if os.geteuid() == 0 else None
    base = tempfile.mkdtemp(prefix="engine-pg-")
    data = os.path.join(base, "data")
    os.chmod(base, 0o755)
    if owner:
        shutil.chown(base, user=owner)
    pwfile = os.path.join(base, "pw")
    with open(pwfile, "w") as f:
        f.write(password + "\n")
    if owner:
        shutil.chown(pwfile, user=owner)
    subprocess.run(
        as_owner([f"{BIN}/initdb", "-D", data, "-U", "engine", "--pwfile", pwfile, "--auth-local=trust",
                  "--auth-host=scram-sha-256", "--no-locale", "-E", "UTF8", "--no-sync"], owner),
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.unlink(pwfile)
    if args.allow:
        with open(os.path.join(data, "pg_hba.conf"), "a") as f:
            for network in args.allow:
                f.write(f"host all all {network} scram-sha-256\n")

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    options = (f"-p {port} -k {base} -c listen_addresses={','.join(['127.0.0.1'] + args.listen)} -c fsync=off -c synchronous_commit=off "
               "-c full_page_writes=off -c max_connections=400 -c shared_buffers=128MB")
    def start():
        subprocess.run(as_owner([f"{BIN}/pg_ctl", "-D", data, "-w", "-l", os.path.join(base, "log"), "-o", options, "start"], owner),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(os.path.join(data, "postmaster.pid")) as f:
            return int(f.readline())

    pid = start()

    def restart(*_):
        nonlocal pid
        subprocess.run(as_owner([f"{BIN}/pg_ctl", "-D", data, "-w", "-m", "fast", "stop"], owner),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)  # down long enough for every client to notice
        pid = start()

    def stop(*_):
        try:
            os.kill(pid, signal.SIGQUIT)  # immediate shutdown: the cluster is thrown away
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.05)
        except ProcessLookupError:
            pass
        shutil.rmtree(base, ignore_errors=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGUSR1, restart)
    print(f"PORT {port}", flush=True)
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    stop()


if __name__ == "__main__":
    main()
