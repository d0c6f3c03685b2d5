import pytest

from m2m_auth.models import ApiKey
from m2m_auth.prepared import PreparedQuery

pytestmark = pytest.mark.django_db


def test_query_is_built_once_and_run_with_each_new_value(make_api_key):
    built = []

    def build(public_id):
        built.append(public_id)
        return ApiKey.objects.filter(public_id=public_id).values_list("name", "created_at")

    query = PreparedQuery(build)
    first, _ = make_api_key(name="first")
    second, _ = make_api_key(name="second")
    assert query.first_row(first.public_id)[0] == "first"
    row = query.first_row(second.public_id)
    assert row[0] == "second"
    assert row[1] == second.created_at  # the backend's converters still apply
    assert query.first_row("nothing-here") is None
    assert len(built) == 1
