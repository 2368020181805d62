"""Children's social care connector: a case management system's CSV export (see FORMAT.md)."""

from connectors.native import InvalidExport
from connectors.social_care.records import SocialCareBackend

__all__ = ["InvalidExport", "SocialCareBackend"]
