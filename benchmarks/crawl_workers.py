"""End-to-end crawl with 1 and 2 worker processes: `newsmon crawl --workers N` of generated
local outlets (tests/mockserver's synthetic outlets on 127.0.0.1), fresh database each time,
startup included. Rounds alternate the order (1 then 2, 2 then 1) so machine noise hits both;
prints pages/s per round, the medians and the ratio (target on a 2-core machine: >= 1.8x),
plus the CPU seconds of one worker's startup (a crawl of an outlet with no new article).
An untimed first crawl fills the server's page cache. Run:
python benchmarks/crawl_workers.py [--outlets 2] [--articles 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.mockserver import MockServer  # noqa: E402
from tests.mockserver.synthetic import SyntheticOutlet  # noqa: E402


def crawl(db: Path, sources: Path, workers: int, ids: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the children) of one `newsmon crawl`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "newsmon.cli", "crawl", "--db", str(db),
                             "--sources", str(sources), "--workers", str(workers), *ids],
                            cwd=REPO, capture_output=True, text=True, timeout=3600,
                            env={k: v for k, v in os.environ.items()
                                 if not k.startswith("NEWSMON_")})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"crawl failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlets", type=int, default=2)
    parser.add_argument("--articles", type=int, default=1000, help="per outlet")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    server = MockServer()
    ids = []
    for n in range(args.outlets):
        outlet = server.add_outlet(SyntheticOutlet(prefix=f"bench{n}", count=args.articles,
                                                   seed=100 + n))
        # Pages are generated once and then served from memory, so the server (in this
        # process, on the same two cores) costs little next to the crawl it serves.
        outlet.respond = functools.lru_cache(maxsize=None)(outlet.respond)  # type: ignore
        ids.append(outlet.prefix)
    server.start()
    pages = args.outlets * args.articles
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sources = server.write_sources(Path(tmp), demo=False)
            crawl(Path(tmp) / "warm-up.db", sources, 2, ids)     # fills the page cache
            rates: dict[int, list[float]] = {1: [], 2: []}
            for round_no in range(args.rounds):
                order = (1, 2) if round_no % 2 == 0 else (2, 1)
                for workers in order:
                    db = Path(tmp) / f"r{round_no}-w{workers}.db"
                    wall, cpu = crawl(db, sources, workers, ids)
                    rates[workers].append(pages / wall)
                    print(f"round {round_no + 1}, {workers} worker(s): {pages} pages in "
                          f"{wall:.1f} s wall ({pages / wall:.1f} pages/s), {cpu:.1f} CPU-s")
                    if workers == 1 and round_no == 0:
                        # The same crawl again: nothing new, so it is mostly startup.
                        wall2, cpu2 = crawl(db, sources, 1, ids[:1])
                        print(f"  a no-op recrawl of one outlet: {wall2:.2f} s wall, "
                              f"{cpu2:.2f} CPU-s (process startup and discovery)")
            one, two = statistics.median(rates[1]), statistics.median(rates[2])
            print(f"median: 1 worker {one:.1f} pages/s, 2 workers {two:.1f} pages/s; "
                  f"ratio {two / one:.2f}x (target >= 1.8x on 2 cores; cores here: "
                  f"{os.cpu_count()})")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
