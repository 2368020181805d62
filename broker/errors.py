"""One error root for the project.

Every failure the project raises on purpose is a :class:`MashError`. The flags say
what the pipeline or the command line does with it: ``retriable`` failures may
succeed if tried again (a broker still starting); ``user_error`` failures are the
caller's to fix (a bad address, a missing tool) and are shown as one line with no
traceback.
"""

from __future__ import annotations


class MashError(Exception):
    """Root of every error MASH Exchange raises on purpose."""

    retriable: bool = False
    user_error: bool = True


class ConfigurationError(MashError):
    """A setting, an authority file or a command-line option is wrong."""


class BrokerUnreachable(MashError):
    """No Kafka broker answered at the configured bootstrap address."""

    retriable = True


class BrokerStartError(MashError):
    """A broker process could not be started or did not become ready."""


class MissingTool(MashError):
    """An external program the command needs (java, mvn) is not installed."""


class TopicAdminError(MashError):
    """The broker refused a topic operation."""

    def __init__(self, message: str, *, retriable: bool = False) -> None:
        super().__init__(message)
        self.retriable = retriable


class SchemaNotFound(MashError):
    """No schema of that name ships with the package."""


class RejectedMessage(MashError):
    """A message that cannot be read or trusted: it goes to the dead-letter topic.

    ``reason`` is a symbol of the ``uk.mash.v1.DeadLetterReason`` enum.
    """

    dead_letter = True
    user_error = False

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class DecodeError(RejectedMessage):
    """The bytes are not a readable Avro message of a known schema."""


class EnvelopeError(RejectedMessage):
    """The signed envelope is missing, broken, replayed or from an untrusted key."""


class EncodeError(MashError):
    """A value does not fit its schema: a bug in the writer, never dead-lettered."""

    user_error = False


class SealError(MashError):
    """A sealed family picture cannot be sealed or opened.

    Opening fails closed: a wrong key, a changed header field, tampered bytes or an
    unknown algorithm all raise this, and nothing of the picture is returned.
    """
