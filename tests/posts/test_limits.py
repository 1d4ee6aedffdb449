"""Post length as each network counts it."""

from __future__ import annotations

from hashtags.posts.limits import LIMITS, length, over_limit


def test_links_count_23_on_mastodon_and_x() -> None:
    text = "Read https://cafeterra.es/blog/a-very-long-article-address-that-goes-on-and-on today"
    assert length(text, "mastodon") == len("Read ") + 23 + len(" today")
    assert length(text, "x") == length(text, "mastodon")
    assert length(text, "linkedin") == len(text)


def test_bluesky_counts_what_a_reader_sees() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji, five code points
    assert len(family) == 5
    assert length(f"hola {family}", "bluesky") == 6
    assert length("cafe\u0301", "bluesky") == 4  # e + combining accent is one character


def test_over_limit_names_each_network() -> None:
    text = "a" * 301
    assert over_limit(text, {"bluesky", "mastodon"}) == {"bluesky": (301, 300)}
    assert over_limit("a" * 501, {"mastodon", "unknown"}) == {"mastodon": (501, 500)}
    assert over_limit("short", set(LIMITS)) == {}
