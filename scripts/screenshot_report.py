"""Render a scrapeclean HTML report in headless Chromium: save a PNG and check it rendered clean.

Checks: Chromium logged no console errors or failed loads, the rendered DOM holds every SVG
chart of the file, and the file references nothing outside itself (no src/href/url() to
another origin). Prints the PNG path and one PASS/FAIL line; exits 0 on pass, 1 on fail.

    python scripts/screenshot_report.py out/seeds/report.html [--png shot.png]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Offline and quiet: no network services, no first-run UI, a fresh profile per run.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # we run as root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
TIMEOUT_SECONDS = 90
_CONSOLE_ERROR = re.compile(
    r"(:ERROR:CONSOLE|Uncaught |Failed to load resource|net::ERR_|Refused to )", re.IGNORECASE
)
_EXTERNAL = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import)""",
    re.IGNORECASE,
)


def main(argv: list[str] | None = None) -> int:
    """Screenshot the report, run the checks, print the PNG path and PASS or FAIL."""
    args = parse_args(argv)
    report = Path(args.report).resolve()
    if not report.is_file():
        print(f"screenshot_report: {report} does not exist", file=sys.stderr)
        return 2
    chromium = find_chromium(args.chromium)
    png = Path(args.png).resolve() if args.png else report.with_suffix(".png")
    html = report.read_text(encoding="utf-8")
    problems = external_references(html)
    with tempfile.TemporaryDirectory(prefix="scrapeclean-chromium-") as profile:
        shot = render(chromium, report, profile, [f"--screenshot={png}", args.window])
        problems += console_errors(shot.stderr)
        if shot.returncode != 0 or not png.is_file():
            problems.append(f"chromium exited {shot.returncode} without a screenshot")
    with tempfile.TemporaryDirectory(prefix="scrapeclean-chromium-") as profile:
        dom = render(chromium, report, profile, ["--dump-dom"])
        problems += console_errors(dom.stderr)
    expected, rendered = html.count("<svg"), dom.stdout.count("<svg")
    if rendered != expected or expected == 0:
        problems.append(f"{rendered} SVG charts in the rendered page, {expected} in the file")
    print(png)
    if problems:
        print("FAIL: " + "; ".join(problems))
        return 1
    print(f"PASS: {rendered} SVG charts rendered, no console errors, no external resources")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The script's flags."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("report", help="the report HTML file")
    parser.add_argument("--png", help="screenshot path (default: the report's path with .png)")
    parser.add_argument("--chromium", help="the browser binary (default: found on PATH)")
    parser.add_argument(
        "--window", default="--window-size=1280,4000", help="Chromium window size flag"
    )
    return parser.parse_args(argv)


def find_chromium(requested: str | None) -> str:
    """The Chromium binary; tells how to install it when there is none."""
    for name in (requested,) if requested else CHROMIUM_NAMES:
        found = shutil.which(name) if name else None
        if found:
            return found
    sys.exit("screenshot_report: no chromium found; install it: apt-get install -y chromium")


def render(
    chromium: str, report: Path, profile: str, extra: list[str]
) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium once on the report with a fresh profile and console logging."""
    command = [
        chromium,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *extra,
        report.as_uri(),
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )


def console_errors(stderr: str) -> list[str]:
    """Console errors and failed loads in Chromium's log (its own startup noise is ignored)."""
    return [
        f"console: {line.strip()[:200]}"
        for line in stderr.splitlines()
        if _CONSOLE_ERROR.search(line)
    ]


def external_references(html: str) -> list[str]:
    """Anything the page would fetch from elsewhere: the report must be self-contained."""
    found = sorted({match.group() for match in _EXTERNAL.finditer(html)})
    return [f"external reference {text!r}" for text in found]


if __name__ == "__main__":
    sys.exit(main())
