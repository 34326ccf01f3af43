"""Seeded PHQ-9 / GAD-7 trajectories with known courses, for judging recovery curves (pure).

Independent of any rule. Each client belongs to one course (proportions after routine-care
figures quoted in docs/alert-rules.md):

- responders: most of their change early (a rapid early response), ending 45-80% of the way from
  intake to the minimal range;
- slow responders: the same size of change, reached slowly;
- non-responders: no lasting change (a wobble of a point or two either way);
- deteriorators: 5-11 points worse, over the first few sessions.

The true score moves smoothly toward its end point; each observed score adds measurement noise
with the measure's standard error of measurement (PHQ-9 about 2.3 points, GAD-7 about 1.9),
rounded and kept within the scale. Intake severity follows a referral population (PHQ-9 mean 16,
SD 5; GAD-7 mean 13, SD 4.5). Every client is measured at every session, for 8-20 sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Course = Literal["responder", "slow", "non_responder", "deteriorator"]
COURSES: tuple[Course, ...] = ("responder", "slow", "non_responder", "deteriorator")


@dataclass(frozen=True)
class MeasureModel:
    name: str
    top: int
    intake_mean: float
    intake_sd: float
    intake_min: float
    floor: float  # where improvement heads (the minimal range)
    sem: float
    worse_by: tuple[float, float]  # deteriorators' true worsening, points
    reliable_change: float


PHQ9 = MeasureModel("phq-9", 27, 16.0, 5.0, 5.0, 3.0, 2.3, (5.0, 11.0), 6.0)
GAD7 = MeasureModel("gad-7", 21, 13.0, 4.5, 4.0, 2.0, 1.9, (4.0, 9.0), 4.0)
MEASURES = {m.name: m for m in (PHQ9, GAD7)}


@dataclass(frozen=True)
class TrajectorySimulation:
    shares: tuple[float, float, float, float] = (0.40, 0.20, 0.30, 0.10)
    sessions: tuple[int, int] = (8, 20)


@dataclass(frozen=True)
class SimulatedCourse:
    episode: int
    measure: str
    course: Course
    scores: np.ndarray  # observed score at sessions 1..n

    @property
    def intake(self) -> float:
        return float(self.scores[0])

    @property
    def final_change(self) -> float:
        return float(self.scores[-1] - self.scores[0])

    def outcome(self, reliable_change: float) -> str:
        """'deteriorated', 'improved' (reliably) or 'unchanged', from the observed scores."""
        if self.final_change >= reliable_change:
            return "deteriorated"
        return "improved" if self.final_change <= -reliable_change else "unchanged"

    def series(self) -> list[tuple[int, float]]:
        return [(i + 1, float(v)) for i, v in enumerate(self.scores.tolist())]


def simulate_course(
    index: int, seed: int, model: MeasureModel, sim: TrajectorySimulation = TrajectorySimulation()
) -> SimulatedCourse:
    rng = np.random.default_rng([seed, index, 11, model.top])
    n = int(rng.integers(sim.sessions[0], sim.sessions[1] + 1))
    course: Course = COURSES[int(rng.choice(4, p=np.asarray(sim.shares)))]
    start = float(
        np.clip(rng.normal(model.intake_mean, model.intake_sd), model.intake_min, model.top)
    )
    excess = max(start - model.floor, 0.0)
    if course == "responder":
        end, pace = -excess * rng.uniform(0.45, 0.8), rng.uniform(1.0, 3.0)
    elif course == "slow":
        end, pace = -excess * rng.uniform(0.45, 0.8), rng.uniform(6.0, 12.0)
    elif course == "non_responder":
        end, pace = rng.normal(0.0, 1.5), rng.uniform(2.0, 6.0)
    else:
        end, pace = rng.uniform(*model.worse_by), rng.uniform(1.0, 4.0)
    s = np.arange(n, dtype=np.float64)  # 0 at intake
    true = start + end * (1 - np.exp(-s / pace))
    observed = np.clip(np.rint(true + rng.normal(0.0, model.sem, n)), 0, model.top)
    return SimulatedCourse(index, model.name, course, observed)


def simulate(
    n: int, seed: int, model: MeasureModel, sim: TrajectorySimulation = TrajectorySimulation()
) -> list[SimulatedCourse]:
    return [simulate_course(i, seed, model, sim) for i in range(n)]
