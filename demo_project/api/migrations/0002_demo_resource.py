"""The demo's API resource and its scopes, present right after ``migrate``."""

from django.db import migrations

IDENTIFIER = "https://api.demo.local"
SCOPES = {"orders:read": "Read orders", "orders:write": "Place orders"}


def create_demo_resource(apps, schema_editor):
    ApiResource = apps.get_model("m2m_auth", "ApiResource")
    Permission = apps.get_model("m2m_auth", "Permission")
    resource, _ = ApiResource.objects.get_or_create(identifier=IDENTIFIER, defaults={"name": "Demo API"})
    for scope, description in SCOPES.items():
        Permission.objects.get_or_create(scope=scope, defaults={"resource": resource, "description": description})


def remove_demo_resource(apps, schema_editor):
    apps.get_model("m2m_auth", "ApiResource").objects.filter(identifier=IDENTIFIER).delete()


class Migration(migrations.Migration):
    dependencies = [("demo_api", "0001_initial"), ("m2m_auth", "0001_initial")]

    operations = [migrations.RunPython(create_demo_resource, remove_demo_resource)]
