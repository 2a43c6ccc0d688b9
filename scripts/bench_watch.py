"""Watch-mode latency (issue 5): drop files into a landing folder while `scrapeclean watch` runs
and report, per batch, the lag from a file landing to its rows being published.
Target: lag <= interval + 10 s. Usage: python -m scripts.bench_watch [--interval 5] [--files 6]"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_05c8e702dea443c3.txt"


def main() -> None:
    """Run the watcher, land a file every few seconds, SIGTERM it, print the batch lags."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--files", type=int, default=6)
    parser.add_argument("--every", type=float, default=3.0, help="seconds between landings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        landing, output = Path(temp) / "landing", Path(temp) / "out"
        landing.mkdir()
        command = [str(Path(sys.executable).parent / "scrapeclean"), "watch"]
        command += ["--input", str(landing / "*"), "--output", str(output)]
        watcher = subprocess.Popen(
            [*command, "--interval", str(args.interval)], stderr=subprocess.PIPE, text=True
        )
        for number in range(args.files):
            shutil.copy(SEED, landing / f"article-{number}.txt")
            time.sleep(args.every)
        time.sleep(args.interval + 15)  # let the last file be published
        watcher.send_signal(signal.SIGTERM)
        _, log = watcher.communicate(timeout=300)
    lags = [float(lag) for lag in re.findall(r"lag ([\d.]+) s", log)]
    print(log.strip())
    print(f"exit status {watcher.returncode}; {len(lags)} batches; max lag {max(lags):.1f} s")
    bound = args.interval + 10
    print(
        f"target: lag <= interval + 10 = {bound:.0f} s ->", "PASS" if max(lags) <= bound else "FAIL"
    )


if __name__ == "__main__":
    main()
