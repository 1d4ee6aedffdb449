"""The seeded splits that stand in for missing development splits."""

from __future__ import annotations

from collections import Counter

import pytest

from training import data


def test_stratified_split_keeps_each_intent_in_both_parts_and_is_seeded() -> None:
    rows = [{"id": f"{i}-{n}", "intent": i} for i in "abc" for n in range(10 if i != "c" else 2)]
    train, dev = data.stratified_split(rows, 1)
    assert Counter(r["intent"] for r in dev) == {"a": 2, "b": 2, "c": 1}  # 20 %, at least one
    assert Counter(r["intent"] for r in train) == {"a": 8, "b": 8, "c": 1}
    assert sorted(r["id"] for r in train + dev) == sorted(r["id"] for r in rows)
    assert data.stratified_split(rows, 1) == (train, dev)
    assert data.stratified_split(rows, 2) != (train, dev)


def test_the_inner_banking77_split_never_touches_the_dev_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = [{"id": f"{i}-{n}", "intent": f"intent{i}"} for i in range(77) for n in range(130)]
    monkeypatch.setattr(data, "load", lambda name, split: [dict(r) for r in rows])
    train, dev = data.banking77_split()
    inner_train, inner_dev = data.banking77_inner_split()
    assert (len(train), len(dev)) == (77 * 104, 77 * 26)
    inner = [r["id"] for r in inner_train + inner_dev]
    assert sorted(inner) == sorted(r["id"] for r in train)
    assert {r["id"] for r in dev}.isdisjoint(inner)
    assert len({r["intent"] for r in inner_dev}) == 77
