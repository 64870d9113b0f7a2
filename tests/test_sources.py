"""The sources file: the shipped one loads; malformed ones name file, source and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.sources import DEFAULT_SOURCES_PATH, SourceConfigError, load_sources, parse_sources

GOOD = """
sources:
  - id: demo
    name: Demo
    homepage: https://example.org/
    languages: [en]
    allowed_domains: [example.org]
    article_url_pattern: '^https://example\\.org/\\d{4}/'
    discovery:
      feeds: [https://example.org/rss]
"""


def test_shipped_sources_cover_the_required_outlets() -> None:
    sources = {s.id: s for s in load_sources(DEFAULT_SOURCES_PATH)}
    for required in ("themoscowtimes", "themoscowtimes-ru", "meduza", "meduza-en",
                     "novayagazeta-eu", "ovdinfo", "mediazona", "theinsider", "rferl", "svoboda"):
        assert required in sources
    assert "https://www.themoscowtimes.com/rss/news" in sources["themoscowtimes"].feeds
    assert "https://meduza.io/rss/en/all" in sources["meduza-en"].feeds
    assert "https://novayagazeta.eu/feed/rss" in sources["novayagazeta-eu"].feeds
    assert sources["rferl"].sitemaps == ("https://www.rferl.org/sitemap.xml",)
    assert sources["svoboda"].sitemaps == ("https://www.svoboda.org/sitemap.xml",)


def test_patterns_match_real_article_urls(corpus: Path) -> None:
    from crawler.discovery.sitemaps import parse_sitemap
    sources = {s.id: s for s in load_sources(DEFAULT_SOURCES_PATH)}
    for source_id, host, number in (("rferl", "www.rferl.org", 8), ("svoboda", "www.svoboda.org", 2)):
        path = corpus / "feeds" / "sitemaps" / host / f"sitemap_{number}_news.xml.gz"
        entries = parse_sitemap(path.read_bytes(), str(path)).entries
        matched = [e for e in entries if sources[source_id].article_re.search(e.url)]
        assert entries and len(matched) == len(entries)


def test_good_file_parses() -> None:
    (source,) = parse_sources(GOOD, "x.yaml")
    assert source.id == "demo" and source.feeds == ("https://example.org/rss",)
    assert source.enabled and source.listings == ()


@pytest.mark.parametrize("broken, field", [
    (GOOD.replace("homepage: https://example.org/", "homepage: example.org"), "homepage"),
    (GOOD.replace("languages: [en]", "languages: english"), "languages"),
    (GOOD.replace("'^https://example\\.org/\\d{4}/'", "'([unclosed'"), "article_url_pattern"),
    (GOOD.replace("feeds: [https://example.org/rss]", "feeds: [ftp://x]"), "discovery.feeds[0]"),
    (GOOD.replace("    name: Demo\n", "    name: Demo\n    colour: red\n"), "colour"),
    (GOOD.replace("id: demo", "id: Demo Outlet"), "id"),
    # YAML's .nan and .inf are floats: they passed, then crashed `newsmon schedule`.
    (GOOD + "    schedule: {interval_minutes: .nan}\n", "schedule.interval_minutes"),
    (GOOD + "    schedule: {interval_minutes: .inf}\n", "schedule.interval_minutes"),
    (GOOD + "    politeness: {download_delay: -.inf}\n", "politeness.download_delay"),
])
def test_errors_name_file_source_and_field(broken: str, field: str) -> None:
    with pytest.raises(SourceConfigError) as info:
        parse_sources(broken, "conf/sources.yaml")
    message = str(info.value)
    assert message.startswith("conf/sources.yaml")
    assert f"field {field!r}" in message
    assert info.value.field == field


RULED = GOOD + """    extract:
      drop: ['.related', 'div.donate']
      body: 'div.article-body'
      date: 'time.published@datetime'
"""


def test_extract_rules_parse() -> None:
    (source,) = parse_sources(RULED, "x.yaml")
    assert source.extract is not None
    assert source.extract.drop == (".related", "div.donate")
    assert (source.extract.body, source.extract.date) == ("div.article-body",
                                                          "time.published@datetime")
    assert source.extract.title is None
    assert parse_sources(GOOD, "x.yaml")[0].extract is None


@pytest.mark.parametrize("broken, field, says", [
    (RULED.replace("'.related'", "'div[[x'"), "extract.drop[0]", "not a valid CSS selector"),
    (RULED.replace("body: 'div.article-body'", "body: 3"), "extract.body", "CSS selector"),
    (RULED.replace("body: 'div.article-body'", "bodyy: 'div'"), "bodyy", "unknown"),
    (RULED.replace("drop: ['.related', 'div.donate']", "drop: {a: b}"), "extract.drop",
     "list of CSS selectors"),
    (RULED.replace("'time.published@datetime'", "'time.published@'"), "extract.date",
     "not a valid CSS selector"),
])
def test_extract_rules_errors_name_the_rule(broken: str, field: str, says: str) -> None:
    with pytest.raises(SourceConfigError) as info:
        parse_sources(broken, "conf/sources.yaml")
    message = str(info.value)
    assert message.startswith("conf/sources.yaml") and "source 'demo'" in message
    assert field in message and says in message, message


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("sources:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(SourceConfigError, match=r"s\.yaml: is not valid YAML at line"):
        load_sources(path)


def test_a_key_given_twice_is_refused_with_its_line() -> None:
    """YAML keeps the last of two equal keys: a second `sources:` silently dropped every
    source above it, a second `discovery:` the first one's feeds."""
    twice = GOOD + GOOD.replace("id: demo", "id: other")
    with pytest.raises(SourceConfigError, match=r"line 12, column 1: key 'sources' appears "
                                                r"twice in one mapping"):
        parse_sources(twice, "conf/sources.yaml")
    again = GOOD + "    discovery:\n      sitemaps: [https://example.org/sitemap.xml]\n"
    with pytest.raises(SourceConfigError, match=r"key 'discovery' appears twice"):
        parse_sources(again, "conf/sources.yaml")


def test_merge_keys_still_load_and_a_list_as_a_key_is_one_error() -> None:
    """The duplicate-key check must leave YAML's merge key (`<<: *base`) alone."""
    import yaml

    from crawler.yamlfile import load_yaml
    doc = load_yaml("base: &base {homepage: 'https://example.org/', enabled: true}\n"
                    "sources:\n  - <<: *base\n    id: demo\n    enabled: false\n")
    assert doc["sources"] == [{"homepage": "https://example.org/", "id": "demo",
                               "enabled": False}]
    with pytest.raises(yaml.YAMLError, match="a key must be a plain value"):
        load_yaml("? [a]\n: 1\n")


def test_duplicate_ids_rejected() -> None:
    doubled = GOOD + GOOD.split("sources:\n", 1)[1]
    with pytest.raises(SourceConfigError, match="source 'demo', field 'id'"):
        parse_sources(doubled, "x.yaml")


def test_allowed_domains_must_be_hosts() -> None:
    with pytest.raises(SourceConfigError, match=r"field 'allowed_domains\[0\]'.*bare host"):
        parse_sources(GOOD.replace("allowed_domains: [example.org]",
                                   "allowed_domains: ['https://example.org/']"), "x.yaml")
    (source,) = parse_sources(GOOD.replace("allowed_domains: [example.org]",
                                           "allowed_domains: [127.0.0.1, Example.ORG]"), "x.yaml")
    assert source.allowed_domains == ("127.0.0.1", "example.org")
