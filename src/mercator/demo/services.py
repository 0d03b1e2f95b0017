"""The essay's world (seed §5, §8): a Guangxi sugar mill and the food factories that buy
its sugar, a Yantai apple cold store, eucalyptus board traders from Guangxi to Shandong,
and the platform's own self-operated company. Each capability extends this module."""

from dataclasses import dataclass

from django.db import transaction

from mercator.companies.models import Company
from mercator.companies.roles import Role
from mercator.companies.services.members import company_create, membership_add
from mercator.core.actor import SYSTEM
from mercator.core.models import User

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


WORLD: tuple[DemoCompany, ...] = (
    DemoCompany(
        "Mercator 平台自营（上海）有限公司",
        "平台自营",
        Company.Kind.BOTH,
        (DemoPerson("ops@mercator.demo", "周运营", Role.MASTER, "平台运营"),),
        is_platform=True,
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
    ),
    DemoCompany(
        "佛山好味食品厂",
        "好味食品",
        Company.Kind.BUYER,
        (DemoPerson("boss@haowei.demo", "何老板", Role.MASTER, "厂长"),),
    ),
    DemoCompany(
        "烟台栖霞苹果冷链仓储有限公司",
        "烟台苹果冷库",
        Company.Kind.BOTH,
        (
            DemoPerson("boss@yantai-apple.demo", "孙立明", Role.MASTER, "总经理"),
            DemoPerson("clerk@yantai-apple.demo", "刘伙计", Role.SALES, "业务员"),
        ),
    ),
    DemoCompany(
        "广西钦州桉木板材贸易有限公司",
        "钦州桉木",
        Company.Kind.SELLER,
        (DemoPerson("boss@eucalyptus.demo", "韦老板", Role.MASTER, "总经理"),),
    ),
    DemoCompany(
        "山东临沂木业有限公司",
        "临沂木业",
        Company.Kind.BUYER,
        (
            DemoPerson("boss@linyi-timber.demo", "张老板", Role.MASTER, "总经理"),
            # The eucalyptus boss also buys here: one person, two companies.
            DemoPerson("boss@eucalyptus.demo", "韦老板", Role.VIEWER, "合伙人"),
        ),
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


def demo_build() -> None:
    """Build the demo world; running it again adds only what is missing."""
    with transaction.atomic():
        for spec in WORLD:
            master_spec = next(p for p in spec.people if p.role == Role.MASTER)
            company = Company.objects.filter(legal_name=spec.legal_name).first()
            if company is None:
                company = company_create(
                    actor=SYSTEM,
                    legal_name=spec.legal_name,
                    short_name=spec.short_name,
                    kind=spec.kind,
                    master=_person(master_spec),
                    is_platform=spec.is_platform,
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
