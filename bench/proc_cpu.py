"""CPU time of processes and process trees, read from /proc (Linux; no psutil in the project's lock).

A process's figure is its own user+system time plus what its reaped children left in cutime/cstime, so a
prefork child that exits mid-round is still counted by its parent. Measure a round as the difference of two
`tree_cpu()` readings: a process born during the round counts in full, one that ended and was reaped counts
through its parent's c-times.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # "pid (comm) state ppid …": comm may hold spaces and parentheses; the rest follows the last ")".
    return raw[raw.rfind(")") + 2 :].split()


def process_cpu(pid: int, *, with_children: bool = True) -> float:
    """Seconds of CPU of one process (utime+stime, plus its reaped children's when asked); 0 once gone."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    # After the comm: [0]=state [1]=ppid … [11]=utime [12]=stime [13]=cutime [14]=cstime.
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = defaultdict(list)
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None:
                kids[int(fields[1])].append(int(entry.name))
    return kids


def tree_pids(root: int) -> list[int]:
    kids = children_map()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(kids.get(pid, ()))
    return found


def tree_cpu(root: int) -> dict[int, float]:
    """{pid: CPU seconds} for root and every live descendant (each with its reaped children's c-times)."""
    return {pid: process_cpu(pid) for pid in tree_pids(root)}


def pids_cpu(pids) -> dict[int, float]:
    return {pid: process_cpu(pid) for pid in pids}


def delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings, summed over the processes of the second one."""
    return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())
