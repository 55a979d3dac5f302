"""The states a credential and its audit can be in, and the sets of them the rules ask about.

They are kept apart from the fold that moves between them because every layer names them
(the status document, the reports, the read models, the API schemas) and most need nothing
else of the domain.
"""

from __future__ import annotations

from enum import Enum


class Status(Enum):
    NOT_CERTIFIED = "not_certified"
    ACTIVE = "active"
    INACTIVE = "inactive"
    INVALID = "invalid"


class AuditState(Enum):
    AWAITING_PROOF = "awaiting_proof"
    PASSED = "passed"
    REPLACEMENT_DUE = "replacement_due"
    PROOF_OVERDUE = "proof_overdue"
    REPLACEMENT_OVERDUE = "replacement_overdue"
    FAILED = "failed"


# Audit states in which the audited cycle is short, so new activities replace CECs.
SHORT_STATES = frozenset({AuditState.REPLACEMENT_DUE, AuditState.PROOF_OVERDUE, AuditState.REPLACEMENT_OVERDUE})
INACTIVE_STATES = frozenset({AuditState.PROOF_OVERDUE, AuditState.REPLACEMENT_OVERDUE})
