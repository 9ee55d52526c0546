"""Process tree and memory readings from /proc (Linux), without extra packages."""
from __future__ import annotations

from pathlib import Path


def children(pid: int) -> list[int]:
    """Return the direct children of ``pid``."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    """Return every process below ``pid``."""
    result: list[int] = []
    pending = children(pid)
    while pending:
        current = pending.pop()
        result.append(current)
        pending += children(current)
    return result


def command_line(pid: int) -> str:
    """Return the command line of ``pid`` with spaces between arguments ("" when gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def parent_pid(pid: int) -> int:
    """Return the parent of ``pid`` (0 when gone)."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


def rss_bytes(pid: int) -> int:
    """Return the resident set size of ``pid`` in bytes (0 when gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds(pids: list[int]) -> float:
    """Return user + system CPU seconds used so far by ``pids`` (gone ones count 0)."""
    from os import sysconf

    ticks = sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks
