"""``policybot ask`` as a real subprocess: text, --json, --fact, batch mode, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "ask", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "UNANSWERED_LOG": "/dev/null", **(env or {})},
        timeout=60,
    )


def test_json_single_question() -> None:
    p = run("--json", "can i add a yr 11 kid on snap")
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)
    assert obj["verdict"] == "not_allowed"
    assert obj["citations"][0]["rule_id"] == "inappropriate.friend-pupils"


def test_text_answer_for_a_person() -> None:
    p = run("who", "do", "I", "tell", "if", "a", "pupil", "DMs", "me")
    assert p.returncode == 0, p.stderr
    assert "Designated Safeguarding Lead" in p.stdout
    assert "What the policy says" in p.stdout


def test_fact_flag() -> None:
    p = run("--json", "--fact", "under_18=no", "can I add an ex-pupil on facebook")
    assert json.loads(p.stdout)["verdict"] == "allowed"


def test_bad_fact_flag_is_a_clear_error() -> None:
    p = run("--json", "--fact", "under18", "hello")
    assert p.returncode == 2
    assert "NAME=VALUE" in p.stderr
    p = run("--json", "--fact", "colour=blue", "hello")
    assert p.returncode == 2 and "unknown fact" in p.stderr


def test_batch_mode_one_object_per_line_in_order() -> None:
    questions = [
        "can i add a yr 11 kid on snap",
        "",
        "when is the next inset day",
        "who do I tell if a pupil DMs me",
        "🙂",
    ]
    p = run("--json", stdin="\n".join(questions) + "\n")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == len(questions)
    objs = [json.loads(line) for line in lines]
    assert [o["question"] for o in objs] == questions
    assert [o["verdict"] for o in objs][:3] == ["not_allowed", "no_match", "no_match"]


def test_a_trust_can_use_its_own_kb_file(tmp_path: Path) -> None:
    kb = {
        "policy": {
            "title": "Phones",
            "organisation": "Test Trust",
            "source": "policy.txt",
            "contact": "the Head of School",
        },
        "entries": [
            {
                "id": "phones.lessons",
                "section": "Phones",
                "topic": "Phones in lessons",
                "verdict": "not_allowed",
                "text": "Phones must not be used in lessons.",
                "answer": "No. Phones must not be used in lessons.",
                "phrases": ["can I use my phone in class", "mobile in lessons"],
            }
        ],
    }
    (tmp_path / "policy.txt").write_text("Phones must not be used in lessons.\n")
    path = tmp_path / "kb.yaml"
    path.write_text(yaml.safe_dump(kb))
    p = run("--json", "can i use my mobile phone in lessons", env={"POLICY_KB": str(path)})
    assert json.loads(p.stdout)["rule_ids"] == ["phones.lessons"]
    p = run("--json", "where do i park", env={"POLICY_KB": str(path)})
    assert "Head of School" in json.loads(p.stdout)["answer"]


def test_broken_kb_file_is_reported_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text("policy: {title: x}\nentries: []\n")
    p = run("--json", "hello", env={"POLICY_KB": str(path)})
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert str(path) in p.stderr


def test_unanswered_questions_are_logged_for_review(tmp_path: Path) -> None:
    log = tmp_path / "unanswered.jsonl"
    env = {"UNANSWERED_LOG": str(log)}
    run("--json", stdin="can i bring my dog to school\ncan i bring my dog to school\n", env=env)
    assert len(log.read_text().splitlines()) == 2
    p = subprocess.run(
        [sys.executable, "-m", "bot", "unanswered"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=60,
    )
    assert p.returncode == 0
    assert "    2  can i bring my dog to school" in p.stdout
