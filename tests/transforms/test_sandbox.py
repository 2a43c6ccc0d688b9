"""The extraction sandbox's child process (transforms/text/sandbox.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import math
import sys
from pathlib import Path

if __name__ == "__mp_main__":  # the child is running this file again
    Path(sys.argv[1]).touch()
if __name__ == "__main__":
    from scrapeclean.transforms.text.sandbox import Sandbox

    sandbox = Sandbox(60.0)
    print(sandbox.call(math.hypot, 3.0, 4.0))
    sandbox.close()
"""


def test_the_child_does_not_run_the_parents_main_module(tmp_path: Path) -> None:
    # In a Beam worker the main module is sdk_worker_main: running it again imports all of
    # Beam in every sandbox child before its first page.
    script, marker = tmp_path / "main.py", tmp_path / "main-ran-in-child"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(marker)], capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout.strip()) == (0, "5.0"), done.stderr
    assert not marker.exists()
