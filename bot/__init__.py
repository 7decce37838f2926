"""policybot core: platform-neutral policy Q&A, report dialogs, incidents and storage.

Nothing under ``bot`` imports a chat SDK; adapters translate to and from this core.
"""

__version__ = "0.1.0"
