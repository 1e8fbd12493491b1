"""`marblejar export_openapi_schema --api marblejar.api.api.api`: django-ninja's
own command, kept though ninja is no installed app (see settings.INSTALLED_APPS)."""

from ninja.management.commands.export_openapi_schema import Command

__all__ = ["Command"]
