"""The HTTP server the client tests talk to: Python's http.server, HTTP/1.1 with keep-alive.

    client_server.py [--host H] [--tls CERT KEY]

It listens on H (127.0.0.1 by default) at a port the kernel picks, prints one line,
"listening on H:PORT", and serves until it is killed. Paths:

    /echo                 what came: method, path, the client's port, each header, the body
    /length/N             N bytes of "0123456789" repeated, with Content-Length
    /chunked/N            the same, chunked in pieces of 1000 bytes, with a trailer X-Sum
    /until-close/N        the same, ended by closing the connection (no length)
    /close-after/N        the same with Content-Length, then the connection is closed
                          without "Connection: close" having been said
    /redirect/S?to=URL    status S with Location URL (a relative one is resolved by the client)
    /loop                 302 to /loop, forever
    /continue             100 Continue, then /echo's answer
    /slow-head?s=T        the head after T seconds
    /slow-body?s=T        a head of Content-Length 10, 5 bytes, then the rest after T seconds
"""
import argparse
import http.server
import ssl
import sys
import time
import urllib.parse


def pattern(n):
    return (b"0123456789" * (n // 10 + 1))[:n]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: the test's output is the client's
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def send(self, status, body, headers=(), head_only=False):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def echo(self):
        body = self.read_body()
        lines = ["method=" + self.command, "path=" + self.path,
                 "port=%d" % self.client_address[1]]
        lines += ["h:%s=%s" % (k.lower(), v) for k, v in self.headers.items()]
        lines.append("body=" + body.decode("latin-1"))
        self.send(200, "\n".join(lines).encode("latin-1"), head_only=self.command == "HEAD")

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        parts = url.path.strip("/").split("/")
        head_only = self.command == "HEAD"
        if parts[0] == "echo":
            self.echo()
        elif parts[0] == "length":
            self.read_body()
            self.send(200, pattern(int(parts[1])), head_only=head_only)
        elif parts[0] == "chunked":
            self.read_body()
            data = pattern(int(parts[1]))
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "X-Sum")
            self.end_headers()
            for i in range(0, len(data), 1000):
                piece = data[i:i + 1000]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\nX-Sum: %d\r\n\r\n" % sum(data))
        elif parts[0] == "until-close":
            self.read_body()
            self.send_response(200)
            self.end_headers()
            self.wfile.write(pattern(int(parts[1])))
            self.close_connection = True
        elif parts[0] == "close-after":
            self.read_body()
            self.send(200, pattern(int(parts[1])), head_only=head_only)
            self.close_connection = True
        elif parts[0] == "redirect":
            self.read_body()
            self.send(int(parts[1]), b"moved", [("Location", query["to"])], head_only)
        elif parts[0] == "loop":
            self.send(302, b"", [("Location", "/loop")], head_only)
        elif parts[0] == "continue":
            self.send_response_only(100)
            self.end_headers()
            self.echo()
        elif parts[0] == "slow-head":
            time.sleep(float(query["s"]))
            self.send(200, b"late")
        elif parts[0] == "slow-body":
            self.send_response(200)
            self.send_header("Content-Length", "10")
            self.end_headers()
            self.wfile.write(b"01234")
            self.wfile.flush()
            time.sleep(float(query["s"]))
            self.wfile.write(b"56789")
        else:
            self.send(404, b"no such path")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client that left: its business
        pass


def main():
    args = argparse.ArgumentParser()
    args.add_argument("--host", default="127.0.0.1")
    args.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    options = args.parse_args()
    server = Server((options.host, 0), Handler)
    if options.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*options.tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("listening on %s:%d" % server.server_address[:2], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
