"""The `credentials` command's output read by another program that may stop reading early, as
`credentials demo | head -1` does: the command ends quietly, with a shell's exit status for it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from server_support import CLI

from entrypoints.cli import OUTPUT_CLOSED


def test_a_command_whose_reader_has_gone_ends_without_a_traceback(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader gone before the command writes a word
    try:
        done = subprocess.run([*CLI, "demo"], stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
                              env={**os.environ, "CREDENTIALS_DATABASE_URL": f"sqlite:///{tmp_path}/demo.db"},
                              check=False)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (OUTPUT_CLOSED, "")
