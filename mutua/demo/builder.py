"""The demo builder: its parts (the network, the people, their membership, the claims) joined in one object."""

from __future__ import annotations

from mutua.demo.claim_writing import _ClaimWriting
from mutua.demo.claims import _Claims
from mutua.demo.membership import _Membership
from mutua.demo.network import _Network
from mutua.demo.people import _People
from mutua.demo.specs import _ClaimSpec


class _Builder(_Network, _People, _Membership, _Claims, _ClaimWriting):
    """Draws every value from one Random in a fixed order, then writes the rows."""

    # Each step draws from the same Random: keep their order.
    def build(self, *, members: int) -> None:
        self.categories = self._categories()
        self._providers()
        self.offices = self._offices()
        self.plans = self._plans()
        self.operator, self.supervisor = self._staff()
        households = self._named_households() + [self._household() for _ in range(members - 3)]
        self._write_households(households)
        self._complete_first_access([h for h in households if h.signed_in])
        specs: list[_ClaimSpec] = []
        for household in households:
            specs.extend(self._named_claims(household) if household.key else self._claims(household))
        self._write_claims(specs)
        self._bookings([h for h in households if h.key and h.signed_in])
        self._family_notifications([s for s in specs if s.household.key == "family_member"])
