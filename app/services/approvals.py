"""Four-eyes approvals: staff request, a manager decides with evidence, one action consumes it."""

from sqlalchemy import update

from app.domain.errors import DomainError, ErrorCode
from app.domain.states import APPROVAL_TRANSITIONS, ApprovalStatus, transition
from app.domain.validation import Checker
from app.policy import approvals as policy
from app.policy.decisions import APPROVAL_SUBJECTS, ApprovalAction
from app.services.common import enforce
from app.services.unit_of_work import UnitOfWork
from models import ApprovalRequest, EcommerceOrder, ReturnRequest

SUBJECT_MODELS = {"EcommerceOrder": EcommerceOrder, "ReturnRequest": ReturnRequest}
TEXT_MAX = 2000


async def request_approval(*, uow: UnitOfWork, action: ApprovalAction, subject_type: str, subject_id: int,
                           reason: str) -> ApprovalRequest:
    check = Checker()
    reason_ = check.text(reason, "reason", label="Reason", max_length=1000, required=True, multiline=True)
    check.raise_if_any()
    viewer = uow.actor.viewer
    enforce(policy.may_request(uow.actor.roles))
    assert viewer is not None
    expected = APPROVAL_SUBJECTS[action]
    if subject_type != expected or await uow.session.get(SUBJECT_MODELS[expected], subject_id) is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, f"{action} needs an existing {expected} as its subject.",
                             "input", "subjectId")
    approval = ApprovalRequest(action=action, subject_type=subject_type, subject_id=subject_id,
                               status=ApprovalStatus.PENDING, reason=reason_, requested_by_user_id=viewer.user_id,
                               requested_by=viewer.email, created_at=uow.now)
    uow.session.add(approval)
    await uow.session.flush()
    uow.audit(action="approval.request", subject_type="ApprovalRequest", subject_id=approval.id,
              to_status=ApprovalStatus.PENDING,
              data={"action": action, "subject": f"{subject_type}:{subject_id}", "reason": reason_})
    await uow.commit(approval)
    return approval


async def decide_approval(*, uow: UnitOfWork, approval_id: int, approve: bool, evidence: str) -> ApprovalRequest:
    check = Checker()
    evidence_ = check.text(evidence, "evidence", label="Evidence", max_length=TEXT_MAX, required=approve, multiline=True)
    check.raise_if_any()
    viewer = uow.actor.viewer
    if viewer is None:
        raise DomainError.of(ErrorCode.PERMISSION_DENIED, "Sign in to do this.")
    approval = await uow.session.get(ApprovalRequest, approval_id, with_for_update=True, populate_existing=True)
    if approval is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That approval request does not exist.", "input", "approvalId")
    enforce(policy.may_decide(viewer.roles, decider_id=viewer.user_id, requester_id=approval.requested_by_user_id))
    to = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    current = ApprovalStatus(approval.status)
    approval.status = transition(APPROVAL_TRANSITIONS, current, to, subject="approval request")
    approval.decided_by_user_id, approval.decided_by = viewer.user_id, viewer.email
    approval.evidence, approval.decided_at = evidence_, uow.now
    uow.audit(action="approval.decide", subject_type="ApprovalRequest", subject_id=approval.id,
              from_status=current, to_status=to, data={"evidence": evidence_})
    await uow.commit(approval)
    return approval


async def consume_approval(uow: UnitOfWork, approval_id: int | None, *, action: ApprovalAction,
                           subject_type: str, subject_id: int, message: str, field: str = "approvalId") -> int:
    """Use an APPROVED, unused approval for exactly this action and subject, or refuse with
    APPROVAL_REQUIRED. The conditional update makes it single-use even under concurrency."""
    if approval_id is None:
        raise DomainError.of(ErrorCode.APPROVAL_REQUIRED, message, "input", field)
    consumed = await uow.session.execute(
        update(ApprovalRequest).where(
            ApprovalRequest.id == approval_id, ApprovalRequest.status == ApprovalStatus.APPROVED,
            ApprovalRequest.action == action, ApprovalRequest.subject_type == subject_type,
            ApprovalRequest.subject_id == subject_id, ApprovalRequest.consumed_at.is_(None))
        .values(consumed_at=uow.now).execution_options(synchronize_session=False))
    if consumed.rowcount != 1:
        raise DomainError.of(ErrorCode.APPROVAL_REQUIRED,
                             f"Approval {approval_id} does not allow this: it must be an approved, unused "
                             f"{action} for this {subject_type}.", "input", field)
    uow.audit(action="approval.consume", subject_type="ApprovalRequest", subject_id=approval_id,
              approval_id=str(approval_id), data={"action": action, "subject": f"{subject_type}:{subject_id}"})
    return approval_id
