"""Benchmarks of the credential service (benchmarks, never tests). One entry, eight sections:

    python scripts/bench.py [options]                    commands and status as-of, in-process
    python scripts/bench.py http [options]               the API over HTTP, the real server
    python scripts/bench.py servers [options]            web servers side by side, slow clients too
    python scripts/bench.py projections [--events N]     the read models: catch-up and rebuild
    python scripts/bench.py revisions [--members N]      the store-wide revisions report of a month
    python scripts/bench.py worklist [--members N]       who must act (the worklist), and a reminder run
    python scripts/bench.py import [--members N]         a register imported by the bulk path, beside a raw COPY
    python scripts/bench.py faults [--down S] [--crash]  writes through a PostgreSQL restart: 5xx, lost, doubled

Each but `faults` (which makes a private PostgreSQL cluster of its own) runs on
CREDENTIALS_DATABASE_URL (PostgreSQL expected for all but the first), in
a fresh schema or file removed at the end, beside a raw baseline measured in the same run;
its last output line is JSON. `python scripts/bench.py SECTION --help` tells the options.
The sections live in scripts/benchmarks/.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    section = args.pop(0) if args and not args[0].startswith("-") else "commands"
    if section == "commands":
        from benchmarks.commands import main as run
    elif section == "http":
        from benchmarks.http_api import main as run
    elif section == "servers":
        from benchmarks.servers import main as run
    elif section == "projections":
        from benchmarks.projections import main as run
    elif section == "revisions":
        from benchmarks.revisions import main as run
    elif section == "worklist":
        from benchmarks.worklist import main as run
    elif section == "import":
        from benchmarks.imports import main as run
    elif section == "faults":
        from benchmarks.faults import main as run
    else:
        raise SystemExit(f"bench.py: unknown section {section!r}: expected commands, http, servers, "
                         f"projections, revisions, worklist, import or faults\n{__doc__}")
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
