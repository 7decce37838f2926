"""Every Block Kit payload the bot sends, checked as Slack would: ``slack_sdk.models``
validation (``validate_json``) plus Slack's documented limits that those models leave out.

:class:`~tests.slack.fake_slack.FakeSlack` runs :func:`problems` on every call it receives
and the ``fake_slack`` fixture fails the test if any payload had one.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

#: (block or element type, field) -> Slack's documented maximum length
TEXT_LIMITS: dict[tuple[str, str], int] = {
    ("section", "text"): 3000,
    ("header", "text"): 150,
    ("button", "text"): 75,
    ("button", "value"): 2000,
    ("input", "label"): 2000,
    ("input", "hint"): 2000,
}
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
VIEW_TITLE = 24
PRIVATE_METADATA = 3000
ID_LIMIT = 255
MESSAGE_TEXT = 40000
OPTION_TEXT, OPTION_VALUE = 75, 150
ACTIONS_ELEMENTS = 25
RADIO_OR_CHECKBOX_OPTIONS = 10
SELECT_OPTIONS = 100
PLACEHOLDER = 150
INPUT_MAX_LENGTH = 3000


def _text(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else str(obj or "")


def _element_problems(el: dict[str, Any], where: str) -> list[str]:
    out: list[str] = []
    kind = str(el.get("type"))
    for field in ("action_id", "block_id"):
        if len(str(el.get(field, ""))) > ID_LIMIT:
            out.append(f"{where}: {kind} {field} over {ID_LIMIT}")
    for (of, field), limit in TEXT_LIMITS.items():
        if kind == of and field in el and len(_text(el[field])) > limit:
            out.append(f"{where}: {kind} {field} is {len(_text(el[field]))} > {limit}")
    options = el.get("options") or []
    for option in options:
        if len(_text(option.get("text"))) > OPTION_TEXT:
            out.append(f"{where}: option text over {OPTION_TEXT}")
        if len(str(option.get("value", ""))) > OPTION_VALUE:
            out.append(f"{where}: option value over {OPTION_VALUE}")
    if kind in {"radio_buttons", "checkboxes"} and len(options) > RADIO_OR_CHECKBOX_OPTIONS:
        out.append(f"{where}: {kind} with {len(options)} options")
    if kind.endswith("static_select") and len(options) > SELECT_OPTIONS:
        out.append(f"{where}: {kind} with {len(options)} options")
    if "placeholder" in el and len(_text(el["placeholder"])) > PLACEHOLDER:
        out.append(f"{where}: placeholder over {PLACEHOLDER}")
    if kind == "plain_text_input":
        limit = int(el.get("max_length") or INPUT_MAX_LENGTH)
        if limit > INPUT_MAX_LENGTH or len(str(el.get("initial_value", ""))) > limit:
            out.append(f"{where}: plain_text_input initial_value/max_length over the limit")
    if kind == "actions" and len(el.get("elements") or []) > ACTIONS_ELEMENTS:
        out.append(f"{where}: actions block with more than {ACTIONS_ELEMENTS} elements")
    for child in el.get("elements") or []:
        if isinstance(child, dict):
            out.extend(_element_problems(child, where))
    if isinstance(el.get("element"), dict):
        out.extend(_element_problems(el["element"], where))
    if isinstance(el.get("accessory"), dict):
        out.extend(_element_problems(el["accessory"], where))
    return out


def blocks_problems(blocks: list[dict[str, Any]], where: str, limit: int) -> list[str]:
    """Problems of a list of blocks: the SDK's validation, then Slack's limits."""
    out: list[str] = []
    if not 0 < len(blocks) <= limit:
        out.append(f"{where}: {len(blocks)} blocks (1 to {limit} allowed)")
    try:
        for block in Block.parse_all(blocks):
            block.validate_json()
    except Exception as exc:  # SlackObjectFormationError and friends
        out.append(f"{where}: slack_sdk says {exc}")
    for block in blocks:
        out.extend(_element_problems(block, where))
    return out


def view_problems(view: dict[str, Any], where: str) -> list[str]:
    """Problems of a modal or App Home view."""
    out: list[str] = []
    try:
        View(**view).validate_json()
    except Exception as exc:
        out.append(f"{where}: slack_sdk says {exc}")
    for field in ("title", "submit", "close"):
        if field in view and len(_text(view[field])) > VIEW_TITLE:
            out.append(f"{where}: view {field} over {VIEW_TITLE} characters")
    if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA:
        out.append(f"{where}: private_metadata over {PRIVATE_METADATA}")
    if len(str(view.get("callback_id", ""))) > ID_LIMIT:
        out.append(f"{where}: callback_id over {ID_LIMIT}")
    out.extend(blocks_problems(list(view.get("blocks") or []), where, VIEW_BLOCKS))
    return out


def problems(method: str, args: dict[str, Any]) -> list[str]:
    """What Slack would refuse (or cut) in one Web API call or response-URL post."""
    out: list[str] = []
    if isinstance(args.get("view"), dict):
        out.extend(view_problems(args["view"], method))
    blocks = args.get("blocks")
    if isinstance(blocks, list):
        out.extend(blocks_problems(blocks, method, MESSAGE_BLOCKS))
    if len(str(args.get("text", ""))) > MESSAGE_TEXT:
        out.append(f"{method}: text over {MESSAGE_TEXT} characters")
    return out
