"""Who acts in the demo work and about whom: the demo accounts as principals (the same object a
request builds from a session), the enterprises the work is about, registrations waiting for the
bureau, documents filed under a key, and the spread of the work over the last months."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from pilotzone import db
from pilotzone.auth.principal import Principal, set_principal
from pilotzone.auth.services import add_membership
from pilotzone.auth.sessions import MembershipInfo, SessionInfo
from pilotzone.auth.tables import Membership, User, find_user
from pilotzone.demo_work.common import DEMO_IP, demo_email, sample_pdf
from pilotzone.documents.keyed import KeyedUpload, documents_by_key, file_under_key
from pilotzone.documents.services import store_bytes
from pilotzone.registry.forms import EnterpriseForm, ParkForm
from pilotzone.registry.registration import register_enterprise, register_park
from pilotzone.registry.services import create_enterprise
from pilotzone.registry.tables import Enterprise, Park
from pilotzone.registry.uscc import with_check
from pilotzone.workflow.tables import ReviewStep, Submission, SubmissionChange

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pilotzone.workflow.definitions import DocumentSpec

# the roles of a review stage → the demo account that plays it
STAGE_ACCOUNT = {"district_reviewer": "district", "bureau_reviewer": "reviewer", "bureau_admin": "admin"}

# plausible enterprise names: "<city><word>…有限公司" (fictitious; the demo's credit codes are made up)
WORDS = (
    ("致远", "跨境电子商务有限公司"),
    ("海岳", "国际贸易有限公司"),
    ("丝路通", "供应链管理有限公司"),
    ("云帆", "电子商务有限公司"),
    ("恒信", "家居用品有限公司"),
    ("启航", "智能科技有限公司"),
    ("万邦", "进出口有限公司"),
    ("锦程", "服饰有限公司"),
    ("鸿达", "电器有限公司"),
    ("华贸", "跨境物流有限公司"),
    ("博雅", "文化用品有限公司"),
    ("星河", "户外用品有限公司"),
)
# the contact person of each, who signs in as its enterprise user (``ent01.<city>@…``: a funding
# application about an enterprise is made by the enterprise's own user)
CONTACTS = (
    "陈志远",
    "林海燕",
    "黄晓明",
    "周婷",
    "吴建国",
    "郑丽华",
    "梁伟",
    "何静",
    "罗斌",
    "谢芳",
    "许磊",
    "马倩",
)
REGISTRANTS = (("拓海", "跨境电商有限公司", "张伟"), ("新桥", "数字贸易有限公司", "李娜"))


@dataclass
class Cast:
    """The demo accounts of one city as principals, by local part (``admin``, ``admin2``, ``reviewer``,
    ``district``, ``park``, ``enterprise``)."""

    by_local: dict[str, Principal]

    def __getitem__(self, local: str) -> Principal:
        return act(self.by_local[local])

    def applicant(self, enterprise_id: int) -> Principal:
        """The enterprise user of an enterprise."""
        for principal in self.by_local.values():
            member = principal.acting
            if member and member.role == "enterprise_user" and member.enterprise_id == enterprise_id:
                return act(principal)
        raise LookupError(f"demo: no user of enterprise {enterprise_id}")

    def stage(self, role: str) -> Principal:
        """The account that decides at a stage played by ``role``."""
        return self[STAGE_ACCOUNT[role]]


def act(principal: Principal) -> Principal:
    """From now on ``principal`` is the caller (the audit log names it): returns it."""
    set_principal(principal)
    return principal


async def cast(tenant: dict, users: dict[str, tuple[int, str, str]]) -> Cast:
    """Principals of the demo accounts ``users`` (local part → user id, e-mail, name) in ``tenant``, as
    a request of theirs would build them from their session (inside the tenant's transaction)."""
    ids = {user_id: local for local, (user_id, _, _) in users.items()}
    rows = await Membership.select(
        Membership.id,
        Membership.user,
        Membership.role,
        Membership.district_code,
        Membership.park,
        Membership.enterprise,
    ).where(Membership.user.is_in(list(ids)) & (Membership.active == True))  # noqa: E712
    found: dict[str, Principal] = {}
    for row in rows:
        local = ids[row["user"]]
        user_id, email, name = users[local]
        member = MembershipInfo(
            id=row["id"],
            tenant_id=tenant["id"],
            tenant_slug=tenant["slug"],
            tenant_name_zh=tenant["name_zh"],
            tenant_name_en=tenant["name_en"],
            role=row["role"],
            district_code=row["district_code"],
            park_id=row["park"],
            enterprise_id=row["enterprise"],
        )
        session = SessionInfo(
            id=0,
            user_id=user_id,
            email=email,
            display_name=name,
            province_role=None,
            membership_id=member.id,
            province=False,
            csrf_token="",
            memberships=(member,),
        )
        found[local] = Principal(session=session, memberships=[member], acting=member)
    return Cast(found)


def _uscc(district: str, tenant_id: int, i: int) -> str:
    return with_check(f"91{district[:6]:0<6}DW{tenant_id:03d}{i:04d}")


def applicant_local(i: int) -> str:
    """The local part of the e-mail of the ``i``-th demo enterprise's user (from 1)."""
    return f"ent{i:02d}"


async def applicant_users(slug: str, password_hash: Callable[[], str]) -> dict[str, tuple[int, str, str]]:
    """The users of the demo enterprises (public scope; made once, with the demo password):
    local part → (id, e-mail, name)."""
    found = {}
    for i, (contact, (word, _)) in enumerate(zip(CONTACTS, WORDS, strict=True), start=1):
        email, name = demo_email(applicant_local(i), slug), f"{contact}（{word}）"
        user = await find_user(User.email == email)
        if user is None:
            user = User(email=email, display_name=name, password_hash=password_hash())
            await user.save()
        found[applicant_local(i)] = (user.id, email, name)
    return found


async def demo_enterprises(
    city: str, park: Park, tenant_id: int, users: dict[str, tuple[int, str, str]]
) -> list[Enterprise]:
    """The enterprises of the first park the demo work is about, registered by the bureau (its form's
    checks), each with its user; made once (their credit codes are fixed)."""
    made = []
    for i, (word, tail) in enumerate(WORDS, start=1):
        form = EnterpriseForm(
            name=f"{city}{word}{tail}", uscc=_uscc(park.district_code, tenant_id, i), park_id=str(park.id)
        )
        enterprise = await create_enterprise(form)
        await add_membership(
            users[applicant_local(i)][0], {"role": "enterprise_user", "enterprise_id": enterprise.id}
        )
        made.append(enterprise)
    return made


async def already_seeded(park: Park, tenant_id: int) -> bool:
    """Whether the demo work of this tenant exists (it is written in one transaction: all or nothing)."""
    return await Enterprise.exists().where(Enterprise.uscc == _uscc(park.district_code, tenant_id, 1))


async def registrations(city: str, park: Park, tenant_id: int) -> int:
    """Enterprises and a park that registered themselves on the public form and wait for the bureau."""
    for i, (word, tail, contact) in enumerate(REGISTRANTS, start=len(WORDS) + 1):
        form = EnterpriseForm(
            name=f"{city}{word}{tail}",
            uscc=_uscc(park.district_code, tenant_id, i),
            park_id=str(park.id),
            business_scope="跨境电子商务；货物进出口；日用百货、家用电器网上销售。",
            contact_name=contact,
            contact_phone=f"1380000{i:04d}",
            contact_email=f"contact{i}@example.com",
        )
        await register_enterprise(form, DEMO_IP)
    new_park = ParkForm(
        name_zh=f"{city}临港跨境电商产业园",
        kind="industrial_park",
        district_code=park.district_code,
        operator=f"{city}临港产业发展有限公司",
        address=f"{city}临港大道 88 号",
        area="52000",
        contact_name="赵敏",
        contact_phone="13900001234",
        contact_email="park-contact@example.com",
    )
    await register_park(new_park, DEMO_IP)
    return len(REGISTRANTS) + 1


async def file_documents(owner_kind: str, owner_id: int, documents: Sequence[DocumentSpec]) -> int:
    """A sample PDF under each document key that takes PDFs (as the upload form files it)."""
    filed = 0
    for spec in documents:
        if "application/pdf" not in spec.types:
            if spec.required:
                raise RuntimeError(f"demo: the required document {spec.key} takes no PDF")
            continue
        document = await store_bytes(owner_kind, owner_id, f"{spec.key}.pdf", sample_pdf(spec.label_en))
        await file_under_key(KeyedUpload(spec.key, document), owner_kind, owner_id)
        filed += 1
    return filed


async def present(owner_kind: str, owner_id: int) -> set[str]:
    return {k for k, versions in (await documents_by_key(owner_kind, owner_id)).items() if versions}


async def backdate(ids: Sequence[int], days: int) -> None:
    """Move the history of the submissions ``ids`` ``days`` into the past: the work of the demo is
    spread over the last months (its audit log keeps the moment it was seeded: the chain stays whole)."""
    if not ids or days <= 0:
        return
    shift = timedelta(days=days)
    s = Submission
    await s.update(
        {
            s.created_at: s.created_at - shift,
            s.updated_at: s.updated_at - shift,
            s.submitted_at: s.submitted_at - shift,
            s.moved_at: s.moved_at - shift,
        }
    ).where(s.id.is_in(list(ids)))
    await SubmissionChange.update({SubmissionChange.at: SubmissionChange.at - shift}).where(
        SubmissionChange.submission.is_in(list(ids))
    )
    r = ReviewStep
    await r.update({r.created_at: r.created_at - shift, r.answered_at: r.answered_at - shift}).where(
        r.submission.is_in(list(ids))
    )


async def lock(tenant_id: int) -> None:
    """One seeder per tenant at a time (two processes starting at once)."""
    await db.fetch("SELECT pg_advisory_xact_lock(hashtextextended('pilotzone-demo-work', $1))", tenant_id)
