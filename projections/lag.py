"""How far the read models are from the store: what a reader and a supervisor decide on.

Two things put the tables behind: notifications they have not applied, and a policy change
(an adoption or withdrawal, rules.md section 9), which every member's rows follow, so it puts
them a whole store behind. Tables computed under a policy the store never had at their
position (another release's rules or built-in book) cannot be followed at all, only rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lag:
    projection: str
    position: int
    max_notification_id: int
    # False: computed under another policy than the one known now, so every member is to redo.
    current_policy: bool = True
    # False: under a policy the store never had at their position (another release's rules or
    # built-in book), which only a rebuild mends; True: at most behind a policy change it follows.
    followable: bool = True

    @property
    def lag(self) -> int:
        if not self.current_policy:
            return self.max_notification_id
        return max(self.max_notification_id - self.position, 0)

    def answerable(self, limit: int) -> bool:
        """Whether a request may bring the tables up to date itself: followable, and at most `limit`
        notifications behind, a policy change counting as the whole store (else reports answer 503
        until a follower or a catch-up has done it)."""
        return self.followable and self.lag <= limit
