"""What the fact tables' migrations share: SQL run on PostgreSQL only (on SQLite, the
embedded `make run`, there are no fact tables). Django's migration loader skips this
module (its name starts with "_")."""

from collections.abc import Callable
from typing import Any


def on_postgres(*statements: str) -> Callable[[Any, Any], None]:
    """A RunPython function that executes `statements` on PostgreSQL, in order."""

    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)

    return run
