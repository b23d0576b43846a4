#!/usr/bin/python3
"""gdb's eventlet extension on a live process and on a core file (gcore): `info greenlets`
names the greenthreads and their states, `greenlet bt 1` walks the victim's stack from its
saved context to the function where it waits. The core file is the kernel's dump of the
process (SIGABRT), or gcore's where the kernel's goes to a pipe.

usage: gdb_check.py BACKDOOR_SERVER EVENTLET_GDB_SCRIPT
"""
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile


def gdb(args, script):
    cmd = ["gdb", "-batch", "-nx", "-ex", "set debuginfod enabled off"] + args + [
        "-ex", "source " + script, "-ex", "info greenlets", "-ex", "greenlet bt 1",
        "-ex", "greenlet bt 99999"]
    out = subprocess.run(cmd, capture_output=True, timeout=120)
    return out.stdout.decode("utf-8", "replace") + out.stderr.decode("utf-8", "replace")


def check_output(text, where):
    for part in ("victim", "waiting on event", "waiting on queue get",
                 "waiting on semaphore acquire", "sleeping", "waiting on fd",
                 "backdoor_test_wait_on_event", "no greenthread 99999"):
        if part not in text:
            raise AssertionError("%s: gdb output lacks %r:\n%s" % (where, part, text))


def allow_core():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def main():
    server_exe, script = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    tmp = tempfile.mkdtemp(prefix="backdoor-gdb-")
    server = subprocess.Popen([server_exe, os.path.join(tmp, "bd.sock")], stdout=subprocess.PIPE,
                              cwd=tmp, preexec_fn=allow_core)
    try:
        if server.stdout.readline() != b"ready\n":
            raise AssertionError("the server did not start")
        check_output(gdb(["-p", str(server.pid)], script), "live process")
        if server.poll() is not None:
            raise AssertionError("the server died under gdb")
        # The core file: the kernel's own dump where core_pattern writes a file, else gcore.
        # (gcore cannot read stacks whose guard pages are MADV_GUARD_INSTALL regions, Linux
        # 6.13 and later: it stops at the first guard and leaves the rest of the slab zeros.)
        with open("/proc/sys/kernel/core_pattern") as f:
            piped = f.read().startswith("|")
        core = os.path.join(tmp, "gcore")
        if not piped:
            server.send_signal(signal.SIGABRT)
            server.wait(60)
            dumped = [n for n in os.listdir(tmp) if n.startswith("core")]
            if dumped:
                core = os.path.join(tmp, dumped[0])
        if not os.path.exists(core):
            subprocess.run(["gdb", "-batch", "-nx", "-p", str(server.pid), "-ex", "gcore " + core],
                           capture_output=True, timeout=120, check=True)
        check_output(gdb([server_exe, core], script), "core file " + os.path.basename(core))
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
