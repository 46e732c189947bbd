#!/usr/bin/env python3
"""A loopback server emulating podcast feeds and paged web catalogs, for tests and benchmarks.

    catalog-server.py --root DIR [--port 0] [--log FILE] [--collections 7] [--page-delay-ms 0]
                      [--flat-pages 200] [--flat-size 50]

Prints "PORT <n>" once listening. --log appends one JSON line per request:
{"path", "query", "host", "status", "if_none_match", "if_modified_since", "api_key"} (api_key:
the request's X-Api-Key header).

Feeds:
    /feed/paged/<pages>[.atom]?page=K
                                    Atom feed page K (1-based) of <pages>, 3 entries each, with
                                    <link rel="next"> (the same path) on every page but the last
    /feed/conditional.rss           RSS 2.0 with ETag "feed-v1" and a Last-Modified; 304 to a
                                    matching If-None-Match or an If-Modified-Since not before it
    /feed/local-next.atom           one entry, and a next page on the local disk (file:///etc/hostname)
    /redirect?to=URL                302 to URL
Catalogs (JSON), <kind> one of:
    square     --collections collections, 3 a page, has_more true until the last page
    repeating  the same, but has_more is always true and a page past the end repeats the last
    broken     as square, but page 3 answers HTTP 500
    flaky      as square, but page 3 answers HTTP 503 the first --flaky-failures times (default 3)
    /catalog/<kind>/collections?page=N           page paging (N from 1)
    /catalog/<kind>/collections?offset=O&limit=L offset paging
    /catalog/<kind>/collections?cursor=C         cursor paging (empty C: the first page)
        {"data": {"playlists": [{"id", "name"}], "has_more"}, "next": cursor or null}
    /catalog/<kind>/collections/<id>/items?page=N  (or offset/limit, cursor) a collection's
        items, 4 a page, 5 + (number of <id> mod 3) items:
        {"tracks": [{"id", "title", "artists": [{"name"}], "duration_ms", "stream_url"}],
         "has_more", "next_cursor"}
    /catalog/flat/items?page=N      --flat-pages pages of --flat-size items (no collections)
Each catalog request waits --page-delay-ms first (a kill lands mid-collection).
    /media/<name>                   the file <root>/<name>
    /truncated/<name>               announces the file's length, sends half of it, closes
Search endpoints (resolver sources), /search/<name>?title=T&artist=A&duration=D, answering
{"results": [{"stream", "name", "artists": [{"name"}], "length", "codec", "kbps", "bytes"}]}:
    loud       two wrong candidates at 320 kb/s: another song ("Day Shift"), and T 40 s longer
    lossless   T as FLAC, whose stream is /truncated/tone.mp3 (the download fails)
    small      T "(2019 Remaster)" at 128 kb/s, 1 s longer: the right song, lower quality
    garbage    T as a large WAV whose stream is /media/notmedia.wav (not media: the probe fails)
    down       HTTP 503
"""
import argparse
import base64
import email.utils
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ARGS = None
LOG_LOCK = threading.Lock()
FLAKY_LOCK = threading.Lock()
FLAKY_SEEN = {"count": 0}
FEED_MODIFIED = email.utils.formatdate(1_700_000_000, usegmt=True)


def collection_count(kind):
    return ARGS.collections


def paged(entries, query, size):
    """The entries of the page the query asks for, whether more follow, and the next cursor."""
    if "cursor" in query:
        raw = query["cursor"][0]
        start = int(base64.urlsafe_b64decode(raw.encode()).decode()) if raw else 0
        limit = size
    elif "offset" in query:
        start = int(query["offset"][0])
        limit = int(query.get("limit", [size])[0])
    else:
        start = (int(query.get("page", ["1"])[0]) - 1) * size
        limit = size
    chunk = entries[start:start + limit]
    more = start + limit < len(entries)
    cursor = base64.urlsafe_b64encode(str(start + limit).encode()).decode() if more else None
    return chunk, more, cursor, start


def track(collection, number):
    return {
        "id": f"{collection}-t{number}",
        "title": f"Song {number} of {collection}",
        "artists": [{"name": f"Artist {collection}"}, {"name": "Guest"}],
        "duration_ms": 1000 + number,
        "stream_url": f"/media/tone.mp3?{collection}-{number}",
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one write (flushed after each request), and without Nagle's
    # delay: otherwise a client that keeps the connection waits out a delayed ACK per response.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def log(self, status):
        if not ARGS.log:
            return
        url = urlparse(self.path)
        line = json.dumps({
            "path": url.path, "query": url.query, "host": self.headers.get("Host"), "status": status,
            "if_none_match": self.headers.get("If-None-Match"),
            "if_modified_since": self.headers.get("If-Modified-Since"),
            "api_key": self.headers.get("X-Api-Key"),
        })
        with LOG_LOCK, open(ARGS.log, "a") as f:
            f.write(line + "\n")

    def send(self, status, body=b"", content_type="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.log(status)

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        parts = [p for p in url.path.split("/") if p]
        try:
            if parts[:2] == ["feed", "paged"]:
                return self.paged_feed(url.path, int(parts[2].split(".")[0]), int(query.get("page", ["1"])[0]))
            if parts == ["feed", "conditional.rss"]:
                return self.conditional_feed()
            if parts == ["feed", "local-next.atom"]:
                body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>Local</title><link rel="next" href="file:///etc/hostname"/>
<entry><id>urn:local:1</id><link rel="enclosure" href="/media/tone.mp3?l1"/></entry></feed>"""
                return self.send(200, body, "application/atom+xml")
            if parts == ["redirect"]:
                return self.send(302, b"", "text/plain", {"Location": query["to"][0]})
            if parts and parts[0] == "catalog":
                if ARGS.page_delay_ms:
                    time.sleep(ARGS.page_delay_ms / 1000)
                return self.catalog(parts[1:], query)
            if parts and parts[0] == "search":
                return self.search(parts[1], query)
            if len(parts) == 2 and parts[0] == "truncated":
                with open(os.path.join(ARGS.root, os.path.basename(parts[1])), "rb") as f:
                    data = f.read()
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.log(200)
                return
            if len(parts) == 2 and parts[0] == "media":
                path = os.path.join(ARGS.root, os.path.basename(parts[1]))
                with open(path, "rb") as f:
                    return self.send(200, f.read(), "audio/mpeg")
        except (ValueError, IndexError, OSError):
            return self.send(400, b'{"error": "bad request"}')
        self.send(404, b'{"error": "not found"}')

    def search(self, name, query):
        title = query.get("title", [""])[0]
        artists = [{"name": query.get("artist", [""])[0]}]
        duration = float(query.get("duration", ["0"])[0] or 0)

        def result(stream, name, length, codec, kbps, size):
            return {"stream": stream, "name": name, "artists": artists, "length": length, "codec": codec, "kbps": kbps, "bytes": size}
        if name == "loud":
            results = [result("/media/tone.mp3?loud-wrong", "Day Shift", duration, "mp3", 320, 9_000_000),
                       result("/media/tone.mp3?loud-long", title, duration + 40, "mp3", 320, 9_500_000)]
        elif name == "lossless":
            results = [result("/truncated/tone.mp3", title, duration, "flac", 900, 30_000_000)]
        elif name == "small":
            results = [result("/media/tone.mp3?small", title + " (2019 Remaster)", duration + 1, "mp3", 128, 300_000)]
        elif name == "garbage":
            results = [result("/media/notmedia.wav", title, duration, "wav", 1411, 40_000_000)]
        elif name == "down":
            return self.send(503, b'{"error": "down for maintenance"}')
        else:
            return self.send(404, b'{"error": "no such source"}')
        self.send(200, json.dumps({"results": results}).encode())

    def paged_feed(self, path, pages, page):
        entries = "".join(
            f"""<entry><id>urn:paged:{page}-{n}</id><title>Episode {page}.{n}</title>
<link rel="enclosure" href="/media/tone.mp3?{page}-{n}" type="audio/mpeg"/></entry>"""
            for n in range(1, 4))
        nxt = f'<link rel="next" href="{path}?page={page + 1}"/>' if page < pages else ""
        body = f"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Paged Show</title>
<id>urn:paged</id>{nxt}{entries}</feed>""".encode()
        self.send(200, body, "application/atom+xml")

    def conditional_feed(self):
        etag = '"feed-v1"'
        since = self.headers.get("If-Modified-Since")
        if self.headers.get("If-None-Match") == etag or (
                since and email.utils.parsedate_to_datetime(since) >= email.utils.parsedate_to_datetime(FEED_MODIFIED)):
            return self.send(304, b"", "application/rss+xml", {"ETag": etag})
        body = b"""<?xml version="1.0"?><rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>Conditional Show</title>
<item><guid>cond-1</guid><title>First</title><enclosure url="/media/tone.mp3?c1" type="audio/mpeg"/></item>
<item><guid>cond-2</guid><title>Second</title><enclosure url="/media/tone.mp3?c2" type="audio/mpeg"/></item>
</channel></rss>"""
        self.send(200, body, "application/rss+xml", {"ETag": etag, "Last-Modified": FEED_MODIFIED})

    def catalog(self, parts, query):
        kind = parts[0]
        if kind == "flat" and parts[1:] == ["items"]:
            # Only the page's entries are made (the server's own cost stays small beside the client's).
            total = ARGS.flat_pages * ARGS.flat_size
            chunk, more, cursor, start = paged(range(1, total + 1), query, ARGS.flat_size)
            tracks = [track("flat", n) for n in chunk]
            return self.send(200, json.dumps({"tracks": tracks, "has_more": more, "next_cursor": cursor}).encode())
        if kind not in ("square", "repeating", "broken", "flaky"):
            return self.send(404, b'{"error": "no such catalog"}')
        collections = [{"id": f"{kind}{n}", "name": f"{kind.title()} list {n}"} for n in range(1, collection_count(kind) + 1)]
        if parts[1:] == ["collections"]:
            size = 3
            page = int(query.get("page", ["0"])[0]) if "page" in query else None
            if kind == "broken" and page == 3:
                return self.send(500, b'{"error": "internal"}')
            if kind == "flaky" and page == 3:
                with FLAKY_LOCK:
                    FLAKY_SEEN["count"] += 1
                    failing = FLAKY_SEEN["count"] <= ARGS.flaky_failures
                if failing:
                    return self.send(503, b'{"error": "busy"}')
            chunk, more, cursor, start = paged(collections, query, size)
            if kind == "repeating":
                if not chunk:
                    last = (len(collections) - 1) // size * size
                    chunk = collections[last:last + size]
                more = True
                cursor = cursor or base64.urlsafe_b64encode(str(start + size).encode()).decode()
            body = {"data": {"playlists": chunk, "has_more": more}, "next": cursor}
            return self.send(200, json.dumps(body).encode())
        if len(parts) == 3 and parts[1] == "collections" or len(parts) == 4 and parts[3] == "items":
            cid = parts[2]
            if cid not in {c["id"] for c in collections}:
                return self.send(404, b'{"error": "no such collection"}')
            number = int("".join(ch for ch in cid if ch.isdigit()) or "0")
            entries = [track(cid, n) for n in range(1, 5 + number % 3 + 1)]
            chunk, more, cursor, _ = paged(entries, query, 4)
            return self.send(200, json.dumps({"tracks": chunk, "has_more": more, "next_cursor": cursor}).encode())
        self.send(404, b'{"error": "not found"}')


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log")
    parser.add_argument("--collections", type=int, default=7)
    parser.add_argument("--page-delay-ms", type=int, default=0)
    parser.add_argument("--flat-pages", type=int, default=200)
    parser.add_argument("--flat-size", type=int, default=50)
    parser.add_argument("--flaky-failures", type=int, default=3)
    ARGS = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
