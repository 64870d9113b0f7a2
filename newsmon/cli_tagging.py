"""Tagging commands: retag the database, classify JSON Lines (an external contract)."""

from __future__ import annotations

import json
from typing import Any

import click

from newsmon.options import (DB_OPTION, SOURCES_OPTION, TAXONOMY_OPTION, load_sources_or_fail,
                             make_tagger, open_db_or_fail)

@click.command()
@DB_OPTION
@SOURCES_OPTION
@TAXONOMY_OPTION
def retag(db_path: str, sources_path: str | None, taxonomy_path: str | None) -> None:
    """Re-apply the current taxonomy to every stored article, without crawling.

    Reports how many articles changed relevance or tags.

    Example: newsmon retag --db newsmon.db
    """
    from pipelines.tag import OUTLET_CONTEXT, tags_for_storage
    from storage.tags import iter_articles_for_tagging, write_tags
    tagger = make_tagger(taxonomy_path)
    db = open_db_or_fail(db_path)
    total = became_relevant = no_longer = tags_changed = 0
    for batch in iter_articles_for_tagging(db):
        with db.atomic():
            for row in batch:
                result = tagger.tag(row["title"], row["text"], source_context=OUTLET_CONTEXT)
                old_relevant = row["relevant"]
                old_tags = (json.loads(row["topics"] or "[]"), json.loads(row["subtags"] or "[]"))
                if old_relevant != int(result.relevant):
                    if result.relevant:
                        became_relevant += 1
                    else:
                        no_longer += 1
                elif old_tags != (result.topics, result.subtags):
                    tags_changed += 1
                write_tags(db, row["id"], tags_for_storage(result, tagger.taxonomy.version))
                total += 1
        click.echo(f"retagged {total} articles...", err=True)
    db.close()
    click.echo(f"retagged {total} articles with taxonomy {tagger.taxonomy.version}: "
               f"{became_relevant + no_longer} changed relevance ({became_relevant} became "
               f"relevant, {no_longer} no longer relevant), {tags_changed} more changed "
               f"topics or subtags")


@click.command()
@click.option("--input", "input_file", type=click.File("r", encoding="utf-8"), default="-",
              show_default=True, help="JSON Lines: id, title, text, optional lang and url.")
@click.option("--output", "output_file", type=click.File("w", encoding="utf-8"), default="-",
              show_default=True, help="JSON Lines, one result per input line, same order.")
@SOURCES_OPTION
@TAXONOMY_OPTION
def classify(input_file: Any, output_file: Any, sources_path: str | None,
             taxonomy_path: str | None) -> None:
    """Classify articles from JSON Lines without a database (an external contract).

    Each input line {"id", "title", "text", "lang"?, "url"?} gives one output line
    {"id", "relevant", "topics", "subtags", "score", "evidence"} in the same order. A bad line
    gives {"id", "error"} in its place, a message naming its line number on stderr, and exit
    status 1 once every line is done.

    Example: newsmon classify --input articles.jsonl --output tags.jsonl
    """
    from crawler.urls import host_matches
    from pipelines.tag import OUTLET_CONTEXT
    tagger = make_tagger(taxonomy_path)
    domains = [d for s in load_sources_or_fail(sources_path) for d in s.allowed_domains]
    errors = 0
    for number, line in enumerate(input_file, 1):
        if not line.strip():
            continue
        record: Any = None
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("expected a JSON object")
            missing = [k for k in ("id", "title", "text") if k not in record]
            if missing:
                raise ValueError(f"missing field(s) {', '.join(missing)}")
            if not isinstance(record["text"], str) or not isinstance(record["title"] or "", str):
                raise ValueError("title and text must be strings")
            url = record.get("url") or ""
            context = OUTLET_CONTEXT if url and host_matches(url, domains) else 0.0
            result = tagger.tag(record["title"], record["text"], source_context=context)
            out = {"id": record["id"], "relevant": result.relevant, "topics": result.topics,
                   "subtags": result.subtags, "score": result.score,
                   "evidence": result.evidence}
        except ValueError as exc:
            errors += 1
            click.echo(f"{getattr(input_file, 'name', 'input')}: line {number}: {exc}", err=True)
            out = {"id": record.get("id") if isinstance(record, dict) else None,
                   "error": str(exc)}
        output_file.write(json.dumps(out, ensure_ascii=False) + "\n")
    output_file.flush()
    if errors:
        raise click.ClickException(f"{errors} line(s) could not be classified (see above)")
