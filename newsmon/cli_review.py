"""The `newsmon user` and `newsmon export` commands: reviewer logins, subscribing offline."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterable
from typing import IO, Any
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

import click

from newsmon.options import DB_OPTION, open_db_or_fail, require_db, since_to_iso


@click.group()
def user() -> None:
    """Manage reviewer logins for `newsmon serve` (stored beside the database).

    Example: newsmon user add anna --db newsmon.db
    """


@user.command(name="add")
@click.argument("name")
@DB_OPTION
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of stdin instead of prompting.")
def user_add(name: str, db_path: str, password_stdin: bool) -> None:
    """Create a reviewer login, or set a new password for an existing one.

    Takes effect at the next `newsmon serve` for a new user, at once for a new password.

    Example: newsmon user add anna
    """
    from newsmon.web.users import UserError, add_user, check_name
    try:
        check_name(name)
    except UserError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from None
    require_db(db_path)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(f"Password for {name}", hide_input=True,
                                confirmation_prompt=True)
    try:
        path, new = add_user(db_path, name, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{'added' if new else 'updated'} reviewer {name} ({path}); "
               f"{'restart newsmon serve so they can log in' if new else 'in effect now'}")


@user.command(name="list")
@DB_OPTION
def user_list(db_path: str) -> None:
    """List the reviewer logins of this database.

    Example: newsmon user list
    """
    from newsmon.web.users import list_users
    require_db(db_path)
    for name in list_users(db_path):
        click.echo(name)


@user.command(name="remove")
@click.argument("name")
@DB_OPTION
def user_remove(name: str, db_path: str) -> None:
    """Remove a reviewer login (their past reviews stay in the review log).

    Example: newsmon user remove anna
    """
    from newsmon.web.users import UserError, remove_user
    require_db(db_path)
    try:
        removed = remove_user(db_path, name)
    except UserError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from None
    if not removed:
        raise click.ClickException(f"no reviewer {name!r} for {db_path}")
    click.echo(f"removed {name}; restart newsmon serve to end their sessions' access")


def _write_csv(rows: Iterable[dict[str, Any]], out: IO[str], columns: tuple[str, ...]) -> int:
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
                         for k, v in row.items()})
        count += 1
    return count


def _write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


# Characters XML 1.0 cannot hold even escaped: a feed with one is not well-formed.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _escape(_NOT_XML.sub("", text))


def _xml_attr(text: str) -> str:
    return _quoteattr(_NOT_XML.sub("", text))


def _taxonomy_tags() -> set[str]:
    import os

    from pipelines.taxonomy import load_taxonomy
    taxonomy = load_taxonomy(os.environ.get("NEWSMON_TAXONOMY") or None)
    return set(taxonomy.topics) | set(taxonomy.subtags)


def _write_atom(rows: Iterable[dict[str, Any]], out: IO[str], title: str, feed_id: str) -> int:
    entries = []
    newest = "1970-01-01T00:00:00+00:00"
    for row in rows:
        updated = row["published_at"] or row["first_seen_at"]
        newest = max(newest, updated)
        tags = "".join(f"<category term={_xml_attr(str(t))}/>"
                       for t in row["topics"] + row["subtags"])
        authors = "".join(f"<author><name>{_xml_text(str(a))}</name></author>"
                          for a in row["authors"])
        summary = row["description"] or " ".join((row["text"] or "").split()[:60])
        entries.append(
            f"<entry><id>urn:newsmon:article:{row['id']}</id><title>{_xml_text(row['title'] or '')}"
            f"</title><link href={_xml_attr(row['url'])}/><updated>{_xml_text(updated)}</updated>"
            f"{authors}{tags}<summary>{_xml_text(summary)}</summary>"
            f"<source><title>{_xml_text(row['source'])}</title></source></entry>")
    # A feed-level author covers entries without one (RFC 4287 4.1.1); the id is stable.
    out.write('<?xml version="1.0" encoding="utf-8"?>\n'
              '<feed xmlns="http://www.w3.org/2005/Atom">'
              f"<id>{_xml_text(feed_id)}</id><title>{_xml_text(title)}</title>"
              f"<updated>{_xml_text(newest)}</updated><author><name>newsmon</name></author>"
              "<generator>newsmon</generator>" + "".join(entries) + "</feed>\n")
    return len(entries)


@click.command()
@DB_OPTION
@click.option("--topic", help="Only articles with this topic or subtag (e.g. crackdown, "
                              "foreign_agent).")
@click.option("--since", help="Only articles published since (2025-11-01, or 7d / 12h / 2w).")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "atom"]), default="jsonl",
              show_default=True)
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: stdout).")
@click.option("--review-status", help="Only articles with this review status.")
@click.option("--all", "include_all", is_flag=True,
              help="Also articles tagged not relevant, and identical copies.")
@click.option("--bom", is_flag=True,
              help="CSV: start with a byte-order mark, so Excel reads it as UTF-8.")
def export(db_path: str, topic: str | None, since: str | None, fmt: str, output: IO[str],
           review_status: str | None, include_all: bool, bom: bool) -> None:
    """Export articles (relevant ones by default) as CSV, JSON Lines or an Atom feed.

    Example: newsmon export --topic crackdown --since 7d --format atom -o crackdown.xml
    """
    from storage.export import EXPORT_COLUMNS, export_articles, known_tags
    from storage.migrations import REVIEW_STATUSES
    if bom and fmt != "csv":
        raise click.BadParameter(f"a byte-order mark is for CSV only, not {fmt}",
                                 param_hint="--bom")
    since_iso = since_to_iso(since) if since else None
    if review_status and review_status not in REVIEW_STATUSES:
        raise click.BadParameter(f"{review_status!r} is not one of "
                                 f"{', '.join(REVIEW_STATUSES)}", param_hint="--review-status")
    db = open_db_or_fail(db_path, readonly=True)
    try:
        tags = known_tags(db) if topic else []
        if topic and topic not in tags and topic not in _taxonomy_tags():
            # A topic of the taxonomy that nothing is tagged with yet exports nothing; only a
            # name neither knows is a mistake (a weekly export must not fail on a quiet week).
            raise click.BadParameter(f"{topic!r} is not a topic or subtag of the taxonomy, "
                                     f"and no article is tagged with it; tags in this "
                                     f"database: {', '.join(tags) or 'none'}",
                                     param_hint="--topic")
        rows = export_articles(db, topic=topic, since=since_iso, relevant_only=not include_all,
                               review_status=review_status, include_duplicates=include_all)
        if fmt == "csv":
            if bom:
                output.write("\ufeff")
            count = _write_csv(rows, output, EXPORT_COLUMNS)
        elif fmt == "jsonl":
            count = _write_jsonl(rows, output)
        else:
            count = _write_atom(rows, output, f"newsmon: {topic or 'relevant articles'}"
                                + (f" since {since}" if since else ""),
                                f"urn:newsmon:export:{topic or 'all'}")
    finally:
        db.close()
    click.echo(f"exported {count} article(s)", err=True)
