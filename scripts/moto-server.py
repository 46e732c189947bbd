#!/usr/bin/env python3
"""moto's S3 server on a free loopback port, for tests and benchmarks.

Prints "PORT <n>" once it answers. With --log FILE, every request is appended to FILE as one
line (werkzeug's access log: method, path with query, status), so a test can count what the
engine sent (the part PUTs of a resumed upload, say). Exits when its parent process does, so
a killed test run never leaves it behind.
"""
import argparse
import logging
import os
import socket
import sys
import time

from moto.server import ThreadedMotoServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", help="append each request to this file")
    args = parser.parse_args()

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()

    access = logging.getLogger("werkzeug")
    access.setLevel(logging.INFO)
    access.propagate = False
    if args.log:
        handler = logging.FileHandler(args.log)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    print(f"PORT {port}", flush=True)
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    server.stop()


if __name__ == "__main__":
    sys.exit(main())
