"""Claim operations (STYLE: one service per transition), by topic: `transitions` (every change of status goes
through `claim_transition`), `drafts` (the member's claim until it is sent), `review` (the operators' moves),
`settlement` ("Liquida" and study subsidies). Callers use `mutua.claims.services.<name>`."""

from __future__ import annotations

from mutua.claims.services.drafts import (
    DocumentData as DocumentData,
)
from mutua.claims.services.drafts import (
    FilesRejected as FilesRejected,
)
from mutua.claims.services.drafts import (
    SubmitResult as SubmitResult,
)
from mutua.claims.services.drafts import (
    attachment_add as attachment_add,
)
from mutua.claims.services.drafts import (
    attachment_remove as attachment_remove,
)
from mutua.claims.services.drafts import (
    claim_add_documents as claim_add_documents,
)
from mutua.claims.services.drafts import (
    claim_cancel as claim_cancel,
)
from mutua.claims.services.drafts import (
    claim_submit as claim_submit,
)
from mutua.claims.services.drafts import (
    document_add as document_add,
)
from mutua.claims.services.drafts import (
    document_delete as document_delete,
)
from mutua.claims.services.drafts import (
    draft_set_kind as draft_set_kind,
)
from mutua.claims.services.drafts import (
    draft_set_region as draft_set_region,
)
from mutua.claims.services.drafts import (
    draft_start as draft_start,
)
from mutua.claims.services.drafts import (
    drafts_purge as drafts_purge,
)
from mutua.claims.services.drafts import (
    study_subsidy_allowed as study_subsidy_allowed,
)
from mutua.claims.services.review import (
    SUSPENSION_MAX_DAYS as SUSPENSION_MAX_DAYS,
)
from mutua.claims.services.review import (
    claim_block as claim_block,
)
from mutua.claims.services.review import (
    claim_cancel_by_operator as claim_cancel_by_operator,
)
from mutua.claims.services.review import (
    claim_reject as claim_reject,
)
from mutua.claims.services.review import (
    claim_resume as claim_resume,
)
from mutua.claims.services.review import (
    claim_suspend_for_documents as claim_suspend_for_documents,
)
from mutua.claims.services.review import (
    claim_take as claim_take,
)
from mutua.claims.services.review import (
    suspension_reminders_send as suspension_reminders_send,
)
from mutua.claims.services.settlement import (
    SettlementFigures as SettlementFigures,
)
from mutua.claims.services.settlement import (
    SettlementLine as SettlementLine,
)
from mutua.claims.services.settlement import (
    SettlementRejected as SettlementRejected,
)
from mutua.claims.services.settlement import (
    StudySubsidyLine as StudySubsidyLine,
)
from mutua.claims.services.settlement import (
    claim_settle as claim_settle,
)
from mutua.claims.services.settlement import (
    claim_settlement_lines as claim_settlement_lines,
)
from mutua.claims.services.settlement import (
    claim_study_subsidy_approve as claim_study_subsidy_approve,
)
from mutua.claims.services.settlement import (
    study_subsidy_lines as study_subsidy_lines,
)
from mutua.claims.services.transitions import (
    ClaimError as ClaimError,
)
from mutua.claims.services.transitions import (
    InvalidTransition as InvalidTransition,
)
from mutua.claims.services.transitions import (
    claim_transition as claim_transition,
)
