#!/usr/bin/env python3
"""The app the keeper relays to in the kill loop: records the webhook-id header (and whether the
body is a notification or a subkeeper lifecycle event) of every delivery, answers 204.
GET /_sink/count answers the number of deliveries so far; every delivery is also appended to
--log as "<webhook-id>\t<kind>" (flushed per line, so it survives anything but this process).
"""
import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
count = 0
log = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def do_GET(self):
        with lock:
            body = json.dumps({"count": count}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        global count
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        wid = self.headers.get("webhook-id", "")
        kind = "event"
        try:
            parsed = json.loads(body or b"{}")
            if isinstance(parsed, dict) and str(parsed.get("type", "")).startswith("subscription."):
                kind = "lifecycle"
        except ValueError:
            kind = "unparsable"
        with lock:
            count += 1
            log.write(f"{wid}\t{kind}\n")
            log.flush()
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    global log
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    log = open(a.log, "a", encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.daemon_threads = True
    print("READY", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
