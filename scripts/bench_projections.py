"""Kept for old command lines: the same as `python scripts/bench.py projections [options]`
(scripts/benchmarks/projections.py)."""

from __future__ import annotations

from benchmarks.projections import main

if __name__ == "__main__":
    raise SystemExit(main())
