"""The hashed featurizer: deterministic, batch-independent, robust to any Unicode."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashtags.models.features import (
    VALENCE_FEATURES,
    Featurizer,
    Valence,
    WordVectors,
    code_points,
    hashed_features,
    normalize_joined,
    token_hashes,
    token_strings,
)

BITS = 16


def _features(text: str) -> list[int]:
    _, bucket = hashed_features([text], BITS)
    return sorted(bucket.tolist())


def test_same_text_same_features_alone_or_in_a_batch() -> None:
    texts = ["¡Qué servicio tan malo!", "", "Great coffee 😀 @cafeterra https://x.co/a", "ok"]
    row, bucket = hashed_features(texts, BITS)
    for i, text in enumerate(texts):
        assert sorted(bucket[row == i].tolist()) == _features(text)


def test_empty_text_has_no_features() -> None:
    row, _ = hashed_features(["", "   "], BITS)
    assert len(row) == 0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("CANCIÓN", "cancion"),  # case and accents
        ("geniaaaaal", "geniaal"),  # long repeats
        ("llamé al 600123456", "llamé al 000000000"),  # digits
        ("mira @pepe", "mira @juan"),  # mentions
        ("see https://a.example/x", "see http://b.example/y?z=1"),  # links
    ],
)
def test_normalisation_folds_spelling_variants(a: str, b: str) -> None:
    assert _features(a) == _features(b)


def test_different_words_differ() -> None:
    assert _features("idiota") != _features("idea")


def test_normalize_joined_separates_texts_with_nul() -> None:
    assert normalize_joined(["A", "b\x00c"]) == "\x00a\x00b c\x00"
    assert code_points(["ab"]).tolist() == [0, ord("a"), ord("b"), 0]


def test_idf_weighted_rows_are_unit_length() -> None:
    featurizer = Featurizer(BITS, np.ones(2**BITS, dtype=np.float32))
    f = featurizer.transform(["hola mundo", "", "x"])
    norms = np.bincount(f.row, weights=f.value.astype(np.float64) ** 2, minlength=3)
    assert norms[0] == pytest.approx(1.0, abs=1e-5)
    assert norms[1] == 0.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=300), max_size=5))
def test_any_unicode_never_raises_and_rows_stay_in_range(texts: list[str]) -> None:
    row, bucket = hashed_features(texts, BITS)
    assert len(row) == len(bucket)
    if len(row):
        assert row.min() >= 0 and row.max() < len(texts)
        assert bucket.min() >= 0 and bucket.max() < 2**BITS


def test_token_strings_hash_back_to_the_same_tokens() -> None:
    texts = ["¡Qué servicio tan MALO!! 😡 @pepe https://x.co/a", "", "hola,mundo 2019"]
    row, hashes = token_hashes(texts)
    tokens = token_strings(texts)
    assert tokens[0][:5] == ["¡", "que", "servicio", "tan", "malo"]
    assert "😡" in tokens[0] and "user" in tokens[0] and "http" in tokens[0]
    assert tokens[1] == []
    for i, words in enumerate(tokens):
        _, again = token_hashes([" ".join(words)])
        assert again.tolist() == hashes[row == i].tolist()


def _table(words: dict[str, list[float]]) -> WordVectors:
    hashes = np.asarray([token_hashes([w])[1][0] for w in words], dtype=np.uint64)
    order = np.argsort(hashes)
    vectors = np.asarray(list(words.values()), dtype=np.float32)[order]
    return WordVectors(
        hashes[order], (vectors * 100).astype(np.int8), np.full(len(words), 0.01, np.float32)
    )


def test_word_vectors_sum_known_tokens_and_normalise() -> None:
    table = _table({"cafe": [1.0, 0.0], "bueno": [0.0, 1.0], "malo": [0.0, -1.0]})
    out = table.transform(["Café bueno", "café MALO malo", "nada que ver", ""])
    assert out.shape == (4, 2)
    assert np.allclose(out[0], [np.sqrt(0.5), np.sqrt(0.5)], atol=1e-3)
    assert np.allclose(out[1], np.asarray([1.0, -2.0]) / np.sqrt(5.0), atol=1e-3)
    assert not out[2].any() and not out[3].any()


def test_word_vectors_are_batch_independent() -> None:
    table = _table({"cafe": [1.0, 0.5], "bueno": [0.2, 1.0]})
    texts = ["café", "bueno bueno café", "x"]
    together = table.transform(texts)
    for i, text in enumerate(texts):
        assert np.allclose(table.transform([text])[0], together[i])


def _lexicon(values: dict[str, float]) -> Valence:
    def hashes(words: str) -> np.ndarray:
        return np.unique(token_hashes(words.split())[1])

    keys = token_hashes(list(values))[1]
    order = np.argsort(keys)
    return Valence(
        keys[order],
        np.asarray(list(values.values()), dtype=np.float32)[order],
        hashes("not never"),
        hashes("but"),
        int(token_hashes(["!"])[1][0]),
    )


def _valence(table: Valence, texts: list[str]) -> dict[str, list[float]]:
    out = table.features(len(texts), token_hashes(texts))
    return {
        name: out[:, j].astype(np.float64).round(4).tolist()
        for j, name in enumerate(VALENCE_FEATURES)
    }


def test_valence_sums_the_lexicon_and_squashes_it_as_vader_does() -> None:
    table = _lexicon({"good": 1.9, "bad": -2.5, "love": 3.2})
    texts = ["good coffee", "Bad, bad coffee", "I love it! Yes! Yes!!!!", "nothing here", ""]
    got = _valence(table, texts)
    assert got["positive"] == [round(1.9 / 4, 4), 0.0, 0.8, 0.0, 0.0]
    assert got["negative"] == [0.0, round(-5.0 / 4, 4), 0.0, 0.0, 0.0]
    assert got["compound"][0] == round(1.9 / np.sqrt(1.9**2 + 15), 4)
    assert got["strongest_negative"][1] == round(-2.5 / 4, 4)
    assert got["share"][0] == 0.5  # one of its two tokens is rated
    assert got["exclamations"][2] == 1.0  # "!!!!" is read as two, and at most three count
    assert got["compound"][3] == got["compound"][4] == 0.0


def test_negation_flips_the_next_three_words_of_the_same_text_only() -> None:
    table = _lexicon({"good": 2.0})
    got = _valence(table, ["not good", "not very very good", "not a b c good", "not", "good"])
    assert got["positive"][0] == 0.0 and got["negative"][0] == round(2.0 * -0.74 / 4, 4)
    assert got["negated"][:3] == [round(1 / 3, 4), round(1 / 3, 4), 0.0]  # 3 words away: no
    assert got["positive"][2] == 0.5
    # "not" ends one text: it does not reach into the next one.
    assert got["positive"][4] == 0.5 and got["negated"][4] == 0.0


def test_after_but_counts_more_and_before_it_less() -> None:
    table = _lexicon({"good": 2.0, "awful": -3.0})
    got = _valence(table, ["good coffee but awful service", "good coffee"])
    assert got["positive"][0] == round(2.0 * 0.5 / 4, 4)
    assert got["negative"][0] == round(-3.0 * 1.5 / 4, 4)
    assert got["positive"][1] == 0.5  # the row before is untouched


def test_valence_is_batch_independent() -> None:
    table = _lexicon({"good": 2.0, "bad": -2.0})
    texts = ["good but bad", "not bad!", "x", "bad bad not good but good"]
    together = table.features(len(texts), token_hashes(texts))
    for i, text in enumerate(texts):
        alone = table.features(1, token_hashes([text]))
        assert np.allclose(alone[0], together[i])
