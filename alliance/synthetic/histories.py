"""Seeded, deterministic synthetic therapy histories (pure: no Django, no real data).

Each episode is simulated from its own random stream (seed, episode index), so episodes are
yielded lazily, any episode can be reproduced alone, and a run of a million responses never sits
in memory. Every generated person is obviously synthetic: codes like "C-000042-1", display names
from a small invented list ending in "(synthetic)".

The simulation follows what the literature says the data look like: client alliance ratings near
the ceiling with a per-client baseline and noise, therapists a little lower and only modestly
correlated with their clients, ruptures (a drop of 2-4 points in `overall` or in one subscale)
that are repaired or not, some episodes where the therapist persistently rates above the client,
couples and families whose members diverge, PHQ-9 / GAD-7 trajectories that improve, stall or
worsen, and a PHQ-9 item-9 risk answer in one episode out of every `Mix.risk_every`.
The ground truth of all of this travels with each episode in `Truth`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from alliance.insights.analysis import INSTRUMENTS, ROLES, SCALES, Observations

Role = Literal["client", "therapist", "interpreter"]
Format = Literal["individual", "couple", "family", "group"]
Outcome = Literal["improve", "stall", "worsen"]
Answers = dict[str, int | str]

CLIENT_FORM = "alliance-checkin-client"
THERAPIST_FORM = "alliance-checkin-therapist"
CONJOINT_FORM = "alliance-checkin-conjoint"
INTERPRETER_FORM = "alliance-checkin-interpreter"
PHQ9 = "phq-9"
GAD7 = "gad-7"
ALLIANCE_ITEMS = ("bond", "goals", "tasks", "overall")
INTERPRETER_ITEMS = ("understood", "bond", "flow", "overall")

_NAMES = (
    "Alder", "Bryony", "Cobalt", "Dune", "Ember", "Fennel", "Garnet", "Hazel", "Indigo", "Juniper",
    "Kestrel", "Linden", "Moss", "Nettle", "Onyx", "Pebble", "Quill", "Rowan", "Sorrel", "Tansy",
    "Umber", "Vetch", "Willow", "Yarrow", "Zinnia",
)  # fmt: skip
_CHANGE_TEXT = (
    "More time on what I came for.",
    "Slow down a little.",
    "I would like more practical exercises.",
    "I did not feel listened to today.",
    "Less homework please.",
    "Nothing, it was fine.",
)
_DEPTHS = (2.0, 4.0)


@dataclass(frozen=True)
class Mix:
    """Proportions of each situation in a run (defaults follow published rates where known)."""

    couple: float = 0.08
    family: float = 0.04
    group: float = 0.04
    interpreter: float = 0.05  # share of individual episodes with an interpreter
    ceiling: float = 0.30  # clients who nearly always say 10
    moving: float = 0.15  # clients whose ratings wander between about 6 and 8
    rupture: float = 0.26  # clients with a rupture (Larsson et al. 2018: about 26%)
    repaired: float = 0.58  # of ruptures, share repaired (15 of 26 in Larsson et al.)
    subscale_rupture: float = 0.45  # of ruptures, share in one subscale only
    overestimation: float = 0.10  # episodes with a lasting therapist-above-client gap
    split: float = 0.40  # of couple/family/group episodes, share whose members diverge
    improve: float = 0.55
    stall: float = 0.30  # the rest worsen
    risk_every: int = 20  # one PHQ-9 item-9 risk answer in every block of this many episodes


@dataclass(frozen=True)
class SyntheticParticipant:
    index: int
    role: Role
    display_name: str
    code: str


@dataclass(frozen=True)
class SyntheticResponse:
    session_number: int
    participant_index: int
    role: Role
    instrument: str
    answers: Answers


@dataclass(frozen=True)
class Rupture:
    """A true rupture: `scale` is the item that fell (`overall` also pulls the others down)."""

    participant_index: int
    session_number: int  # onset
    scale: str
    depth: float
    repaired: bool
    repair_session: int | None  # first session back at the usual level
    split: bool = False  # the lower partner of a split alliance


@dataclass(frozen=True)
class Truth:
    ruptures: tuple[Rupture, ...]
    overestimation: bool
    split: bool
    split_session: int | None
    outcome: Outcome
    risk_sessions: tuple[tuple[int, int], ...]  # (participant_index, session_number)


@dataclass(frozen=True)
class SyntheticEpisode:
    index: int
    format: Format
    participants: list[SyntheticParticipant]
    session_count: int
    weeks_between: int
    responses: list[SyntheticResponse] = field(repr=False)
    truth: Truth


# ----------------------------------------------------------------------- structure


@dataclass(frozen=True)
class _Shape:
    format: Format
    clients: int
    interpreter: bool
    sessions: int
    weeks_between: int

    def responses(self) -> int:
        measured = len(outcome_sessions(self.sessions))
        per_session = self.clients + 1 + int(self.interpreter)
        return self.sessions * per_session + 2 * self.clients * measured


def outcome_sessions(session_count: int) -> list[int]:
    """PHQ-9 and GAD-7 are asked at the first session and every 4th."""
    return [s for s in range(1, session_count + 1) if s == 1 or s % 4 == 0]


def _shape(index: int, seed: int, sessions: tuple[int, int], mix: Mix) -> _Shape:
    rng = np.random.default_rng([seed, index, 0])
    u = rng.random()
    fmt: Format = "individual"
    if u < mix.couple:
        fmt = "couple"
    elif u < mix.couple + mix.family:
        fmt = "family"
    elif u < mix.couple + mix.family + mix.group:
        fmt = "group"
    clients = {"individual": 1, "couple": 2, "family": int(rng.integers(3, 5))}.get(fmt)
    if clients is None:
        clients = int(rng.integers(5, 9))
    interpreter = fmt == "individual" and rng.random() < mix.interpreter
    lo, hi = sessions
    count = int(rng.integers(lo, hi + 1))
    weeks = int(rng.choice([1, 1, 1, 2, 2, 4]))
    return _Shape(fmt, clients, bool(interpreter), count, weeks)


def count_responses(
    n_episodes: int, *, seed: int, sessions: tuple[int, int] = (6, 40), mix: Mix | None = None
) -> int:
    """Exactly how many responses `generate` would yield, without simulating any answers."""
    m = mix or Mix()
    return sum(_shape(i, seed, sessions, m).responses() for i in range(n_episodes))


def episodes_for(
    responses: int, *, seed: int, sessions: tuple[int, int] = (6, 40), mix: Mix | None = None
) -> int:
    """The smallest number of episodes whose run holds at least `responses` responses."""
    m = mix or Mix()
    total, n = 0, 0
    while total < responses:
        total += _shape(n, seed, sessions, m).responses()
        n += 1
    return n


# ------------------------------------------------------------------------ people


def _participants(index: int, shape: _Shape, n_episodes: int) -> list[SyntheticParticipant]:
    out = []
    for k in range(shape.clients):
        name = _NAMES[(index * 7 + k * 3) % len(_NAMES)]
        code = f"C-{index + 1:06d}-{k + 1}"
        out.append(SyntheticParticipant(k, "client", f"{name} {code[-3:]} (synthetic)", code))
    therapist = index % max(1, -(-n_episodes // 30))  # caseloads of about 30 episodes
    t_name = _NAMES[(therapist * 11 + 5) % len(_NAMES)]
    out.append(
        SyntheticParticipant(
            shape.clients, "therapist", f"Therapist {t_name} (synthetic)", f"T-{therapist + 1:04d}"
        )
    )
    if shape.interpreter:
        out.append(
            SyntheticParticipant(
                shape.clients + 1,
                "interpreter",
                "Interpreter Quill (synthetic)",
                f"I-{index + 1:06d}",
            )
        )
    return out


# ------------------------------------------------------------------------ alliance


def _items(rng: np.random.Generator, latent: np.ndarray, item_sd: float = 0.3) -> np.ndarray:
    """Integer item ratings 0-10: latent level per session plus a little noise per item."""
    noisy = latent[:, None] + rng.normal(0.0, item_sd, (len(latent), 4))
    return np.clip(np.rint(noisy), 0, 10).astype(np.int64)


def _client_latent(rng: np.random.Generator, n: int, mix: Mix, low: bool) -> np.ndarray:
    u = rng.random()
    if low:
        base, sd = rng.uniform(6.0, 7.3), rng.uniform(0.3, 0.6)
    elif u < mix.ceiling:
        base, sd = 10.4, 0.25  # above 10 so that nearly every rating is clipped to 10
    elif u < mix.ceiling + mix.moving:
        base, sd = rng.uniform(6.6, 7.6), rng.uniform(0.6, 0.9)
    else:
        base, sd = rng.uniform(8.2, 9.9), rng.uniform(0.3, 0.6)
    latent: np.ndarray = base + rng.normal(0.0, sd, n)
    return latent


def _rupture(
    rng: np.random.Generator, client: int, n: int, mix: Mix, items: np.ndarray
) -> Rupture | None:
    """Apply a rupture to a client's items in place and describe it."""
    if n < 6 or rng.random() >= mix.rupture:
        return None
    onset = int(rng.integers(5, n + 1))
    depth = float(rng.uniform(*_DEPTHS))
    sub = rng.random() < mix.subscale_rupture
    scale = str(rng.choice(["goals", "goals", "tasks", "bond"])) if sub else "overall"
    repaired = rng.random() < mix.repaired
    repair = onset + int(rng.integers(1, 4)) if repaired else n + 1
    _lower(items, ALLIANCE_ITEMS.index(scale), onset, min(repair, n + 1), depth, spill=not sub)
    really = repair <= n
    return Rupture(client, onset, scale, round(depth, 2), really, repair if really else None)


def _lower(items: np.ndarray, col: int, start: int, stop: int, depth: float, spill: bool) -> None:
    rows = slice(start - 1, stop - 1)
    drop = np.full(4, depth * 0.5 if spill else 0.0)
    drop[col] = depth
    items[rows] = np.clip(np.rint(items[rows] - drop), 0, 10)


def _therapist_items(
    rng: np.random.Generator, client_mean: np.ndarray, over: bool, ruptured: np.ndarray
) -> np.ndarray:
    n = len(client_mean)
    if over:
        base = rng.uniform(8.8, 9.8)
    else:
        base = 7.6 + 0.35 * (float(client_mean.mean()) - 8.8) + rng.normal(0.0, 0.5)
    latent = base + rng.normal(0.0, 0.6, n) + 0.2 * (client_mean - client_mean.mean())
    latent = latent - 0.8 * ruptured  # therapists notice some of a rupture
    return _items(rng, latent, 0.4)


# ------------------------------------------------------------------------ outcomes


def _outcome(rng: np.random.Generator, mix: Mix) -> Outcome:
    u = rng.random()
    if u < mix.improve:
        return "improve"
    return "stall" if u < mix.improve + mix.stall else "worsen"


def _path(
    rng: np.random.Generator, n: int, outcome: Outcome, start: float, top: float
) -> np.ndarray:
    s = np.arange(1, n + 1, dtype=np.float64)
    shape = (1 - np.exp(-3 * (s - 1) / max(n - 1, 1))) / (1 - np.exp(-3.0))
    end = {
        "improve": start * rng.uniform(0.25, 0.5),
        "stall": start + rng.normal(0.0, 1.0),
        "worsen": start + rng.uniform(0.35, 0.55) * top,
    }[outcome]
    path: np.ndarray = np.clip(start + (end - start) * shape, 0, top)
    return path


def _questionnaire(
    rng: np.random.Generator, level: float, n_items: int, scored_items: int
) -> list[int]:
    p = min(max(level / (3 * scored_items), 0.0), 1.0)
    return [int(x) for x in rng.binomial(3, p, n_items)]


# -------------------------------------------------------------------------- episode


def _change_text(rng: np.random.Generator, dropped: bool) -> str:
    if rng.random() < (0.6 if dropped else 0.1):
        return str(_CHANGE_TEXT[int(rng.integers(0, 4 if dropped else len(_CHANGE_TEXT)))])
    return ""


def _alliance_answers(row: np.ndarray, names: tuple[str, ...], text: str) -> Answers:
    out: Answers = {k: int(v) for k, v in zip(names, row.tolist(), strict=True)}
    if text:
        out["change"] = text
    return out


@dataclass
class _Sim:
    shape: _Shape
    client_items: list[np.ndarray]
    together: list[np.ndarray]
    therapist_items: np.ndarray
    interpreter_items: np.ndarray | None
    phq: list[np.ndarray]
    gad: list[np.ndarray]
    truth: Truth


def _simulate(index: int, seed: int, shape: _Shape, mix: Mix) -> _Sim:
    rng = np.random.default_rng([seed, index, 1])
    n = shape.sessions
    over = rng.random() < mix.overestimation
    split = shape.clients > 1 and rng.random() < mix.split
    client_items, ruptures = [], []
    ruptured = np.zeros(n)
    for c in range(shape.clients):
        items = _items(rng, _client_latent(rng, n, mix, over))
        r = None if split and c == 0 else _rupture(rng, c, n, mix, items)
        if r is not None:
            ruptures.append(r)
            end = (r.repair_session or n + 1) - 1
            ruptured[r.session_number - 1 : end] += 1.0 / shape.clients
        client_items.append(items)
    split_at = _split(rng, n, client_items, ruptures) if split else None
    means = np.mean([ci.mean(axis=1) for ci in client_items], axis=0)
    together = [
        np.clip(np.rint(means + rng.normal(0.0, 0.6, n)), 0, 10).astype(np.int64)
        for _ in client_items
    ]
    interp = (
        _items(rng, rng.uniform(8.5, 10.3) + rng.normal(0.0, 0.4, n)) if shape.interpreter else None
    )
    outcome = _outcome(rng, mix)
    phq, gad = _outcome_items(rng, shape, outcome)
    risk = _risk(rng, index, seed, shape, mix, phq)
    truth = Truth(tuple(ruptures), bool(over), bool(split), split_at, outcome, risk)
    therapist = _therapist_items(rng, means, bool(over), ruptured)
    return _Sim(shape, client_items, together, therapist, interp, phq, gad, truth)


def _split(
    rng: np.random.Generator, n: int, client_items: list[np.ndarray], ruptures: list[Rupture]
) -> int:
    """Client 0 drifts away from the others for good: an unrepaired rupture of the whole form."""
    start = int(rng.integers(4, max(5, n // 2 + 1)))
    depth = float(rng.uniform(2.5, 4.0))
    _lower(client_items[0], 3, start, n + 1, depth, spill=False)
    client_items[0][start - 1 :, :3] = np.clip(
        client_items[0][start - 1 :, :3] - round(depth), 0, 10
    )
    ruptures.insert(0, Rupture(0, start, "overall", round(depth, 2), False, None, split=True))
    return start


def _outcome_items(
    rng: np.random.Generator, shape: _Shape, outcome: Outcome
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    sessions = outcome_sessions(shape.sessions)
    phq, gad = [], []
    for _ in range(shape.clients):
        p_path = _path(rng, shape.sessions, outcome, float(np.clip(rng.normal(15, 4), 6, 24)), 24)
        g_path = _path(rng, shape.sessions, outcome, float(np.clip(rng.normal(12, 3), 5, 20)), 21)
        p_rows = [_questionnaire(rng, p_path[s - 1] + rng.normal(0, 1.0), 9, 8) for s in sessions]
        for row in p_rows:
            row[8] = 0  # item 9 stays 0 except where a risk answer is placed on purpose
        g_rows = [_questionnaire(rng, g_path[s - 1] + rng.normal(0, 1.0), 7, 7) for s in sessions]
        phq.append(np.asarray(p_rows, dtype=np.int64))
        gad.append(np.asarray(g_rows, dtype=np.int64))
    return phq, gad


def _risk(
    rng: np.random.Generator, index: int, seed: int, shape: _Shape, mix: Mix, phq: list[np.ndarray]
) -> tuple[tuple[int, int], ...]:
    if mix.risk_every <= 0 or (index + seed) % mix.risk_every != 0:
        return ()
    sessions = outcome_sessions(shape.sessions)
    at = int(rng.integers(0, len(sessions)))
    phq[0][at, 8] = int(rng.integers(1, 3))
    return ((0, sessions[at]),)


def _responses(sim: _Sim, rng: np.random.Generator) -> list[SyntheticResponse]:
    shape, out = sim.shape, []
    measured = {s: i for i, s in enumerate(outcome_sessions(shape.sessions))}
    dropped = _dropped_sessions(sim.truth)
    form = CLIENT_FORM if shape.clients == 1 else CONJOINT_FORM
    for s in range(1, shape.sessions + 1):
        for c in range(shape.clients):
            answers = _alliance_answers(
                sim.client_items[c][s - 1], ALLIANCE_ITEMS, _change_text(rng, (c, s) in dropped)
            )
            if form == CONJOINT_FORM:
                answers["together"] = int(sim.together[c][s - 1])
            out.append(SyntheticResponse(s, c, "client", form, answers))
        t_answers = _alliance_answers(sim.therapist_items[s - 1], ALLIANCE_ITEMS, "")
        out.append(SyntheticResponse(s, shape.clients, "therapist", THERAPIST_FORM, t_answers))
        if sim.interpreter_items is not None:
            i_answers = _alliance_answers(sim.interpreter_items[s - 1], INTERPRETER_ITEMS, "")
            out.append(
                SyntheticResponse(s, shape.clients + 1, "interpreter", INTERPRETER_FORM, i_answers)
            )
        if s in measured:
            out.extend(_outcome_responses(sim, s, measured[s]))
    return out


def _outcome_responses(sim: _Sim, session: int, at: int) -> list[SyntheticResponse]:
    out = []
    for c in range(sim.shape.clients):
        phq: Answers = {f"phq9-{k + 1}": int(v) for k, v in enumerate(sim.phq[c][at].tolist())}
        if sum(int(v) for v in phq.values()) > 0:
            phq["phq9-10"] = min(3, int(sim.phq[c][at].sum()) // 7)
        gad: Answers = {f"gad7-{k + 1}": int(v) for k, v in enumerate(sim.gad[c][at].tolist())}
        out.append(SyntheticResponse(session, c, "client", PHQ9, phq))
        out.append(SyntheticResponse(session, c, "client", GAD7, gad))
    return out


def _dropped_sessions(truth: Truth) -> set[tuple[int, int]]:
    return {(r.participant_index, r.session_number) for r in truth.ruptures}


def episode(
    index: int,
    *,
    seed: int,
    n_episodes: int = 1,
    sessions: tuple[int, int] = (6, 40),
    mix: Mix | None = None,
) -> SyntheticEpisode:
    """Episode `index` of a run, exactly as `generate` yields it (`n_episodes` sizes caseloads)."""
    m = mix or Mix()
    shape = _shape(index, seed, sessions, m)
    sim = _simulate(index, seed, shape, m)
    responses = _responses(sim, np.random.default_rng([seed, index, 2]))
    return SyntheticEpisode(
        index=index,
        format=shape.format,
        participants=_participants(index, shape, n_episodes),
        session_count=shape.sessions,
        weeks_between=shape.weeks_between,
        responses=responses,
        truth=sim.truth,
    )


def generate(
    n_episodes: int,
    *,
    seed: int,
    sessions: tuple[int, int] = (6, 40),
    mix: Mix | None = None,
) -> Iterator[SyntheticEpisode]:
    """Yield `n_episodes` synthetic episodes lazily; the same arguments give the same histories."""
    lo, hi = sessions
    if lo < 1 or hi < lo:
        raise ValueError("sessions must be (low, high) with 1 <= low <= high")
    for i in range(n_episodes):
        yield episode(i, seed=seed, n_episodes=n_episodes, sessions=sessions, mix=mix)


# ------------------------------------------------------------------------ columnar


def score(instrument: str, answers: Answers) -> dict[str, float]:
    """Scale scores of one response (a small stand-in for the scoring engine, kept in step)."""
    if instrument in (CLIENT_FORM, THERAPIST_FORM, CONJOINT_FORM):
        out = {k: float(answers[k]) for k in ALLIANCE_ITEMS}
        out["alliance"] = sum(out.values()) / 4
        if instrument == CONJOINT_FORM:
            out["together"] = float(answers["together"])
        return out
    if instrument == INTERPRETER_FORM:
        out = {k: float(answers[k]) for k in INTERPRETER_ITEMS}
        out["alliance"] = sum(out.values()) / 4
        return out
    if instrument == PHQ9:
        return {"total": float(sum(int(answers[f"phq9-{k}"]) for k in range(1, 10)))}
    if instrument == GAD7:
        return {"total": float(sum(int(answers[f"gad7-{k}"]) for k in range(1, 8)))}
    raise ValueError(f"unknown instrument {instrument}")


def to_observations(episodes: Iterable[SyntheticEpisode]) -> Observations:
    """The long table the analysis takes: one row per scale of each response."""
    inst = {k: i for i, k in enumerate(INSTRUMENTS)}
    scl = {k: i for i, k in enumerate(SCALES)}
    role = {k: i for i, k in enumerate(ROLES)}
    parts = []
    for ep in episodes:
        cols: tuple[list[int], ...] = ([], [], [], [], [])
        values: list[float] = []
        risk: list[bool] = []
        for r in ep.responses:
            flag = r.instrument == PHQ9 and int(r.answers["phq9-9"]) > 0
            for name, v in score(r.instrument, r.answers).items():
                row = (r.participant_index, role[r.role], inst[r.instrument], scl[name])
                for col, x in zip(cols, (*row, r.session_number), strict=True):
                    col.append(x)
                values.append(v)
                risk.append(flag)
        n = len(values)
        parts.append(
            Observations(
                episode=np.full(n, ep.index, dtype=np.int64),
                participant=np.asarray(cols[0], dtype=np.int64),
                role=np.asarray(cols[1], dtype=np.int8),
                instrument=np.asarray(cols[2], dtype=np.int16),
                scale=np.asarray(cols[3], dtype=np.int16),
                session_number=np.asarray(cols[4], dtype=np.int32),
                value=np.asarray(values, dtype=np.float64),
                risk=np.asarray(risk, dtype=np.bool_),
            )
        )
    return Observations.concat(parts)


def observations(
    n_episodes: int, *, seed: int, sessions: tuple[int, int] = (6, 40), mix: Mix | None = None
) -> Observations:
    """Generate a run and return it as one columnar table (for benchmarks and evaluation)."""
    return to_observations(generate(n_episodes, seed=seed, sessions=sessions, mix=mix))
