"""URL canonicalisation: one spelling per article (tracking, AMP, mobile and fragment variants).

w3lib's canonicalize_url (Scrapy's own) does the general part: percent-encoding, sorted query
arguments, dot segments, no fragment. What it does not know is added here, each with a test
in tests/test_urls_and_dates.py: default ports, tracking parameters, AMP and mobile copies of
an article, trailing slashes.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

# Query parameters that only track a click or a campaign; they never select content.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "ysclid", "twclid",
    "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "_openstat", "mkt_tok",
    "oly_anon_id", "oly_enc_id", "rb_clickid", "s_cid", "vero_id", "wickedid", "ref_src",
    "ref_url", "cmpid", "ncid", "ocid", "sr_share", "at_medium", "at_campaign", "at_custom1",
    "ref", "smid", "amp",
})
_TRACKING_PREFIXES = ("utm_", "pk_", "piwik_", "mtm_", "hmb_", "at_")

_AMP_PATH_SUFFIX = re.compile(r"(/amp/?|\.amp|/amp\.html)$", re.IGNORECASE)
_AMP_PATH_PREFIX = re.compile(r"^/amp(/|$)", re.IGNORECASE)


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def _tracking_names(url: str) -> list[str]:
    return [k for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)
            if _is_tracking(k)]


def strip_tracking(url: str) -> str:
    """Drop tracking query parameters and the fragment; keep everything else as it was."""
    url = url.strip()
    cleaned = url_query_cleaner(url, _tracking_names(url), remove=True, keep_fragments=False)
    parts = urlsplit(cleaned)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def canonicalize(url: str) -> str:
    """The canonical spelling of an article URL.

    w3lib's canonical form (percent-encoding, sorted query, no fragment), then: lower-case
    host without its default port, no tracking parameters, AMP copies (``/amp``, ``.amp``,
    ``?amp=1``, ``amp.`` hosts) and mobile hosts (``m.``, ``mobile.``) mapped back to the
    article, no trailing slash on non-root paths.
    """
    url = url.strip()
    names = _tracking_names(url)
    parts = urlsplit(canonicalize_url(url_query_cleaner(url, names, remove=True)
                                      if names else url))
    scheme = (parts.scheme or "http").lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    if host.startswith(("amp.", "m.", "mobile.")) and host.count(".") >= 2:
        host = "www." + host.split(".", 1)[1] if not host.startswith("mobile.") else \
            "www." + host[len("mobile."):]
    netloc = host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    path = parts.path or "/"
    path = _AMP_PATH_SUFFIX.sub("", path) or "/"
    path = _AMP_PATH_PREFIX.sub("/", path)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def host_variants(url: str) -> list[str]:
    """The canonical URL, then the same with a bare host when a mobile/AMP host was mapped
    to www. (m.meduza.io is meduza.io, m.rferl.org is www.rferl.org: only the source's
    article pattern can tell which)."""
    first = canonicalize(url)
    host = (urlsplit(url.strip()).hostname or "").lower()
    if host.startswith(("amp.", "m.", "mobile.")) and host.count(".") >= 2:
        bare = host.split(".", 1)[1]
        parts = urlsplit(first)
        netloc = parts.netloc.replace("www." + bare, bare, 1)
        return [first, urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))]
    return [first]


def same_site(url_a: str, url_b: str) -> bool:
    """True when both URLs belong to one site (same host once www./m./amp. are set aside)."""
    def site(url: str) -> str:
        host = (urlsplit(url).hostname or "").lower()
        for prefix in ("www.", "m.", "mobile.", "amp."):
            if host.startswith(prefix) and host.count(".") >= 2:
                host = host[len(prefix):]
                break
        port = urlsplit(url).port
        return f"{host}:{port}" if port else host
    return site(url_a) == site(url_b) and bool(site(url_a))


def host_matches(url: str, domains: tuple[str, ...] | list[str]) -> bool:
    """True when the URL's host is one of the domains or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)
