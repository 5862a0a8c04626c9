"""The jurisdictions Dutyflow can name: every US state, the District of Columbia and the US
territories (ISO 3166-2:US codes) and the four nations of the United Kingdom (ISO 3166-2:GB).
A report opened in one of them that has no policy is refused naming it ("no policy for US-AZ:
call counsel"); any other code is refused without repeating what was typed. Having a code here
says nothing about policy: `dutyflow.domain.policy` decides that."""

from __future__ import annotations

US_STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
]
US_DISTRICT_AND_TERRITORIES = ("DC", "AS", "GU", "MP", "PR", "UM", "VI")
UK_NATIONS = ("ENG", "NIR", "SCT", "WLS")

KNOWN_JURISDICTIONS = frozenset(
    [f"US-{code}" for code in US_STATES + list(US_DISTRICT_AND_TERRITORIES)]
    + [f"GB-{code}" for code in UK_NATIONS]
)


def is_known_jurisdiction(code: str) -> bool:
    """Whether ``code`` is a US state, district or territory, or a UK nation, by its ISO code."""
    return code in KNOWN_JURISDICTIONS
