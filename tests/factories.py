"""factory_boy factories. They build through the services where one exists, so test data
passes the same checks (full_clean, audit) as real data."""

import factory

from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.companies.services.members import company_create, membership_add
from mercator.core.actor import SYSTEM
from mercator.core.models import User

PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Sequence(lambda n: f"张{n}")
    password = PASSWORD

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> User:
        return model_class.objects.create_user(*args, **kwargs)


class CompanyFactory(factory.django.DjangoModelFactory):
    """A company with a master account (``company.master``)."""

    class Meta:
        model = Company

    legal_name = factory.Sequence(lambda n: f"测试贸易有限公司{n}")
    short_name = factory.Sequence(lambda n: f"测试{n}")
    kind = Company.Kind.BOTH

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> Company:
        master = kwargs.pop("master", None) or UserFactory()
        return company_create(actor=SYSTEM, master=master, **kwargs)


def add_member(company: Company, role: str = Role.SALES, person: User | None = None) -> Membership:
    return membership_add(actor=SYSTEM, company=company, person=person or UserFactory(), role=role)
