#!/usr/bin/python3
"""The backdoor console with real clients: socat and Python's socket module, many at once.

usage: clients.py BACKDOOR_SERVER   (the program of backdoor_server.cpp; EVENTLET_HUB is passed on)
"""
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading

PROMPT = b"\n> "


def read_until(sock, end, limit=8 << 20):
    data = b""
    while not data.endswith(end):
        part = sock.recv(65536)
        if not part:
            raise AssertionError("connection closed; got %r" % data[-300:])
        data += part
        assert len(data) < limit
    return data


class Client:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(path)
        greeting = read_until(self.sock, b"> ")
        assert greeting.startswith(b"eventlet backdoor"), greeting

    def ask(self, line):
        self.sock.sendall(line + b"\n")
        return read_until(self.sock, PROMPT).decode("utf-8", "replace")

    def close(self):
        self.sock.close()


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def main():
    server_exe = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="backdoor-")
    path = os.path.join(tmp, "bd.sock")
    server = subprocess.Popen([server_exe, path], stdout=subprocess.PIPE)
    try:
        check(server.stdout.readline() == b"ready\n", "the server did not start")
        mode = stat.S_IMODE(os.stat(path).st_mode)
        check(mode == 0o600, "socket mode %o, not 600" % mode)

        # socat, as an operator would use it.
        out = subprocess.run(["socat", "-", "UNIX-CONNECT:" + path], input=b"hub\nquit\n",
                             capture_output=True, timeout=30).stdout.decode()
        hub = os.environ.get("EVENTLET_HUB", "")
        check("backend: " + hub in out and out.endswith("bye\n"), "socat: " + out)

        # Many clients at once, each listing every greenthread with backtraces.
        failures = []

        def lister():
            try:
                c = Client(path)
                text = c.ask(b"greenthreads")
                for part in ("'victim' waiting on event", "backdoor_test_wait_on_event",
                             "'q7' waiting on queue get", "'sem3' waiting on semaphore acquire",
                             "'nap0' sleeping until", "'reader' waiting on fd", "running, age"):
                    check(part in text, "listing lacks %r:\n%s" % (part, text[:3000]))
                c.close()
            except Exception as e:  # reported by the main thread
                failures.append(repr(e))

        threads = [threading.Thread(target=lister) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        check(not failures, "listers: %s" % failures[:3])

        c = Client(path)
        # Garbage, then a 1 MiB line: errors, and the connection still answers.
        check("error: unknown command" in c.ask(b"\x00\xff\xfe\x01garbage \x1b[2J"), "garbage")
        c.sock.sendall(b"x" * (1 << 20) + b"\n")
        reply = read_until(c.sock, PROMPT).decode()
        check("error: line longer than 4096 bytes" in reply, "1 MiB line: " + reply[:200])
        check("greenthreads: " in c.ask(b"help"), "help after the long line")
        check("green_pool 'workers' size=8 running=1 free=7 waiting=0" in c.ask(b"pools"),
              "pools")
        check("max threads: " in c.ask(b"tpool"), "tpool")
        check("error: usage: kill ID" in c.ask(b"kill me"), "kill me")
        # kill ID, with the id read from the listing.
        listing = c.ask(b"greenthreads")
        victim = re.search(r"^#(\d+) 'victim'", listing, re.M)
        check(victim is not None, "no victim in:\n" + listing[:2000])
        check(c.ask(b"kill " + victim.group(1).encode()).startswith("killed #"), "kill")
        check("'victim'" not in c.ask(b"greenthreads"), "the victim is still listed")
        c.close()
        check(server.poll() is None, "the server died")
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
