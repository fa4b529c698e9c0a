#!/usr/bin/env python3
"""ptyrun.py OUT DELAY KEY COMMAND... - run COMMAND on a pseudo-terminal.

Everything it writes goes to OUT, raw (escape codes and all).  When KEY
is not empty it is typed DELAY seconds after the start ("^C" types
Ctrl-C).  Prints "rc=N restored=yes|no": N the exit status (-SIG when a
signal killed it), restored whether the terminal's modes after the run
are the ones it was given (echo, line editing).  Gives up after 30 s.
PTY_SIZE=ROWSxCOLS in the environment sets the terminal's size.
"""
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time


def controlling_tty():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def main():
    out_path, delay, key = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    master, slave = os.openpty()
    size = os.environ.get("PTY_SIZE")
    if size:
        rows, cols = (int(x) for x in size.split("x"))
        fcntl.ioctl(slave, termios.TIOCSWINSZ,
                    struct.pack("HHHH", rows, cols, 0, 0))
    before = termios.tcgetattr(slave)
    # Its controlling terminal, so that Ctrl-C sends SIGINT.
    proc = subprocess.Popen(sys.argv[4:], stdin=slave, stdout=slave,
                            stderr=slave, close_fds=True,
                            preexec_fn=controlling_tty)
    out = b""
    start = time.time()
    typed = not key
    while time.time() - start < 30:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                out += os.read(master, 65536)
            except OSError:
                break
            continue
        if not typed and time.time() - start >= delay:
            os.write(master, b"\x03" if key == "^C" else key.encode())
            typed = True
        if proc.poll() is not None:
            break
    if proc.poll() is None:
        proc.kill()
    rc = proc.wait()
    after = termios.tcgetattr(slave)
    with open(out_path, "wb") as f:
        f.write(out)
    print("rc=%d restored=%s" % (rc, "yes" if after == before else "no"))


if __name__ == "__main__":
    main()
