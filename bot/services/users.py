"""The business's users: invitations, roles, deactivation and passwords.

An owner invites a user by name and email: the `User` row is stored at once
with an unusable password hash (`INVITED_PREFIX` and a random nonce, which
werkzeug never matches), and the invitation is a signed, expiring link
(itsdangerous with the SECRET_KEY, its own salt, valid `INVITATION_MAX_AGE`).
The link carries a fingerprint of the user's current password hash, so it dies
once used (the hash becomes a real one), when a newer invitation replaces it
(a new nonce) and, like every other, after seven days. The invitation email
leaves through the configured email transport, in the business's language.

The rules that protect the business: emails are unique whatever their case;
nobody deactivates or changes the role of themselves; and the last active
owner can never be deactivated or made staff, so someone can always manage
the users. Refusals are `DomainError`s whose messages are translated texts.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot.errors import Conflict, DomainError
from bot.models import Business, User, UserRole
from bot.safe_values import email_address_problem, line_problem
from outbound.messages import sender_address
from outbound.policy.rendering import SUPPORTED_LOCALES
from outbound.policy.vocabulary import Channel
from outbound.transports import Outgoing, SendError, transport_for

INVITATION_MAX_AGE = timedelta(days=7)
INVITATION_SALT = "replydesk.invitation"
# No "$" after the prefix: werkzeug reads such a hash as malformed and matches nothing.
INVITED_PREFIX = "!invited$"
MIN_PASSWORD_LENGTH = 10
MAX_NAME_LENGTH = 120


def is_invited(user: User) -> bool:
    """Whether `user` has not yet accepted an invitation (has no password of their own)."""
    return user.password_hash.startswith(INVITED_PREFIX)


def normalized_email(text: str) -> str:
    return text.strip().lower()


def team(session: Session, business: Business) -> list[User]:
    """The business's users: owners first, then by name and email."""
    return list(
        session.scalars(
            select(User)
            .where(User.business_id == business.id)
            .order_by(User.role, func.lower(func.coalesce(User.name, User.email)), User.email)
        )
    )


def user_of(session: Session, business: Business, user_id: int) -> User | None:
    """The business's user with this id; None for another business's user."""
    user = session.get(User, user_id)
    return user if user is not None and user.business_id == business.id else None


def email_taken(session: Session, email: str) -> bool:
    found = session.scalar(
        select(User.id).where(func.lower(User.email) == normalized_email(email)).limit(1)
    )
    return found is not None


def check_name(name: str) -> str | None:
    """The name to store (None when blank). Raises DomainError for an unusable name."""
    name = name.strip()
    if line_problem(name) is not None:
        raise DomainError(_("A name must be one line of text."), field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise DomainError(
            _("A name can have at most %(num)d characters.", num=MAX_NAME_LENGTH), field="name"
        )
    return name or None


def invite(session: Session, business: Business, *, email: str, name: str, role: UserRole) -> User:
    """Store an invited user (no password yet). Raises DomainError or Conflict."""
    email = normalized_email(email)
    if email_address_problem(email) is not None:
        raise DomainError(_("Enter one email address, e.g. anna@salon.de."), field="email")
    if email_taken(session, email):
        raise Conflict(_("A user with this email exists already."), field="email")
    user = User(
        business_id=business.id,
        email=email,
        name=check_name(name),
        role=UserRole(role),
        password_hash=_invited_hash(),
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def renew_invitation(user: User) -> None:
    """A new nonce for an invited user: every link sent before dies."""
    if not is_invited(user):
        raise Conflict(_("This user has accepted the invitation already."))
    user.password_hash = _invited_hash()


def _invited_hash() -> str:
    return INVITED_PREFIX + secrets.token_urlsafe(24)


def _fingerprint(user: User) -> str:
    # The hash itself stays out of the link; its digest is enough to notice a change.
    return user.password_fingerprint


def _serializer(secret_key: str, issued_at: datetime | None = None) -> URLSafeTimedSerializer:
    if issued_at is None:
        return URLSafeTimedSerializer(secret_key, salt=INVITATION_SALT)

    class IssuedAt(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(issued_at.timestamp())

    return URLSafeTimedSerializer(secret_key, salt=INVITATION_SALT, signer=IssuedAt)


def invitation_token(user: User, secret_key: str, *, issued_at: datetime | None = None) -> str:
    """The signed token of `user`'s invitation link (issued now, unless `issued_at`)."""
    return _serializer(secret_key, issued_at).dumps([user.id, _fingerprint(user)])


class InvitationRefused(Exception):
    """An invitation link that cannot be used: `status` 400 (not ours) or 410 (gone)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def invited_user(session: Session, token: str, secret_key: str) -> User:
    """The invited user a link names. Raises InvitationRefused when it cannot be used."""
    try:
        user_id, fingerprint = _serializer(secret_key).loads(
            token, max_age=int(INVITATION_MAX_AGE.total_seconds())
        )
    except SignatureExpired:
        raise InvitationRefused(
            410, _l("This invitation has expired. Ask an owner to send you a new one.")
        ) from None
    except (BadData, TypeError, ValueError):
        raise InvitationRefused(
            400, _l("This invitation link is not valid. Copy the whole link from the email.")
        ) from None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active:
        raise InvitationRefused(410, _l("This invitation was withdrawn."))
    if not is_invited(user):
        raise InvitationRefused(
            410, _l("This invitation has been used already. Log in with your password.")
        )
    if fingerprint != _fingerprint(user):
        raise InvitationRefused(
            410, _l("A newer invitation replaced this one. Use the link from the latest email.")
        )
    return user


def password_problem(password: str, confirmation: str) -> str | None:
    """Why a new password cannot be used, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)
    if password != confirmation:
        return _("The two passwords differ.")
    return None


def accept_invitation(user: User, *, password: str, locale: str | None) -> None:
    """The invited user's own password and language: the invitation is used up."""
    user.password_hash = generate_password_hash(password)
    user.locale = locale if locale in SUPPORTED_LOCALES else None


def change_password(user: User, *, current: str, new: str) -> None:
    if is_invited(user) or not check_password_hash(user.password_hash, current):
        raise DomainError(_("The current password is wrong."), field="current_password")
    user.password_hash = generate_password_hash(new)


def active_owners(session: Session, business_id: int) -> int:
    """The owners who can log in (active, invitation accepted)."""
    return session.scalar(
        select(func.count(User.id)).where(
            User.business_id == business_id,
            User.role == UserRole.OWNER,
            User.active.is_(True),
            User.password_hash.not_like(INVITED_PREFIX + "%"),
        )
    )


def _is_last_owner(session: Session, user: User) -> bool:
    # Owner changes of one business wait for each other (PostgreSQL's row lock), so
    # two owners demoting each other at once cannot leave the business without one.
    session.scalar(select(Business.id).where(Business.id == user.business_id).with_for_update())
    return (
        user.role == UserRole.OWNER
        and user.active
        and not is_invited(user)
        and active_owners(session, user.business_id) <= 1
    )


def set_role(session: Session, acting: User, user: User, role: UserRole) -> None:
    """Make `user` an owner or staff. Raises Conflict for oneself or the last owner."""
    role = UserRole(role)
    if user.role == role:
        return
    if user.id == acting.id:
        raise Conflict(_("You cannot change your own role; ask another owner."), field="role")
    if role != UserRole.OWNER and _is_last_owner(session, user):
        raise Conflict(_("The last owner cannot become staff."), field="role")
    user.role = role


def set_active(session: Session, acting: User, user: User, active: bool) -> None:
    """Deactivate or reactivate `user`. Raises Conflict for oneself or the last owner."""
    if user.active == active:
        return
    if user.id == acting.id:
        raise Conflict(_("You cannot deactivate yourself."))
    if not active and _is_last_owner(session, user):
        raise Conflict(_("The last owner cannot be deactivated."))
    user.active = active


def send_invitation(business: Business, user: User, inviter: User, link: str) -> str | None:
    """Email `link` to `user` through the email transport, in the business's language.

    Returns None once the mail server accepted it, else why it was not sent (the
    owner then passes the link on by hand)."""
    config = current_app.config
    if config["EMAIL_TRANSPORT"] == "simulator":
        return _("no mail server is set up: EMAIL_TRANSPORT=simulator")
    language = business.locale if business.locale in SUPPORTED_LOCALES else "en"
    with force_locale(language):
        subject = _("Your invitation to %(business)s on ReplyDesk", business=business.name)
        body = _(
            "Hello %(name)s,\n\n"
            "%(inviter)s invites you to work the messages of %(business)s in ReplyDesk.\n\n"
            "Choose your password here (the link works once, for seven days):\n"
            "%(link)s\n\n"
            "Your login will be %(email)s.",
            name=user.name or user.email,
            inviter=inviter.name or inviter.email,
            business=business.name,
            link=link,
            email=user.email,
        )
    outgoing = Outgoing(
        channel=Channel.EMAIL,
        to=user.email,
        from_=sender_address(business, Channel.EMAIL),
        body=body,
        subject=subject,
    )
    try:
        transport_for(Channel.EMAIL, config).send(outgoing)
    except SendError as error:
        return error.reason
    except ValueError as error:  # e.g. a malformed SMTP_URL
        return str(error)
    return None
