"""The team page, invitations and each user's own account page.

Owners see the business's users at `/team`, invite a new one (the link is
emailed and shown once on the page, for set-ups without a mail server),
change a user's role, deactivate and reactivate users and send an invitation
again; every one of those views is `owner_required`. `/invite/<token>` lets
the invitee choose a password and a language, logs them in and opens the app;
a link that is not ours, expired, replaced or used gets a page that says so
(400 or 410). `/account` lets every user change their name, language and
password. The rules live in `bot.services.users`; every form carries the CSRF
token (Flask-WTF).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from bot.errors import Conflict, DomainError
from bot.extensions import db
from bot.models import User, UserRole
from bot.services import users as service
from bot.web.language import LANGUAGE_NAMES, LANGUAGES
from bot.web.roles import owner_required

bp = Blueprint("users", __name__)

# The invitation link shown once on the team page after inviting, then forgotten.
SHOWN_LINK = "replydesk_invitation_link"
MAX_PASSWORD_LENGTH = 200  # werkzeug hashes anything; a bound keeps the work bounded


def role_choices() -> list[tuple[str, str]]:
    return [(UserRole.STAFF.value, _("Staff")), (UserRole.OWNER.value, _("Owner"))]


def language_choices(business) -> list[tuple[str, str]]:
    business_language = LANGUAGE_NAMES.get(business.locale, business.locale)
    own = _("The business's language (%(language)s)", language=business_language)
    return [("", own), *((code, LANGUAGE_NAMES[code]) for code in LANGUAGES)]


def _new_password_fields():
    return (
        PasswordField(
            _l("New password"),
            validators=[
                InputRequired(message=_l("Choose a password.")),
                Length(
                    max=MAX_PASSWORD_LENGTH,
                    message=_l("Use at most %(max)d characters.", max=MAX_PASSWORD_LENGTH),
                ),
            ],
        ),
        PasswordField(_l("The new password again")),
    )


class InviteForm(FlaskForm):
    name = StringField(_l("Name"))
    email = StringField(_l("Email"), validators=[InputRequired(message=_l("Enter an email."))])
    role = SelectField(_l("Role"), default=UserRole.STAFF.value)


class AcceptForm(FlaskForm):
    password, confirmation = _new_password_fields()
    locale = SelectField(_l("Language"), default="")


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"))
    locale = SelectField(_l("Language"), default="")


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(message=_l("Enter your password."))]
    )
    password, confirmation = _new_password_fields()


# --- the team page (owners) -----------------------------------------------------


@bp.get("/team")
@owner_required
def team():
    return _team_page(_invite_form())


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.role.choices = role_choices()
    return form


def _team_page(form: InviteForm, status: int = 200):
    business = current_user.business
    return (
        render_template(
            "team.html",
            business=business,
            users=service.team(db.session, business),
            form=form,
            role_choices=role_choices(),
            shown_link=session.pop(SHOWN_LINK, None),
            is_invited=service.is_invited,
        ),
        status,
    )


@bp.post("/team/invite")
@owner_required
def invite():
    form = _invite_form()
    if not form.validate_on_submit():
        return _team_page(form, 422)
    try:
        user = service.invite(
            db.session,
            current_user.business,
            email=form.email.data,
            name=form.name.data or "",
            role=UserRole(form.role.data),
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        getattr(form, error.field or "email").errors.append(error.message)
        return _team_page(form, error.status)
    except IntegrityError:  # the same email invited at the same moment
        db.session.rollback()
        form.email.errors.append(_("A user with this email exists already."))
        return _team_page(form, 409)
    _send_invitation(user)
    return redirect(url_for("users.team"))


def _send_invitation(user: User) -> None:
    """Email the invitation link and keep it to show the owner once."""
    token = service.invitation_token(user, current_app.config["SECRET_KEY"])
    link = current_app.config["PUBLIC_BASE_URL"] + url_for("users.accept", token=token)
    problem = service.send_invitation(current_user.business, user, current_user, link)
    if problem is None:
        flash(_("The invitation is on its way to %(email)s.", email=user.email), "info")
    else:
        flash(
            _(
                "The invitation email to %(email)s was not sent (%(reason)s). "
                "Pass the link below on yourself.",
                email=user.email,
                reason=problem,
            ),
            "warning",
        )
    session[SHOWN_LINK] = {"email": user.email, "link": link}


def _member(user_id: int) -> User:
    """The business's user with this id; 404 for anyone else's."""
    user = service.user_of(db.session, current_user.business, user_id)
    if user is None:
        abort(404)
    return user


def _refused(error: DomainError):
    db.session.rollback()
    flash(error.message, "error")
    return _team_page(_invite_form(), error.status)


@bp.post("/team/<id:user_id>/role")
@owner_required
def change_role(user_id: int):
    user = _member(user_id)
    role = request.form.get("role", "")
    if role not in {choice for choice, _label in role_choices()}:
        return _refused(DomainError(_("Choose owner or staff."), field="role"))
    try:
        service.set_role(db.session, current_user, user, UserRole(role))
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    if user.role == UserRole.OWNER:
        flash(_("%(user)s is now an owner.", user=_label(user)), "info")
    else:
        flash(_("%(user)s is now staff.", user=_label(user)), "info")
    return redirect(url_for("users.team"))


@bp.post("/team/<id:user_id>/deactivate")
@owner_required
def deactivate(user_id: int):
    return _set_active(_member(user_id), False)


@bp.post("/team/<id:user_id>/reactivate")
@owner_required
def reactivate(user_id: int):
    return _set_active(_member(user_id), True)


def _set_active(user: User, active: bool):
    try:
        service.set_active(db.session, current_user, user, active)
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    if active:
        flash(_("%(user)s can log in again.", user=_label(user)), "info")
    else:
        flash(_("%(user)s is deactivated and cannot log in.", user=_label(user)), "info")
    return redirect(url_for("users.team"))


@bp.post("/team/<id:user_id>/resend")
@owner_required
def resend(user_id: int):
    user = _member(user_id)
    if not user.active:
        return _refused(Conflict(_("Reactivate this user first.")))
    try:
        service.renew_invitation(user)
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    _send_invitation(user)
    return redirect(url_for("users.team"))


def _label(user: User) -> str:
    return user.name or user.email


# --- accepting an invitation ----------------------------------------------------


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token: str):
    try:
        user = service.invited_user(db.session, token, current_app.config["SECRET_KEY"])
    except service.InvitationRefused as refused:
        return _no_referrer(
            render_template("invitation_refused.html", reason=refused.reason), refused.status
        )
    form = AcceptForm()
    form.locale.choices = language_choices(user.business)
    status = 200
    if form.is_submitted():
        if form.validate():
            problem = service.password_problem(form.password.data, form.confirmation.data or "")
            if problem is None:
                service.accept_invitation(
                    user, password=form.password.data, locale=form.locale.data
                )
                db.session.commit()
                login_user(user)
                welcome = _("Welcome to %(business)s.", business=user.business.name)
                flash(welcome, "info")
                return redirect(url_for("auth.index"))
            form.password.errors.append(problem)
        status = 422
    page = render_template(
        "invitation.html",
        form=form,
        invited=user,
        business=user.business,
        min_length=service.MIN_PASSWORD_LENGTH,
    )
    return _no_referrer(page, status)


def _no_referrer(page: str, status: int):
    # The link is a password's worth: no page it leads to may learn it from a Referer.
    return page, status, {"Referrer-Policy": "no-referrer"}


# --- one's own account ----------------------------------------------------------


@bp.get("/account")
@login_required
def account():
    profile = _profile_form(name=current_user.name or "", locale=current_user.locale or "")
    return _account_page(profile, PasswordForm())


def _profile_form(**data) -> ProfileForm:
    form = ProfileForm(data=data) if data else ProfileForm()
    form.locale.choices = language_choices(current_user.business)
    return form


def _account_page(profile: ProfileForm, password: PasswordForm, status: int = 200):
    page = render_template(
        "account.html",
        profile=profile,
        password_form=password,
        min_length=service.MIN_PASSWORD_LENGTH,
    )
    return page, status


@bp.post("/account")
@login_required
def update_account():
    profile = _profile_form()
    if profile.validate_on_submit():
        try:
            current_user.name = service.check_name(profile.name.data or "")
        except DomainError as error:
            profile.name.errors.append(error.message)
        else:
            current_user.locale = profile.locale.data or None
            db.session.commit()
            refresh()  # the saved message already in the language just chosen
            flash(_("Your account is saved."), "info")
            return redirect(url_for("users.account"))
    db.session.rollback()
    return _account_page(profile, PasswordForm(formdata=None), 422)


@bp.post("/account/password")
@login_required
def change_password():
    form = PasswordForm()
    problem = None
    if form.validate_on_submit():
        problem = service.password_problem(form.password.data, form.confirmation.data or "")
        if problem:
            form.password.errors.append(problem)
        else:
            try:
                service.change_password(
                    current_user, current=form.current_password.data, new=form.password.data
                )
            except DomainError as error:
                form.current_password.errors.append(error.message)
            else:
                db.session.commit()
                # Every other session of this user has ended with the old password
                # (`User.get_id`); this one carries on under the new one.
                cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
                remembered = cookie in request.cookies
                login_user(current_user._get_current_object(), remember=remembered)
                flash(_("Your password is changed."), "info")
                return redirect(url_for("users.account"))
    profile = _profile_form(name=current_user.name or "", locale=current_user.locale or "")
    return _account_page(profile, form, 422)
