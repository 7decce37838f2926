"""Loading dialog YAML: the bundled definition is valid; broken ones name step and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.dialogs import DialogDefinitionError, ReportDialog, load_definition
from bot.dialogs.definition import BUNDLED_REPORT
from bot.incidents.types import CATEGORY_LABELS, URGENCY_LABELS


def bundled() -> dict[str, Any]:
    data = yaml.safe_load(BUNDLED_REPORT.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def step_of(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in data["steps"] if s["name"] == name)


def test_bundled_definition_matches_the_contract() -> None:
    defn = load_definition()
    assert defn.steps[0].name == "immediate_risk"  # safety first
    assert [o.value for o in defn.step("category").options] == list(CATEGORY_LABELS)
    assert [o.value for o in defn.step("urgency").options] == list(URGENCY_LABELS)
    assert {o.label for o in defn.step("category").options} == set(CATEGORY_LABELS.values())


def test_unknown_kind_names_step_and_field(tmp_path: Path) -> None:
    data = bundled()
    step_of(data, "when")["kind"] = "calendar"
    with pytest.raises(DialogDefinitionError) as info:
        ReportDialog.load(write(tmp_path, data))
    message = str(info.value)
    assert "broken.yaml" in message
    assert "step 'when', field 'kind'" in message


def test_missing_prompt_names_step_and_field(tmp_path: Path) -> None:
    data = bundled()
    del step_of(data, "seen")["prompt"]
    with pytest.raises(DialogDefinitionError, match=r"step 'seen', field 'prompt'"):
        load_definition(write(tmp_path, data))


def test_unknown_key_is_reported(tmp_path: Path) -> None:
    data = bundled()
    step_of(data, "link")["requried"] = False
    with pytest.raises(DialogDefinitionError, match=r"step 'link', field 'requried'"):
        load_definition(write(tmp_path, data))


def test_choice_without_options(tmp_path: Path) -> None:
    data = bundled()
    del step_of(data, "urgency")["options"]
    with pytest.raises(DialogDefinitionError, match=r"step 'urgency'.*field 'options'"):
        load_definition(write(tmp_path, data))


def test_condition_on_a_later_or_unknown_step(tmp_path: Path) -> None:
    data = bundled()
    step_of(data, "academy")["ask_when"] = [{"field": "category", "equals": "other"}]
    with pytest.raises(DialogDefinitionError, match=r"step 'academy', field 'ask_when'.*earlier"):
        load_definition(write(tmp_path, data))


def test_condition_value_must_be_an_option(tmp_path: Path) -> None:
    data = bundled()
    step_of(data, "child_involved")["implied"][1]["when"][0]["in"] = ["pupil_contact"]
    with pytest.raises(DialogDefinitionError) as info:
        load_definition(write(tmp_path, data))
    assert "step 'child_involved', field 'implied'" in str(info.value)
    assert "'pupil_contact' is not an option of 'category'" in str(info.value)


def test_duplicate_step_name(tmp_path: Path) -> None:
    data = bundled()
    step_of(data, "link")["name"] = "when"
    with pytest.raises(DialogDefinitionError, match=r"step 'when', field 'name': used twice"):
        load_definition(write(tmp_path, data))


def test_missing_message_and_bad_yaml(tmp_path: Path) -> None:
    data = bundled()
    del data["messages"]["footer"]
    with pytest.raises(DialogDefinitionError, match=r"field 'messages': missing footer"):
        load_definition(write(tmp_path, data))
    path = tmp_path / "bad.yaml"
    path.write_text("steps: [\n", encoding="utf-8")
    with pytest.raises(DialogDefinitionError, match="not valid YAML"):
        load_definition(path)
    with pytest.raises(DialogDefinitionError, match="cannot read"):
        load_definition(tmp_path / "absent.yaml")


def test_notice_field_must_exist(tmp_path: Path) -> None:
    data = bundled()
    data["notices"][0]["field"] = "risk"
    with pytest.raises(DialogDefinitionError, match=r"notice 'immediate_risk', field 'field'"):
        load_definition(write(tmp_path, data))
