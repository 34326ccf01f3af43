"""Create an organization's first admin, the way a clinic starts using Alliance.

Run once after `alliance migrate`. Further people are added by that admin in the product.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from alliance.accounts.models import Membership, Organization, Role, User


class Command(BaseCommand):
    help = "Create an organization (if new) and an admin for it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--email", required=True, help="The admin's sign-in email.")
        parser.add_argument("--organization", required=True, help="The organization's name.")
        parser.add_argument("--name", default="", help="The admin's full name.")
        parser.add_argument(
            "--password",
            help="Initial password (prompted for when omitted; avoid shell history in production).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check, change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        password = options["password"] or getpass.getpass("Password for the new admin: ")
        first, _, last = options["name"].partition(" ")
        try:
            validate_password(password, User(email=email))
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from None
        with transaction.atomic():
            organization, _created = Organization.objects.get_or_create(
                slug=slugify(options["organization"])[:50] or "clinic",
                defaults={"name": options["organization"]},
            )
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, password, first_name=first, last_name=last)
            Membership.objects.get_or_create(user=user, organization=organization, role=Role.ADMIN)
            if options["dry_run"]:
                transaction.set_rollback(True)
                self.stdout.write("Dry run: nothing was saved.")
                return
        self.stdout.write(self.style.SUCCESS(f"{email} is an admin of {organization.name}."))
