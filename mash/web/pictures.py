"""Opening family pictures for one team, with that team's key and no other.

The console holds every team's sealed pictures (:mod:`mash.web.feed`), but a
page opens one only through :class:`TeamPictures` made for the signed-in
member's team: it looks only among the pictures sealed for that team (read from
the team's own topic), refuses a picture sealed for another team's key, and
asks the keystore for that team's private key alone
(``Keystore.team_key_for(team, key_id)``). A member of one team therefore
cannot open another team's picture, whatever case id they ask for: the server
never decrypts with another team's key on their behalf (Wiltshire 5: the
picture goes to the team that will act).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from broker.codec import AvroCodec
from broker.errors import SealError
from broker.keystore import Keystore
from broker.sealing import open_sealed
from mash.web.feed import Feed, latest_sealed


class TeamPictures:
    """The pictures one team received, opened with that team's key only."""

    def __init__(self, feed: Feed, keystore: Keystore, team: str) -> None:
        self.feed = feed
        self.keystore = keystore
        self.team = team
        self.codec = AvroCodec()

    def sealed(self, case_id: str, revision: int | None = None) -> Mapping[str, Any] | None:
        """The case's latest sealed picture on the team's topic (or that revision's)."""
        return latest_sealed(self.feed.values.sealed.get(self.team, []), case_id, revision)

    def revisions(self, case_id: str) -> list[int]:
        """The revisions of the case's picture the team received, in order."""
        return sorted(
            {
                int(sealed["revision"])
                for sealed in self.feed.values.sealed.get(self.team, [])
                if str(sealed["case_id"]) == case_id
            }
        )

    def open(self, case_id: str, revision: int | None = None) -> dict[str, Any] | None:
        """The case's picture, decrypted with the team's key; None if the team has none.

        Raises:
            SealError: the picture was sealed for another team, or does not open.
            ConfigurationError: the keystore does not hold the team's key it was sealed to.
        """
        sealed = self.sealed(case_id, revision)
        if sealed is None:
            return None
        if sealed["team_key"] != self.team:
            raise SealError(f"case {case_id} was sealed for {sealed['team_key']}, not {self.team}")
        private = self.keystore.team_key_for(self.team, str(sealed["key_id"]))
        return open_sealed(sealed, private, self.codec)
