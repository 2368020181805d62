"""A connector: answers its agency's information requests from the agency's records.

It reads ``mash.requests.<agency>.v1`` in the consumer group
``mash.connector.<agency>``, verifies each request (signed by the triage agent,
addressed to this agency), answers it from the agency's records and publishes
the signed response to ``mash.responses.v1``. Offsets are committed only after
every response of a batch is acknowledged, so a crash means a request is
answered again, never lost; the response id is the same each time. Requests it
cannot read or trust go to the dead-letter topic. Once a response is acknowledged
the connector submits its own audit records of it, signed as the agency
(``connectors.audit``); a request whose audit cannot be submitted stops the
connector before its offset is committed, so it is answered and audited again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from broker.case_keys import CaseErased
from broker.catalogue import Agency, request_topic, topic_name
from broker.codec import AvroCodec
from broker.envelope import ReplayGuard, Signer, Verifier
from broker.errors import MashError, RejectedMessage
from broker.kafka_client import connection_options
from broker.keystore import Keystore
from broker.settings import MashSettings
from broker.transport import Publisher, Received, Receiver, publish_signed
from connectors.answer import RecordIndex, answer
from connectors.audit import ConnectorAudit

REQUEST = "uk.mash.v1.InformationRequest"
RESPONSE = "uk.mash.v1.InformationResponse"
ALLOCATION = "uk.mash.v1.Allocation"
TRIAGE = "agent.triage"

log = logging.getLogger(__name__)


class Connector:
    """One agency's connector, ready to run."""

    def __init__(
        self,
        agency: Agency,
        records: RecordIndex,
        settings: MashSettings,
        keystore: Keystore,
        *,
        requesters: Collection[str] = (TRIAGE,),
        responder: Mapping[str, Any] | None = None,
    ) -> None:
        self.agency = agency
        self.records = records
        self.settings = settings
        self.keystore = keystore
        self.requesters = frozenset(requesters)
        self.responder = responder
        self.requests = request_topic(agency, settings.topic_prefix)
        self.responses = topic_name("responses", settings.topic_prefix)
        self.dead_letters = topic_name("deadletter", settings.topic_prefix)
        self.audit = ConnectorAudit(agency, keystore.folder, settings.topic_prefix)
        self.answered = 0

    async def run(self, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        """Answer requests until ``stop`` is set, then shut down cleanly."""
        options = connection_options(self.settings)
        codec = AvroCodec()
        producer = AIOKafkaProducer(
            client_id=f"{self.settings.client_id}-{self.agency.value}", acks="all", **options
        )
        consumer = AIOKafkaConsumer(
            self.requests,
            group_id=f"{self.settings.topic_prefix}mash.connector.{self.agency.value}",
            client_id=f"{self.settings.client_id}-{self.agency.value}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **options,
        )
        await producer.start()
        try:
            await consumer.start()
            try:
                case_keys = self.keystore.case_keys()
                publisher = Publisher(
                    producer, codec, Signer(self.keystore.signing_key(self.agency.value)), case_keys
                )
                receiver = Receiver(
                    consumer,
                    codec=codec,
                    verifier=Verifier(self.keystore.current_keyring(), ReplayGuard()),
                    case_keys=case_keys,
                    dead_letters=publisher,
                    dead_letter_topic=self.dead_letters,
                    expected={self.requests: REQUEST},
                    name=f"connector.{self.agency.value}",
                    keyring=self.keystore.current_keyring,
                )
                log.info(
                    "%s connector: %d people on record, answering %s",
                    self.agency.value,
                    len(self.records.records),
                    self.requests,
                )
                if ready is not None:
                    ready.set()
                while not stop.is_set():
                    batch = await receiver.receive(timeout_ms=500)
                    await self._answer_all(batch, publisher, receiver)
                    await consumer.commit()
            finally:
                await consumer.stop()
        finally:
            await producer.stop()
        log.info("%s connector stopped after %d answers", self.agency.value, self.answered)

    async def _answer_all(
        self, batch: list[Received], publisher: Publisher, receiver: Receiver
    ) -> None:
        """Answer a batch of requests at once, and return only when every one is done.

        Each answer waits for its response's and audit submission's
        acknowledgements; answered one after another, a connector spent most of
        its time waiting (two round trips a request), so requests queued behind
        it. Answered together, the waits overlap. If one fails, the others still
        finish, and the first failure is raised: the batch's offsets are not
        committed, so every request of it is answered again (same response ids).
        """
        outcomes = await asyncio.gather(
            *(self._answer(request, publisher, receiver) for request in batch),
            return_exceptions=True,
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _answer(self, received: Received, publisher: Publisher, receiver: Receiver) -> None:
        request = received.value
        try:
            self._check(received)
        except RejectedMessage as refused:
            await receiver.dead_letter(received.record, refused)
            return
        started = time.perf_counter()
        response, outcome = answer(
            request, self.agency.value, self.records, responder=self.responder
        )
        try:
            await publisher.publish(
                self.responses, RESPONSE, response, key=str(request["case_id"]).encode()
            )
        except CaseErased as erased:  # erased since the request was read: nothing to answer
            await receiver.dead_letter(received.record, erased)
            return
        self.answered += 1
        try:
            audited = await self.audit.submit(publisher, request, response, outcome)
        except Exception as exc:
            raise MashError(
                f"{self.agency.value} sent the response to request {request['request_id']} "
                f"but could not submit its audit records: {exc}"
            ) from exc
        log.info(
            "%s answered request %s (case %s): %d subject(s), %d matched, %d possible, "
            "%d no trace; %d finding(s) shared, %d withheld by the request's scope; "
            "%d audit record(s); %.0f ms%s",
            self.agency.value,
            request["request_id"],
            request["case_id"],
            len(request["subjects"]),
            outcome.matched,
            outcome.possible,
            outcome.no_trace,
            outcome.shared,
            outcome.withheld,
            audited,
            (time.perf_counter() - started) * 1000,
            " (redelivered)" if received.envelope.redelivered else "",
        )

    def _check(self, received: Received) -> None:
        sender = received.envelope.sender
        if sender not in self.requesters:
            raise RejectedMessage("UNKNOWN_SENDER", f"{sender} may not send information requests")
        asked = received.value["agency"]
        if asked != self.agency.name:
            raise RejectedMessage(
                "POLICY_REJECTED", f"a request for {asked} on the {self.agency.value} topic"
            )


async def publish_allocations(
    allocations: list[dict[str, Any]], settings: MashSettings, keystore: Keystore
) -> int:
    """Publish children's social care allocations to the compacted allocations topic."""
    sent = await publish_signed(
        settings,
        keystore.signing_key("social_care"),
        keystore.case_keys(),
        topic_name("allocations", settings.topic_prefix),
        ALLOCATION,
        ((str(allocation["child_id"]).encode(), allocation) for allocation in allocations),
    )
    return len(sent)
