"""Signals other apps listen to.

``episode_published(sender=Episode, episode=<Episode>)`` is sent exactly once per episode,
when it has gone live (at its publish time, by the deferred task or ``backstride publish``).
It is sent inside the transaction that records the side effect as done: a receiver should
*enqueue a task* (the database task backend stores the job in the same transaction), so a
failure rolls everything back and the send is retried, and nothing is sent twice.
"""

from django.dispatch import Signal

episode_published = Signal()  # kwargs: episode
