#!/usr/bin/env python3
"""Sends signals to a process once a log file shows what a test waits for.

A test that must cut a process at a precise point (after the second part of an upload,
say) cannot count on its own scheduling on a busy machine; this watcher polls on its own:
every 20 ms it counts the lines of --log that match --pattern and, with --sql, runs a query
on a SQLite file that must return a row; when both hold, it sends --signals to --pid, --gap
seconds apart, prints "SENT" and exits 0. Exits 1 after --timeout seconds, or at once when
the process is gone.
"""
import argparse
import os
import re
import signal
import sqlite3
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--pattern", required=True)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--sql", nargs=2, metavar=("DB", "QUERY"))
    parser.add_argument("--signals", default="KILL")
    parser.add_argument("--gap", type=float, default=0.02)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    pattern = re.compile(args.pattern)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            os.kill(args.pid, 0)
        except ProcessLookupError:
            print("GONE", flush=True)
            return 1
        try:
            with open(args.log, encoding="utf-8", errors="replace") as log:
                seen = sum(1 for line in log if pattern.search(line))
        except FileNotFoundError:
            seen = 0
        ready = seen >= args.count
        if ready and args.sql:
            try:
                connection = sqlite3.connect(f"file:{args.sql[0]}?mode=ro", uri=True, timeout=1)
                ready = connection.execute(args.sql[1]).fetchone() is not None
                connection.close()
            except sqlite3.Error:
                ready = False
        if ready:
            names = args.signals.split(",")
            for index, name in enumerate(names):
                os.kill(args.pid, getattr(signal, "SIG" + name))
                if index + 1 < len(names):
                    time.sleep(args.gap)
            print("SENT", flush=True)
            return 0
        time.sleep(0.02)
    print("TIMEOUT", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
