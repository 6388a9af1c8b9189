"""config/run.py, `make run`'s launcher: output to the log file, a banner, SIGTERM → a clean stop with exit 0."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

from config.run import parse_procfile
from tests.support.paths import ROOT

SLEEPER = (
    'python -c "import signal, sys, time; '
    "signal.signal(signal.SIGTERM, lambda *a: (print('sleeper got SIGTERM', flush=True), sys.exit(0))); "
    "print('sleeper up', flush=True); time.sleep(120)\""
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _launch(tmp_path, procfile_text):
    procfile = tmp_path / "Procfile"
    procfile.write_text(procfile_text)
    log = tmp_path / "logs" / "dropwatch.log"  # the default: DATA_DIR/logs/dropwatch.log
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "config.run", "--procfile", str(procfile), "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "DATA_DIR": str(tmp_path)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # no controlling terminal: the launcher must not take pytest's
    )
    proc.lines = []  # what the terminal would show, read as it comes
    threading.Thread(target=lambda: proc.lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    return proc, log, port


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_the_procfile_is_read_as_name_and_command(tmp_path):
    path = tmp_path / "Procfile"
    path.write_text("# comment\nweb: gunicorn x --bind 127.0.0.1:${PORT:-8000}\n\nworker: celery -A config worker\n")
    assert parse_procfile(path) == [
        ("web", "gunicorn x --bind 127.0.0.1:${PORT:-8000}"),
        ("worker", "celery -A config worker"),
    ]


def test_sigterm_stops_every_process_gracefully_and_exits_0(tmp_path):
    proc, log, port = _launch(tmp_path, f"web: python -m http.server $PORT --bind 127.0.0.1\nsleeper: {SLEEPER}\n")
    try:
        assert _wait_for(lambda: any("Ctrl-C stops everything" in line for line in proc.lines)), proc.lines
        assert _answers(port)
        assert _wait_for(lambda: "sleeper up" in log.read_text())
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        time.sleep(0.2)
        out = "".join(proc.lines)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, out
    assert "Dropwatch is running: http://127.0.0.1:" in out
    assert "Stopped." in out
    text = log.read_text()
    assert "sleeper got SIGTERM" in text  # SIGTERM, and time to act on it
    assert "sleeper stopped (exit 0)" in text
    assert "sleeper up" not in out  # the processes' chatter stays in the log


def test_a_process_that_dies_stops_the_rest_and_shows_its_last_lines(tmp_path):
    proc, log, _port = _launch(tmp_path, f"sleeper: {SLEEPER}\nboom: sh -c 'echo boom is broken; exit 3'\n")
    proc.wait(timeout=30)
    time.sleep(0.2)
    out = "".join(proc.lines)
    assert proc.returncode == 1, out
    assert "boom exited by itself (exit 3)" in out
    assert "boom is broken" in out
    assert "sleeper got SIGTERM" in log.read_text()
