"""Write the bundled sample inputs in seeds/ (besides the user's own seed, copied verbatim).

Each sample shows one layout or defect a scraper dump really has; the bytes are written here
so that encodings (CRLF, cp1252 mojibake, cp1252 bytes, gzip, binary) are exact and reviewable.
Run: python scripts/make_seeds.py  (deterministic; the golden test pins the outputs).
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

HEADLINE_FIRST = """\
Share this article
City Council Approves Flood Barrier Plan After Two-Year Fight
The $48 million project will raise the riverside wall by 1.2 metres and add pumping stations in three low-lying districts.
ROTTERDAM — The city council voted 31 to 14 on Tuesday to build a taller flood barrier along the Maas, ending a two-year dispute over who pays for protecting the harbour districts.
Engineers say the current wall, built in 1978, would be overtopped by a storm surge of the kind forecast to become ten times more likely by 2050.
“We cannot keep betting that the next big storm misses us,” said Deputy Mayor Ingrid van Dijk, who led the negotiations with the port authority.
The port will cover 40% of the cost; the rest comes from a regional climate fund and a new levy on commercial property near the river.
Opposition councillors argued the levy would push small shipyards out of the city, and several business owners protested outside the town hall before the vote.
Construction is due to start next spring and take four years, with temporary barriers in place during the winter storm season.
Reporting by Sanne de Vries; Editing by Mark Ellison
Advertisement
"""

MOJIBAKE = """\
Scientists Map the Deepest Coral Reef Yet Found in the Atlantic
By Laura Gómez and Peter Olsen
A survey vessel off the coast of São Tomé has documented a living coral reef at a depth of 160 metres, the deepest such structure recorded in the Atlantic Ocean.
The team, led by marine biologist Dr. Aïcha Mensah, used a remotely operated vehicle to film the reef’s sponges and black corals over three weeks in October.
“We expected scattered colonies, not a continuous reef the length of twelve football pitches,” Mensah said. “It changes what we thought light-starved water could support.”
The researchers say the reef could act as a refuge for shallow-water species as surface temperatures rise, although the deep corals grow only a few millimetres a year.
The findings, published on Thursday in the journal <i>Marine Ecology Progress</i>, call for the area to be protected from bottom trawling &amp; deep-sea mining.
Sign up for our science newsletter
© 2025 Ocean Press. All rights reserved.
"""

GERMAN = """\
Bahnstreik legt Fernverkehr in Süddeutschland lahm

MÜNCHEN — Ein Warnstreik der Lokführergewerkschaft hat am Montag große Teile des Fernverkehrs in Bayern und Baden-Württemberg zum Erliegen gebracht.

Nach Angaben der Bahn fielen bis zum Mittag mehr als 300 Züge aus, Pendler mussten auf Busse und Fahrgemeinschaften ausweichen.

Die Gewerkschaft fordert eine Lohnerhöhung von 9,5 Prozent und kürzere Schichten; die Arbeitgeberseite bietet bislang 4 Prozent über zwei Jahre.

„Wir wollen niemanden ärgern, aber ohne Druck bewegt sich nichts“, sagte ein Sprecher der Gewerkschaft vor dem Münchner Hauptbahnhof.

Die Verhandlungen sollen am Donnerstag in Frankfurt fortgesetzt werden.

Mehr zum Thema
"""

WIRE_GZ = """\
By Tom Hale

Global Wheat Prices Climb as Drought Cuts Harvest Forecasts

CHICAGO (Reuters) - Wheat futures rose for a fifth straight session on Friday after
forecasters cut their estimates for harvests in Argentina and Australia, two of the world's
largest exporters, because of a prolonged drought.

The most-active contract on the Chicago Board of Trade gained 2.1% to $6.84 a bushel, its
highest level since March, while corn and soybeans also edged higher.

"The market had priced in a comfortable supply picture, and that picture is now changing
quickly," said Ana Ruiz, a grains analyst at a brokerage in Buenos Aires.

Importers in North Africa and the Middle East have stepped up purchases to secure supplies
before prices rise further, traders said. (Reporting by Tom Hale in Chicago; Editing by
Susan Fenton)
"""

STUB = """\
Live: Election Night Results

Results will appear here as counting begins.
"""


def sloppy_cp1252(byte: int) -> str:
    """A byte as Windows shows it: cp1252, with its five unassigned bytes taken as latin-1."""
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


def main() -> None:
    """Write every sample; the user's seed (000_*) is left untouched."""
    crlf = HEADLINE_FIRST.replace(" the Maas", "\u00a0the Maas").replace("\n", "  \r\n")
    (SEEDS / "001_headline_first_crlf.txt").write_bytes(crlf.encode("utf-8"))
    # Double encoding: UTF-8 bytes read as cp1252 and saved again as UTF-8.
    mojibake = "".join(map(sloppy_cp1252, MOJIBAKE.encode("utf-8")))
    (SEEDS / "002_mojibake_entities.txt").write_bytes(mojibake.encode("utf-8"))
    (SEEDS / "003_cp1252_german.txt").write_bytes(GERMAN.encode("cp1252"))
    (SEEDS / "004_wire_wrapped.txt.gz").write_bytes(gzip.compress(WIRE_GZ.encode(), mtime=0))
    junk = random.Random(5).randbytes(2048)
    (SEEDS / "005_binary_junk.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + junk)
    (SEEDS / "006_empty.txt").write_bytes(b"\n\n  \n")
    (SEEDS / "007_stub.txt").write_bytes(STUB.encode("utf-8"))


if __name__ == "__main__":
    main()
