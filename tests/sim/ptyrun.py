#!/usr/bin/env python3
"""ptyrun.py OUT DELAY KEY COMMAND... - run COMMAND on a pseudo-terminal.

Everything it writes goes to OUT, raw (escape codes and all).  When KEY
is not empty it is typed DELAY seconds after the start ("^C" types
Ctrl-C; "^Z" types Ctrl-Z, and 1.5 s later "q").  Prints "rc=N
restored=yes|no": N the exit status (-SIG when a signal killed it),
restored whether the terminal's modes after the run are the ones it was
given (echo, line editing).  With "^Z" also "stopped=yes|no
restored-when-stopped=yes|no".  Gives up after 30 s.
PTY_SIZE=ROWSxCOLS in the environment sets the terminal's size.

COMMAND runs as a shell with job control would run it: in a process
group of its own, in the foreground of the terminal, under a session
leader (this script again, with --leader) that notes a stop, then lets
it go on (SIGCONT).  Alone in its session its group would be orphaned,
and an orphaned group is never stopped by Ctrl-Z.
"""
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time


def controlling_tty():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def leader(status_path, argv):
    """The session leader: COMMAND in the foreground; its exit status."""
    given = termios.tcgetattr(0)
    pid = os.fork()
    if pid == 0:
        os.setpgid(0, 0)
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        os.tcsetpgrp(0, os.getpid())
        signal.signal(signal.SIGTTOU, signal.SIG_DFL)
        os.execvp(argv[0], argv)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    while True:
        _, st = os.waitpid(pid, os.WUNTRACED)
        if os.WIFSTOPPED(st):
            with open(status_path, "w") as f:
                f.write("stopped=yes restored-when-stopped=%s" %
                        ("yes" if termios.tcgetattr(0) == given else "no"))
            time.sleep(0.3)
            os.killpg(pid, signal.SIGCONT)
            continue
        if os.WIFSIGNALED(st):
            return 128 + os.WTERMSIG(st)
        return os.WEXITSTATUS(st)


def main():
    if sys.argv[1] == "--leader":
        sys.exit(leader(sys.argv[2], sys.argv[3:]))
    out_path, delay, key = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    status_path = out_path + ".stop"
    master, slave = os.openpty()
    size = os.environ.get("PTY_SIZE")
    if size:
        rows, cols = (int(x) for x in size.split("x"))
        fcntl.ioctl(slave, termios.TIOCSWINSZ,
                    struct.pack("HHHH", rows, cols, 0, 0))
    before = termios.tcgetattr(slave)
    # Its controlling terminal, so that Ctrl-C sends SIGINT.
    proc = subprocess.Popen([sys.executable, __file__, "--leader",
                             status_path] + sys.argv[4:],
                            stdin=slave, stdout=slave, stderr=slave,
                            close_fds=True, preexec_fn=controlling_tty)
    out = b""
    start = time.time()
    keys = []
    if key == "^Z":
        keys = [(delay, b"\x1a"), (delay + 1.5, b"q")]
    elif key:
        keys = [(delay, b"\x03" if key == "^C" else key.encode())]
    while time.time() - start < 30:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                out += os.read(master, 65536)
            except OSError:
                break
            continue
        if keys and time.time() - start >= keys[0][0]:
            os.write(master, keys.pop(0)[1])
        if proc.poll() is not None:
            break
    if proc.poll() is None:
        proc.kill()
    rc = proc.wait()
    # A pty hands the slave's output to the master through a kernel
    # worker: what was written just before the exit may come after it.
    while select.select([master], [], [], 0.5)[0]:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    after = termios.tcgetattr(slave)
    with open(out_path, "wb") as f:
        f.write(out)
    line = "rc=%d restored=%s" % (rc if rc < 128 else 128 - rc,
                                  "yes" if after == before else "no")
    if key == "^Z":
        try:
            with open(status_path) as f:
                line += " " + f.read()
        except OSError:
            line += " stopped=no"
    print(line)


if __name__ == "__main__":
    main()
