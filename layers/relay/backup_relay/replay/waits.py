"""Replay waits for the fix: before a failed copy is started again, the doctor's probe checks its
diagnosed cause (doctor/probe.py). A cause the probe confirms is still there: the copy would fail
the same way, so it is skipped (and listed with the probe's finding), unless the operator forces
it. A contradicted or unchecked cause does not hold a replay back: the probe is a read-only
check of the usual cause, not a proof that the copy will succeed.

One run probes each cause once (`ProbeSubject.cause`: two failures behind one vault's policy are
one probe), and all its probes within PROBE_BUDGET_SECONDS: past it, the rest say "could not
check: replay's probe budget spent" and are replayed as any unchecked cause is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from backup_relay.domain.proof import ProbeSubject, Proof, Verdict

Prober = Callable[[ProbeSubject], Proof]

#: The most one replay run spends probing. It starts no probe past it; one started before runs to
#: its own bound (ProbeTimeoutSeconds, at most 10 s), so the run's probes end well within
#: ReplayFunction's timeout (300 s), leaving the rest to the replays
#: (tests/integration/test_template_hardening.py holds budget + 10 s under that timeout).
PROBE_BUDGET_SECONDS = 120.0


@dataclass
class ProbeRun:
    """One replay run's probes: each cause once (the answers live as long as the run), none
    started once the run's budget is spent."""

    probe: Prober
    budget_seconds: float = PROBE_BUDGET_SECONDS
    clock: Callable[[], float] = time.monotonic
    _proofs: dict[ProbeSubject, Proof] = field(default_factory=dict)
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = self.clock() + self.budget_seconds

    def __call__(self, subject: ProbeSubject) -> Proof:
        cause = subject.cause
        proof = self._proofs.get(cause)
        if proof is None:
            proof = (
                self.probe(subject)
                if self.clock() < self._deadline
                else Proof(
                    subject=subject,
                    verdict=Verdict.UNCHECKED,
                    finding=f"replay's probe budget spent ({self.budget_seconds:g} s a run)",
                )
            )
            self._proofs[cause] = proof
        return proof.model_copy(update={"subject": subject})


def still_broken(
    probe: Prober | None, subject: ProbeSubject | None, *, force: bool
) -> tuple[str, str | None]:
    """(the probe's line, or "" when none ran; why to skip the replay, or None)."""
    if probe is None or subject is None:
        return "", None
    proof = probe(subject)
    if proof.verdict is not Verdict.CONFIRMED or force:
        return proof.line, None
    return proof.line, f"its cause is still there ({proof.line}): fix it, or --force"
