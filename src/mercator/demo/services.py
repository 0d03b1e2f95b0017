"""The essay's world (seed §5, §8): a Guangxi sugar mill and the food factories that buy
its sugar, a Yantai apple cold store, eucalyptus board traders from Guangxi to Shandong,
and the platform's own self-operated company. Each capability extends this module."""

from dataclasses import dataclass

from django.db import transaction

from mercator.companies.actors import actor_for_membership, actor_for_person
from mercator.companies.models import Company
from mercator.companies.roles import Role
from mercator.companies.services.members import (
    company_create,
    membership_add,
    verification_review,
    verification_submit,
)
from mercator.companies.validators import check_character
from mercator.core.actor import SYSTEM
from mercator.core.models import User
from mercator.demo.files import licence_pdf

DEMO_PASSWORD = "mercator-demo"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: str
    title: str


@dataclass(frozen=True)
class DemoCompany:
    legal_name: str
    short_name: str
    kind: str
    people: tuple[DemoPerson, ...]
    is_platform: bool = False
    province: str = ""
    city: str = ""
    industry: str = ""
    size_band: str = Company.SizeBand.MEDIUM
    # "verified", "pending" (waits in the operators' queue) or "" (never submitted).
    verification: str = "verified"
    division: str = "310000"  # administrative division code inside the credit code


WORLD: tuple[DemoCompany, ...] = (
    DemoCompany(
        "Mercator 平台自营（上海）有限公司",
        "平台自营",
        Company.Kind.BOTH,
        (
            DemoPerson("ops@mercator.demo", "周运营", Role.MASTER, "平台运营"),
            # The platform's own field rep (地推, demo.fieldsales).
            DemoPerson("rep@mercator.demo", "韦地推", Role.FIELD_REP, "地推专员"),
        ),
        is_platform=True,
        province="上海",
        city="上海",
        industry="B2B 平台",
        division="310000",
    ),
    DemoCompany(
        "广西崇左甘蔗糖业有限公司",
        "崇左糖厂",
        Company.Kind.SELLER,
        (
            DemoPerson("boss@sugarmill.demo", "黄建国", Role.MASTER, "董事长"),
            DemoPerson("sales@sugarmill.demo", "李小龙", Role.SALES, "销售"),
            DemoPerson("finance@sugarmill.demo", "陈会计", Role.FINANCE, "财务"),
        ),
        province="广西",
        city="崇左",
        industry="制糖",
        size_band=Company.SizeBand.LARGE,
        division="451400",
    ),
    DemoCompany(
        "广州华南食品有限公司",
        "华南食品",
        Company.Kind.BUYER,
        (
            DemoPerson("boss@foodfactory.demo", "林志强", Role.MASTER, "总经理"),
            DemoPerson("buyer@foodfactory.demo", "王采购", Role.PURCHASING, "采购员"),
            DemoPerson("finance@foodfactory.demo", "赵出纳", Role.FINANCE, "出纳"),
        ),
        province="广东",
        city="广州",
        industry="食品加工",
        division="440100",
    ),
    DemoCompany(
        "佛山好味食品厂",
        "好味食品",
        Company.Kind.BUYER,
        (DemoPerson("boss@haowei.demo", "何老板", Role.MASTER, "厂长"),),
        province="广东",
        city="佛山",
        industry="食品加工",
        size_band=Company.SizeBand.SMALL,
        verification="pending",
        division="440600",
    ),
    DemoCompany(
        "烟台栖霞苹果冷链仓储有限公司",
        "烟台苹果冷库",
        Company.Kind.BOTH,
        (
            DemoPerson("boss@yantai-apple.demo", "孙立明", Role.MASTER, "总经理"),
            DemoPerson("clerk@yantai-apple.demo", "刘伙计", Role.SALES, "业务员"),
        ),
        province="山东",
        city="烟台",
        industry="冷链仓储",
        division="370600",
    ),
    DemoCompany(
        "广西钦州桉木板材贸易有限公司",
        "钦州桉木",
        Company.Kind.SELLER,
        (DemoPerson("boss@eucalyptus.demo", "韦老板", Role.MASTER, "总经理"),),
        province="广西",
        city="钦州",
        industry="木材",
        division="450700",
    ),
    DemoCompany(
        "山东临沂木业有限公司",
        "临沂木业",
        # Buys boards, sells its own plywood and runs the Linyi timber park (a verified
        # company: the platform opens warehouses only for verified operators).
        Company.Kind.BOTH,
        (
            DemoPerson("boss@linyi-timber.demo", "张老板", Role.MASTER, "总经理"),
            # The eucalyptus boss also buys here: one person, two companies.
            DemoPerson("boss@eucalyptus.demo", "韦老板", Role.VIEWER, "合伙人"),
        ),
        province="山东",
        city="临沂",
        industry="木材加工",
        division="371300",
    ),
    DemoCompany(
        "栖霞市红富士苹果种植专业合作社",
        "栖霞苹果合作社",
        Company.Kind.SELLER,
        # Stores its harvest at 栖霞冷库 and sells from it (demo.logistics).
        (DemoPerson("boss@qixia-coop.demo", "于春生", Role.MASTER, "理事长"),),
        province="山东",
        city="烟台",
        industry="苹果种植",
        size_band=Company.SizeBand.SMALL,
        division="370686",
    ),
    DemoCompany(
        "南宁拓客商务服务有限公司",
        "南宁拓客",
        # A field-sales partner (demo.fieldsales): its boss manages its reps.
        Company.Kind.BUYER,
        (
            DemoPerson("boss@nanning-partner.demo", "蓝拓客", Role.MASTER, "总经理"),
            DemoPerson("rep@nanning-partner.demo", "黄地推", Role.FIELD_REP, "地推专员"),
        ),
        province="广西",
        city="南宁",
        industry="商务服务",
        size_band=Company.SizeBand.SMALL,
        division="450100",
    ),
)


def _person(spec: DemoPerson) -> User:
    user = User.objects.filter(email=spec.email).first()
    if user is None:
        user = User.objects.create_user(
            spec.email,
            DEMO_PASSWORD,
            display_name=spec.name,
            is_staff=spec.email.startswith("ops@"),
            is_superuser=spec.email.startswith("ops@"),
        )
    return user


def demo_logins() -> list[tuple[str, str, str, str]]:
    """The demo world's logins as rows of (email, name, company, role)."""
    return [
        (person.email, person.name, spec.short_name, str(Role(person.role).label))
        for spec in WORLD
        for person in spec.people
    ]


def demo_credit_code(division: str, serial: int) -> str:
    """A well-formed unified social credit code for a demo company (made up, but its
    check character is right, so it passes the same validation as a real one)."""
    first17 = f"91{division}MA{serial:07d}"
    return first17 + check_character(first17)


def _verify(spec: DemoCompany, company: Company, serial: int) -> None:
    """Submit (and, for "verified", approve) the company's proof through the services."""
    if not spec.verification or company.verifications.exists():
        return
    master = company.memberships.get(role=Role.MASTER)
    code = demo_credit_code(spec.division, serial)
    verification = verification_submit(
        actor=actor_for_membership(master, via="system"),
        credit_code=code,
        bank_name="中国工商银行",
        bank_branch=f"{spec.city}分行营业部",
        bank_account=f"62220{serial:05d}{int(spec.division):06d}",
        invoice_name=spec.legal_name,
        invoice_tax_no=code,
        invoice_address=f"{spec.province}{spec.city}经济开发区 {serial} 号",
        invoice_phone=f"0771-55{serial:05d}",
        invoice_bank=f"中国工商银行{spec.city}分行营业部 62220{serial:05d}",
        # The scan the operator sees at 认证审核 (a PDF, opened by its link).
        licence=licence_pdf(
            legal_name=spec.legal_name,
            credit_code=code,
            address=f"{spec.province}{spec.city}经济开发区 {serial} 号",
        ),
    )
    if spec.verification == "verified":
        operator = User.objects.get(email="ops@mercator.demo")
        verification_review(
            actor=actor_for_person(operator, via="system"),
            verification_id=verification.public_id,
            approve=True,
            reason="营业执照、开户许可证与发票信息核对一致。",
        )


def build_companies() -> None:
    """The companies, their people and their verification; again adds only what is missing."""
    with transaction.atomic():
        for serial, spec in enumerate(WORLD, start=1):
            master_spec = next(p for p in spec.people if p.role == Role.MASTER)
            company = Company.objects.filter(short_name=spec.short_name).first()
            if company is None:
                company = company_create(
                    actor=SYSTEM,
                    legal_name=spec.legal_name,
                    short_name=spec.short_name,
                    kind=spec.kind,
                    master=_person(master_spec),
                    is_platform=spec.is_platform,
                    province=spec.province,
                    city=spec.city,
                    industry=spec.industry,
                    size_band=spec.size_band,
                )
            for person_spec in spec.people:
                person = _person(person_spec)
                if not company.memberships.filter(person=person).exists():
                    membership_add(
                        actor=SYSTEM,
                        company=company,
                        person=person,
                        role=person_spec.role,
                        title=person_spec.title,
                    )
            _verify(spec, company, serial)
