#!/usr/bin/env python3
"""A real HTTP server on loopback with injectable faults, for tests and benchmarks.

    fault-http-server.py --root DIR [--port 0] [--slow-seconds 30]

Prints "PORT <n>" on its first line once listening. Routes:
    /files/<name>          the file, with Content-Length (keep-alive, HTTP/1.1)
    /status/<code>         that status and a short body
    /slow/<name>           waits --slow-seconds before answering at all
    /drop/<name>           announces the full length, sends half the body, then closes
    /redirect/<n>/<name>   redirects n times, then serves /files/<name>
    /stream/<n>/<name>     n bytes of generated data, chunked (no Content-Length up front)
    /delay/<ms>/<name>     waits ms milliseconds, then serves the file
    /trickle/<name>        the file in 64 KiB pieces, 5 ms apart (a kill lands mid-file)
    /fail-once/<name>      HTTP 500 the first time a path is asked for, the file after that
    /hold/<name>           waits while the file <root>/hold exists (a test's gate), then serves
"""
import argparse
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FaultServer/1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        if not parts:
            return self.status(404)
        route, rest = parts[0], parts[1:]
        if route == "files" and rest:
            return self.send_file(rest[0])
        if route == "status" and rest and rest[0].isdigit():
            return self.status(int(rest[0]))
        if route == "slow" and rest:
            time.sleep(self.server.slow_seconds)
            return self.send_file(rest[0])
        if route == "drop" and rest:
            return self.send_file(rest[0], drop=True)
        if route == "delay" and len(rest) >= 2 and rest[0].isdigit():
            time.sleep(int(rest[0]) / 1000)
            return self.send_file(rest[1])
        if route == "hold" and rest:
            while os.path.exists(os.path.join(self.server.root, "hold")):
                time.sleep(0.02)
            return self.send_file(rest[0])
        if route == "trickle" and rest:
            return self.send_file(rest[0], trickle=True)
        if route == "fail-once" and rest:
            with self.server.lock:
                first = self.path not in self.server.failed
                self.server.failed.add(self.path)
            return self.status(500) if first else self.send_file(rest[0])
        if route == "stream" and rest and rest[0].isdigit():
            return self.stream(int(rest[0]))
        if route == "redirect" and len(rest) >= 2 and rest[0].isdigit():
            n = int(rest[0])
            target = f"/redirect/{n - 1}/{rest[1]}" if n > 1 else f"/files/{rest[1]}"
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        return self.status(404)

    def status(self, code):
        body = f"status {code}\n".encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def stream(self, total):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = bytes(range(256)) * 256  # 64 KiB
        sent = 0
        try:
            while sent < total:
                piece = chunk[: min(len(chunk), total - sent)]
                self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
                sent += len(piece)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def send_file(self, name, drop=False, trickle=False):
        path = os.path.join(self.server.root, os.path.basename(name))
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return self.status(404)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if drop:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if trickle:
            try:
                for start in range(0, len(data), 65536):
                    self.wfile.write(data[start:start + 65536])
                    self.wfile.flush()
                    time.sleep(0.005)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            return
        self.wfile.write(data)


def main():
    # A parent (a test runner) may have started us with SIGTERM ignored; restore the default.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--slow-seconds", type=float, default=30)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.root = args.root
    server.slow_seconds = args.slow_seconds
    server.failed = set()
    server.lock = threading.Lock()
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
