"""Turn the neutral alert :class:`~bot.messages.Reply` into an email (plain text + HTML).

The Reply is the one the worker renders for a chat alert, so the email carries exactly what
the chat alert carries (reference, academy, category, urgency, child involved, state) and
never a report's summary, details or notes. Buttons cannot work in an email, so they become
one line saying what to do: open policybot. The Message-ID is derived from the outbox row
id, so every resend of one alert carries the same id and a mail client shows it once.
"""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr

from bot.messages import Reply
from bot.notifier import Delivery


def message_id(outbox_id: int, sender: str) -> str:
    """``<policybot-outbox-42@school.org>``: one id per outbox row (stable across resends)."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "policybot.invalid"
    return f"<policybot-outbox-{outbox_id}@{domain}>"


def what_to_do(reply: Reply, open_in: str = "Slack or Teams") -> str | None:
    """The buttons of a chat alert as one instruction (``open_in``: where policybot is,
    e.g. "Teams"), or None for a plain notice."""
    labels = [choice.label for choice in reply.choices]
    if not labels:
        return None
    reference = str(reply.data.get("reference") or "")
    about = f" and find {reference}" if reference else ""
    actions = ", ".join(labels[:-1]) + (" or " if len(labels) > 1 else "") + labels[-1]
    return (
        f"What to do: open policybot in {open_in}{about}; there you can {actions}. "
        "The report's details are never sent by email."
    )


def _html(reply: Reply, todo: str | None) -> str:
    parts = ['<html><body style="font-family: sans-serif">']
    if reply.title:
        parts.append(f"<h2>{html.escape(reply.title)}</h2>")
    for paragraph in reply.text.split("\n\n"):
        lines = [html.escape(line) for line in paragraph.splitlines() if line.strip()]
        if lines:
            parts.append("<p>" + "<br>\n".join(lines) + "</p>")
    if todo:
        parts.append(f"<p><strong>{html.escape(todo)}</strong></p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def build_email(delivery: Delivery, sender: str, open_in: str = "Slack or Teams") -> EmailMessage:
    """The email for one delivery: subject = the alert's title, body = its text."""
    reply = delivery.reply
    recipient = delivery.recipient
    todo = what_to_do(reply, open_in)
    msg = EmailMessage()
    msg["Subject"] = reply.title or reply.text.splitlines()[0][:120]
    msg["From"] = sender
    msg["To"] = formataddr((recipient.name, recipient.address))
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id(delivery.id, sender)
    if delivery.update_ref:  # an update to an alert sent before: thread it under that one
        msg["In-Reply-To"] = delivery.update_ref
        msg["References"] = delivery.update_ref
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Policybot-Outbox-Id"] = str(delivery.id)
    text = reply.text + (f"\n\n{todo}" if todo else "") + "\n"
    msg.set_content(text)
    msg.add_alternative(_html(reply, todo), subtype="html")
    return msg
