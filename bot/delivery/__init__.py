"""Delivery: the worker that sends outbox messages and what follows each outcome.

It depends on the incidents core (to render messages and pass an unreachable person's
report on); the incidents core only writes to the outbox (:mod:`bot.outbox`).
"""
