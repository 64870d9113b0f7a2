"""Tagging commands: retag the database, classify JSON Lines (an external contract)."""

from __future__ import annotations

import json
from typing import Any

import click

from newsmon.options import (DB_OPTION, MORPHOLOGY_OPTION, SOURCES_OPTION, TAXONOMY_OPTION,
                             load_sources_or_fail, make_tagger, open_db_or_fail)


def _scrub(text: str) -> str:
    """Lone surrogates (from \\ud800 escapes) cannot be written as UTF-8: replace them."""
    return text.encode("utf-8", "replace").decode("utf-8")

@click.command()
@DB_OPTION
@SOURCES_OPTION
@TAXONOMY_OPTION
@MORPHOLOGY_OPTION
def retag(db_path: str, sources_path: str | None, taxonomy_path: str | None,
          morphology: str) -> None:
    """Re-apply the current taxonomy to every stored article, without crawling.

    Reports how many articles changed relevance or tags.

    Example: newsmon retag --db newsmon.db
    """
    from pipelines.tag import OUTLET_CONTEXT, tags_for_storage
    from storage.tags import iter_articles_for_tagging, write_tags
    tagger = make_tagger(taxonomy_path, morphology)
    db = open_db_or_fail(db_path)
    total = became_relevant = no_longer = tags_changed = first_tagged = 0
    for batch in iter_articles_for_tagging(db):
        with db.atomic():
            for row in batch:
                result = tagger.tag(row["title"], row["text"], source_context=OUTLET_CONTEXT)
                old_relevant = row["relevant"]
                old_tags = (json.loads(row["topics"] or "[]"), json.loads(row["subtags"] or "[]"))
                if old_relevant is None:          # never tagged (crawled with tagging off)
                    first_tagged += 1
                elif old_relevant != int(result.relevant):
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
               f"topics or subtags, {first_tagged} tagged for the first time")


@click.command()
@click.option("--input", "input_file", type=click.File("rb"), default="-",
              show_default=True, help="JSON Lines: id, title, text, optional lang and url.")
@click.option("--output", "output_file", type=click.File("w", encoding="utf-8"), default="-",
              show_default=True, help="JSON Lines, one result per input line, same order.")
@SOURCES_OPTION
@TAXONOMY_OPTION
@MORPHOLOGY_OPTION
def classify(input_file: Any, output_file: Any, sources_path: str | None,
             taxonomy_path: str | None, morphology: str) -> None:
    """Classify articles from JSON Lines without a database (an external contract).

    Each input line {"id", "title", "text", "lang"?, "url"?} gives one output line
    {"id", "relevant", "topics", "subtags", "score", "evidence"} in the same order. A bad line
    gives {"id", "error"} in its place, a message naming its line number on stderr, and exit
    status 1 once every line is done.

    Example: newsmon classify --input articles.jsonl --output tags.jsonl
    """
    from crawler.urls import host_matches
    from pipelines.tag import OUTLET_CONTEXT
    tagger = make_tagger(taxonomy_path, morphology)
    domains = [d for s in load_sources_or_fail(sources_path) for d in s.allowed_domains]
    name = getattr(input_file, "name", "input")
    errors = 0
    for number, raw in enumerate(input_file, 1):
        record: Any = None
        try:
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
            if not line.strip():
                raise ValueError("empty line")
            try:
                record = json.loads(line)
            except RecursionError:
                raise ValueError("JSON nested too deeply") from None
            if not isinstance(record, dict):
                raise ValueError("expected a JSON object")
            missing = [k for k in ("id", "title", "text") if k not in record]
            if missing:
                raise ValueError(f"missing field(s) {', '.join(missing)}")
            record_id = record["id"]
            if isinstance(record_id, bool) or not isinstance(record_id, (str, int)):
                raise ValueError("id must be a string or an integer")
            title, text, url = record["title"] or "", record["text"], record.get("url") or ""
            if not all(isinstance(v, str) for v in (title, text, url)):
                raise ValueError("title, text and url must be strings")
            context = OUTLET_CONTEXT if url and host_matches(url, domains) else 0.0
            result = tagger.tag(_scrub(title), _scrub(text), source_context=context)
            out = {"id": record_id, "relevant": result.relevant, "topics": result.topics,
                   "subtags": result.subtags, "score": result.score,
                   "evidence": result.evidence}
        except (ValueError, TypeError, RecursionError) as exc:
            errors += 1
            click.echo(f"{name}: line {number}: {exc}", err=True)
            record_id = record.get("id") if isinstance(record, dict) else None
            if isinstance(record_id, bool) or not isinstance(record_id, (str, int)):
                record_id = None
            out = {"id": record_id, "error": str(exc)}
        text_out = json.dumps(out, ensure_ascii=False, allow_nan=False)
        try:
            text_out.encode("utf-8")
        except UnicodeEncodeError:          # a lone surrogate (an id like "\ud800"): escape it
            text_out = json.dumps(out, ensure_ascii=True, allow_nan=False)
        output_file.write(text_out + "\n")
    output_file.flush()
    if errors:
        raise click.ClickException(f"{errors} line(s) could not be classified (see above)")
