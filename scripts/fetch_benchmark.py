#!/usr/bin/env python3
"""Fetch the public ScrapingHub article-extraction benchmark (181 pages) for the quality gates.

The pages are third-party content, so the repository does not hold them; the tests read them
from ../shared/corpus/extraction-benchmark/. On a machine that is online:

    python scripts/fetch_benchmark.py                 # into ../shared/corpus/extraction-benchmark
    python scripts/fetch_benchmark.py --dest DIR      # somewhere else
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

HOME = "https://raw.githubusercontent.com/scrapinghub/article-extraction-benchmark/master"
DEFAULT_DEST = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / \
    "extraction-benchmark"


def fetch(url: str, timeout: float = 60) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "newsmon-benchmark-fetch"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        data: bytes = response.read()
        return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    parser.add_argument("--base-url", default=HOME, help="where the benchmark is published")
    args = parser.parse_args(argv)
    html_dir = args.dest / "html"
    html_dir.mkdir(parents=True, exist_ok=True)
    try:
        truth = fetch(f"{args.base_url}/ground-truth.json")
        ids = sorted(json.loads(truth))
    except (OSError, ValueError) as exc:
        print(f"cannot fetch {args.base_url}/ground-truth.json: {exc}", file=sys.stderr)
        return 1
    (args.dest / "ground-truth.json").write_bytes(truth)
    failed = []
    for number, page_id in enumerate(ids, 1):
        target = html_dir / f"{page_id}.html.gz"
        if target.exists():
            continue
        try:
            target.write_bytes(fetch(f"{args.base_url}/html/{page_id}.html.gz"))
        except OSError as exc:
            failed.append(f"{page_id}: {exc}")
        print(f"\r{number}/{len(ids)} pages", end="", file=sys.stderr)
    print(file=sys.stderr)
    for line in failed:
        print(f"not fetched: {line}", file=sys.stderr)
    print(f"{len(ids) - len(failed)} of {len(ids)} pages in {args.dest}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
