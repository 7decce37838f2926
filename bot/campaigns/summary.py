"""The summary a campaign sends: rules picked by KB entry id (``summary.yaml``), in the
policy's own words, with the KB's version. Built once when a campaign starts and stored
with it, so every message and reminder of a campaign says the same thing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from policy_kb.schema import KnowledgeBase

SUMMARY_FILE = Path(__file__).with_name("summary.yaml")


class SummaryError(ValueError):
    """``summary.yaml`` names an entry the knowledge base does not have."""


def load_spec(path: Path = SUMMARY_FILE) -> dict[str, Any]:
    """The summary definition (title, intro, rule ids, closing)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise SummaryError(f"{path}: needs a 'rules' list of knowledge-base entry ids")
    return data


def build_summary(
    kb: KnowledgeBase,
    *,
    by: str,
    spec: dict[str, Any] | None = None,
    policy_url: str | None = None,
) -> dict[str, Any]:
    """The stored summary: title, intro, items (rule id, topic, policy words), link, closing.

    The link is the KB's ``policy.url``, else ``policy_url`` (the policy page policybot
    serves), else where to ask for a copy."""
    spec = spec or load_spec()
    entries = {e.id: e for e in kb.entries}
    missing = [rid for rid in spec["rules"] if rid not in entries]
    if missing:
        raise SummaryError(f"summary.yaml names unknown KB entries: {', '.join(missing)}")
    policy = kb.policy
    labels = {str(k): str(v) for k, v in dict(spec.get("verdict_labels") or {}).items()}
    fill = {"policy": policy.title, "version": policy.version, "by": by}
    url = policy.url or policy_url
    link = (
        spec["whole_policy_link"].format(url=url)
        if url
        else spec["whole_policy_no_link"].format(contact=policy.contact)
    )
    return {
        "title": spec["title"].format(**fill),
        "intro": " ".join(str(spec["intro"]).split()).format(**fill),
        "items": [
            {
                "rule_id": rid,
                "topic": entries[rid].topic,
                "label": labels.get(entries[rid].verdict, ""),
                "text": " ".join(entries[rid].text.split()),
            }
            for rid in spec["rules"]
        ],
        "link": link,
        "closing": " ".join(str(spec["closing"]).split()),
        "version": policy.version,
    }


def summary_text(summary: dict[str, Any]) -> str:
    """The summary as plain text (every platform shows at least this)."""
    lines = [summary["intro"], ""]
    for item in summary["items"]:
        label = f"{item['label']}: " if item.get("label") else ""
        lines.append(f"\u2022 {item['topic']}. {label}\u201c{item['text']}\u201d")
    lines += ["", summary["link"], "", summary["closing"]]
    return "\n".join(lines)
