#!/usr/bin/env python3
"""A real HTTP server on loopback with injectable faults, for tests and benchmarks.

    fault-http-server.py --root DIR [--port 0] [--slow-seconds 30] [--drop-after 1048576] [--log FILE]

Prints "PORT <n>" on its first line once listening. Options:
    --root DIR             the files served (<name> is always a plain file name in DIR)
    --port N               the port (0, the default, picks a free one)
    --slow-seconds S       how long /slow waits (default 30)
    --drop-after N         how many body bytes /ranged-drop sends before closing (default 1 MiB)
    --barrier-seconds S    how long /barrier waits for its n requests (default 20)
    --log FILE             append one JSON line per request once its response finished (or failed):
                           {"path", "range", "if_range", "status", "body_bytes", "started",
                           "finished"}; range and if_range are the request's headers or null,
                           body_bytes what reached the socket after the headers (chunk framing
                           included for /stream), started and finished the times (seconds since
                           1970) the request was read and its response ended

Routes:
    /files/<name>          the file, with Content-Length (keep-alive, HTTP/1.1); ignores Range and
                           sends no ETag or Accept-Ranges (a server without range support)
    /status/<code>         that status and a short body
    /slow/<name>           waits --slow-seconds before answering at all
    /drop/<name>           announces the full length, sends half the body, then closes
    /redirect/<n>/<name>   redirects n times, then serves /files/<name>
    /stream/<n>/<name>     n bytes of generated data, chunked (no Content-Length up front)
    /delay/<ms>/<name>     waits ms milliseconds, then serves the file
    /barrier/<n>/<name>    holds every request until n of them are open at once, then serves the
                           file to all (and at once to later ones); after --barrier-seconds
                           without n open it answers 503 with how many were ("3 of 32 open")
    /trickle/<name>        the file in 64 KiB pieces, 5 ms apart (a kill lands mid-file)
    /fail-once/<name>      HTTP 500 the first time a path is asked for, the file after that
    /fail-times/<n>/<code>/<name>
                           HTTP <code> the first n times that exact path (query included) is asked
                           for, then the file as /files serves it; a 429 or 503 carries
                           Retry-After: <s> when the query has retry_after=<s>
    /hold/<name>           waits while the file <root>/hold exists (a test's gate), then serves;
                           a request that finds the gate closed first creates <root>/held-<name>
    /hold-body/<name>      sends the headers (with Content-Length) at once, then holds the body
                           while <root>/hold exists
    /ranged/<name>         the file with Accept-Ranges: bytes, ETag and Last-Modified; honors a
                           single Range (bytes=N-, bytes=N-M, bytes=-N) with 206 and Content-Range,
                           416 with Content-Range: bytes */total when unsatisfiable; an If-Range that
                           is neither the ETag (strong compare) nor the Last-Modified string makes it
                           ignore the Range and send 200 with the whole file. The ETag is
                           "<size hex>-<mtime_ns hex>", or the stripped content of <root>/<name>.etag
                           when that file exists (the server adds the quotes); with the query
                           ignore_if_range=1 it answers the Range whatever the If-Range says
    /ranged-drop/<name>    as /ranged, but a response whose body is longer than --drop-after
                           announces its full length, sends --drop-after bytes, then closes; a
                           client resuming with Range gets one more piece each time
    /ranged-trickle/<name> as /ranged, in 64 KiB pieces 5 ms apart (a kill lands mid-file)
    /endless/<name>        200 audio/mpeg, Connection: close, no Content-Length nor chunking: the
                           file's bytes repeated (zeros if it does not exist) until the client leaves
    /icy/<name>            as /endless, with icy-name: Test Radio, icy-metaint: 16000, icy-br: 128
                           (headers only: no metadata blocks are interleaved in the body)
"""
import argparse
import email.utils
import io
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

PIECE = 65536


class CountingWriter(io.BufferedIOBase):
    """The handler's wfile: writes straight to the socket (as the stdlib's unbuffered writer
    does) and counts the bytes the kernel took, so a failed write still counts what went out."""

    def __init__(self, sock):
        self._sock = sock
        self.count = 0

    def writable(self):
        return True

    def write(self, b):
        view = memoryview(b).cast("B")
        total = view.nbytes
        while view.nbytes:
            n = self._sock.send(view)
            self.count += n
            view = view[n:]
        return total

    def fileno(self):
        return self._sock.fileno()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FaultServer/1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.wfile = CountingWriter(self.connection)

    def handle_one_request(self):
        self.command = None
        self.path = None
        self.headers = None
        self._status = None
        self._body_start = None
        self._started = None
        try:
            super().handle_one_request()
        finally:
            if self.command is not None or self._status is not None:
                self.log_request_line()

    def send_response(self, code, message=None):
        self._status = code
        super().send_response(code, message)

    def end_headers(self):
        super().end_headers()
        self._body_start = self.wfile.count

    def log_request_line(self):
        log = self.server.log_path
        if not log:
            return
        headers = self.headers
        line = json.dumps({
            "path": self.path,
            "range": headers.get("Range") if headers is not None else None,
            "if_range": headers.get("If-Range") if headers is not None else None,
            "status": self._status,
            "body_bytes": self.wfile.count - self._body_start if self._body_start is not None else 0,
            "started": self._started,
            "finished": time.time(),
        })
        with self.server.log_lock:
            with open(log, "a") as f:
                f.write(line + "\n")
                f.flush()

    def do_GET(self):
        self._started = time.time()
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
        if route == "barrier" and len(rest) >= 2 and rest[0].isdigit():
            return self.barrier(int(rest[0]), rest[1])
        if route == "hold" and rest:
            gate = os.path.join(self.server.root, "hold")
            if os.path.exists(gate):
                open(os.path.join(self.server.root, "held-" + rest[0]), "w").close()  # a test sees who waits
            while os.path.exists(gate):
                time.sleep(0.02)
            return self.send_file(rest[0])
        if route == "hold-body" and rest:
            return self.send_file(rest[0], hold_body=True)
        if route == "trickle" and rest:
            return self.send_file(rest[0], trickle=True)
        if route == "fail-once" and rest:
            with self.server.lock:
                first = self.path not in self.server.failed
                self.server.failed.add(self.path)
            return self.status(500) if first else self.send_file(rest[0])
        if route == "fail-times" and len(rest) >= 3 and rest[0].isdigit() and rest[1].isdigit():
            with self.server.lock:
                seen = self.server.fail_counts.get(self.path, 0)
                self.server.fail_counts[self.path] = seen + 1
            if seen >= int(rest[0]):
                return self.send_file(rest[2])
            code, extra = int(rest[1]), {}
            query = parse_qs(self.path.partition("?")[2])
            if code in (429, 503) and query.get("retry_after"):
                extra["Retry-After"] = query["retry_after"][0]
            return self.status(code, extra)
        if route == "ranged" and rest:
            return self.send_ranged(rest[0])
        if route == "ranged-drop" and rest:
            return self.send_ranged(rest[0], drop_after=self.server.drop_after)
        if route == "ranged-trickle" and rest:
            return self.send_ranged(rest[0], trickle=True)
        if route == "endless" and rest:
            return self.endless(rest[0])
        if route == "icy" and rest:
            return self.endless(rest[0], {"icy-name": "Test Radio", "icy-metaint": "16000", "icy-br": "128"})
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

    def barrier(self, n, name):
        server = self.server
        with server.barrier:
            server.barrier_open[n] = server.barrier_open.get(n, 0) + 1
            server.barrier.notify_all()
            released = server.barrier.wait_for(
                lambda: n in server.barrier_released or server.barrier_open[n] >= n, timeout=server.barrier_seconds)
            if released:
                server.barrier_released.add(n)
            seen = server.barrier_open[n]
            server.barrier_open[n] -= 1
        if not released:
            body = f"{seen} of {n} open\n".encode()
            self.send_response(503)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        return self.send_file(name)

    def status(self, code, extra_headers=None):
        body = f"status {code}\n".encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra_headers or {}).items():
            self.send_header(key, value)
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

    def send_file(self, name, drop=False, trickle=False, hold_body=False):
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
        if hold_body:
            self.wfile.flush()
            while os.path.exists(os.path.join(self.server.root, "hold")):
                time.sleep(0.02)
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

    def send_ranged(self, name, drop_after=None, trickle=False):
        name = os.path.basename(name)
        path = os.path.join(self.server.root, name)
        try:
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                data = f.read()
        except OSError:
            return self.status(404)
        total = len(data)
        try:
            with open(path + ".etag") as f:
                etag = f'"{f.read().strip()}"'
        except OSError:
            etag = f'"{st.st_size:x}-{st.st_mtime_ns:x}"'
        last_modified = email.utils.formatdate(st.st_mtime, usegmt=True)

        byte_range = parse_range(self.headers.get("Range"))
        if_range = self.headers.get("If-Range")
        # `?ignore_if_range=1`: a server that answers any Range, changed file or not (some do).
        honours_if_range = "ignore_if_range=1" not in self.path.partition("?")[2]
        if honours_if_range and if_range is not None and if_range.strip() not in (etag, last_modified):
            byte_range = None  # the representation changed: the whole file, not a piece of it

        def headers(code, length):
            self.send_response(code)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)

        if byte_range is None:
            start, end = 0, total  # end exclusive
            headers(200, total)
        else:
            first, last = byte_range
            if first is None:  # suffix: the last `last` bytes
                first, last = max(0, total - last), total - 1
            if last is None or last >= total:
                last = total - 1
            if first >= total or (byte_range[0] is None and byte_range[1] == 0):
                headers(416, 0)
                self.send_header("Content-Range", f"bytes */{total}")
                self.end_headers()
                return
            start, end = first, last + 1
            headers(206, end - start)
            self.send_header("Content-Range", f"bytes {first}-{last}/{total}")
        self.end_headers()

        limit = end if drop_after is None or end - start <= drop_after else start + drop_after
        try:
            for offset in range(start, limit, PIECE):
                self.wfile.write(data[offset:min(offset + PIECE, limit)])
                self.wfile.flush()
                if trickle:
                    time.sleep(0.005)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        if limit < end:
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.close_connection = True

    def endless(self, name, extra_headers=None):
        try:
            with open(os.path.join(self.server.root, os.path.basename(name)), "rb") as f:
                data = f.read()
        except OSError:
            data = b""
        if not data:
            data = bytes(PIECE)
        # The file repeated, long enough that any PIECE-long window starting inside the first copy fits.
        cycle = data * (PIECE // len(data) + 2)
        self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Connection", "close")
        for key, value in (extra_headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.close_connection = True
        offset = 0
        try:
            while True:
                self.wfile.write(cycle[offset:offset + PIECE])
                self.wfile.flush()
                offset = (offset + PIECE) % len(data)
        except (BrokenPipeError, ConnectionResetError):
            return


def parse_range(value):
    """A single "bytes=N-", "bytes=N-M" or "bytes=-N" as (first, last) with last inclusive and None
    for an open end (first None: a suffix of `last` bytes); None for anything else, which, as a
    server may, we ignore."""
    if not value:
        return None
    unit, _, spec = value.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or (first and not first.isdigit()) or (last and not last.isdigit()):
        return None
    if not first:
        return (None, int(last)) if last else None
    if last and int(last) < int(first):
        return None
    return (int(first), int(last) if last else None)


class Server(ThreadingHTTPServer):
    request_queue_size = 128  # a client opening dozens of connections at once is not refused


def main():
    # A parent (a test runner) may have started us with SIGTERM ignored; restore the default.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--slow-seconds", type=float, default=30)
    parser.add_argument("--drop-after", type=int, default=1 << 20)
    parser.add_argument("--barrier-seconds", type=float, default=20)
    parser.add_argument("--log")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (a test network's, else loopback)")
    args = parser.parse_args()
    server = Server((args.host, args.port), Handler)
    server.daemon_threads = True
    server.root = args.root
    server.slow_seconds = args.slow_seconds
    server.drop_after = args.drop_after
    server.log_path = args.log
    server.log_lock = threading.Lock()
    server.failed = set()
    server.fail_counts = {}
    server.lock = threading.Lock()
    server.barrier = threading.Condition()
    server.barrier_open = {}
    server.barrier_released = set()
    server.barrier_seconds = args.barrier_seconds
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
