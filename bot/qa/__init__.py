"""Policy Q&A: match an informal staff question to the knowledge base and answer it."""
