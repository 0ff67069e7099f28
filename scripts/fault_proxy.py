#!/usr/bin/env python3
"""A fault-injecting HTTP proxy on loopback, in front of moto, for what moto does not model.

usage: fault_proxy.py UPSTREAM_PORT [--throttle-every N] [--drop-every N] [--slow-every N --slow-secs S]
                     [--expire-after N] [--repeat-token]

Prints `PORT` when ready. Every N-th FilterLogEvents request is answered with HTTP 400 and a
`ThrottlingException` body (as CloudWatch Logs does when its rate limit is exceeded), or the
connection is closed without an answer (--drop-every), or the answer is held back for S seconds
(--slow-every). With --expire-after N, every FilterLogEvents request after the N-th is refused
with `ExpiredTokenException` (credentials that expired mid-read). With --repeat-token, an answer
to a request that carried a `nextToken` carries that same token back instead of the next one
(a server stuck on one page). Every other request is forwarded unchanged. Counts of what it did are written
to stderr when it is stopped (SIGTERM).
"""
import argparse, json, http.client, http.server, signal, socketserver, sys, threading, time

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("upstream", type=int)
    ap.add_argument("--throttle-every", type=int, default=0)
    ap.add_argument("--drop-every", type=int, default=0)
    ap.add_argument("--slow-every", type=int, default=0)
    ap.add_argument("--slow-secs", type=float, default=0)
    ap.add_argument("--expire-after", type=int, default=0)
    ap.add_argument("--repeat-token", action="store_true")
    args = ap.parse_args()
    lock = threading.Lock()
    counts = {"filter": 0, "throttled": 0, "dropped": 0, "slowed": 0, "expired": 0, "repeated": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            target = self.headers.get("X-Amz-Target", "")
            action = None
            if target.endswith("FilterLogEvents"):
                with lock:
                    counts["filter"] += 1
                    n = counts["filter"]
                if args.expire_after and n > args.expire_after:
                    action = "expired"
                elif args.throttle_every and n % args.throttle_every == 0:
                    action = "throttled"
                elif args.drop_every and n % args.drop_every == 0:
                    action = "dropped"
                elif args.slow_every and n % args.slow_every == 0:
                    action = "slowed"
            if action:
                with lock:
                    counts[action] += 1
            if action in ("throttled", "expired"):
                kind, text = {
                    "throttled": ("ThrottlingException", "Rate exceeded"),
                    "expired": ("ExpiredTokenException", "The security token included in the request is expired"),
                }[action]
                msg = json.dumps({"__type": kind, "message": text}).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("x-amzn-ErrorType", kind)
                self.send_header("Content-Length", str(len(msg)))
                self.end_headers()
                self.wfile.write(msg)
                return
            if action == "dropped":
                self.close_connection = True
                self.connection.close()
                return
            if action == "slowed":
                time.sleep(args.slow_secs)
            conn = http.client.HTTPConnection("127.0.0.1", args.upstream, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            conn.request("POST", self.path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            if args.repeat_token and target.endswith("FilterLogEvents") and r.status == 200:
                asked = json.loads(body or b"{}").get("nextToken")
                answer = json.loads(data)
                if asked and answer.get("nextToken"):
                    answer["nextToken"] = asked
                    data = json.dumps(answer).encode()
                    with lock:
                        counts["repeated"] += 1
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    srv = Server(("127.0.0.1", 0), Handler)
    def bye(*_):
        print(counts, file=sys.stderr, flush=True)
        sys.exit(0)
    signal.signal(signal.SIGTERM, bye)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()

if __name__ == "__main__":
    main()
