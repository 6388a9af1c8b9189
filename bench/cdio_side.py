"""changedetection.io's side of the comparison, run INSIDE a private network namespace (bench/cdio.py starts
it as `unshare -n -- python -m bench.cdio_side …`): only a loopback exists there, so changedetection.io and
its page server reach each other and nothing else.

This process brings the loopback up, checks that no other interface exists, starts the page server
(bench/cdio_pages.py) and changedetection.io (restock_diff processor, its default 5 workers, a fresh datastore
with no default watches), adds the watches through its API (tag "changing" or "static"), waits for its own
first check of every watch (the warm-up), then runs one round per command read on stdin, as
bench/cdio_dropwatch.py does (same REPLY protocol).

A round: `GET /api/v1/watch?recheck_all=1&tag=KIND`, then the end is the moment every page of the kind was
fetched and every watch's check_count moved (read from its datastore: no API call while the clock runs).
The CPU counted is changedetection.io's whole process tree; the page server's is not (nor is Dropwatch's).
After the clock stops, every watch is read back: its restock price and stock against what its page served
last, its check_count moved by exactly one, one new restock history entry per changed price.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from . import proc_cpu
from .cdio_dropwatch import free_port, reply
from .cdio_verify import fetches_between, round_problems

ROOT = Path(__file__).resolve().parent.parent


def only_loopback() -> list[str]:
    """The network interfaces of this process's namespace (must be just 'lo'); /proc/net/dev is per
    namespace, unlike /sys/class/net, which shows the namespace sysfs was mounted in."""
    lines = Path("/proc/net/dev").read_text().splitlines()[2:]
    return sorted(line.split(":", 1)[0].strip() for line in lines)


class Changedetection:
    def __init__(self, venv: Path, datastore: Path, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        exe = str(venv / "bin" / "changedetection.io")
        env = dict(os.environ, ALLOW_IANA_RESTRICTED_ADDRESSES="true", DISABLE_VERSION_CHECK="yes")
        env.pop("FETCH_WORKERS", None)  # its default (5 workers) is the one measured
        # Create the datastore without the default watches (they point to the internet).
        subprocess.run(
            [exe, "-d", str(datastore), "-C", "-u", "http://127.0.0.1:9/seed"],
            env=dict(env, TESTING_SHUTDOWN_AFTER_DATASTORE_LOAD="1"),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        settings = json.loads((datastore / "changedetection.json").read_text())
        self.key = settings["settings"]["application"]["api_access_token"]
        self.log = open(log, "wb")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [exe, "-d", str(datastore), "-h", "127.0.0.1", "-p", str(self.port), "-l", "WARNING"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.http = httpx.Client(base_url=self.base, headers={"x-api-key": self.key}, timeout=60)
        deadline = time.monotonic() + 120
        while True:
            try:
                if self.http.get("/api/v1/systeminfo").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"changedetection.io did not start: see {log}")
            time.sleep(0.3)

    def api(self, method: str, path: str, **kwargs):
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    def version(self) -> str:
        return self.api("GET", "/api/v1/systeminfo")["version"]

    def close(self) -> None:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


class CdioSide:
    """The watches of one changedetection.io, and its rounds. What it recorded is read from its datastore
    (each watch's watch.json, written by atomic rename after every check, and its restock history), never
    through its API during a round: the reading costs changedetection.io nothing."""

    def __init__(self, cd: Changedetection, datastore: Path, pages_url: str, pages: int):
        self.cd, self.datastore, self.pages_url = cd, datastore, pages_url
        self.watches: dict[str, dict[str, str]] = {}  # kind → {uuid: page path}
        for kind in ("changing", "static"):
            self.watches[kind] = {}
            for i in range(1, pages + 1):
                url = f"{pages_url}/cdio/{kind}/{i}"
                made = cd.api("POST", "/api/v1/watch", json={"url": url, "processor": "restock_diff", "tag": kind})
                self.watches[kind][made["uuid"]] = urlsplit(url).path

    def served(self) -> dict[str, dict]:
        return httpx.get(f"{self.pages_url}/_bench/served", timeout=30).json()

    def state(self, uuid: str) -> dict:
        """What changedetection.io recorded for a watch: its watch.json (restock, check_count, last_error)
        and the number of entries in its restock history."""
        folder = self.datastore / uuid
        for _ in range(50):
            try:
                watch = json.loads((folder / "watch.json").read_text())
                break
            except FileNotFoundError:
                return {"check_count": 0, "history": 0}
            except json.JSONDecodeError:  # not expected (atomic rename), but never a crash
                time.sleep(0.01)
        else:
            watch = {}
        try:
            watch["history"] = len((folder / "history-restock_diff.txt").read_text().splitlines())
        except FileNotFoundError:
            watch["history"] = 0
        return watch

    def states(self, kind: str) -> dict[str, dict]:
        return {uuid: self.state(uuid) for uuid in self.watches[kind]}

    def wait_first_checks(self, timeout: float) -> None:
        """New watches are checked once by changedetection.io's own scheduler: wait for all of them."""
        deadline = time.monotonic() + timeout
        waiting = {uuid for kind in self.watches for uuid in self.watches[kind]}
        while waiting and time.monotonic() < deadline:
            waiting = {uuid for uuid in waiting if self.state(uuid).get("check_count", 0) < 1}
            time.sleep(1)
        if waiting:
            raise RuntimeError(f"changedetection.io did not check {len(waiting)} new watches in time")
        time.sleep(2)  # the last checks' finalisation

    def round(self, kind: str) -> dict:
        watches = self.watches[kind]
        paths = set(watches.values())
        before = self.states(kind)
        served_before = self.served()
        pid = self.cd.proc.pid
        cpu_before = proc_cpu.tree_cpu(pid)

        start = time.perf_counter()
        self.cd.api("GET", "/api/v1/watch", params={"recheck_all": "1", "tag": kind})
        deadline = time.monotonic() + max(120, 2 * len(watches))
        # First every page fetched (the page server's count), then the checks still in flight recorded.
        while not all(fetches_between(served_before, self.served()).get(p, 0) >= 1 for p in paths):
            if time.monotonic() > deadline or self.cd.proc.poll() is not None:
                raise RuntimeError("round did not finish in time (or changedetection.io exited)")
            time.sleep(0.1)
        waiting = set(watches)
        while waiting:
            waiting = {u for u in waiting if self.state(u).get("check_count", 0) <= before[u].get("check_count", 0)}
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(waiting)} checks did not finish in time")
            if waiting:
                time.sleep(0.05)
        seconds = time.perf_counter() - start
        cpu = proc_cpu.delta(cpu_before, proc_cpu.tree_cpu(pid))

        time.sleep(0.5)  # a straggler writing twice would show below, never hidden
        after = self.states(kind)
        served = self.served()
        stored, moved, history = {}, {}, 0
        for uuid, path in watches.items():
            restock = after[uuid].get("restock") or {}
            stored[path] = {"price": restock.get("price"), "in_stock": restock.get("in_stock")}
            moved[path] = after[uuid].get("check_count", 0) - before[uuid].get("check_count", 0)
            history += after[uuid]["history"] - before[uuid]["history"]
        problems = round_problems(
            {p: served.get(p, {"price": None}) for p in paths},
            stored,
            fetched=fetches_between(served_before, served),
        )
        problems += [f"{p}: check_count moved by {n} (expected 1)" for p, n in sorted(moved.items()) if n != 1]
        errors = [after[u].get("last_error") for u in watches if after[u].get("last_error")]
        if errors:
            problems.append(f"{len(errors)} watches report an error, first: {errors[0]!r}")
        if kind == "changing" and history != len(watches):
            problems.append(f"{history} new history entries for {len(watches)} changed prices")
        return {
            "checks": len(watches),
            "seconds": seconds,
            "cpu": {"changedetection.io": cpu},
            "problems": problems,
            "new_snapshots": history,
        }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cdio_side")
    parser.add_argument("--venv", type=Path, required=True)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--page-bytes", type=int, default=150_000)
    parser.add_argument("--log", type=Path, default=None)
    args = parser.parse_args(argv)

    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    interfaces = only_loopback()
    if interfaces != ["lo"]:
        reply({"error": f"not in a private network namespace: interfaces {interfaces}"})
        return 1
    pages = subprocess.Popen(
        [sys.executable, "-m", "bench.cdio_pages", "--bytes", str(args.page_bytes)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    cd = None
    with tempfile.TemporaryDirectory(prefix="cdio-datastore-") as datastore:
        try:
            port = int(pages.stdout.readline().split()[1])
            pages_url = f"http://127.0.0.1:{port}"
            log = args.log or Path(datastore) / "changedetection.log"
            cd = Changedetection(args.venv, Path(datastore) / "ds", log)
            side = CdioSide(cd, Path(datastore) / "ds", pages_url, args.pages)
            side.wait_first_checks(timeout=max(300, 2 * args.pages))
            reply({"ready": True, "systems": ["cdio"], "version": cd.version(), "interfaces": interfaces})
            for line in sys.stdin:
                command = json.loads(line)
                if command.get("quit"):
                    break
                try:
                    result = side.round(command["kind"])
                except Exception as exc:  # reported; the other systems go on
                    result = {"error": f"{type(exc).__name__}: {exc}"}
                reply({"system": "cdio", "kind": command["kind"], **result})
        except Exception as exc:
            reply({"error": f"{type(exc).__name__}: {exc}"})
            return 1
        finally:
            if cd is not None:
                cd.close()
            pages.terminate()
            pages.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
