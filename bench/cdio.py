"""Dropwatch beside changedetection.io on the same generated pages: checks/s and CPU-ms per check, all
processes counted (issue 20). `make bench-cdio` = `python -m bench.cdio [--pages 500 --rounds 4 …]`.

- changedetection.io (CDIO_VERSION from PyPI, into bench/.cdio-venv, reused when present) runs inside
  `unshare -n` with its own page server (bench/cdio_side.py): it can reach nothing but that loopback;
- Dropwatch on PostgreSQL + Redis (one worker process, then `--concurrency 2`) and on the embedded default
  (SQLite + filesystem broker), each a side process (bench/cdio_dropwatch.py) against one page server here;
  the fetch allow-list is 127.0.0.1 only;
- the floors: httpx GET + regex + json.loads, and Dropwatch's Fetcher + structured parser, no database.

Every system checks the same pages (bench/cdio_pages.py): --pages product pages of ~150 KB with three JSON-LD
blocks whose price changes on every fetch, and as many static ones (same bytes, ETag and Last-Modified).
After one warm-up round each, the rounds are interleaved (cdio round 1, Dropwatch round 1, …, cdio round 2, …),
each started once the 1-minute load is below --max-load (waiting at most --load-wait s; the load at the start
is reported). A round is correct when every stored price equals the price its page served last, every page
was fetched and (Dropwatch) exactly one new snapshot exists per product; changedetection.io's restock price
and stock are read back through its API.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .cdio_dropwatch import REPLY
from .cdio_verify import summarize
from .common import ROOT, Result, median, run_alone

CDIO_VERSION = "0.60.10"
VENV = ROOT / "bench" / ".cdio-venv"
ORDER = ("cdio", "dw-pg-1", "dw-pg-2", "dw-embedded", "floor-regex", "floor-parser")
LABELS = {
    "cdio": "changedetection.io {version}, restock processor, 5 workers (default)",
    "dw-pg-1": "Dropwatch, PostgreSQL + Redis, one worker process",
    "dw-pg-2": "Dropwatch, PostgreSQL + Redis, `--concurrency 2`",
    "dw-embedded": "Dropwatch, embedded default (SQLite + filesystem broker), one worker",
    "floor-regex": "floor: httpx GET + regex + `json.loads`, one process",
    "floor-parser": "floor: httpx GET + Dropwatch's structured parser, no database",
}
COUNTED = {
    "cdio": "its whole process tree",
    "dw-pg-1": "worker + PostgreSQL backends + Redis + tick",
    "dw-pg-2": "worker + PostgreSQL backends + Redis + tick",
    "dw-embedded": "worker + tick",
    "floor-regex": "the process",
    "floor-parser": "the process",
}


# --- changedetection.io's virtualenv ------------------------------------------------------------------------


def venv_version(venv: Path) -> str | None:
    python = venv / "bin" / "python"
    if not (venv / "bin" / "changedetection.io").exists():
        return None
    found = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('changedetection.io'))"],
        capture_output=True,
        text=True,
    )
    return found.stdout.strip() or None


def ensure_venv(venv: Path = VENV, version: str = CDIO_VERSION) -> tuple[str, str]:
    """(installed version, how): the venv under bench/ (gitignored) is reused when it has changedetection.io;
    otherwise created and filled from PyPI with `version`, or the newest release when that one is not there."""
    have = venv_version(venv)
    if have:
        return have, f"reused {venv.relative_to(ROOT)}"
    if not venv.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    print(f"bench: installing changedetection.io=={version} into {venv} (a few minutes)…", flush=True)
    if subprocess.run([*pip, f"changedetection.io=={version}"]).returncode == 0:
        return venv_version(venv) or version, f"installed {version} from PyPI"
    print(f"bench: changedetection.io=={version} is not installable; trying the newest release", flush=True)
    subprocess.run([*pip, "changedetection.io"], check=True)
    have = venv_version(venv) or "?"
    return have, f"{version} not on PyPI: installed the newest, {have}"


# --- the side processes -------------------------------------------------------------------------------------


class Side:
    """A side process speaking the REPLY protocol; its other output goes to a log file."""

    def __init__(self, name: str, argv: list[str], log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True, bufsize=1
        )
        self.replies: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            if line.startswith(REPLY):
                self.replies.put(json.loads(line[len(REPLY) :]))
            else:
                self._log.write(line)
                self._log.flush()
        self.replies.put({"error": f"{self.name} exited (code {self.proc.wait()}); see {self.log_path}"})

    def receive(self, timeout: float) -> dict:
        try:
            return self.replies.get(timeout=timeout)
        except queue.Empty:
            return {"error": f"{self.name}: no answer in {timeout:.0f} s; see {self.log_path}"}

    def ask(self, command: dict, timeout: float) -> dict:
        try:
            self.proc.stdin.write(json.dumps(command) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            return {"error": f"{self.name} is gone; see {self.log_path}"}
        return self.receive(timeout)

    def tail(self, chars: int = 1500) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"quit": True}) + "\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=120)
            except (BrokenPipeError, OSError, subprocess.TimeoutExpired):
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
        self._log.close()


def wait_for_quiet(max_load: float, patience: float) -> float:
    """Wait until the 1-minute load is below max_load (at most `patience` s); the load then."""
    deadline = time.monotonic() + patience
    load = os.getloadavg()[0]
    while load >= max_load and time.monotonic() < deadline:
        time.sleep(2)
        load = os.getloadavg()[0]
    return load


class PagesProcess:
    def __init__(self, page_bytes: int):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.cdio_pages", "--bytes", str(page_bytes)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = f"http://127.0.0.1:{int(self.proc.stdout.readline().split()[1])}"

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


# --- the figures --------------------------------------------------------------------------------------------


def aggregate(rounds: list[dict]) -> dict:
    """Median checks/s of the rounds; CPU per check over all of them (per part too); problems of any."""
    ok = [r for r in rounds if "error" not in r]
    if not ok:
        return {"error": rounds[0]["error"] if rounds else "no rounds"}
    checks = sum(r["checks"] for r in ok)
    seconds = sum(r["seconds"] for r in ok)
    parts: dict[str, float] = {}
    for r in ok:
        for part, cpu in r["cpu"].items():
            parts[part] = parts.get(part, 0.0) + cpu
    cpu = sum(parts.values())
    return {
        "rates": [r["checks"] / r["seconds"] for r in ok],
        "rate": median([r["checks"] / r["seconds"] for r in ok]),
        "cpu_ms": 1000 * cpu / checks,
        "parts_ms": {part: 1000 * v / checks for part, v in parts.items()},
        "cores": cpu / seconds,
        "problems": [p for r in ok for p in r["problems"]],
        "errors": [r["error"] for r in rounds if "error" in r],
        "not_modified": sum(r.get("not_modified", 0) for r in ok),
        "checks": checks,
        "loads": [r.get("load", 0.0) for r in ok],
    }


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if a and b else "-"


def cpu_words(cdio_ms: float, ms: float) -> str:
    """'12.3× less CPU' or '4.0× more CPU' than changedetection.io."""
    if not cdio_ms or not ms:
        return ""
    return f"{cdio_ms / ms:.1f}× less CPU" if cdio_ms >= ms else f"{ms / cdio_ms:.1f}× more CPU"


def build_result(result: Result, figures: dict, version: str, args) -> None:
    base = figures.get(("cdio", "changing"), {})
    result.headers = [
        "system",
        "round",
        "checks/s (median)",
        "CPU-ms per check",
        "cores busy",
        "checks/s ÷ cdio's",
        "cdio's CPU ÷ this",
        "correct",
    ]
    for kind in ("changing", "static"):
        base = figures.get(("cdio", kind), {})
        for system in ORDER:
            agg = figures.get((system, kind))
            if agg is None:
                continue
            label = LABELS[system].format(version=version)
            if "error" in agg:
                result.rows.append([label, kind, "-", "-", "-", "-", "-", f"ERROR {agg['error'][:80]}"])
                continue
            parts = ", ".join(f"{k} {v:.1f}" for k, v in agg["parts_ms"].items() if len(agg["parts_ms"]) > 1)
            correct = "yes" if not agg["problems"] and not agg["errors"] else f"NO ({len(agg['problems'])})"
            result.rows.append(
                [
                    label,
                    kind,
                    f"{agg['rate']:.1f}",
                    f"{agg['cpu_ms']:.1f}" + (f" ({parts})" if parts else ""),
                    f"{agg['cores']:.2f}",
                    ratio(agg["rate"], base.get("rate", 0)) if system != "cdio" else "",
                    ratio(base.get("cpu_ms", 0), agg["cpu_ms"]) if system != "cdio" else "",
                    correct,
                ]
            )
            if agg["problems"] or agg["errors"]:
                result.verdicts.append(f"WRONG  {system} ({kind}): {summarize(agg['errors'] + agg['problems'])}")
            if kind == "static" and system.startswith("dw"):
                result.notes.append(f"{system} static: {agg['not_modified']} of {agg['checks']} fetches got 304")
            compared = bool(base) and "error" not in base and system != "cdio"
            baseline, outcome = "", "correct" if correct == "yes" else "WRONG"
            if compared:
                baseline = f"changedetection.io {base['rate']:.1f} checks/s, {base['cpu_ms']:.1f} CPU-ms"
                outcome += f"; {ratio(agg['rate'], base['rate'])} the speed, {cpu_words(base['cpu_ms'], agg['cpu_ms'])}"
            target = "≤ 10 CPU-ms, ≥ 10× less than cdio" if system.startswith("dw-pg") and kind == "changing" else ""
            result.summary.append(
                [
                    f"{label}, {kind} pages",
                    f"{agg['rate']:.1f} checks/s; {agg['cpu_ms']:.1f} CPU-ms per check ({COUNTED[system]})",
                    baseline,
                    target,
                    outcome,
                ]
            )
    goal = figures.get(("dw-pg-1", "changing"))
    if goal and "error" not in goal:
        cd = figures.get(("cdio", "changing"), {})
        if cd and "error" not in cd:
            result.verdicts.insert(
                0,
                f"{'PASS' if goal['cpu_ms'] <= 10 and cd['cpu_ms'] / goal['cpu_ms'] >= 10 else 'FAIL'}  "
                f"Dropwatch (PostgreSQL + Redis, one worker) {goal['cpu_ms']:.1f} CPU-ms per check, "
                f"{cd['cpu_ms'] / goal['cpu_ms']:.1f}× less than changedetection.io's {cd['cpu_ms']:.1f} "
                "(goal: ≤ 10 ms and ≥ 10×)",
            )
    loads = [x for agg in figures.values() if "loads" in agg for x in agg["loads"]]
    if loads:
        above = sum(1 for x in loads if x >= args.max_load)
        result.notes.append(
            f"1-minute load at the start of the measured rounds: median {median(loads):.2f}, max {max(loads):.2f}; "
            f"{above} of {len(loads)} rounds started at or above {args.max_load} "
            f"(each waited at most {args.load_wait:.0f} s for it)"
        )
    for (system, kind), agg in figures.items():
        if "rates" in agg:
            result.notes.append(f"{system} {kind} rounds: " + ", ".join(f"{r:.1f}" for r in agg["rates"]) + " checks/s")


# --- the benchmark ------------------------------------------------------------------------------------------


def run(argv=None) -> Result:
    parser = argparse.ArgumentParser(prog="python -m bench.cdio", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=500, help="product pages per kind (changing, static)")
    parser.add_argument("--page-bytes", type=int, default=150_000)
    parser.add_argument("--rounds", type=int, default=4, help="measured rounds on changing pages per system")
    parser.add_argument("--static-rounds", type=int, default=2, help="measured rounds on static pages per system")
    parser.add_argument("--max-load", type=float, default=0.5)
    parser.add_argument("--load-wait", type=float, default=120, help="seconds to wait for the load before a round")
    parser.add_argument("--systems", default=",".join(ORDER), help="comma-separated subset of: " + ", ".join(ORDER))
    parser.add_argument("--cdio-version", default=CDIO_VERSION)
    args = parser.parse_args(argv)
    wanted = [s for s in ORDER if s in args.systems.split(",")]
    started = time.monotonic()
    result = Result(
        "cdio",
        f"Dropwatch beside changedetection.io: {args.pages} changing + {args.pages} static pages of "
        f"{args.page_bytes // 1000} KB, {args.rounds} + {args.static_rounds} rounds each",
    )
    log_dir = Path(tempfile.mkdtemp(prefix="bench-cdio-"))
    version, how = "-", ""
    sides: dict[str, Side] = {}
    pages = PagesProcess(args.page_bytes)
    try:
        py = [sys.executable, "-m"]
        if "cdio" in wanted:
            why_not = cdio_unavailable()
            if why_not:
                result.notes.append(f"changedetection.io not run: {why_not}")
                wanted.remove("cdio")
            else:
                version, how = ensure_venv(version=args.cdio_version)
                result.notes.append(f"changedetection.io {version}: {how}; run under `unshare -n` (loopback only)")
                sides["cdio"] = Side(
                    "cdio",
                    [
                        "unshare",
                        "-n",
                        "--",
                        *py,
                        "bench.cdio_side",
                        "--venv",
                        str(VENV),
                        "--pages",
                        str(args.pages),
                        "--page-bytes",
                        str(args.page_bytes),
                    ],
                    log_dir,
                )
        common = ["--pages-url", pages.url, "--pages", str(args.pages)]
        if {"dw-pg-1", "dw-pg-2", "floor-regex", "floor-parser"} & set(wanted):
            sides["pg"] = Side("pg", [*py, "bench.cdio_dropwatch", "--mode", "pg", *common], log_dir)
        if "dw-embedded" in wanted:
            sides["embedded"] = Side("embedded", [*py, "bench.cdio_dropwatch", "--mode", "embedded", *common], log_dir)
        owner: dict[str, Side] = {}
        for side in list(sides.values()):
            ready = side.receive(timeout=max(900, 4 * args.pages))
            if not ready.get("ready"):
                result.notes.append(f"{side.name} side did not start: {ready.get('error')}\n{side.tail()}")
                continue
            for system in ready["systems"]:
                owner[system] = side
            if side.name == "pg":
                result.notes.append(f"Dropwatch: {ready['services']}")
                result.services = ready["services"]
        wanted = [s for s in wanted if s in owner]
        rounds: dict[tuple[str, str], list[dict]] = {}
        plan = [("changing", True)] + [("changing", False)] * args.rounds
        plan += [("static", True)] + [("static", False)] * args.static_rounds
        for number, (kind, warm_up) in enumerate(plan):
            for system in wanted:
                if kind == "static" and system.startswith("floor"):
                    continue  # the floors read the changing pages only
                load = wait_for_quiet(args.max_load, 0 if warm_up else args.load_wait)
                reply = owner[system].ask({"system": system, "kind": kind}, timeout=max(600, 3 * args.pages))
                reply["load"] = load
                tag = "warm-up" if warm_up else f"round {number}"
                if "error" in reply:
                    print(f"bench: {system} {kind} {tag}: ERROR {reply['error']}", flush=True)
                else:
                    print(
                        f"bench: {system:13s} {kind:8s} {tag:8s} {reply['checks'] / reply['seconds']:7.1f} checks/s "
                        f"{1000 * sum(reply['cpu'].values()) / reply['checks']:7.1f} CPU-ms/check  load {load:.2f}  "
                        f"{summarize(reply['problems'])[:100]}",
                        flush=True,
                    )
                if not warm_up:
                    rounds.setdefault((system, kind), []).append(reply)
        figures = {key: aggregate(value) for key, value in rounds.items()}
        build_result(result, figures, version, args)
    finally:
        for side in sides.values():
            side.close()
        pages.close()
    result.notes.append(f"side logs: {log_dir}")
    result.seconds = time.monotonic() - started
    return result


def cdio_unavailable() -> str:
    """Why changedetection.io cannot be run in a private network namespace here ('' when it can)."""
    if not shutil.which("unshare"):
        return "`unshare` (util-linux) is not installed"
    if os.geteuid() != 0:
        return "`unshare -n` needs root (or user namespaces): this bench runs changedetection.io only isolated"
    probe = subprocess.run(["unshare", "-n", "--", "ip", "link", "set", "lo", "up"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"`unshare -n` failed here: {probe.stderr.strip() or probe.returncode}"
    return ""


def main(argv=None) -> int:
    return run_alone(run, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
