"""What the bot does with a message said where others can read it (a channel, a group chat).

A report, its answers and incident actions are private: in a shared conversation none of
them is taken, and no report draft (started elsewhere) receives the text. The person gets a
pointer to the private way instead (a button that opens the report form just for them); policy
questions and help are answered as usual. A Headteacher starts a "read and understood"
campaign here, aimed at the channel's members (bot/campaigns/chat.py ``on_shared_message``).
"""

from __future__ import annotations

import re

from bot.messages import Choice, Reply

_PRIVATE = re.compile(
    r"^/?(?:report|report an incident|new report|start report|resume|my reports?|status"
    r"|incidents|my incidents|open incidents|(?:ack|acknowledge|view|show|note|close)\b.*)"
    r"\s*[.!]?$",
    re.IGNORECASE | re.DOTALL,
)
_REPORT = re.compile(r"^/?(?:report|report an incident|new report|start report)\s*[.!]?$", re.I)

REPORT_POINTER = (
    "Reports are made in private, never here where others can read them. Press “Report "
    "privately” to open the form only you can see. Nothing you type in this conversation is "
    "taken as part of a report."
)
#: Teams has no message only one person sees: the form goes to their private chat instead
PRIVATE_FORM_SENT = (
    "Reports are made in private, never here where others can read them. I have sent you the "
    "report form in your private chat with me. Nothing you type in this conversation is taken "
    "as part of a report."
)
PRIVATE_CHAT_NEEDED = (
    "Reports are made in private, never here where others can read them. Open your private "
    "chat with me and type “report”. Nothing you type in this conversation is taken as part "
    "of a report."
)
PRIVATE_POINTER = (
    "That is private, so I won’t answer it here where others can read it. Send it to me in "
    "a direct message instead."
)


def private_request(text: str) -> bool:
    """Whether ``text`` asks for something that is only done in private."""
    return bool(_PRIVATE.match(" ".join(text.split())))


def pointer(text: str) -> Reply:
    """The private pointer for a private request made in a shared conversation."""
    if _REPORT.match(" ".join(text.split())):
        return Reply(
            text=REPORT_POINTER,
            kind="notice",
            choices=[Choice("Report privately", "{}", "report.start", "primary")],
            data={"pointer": "report"},
        )
    return Reply(text=PRIVATE_POINTER, kind="notice", data={"pointer": "private"})
