"""OpenID Connect without a provider: the signed flow cookie, the ID-token checks, and the
configuration (deployment setting, tenant TOML) that names the providers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.support import ROOT


def test_flow_cookie_is_signed_and_expires() -> None:
    from pilotzone.auth import oidc

    flow = oidc.Flow("test-idp", "s" * 43, "n" * 43, "v" * 86, "/z/guangzhou/", 2_000_000_000)
    sealed = oidc.seal(flow)
    assert oidc.unseal(sealed, now=1_999_999_999) == flow
    other = oidc.seal(oidc.Flow("test-idp", "s" * 43, "n" * 43, "v" * 86, "/province/", 2_000_000_000))
    for value, reason in [
        (None, "flow_missing"),
        ("garbage", "flow_missing"),
        (sealed[:-1] + ("A" if sealed[-1] != "A" else "B"), "flow_tampered"),
        (other.split(".")[0] + "." + sealed.split(".")[1], "flow_tampered"),  # another body, old signature
    ]:
        with pytest.raises(oidc.SignInFailed) as info:
            oidc.unseal(value, now=1_999_999_999)
        assert info.value.reason == reason
    with pytest.raises(oidc.SignInFailed) as info:
        oidc.unseal(sealed, now=2_000_000_000)
    assert info.value.reason == "flow_expired"


async def test_id_token_checks() -> None:
    """verify_id_token on tokens signed here (the test provider never sends at_hash from its token
    endpoint, nor bad tokens): the key set is seeded into the cache under a URL nobody serves."""
    import base64
    import hashlib
    import time

    from joserfc import jwt
    from joserfc.jwk import KeySet, OctKey, RSAKey

    from pilotzone.auth import oidc

    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    impostor = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    uri = "https://idp.test.invalid/jwks"
    oidc._keysets[uri] = (
        time.monotonic() + 600,
        KeySet.import_key_set({"keys": [key.as_dict(private=False)]}),
    )
    provider = oidc.Provider(key="unit", label="Unit", issuer="https://idp.test.invalid", client_id="pz")
    meta = {"jwks_uri": uri}
    now = int(time.time())
    at_hash = base64.urlsafe_b64encode(hashlib.sha256(b"access-1").digest()[:16]).rstrip(b"=").decode()
    assert oidc._half_hash("access-1", "RS256") == at_hash
    good = {
        "iss": provider.issuer,
        "aud": "pz",
        "sub": "s1",
        "iat": now,
        "exp": now + 300,
        "nonce": "n1",
        "at_hash": at_hash,
    }

    def sign(claims: dict, signer=key, alg: str = "RS256") -> str:  # type: ignore[no-untyped-def]
        return jwt.encode({"alg": alg, "kid": "k1"}, claims, signer)

    try:
        assert (await oidc.verify_id_token(provider, meta, sign(good), "access-1", "n1"))["sub"] == "s1"
        without_nonce = {k: v for k, v in good.items() if k != "nonce"}
        for token, reason in [
            (sign({**good, "at_hash": oidc._half_hash("access-2", "RS256")}), "at_hash_mismatch"),
            (sign({**good, "aud": "another-client"}), "id_token_invalid"),
            (sign({**good, "aud": ["pz", "another-client"]}), "id_token_invalid"),  # no azp
            (sign({**good, "iss": "https://evil.invalid"}), "id_token_invalid"),
            (sign({**good, "exp": now - 300}), "id_token_invalid"),
            (sign({**good, "nonce": "n2"}), "nonce_mismatch"),
            (sign(without_nonce), "nonce_mismatch"),
            (sign(good, impostor), "id_token_invalid"),  # same kid, another key
            (
                sign(good, OctKey.import_key("pilotzone-test-secret-0123456789abcdef"), "HS256"),
                "id_token_invalid",
            ),
        ]:
            with pytest.raises(oidc.SignInFailed) as info:
                await oidc.verify_id_token(provider, meta, token, "access-1", "n1")
            assert info.value.reason == reason, (reason, info.value)
    finally:
        oidc._keysets.pop(uri, None)


def test_oidc_providers_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from pilotzone.settings import SettingsError, load_settings

    good = [
        {
            "key": "gd-idp",
            "label": "广东政务",
            "issuer": "https://idp.gd.example",
            "client_id": "pz",
            "role_claim": "groups",
            "rules": [
                {"claim_value": "pz-viewers", "role": "province_viewer"},
                {"claim_value": "gz-admins", "role": "bureau_admin", "tenant": "guangzhou"},
            ],
        }
    ]
    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps(good))
    settings = load_settings()
    assert settings.oidc_providers[0].rules[1].tenant == "guangzhou"
    for raw, words in [
        ("[{", "not valid JSON"),
        (json.dumps([{**good[0], "rules": [{"claim_value": "x", "role": "king"}]}]), "rules[0].role"),
        (json.dumps([{**good[0], "client_secret": "inline"}]), "client_secret"),
        (json.dumps([{**good[0], "rules": [{"claim_value": "x", "role": "bureau_admin"}]}]), "tenant"),
        (json.dumps([{**good[0], "client_secret_env": "PZ_NOT_SET_ANYWHERE"}]), "PZ_NOT_SET_ANYWHERE"),
    ]:
        monkeypatch.setenv("OIDC_PROVIDERS", raw)
        with pytest.raises(SettingsError) as info:
            load_settings()
        assert "OIDC_PROVIDERS" in str(info.value) and words in str(info.value)


BAD_OIDC = [
    # (replace in foshan.toml, with, expected key, words in reason)
    (
        'role_claim = "pz_role"',
        'role_claim = "pz_role"\nclient_secret = "s3cret"',
        "oidc[0].client_secret",
        "never",
    ),
    (
        'role_claim = "pz_role"',
        'role_claim = "pz_role"\nsecret_level = 3',
        "oidc[0]",
        "unknown field `secret_level`",
    ),
    ('role = "bureau_reviewer"', 'role = "province_admin"', "oidc[0].rules[0].role", "provincial role"),
    ('role = "bureau_reviewer"', 'role = "mayor"', "oidc[0].rules[0].role", "'mayor'"),
    ('role = "bureau_reviewer"', 'role = "enterprise_user"', "oidc[0].rules[0].role", "park or enterprise"),
    ('district_code = "440605"', 'district_code = "440106"', "oidc[0].rules[1].district_code", "not a code"),
    (
        'issuer = "https://idp.foshan.example"',
        'issuer = "http://idp.foshan.example"',
        "oidc[0].issuer",
        "https",
    ),
    ('scopes = ["openid", "email", "profile"]', 'scopes = ["email"]', "oidc[0].scopes", "openid"),
]


@pytest.mark.parametrize(("old", "new", "key", "words"), BAD_OIDC)
def test_tenant_oidc_is_validated(tmp_path: Path, old: str, new: str, key: str, words: str) -> None:
    from pilotzone.provisioning import TenantFileError, parse_file

    text = (ROOT / "tenants/foshan.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "foshan.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(TenantFileError) as info:
        parse_file(path)
    assert info.value.key == key and words in info.value.reason, str(info.value)


def test_provider_keys_are_unique_across_tenants(tmp_path: Path) -> None:
    import shutil

    from pilotzone.provisioning import TenantFileError, load_dir

    directory = tmp_path / "tenants"
    shutil.copytree(ROOT / "tenants", directory)
    example = (directory / "foshan.toml").read_text(encoding="utf-8")
    block = (
        example[example.index("[[oidc]]") :]
        .replace('district_code = "440605"\n', "")
        .replace('role = "district_reviewer"', 'role = "bureau_admin"')
    )
    with (directory / "shantou.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n" + block)
    with pytest.raises(TenantFileError) as info:
        load_dir(directory)
    assert info.value.file.endswith("shantou.toml") and "foshan.toml" in info.value.reason
