"""Codes of the registry shared by the domains: park kinds (``park.kind``), the kinds of subject that
apply for a certification or funding (a scheme's or program's ``subject``), and the types of the fields
a scheme or program asks for."""

from __future__ import annotations

from pilotzone.codes import Coded


class ParkKind(Coded):
    COMPREHENSIVE_BONDED_ZONE = "comprehensive_bonded_zone", "综合保税区", "Comprehensive bonded zone"
    BONDED_PORT_AREA = "bonded_port_area", "保税港区", "Bonded port area"
    BONDED_ZONE = "bonded_zone", "保税区", "Bonded zone"
    BONDED_LOGISTICS_CENTER = "bonded_logistics_center", "保税物流中心", "Bonded logistics centre"
    INDUSTRIAL_PARK = "industrial_park", "产业园区", "Industrial park"
    SPECIALIZED_MARKET = "specialized_market", "专业市场", "Specialised market"
    SUPERVISION_CENTER = "supervision_center", "海关监管中心", "Customs supervision centre"
    CLEARANCE_CENTER = "clearance_center", "清关服务中心", "Clearance service centre"


class Subject(Coded):
    PARK = "park", "园区", "Park"
    ENTERPRISE = "enterprise", "企业", "Enterprise"
    OVERSEAS_WAREHOUSE = "overseas_warehouse", "海外仓", "Overseas warehouse"
    TALENT = "talent", "人才", "Talent"


class FieldType(Coded):
    TEXT = "text", "文本", "Text"
    INTEGER = "integer", "整数", "Whole number"
    DECIMAL = "decimal", "数值", "Number"
    AMOUNT = "amount", "金额", "Amount"
    DATE = "date", "日期", "Date"
    CHOICE = "choice", "单选", "Choice"
    BOOLEAN = "boolean", "是 / 否", "Yes / no"
