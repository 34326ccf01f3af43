"""Seeded client alliance series with known ruptures, for judging drop rules (pure: no Django).

The simulation is deliberately independent of any rule and follows the shape of real check-in
data described in docs/alert-rules.md:

- four 0-10 items (bond, goals, tasks, overall) per session, integer answers, clipped at 10, so
  that clients near the top show the ceiling effect (a third of clients nearly always say 10);
- per-client noise between 0.15 and 1.3 points, drawn independently for each item and session;
- ruptures of two kinds: a **whole-relationship dip** of 0.6-2.5 points on every item, and a
  **single-aspect drop** of 1.5-4 points on one item; 60% are repaired after 1-3 sessions, the
  rest last to the end of the episode.

`RuptureTruth` says where each rupture starts and (if repaired) the first session back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from alliance.insights.analysis import Observations

ITEMS = ("bond", "goals", "tasks", "overall")
FORM = "alliance-checkin-client"
RuptureKind = Literal["whole", "single"]


@dataclass(frozen=True)
class RuptureSimulation:
    """Proportions and ranges of the simulation; the defaults are the ones the docs report."""

    sessions: tuple[int, int] = (6, 30)
    ceiling: float = 0.30  # clients whose usual level sits above 10 (nearly always answer 10)
    noise: tuple[float, float] = (0.15, 1.3)
    rupture: float = 0.5  # share of clients with one rupture
    whole: float = 0.5  # of ruptures, share that dip every item
    whole_depth: tuple[float, float] = (0.6, 2.5)
    single_depth: tuple[float, float] = (1.5, 4.0)
    repaired: float = 0.6
    first_onset: int = 4  # ruptures start at this session or later


@dataclass(frozen=True)
class RuptureTruth:
    episode: int
    kind: RuptureKind
    item: str  # the item that fell ("all" for a whole-relationship dip)
    depth: float
    noise: float
    onset: int
    repair: int | None  # first session back at the usual level; None when never repaired
    sessions: int

    def window(self) -> range:
        """Sessions that belong to the rupture: onset up to and including the repair session."""
        end = self.repair if self.repair is not None else self.sessions
        return range(self.onset, end + 1)


@dataclass(frozen=True)
class SimulatedClient:
    episode: int
    sessions: int
    noise: float
    items: np.ndarray  # sessions x 4 integer answers
    rupture: RuptureTruth | None


def simulate_client(
    index: int, seed: int, sim: RuptureSimulation = RuptureSimulation()
) -> SimulatedClient:
    """One client's series, from its own random stream (any client can be reproduced alone)."""
    rng = np.random.default_rng([seed, index, 7])
    n = int(rng.integers(sim.sessions[0], sim.sessions[1] + 1))
    noise = float(rng.uniform(*sim.noise))
    if rng.random() < sim.ceiling:
        level = rng.uniform(10.2, 10.8) + rng.normal(0.0, 0.1, 4)
    else:
        level = rng.uniform(6.5, 9.8) + rng.normal(0.0, 0.4, 4)
    latent = level[None, :] + rng.normal(0.0, noise, (n, 4))
    truth = _rupture(rng, index, n, noise, latent, sim)
    items = np.clip(np.rint(latent), 0, 10).astype(np.int64)
    return SimulatedClient(index, n, noise, items, truth)


def _rupture(
    rng: np.random.Generator,
    index: int,
    n: int,
    noise: float,
    latent: np.ndarray,
    sim: RuptureSimulation,
) -> RuptureTruth | None:
    """Lower the latent levels in place for one rupture, and describe it."""
    if n < sim.first_onset or rng.random() >= sim.rupture:
        return None
    onset = int(rng.integers(sim.first_onset, n + 1))
    whole = rng.random() < sim.whole
    depth = float(rng.uniform(*(sim.whole_depth if whole else sim.single_depth)))
    repaired = rng.random() < sim.repaired
    repair = onset + int(rng.integers(1, 4)) if repaired else n + 1
    rows = slice(onset - 1, min(repair, n + 1) - 1)
    col = int(rng.integers(0, 4))
    # a rupture lowers what the client would otherwise say: from the clipped level, so that a
    # ceiling client's dip of 1 point shows as a 9 rather than vanishing above 10
    if whole:
        latent[rows] = np.minimum(latent[rows], 10.0) - depth
    else:
        latent[rows, col] = np.minimum(latent[rows, col], 10.0) - depth
    return RuptureTruth(
        episode=index,
        kind="whole" if whole else "single",
        item="all" if whole else ITEMS[col],
        depth=round(depth, 3),
        noise=round(noise, 3),
        onset=onset,
        repair=repair if repair <= n else None,
        sessions=n,
    )


def simulate(
    n_clients: int, seed: int, sim: RuptureSimulation = RuptureSimulation()
) -> list[SimulatedClient]:
    return [simulate_client(i, seed, sim) for i in range(n_clients)]


def to_observations(clients: list[SimulatedClient]) -> Observations:
    """Item rows and the alliance mean (as the scoring engine stores them) for each session."""
    ep, sess, scale, value = [], [], [], []
    for c in clients:
        s = np.arange(1, c.sessions + 1)
        for j, name in enumerate((*ITEMS, "alliance")):
            ep.append(np.full(c.sessions, c.episode))
            sess.append(s)
            scale.append(np.full(c.sessions, name))
            value.append(c.items[:, j] if j < 4 else c.items.mean(axis=1))
    episode = np.concatenate(ep) if ep else np.zeros(0, dtype=np.int64)
    scales = np.concatenate(scale) if scale else np.zeros(0, dtype=str)
    names = Observations.from_rows([]).scales
    codes = {k: i for i, k in enumerate(names)}
    n = len(episode)
    return Observations.from_columns(
        episode,
        episode,
        np.zeros(n),
        np.zeros(n),
        [codes[str(x)] for x in scales.tolist()],
        np.concatenate(sess) if sess else [],
        np.concatenate(value) if value else [],
        np.zeros(n, dtype=bool),
    )
