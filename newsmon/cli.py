"""The `newsmon` command: crawl, inspect, serve and demo the monitoring database."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import urllib.request
from pathlib import Path
from typing import Any

import click

from newsmon import __version__
from newsmon.cli_alerts import alerts
from newsmon.cli_distributed import ingest
from newsmon.cli_archive import (export_warc, fill_search_index, import_cmd, recheck, reindex,
                                 reprocess)
from newsmon.cli_review import export, user
from newsmon.cli_schedule import digest, health, schedule
from newsmon.cli_tagging import classify, retag
from newsmon.options import (DB_OPTION, SOURCES_OPTION, crawl_and_report, failed_crawls,
                             load_sources_or_fail, open_db_or_fail, record_sources_if_named,
                             source_jobs)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="newsmon")
def cli() -> None:
    """Monitor news about Russia's crackdown on dissent and political emigration.

    Example: newsmon crawl themoscowtimes meduza-en
    """




@cli.command()
@click.argument("source_ids", nargs=-1, metavar="[SOURCE]...")
@DB_OPTION
@SOURCES_OPTION
@click.option("--since", help="Only articles published since (2025-11-01, or 7d / 12h / 2w).")
@click.option("--until", help="Only articles published before this date.")
@click.option("--max-articles", type=click.IntRange(min=1),
              help="At most this many article requests per source.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy/newsmon setting, e.g. -s DOWNLOAD_DELAY=2.")
@click.option("--alerts", "alerts_path", envvar="NEWSMON_ALERTS", type=click.Path(dir_okay=False),
              help="After the crawl, send the alerts now due (env NEWSMON_ALERTS).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes crawling sources in parallel (default: the number of "
                   "cores; never more than one per source, except with --redis).")
@click.option("--redis", "redis_url", envvar="NEWSMON_REDIS_URL", default=None, metavar="URL",
              help="Be a worker of the shared crawl of each source on this Redis server "
                   "(scrapy-redis; `newsmon ingest` stores what workers find). Env "
                   "NEWSMON_REDIS_URL.")
def crawl(source_ids: tuple[str, ...], db_path: str, sources_path: str | None,
          since: str | None, until: str | None, max_articles: int | None,
          settings: tuple[str, ...], alerts_path: str | None, workers: int | None,
          redis_url: str | None) -> None:
    """Crawl sources (all enabled ones by default) into the database.

    Shows progress while it runs and a per-source summary at the end.

    Example: newsmon crawl --since 2d themoscowtimes svoboda
    """
    sources = {s.id: s for s in load_sources_or_fail(sources_path)}
    unknown = [sid for sid in source_ids if sid not in sources]
    if unknown:
        raise click.ClickException(
            f"unknown source {', '.join(unknown)}; configured: {', '.join(sorted(sources))}")
    chosen = list(dict.fromkeys(source_ids)) or [s.id for s in sources.values() if s.enabled]
    if not chosen:
        raise click.ClickException("no enabled sources; enable one in the sources file")
    overrides = {}
    for item in settings:
        if "=" not in item:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--set")
        key, value = item.split("=", 1)
        overrides[key.strip()] = value
    spider_args = {k: v for k, v in (("since", since), ("until", until),
                                     ("max_articles", max_articles)) if v is not None}
    if since or until:
        from crawler.dates import WindowBoundError, parse_window_bound
        try:
            start = parse_window_bound(since, "since")
            end = parse_window_bound(until, "until", end_of_day=True)
        except WindowBoundError as exc:
            raise click.BadParameter(str(exc)) from None
        if start is not None and end is not None and start >= end:
            raise click.BadParameter(f"--since {since} is not before --until {until}: the "
                                     f"window holds no date", param_hint="--since/--until")
    alert_config = None
    if alerts_path:
        from newsmon.cli_alerts import load_alerts_or_fail
        alert_config = load_alerts_or_fail(alerts_path)      # a bad file stops before crawling
    if redis_url:
        from newsmon.cli_distributed import crawl_shared
        crawl_shared(chosen, sources_path, redis_url, spider_args, overrides, workers or 1,
                     _worker_args(since, until, max_articles, settings))
        return
    processes = min(workers or os.cpu_count() or 1, len(chosen))
    click.echo(f"crawling {len(chosen)} source(s) into {db_path}: {', '.join(chosen)}"
               + (f" ({processes} worker processes)" if processes > 1 else ""), err=True)
    if processes > 1:
        from newsmon.runner import crawl_in_workers
        open_db_or_fail(db_path, create=True).close()   # create and migrate once, first
        failed_sources = crawl_in_workers(chosen, processes, db_path, sources_path,
                                          _worker_args(since, until, max_articles, settings))
        _send_alerts_after_crawl(db_path, alert_config)
        if failed_sources:
            from storage.runs import latest_status
            db = open_db_or_fail(db_path, readonly=True)
            try:
                described = [f"{s} ({latest_status(db, s) or 'failed'})" for s in failed_sources]
            finally:
                db.close()
            raise click.ClickException(f"{len(failed_sources)} of {len(chosen)} crawl(s) "
                                       f"failed: {', '.join(described)}; see crawl_runs and "
                                       f"unstored_pages")
        return
    results = crawl_and_report(db_path, sources_path, source_jobs(chosen, spider_args),
                               overrides, create=True)
    _send_alerts_after_crawl(db_path, alert_config)
    failed = failed_crawls(results)
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(results)} crawl(s) failed: "
                                   f"{', '.join(failed)}; see crawl_runs and unstored_pages")


def _worker_args(since: str | None, until: str | None, max_articles: int | None,
                 settings: tuple[str, ...]) -> list[str]:
    """The options a worker process repeats (not --alerts: the parent sends once, after)."""
    args: list[str] = []
    for flag, value in (("--since", since), ("--until", until), ("--max-articles", max_articles)):
        if value is not None:
            args += [flag, str(value)]
    for item in settings:
        args += ["-s", item]
    return args


def _send_alerts_after_crawl(db_path: str, alert_config: Any) -> None:
    if alert_config is None:
        return
    from newsmon.alerts.engine import send_due
    # Alerts go out even when a crawl failed (a failing source is an alert too); a message
    # that fails is retried by the next send and shown by `alerts list`.
    click.echo(send_due(db_path, alert_config).line(), err=True)


@cli.command(name="sources")
@DB_OPTION
@SOURCES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def sources_cmd(db_path: str, sources_path: str | None, as_json: bool) -> None:
    """List the configured sources and their state (articles, last run).

    Example: newsmon sources --json
    """
    from storage.summary import source_states
    configured = load_sources_or_fail(sources_path)
    states: dict[str, Any] = {}
    if Path(db_path).exists():
        db = open_db_or_fail(db_path, readonly=True)
        states = source_states(db)
        db.close()
    else:
        click.echo(f"database {db_path} does not exist yet: no crawl state to show", err=True)
    rows = []
    for source in configured:
        state = states.get(source.id, {})
        rows.append({"id": source.id, "name": source.name, "enabled": source.enabled,
                     "languages": list(source.languages),
                     "discovery": source.discovery_methods(),
                     "articles": state.get("articles", 0),
                     "last_run_at": state.get("last_run_at"),
                     "last_run_status": state.get("last_run_status"),
                     "last_new_article_at": state.get("last_new_article_at")})
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        flag = "on " if row["enabled"] else "off"
        click.echo(f"{flag} {row['id']:<20} {row['name']:<36} {','.join(row['languages']):<6}"
                   f" {'+'.join(row['discovery']):<20} {row['articles']:>6} articles"
                   f"  last run: {row['last_run_at'] or 'never'} {row['last_run_status'] or ''}")


@cli.command()
@DB_OPTION
@SOURCES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def stats(db_path: str, sources_path: str | None, as_json: bool) -> None:
    """Show what the database holds: articles per source and language, dates, runs.

    Example: newsmon stats --db newsmon.db
    """
    from storage.summary import database_summary
    db = open_db_or_fail(db_path, readonly=True)
    summary = database_summary(db)
    db.close()
    for source in load_sources_or_fail(sources_path):
        summary["by_source"].setdefault(source.id, {"articles": 0, "last_seen_at": None,
                                                    "newest_published_at": None})
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    click.echo(f"{db_path}: {summary['articles']} articles in {summary['stories']} stories, "
               f"{summary['urls']} URLs, {summary['crawl_runs']} crawl runs")
    first, last = summary["published_range"]
    click.echo(f"published between {first} and {last}")
    for source, info in summary["by_source"].items():
        click.echo(f"  {source:<20} {info['articles']:>6} articles, newest "
                   f"{info['newest_published_at']}, last seen {info['last_seen_at']}")
    click.echo("languages: " + ", ".join(f"{k} {v}" for k, v in summary["by_lang"].items()))


@cli.command()
@DB_OPTION
@SOURCES_OPTION
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option("--private", is_flag=True,
              help="Everything needs a login, reading too (a newsroom's notes stay in).")
def serve(db_path: str, sources_path: str | None, host: str, port: int, private: bool) -> None:
    """Browse, search and review the database in Datasette.

    Anyone who can reach the server reads articles (with --private, nobody without a login);
    reviewers log in at /-/login (create logins with `newsmon user add NAME`) to change an
    article's review status, see the review log and run their own SQL. Failed logins are
    throttled per account and per address.

    Example: newsmon serve --db newsmon.db --port 8001
    """
    db = open_db_or_fail(db_path)             # migrate so the FTS table and views exist
    record_sources_if_named(db, sources_path)
    added = fill_search_index(db)             # rows stored before the search index existed
    db.close()
    if added:
        click.echo(f"search index: {added} article(s) added", err=True)
    click.echo(f"Datasette on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    from newsmon.web.serve import datasette_command
    from newsmon.web.users import list_users
    command, env = datasette_command(db_path, host, port, private)
    users = list_users(db_path)
    click.echo(f"reviewers who can log in: {', '.join(users)}" if users else
               f"no reviewer logins yet: add one with `newsmon user add NAME --db {db_path}`",
               err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # Become Datasette, so stopping `newsmon serve` stops the server too.
    os.execve(command[0], command, {**os.environ, **env})


@cli.command()
@click.argument("file_or_url")
@click.option("--url", "page_url", help="The page's URL when FILE_OR_URL is a saved file.")
@click.option("--source", default=None,
              help="Source id to record (default: the configured source whose pattern matches).")
@click.option("--content-type", help="Content-Type header the page was served with.")
@click.option("--no-rules", is_flag=True,
              help="Ignore the source's extract: rules (to see what they change).")
@DB_OPTION
@SOURCES_OPTION
def extract(file_or_url: str, page_url: str | None, source: str | None,
            content_type: str | None, no_rules: bool, db_path: str,
            sources_path: str | None) -> None:
    """Extract one page and print the article as JSON (to check an outlet's markup).

    The JSON also says which configured source the URL belongs to, how many of its site rules
    matched nothing (`extract_rules_missed`, null without rules) and, when the database
    exists, the id of the stored article it matches (`stored_article_id`).

    Example: newsmon extract saved-page.html --url https://meduza.io/en/news/2025/11/20/x
    """
    from crawler.settings import USER_AGENT
    from pipelines.extraction import ArticleExtractor, NotAnArticle
    from pipelines.normalise import normalise_article
    if file_or_url.startswith(("http://", "https://")):
        request = urllib.request.Request(file_or_url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                body = response.read()
                content_type = content_type or response.headers.get("Content-Type")
                page_url = page_url or response.geturl()
        except OSError as exc:
            raise click.ClickException(f"cannot fetch {file_or_url}: {exc}") from None
    else:
        path = Path(file_or_url)
        if not path.is_file():
            raise click.ClickException(f"{file_or_url}: no such file")
        body = path.read_bytes()
        if path.suffix == ".gz":
            import gzip
            import zlib
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError, zlib.error) as exc:
                raise click.ClickException(f"{file_or_url}: not a readable gzip file "
                                           f"({exc})") from None
        page_url = page_url or path.resolve().as_uri()
    url = page_url or file_or_url
    configured = load_sources_or_fail(sources_path)
    if source is None:
        from crawler.urls import canonicalize, host_matches
        source = next((s.id for s in configured if host_matches(url, s.allowed_domains)
                       and s.article_re.search(canonicalize(url))), "")
    rules = None if no_rules else next((s.extract for s in configured if s.id == source), None)
    try:
        article = ArticleExtractor().extract(body, url, source=source, content_type=content_type,
                                             rules=rules)
    except NotAnArticle as exc:
        raise click.ClickException(f"not an article ({exc})") from None
    article = normalise_article(article)
    result = dataclasses.asdict(article)
    result["stored_article_id"] = None
    if db_path != ":memory:" and Path(db_path).exists():
        from storage.articles import ArticleStore
        db = open_db_or_fail(db_path, readonly=True)
        result["stored_article_id"] = ArticleStore(db).find_by_urls(
            [article.url, *article.aliases])
        db.close()
    click.echo(json.dumps(result, indent=2, ensure_ascii=False))


# The demo's second pass: a reviewer verified two articles; then one outlet edits one of them
# and another takes the other down, and `newsmon recheck` finds both.
DEMO_EDITED = "tmt/2025/11/20/activist-detained-in-moscow-a90001"
DEMO_REMOVED = "ovd/news/2025/11/21/v-ekaterinburge-zaderzhali-uchastnikov-piketa"


def _demo_second_pass(server: Any, db_path: str, sources_file: Path) -> None:
    import subprocess
    from crawler.dates import utc_now_iso
    from storage.reviews import record_review
    db = open_db_or_fail(db_path)
    try:
        reviewed = [record_review(db, server.base_url + "/" + server.shift.path(path),
                                  "verified", "demo-editor", "checked against the court's "
                                  "press release", utc_now_iso())
                    for path in (DEMO_EDITED, DEMO_REMOVED)]
    finally:
        db.close()
    page = (server.site_dir / DEMO_EDITED).read_text(encoding="utf-8")
    # The outlet adds a paragraph after the body's last one.
    anchor = page.index("sitting behind bars.”</p>") + len("sitting behind bars.”</p>")
    edited = page[:anchor] + "\n<p>Update: a court extended her detention by two months on " \
        "Friday, her lawyer said.</p>" + page[anchor:]
    server.overrides[DEMO_EDITED] = edited.encode("utf-8")
    server.gone.add(DEMO_REMOVED)
    result = subprocess.run(
        [sys.executable, "-m", "newsmon.cli", "recheck", "--db", db_path, "--sources",
         str(sources_file)], capture_output=True, text=True, timeout=600)
    last = (result.stdout.strip().splitlines() or [""])[-1]
    click.echo(f"second pass (one page edited, one taken down after {sum(map(bool, reviewed))} "
               f"were verified): {last or result.stderr.strip()[-300:]}")


@cli.command()
@DB_OPTION
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port of the demo site on 127.0.0.1 (0: any free port).")
@click.option("--serve-only", is_flag=True,
              help="Only serve the demo site until stopped (for `crawl --sources ...`).")
@click.option("--sources", "sources_out", type=click.Path(dir_okay=False),
              default="demo-sources.yaml", show_default=True,
              help="Where to WRITE the demo sources file (NEWSMON_SOURCES is not read here, "
                   "so a real sources file is never overwritten).")
def demo(db_path: str, port: int, serve_only: bool, sources_out: str) -> None:
    """Show the whole flow offline: serve a bundled outlet snapshot, crawl it, summarise.

    Example: newsmon demo && newsmon serve
    """
    from newsmon.demo.server import SnapshotServer, days_to_recent
    chosen = click.get_current_context().get_parameter_source("port")
    try:
        server = SnapshotServer(port=port, shift_days=days_to_recent())
    except OSError as exc:
        if chosen != click.core.ParameterSource.DEFAULT or port == 0:
            raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc}; "
                                       f"try --port 0") from None
        # The default port is taken (another demo?): any free port does as well.
        click.echo(f"port {port} is in use; serving the demo on a free port", err=True)
        server = SnapshotServer(port=0, shift_days=days_to_recent())
    sources_file = Path(sources_out).resolve()
    sources_file.write_text(server.render_sources(), encoding="utf-8")
    click.echo(f"demo site: {server.base_url}/")
    click.echo(f"demo sources file: {sources_file}")
    if serve_only:
        click.echo(f"serving until Ctrl-C; e.g. newsmon crawl --sources {sources_file}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        return
    server.start()
    try:
        source_ids = [s.id for s in load_sources_or_fail(str(sources_file))]
        crawl_and_report(db_path, str(sources_file), source_jobs(source_ids, {}), quiet=True,
                         create=True)
        _demo_second_pass(server, db_path, sources_file)
    finally:
        server.stop()
    from storage.summary import database_summary
    db = open_db_or_fail(db_path, readonly=True)
    summary = database_summary(db)
    db.close()
    click.echo(f"{db_path}: {summary['articles']} articles in {summary['stories']} stories "
               f"from {len(summary['by_source'])} sources; languages "
               + ", ".join(f"{k} {v}" for k, v in summary["by_lang"].items()))
    click.echo(f"Browse them: newsmon serve --db {db_path}")


for command in (ingest, retag, classify, import_cmd, reprocess, reindex, export_warc, recheck, schedule,
                health, digest, export, user, alerts):
    cli.add_command(command)


def main() -> None:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    cli(prog_name="newsmon")


if __name__ == "__main__":
    main()
