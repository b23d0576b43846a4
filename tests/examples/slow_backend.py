#!/usr/bin/python3
# A slow HTTP backend for embed_evhttp_proxy's test: each GET waits 0.2 s, then answers with its
# path. Many at once (a thread each). Prints "listening on 127.0.0.1:PORT" (--port 0: any).
import http.server
import signal
import sys
import time

# Stopped with SIGTERM, as the examples are: exit with status 0.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(0.2)
        body = ("slow " + self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 256  # listen()'s backlog: 100 clients connect at once
    daemon_threads = True


port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
server = Server(("127.0.0.1", port), Handler)
print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
