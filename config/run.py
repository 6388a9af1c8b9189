"""`make run`'s launcher: start the processes of a Procfile, keep their output in a log file, keep the
terminal for the person, and stop everything cleanly on Ctrl-C.

    python -m config.run --procfile Procfile.demo --port 8000 --log data/logs/dropwatch.log --demo

What a person sees is a banner once web answers (and the worker is ready): the address, how to sign in,
where the logs are, and nothing more until something needs them. Web, worker, beat (and the demo shop)
write to the log file, each line prefixed with the time and the process name, as honcho does.

Ctrl-C (or SIGTERM/SIGHUP) sends SIGTERM to each process and waits for it to finish what it is doing (a
Celery worker finishes its current tasks) before anything is killed; a second Ctrl-C kills at once.
Honcho cannot give `make run` a clean stop: the terminal delivers Ctrl-C's SIGINT to the whole foreground
process group, so every process gets it on top of honcho's SIGTERM, and make itself dies of it ("make:
*** Error 130") whatever its child does. So each process starts in its own session, and when this
launcher runs in a terminal's foreground it takes the terminal's foreground for itself (and gives it back
at the end): Ctrl-C reaches only the launcher, which stops the others and exits 0, and make exits 0.
A process that exits by itself stops the rest and shows its last log lines.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

STOP_TIMEOUT = float(os.environ.get("RUN_STOP_TIMEOUT", "30"))  # seconds a process gets to stop by itself
START_TIMEOUT = 90.0
LOG_MAX_BYTES = 20 * 1024 * 1024  # then the log moves to dropwatch.log.1 and a new one starts
READY_MARKERS = {"worker": re.compile(r" ready\.$")}  # a line that says a process is ready (else: started)


def parse_procfile(path: Path) -> list[tuple[str, str]]:
    entries = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip() or not command.strip():
            raise SystemExit(f"{path}: cannot read the line {line!r} (expected 'name: command')")
        entries.append((name.strip(), command.strip()))
    return entries


class LogFile:
    """One file all processes write to, line by line, rotated when it grows past LOG_MAX_BYTES."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(path, "a", encoding="utf-8", errors="replace")  # noqa: SIM115 (closed in close())

    def write(self, name: str, line: str, width: int = 6) -> None:
        with self.lock:
            if self.file.closed:
                return
            self.file.write(f"{time.strftime('%H:%M:%S')} {name:<{width}} | {line}\n")
            self.file.flush()
            if self.file.tell() > LOG_MAX_BYTES:
                self.file.close()
                self.path.replace(self.path.with_name(self.path.name + ".1"))
                self.file = open(self.path, "a", encoding="utf-8", errors="replace")  # noqa: SIM115

    def close(self) -> None:
        with self.lock:
            self.file.close()


def _in_child() -> None:
    """In the child, before exec: the default for the signals the launcher ignores (an ignored signal stays
    ignored across exec), and SIGTERM when the launcher dies, even by SIGKILL, so nothing is orphaned."""
    for signum in (signal.SIGTSTP, signal.SIGTTOU):
        signal.signal(signum, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Process:
    def __init__(self, name: str, command: str, env: dict, log: LogFile, width: int):
        self.name, self.command, self.log, self.width = name, command, log, width
        self.tail: deque[str] = deque(maxlen=25)
        self.ready = threading.Event()
        self.marker = READY_MARKERS.get(name)
        self.popen = subprocess.Popen(  # noqa: S603 (the project's own Procfile)
            ["/bin/sh", "-c", f"exec {command}"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # no terminal signals: the launcher decides when it stops
            preexec_fn=_in_child,
        )
        if self.marker is None:
            self.ready.set()
        log.write("run", f"{name} started (pid {self.popen.pid}): {command}", width)

    def pump(self) -> None:
        """Copy the process's output into the log (runs in its own thread until the pipe closes)."""
        assert self.popen.stdout is not None
        for raw in iter(self.popen.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.tail.append(line)
            self.log.write(self.name, line, self.width)
            if self.marker is not None and self.marker.search(line):
                self.ready.set()

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)  # its own session: the group is the process and its children


class Terminal:
    """Take the terminal's foreground so Ctrl-C reaches only us (not make, not the processes)."""

    def __init__(self):
        self.fd: int | None = None
        self.previous: int | None = None

    def take(self) -> None:
        try:
            fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
        except OSError:
            return  # no terminal (CI, a script): signals come from whoever started us
        try:
            if os.tcgetpgrp(fd) != os.getpgrp():
                os.close(fd)
                return  # started in the background: leave the terminal alone
        except OSError:
            os.close(fd)
            return
        previous = os.getpgrp()
        try:
            if previous != os.getpid():
                os.setpgid(0, 0)
            signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # tcsetpgrp from a background group
            os.tcsetpgrp(fd, os.getpgrp())
        except OSError:
            with contextlib.suppress(OSError):
                os.setpgid(0, previous)  # back where Ctrl-C reaches us, as it reaches make
            os.close(fd)
            return
        self.fd, self.previous = fd, previous

    def give_back(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.tcsetpgrp(self.fd, self.previous)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = None


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def say(text: str = "") -> None:
    with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP): stopping matters more
        print(text, flush=True)


class Launcher:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.stop_requested = threading.Event()
        self.signals = 0
        self.processes: list[Process] = []
        self.pumps: list[threading.Thread] = []
        self.log = LogFile(Path(args.log))
        self.width = 6
        shown = os.path.relpath(args.log)
        self.log_shown = args.log if shown.startswith("..") else shown

    def on_signal(self, signum, _frame) -> None:
        self.signals += 1
        self.stop_requested.set()
        if self.signals > 1:
            for proc in self.processes:
                proc.signal_group(signal.SIGKILL)

    def start(self) -> None:
        entries = parse_procfile(Path(self.args.procfile))
        width = self.width = max(len(name) for name, _ in entries)
        env = dict(os.environ, PORT=str(self.args.port), PYTHONUNBUFFERED="1")
        # The venv's gunicorn and celery, whatever PATH says.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        self.log.write("run", f"=== make run: {self.args.procfile} on port {self.args.port} ===", width)
        for name, command in entries:
            self.processes.append(Process(name, command, env, self.log, width))
        say(f"  Starting {', '.join(name for name, _ in entries)}…")
        for proc in self.processes:  # threads only after every fork (preexec_fn and threads do not mix)
            pump = threading.Thread(target=proc.pump, name=f"log-{proc.name}", daemon=True)
            pump.start()
            self.pumps.append(pump)

    def wait_until_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and not self.stop_requested.is_set():
            if self.exited():
                return False
            if answers(self.args.port) and all(p.ready.is_set() for p in self.processes):
                return True
            time.sleep(0.2)
        return not self.stop_requested.is_set()  # slow, but up: show the banner anyway

    def exited(self) -> Process | None:
        return next((p for p in self.processes if not p.running), None)

    def banner(self) -> None:
        url = f"http://127.0.0.1:{self.args.port}/"
        say()
        say(f"  Dropwatch is running: {url}")
        if self.args.demo:
            say("  Sign in as demo / demo.   (make run DEMO=0 starts without demo data)")
        else:
            say(f"  Create a login with: LOCAL_MODE=1 {os.path.relpath(sys.executable)} manage.py createsuperuser")
        names = ", ".join(p.name for p in self.processes)
        say(f"  Logs of {names}: {self.log_shown}   (tail -f {self.log_shown})")
        say("  Ctrl-C stops everything.")
        say()

    def stop(self) -> None:
        running = [p for p in self.processes if p.running]
        for proc in running:
            self.log.write("run", f"sending SIGTERM to {proc.name}", self.width)
            with contextlib.suppress(ProcessLookupError):
                proc.popen.send_signal(signal.SIGTERM)  # the main process only: it stops its own children
        started = time.monotonic()
        told = False
        while any(p.running for p in running) and time.monotonic() < started + STOP_TIMEOUT:
            if not told and time.monotonic() > started + 8:
                waiting = ", ".join(p.name for p in running if p.running)
                say(f"  Waiting for {waiting} to finish (Ctrl-C again to kill)…")
                told = True
            time.sleep(0.1)
        for proc in self.processes:
            if proc.running:
                say(f"  {proc.name} did not stop within {STOP_TIMEOUT:.0f} s: killed.")
                self.log.write("run", f"{proc.name} did not stop in time: SIGKILL", self.width)
                proc.signal_group(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(timeout=5)
            # Anything the process left behind in its session (it should have stopped its children).
            proc.signal_group(signal.SIGKILL)
            self.log.write("run", f"{proc.name} stopped (exit {proc.popen.returncode})", self.width)

    def run(self) -> int:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(signum, self.on_signal)
        signal.signal(signal.SIGTSTP, signal.SIG_IGN)  # Ctrl-Z would freeze us with the processes running
        wanted = {"PORT": self.args.port}
        if self.args.shop_port:
            wanted["DEMO_SHOP_PORT"] = self.args.shop_port
        for variable, port in wanted.items():
            if port_in_use(port):
                say(f"  Port {port} on 127.0.0.1 is in use (another `make run`?). Try: {variable}={port + 80} make run")
                return 1
        terminal = Terminal()
        terminal.take()
        try:
            return self._run()
        finally:
            terminal.give_back()
            for pump in self.pumps:  # the last lines into the log before it closes
                pump.join(timeout=2)
            self.log.close()

    def _run(self) -> int:
        self.start()
        ready = self.wait_until_ready()
        crashed = None if ready or self.stop_requested.is_set() else self.exited()
        if not crashed and not self.stop_requested.is_set():
            self.banner()
            while not self.stop_requested.is_set():
                crashed = self.exited()
                if crashed:
                    break
                self.stop_requested.wait(0.5)
        if crashed:
            say(f"  {crashed.name} exited by itself (exit {crashed.popen.returncode}); its last lines:")
            time.sleep(0.3)  # let its last output reach the tail
            for line in crashed.tail:
                say(f"    {line}")
            say(f"  Stopping the others. The whole log: {self.log_shown}")
        else:
            say("  Stopping…")
        self.stop()
        if crashed:
            return 1
        say("  Killed what was still running (second Ctrl-C)." if self.signals > 1 else "  Stopped.")
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procfile", default="Procfile")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--shop-port", type=int, default=0, help="the demo shop's port, checked free at start")
    parser.add_argument("--log", default=str(Path(os.environ.get("DATA_DIR", "data")) / "logs" / "dropwatch.log"))
    parser.add_argument("--demo", action="store_true", help="the banner names the demo login")
    return Launcher(parser.parse_args(argv)).run()


if __name__ == "__main__":
    sys.exit(main())
