"""A register imported by several processes at once, each judging and recording its share of the members.

Reading a row and judging it are Python work, one core each, while members are independent of one
another: each process reads the whole file (so each checks it whole, as one process would) but
builds and judges only the rows of its share of the members, chosen by a stable hash of the member
id, and writes them through its own connection. The shares' reports make one report, the same as a
single process gives: the same rows recorded and the same refusals, listed by line.

Worker processes are forked, so the file's bytes are shared, not copied through a pipe; they send
back their progress and their report on a queue. Interrupted, each stops at once (Ctrl-C reaches
the whole process group; when the command itself is killed, the kernel kills its workers too) and
what is recorded stays whole per member, as with one process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import queue
import signal
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError

from application.imports import ImportReport
from application.service import CredentialService
from web.schemas.register import read_register

PR_SET_PDEATHSIG = 1
Advance = Callable[[int, int], None]  # (rows judged, rows refused) so far, across every process


@dataclass(frozen=True)
class Share:
    index: int
    count: int

    def holds(self, member_id: str) -> bool:
        return zlib.crc32(member_id.encode("utf-8", "surrogatepass")) % self.count == self.index


class WorkerFailed(RuntimeError):
    pass


def import_in_parallel(database_url: str, data: bytes, workers: int, *, dry_run: bool,
                       advance: Advance | None = None) -> ImportReport:
    """Import the register `data` (already read whole and found readable) in `workers` processes."""
    context = multiprocessing.get_context("fork")
    messages: Any = context.Queue()
    processes = [context.Process(target=_import_share, daemon=True,
                                 args=(database_url, data, Share(i, workers), dry_run, messages, os.getpid()))
                 for i in range(workers)]
    for process in processes:
        process.start()
    try:
        return _collect(processes, messages, advance)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()


def _collect(processes: list[Any], messages: Any, advance: Advance | None) -> ImportReport:
    progress: dict[int, tuple[int, int]] = {}
    reports: dict[int, ImportReport] = {}
    while len(reports) < len(processes):
        try:
            kind, index, body = messages.get(timeout=0.2)
        except queue.Empty:
            # A process that ended well has put its report; one killed has not.
            dead = [p.exitcode for i, p in enumerate(processes) if i not in reports and p.exitcode not in (None, 0)]
            if dead:
                raise WorkerFailed(f"an import process ended without a report (exit code {dead[0]})") from None
            continue
        if kind == "failed":
            raise WorkerFailed(body)
        if kind == "store_unavailable":  # the command's own answer to an outage: try again later
            raise OperationalError(body)
        if kind == "progress":
            progress[index] = body
        else:
            reports[index] = body
            progress[index] = (body.judged, len(body.refused))
        if advance is not None:
            advance(sum(done for done, _ in progress.values()), sum(refused for _, refused in progress.values()))
    return merged(list(reports.values()))


def merged(reports: list[ImportReport]) -> ImportReport:
    whole = ImportReport(dry_run=reports[0].dry_run)
    for report in reports:
        whole.rows += report.rows
        whole.members += report.members
        whole.count(report)
    whole.refused.sort(key=lambda refusal: refusal.line)
    return whole


def _die_with(parent: int) -> None:
    """Be killed when the process that started this one dies, however it dies (Linux's
    PR_SET_PDEATHSIG): a worker left running would go on importing after the command was killed."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # elsewhere the progress callback notices a new parent, between batches
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)


def _import_share(database_url: str, data: bytes, share: Share, dry_run: bool, messages: Any, parent: int) -> None:
    _die_with(parent)
    try:
        service = CredentialService(database_url=database_url)
        try:
            rows = read_register(data, members=share.holds).rows

            def progress(report: ImportReport) -> None:
                if os.getppid() != parent:
                    os._exit(1)
                messages.put(("progress", share.index, (report.judged, len(report.refused))))

            messages.put(("report", share.index, service.import_register(rows, dry_run=dry_run, progress=progress)))
        finally:
            service.close()
    except (OperationalError, InterfaceError) as error:
        messages.put(("store_unavailable", share.index, str(error)))
    except KeyboardInterrupt:
        messages.put(("failed", share.index, "interrupted"))
    except BaseException:
        messages.put(("failed", share.index, traceback.format_exc()))
