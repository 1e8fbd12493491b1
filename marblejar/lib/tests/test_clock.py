from __future__ import annotations

import pytest
from django.db import connection

from marblejar.accounts.models import User
from marblejar.lib.clock import isolated


def broken_step() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    return True


@pytest.mark.django_db
def test_a_database_error_in_one_step_leaves_the_next_one_working():
    # The test runs inside a transaction, as a task may: on PostgreSQL a
    # failed statement would abort it for every later step without a savepoint.
    assert isolated(broken_step, what="break", item="one") is None
    assert isolated(lambda: User.objects.count() >= 0, what="count", item="two") is True
