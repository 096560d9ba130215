from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "responder.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        # The outbox asks this app which posts an approved campaign post makes.
        from responder.campaigns.planning import campaign_post_plan  # inner import: registry
        from responder.channels.outgoing import outgoing_planner_register  # inner import: registry
        from responder.inbox.models import OUTGOING_SOURCE  # inner import: registry

        outgoing_planner_register(OUTGOING_SOURCE, campaign_post_plan)
