"""Who really made a notebook's calls: spoofed session names and where bypasses came from.

A role that may assume itself lets anyone holding its credentials pick any session name,
another notebook's included. CloudTrail still tells them apart:
- every notebook's calls start with an AssumeRole made with that notebook's own base
  credentials (session `SageMaker`, one access key per instance), so a base key that asks for
  two notebooks' names belongs to one of them and spoofs the other;
- an attributed session that assumes the role again as another notebook is spoofing it;
- for notebooks in a VPC, calls come from the notebook's network interface: a private source
  address that is not the named notebook's interface is someone else's.
The same links say which notebook a bypass (a call under the bare base session) came from.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .calls import BASE_SESSION, Call, Timed, assumed_session, call_of, issuer, session_name


@dataclass(frozen=True)
class Spoof:
    """A session named after `claimed` that was not `claimed`'s own."""

    claimed: str
    used_by: str | None  # the notebook (or session) that used it, when known
    evidence: str  # chained, base-credentials or address, with the details
    calls: tuple[Call, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "claimed": self.claimed,
            "used_by": self.used_by,
            "evidence": self.evidence,
            "calls": [call.as_json() for call in self.calls],
        }


@dataclass
class Findings:
    spoofs: list[Spoof] = field(default_factory=list)
    key_owner: dict[str, str] = field(default_factory=dict)  # base access key -> notebook
    address_owner: dict[str, str] = field(default_factory=dict)  # ENI address -> notebook

    def origin(self, call: Call) -> str | None:
        """The notebook an unattributed call most likely came from, if the trail says."""
        return self.address_owner.get(call.source_ip) or self.key_owner.get(call.access_key_id)


def _self_assume(record: dict[str, Any], role_arn: str) -> str | None:
    """The session name asked for, when `record` is an AssumeRole of this role by itself."""
    return assumed_session(record, role_arn) if issuer(record) == role_arn else None


def analyse(
    role_arn: str,
    names: list[str],
    base: list[Timed],
    sessions: dict[str, list[Timed]],
    addresses: dict[str, str],
) -> Findings:
    """Spoofs among `names` from the base session's records, each notebook session's records
    and the notebooks' interface addresses (VPC notebooks only)."""
    findings = Findings(address_owner={address: name for name, address in addresses.items()})
    wanted = set(names)

    # Base credentials -> the notebook names they asked for, with the AssumeRole events.
    asked: dict[str, dict[str, list[Call]]] = defaultdict(lambda: defaultdict(list))
    for time, record in base:
        name = _self_assume(record, role_arn)
        if name in wanted and session_name(record) == BASE_SESSION:
            key = str(record["userIdentity"].get("accessKeyId", ""))
            asked[key][name].append(call_of(time, record))
    exclusively_owned = {next(iter(claims)) for claims in asked.values() if len(claims) == 1}
    for key, claims in asked.items():
        if len(claims) == 1:
            findings.key_owner[key] = next(iter(claims))
            continue
        # One instance's credentials named several notebooks. Names some other key asks for
        # alone are those notebooks' own: this key spoofed them. What is left is its owner.
        left = [name for name in claims if name not in exclusively_owned]
        owner = left[0] if len(left) == 1 else None
        if owner:
            findings.key_owner[key] = owner
        for name in sorted(set(claims) - set(left) if owner else claims):
            others = ", ".join(sorted(set(claims) - {name}))
            findings.spoofs.append(
                Spoof(
                    claimed=name,
                    used_by=owner,
                    evidence=f"base-credentials: the base key {key} also assumed the role as "
                    f"{others}; one instance's credentials belong to one notebook",
                    calls=tuple(claims[name]),
                )
            )

    for parsed in sessions.values():
        for time, record in parsed:
            # An attributed session re-assuming the role under another notebook's name.
            target = _self_assume(record, role_arn)
            caller = session_name(record)
            if target in wanted and target != caller and caller != BASE_SESSION:
                findings.spoofs.append(
                    Spoof(
                        claimed=target,
                        used_by=caller,
                        evidence=f"chained: session {caller} assumed the role as {target}",
                        calls=(call_of(time, record),),
                    )
                )
    findings.spoofs += _address_mismatches(role_arn, wanted, base, sessions, findings, addresses)
    return findings


def _address_mismatches(
    role_arn: str,
    wanted: set[str],
    base: list[Timed],
    sessions: dict[str, list[Timed]],
    findings: Findings,
    addresses: dict[str, str],
) -> list[Spoof]:
    """Calls as (or AssumeRoles for) a VPC notebook from a private address not its own.
    Public addresses (NAT, the SageMaker-managed network) say nothing either way."""
    owner_of = findings.address_owner
    suspicious: dict[tuple[str, str], list[Call]] = defaultdict(list)
    claims = [(_self_assume(record, role_arn), time, record) for time, record in base]
    claims += [
        (name, time, record)
        for name, parsed in sessions.items()
        for time, record in parsed
        if issuer(record) == role_arn and session_name(record) == name
    ]
    for name, time, record in claims:
        own, source = addresses.get(name or ""), str(record.get("sourceIPAddress", ""))
        if name in wanted and own is not None and source != own and _private(source):
            suspicious[(str(name), source)].append(call_of(time, record))
    return [
        Spoof(
            claimed=name,
            used_by=owner_of.get(source),
            evidence=f"address: {len(calls)} call(s) as {name} from {source}, "
            f"not its network interface {addresses[name]}"
            + (f" but {owner_of[source]}'s" if source in owner_of else ""),
            calls=tuple(calls),
        )
        for (name, source), calls in sorted(suspicious.items())
    ]


def _private(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:  # e.g. "sagemaker.amazonaws.com" for calls AWS services make
        return False
    return parsed.is_private and not parsed.is_loopback  # loopback: the emulator's own host
