from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Approval workflows"

    def ready(self) -> None:
        # inner import: models load once the app registry is ready.
        from workflows.revocation import receivers_connect

        # Removing a role or a person takes them off their pending approval steps.
        receivers_connect()
