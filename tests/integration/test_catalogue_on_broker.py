"""The topic catalogue applied to real brokers: idempotent, configs as specified."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from broker.authority import load_authority
from broker.catalogue import catalogue, topic_name
from broker.settings import MashSettings
from broker.topic_admin import Outcome, TopicAdmin, apply_catalogue, differences

TEAMS = load_authority().team_keys()


async def test_every_topic_exists_with_its_configs(settings: MashSettings) -> None:
    specs = catalogue(TEAMS, settings.topic_prefix)
    reports = await apply_catalogue(settings, specs)
    assert [r.outcome for r in reports] == [Outcome.CREATED] * len(specs)

    async with TopicAdmin(settings) as admin:
        brokers = await admin.broker_count()
        states = await admin.describe([spec.name for spec in specs])
    assert sorted(states) == sorted(spec.name for spec in specs)
    for spec in specs:
        state = states[spec.name]
        assert differences(spec.fitted_to(brokers), state) == (), spec.name
        assert state.partitions == spec.partitions
    audit = states[topic_name("audit", settings.topic_prefix)]
    assert audit.configs["cleanup.policy"] == "delete"
    assert audit.configs["retention.ms"] == "-1"
    allocations = states[topic_name("allocations", settings.topic_prefix)]
    assert allocations.configs["cleanup.policy"] == "compact"


async def test_creating_twice_is_a_no_op(settings: MashSettings) -> None:
    specs = catalogue(TEAMS, settings.topic_prefix)
    await apply_catalogue(settings, specs)
    again = await apply_catalogue(settings, specs)
    assert {report.outcome for report in again} == {Outcome.UNCHANGED}
    assert all(report.differences == () for report in again)


async def test_a_topic_that_differs_is_reported_and_left_alone(settings: MashSettings) -> None:
    contacts = topic_name("contacts", settings.topic_prefix)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(contacts, 2, 1, topic_configs={"retention.ms": "1000"})]
        )
    finally:
        await admin.close()

    reports = await apply_catalogue(settings, catalogue(TEAMS, settings.topic_prefix))
    by_name = {report.spec.name: report for report in reports}
    drift = by_name[contacts]
    assert drift.outcome is Outcome.DIFFERS
    assert "partitions 2, catalogue 6" in drift.differences
    assert "retention.ms 1000, catalogue 2592000000" in drift.differences
    async with TopicAdmin(settings) as check:
        state = (await check.describe([contacts]))[contacts]
    assert state.partitions == 2, "apply must never alter an existing topic"


async def test_describing_an_unknown_topic_does_not_create_it(settings: MashSettings) -> None:
    """Brokers that auto-create on Metadata (the embedded one does) must not be triggered."""
    ghost = topic_name("ghost", settings.topic_prefix)
    async with TopicAdmin(settings) as admin:
        assert await admin.describe([ghost]) == {}
        assert ghost not in await admin.topic_names()
