"""The reply matcher's model card names the views its calibration uses and what they cost."""

from __future__ import annotations

from dataclasses import replace

from training.replies import PASS_COST_MS, _card

from hashtags.models.replies import Calibration


def test_card_follows_the_calibration() -> None:
    shipped = Calibration.load()
    embedding = replace(shipped, encoder_weight=2.0, terms_weight=0.0)
    card = _card(embedding, {}, {}, 1)
    assert "sentence embedding" in card["model"] and "latent terms" not in card["model"]
    per_core, on_two = PASS_COST_MS[1]
    assert card["encoder"]["cost"].startswith("1 pass of the model")
    assert f"{per_core} ms on one core, {on_two} ms on two" in card["encoder"]["cost"]
    assert card["calibration"]["terms_weight"] == 0.0

    both = _card(replace(embedding, terms_weight=2.0), {}, {}, 1)
    assert "latent terms" in both["model"]
    assert both["encoder"]["cost"].startswith("2 passes of the model")
    assert any(f"about {PASS_COST_MS[2][1]} ms per message" in t for t in both["known_limits"])

    plain = _card(replace(embedding, encoder_weight=0.0, encoder_center=False), {}, {"all": 0.9}, 1)
    assert "encoder" not in plain
    assert "sentence embedding" not in plain["model"]
    assert not any("sentence encoder costs" in t for t in plain["known_limits"])
    assert plain["banking77_inner_accuracy"] == {"all": 0.9}
    assert "BANKING77" in plain["data"] and "banking77_inner_split" in plain["data"]
    assert plain["training"] == {
        "command": "python -m training replies",
        "seed": 20240611,
        "seconds": 1,
    }
