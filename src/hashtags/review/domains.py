"""Domain names, offline: tldextract with its bundled Public Suffix List, never the network."""

from __future__ import annotations

from functools import cache

import tldextract


@cache
def extractor() -> tldextract.TLDExtract:
    # suffix_list_urls=() and cache_dir=None: use the snapshot shipped inside the package and
    # write nothing to disk, so a review never reaches for the network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@cache
def _tlds() -> frozenset[str]:
    return frozenset(s.rsplit(".", 1)[-1] for s in extractor().tlds)


def known_tld(tld: str) -> bool:
    """Whether ``tld`` (lower case, no dot) is a top-level domain in the Public Suffix List."""
    return tld in _tlds()


def registered_domain(url_or_host: str) -> str:
    """``"https://a.b.cafeterra.co.uk/x"`` -> ``"cafeterra.co.uk"`` ("" when there is none)."""
    return extractor()(url_or_host).top_domain_under_public_suffix


def split_host(host: str) -> tuple[str, str, str]:
    """``"a.b.cafeterra.co.uk"`` -> ``("a.b", "cafeterra", "co.uk")``.

    The suffix is "" when the host ends in no known public suffix (``"intranet.local"``).
    """
    parts = extractor()(host)
    return parts.subdomain, parts.domain, parts.suffix


def is_under(host: str, domain: str) -> bool:
    """Whether ``host`` is ``domain`` or one of its subdomains (both lower case)."""
    return host == domain or host.endswith("." + domain)
