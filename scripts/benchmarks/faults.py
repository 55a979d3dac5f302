"""`python scripts/bench.py faults`: writes through a PostgreSQL restart under load, end to end.

    python scripts/bench.py faults [--clients 4] [--before 2] [--down 3] [--after 5] [--crash]

Makes a private PostgreSQL cluster (initdb in a temporary directory, a free loopback port; the
shared server is never touched), serves the API on it with `credentials serve`, and has --clients
clients claim activities, each claim under its own Idempotency-Key and sent again under it until
answered. After --before s the cluster is stopped (--crash: SIGKILLed), started again after
--down s, and the load runs --after s more. Then each member's history is read back. Printed:
requests sent, 5xx (and 500s: anything but a 503 `storage_unavailable` with Retry-After),
unanswered sends (refused or reset connections), lost (answered, not recorded), doubled
(recorded twice), and the time to recover (from the database answering again to the first claim
answered 2xx). Targets: 0 lost, 0 doubled, 0 500s. The last line is JSON.
(The load and the cluster are those of the fault suite: tests/support/fault_load.py, private_postgres.py.)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "support"))

from fault_load import Load, lost_and_doubled  # noqa: E402
from private_postgres import make_cluster  # noqa: E402
from server_support import STAFF_TOKEN, start_server, stop  # noqa: E402


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.py faults", description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--before", type=float, default=2.0, help="seconds of load before the fault")
    parser.add_argument("--down", type=float, default=3.0, help="seconds the database stays down")
    parser.add_argument("--after", type=float, default=5.0, help="seconds of load after it is back")
    parser.add_argument("--crash", action="store_true", help="SIGKILL the cluster instead of a fast stop")
    args = parser.parse_args(argv)
    cluster = make_cluster()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-faults-") as scratch:
            server = start_server(cluster.url("credentials"), Path(scratch) / "server.log", f"staff:{STAFF_TOKEN}")
            try:
                load = Load("127.0.0.1", int(server.base.rsplit(":", 1)[1]), STAFF_TOKEN,
                            clients=args.clients, prefix="bench").start()
                time.sleep(args.before)
                cluster.kill() if args.crash else cluster.stop("fast")
                down_at = time.monotonic()
                time.sleep(args.down)
                cluster.start()
                back = time.monotonic()
                time.sleep(args.after)
                tally = load.stop()
                lost, doubled = lost_and_doubled(load)
            finally:
                stop(server)
    finally:
        cluster.destroy()
    recovered = [t - back for t in tally.successes if t >= back]
    figures = {
        "fault": "crash" if args.crash else "restart",
        "down_s": round(back - down_at, 2),
        "requests_sent": tally.sent,
        "answered": sum(len(a) for a in tally.answered.values()),
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "http_5xx": tally.server_errors,
        "http_500s": tally.internal_errors,  # any 5xx but 503
        "improper_answers": len(tally.bad),  # neither 2xx, 409 nor a 503 storage_unavailable with Retry-After
        "unanswered_sends": sum(tally.failures.values()),
        "lost": len(lost),
        "doubled": len(doubled),
        "recover_s": round(recovered[0], 3) if recovered else None,
    }
    figures["targets_met"] = not (figures["lost"] or figures["doubled"] or figures["http_500s"] or tally.bad)
    print(f"PostgreSQL {figures['fault']} under load: down {figures['down_s']} s, {args.clients} clients")
    print(f"  requests sent      {figures['requests_sent']} ({figures['answered']} claims answered)")
    print(f"  answers            {figures['statuses']}; {figures['unanswered_sends']} sends unanswered")
    print(f"  5xx                {figures['http_5xx']} ({figures['http_500s']} not 503; "
          f"{figures['improper_answers']} improper)")
    print(f"  lost, doubled      {figures['lost']}, {figures['doubled']}")
    print(f"  time to recover    {figures['recover_s']} s after the database answered again")
    print(json.dumps(figures))
    return 0 if figures["targets_met"] else 1
