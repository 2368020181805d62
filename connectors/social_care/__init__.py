"""Children's social care connector: a case management system's CSV export (see FORMAT.md)."""

from connectors.social_care.records import InvalidExport, SocialCareBackend

__all__ = ["InvalidExport", "SocialCareBackend"]
