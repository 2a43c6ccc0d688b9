"""The extraction sandbox's child process (transforms/text/sandbox.py)."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from scrapeclean.transforms.html.config import HtmlConfig
from scrapeclean.transforms.html.extract import extract_document
from scrapeclean.transforms.records import Document, Reject, RejectReason
from scrapeclean.transforms.text.decode import ReadConfig, decode_document
from scrapeclean.transforms.text.sandbox import Sandbox, SharedSandbox

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "html"
READ = ReadConfig()

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


def test_a_page_comes_back_from_the_child_as_the_stage_makes_it_in_process() -> None:
    # Records cross the pipe as their constructor's arguments, not in their own compressed
    # pickling: every field, HTML text and raw bytes included, must arrive and return intact.
    html = (FIXTURES / "news_page.html").read_bytes()
    document = decode_document(html, "news_page.html", "html", READ, is_html=True)
    sandbox = Sandbox(60.0)
    try:
        extracted = sandbox.call(extract_document, document, HtmlConfig())
        refused = sandbox.call(extract_document, replace(document, text="<p></p>"), HtmlConfig())
    finally:
        sandbox.close()
    assert isinstance(extracted, Document) and extracted.extracted
    assert extracted == extract_document(document, HtmlConfig())
    assert isinstance(refused, Reject) and refused.reason == RejectReason.EMPTY
    assert refused == extract_document(replace(document, text="<p></p>"), HtmlConfig())


def child_pid(_record: object, _section: object) -> int:
    """In the child: its pid."""
    return os.getpid()


def dateparser_ready(_record: object, _section: object) -> bool:
    """In the child: whether htmldate's dateparser is built (every locale loaded), which its
    first text date pays for otherwise (1.8-3.8 s here)."""
    from htmldate.extractors import get_external_parser

    return get_external_parser.cache_info().currsize == 1


def frozen_objects(_record: object, _section: object) -> int:
    """In the child: how many objects its collections skip (gc.freeze in the server)."""
    return gc.get_freeze_count()


def page(name: str = "news_page.html") -> Document:
    decoded = decode_document((FIXTURES / name).read_bytes(), name, "html", READ, is_html=True)
    assert isinstance(decoded, Document)
    return decoded


def test_every_child_starts_with_the_extraction_warm_and_a_new_pid() -> None:
    # Children are forks of a server that ran the extraction once: the first, a second
    # sandbox's, and a replacement after a timeout all start with dateparser built.
    first, second = Sandbox(60.0), Sandbox(60.0)
    try:
        pids = [first.call(child_pid, None, None), second.call(child_pid, None, None)]
        ready = [
            first.call(dateparser_ready, None, None),
            second.call(dateparser_ready, None, None),
        ]
        frozen = first.call(frozen_objects, None, None)
        first.close()  # what a timeout does
        pids.append(first.call(child_pid, None, None))
        ready.append(first.call(dateparser_ready, None, None))
    finally:
        first.close()
        second.close()
    assert ready == [True, True, True]
    assert frozen > 10_000  # the server's modules and locales: no child's collections walk them
    assert len(set(pids)) == 3 and os.getpid() not in pids


def test_a_child_killed_between_pages_is_replaced_and_the_next_page_is_extracted() -> None:
    # The OOM killer or a user may end an idle child: the next page is no cause of it.
    sandbox = Sandbox(60.0)
    try:
        killed = sandbox.call(child_pid, None, None)
        os.kill(killed, signal.SIGKILL)
        extracted = sandbox.call(extract_document, page(), HtmlConfig())
        assert sandbox.call(child_pid, None, None) != killed
    finally:
        sandbox.close()
    assert extracted == extract_document(page(), HtmlConfig())


def test_threads_of_a_process_share_its_children_and_get_each_page_back_in_order() -> None:
    # Beam hands each worker thread a fixed half of the pages: a thread whose half ran out
    # lends its child to the other, so a batch's pages go to every free child of the process.
    names = sorted(path.name for path in FIXTURES.glob("*.htm*"))
    first, second = SharedSandbox("extract-test", 60.0), SharedSandbox("extract-test", 60.0)
    try:
        pids = first.map(lambda _: first.call(child_pid, None, None), range(4))
        extracted = first.map(
            lambda name: first.call(extract_document, page(name), HtmlConfig()), names
        )
        second.close()  # its thread's bundle is done: its child goes, the other one serves
        alone = first.map(lambda _: first.call(child_pid, None, None), range(4))
    finally:
        first.close()
        second.close()
    assert len(set(pids)) == 2 and os.getpid() not in pids
    assert len(set(alone)) == 1 and set(alone) < set(pids)
    assert extracted == [extract_document(page(name), HtmlConfig()) for name in names]
