"""Peak memory of one crawl process as the crawl grows: `newsmon crawl --workers 1` of one
generated local outlet (tests/mockserver's synthetic outlet on 127.0.0.1) with 1,000, then
5,000, then 10,000 articles, a fresh database each time. Flat memory means the peak RSS of
the 10,000-article crawl is about that of the 1,000-article one (the page cache SQLite may
use grows with the database, up to its 256 MB cap).
Run: python benchmarks/crawl_memory.py [--sizes 1000 5000 10000]
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.mockserver import MockServer  # noqa: E402
from tests.mockserver.synthetic import SyntheticOutlet  # noqa: E402

# A wrapper process per crawl, so RUSAGE_CHILDREN's peak is this crawl's alone.
_MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(done.returncode, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
if done.returncode:
    print(done.stdout[-2000:], done.stderr[-3000:], file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    args = parser.parse_args()
    server = MockServer()
    outlets = {}
    for size in args.sizes:
        outlet = server.add_outlet(SyntheticOutlet(prefix=f"mem{size}", count=size, seed=size))
        outlet.respond = functools.lru_cache(maxsize=None)(outlet.respond)  # type: ignore
        outlets[size] = outlet
    server.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sources = server.write_sources(Path(tmp), demo=False)
            for size, outlet in outlets.items():
                db = Path(tmp) / f"mem-{size}.db"
                start = time.perf_counter()
                out = subprocess.run(
                    [sys.executable, "-c", _MEASURE, sys.executable, "-m", "newsmon.cli",
                     "crawl", "--workers", "1", "--db", str(db), "--sources", str(sources),
                     outlet.prefix], cwd=REPO, env=env, capture_output=True, text=True)
                wall = time.perf_counter() - start
                code, peak_kb, cpu = out.stdout.split()
                if code != "0":
                    raise SystemExit(f"crawl of {size} failed:\n{out.stderr}")
                print(f"{size:>6} articles: peak RSS {int(peak_kb) / 1024:.0f} MB, "
                      f"{float(cpu):.1f} CPU-s, {size / wall:.0f} pages/s wall")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
