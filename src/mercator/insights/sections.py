"""Extra sections of the dashboards, in order: the place where other apps' reports plug
into the operators' dashboard (``OPS``) and the boss's page (``BOSS``) without the
dashboards knowing them (the field-sales four rates and three-gun ratio go here).

A section is a callable ``(actor, span, before) -> Section | None``: ``span`` is the
period the page shows and ``before`` the previous one (``core.reports.DateRange``). It
answers None, or raises a ``DomainError`` (its own scope check refusing the actor),
when it has nothing for this actor: the dashboard then simply leaves it out. The page
renders ``section.template`` with ``section`` in its context (read ``section.context``),
and its Excel export adds ``section.sheets`` (``core.reports.Sheet``) after its own.

    from mercator.insights import sections

    def four_rates(actor, span, before):
        return sections.Section(title=_("四个率"), template="fieldsales/_rates_section.html",
                                context={...}, sheets=[Sheet(...)])

    sections.register(sections.OPS, four_rates)

Register at import time of a module the app loads (its ``AppConfig.ready``)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mercator.core.actor import Actor
from mercator.core.errors import DomainError
from mercator.core.reports import DateRange, Sheet

OPS = "ops"
BOSS = "boss"


@dataclass(frozen=True)
class Section:
    title: Any
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    sheets: list[Sheet] = field(default_factory=list)


SectionFn = Callable[[Actor, DateRange, DateRange], Section | None]

# The registry, per dashboard, in the order the sections are shown.
REGISTRY: dict[str, list[SectionFn]] = {OPS: [], BOSS: []}


def register(dashboard: str, section: SectionFn) -> SectionFn:
    """Add ``section`` at the end of ``dashboard``'s sections (once); returns it, so it
    also serves as a decorator's body."""
    found = REGISTRY[dashboard]
    if section not in found:
        found.append(section)
    return section


def unregister(dashboard: str, section: SectionFn) -> None:
    if section in REGISTRY[dashboard]:
        REGISTRY[dashboard].remove(section)


def sections_for(dashboard: str, actor: Actor, span: DateRange, before: DateRange) -> list[Section]:
    """The sections ``dashboard`` shows this actor, in order (none registered: [])."""
    shown = []
    for section in REGISTRY[dashboard]:
        try:
            made = section(actor, span, before)
        except DomainError:
            continue  # the section's own scope refused him: not his to see
        if made is not None:
            shown.append(made)
    return shown
