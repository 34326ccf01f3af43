"""A lookup compiled once returns exactly what its queryset returns, for every value, on SQLite
and PostgreSQL, and compiles only once per connection."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.accounts.models import CrisisInformation
from alliance.accounts.safety import crisis_information_for
from alliance.care.models import Session
from alliance.checkins import services
from alliance.checkins.models import CheckinRequest
from alliance.prepared import PreparedLookup

from .checkins.helpers import issue
from .conftest import make_session


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_link_lookup_equals_the_querysets_answer_with_related_rows_and_annotation(clinic):
    checkin, token = issue(clinic)
    reminder = services.hash_token("r" * 43)
    CheckinRequest.objects.filter(pk=checkin.pk).update(reminder_token_hash=reminder)
    other, other_token = issue(clinic, session=make_session(clinic.episode))
    for value, expected in ((token, checkin), ("r" * 43, checkin), (other_token, other)):
        found = services.find_request(value)
        # The same queryset, evaluated the ordinary way.
        plain = services._link_by_hash(services.hash_token(value)).first()
        assert found is not None and plain is not None and found.pk == expected.pk == plain.pk
        assert _fields(found) == _fields(plain)
        for path in ("session", "session.episode", "session.episode.organization", "participant"):
            a, b = found, plain
            for name in path.split("."):
                a, b = getattr(a, name), getattr(b, name)
            assert _fields(a) == _fields(b)
        assert found.therapist_name == plain.therapist_name == "Tess"
        # Read with the link: naming the therapist and the clinic costs no further query.
        with CaptureQueriesContext(connection) as queries:
            assert found.session.episode.organization.name
            assert found.participant.client is not None
        assert len(queries) == 0
    assert services.find_request("x" * 43) is None


def test_a_value_never_leaks_into_the_next_call(clinic):
    first, first_token = issue(clinic)
    second, second_token = issue(clinic, session=make_session(clinic.episode))
    assert services.find_request(first_token).pk == first.pk
    assert services.find_request(second_token).pk == second.pk
    assert services.find_request(first_token).pk == first.pk


def test_integer_and_text_values_and_several_rows(clinic):
    org = clinic.org
    CrisisInformation.objects.filter(organization=org).delete()
    CrisisInformation.objects.create(organization=org, language="en", emergency="999")
    CrisisInformation.objects.create(organization=org, language="de", emergency="112")
    assert crisis_information_for(org.pk, "de").emergency == "112"
    assert crisis_information_for(org.pk, "fr").emergency == "999"  # the default language's
    assert crisis_information_for(clinic.other_org.pk, "de") is None


def test_compiled_once_per_connection(clinic):
    built = []

    def build(episode: int):
        built.append(episode)
        return Session.objects.filter(episode_id=episode)

    lookup = PreparedLookup(build, episode=int)
    assert lookup.rows(episode=clinic.episode.pk) == list(clinic.episode.sessions.all())
    assert lookup.rows(episode=clinic.outsider_episode.pk) == list(
        clinic.outsider_episode.sessions.all()
    )
    assert lookup.first(episode=0) is None
    assert len(built) == 1


def test_a_placeholder_that_does_not_reach_the_query_is_refused():
    lookup = PreparedLookup(lambda episode: Session.objects.all(), episode=int)
    with pytest.raises(ValueError, match="episode"):
        lookup.rows(episode=1)


def test_only_plain_model_lookups_are_accepted():
    for build in (
        lambda episode: Session.objects.filter(episode_id=episode).values("pk"),
        lambda episode: Session.objects.filter(episode_id=episode).prefetch_related("episode"),
    ):
        with pytest.raises(ValueError, match="model instances"):
            PreparedLookup(build, episode=int).rows(episode=1)


def test_a_lookup_that_can_never_match_is_refused_with_a_clear_message():
    lookup = PreparedLookup(lambda episode: Session.objects.filter(pk__in=[]), episode=int)
    with pytest.raises(ValueError, match="can match rows"):
        lookup.rows(episode=1)


@pytest.mark.django_db(transaction=True)
def test_a_row_lock_outside_a_transaction_is_refused_on_every_call():
    from django.db import transaction
    from django.db.transaction import TransactionManagementError

    if not connection.features.has_select_for_update:
        pytest.skip("SQLite takes no row locks; Django lets the query run there too")

    lookup = PreparedLookup(
        lambda episode: Session.objects.select_for_update().filter(episode_id=episode), episode=int
    )
    with transaction.atomic():
        assert lookup.rows(episode=0) == []
    with pytest.raises(TransactionManagementError):
        lookup.rows(episode=0)
