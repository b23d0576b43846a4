# gdb extension for eventlet for C++: the greenthreads of a live process or a core file.
#
#   (gdb) info greenlets          id, name and state of every greenthread of every hub thread
#   (gdb) greenlet bt ID          the stack of suspended greenthread ID (THREAD.ID picks the
#                                 thread when several hubs number their greenthreads alike)
#
# Installed beside libeventlet.so so that gdb loads it with the library; for a program linked
# with the static library: (gdb) source <prefix>/share/gdb/auto-load/.../libeventlet.so.*-gdb.py
#
# The stack of a suspended greenlet is walked from its saved context (greenlet/asm/frame.h): an
# unwinder, while `greenlet bt` runs, gives the innermost frame of the selected thread the
# greenlet's saved registers as its caller's, and gdb's own DWARF unwinding goes on from there.
# x86-64 and AArch64.

import gdb
import gdb.unwinder

# Where each register is saved in a suspended context, and how far above the handle the
# stack pointer was (asm/frame.h).
FRAMES = {
    "i386:x86-64": {
        "regs": {"r12": 0x08, "r13": 0x10, "r14": 0x18, "r15": 0x20, "rbx": 0x28, "rbp": 0x30},
        "pc": ("rip", 0x38),
        "sp": ("rsp", 0x40),
    },
    "aarch64": {
        "regs": dict([("x%d" % (19 + i), 0x40 + 8 * i) for i in range(10)]
                     + [("x29", 0x90), ("x30", 0x98)]),
        "pc": ("pc", 0x98),
        "sp": ("sp", 0xB0),
    },
}


def _arch():
    name = gdb.selected_inferior().architecture().name()
    for key, frame in FRAMES.items():
        if name.startswith(key):
            return frame
    raise gdb.GdbError("greenlet bt: no saved-frame layout for %s" % name)


def _string(value):
    """A std::string's text, read from libstdc++'s layout (so no pretty printer is needed)."""
    if value is None:
        return ""
    try:
        length = int(value["_M_string_length"])
        if length == 0:
            return ""
        data = value["_M_dataplus"]["_M_p"]
        return data.string(length=min(length, 256), errors="replace")
    except gdb.error:
        try:
            return value.format_string(raw=False).strip('"')
        except gdb.error:
            return ""


def _hub():
    """The selected thread's hub (hubs::detail::tls_hub), or None."""
    try:
        hub = gdb.parse_and_eval("'eventlet::hubs::detail::tls_hub'")
    except gdb.error:
        return None
    return hub.dereference() if int(hub) else None


def _current():
    try:
        ts = gdb.parse_and_eval("'eventlet::detail::tls'")
        return int(ts.dereference()["current"]) if int(ts) else 0
    except gdb.error:
        return 0


def _tasks(hub):
    task = hub["tasks_"]["first"]
    while int(task):
        yield task.dereference()
        task = task.dereference()["next_"]


def _state(task, current):
    g = task["greenlet_"].dereference()
    state = str(g["state_"]).split("::")[-1]
    if int(task["greenlet_"]) == current:
        return "running"
    if state != "active":
        return state
    waits = task["waits_on_"]
    if not int(waits):
        return "suspended"
    what = waits.string()
    if what.startswith("fd"):
        return "waiting on fd %d%s" % (int(task["wait_fd_"]), what[2:])
    if what == "sleep":
        return "sleeping"
    return "waiting on " + what


def _each_greenthread():
    """(thread number, task) for every greenthread of every hub thread."""
    selected = gdb.selected_thread()
    try:
        for thread in sorted(gdb.selected_inferior().threads(), key=lambda t: t.num):
            thread.switch()
            hub = _hub()
            if hub is None:
                continue
            current = _current()
            for task in _tasks(hub):
                yield thread.num, task, current
    finally:
        if selected is not None and selected.is_valid():
            selected.switch()


class InfoGreenlets(gdb.Command):
    """List the greenthreads of every hub thread: thread, id, name and state."""

    def __init__(self):
        super().__init__("info greenlets", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        rows = [(num, int(t["id_"]), _string(t["greenlet_"].dereference()["name_"]),
                 _state(t, current)) for num, t, current in _each_greenthread()]
        if not rows:
            print("No greenthreads (no hub on any thread, or no debug info for eventlet).")
            return
        print("%-7s %-6s %-20s %s" % ("Thread", "Id", "Name", "State"))
        for num, gid, name, state in rows:
            print("%-7d %-6d %-20s %s" % (num, gid, name or "-", state))


class FrameId:
    """A frame's identity as create_unwind_info() takes it (gdb.unwinder.FrameId from gdb 14)."""

    def __init__(self, sp, pc):
        self.sp = sp
        self.pc = pc


class GreenletUnwinder(gdb.unwinder.Unwinder):
    """Makes a suspended greenlet's context the caller of the thread's innermost frame."""

    def __init__(self):
        super().__init__("eventlet greenlet")
        self.context = None  # {register: value} while `greenlet bt` walks a greenlet

    def __call__(self, pending_frame):
        if self.context is None or pending_frame.level() != 0:
            return None
        frame = _arch()
        sp = pending_frame.read_register(frame["sp"][0])
        pc = pending_frame.read_register(frame["pc"][0])
        info = pending_frame.create_unwind_info(FrameId(sp, pc))
        for reg, value in self.context.items():
            info.add_saved_register(reg, value)
        return info


UNWINDER = GreenletUnwinder()
gdb.unwinder.register_unwinder(None, UNWINDER, replace=True)


class GreenletPrefix(gdb.Command):
    """Commands on eventlet greenlets: greenlet bt ID."""

    def __init__(self):
        super().__init__("greenlet", gdb.COMMAND_STACK, prefix=True)


class GreenletBacktrace(gdb.Command):
    """Print the stack of suspended greenthread ID (or THREAD.ID), walked from its saved context."""

    def __init__(self):
        super().__init__("greenlet bt", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        text = arg.strip()
        want_thread = None
        try:
            if "." in text:
                want_thread, text = text.split(".", 1)
                want_thread = int(want_thread)
            want = int(text)
        except ValueError:
            raise gdb.GdbError("usage: greenlet bt ID  (or THREAD.ID; see info greenlets)")
        found = None
        for num, task, current in _each_greenthread():
            if int(task["id_"]) == want and want_thread in (None, num):
                found = (num, task, current)
                break
        if found is None:
            raise gdb.GdbError("no greenthread %s" % arg.strip())
        num, task, current = found
        g = task["greenlet_"].dereference()
        if int(task["greenlet_"]) == current or str(g["state_"]).split("::")[-1] != "active":
            raise gdb.GdbError("greenthread %d is not suspended (%s): see bt"
                               % (want, _state(task, current)))
        self._walk(num, int(g["ctx_"]))

    def _walk(self, num, ctx):
        frame = _arch()
        word = gdb.lookup_type("unsigned long")
        code = gdb.lookup_type("void").pointer()
        inferior = gdb.selected_inferior()

        def load(offset):
            return int.from_bytes(bytes(inferior.read_memory(ctx + offset, 8)), "little")

        context = {reg: gdb.Value(load(off)).cast(word) for reg, off in frame["regs"].items()}
        context[frame["pc"][0]] = gdb.Value(load(frame["pc"][1])).cast(code)
        context[frame["sp"][0]] = gdb.Value(ctx + frame["sp"][1]).cast(code)
        selected = gdb.selected_thread()
        for thread in inferior.threads():
            if thread.num == num:
                thread.switch()
        UNWINDER.context = context
        gdb.invalidate_cached_frames()
        try:
            f = gdb.newest_frame().older()
            level = 0
            while f is not None and level < 256:
                sal = f.find_sal()
                where = ""
                if sal.symtab is not None:
                    where = " at %s:%d" % (sal.symtab.filename, sal.line)
                print("#%-3d 0x%016x in %s%s" % (level, f.pc(), f.name() or "??", where))
                level += 1
                f = f.older()
        finally:
            UNWINDER.context = None
            gdb.invalidate_cached_frames()
            if selected is not None and selected.is_valid():
                selected.switch()


InfoGreenlets()
GreenletPrefix()
GreenletBacktrace()
