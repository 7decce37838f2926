"""The guided incident-report dialog, defined as data and rendered by every platform.

:class:`ReportDialog` runs it step by step (chat, console) or as one form (Slack modal, Teams
card); the caller stores :attr:`Turn.state` between messages and passes a finished
:class:`~bot.incidents.types.ReportSubmission` on to the incident service.
"""

from bot.dialogs.context import DialogContext
from bot.dialogs.definition import DialogDefinition, DialogDefinitionError, load_definition
from bot.dialogs.engine import ReportDialog, Turn
from bot.dialogs.errors import IncompleteReport, InvalidAnswer

__all__ = [
    "DialogContext",
    "DialogDefinition",
    "DialogDefinitionError",
    "IncompleteReport",
    "InvalidAnswer",
    "ReportDialog",
    "Turn",
    "load_definition",
]
