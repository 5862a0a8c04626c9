"""``dutyflow users``: accounts, roles and bearer tokens.

    dutyflow users add --id ID --name NAME --role ROLE [--clinic ID] [--agency ID]
                                          create a user; prints their one-time set-up code
    dutyflow users setup-code --id ID     a new set-up code (a lost password); older ones stop
    dutyflow users token --id ID          issue another token for an admin or agency account
    dutyflow users revoke --token-id ID   revoke a token for good
    dutyflow users disable --id ID        disable the account (its tokens stop working)
    dutyflow users password --id ID       set an admin or agency account's web sign-in password
                                          (stdin or a prompt)
    dutyflow users list                   the accounts (no tokens, no hashes)
    dutyflow users notify --id ID [--email ADDRESS | --no-email] [--on | --off]
                                          where and whether the user is notified by e-mail
    dutyflow users test-message --id ID   send the user a test message (no case content)

Roles: practitioner and supervisor need ``--clinic``, agency needs ``--agency``. A new user gets
a one-time set-up code (`dutyflow.auth.account_setup`), never a token: they set their own
password with it (``/app/set-up``, or ``POST /account-setup``, which also gives them their own
first token). The operator never holds a token or password of a user who reads case content
(practitioner, supervisor, compliance): ``users token`` and ``users password`` refuse those. A
code or token is printed once; only its hash is stored, so it cannot be shown again. Errors name
the option and exit 2. Wire in with ``add_users_commands(commands)`` from
``dutyflow.cli.build_parser``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from dutyflow.auth.roles import ROLES
from dutyflow.cli import process

if TYPE_CHECKING:
    from dutyflow.auth.account_setup import SetupCode
    from dutyflow.auth.store import AccountRefused
    from dutyflow.store.db import SessionFactory

_OPTION_FOR_FIELD = {
    "user_id": "--id",
    "display_name": "--name",
    "role": "--role",
    "clinic_id": "--clinic",
    "agency_id": "--agency",
    "email": "--email",
}


def add_users_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    users = subparsers.add_parser(
        "users",
        help="user accounts, roles and bearer tokens",
        description="User accounts, their roles and bearer tokens (stored hashed).",
    ).add_subparsers(dest="users_command", required=True, metavar="ACTION")

    add = users.add_parser(
        "add",
        help="create a user and print their one-time set-up code (once)",
        description="Create a user. Practitioners and supervisors belong to a clinic (--clinic), "
        "agency users to an agency (--agency). Prints the user's one-time set-up code once: "
        "hand it to the user, who sets their own password with it.",
    )
    add.add_argument(
        "--id",
        dest="user_id",
        metavar="ID",
        required=True,
        help="the user's opaque id (as practitioner_id in cases)",
    )
    add.add_argument("--name", metavar="NAME", required=True, help="the name shown to others")
    # Not `choices=`: a refusal is then ours, naming the option, with exit status 2.
    add.add_argument("--role", metavar="ROLE", required=True, help=f"one of {', '.join(ROLES)}")
    add.add_argument(
        "--clinic",
        metavar="ID",
        default=None,
        help="the clinic (required for a practitioner or supervisor)",
    )
    add.add_argument(
        "--agency", metavar="ID", default=None, help="the agency (required for an agency user)"
    )
    add.set_defaults(run=cmd_users_add)

    setup = users.add_parser(
        "setup-code",
        help="a new one-time set-up code for a user (printed once); their older codes stop working",
    )
    setup.add_argument("--id", dest="user_id", metavar="ID", required=True, help="the user's id")
    setup.set_defaults(run=cmd_users_setup_code)

    token = users.add_parser(
        "token", help="issue another token for an admin or agency account (printed once)"
    )
    token.add_argument("--id", dest="user_id", metavar="ID", required=True, help="the user's id")
    token.set_defaults(run=cmd_users_token)

    revoke = users.add_parser("revoke", help="revoke a token for good")
    revoke.add_argument(
        "--token-id",
        metavar="ID",
        required=True,
        help="the token's id: the part after dfy_ (as `users token` prints it)",
    )
    revoke.set_defaults(run=cmd_users_revoke)

    disable = users.add_parser("disable", help="disable a user (their tokens stop working)")
    disable.add_argument("--id", dest="user_id", metavar="ID", required=True, help="the user's id")
    disable.set_defaults(run=cmd_users_disable)

    password = users.add_parser(
        "password",
        help="set an admin or agency account's password for the web app's sign-in",
        description="Set (or replace) the password the user signs in to the web app with; not "
        "for a practitioner, supervisor or compliance officer, who set their own with a set-up "
        "code (`users setup-code`). The "
        "password is read from standard input (its first line) or, at a terminal, asked for "
        "twice; never from the command line, where other users and the shell history see it.",
    )
    password.add_argument("--id", dest="user_id", metavar="ID", required=True, help="the user's id")
    password.set_defaults(run=cmd_users_password)

    users.add_parser("list", help="the users, without tokens").set_defaults(run=cmd_users_list)

    notify = users.add_parser(
        "notify",
        help="the user's e-mail address and whether they are notified by e-mail",
        description="Set where Dutyflow's notifications (a deadline escalated to the user) go. "
        "Without --email or --no-email the address stays as it is.",
    )
    notify.add_argument("--id", dest="user_id", metavar="ID", required=True, help="the user's id")
    address = notify.add_mutually_exclusive_group()
    address.add_argument("--email", metavar="ADDRESS", help="the user's e-mail address")
    address.add_argument("--no-email", action="store_true", help="remove the address")
    wanted = notify.add_mutually_exclusive_group()
    wanted.add_argument("--on", dest="notify", action="store_true", default=None)
    wanted.add_argument("--off", dest="notify", action="store_false")
    notify.set_defaults(run=cmd_users_notify)

    test = users.add_parser("test-message", help="send the user a test message")
    test.add_argument("--id", dest="user_id", metavar="ID", required=True, help="the user's id")
    test.set_defaults(run=cmd_users_test_message)


def _fail(message: str) -> None:

    print(f"dutyflow users: {message}", file=sys.stderr)
    process.exit_now(2)


def _with_sessions(action: Callable[[SessionFactory], int]) -> None:
    """Run ``action(sessions)`` against the settings' database (migrated first), then exit."""
    from dutyflow.store.case_database import case_database
    from dutyflow.store.db import create_schema, session_factory

    settings = process.load_settings()
    engine = case_database(settings)
    try:
        create_schema(engine)
        status = action(session_factory(engine))
    finally:
        engine.dispose()
    process.exit_now(status)


def _print_token(token: str, token_id: str) -> None:
    print(f"Token (id {token_id}): {token}")
    print("Keep it now: it is stored only as a hash and cannot be shown again.")


def _print_setup_code(setup: SetupCode) -> None:
    from dutyflow.auth.account_setup import SET_UP_PAGE

    expires = setup.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    print(f"One-time set-up code (id {setup.setup_id}, until {expires}): {setup.code}")
    print(
        f"Hand it to {setup.user_id}: they set their own password with it at {SET_UP_PAGE} "
        "(or POST /account-setup). It works once and cannot be shown again."
    )


def _refusal(refused: AccountRefused) -> str:
    return "; ".join(
        f"{_OPTION_FOR_FIELD.get(p.field, p.field)}: {p.problem}" for p in refused.problems
    )


def cmd_users_add(args: argparse.Namespace) -> None:
    from dutyflow.auth.account_setup import create_account
    from dutyflow.auth.roles import account_problems
    from dutyflow.auth.store import AccountRefused

    problems = account_problems(
        user_id=args.user_id,
        display_name=args.name,
        role=args.role,
        clinic_id=args.clinic,
        agency_id=args.agency,
    )
    if problems:  # before touching the database
        _fail(
            "; ".join(f"{_OPTION_FOR_FIELD.get(p.field, p.field)}: {p.problem}" for p in problems)
        )
        return

    def run(sessions: SessionFactory) -> int:
        try:
            user, setup = create_account(
                sessions,
                user_id=args.user_id,
                display_name=args.name,
                role=args.role,
                clinic_id=args.clinic,
                agency_id=args.agency,
                actor=process.cli_actor(),
            )
        except AccountRefused as refused:
            print(f"dutyflow users: {_refusal(refused)}", file=sys.stderr)
            return 2
        belongs = (f", clinic {user.clinic_id}" if user.clinic_id else "") + (
            f", agency {user.agency_id}" if user.agency_id else ""
        )
        print(f"Added {user.role} {user.user_id} ({user.display_name}{belongs}).")
        _print_setup_code(setup)
        return 0

    _with_sessions(run)


def cmd_users_setup_code(args: argparse.Namespace) -> None:
    from dutyflow.auth.account_setup import issue_setup_code
    from dutyflow.auth.store import AccountRefused

    def run(sessions: SessionFactory) -> int:
        try:
            setup = issue_setup_code(sessions, args.user_id, actor=process.cli_actor())
        except AccountRefused as refused:
            print(f"dutyflow users: {_refusal(refused)}", file=sys.stderr)
            return 2
        print(f"Issued a new set-up code for {setup.user_id}; their older codes stop working.")
        _print_setup_code(setup)
        return 0

    _with_sessions(run)


# A token or password of one of these would read case content in the user's name: theirs alone.
_OWN_CREDENTIALS_ONLY = frozenset({"practitioner", "supervisor", "compliance"})


def _someone_elses_content(sessions: SessionFactory, user_id: str) -> bool:
    """Whether ``user_id`` reads case content, so that only they may hold a credential of
    theirs; if so, says so (naming ``--id``) on stderr."""
    from dutyflow.store.tables import UserAccount

    with sessions() as session:
        user = session.get(UserAccount, user_id)
    if user is None or user.role not in _OWN_CREDENTIALS_ONLY:
        return False
    print(
        f"dutyflow users: --id: a {user.role} reads case content, so only they may hold a "
        "token or password of theirs: give them a set-up code (`dutyflow users setup-code "
        "--id ID`), with which they set their own",
        file=sys.stderr,
    )
    return True


def cmd_users_token(args: argparse.Namespace) -> None:
    from dutyflow.auth.store import AccountRefused, issue_token

    def run(sessions: SessionFactory) -> int:
        if _someone_elses_content(sessions, args.user_id):
            return 2
        try:
            row, token = issue_token(sessions, args.user_id, actor=process.cli_actor())
        except AccountRefused as refused:
            print(f"dutyflow users: {_refusal(refused)}", file=sys.stderr)
            return 2
        print(f"Issued a new token for {row.user_id}; their other tokens stay valid.")
        _print_token(token, row.token_id)
        return 0

    _with_sessions(run)


def cmd_users_revoke(args: argparse.Namespace) -> None:
    from dutyflow.auth.store import UnknownToken, revoke_token

    def run(sessions: SessionFactory) -> int:
        try:
            now = revoke_token(sessions, args.token_id, actor=process.cli_actor())
        except UnknownToken:
            print(f"dutyflow users: --token-id: no token {args.token_id}", file=sys.stderr)
            return 2
        print(f"Token {args.token_id} {'revoked' if now else 'was already revoked'}.")
        return 0

    _with_sessions(run)


def cmd_users_disable(args: argparse.Namespace) -> None:
    from dutyflow.auth.store import AccountRefused, disable_user

    def run(sessions: SessionFactory) -> int:
        try:
            now = disable_user(sessions, args.user_id, actor=process.cli_actor())
        except AccountRefused as refused:
            print(f"dutyflow users: {_refusal(refused)}", file=sys.stderr)
            return 2
        print(f"User {args.user_id} {'disabled' if now else 'was already disabled'}.")
        return 0

    _with_sessions(run)


def _read_password() -> str | None:
    """The new password: asked twice at a terminal, else the first line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != first:
            _fail("password: the two entries differ; nothing was changed")
            return None
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users_password(args: argparse.Namespace) -> None:
    from dutyflow.auth.store import AccountRefused, password_problems, set_password

    password = _read_password()
    if password is None:
        return
    problems = password_problems(password, args.user_id)
    if problems:  # before touching the database
        _fail("; ".join(f"{p.field}: {p.problem}" for p in problems))
        return

    def run(sessions: SessionFactory) -> int:
        if _someone_elses_content(sessions, args.user_id):
            return 2
        try:
            set_password(sessions, args.user_id, password, actor=process.cli_actor())
        except AccountRefused as refused:
            print(f"dutyflow users: {_refusal(refused)}", file=sys.stderr)
            return 2
        print(f"Password set for {args.user_id}: they may sign in to the web app at /app/.")
        return 0

    _with_sessions(run)


def cmd_users_list(_args: argparse.Namespace) -> None:
    from dutyflow.auth.store import list_users

    def run(sessions: SessionFactory) -> int:
        users = list_users(sessions)
        if not users:
            print("No users yet: add one with `dutyflow users add`.")
            return 0
        header = ("ID", "NAME", "ROLE", "CLINIC", "AGENCY", "TOKENS", "LAST USED", "STATUS")
        rows = [
            (
                u.user_id,
                u.display_name,
                u.role,
                u.clinic_id or "-",
                u.agency_id or "-",
                str(u.active_tokens),
                u.last_used_at.strftime("%Y-%m-%d %H:%M UTC") if u.last_used_at else "never",
                "disabled" if u.disabled else "active",
            )
            for u in users
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            print(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
        return 0

    _with_sessions(run)


def cmd_users_notify(args: argparse.Namespace) -> None:
    from dutyflow.auth.notification_preferences import (
        preferences_of,
        set_notification_preferences,
    )
    from dutyflow.auth.store import AccountRefused

    def run(sessions: SessionFactory) -> int:
        try:
            current = preferences_of(sessions, args.user_id)
            email = None if args.no_email else (args.email or current.email)
            wanted = current.notify_by_email if args.notify is None else args.notify
            now = set_notification_preferences(
                sessions,
                args.user_id,
                email=email,
                notify_by_email=wanted,
                actor=process.cli_actor(),
            )
        except AccountRefused as refused:
            print(f"dutyflow users: {_refusal(refused)}", file=sys.stderr)
            return 2
        where = now.email or "no address"
        print(f"User {args.user_id}: {where}; e-mail {'on' if now.notify_by_email else 'off'}.")
        return 0

    _with_sessions(run)


def cmd_users_test_message(args: argparse.Namespace) -> None:
    import asyncio

    from dutyflow.auth.notification_preferences import preferences_of
    from dutyflow.auth.store import AccountRefused
    from dutyflow.mail.configured import configured_mail_server
    from dutyflow.mail.transport import MailNotSent
    from dutyflow.notifications.escalation import MailSettings
    from dutyflow.notifications.test_message import send_test_message

    settings = process.load_settings()
    mail = MailSettings(
        configured_mail_server(settings), settings.mail_from, settings.resolved_api_url
    )

    def run(sessions: SessionFactory) -> int:
        try:
            address = preferences_of(sessions, args.user_id).email
        except AccountRefused as refused:
            print(f"dutyflow users: {_refusal(refused)}", file=sys.stderr)
            return 2
        if address is None:
            print("dutyflow users: --id: the user has no e-mail address", file=sys.stderr)
            return 2
        try:
            asyncio.run(send_test_message(mail, address))
        except MailNotSent as err:
            print(f"dutyflow users: the test message was not sent: {err}", file=sys.stderr)
            return 1
        print(f"Test message sent to user {args.user_id}.")
        return 0

    _with_sessions(run)
