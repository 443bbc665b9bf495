"""Shared plumbing every app imports downward: enqueueing tasks, signed links, consent.

Nothing here imports a Backstride app; apps import from here (docs/architecture.md).
"""
