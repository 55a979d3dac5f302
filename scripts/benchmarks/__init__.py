"""The sections of `scripts/bench.py`, and what they share (benchmarks, never tests).

- target.py: a fresh schema or file to run in, raw connections to it, the read models beside it;
- histories.py: realistic member histories, made by the real commands, cloned and bulk-loaded;
- workers.py: timed loops in threads or processes, and the raw INSERT+COMMIT baseline;
- commands.py: `claim_activity` in-process beside raw inserts, and `status` as-of latency;
- http_api.py: the real server (`credentials serve`) over HTTP beside raw inserts;
- projections.py: the read models' catch-up, rebuild and follow rates beside a raw scan;
- revisions.py: the store-wide revisions report of a month, beside a status read, and the
  read models following a policy version effective in the past;
- worklist.py: the worklist (who must act) from the matters table, beside a status-counts report,
  checked against the replay; and a reminder run;
- imports.py: a register (scripts/make_register.py) imported by the bulk path, beside a raw COPY of
  as many rows, and the read models catching up after it.
"""
