"""End-to-end crawl, one run, side by side: generated local outlets (tests/mockserver's
synthetic outlets on 127.0.0.1, pages served from memory; with --real, every article page is
one of the 181 real news pages of ../shared/corpus/extraction-benchmark, in turn, so the
extraction costs what it costs on real pages) crawled into a fresh database by
- `newsmon crawl --workers 1` and `--workers 2` (local worker processes),
- a shared crawl on scrapy-redis: `newsmon crawl --redis URL --workers 2` plus one
  `newsmon ingest` (a real redis-server on a free port),
against two references measured in the same run:
- `scrapy bench` (Scrapy's own crawl of its local link farm: pages/s with no processing),
- bare `trafilatura.extract` over the same pages in one process (pages per CPU-second).

Wall time includes process startup; for the shared crawl it ends when the ingest has stored
the last article (every article page's URL in `newsmon:known`, nothing left on the items lists), and
is printed a second time up to the workers' exit (their NEWSMON_REDIS_IDLE_S wait, 1 s here,
and shutdown), with its own ratio; the ingest's idle wait is counted in neither. Rounds alternate the order of the modes.
Prints pages/s per round with the CPU time the crawl's processes used (per page, and as a
share of the cores: where scaling is lost), the medians and the ratios the targets are about:
2 workers / 1 worker (target >= 1.8 on 2 cores), shared / local at 2 workers (>= 0.85), and
end-to-end pages/s / (bare extraction pages per CPU-s x cores used) (>= 0.7).
Run: python benchmarks/crawl_end_to_end.py [--outlets 2] [--articles 1000] [--rounds 3] [--real]
"""

from __future__ import annotations

import argparse
import functools
import os
import re
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
from tests.redis_server import RedisServer  # noqa: E402

IDLE_S = 1.0


class RealPagesOutlet(SyntheticOutlet):
    """A synthetic outlet (feed, URLs, dates) whose article pages are real pages, in turn."""

    def __init__(self, pages: list[bytes], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.pages = pages

    def respond(self, base: str, rel: str) -> tuple[bytes, str] | None:
        made = super().respond(base, rel)
        if made is not None and "/news/" in rel:
            return self.pages[int(rel.rsplit("-", 1)[1]) % len(self.pages)], "text/html"
        return made

    def page_bytes(self, base: str, index: int) -> bytes:
        return self.pages[index % len(self.pages)]


def real_pages() -> list[bytes]:
    import gzip

    from newsmon.quality import SHARED_CORPUS
    folder = SHARED_CORPUS / "extraction-benchmark" / "html"
    if not folder.is_dir():
        raise SystemExit(f"--real needs {folder} (../shared beside the repository)")
    return [gzip.decompress(p.read_bytes()) for p in sorted(folder.glob("*.html.gz"))]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env["NEWSMON_REDIS_IDLE_S"] = str(IDLE_S)
    return env


def _newsmon(*args: str) -> list[str]:
    return [sys.executable, "-m", "newsmon.cli", *args]


def _children_cpu() -> float:
    """CPU seconds of the ended child processes (and theirs): the crawl, its workers, the
    ingest; not the mock server, which runs in this process."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def local(db: Path, sources: Path, workers: int, ids: list[str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(_newsmon("crawl", "--db", str(db), "--sources", str(sources),
                                     "--workers", str(workers), *ids),
                            cwd=REPO, capture_output=True, text=True, timeout=3600, env=_env())
    if result.returncode != 0:
        raise SystemExit(f"crawl failed:\n{result.stderr[-3000:]}")
    return time.perf_counter() - start


def shared(db: Path, sources: Path, workers: int, ids: list[str], redis_url: str,
           urls: list[str]) -> tuple[float, float]:
    """(seconds until every page's article was stored, seconds until the workers had also
    exited, their NEWSMON_REDIS_IDLE_S wait and shutdown included)."""
    import redis
    redis.Redis.from_url(redis_url).flushall()
    start = time.perf_counter()
    ingest = subprocess.Popen(_newsmon("ingest", "--redis", redis_url, "--db", str(db),
                                       "--until-idle", "30"),
                              cwd=REPO, env=_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    crawl = subprocess.Popen(_newsmon("crawl", "--sources", str(sources), "--redis", redis_url,
                                      "--workers", str(workers), *ids),
                             cwd=REPO, env=_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    client = redis.Redis.from_url(redis_url)
    done = stored = None
    while done is None:          # the workers are done and the ingest has stored everything
        time.sleep(0.05)
        drained = client.llen("newsmon:items") == 0 \
            and client.llen("newsmon:items:processing") == 0
        if stored is None and drained and client.scard("newsmon:known") >= len(urls) \
                and all(client.smismember("newsmon:known", urls)):
            stored = time.perf_counter()     # every article page is stored
        if crawl.poll() == 0 and drained:
            done = time.perf_counter()
        if crawl.poll() not in (None, 0) or ingest.poll() not in (None, 0):
            raise SystemExit(f"shared crawl failed:\n{crawl.communicate()[1][-2000:]}\n"
                             f"{ingest.communicate()[1][-2000:]}")
    crawl.communicate(timeout=120)
    ingest.terminate()
    ingest.communicate(timeout=120)
    return (stored or done) - start, done - start


def scrapy_bench(seconds: int = 15) -> float:
    """Pages/s of `scrapy bench` (its last logged per-minute rate)."""
    result = subprocess.run([sys.executable, "-m", "scrapy", "bench", "-s",
                             f"CLOSESPIDER_TIMEOUT={seconds}", "-s", "LOG_LEVEL=INFO"],
                            cwd="/", capture_output=True, text=True, timeout=300)
    rates = [int(m) for m in re.findall(r"at (\d+) pages/min", result.stderr)]
    if not rates:
        raise SystemExit(f"scrapy bench printed no rate:\n{result.stderr[-2000:]}")
    return max(rates) / 60


def bare_extraction(server: MockServer, outlets: list[SyntheticOutlet]) -> float:
    """Pages per CPU-second of trafilatura.extract over the same pages, one process."""
    import trafilatura
    pages = [outlet.page_bytes(server.base_url, a.index) if isinstance(outlet, RealPagesOutlet)
             else outlet.page(server.base_url, a).encode()
             for outlet in outlets for a in outlet.articles()]
    for page in pages[:20]:
        trafilatura.extract(page)                         # warm-up
    before = resource.getrusage(resource.RUSAGE_SELF)
    for page in pages:
        trafilatura.extract(page)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return len(pages) / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlets", type=int, default=2)
    parser.add_argument("--articles", type=int, default=1000, help="per outlet")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--real", action="store_true",
                        help="article pages are the 181 real benchmark pages, in turn")
    args = parser.parse_args()
    server = MockServer()
    outlets: list[SyntheticOutlet] = []
    pages_real = real_pages() if args.real else []
    for n in range(args.outlets):
        outlet = server.add_outlet(
            RealPagesOutlet(pages_real[n:] + pages_real[:n], prefix=f"bench{n}",
                            count=args.articles, seed=100 + n) if args.real else
            SyntheticOutlet(prefix=f"bench{n}", count=args.articles, seed=100 + n))
        outlet.respond = functools.lru_cache(maxsize=None)(outlet.respond)  # type: ignore
        outlets.append(outlet)
    ids = [o.prefix for o in outlets]
    pages = args.outlets * args.articles

    cores = os.cpu_count() or 1
    server.start()
    urls = [o.url(server.base_url, a) for o in outlets for a in o.articles()]
    try:
        with tempfile.TemporaryDirectory() as tmp, RedisServer() as redis_server:
            sources = server.write_sources(Path(tmp), demo=False)
            local(Path(tmp) / "warm-up.db", sources, 2, ids)      # fills the page cache
            modes = ["local 1", "local 2", "shared 2"]
            rates: dict[str, list[float]] = {m: [] for m in [*modes, "shared 2 exited"]}
            bench_rates, bare_rates = [], []
            for round_no in range(args.rounds):
                order = modes if round_no % 2 == 0 else modes[::-1]
                for mode in order:
                    db = Path(tmp) / f"r{round_no}-{mode.replace(' ', '')}.db"
                    workers = int(mode.split()[1])
                    cpu_before = _children_cpu()
                    exited = ""
                    if mode.startswith("local"):
                        wall = span = local(db, sources, workers, ids)
                    else:
                        wall, until_exit = shared(db, sources, workers, ids, redis_server.url,
                                                  urls)
                        rates["shared 2 exited"].append(pages / until_exit)
                        span = until_exit                 # the CPU is counted up to there
                        exited = (f"; {pages / until_exit:.1f} pages/s until the workers had "
                                  f"exited ({until_exit:.1f} s)")
                    cpu = _children_cpu() - cpu_before
                    rates[mode].append(pages / wall)
                    print(f"round {round_no + 1}, {mode}: {pages} pages in {wall:.1f} s "
                          f"({pages / wall:.1f} pages/s); the crawl's processes used "
                          f"{cpu:.1f} CPU-s ({cpu / pages * 1000:.1f} ms per page, "
                          f"{cpu / (span * cores):.0%} of {cores} cores){exited}", flush=True)
                bench_rates.append(scrapy_bench())
                bare_rates.append(bare_extraction(server, outlets))
                print(f"round {round_no + 1}: scrapy bench {bench_rates[-1]:.0f} pages/s; "
                      f"bare trafilatura.extract {bare_rates[-1]:.1f} pages/CPU-s", flush=True)
            med = {m: statistics.median(v) for m, v in rates.items()}
            bench, bare = statistics.median(bench_rates), statistics.median(bare_rates)
            print(f"median pages/s: local 1 worker {med['local 1']:.1f}, local 2 workers "
                  f"{med['local 2']:.1f}, shared (scrapy-redis) 2 workers + ingest "
                  f"{med['shared 2']:.1f}; scrapy bench {bench:.0f}; bare extraction "
                  f"{bare:.1f} pages/CPU-s ({cores} cores)")
            print(f"2 workers / 1 worker: {med['local 2'] / med['local 1']:.2f}x (target 1.8)")
            print(f"shared / local at 2 workers: {med['shared 2'] / med['local 2']:.2f}x "
                  f"(target >= 0.85); counting the workers' idle wait and exit too: "
                  f"{med['shared 2 exited'] / med['local 2']:.2f}x")
            for mode, used in (("local 1", 1), ("local 2", min(2, cores)),
                               ("shared 2", min(2, cores))):
                print(f"{mode}: end-to-end / (bare extraction x {used} core(s)) = "
                      f"{med[mode] / (bare * used):.2f} (target >= 0.7); / scrapy bench = "
                      f"{med[mode] / bench:.2f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
