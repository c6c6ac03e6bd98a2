"""The events that notify turns into messages (``notify_message.event``), with their labels, and which
of them send an email unless the user said otherwise (SMS is off unless the user turns it on)."""

from __future__ import annotations

from pilotzone.codes import Coded


class Event(Coded):
    INFO_REQUESTED = "info_requested", "补正材料通知", "Information requested"
    INFO_ANSWERED = "info_answered", "补正材料已提交", "Information provided"
    INFO_DUE = "info_due", "补正期限提醒", "Information due soon"
    APPLICATION_RETURNED = "application_returned", "申请被退回", "Application returned"
    APPLICATION_APPROVED = "application_approved", "申请已通过", "Application approved"
    APPLICATION_REJECTED = "application_rejected", "申请未通过", "Application rejected"
    CERTIFICATE_ISSUED = "certificate_issued", "证书已颁发", "Certificate issued"
    CERTIFICATE_EXPIRING = "certificate_expiring", "证书即将到期", "Certificate expiring"
    CERTIFICATE_REVOKED = "certificate_revoked", "证书已撤销", "Certificate revoked"
    NOTICE_STARTED = "notice_started", "公示开始", "Public notice started"
    OBJECTION_FILED = "objection_filed", "收到异议", "Objection filed"
    OBJECTION_RESOLVED = "objection_resolved", "异议已处理", "Objection resolved"
    AWARD_PUBLISHED = "award_published", "扶持资金结果公布", "Award published"
    PAYMENT_RECORDED = "payment_recorded", "资金已拨付", "Payment recorded"
    INVITATION = "invitation", "账号邀请", "Invitation"
    PASSWORD_RESET = "password_reset", "密码重置", "Password reset"
    DEADLINE_APPROACHING = "deadline_approaching", "截止日期临近", "Deadline approaching"
    RETURN_DUE = "return_due", "统计月报即将到期", "Monthly return due soon"
    RETURN_CHASED = "return_chased", "统计月报催报", "Monthly return chased"
    RETURN_RETURNED = "return_returned", "统计月报被退回", "Monthly return returned"
    RETURN_ACCEPTED = "return_accepted", "统计月报已确认", "Monthly return accepted"


# email is on by default for these (a user may turn it off on the preferences page)
EMAIL_BY_DEFAULT = frozenset(
    {
        Event.INFO_REQUESTED,
        Event.INFO_DUE,
        Event.APPLICATION_RETURNED,
        Event.APPLICATION_APPROVED,
        Event.APPLICATION_REJECTED,
        Event.CERTIFICATE_ISSUED,
        Event.CERTIFICATE_EXPIRING,
        Event.CERTIFICATE_REVOKED,
        Event.AWARD_PUBLISHED,
        Event.PAYMENT_RECORDED,
        Event.DEADLINE_APPROACHING,
        Event.RETURN_DUE,
        Event.RETURN_CHASED,
        Event.RETURN_RETURNED,
    }
)
# account mails: always sent by email (their link is the point), never switched off, not in the grid
ACCOUNT_EVENTS = frozenset({Event.INVITATION, Event.PASSWORD_RESET})
