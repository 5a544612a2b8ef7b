"""Who sees what: admins and managers see everything; viewers see program views and the partners they own;
people partnerbot does not know are turned away politely, with the names of those who can let them in."""

from __future__ import annotations

from collections.abc import Sequence

from commands.context import ADMIN, Requester
from commands.errors import UserFacingError
from reports.message import esc
from reports.model import PartnerProfile, PersonProfile


class AccessDenied(UserFacingError):
    """A refusal: the person may not see this, and the message says why and who can help."""


def grantors(admins: Sequence[PersonProfile]) -> str:
    if not admins:
        return "an admin of partnerbot"
    names = [f"<@{a.slack_user_id}>" if a.slack_user_id else esc(a.name or a.email) for a in admins[:3]]
    return ", ".join(names)


def check_known(requester: Requester, admins: Sequence[PersonProfile]) -> None:
    if not requester.known:
        raise AccessDenied(
            "Sorry, partnerbot doesn't know you yet, so it can't show you partner data.",
            hint=f"Ask {grantors(admins)} to add your email to partnerbot's people list.",
        )


def check_admin(requester: Requester, command: str, admins: Sequence[PersonProfile]) -> None:
    check_known(requester, admins)
    if requester.role != ADMIN:
        raise AccessDenied(
            f"`/partner {command}` is for partnerbot admins, and your role is {requester.role or 'viewer'}.",
            hint=f"Ask {grantors(admins)} to run it, or to make you an admin.",
        )


def check_partner(requester: Requester, partner: PartnerProfile, admins: Sequence[PersonProfile]) -> None:
    check_known(requester, admins)
    if requester.sees_everything:
        return
    if requester.email and partner.owner_email and partner.owner_email.lower() == requester.email.lower():
        return
    raise AccessDenied(
        f"You can see the program views and the partners you own, and {partner.name} isn't one of yours.",
        hint=f"Ask {grantors(admins)} for manager access if you need every partner.",
    )


def check_manager(requester: Requester, what: str, admins: Sequence[PersonProfile]) -> None:
    """Admins and managers only (views across every partner that carry money, like the incentives owed)."""
    check_known(requester, admins)
    if not requester.sees_everything:
        raise AccessDenied(
            f"{what} is for partnerbot admins and managers, and your role is {requester.role or 'viewer'}.",
            hint=f"Ask {grantors(admins)} to run it, or for manager access.",
        )
