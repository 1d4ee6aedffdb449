"""``python -m training``: its options, and a bad word-vector file stopping it early."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from training.__main__ import main, parser
from training.wordvectors import read_table, word_table


def test_an_unknown_task_is_refused_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["tetx"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'tetx'" in err and "valence-cv" in err


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_jobs_must_be_a_positive_whole_number(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["sentences", "--jobs", value])
    assert stop.value.code == 2
    assert f"--jobs: must be a whole number of processes >= 1, not {value!r}" in (
        capsys.readouterr().err
    )


def test_a_base_table_that_is_not_one_stops_before_training(tmp_path: Path) -> None:
    bad = tmp_path / "notes.npz"
    np.savez(bad, something=np.zeros(3))
    with pytest.raises(SystemExit, match=r"notes\.npz: not a word-vector table"):
        main(["text", "--base-vectors", str(bad)])
    missing = tmp_path / "missing.npz"
    with pytest.raises(SystemExit, match=r"missing\.npz: not a word-vector table"):
        main(["text", "--base-vectors", str(missing)])


def test_without_distil_the_base_table_is_used_as_it_is(tmp_path: Path) -> None:
    arrays = {
        "wv.hash": np.asarray([3, 5, 9], dtype=np.uint64),
        "wv.vector": np.asarray([[1, -2], [3, 4], [-5, 6]], dtype=np.int8),
        "wv.scale": np.asarray([0.5, 0.25, 1.0], dtype=np.float32),
    }
    base = tmp_path / "text-old.npz"
    np.savez(base, idf=np.ones(4), **arrays)
    assert set(read_table(base)) == set(arrays)
    table = word_table(base)
    for key, value in arrays.items():
        np.testing.assert_array_equal(table[key], value)
        assert table[key].dtype == value.dtype


def test_text_distils_unless_told_not_to() -> None:
    assert parser().parse_args(["text"]).distil is True
    assert parser().parse_args(["text", "--no-distil"]).distil is False
    assert parser().parse_args(["text", "--distil"]).distil is True


def test_the_cross_validations_are_tasks() -> None:
    # training.text_models needs scikit-learn (the train extra), which the tests do without.
    assert parser().parse_args(["dense-cv", "--no-distil"]).task == "dense-cv"
    assert parser().parse_args(["valence-cv"]).distil is True
    assert parser().parse_args(["c-cv"]).task == "c-cv"
    assert parser().parse_args(["nb-cv"]).task == "nb-cv"


def test_the_cross_validations_take_a_factor_on_c(capsys: pytest.CaptureFixture[str]) -> None:
    assert parser().parse_args(["nb-cv", "--c-factor", "0.5"]).c_factor == 0.5
    assert parser().parse_args(["nb-cv"]).c_factor == 1.0
    for bad in ("0", "-1", "half", "nan", "inf"):
        with pytest.raises(SystemExit):
            parser().parse_args(["nb-cv", "--c-factor", bad])
        assert f"must be a number above 0, not '{bad}'" in capsys.readouterr().err
