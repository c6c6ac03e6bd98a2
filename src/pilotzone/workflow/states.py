"""The codes of the workflow engine: kinds of submission, their states, the actions that move them,
who may act, the guards a transition needs, and what a review step records.

Every member carries its zh-CN and English label (``pilotzone.codes.Coded``); the CHECK constraints
on the status and decision columns are generated from these enums (``migrations``), and pages show
``label(member)``, never the member.
"""

from __future__ import annotations

from pilotzone.codes import Coded


class Kind(Coded):
    CERTIFICATION = "certification", "认定申请", "Certification application"
    FUNDING = "funding", "扶持申报", "Funding application"
    REGISTRATION = "registration", "注册申请", "Registration"
    AWARD = "award", "扶持资金公示", "Award under public notice"
    TRADE_RETURN = "trade_return", "统计月报", "Monthly statistical return"


class CertificationState(Coded):
    DRAFT = "draft", "草稿", "Draft"
    SUBMITTED = "submitted", "已提交", "Submitted"
    WITHDRAWN = "withdrawn", "已撤回", "Withdrawn"
    IN_REVIEW = "in_review", "审核中", "In review"
    INFO_REQUESTED = "info_requested", "待补充材料", "Information requested"
    APPROVED = "approved", "已通过", "Approved"
    REJECTED = "rejected", "已驳回", "Rejected"
    NOTICE = "notice", "公示中", "Under public notice"
    OBJECTED = "objected", "异议处理中", "Objection under review"
    CERTIFIED = "certified", "已认定", "Certified"


class FundingState(Coded):
    DRAFT = "draft", "草稿", "Draft"
    SUBMITTED = "submitted", "已提交", "Submitted"
    IN_REVIEW = "in_review", "审核中", "In review"
    INFO_REQUESTED = "info_requested", "待补充材料", "Information requested"
    VERIFIED = "verified", "已核实", "Verified"
    REJECTED = "rejected", "已驳回", "Rejected"
    WITHDRAWN = "withdrawn", "已撤回", "Withdrawn"


class RegistrationState(Coded):
    PENDING = "pending", "待确认", "Pending acceptance"
    ACTIVE = "active", "有效", "Active"
    REJECTED = "rejected", "已驳回", "Rejected"


class AwardState(Coded):
    """A ledger entry (``ledger_entry.status``); a notice whose end has passed reads as ``awarded``
    (the database function ``pz_award_state``): nothing moves it."""

    NOTICE = "notice", "公示中", "under public notice"
    OBJECTED = "objected", "异议处理中，暂停拨付", "objection open, payment paused"
    AWARDED = "awarded", "已核定", "awarded"
    REVOKED = "revoked", "因异议成立已撤销", "revoked after an objection"


class TradeReturnState(Coded):
    """A monthly statistical return (企业统计月报, ``pilotzone.trade.returns``)."""

    DRAFT = "draft", "草稿", "Draft"
    SUBMITTED = "submitted", "已报送", "Submitted"
    RETURNED = "returned", "已退回", "Returned"
    ACCEPTED = "accepted", "已确认", "Accepted"


State = CertificationState | FundingState | RegistrationState | AwardState | TradeReturnState
STATES: dict[Kind, type[Coded]] = {
    Kind.CERTIFICATION: CertificationState,
    Kind.FUNDING: FundingState,
    Kind.REGISTRATION: RegistrationState,
    Kind.AWARD: AwardState,
    Kind.TRADE_RETURN: TradeReturnState,
}


class Action(Coded):
    CREATE = "create", "创建", "Create"
    REGISTER = "register", "提交注册", "Register"
    SUBMIT = "submit", "提交", "Submit"
    WITHDRAW = "withdraw", "撤回", "Withdraw"
    VERIFY = "verify", "保存核实值", "Save verified values"
    APPROVE = "approve", "通过", "Approve"
    REJECT = "reject", "不通过", "Reject"
    REQUEST_INFO = "request_info", "要求补正", "Request information"
    DECLARE_CONFLICT = "conflict", "声明利益冲突", "Declare a conflict of interest"
    ANSWER = "answer", "补正", "Answer"
    OBJECT = "object", "提出异议", "Object"
    UPHOLD = "uphold", "异议成立", "Uphold the objection"
    DISMISS = "dismiss", "驳回异议", "Dismiss the objection"
    CERTIFY = "certify", "发证", "Issue the certificate"
    ACCEPT = "accept", "受理", "Accept"
    RETURN = "return", "退回修改", "Return for correction"


class Actor(Coded):
    """Who acts: roles the definition names (applicants, the stage's reviewer) or fixed ones."""

    APPLICANT = "applicant", "申请人", "Applicant"
    STAGE = "stage", "当前阶段审核人", "Stage reviewer"
    BUREAU_ADMIN = "bureau_admin", "商务局管理员", "Bureau administrator"
    PUBLIC = "public", "任何人", "Anyone"
    SYSTEM = "system", "系统（定时任务）", "The system (a scheduled job)"


class Guard(Coded):
    """A condition a transition needs besides state, action and actor; the caller says which hold."""

    MORE_STAGES = "more_stages", "还有下一审核阶段", "another stage follows"
    FINAL_STAGE = "final_stage", "最后一个审核阶段", "the last stage"
    PASS_MARK = "pass_mark", "总分达到及格线", "the total reaches the pass mark"
    NO_CONFLICT = "no_conflict", "审核人未声明利益冲突", "the reviewer declared no conflict of interest"
    ROUND_OPEN = "round_open", "批次在申报期内", "the round is open for applications"
    NOT_NEGATIVE_LISTED = "not_negative_listed", "不在信用负面清单", "not on the credit negative list"
    NOTICE_RUNNING = "notice_running", "公示期内", "the public notice runs"
    NOTICE_ENDED = "notice_ended", "公示期已满", "the public notice has ended"
    NO_OPEN_OBJECTION = "no_open_objection", "无未决异议", "no objection is open"
    OPEN_OBJECTION_LEFT = "open_objection_left", "仍有未决异议", "another objection is still open"


class Decision(Coded):
    """What a review step records (``review.decision``, ``funding_review.decision``)."""

    APPROVE = "approve", "已通过", "Approved"
    REJECT = "reject", "已驳回", "Rejected"
    REQUEST_INFO = "request_info", "要求补正", "Information requested"
    CONFLICT = "conflict", "已声明利益冲突", "Conflict of interest declared"
    VERIFY = "verify", "已保存核实值", "Verified values saved"
    ANSWER = "answer", "已补正答复", "Information supplied"
    ACCEPT = "accept", "已确认", "Accepted"
    RETURN = "return", "已退回修改", "Returned for correction"


class ObjectionState(Coded):
    """An objection raised during a public notice (``objection.status``, ``award_objection.status``)."""

    OPEN = "open", "异议处理中", "objection under review"
    UPHELD = "upheld", "异议成立", "Upheld"
    DISMISSED = "dismissed", "异议不成立", "Dismissed"
