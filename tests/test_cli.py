"""The command line through Typer's runner, and once as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hashtags.cli import app

runner = CliRunner()


def test_check_exit_codes_follow_the_verdict() -> None:
    assert runner.invoke(app, ["check", "Buenos días a todos"]).exit_code == 0
    blocked = runner.invoke(app, ["check", "Pronto veréis el Proyecto Tucán"])
    assert blocked.exit_code == 3
    assert "BLOCK" in blocked.output and "confidential.policy-term" in blocked.output
    review = runner.invoke(app, ["check", "Las ofertas de Black Friday ya casi están"])
    assert review.exit_code == 1


def test_check_json_output() -> None:
    result = runner.invoke(app, ["check", "Pronto veréis el Proyecto Tucán", "--json"])
    data = json.loads(result.stdout)
    assert data["verdict"] == "block"
    assert data["findings"][0]["rule"] == "confidential.policy-term"
    assert data["findings"][0]["start"] == 17


def test_check_rejects_bad_options_clearly() -> None:
    result = runner.invoke(app, ["check", "hola", "--account", "company"])
    assert result.exit_code == 2
    assert "--account: 'company' is not one of brand, personal" in result.stderr
    result = runner.invoke(app, ["check", "hola", "--lang", "fr"])
    assert result.exit_code == 4
    assert "not one of the policy's languages: es, en" in result.stderr


def test_check_with_bad_policy_names_file_and_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("organization:\n  name: X\n  industry: banking\n", encoding="utf-8")
    result = runner.invoke(app, ["check", "hola", "--policy", str(policy)])
    assert result.exit_code == 4
    assert f"{policy}:3: organization.industry: 'banking' is not one of" in result.stderr
    assert "Traceback" not in result.output


def test_policy_init_validate_render(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    assert runner.invoke(app, ["policy", "init", str(path)]).exit_code == 0
    assert "Política" in path.read_text(encoding="utf-8")
    again = runner.invoke(app, ["policy", "init", str(path)])
    assert again.exit_code == 4 and "already exists" in again.stderr
    valid = runner.invoke(app, ["policy", "validate", str(path)])
    assert valid.exit_code == 0 and "valid policy" in valid.output
    html = runner.invoke(app, ["policy", "render", str(path), "--lang", "en", "--format", "html"])
    assert html.exit_code == 0 and html.stdout.startswith("<!doctype html>")
    md = runner.invoke(app, ["policy", "render", str(path), "--lang", "es"])
    assert "## 1. Quién habla por la empresa" in md.stdout
    bad = runner.invoke(app, ["policy", "render", str(path), "--format", "pdf"])
    assert bad.exit_code == 2


def _write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("jobs", [1, 2])
def test_scan_keeps_order_and_reports_bad_lines(tmp_path: Path, jobs: int) -> None:
    source = tmp_path / "in.jsonl"
    target = tmp_path / "out.jsonl"
    good = [json.dumps({"id": i, "text": f"Hola número {i}"}) for i in range(1200)]
    lines = [
        *good[:600],
        "{not json",
        json.dumps({"id": "x", "account": "personal"}),
        "",
        json.dumps({"id": "y", "text": "Proyecto Tucán", "account": "company"}),
        json.dumps({"id": "z", "text": "Proyecto Tucán", "account": "personal"}),
        '{"id": "s", "text": "hola \\ud83d"}',  # half a surrogate pair: not Unicode text
        *good[600:],
    ]
    _write_lines(source, lines)
    args = ["scan", str(source), "-o", str(target), "--jobs", str(jobs), "--no-progress"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(out) == len(lines)
    assert [o["id"] for o in out[:600]] == list(range(600))
    assert out[600] == {"id": None, "line": 601, "error": out[600]["error"]}
    assert out[600]["error"].startswith("line 601: not valid JSON")
    assert out[601]["error"] == "line 602: no 'text'" and out[601]["id"] == "x"
    assert out[602]["error"] == "line 603: empty line"
    assert "expected brand or personal" in out[603]["error"]
    assert out[604]["verdict"] == "block" and out[604]["signals"]["language"] in ("es", "en")
    assert out[604]["findings"][0]["rule"] == "confidential.policy-term"
    assert out[605] == {
        "id": "s",
        "line": 606,
        "error": "line 606: text has a lone surrogate (U+D83D) at character 6: it is not "
        "valid Unicode",
    }
    assert [o["id"] for o in out[606:]] == list(range(600, 1200))
    assert "5 with errors" in result.stderr


def test_scan_leaves_no_half_written_output_when_input_missing(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["scan", str(tmp_path / "nope.jsonl"), "-o", str(target)])
    assert result.exit_code == 4
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_demo_review_prints_every_demo_post() -> None:
    result = runner.invoke(app, ["demo-review"])
    assert result.exit_code == 0
    assert "Caféterra" in result.output
    assert "BLOCK" in result.output and "ALLOW" in result.output


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("hashtags")
    proc = subprocess.run(
        [str(exe), "check", "-", "--json"],
        input="Pronto veréis el Proyecto Tucán",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 3
    assert json.loads(proc.stdout)["verdict"] == "block"
    help_text = subprocess.run(
        [str(exe), "--help"], capture_output=True, text=True, timeout=60, check=False
    ).stdout
    assert "Exit codes" in help_text


def test_policy_rules_lists_every_rule_with_its_action() -> None:
    result = runner.invoke(app, ["policy", "rules"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "confidential.policy-term" in result.output and "block" in result.output
    assert "custom.black-friday" in result.output


def test_check_passes_the_reply_context() -> None:
    result = runner.invoke(
        app,
        [
            "check",
            "Lo siento mucho, mañana te mandamos otro pedido",
            "--account",
            "personal",
            "--author",
            "employee",
            "--reply-to",
            "@cafeterra mi pedido llegó roto, qué vergüenza",
            "--json",
        ],
    )
    assert "disclaimer.complaint-reply" in {
        f["rule"] for f in json.loads(result.stdout)["findings"]
    }


def test_scan_adds_the_classifiers_signals(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    _write_lines(
        source,
        [
            json.dumps({"id": 1, "text": "Eres un idiota de mierda, te odio"}),
            json.dumps({"id": 2, "text": "I love this coffee, thank you so much!"}),
        ],
    )
    target = tmp_path / "out.jsonl"
    assert (
        runner.invoke(app, ["scan", str(source), "-o", str(target), "--no-progress"]).exit_code == 0
    )
    rude, kind = (json.loads(line)["signals"] for line in target.read_text("utf-8").splitlines())
    assert rude["offensive"] is True and rude["toxicity"] > 0.5 and rude["sentiment"] == "negative"
    assert kind["offensive"] is False and kind["sentiment"] == "positive"
    assert set(kind["sentiment_scores"]) == {"negative", "neutral", "positive"}
    assert abs(sum(kind["sentiment_scores"].values()) - 1) < 0.01
    plain = tmp_path / "plain.jsonl"
    args = ["scan", str(source), "-o", str(plain), "--no-progress", "--no-models"]
    assert runner.invoke(app, args).exit_code == 0
    assert json.loads(plain.read_text("utf-8").splitlines()[0])["signals"] == {"language": "es"}
