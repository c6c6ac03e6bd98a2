"""What a job run does (``job_run.kind``) and where it is (``job_run.status``)."""

from __future__ import annotations

from pilotzone.codes import Coded


class JobKind(Coded):
    TENANT_SNAPSHOT = "tenant_snapshot", "统计快照", "Statistics snapshot"
    CERTIFICATE_SWEEP = "certificate_sweep", "证书到期检查", "Certificate expiry check"
    CERTIFICATE_ISSUE = "certificate_issue", "公示期满颁发证书", "Certificates after the public notice"
    FUNDING_CALCULATION = "funding_calculation", "扶持资金测算", "Funding calculation"
    FUNDING_DEADLINES = "funding_deadlines", "申报轮次启停与截止提醒", "Round dates and reminders"
    INFO_DUE = "info_due", "补正期限提醒", "Information request due reminders"
    OVERVIEW_REFRESH = "overview_refresh", "看板数据刷新", "Dashboard refresh"
    OVERVIEW_MONTHLY_REPORT = "overview_monthly_report", "月度报告", "Monthly report"
    NOTIFY_DELIVERY = "notify_delivery", "消息发送", "Message delivery"
    RETURN_REMINDERS = "return_reminders", "统计月报到期提醒", "Monthly return reminders"
    TRADE_RECONCILE = "trade_reconcile", "申报与官方数据比对", "Declared and official figures reconciled"
    TRADE_IMPORT = "trade_import", "官方数据导入", "Official data import"


class JobStatus(Coded):
    """queued → running → done | failed"""

    QUEUED = "queued", "排队中", "queued"
    RUNNING = "running", "进行中", "running"
    DONE = "done", "已完成", "done"
    FAILED = "failed", "失败", "failed"
