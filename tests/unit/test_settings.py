import pytest

from pilotzone.settings import SettingsError, load_settings


def test_production_refuses_default_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOTZONE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("APP_DB_PASSWORD", raising=False)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "SECRET_KEY" in str(info.value) and "APP_DB_PASSWORD" in str(info.value)


def test_production_starts_with_everything_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOTZONE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("APP_DB_PASSWORD", "a-real-password")
    settings = load_settings()
    assert settings.production and settings.app_dsn().startswith(
        "postgresql://pilotzone_app:a-real-password@"
    )


def test_bad_values_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_POOL_MAX", "many")
    with pytest.raises(SettingsError, match="DB_POOL_MAX"):
        load_settings()
    monkeypatch.delenv("DB_POOL_MAX")
    monkeypatch.setenv("TENANT_HOSTS", "gz.example.cn")
    with pytest.raises(SettingsError, match="TENANT_HOSTS"):
        load_settings()
