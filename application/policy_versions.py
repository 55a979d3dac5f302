"""Recorded policy versions: the book every answer is judged under, as known at a time.

A mixin of `CredentialService`. The built-in book (`CredentialService.policy`, the FAQ-era
version unless a test or a deployment gives another) governs from the beginning of time;
versions staff adopt later are facts of the policy register, an aggregate of its own in the
same store (rules.md section 9). `book(known_at)` is the built-in book with the versions
adopted, and not withdrawn, by `known_at`: "as known at T" never uses a version adopted after T.

The register is read on every command and answer, from the aggregate cache brought up to date
with the member's credential in one query (`application.current`), so an adoption by another
process is seen at once.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from datetime import datetime
from typing import Any

from eventsourcing.persistence import IntegrityError

from application.commands import AdoptPolicyVersion, WithdrawPolicyVersion
from application.once import LOST_REPLY, new_command_id, recorded
from domain.credential import Stamp
from domain.errors import ConcurrentChange, IdempotencyKeyReused
from domain.policy import PolicyBook
from domain.policy_register import POLICY_REGISTER_ID, PolicyFact, PolicyRegister, VersionRecord
from domain.revisions import Cause, PolicyChange

POLICY_SCOPE = "policy"  # what a concurrent change to the register is reported against


class PolicyVersions:
    """Reading and changing the policy register, on the service that mixes it in."""

    policy: PolicyBook
    repository: Any
    current: Any
    save: Any
    clock: Any
    max_attempts: int

    def policy_register(self, *, for_change: bool = False) -> PolicyRegister | None:
        (register,) = self.current(POLICY_REGISTER_ID)
        if register is None:
            return None
        assert isinstance(register, PolicyRegister)
        return deepcopy(register) if for_change else register

    def book(self, known_at: datetime | None = None) -> PolicyBook:
        """The policy book as known at `known_at` (None: everything recorded)."""
        return self.books()(known_at)

    def books(self) -> Callable[[datetime | None], PolicyBook]:
        """The book as known at any time, from one read of the register: for answers that
        need it at many times (a history's `status_after`, revisions)."""
        return self.books_of(self.policy_register())

    def books_of(self, register: PolicyRegister | None) -> Callable[[datetime | None], PolicyBook]:
        """The book as known at any time, from `register` as read."""
        built_in = self.policy
        if register is None:
            # No version was ever adopted: every fact was judged under the built-in book.
            only = built_in.as_the_only_book()
            return lambda _known_at: only
        return lambda known_at: register.book(built_in, known_at)

    def policy_versions(self, known_at: datetime | None = None) -> list[VersionRecord]:
        """Every version known at `known_at`, withdrawn ones too, each with its whole book."""
        register = self.policy_register()
        if register is None:
            return PolicyRegister.built_in_listing(self.policy)
        return register.listing(self.policy, known_at)

    def policy_changes(self) -> list[PolicyChange]:
        """Every adoption and withdrawal recorded, as the moments a member's answers may change at."""
        changes = []
        for record in self.policy_versions():
            if record.adopted_at is not None:
                changes.append(PolicyChange(Cause("PolicyVersionAdopted", f"policy:{record.version}",
                                                  record.effective_from, record.adopted_at, record.version)))
            if record.withdrawn_at is not None:
                changes.append(PolicyChange(Cause("PolicyVersionWithdrawn", f"policy:{record.version}:withdrawal",
                                                  record.effective_from, record.withdrawn_at, record.version)))
        return changes

    def _adopt_policy_version(self, command: AdoptPolicyVersion, key: str | None,
                              recorded_by: str | None = None) -> VersionRecord:
        def adopt(register: PolicyRegister, stamp: dict[str, Any]) -> None:
            register.adopt(command.version, command.effective_from, command.changes, self.policy,
                           **{**stamp, "recorded_by": recorded_by})

        return self._register_command(key, command.fingerprint, command.version, adopt)

    def _withdraw_policy_version(self, command: WithdrawPolicyVersion, key: str | None,
                                 recorded_by: str | None = None) -> VersionRecord:
        def withdraw(register: PolicyRegister, stamp: dict[str, Any]) -> None:
            register.withdraw(command.version, command.reason, self.policy, **{**stamp, "recorded_by": recorded_by})

        return self._register_command(key, command.fingerprint, command.version, withdraw)

    def _register_command(self, key: str | None, fingerprint: str, version: str,
                          act: Callable[[PolicyRegister, dict[str, Any]], None]) -> VersionRecord:
        """Get the register (opening it with the first adoption), act, save; retried when another
        writer got there first or the reply to the insert was lost, recorded exactly once as a member's
        command is (`CredentialService._command`, application/once.py); a repeated idempotency key
        answers the version as it stands."""
        command_id = key if key is not None else new_command_id()
        unsure: list[tuple[PolicyFact, VersionRecord]] = []  # attempts that may have been recorded
        trouble: Exception | None = None
        for _attempt in range(self.max_attempts):
            register = self.policy_register(for_change=True)
            for sent, answer in unsure:
                if register is not None and recorded(register.facts, sent):
                    return answer
            if key is not None and register is not None:
                prior = register.first_fact_with_key(key)
                if prior is not None:
                    if prior.request_hash != fingerprint:
                        raise IdempotencyKeyReused(key)
                    return self._version_record(register, version)
            last = register.recorded_until() if register is not None else None
            stamp = Stamp.after(self.clock(), last, command_id, fingerprint).fields()
            if register is None:
                register = PolicyRegister.open(**stamp)
            act(register, stamp)
            first = register.pending_events[0]
            assert isinstance(first, PolicyFact)
            try:
                self.save(register)
            except IntegrityError:
                trouble = None
            except LOST_REPLY as error:
                trouble = error
            else:
                return self._version_record(register, version)
            unsure.append((first, self._version_record(register, version)))
        if trouble is not None:
            raise trouble
        raise ConcurrentChange(POLICY_SCOPE)

    def _version_record(self, register: PolicyRegister, version: str) -> VersionRecord:
        return next(r for r in register.listing(self.policy, None) if r.version == version)
