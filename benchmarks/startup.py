"""What a crawl process costs before it does any work: CPU seconds of `newsmon crawl` runs of a
generated local outlet (tests/mockserver's synthetic outlet on 127.0.0.1) that find nothing
new (a recrawl: robots.txt, the feed fetched and every entry found stored, the run
recorded), and of runs that find
one new article (the same, plus the extraction, tagging and storage modules loaded and one
article stored). Rounds interleave the two kinds, so machine noise hits both alike; prints
every round and the medians. Target (issue 17): startup under 1 CPU-s.
Run: python benchmarks/startup.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.crawl_workers import crawl  # noqa: E402
from tests.mockserver import MockServer  # noqa: E402
from tests.mockserver.synthetic import SyntheticOutlet  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    server = MockServer()
    quiet = server.add_outlet(SyntheticOutlet(prefix="quiet", count=20, seed=1))
    growing = server.add_outlet(SyntheticOutlet(prefix="growing", count=20, seed=2))
    server.start()
    noop: list[float] = []
    one_new: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sources = server.write_sources(Path(tmp), demo=False)
            db = Path(tmp) / "startup.db"
            for outlet in (quiet, growing):                   # stores the first 20 of each
                crawl(db, sources, 1, [outlet.prefix])
            for round_no in range(args.rounds):
                growing.count += 1                            # one article more each round
                kinds = [("noop", quiet), ("one new", growing)]
                for kind, outlet in kinds if round_no % 2 == 0 else kinds[::-1]:
                    _, cpu = crawl(db, sources, 1, [outlet.prefix])
                    (noop if kind == "noop" else one_new).append(cpu)
                    print(f"round {round_no + 1}, {kind}: {cpu:.2f} CPU-s")
    finally:
        server.stop()
    print(f"median over {args.rounds} rounds: a recrawl that finds nothing new "
          f"{statistics.median(noop):.2f} CPU-s (target < 1); one that stores one new "
          f"article {statistics.median(one_new):.2f} CPU-s")


if __name__ == "__main__":
    main()
