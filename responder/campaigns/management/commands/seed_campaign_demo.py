"""The demo campaign (`make demo`, after seed_demo): the demo department's accounts on
the simulator's three platforms, a campaign under #RenewOnline, and a rule that sends
campaign posts to the director. Safe to load twice."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from responder.accounts.models import Department, Role, User
from responder.campaigns.models import BilingualMode, Campaign, CampaignSettings
from responder.channels.account_safety import platform_account_validate
from responder.channels.models import PlatformAccount
from workflows.models import ApprovalPolicy, RoutingRule, RuleSubject
from workflows.policy_services import policy_create, policy_layers_save
from workflows.validation import LayerSpec

TAGS = "RenewOnline,RenouvelerEnLigne"
# The demo department seed_demo loads (responder/web/management/commands/seed_demo.py).
DEMO_DEPARTMENT_SLUG = "passports"
POLICY = "Campaign posts: director"


class Command(BaseCommand):
    help = "Load the demo campaign on the simulator's Mastodon, Bluesky and X accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        department = Department.objects.filter(slug=DEMO_DEPARTMENT_SLUG).first()
        if department is None:
            raise CommandError("Run seed_demo first.")
        owner = (
            User.objects.filter(memberships__department=department, memberships__role=Role.OFFICER)
            .order_by("pk")
            .first()
        )
        if owner is None:
            raise CommandError("The demo department has no officer.")
        with transaction.atomic():
            accounts = self._accounts(department)
            today = timezone.localdate()
            campaign, _created = Campaign.objects.get_or_create(
                department=department,
                name_en="Renew your passport online",
                defaults={
                    "name_fr": "Renouvelez votre passeport en ligne",
                    "hashtags": TAGS,
                    "starts_on": today,
                    "ends_on": today + dt.timedelta(days=60),
                    "owner": owner,
                },
            )
            campaign.accounts.add(*accounts)
            CampaignSettings.objects.get_or_create(
                department=department, defaults={"bilingual_mode": BilingualMode.TWO_POSTS}
            )
            self._rule(department=department, campaign=campaign)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo campaign ready: #{TAGS.replace(',', ' #')} on {len(accounts)} accounts."
            )
        )

    def _accounts(self, department: Department) -> list[PlatformAccount]:
        platform_account_validate(base_url=settings.SIMULATOR_URL, credentials_env="")
        token = os.environ.get("SIMULATOR_TOKEN", "").strip() or "sim-token"
        specs = [
            ("mastodon", "passports", {"access_token": token}),
            (
                "bluesky",
                "passports.sim.example",
                {"identifier": "passports.sim.example", "password": token},
            ),
            ("x", "passports", {"access_token": token}),
        ]
        accounts = []
        for platform, handle, credentials in specs:
            account, _created = PlatformAccount.objects.get_or_create(  # type: ignore[misc]
                platform=platform,
                base_url=settings.SIMULATOR_URL,
                handle=handle,
                defaults={
                    "name": "Passport Program (simulator)",
                    "department": department,
                    "credentials": credentials,
                    "poll_interval_seconds": 10,
                },
            )
            tags = {t for t in account.hashtags.split(",") if t}
            wanted = tags | set(TAGS.split(","))
            if wanted != tags:
                PlatformAccount.objects.filter(pk=account.pk).update(
                    hashtags=",".join(sorted(wanted))
                )
            accounts.append(account)
        return accounts

    def _rule(self, *, department: Department, campaign: Campaign) -> None:
        """The policy through the policy editor's services (validated, versioned,
        audited like an admin's); the rule's campaign criterion is set here, as the
        admin's rule form does."""
        policy = ApprovalPolicy.objects.filter(name=POLICY).first()
        if policy is None:
            admin = (
                User.objects.filter(
                    memberships__department=department, memberships__role=Role.ADMIN
                )
                .order_by("pk")
                .first()
            )
            if admin is None:
                raise CommandError("The demo department has no admin.")
            policy = policy_create(
                actor=admin,
                name=POLICY,
                description="Posts of the demo campaign are approved by the director.",
                department_id=department.pk,
            )
            policy_layers_save(
                policy_id=policy.pk,
                actor=admin,
                layers=[LayerSpec(name="Director", reviewer_role=Role.APPROVER, sla_minutes=240)],
            )
        RoutingRule.objects.get_or_create(
            policy=policy,
            name="Campaign posts need the director",
            defaults={
                "priority": 5,
                "department": department,
                "subject": RuleSubject.OUTGOING,
                "campaign": campaign,
            },
        )
