"""The policy knowledge base: data files plus the schema and loader that validate them."""

from policy_kb.loader import KnowledgeBaseError, default_kb_path, load_kb
from policy_kb.schema import Branch, Entry, Fact, FactOption, KnowledgeBase

__all__ = [
    "Branch",
    "Entry",
    "Fact",
    "FactOption",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "default_kb_path",
    "load_kb",
]
