"""The item-level drop rule: shallow ruptures over every item, one aspect, the ceiling, and two
smaller drops in a row (docs/alert-rules.md, "Alliance drop")."""

from __future__ import annotations

from alliance.insights import analysis as A
from alliance.synthetic import ruptures as R

ITEMS = ("bond", "goals", "tasks", "overall")


def form(sessions: list[tuple[int, int, int, int]]) -> A.Observations:
    """One client's check-ins: four items per session and their mean, as scoring stores them."""
    rows: list[tuple[int, int, str, str, str, int, float]] = []
    for n, items in enumerate(sessions, start=1):
        for name, value in zip(ITEMS, items, strict=True):
            rows.append((1, 1, "client", "alliance-checkin-client", name, n, float(value)))
        rows.append((1, 1, "client", "alliance-checkin-client", "alliance", n, sum(items) / 4))
    return A.Observations.from_rows(rows)


def found(sessions: list[tuple[int, int, int, int]]) -> list[tuple[str, str, int]]:
    return [(f.kind, f.scale, f.session_number) for f in A.alliance_drops(form(sessions))]


def test_ceiling_client_a_single_9_is_not_a_drop_but_9_on_two_items_is() -> None:
    tens = [(10, 10, 10, 10)] * 6
    assert found([*tens, (10, 9, 10, 10)]) == []
    assert found([*tens, (9, 9, 10, 10)]) == [("alliance_drop", "alliance", 7)]


def test_steady_client_dipping_about_one_point_on_every_item_is_a_drop() -> None:
    steady = [(8, 8, 9, 8), (8, 8, 9, 8), (8, 8, 9, 8), (8, 8, 9, 8), (8, 8, 9, 8)]
    assert found([*steady, (7, 7, 8, 7)]) == [("alliance_drop", "alliance", 6)]


def test_one_aspect_falling_is_reported_on_that_item() -> None:
    usual = [(9, 8, 9, 9), (9, 8, 9, 9), (9, 9, 9, 9), (9, 8, 9, 9), (9, 8, 9, 9)]
    assert found([*usual, (9, 5, 9, 9)]) == [("subscale_drop", "goals", 6)]


def test_two_smaller_drops_in_a_row_are_caught_at_the_second() -> None:
    usual = [(9, 8, 9, 9), (8, 9, 9, 8), (9, 8, 8, 9), (9, 9, 9, 8), (8, 9, 9, 9)]
    small = (8, 8, 8, 8)  # alone, within this client's usual variation
    assert found([*usual, small]) == []
    assert ("alliance_drop", "alliance", 7) in found([*usual, small, small])


def test_items_moving_together_widen_the_noise_of_the_mean() -> None:
    wandering = [(v, v, v, v) for v in (6, 8, 7, 6, 8, 7, 6, 8)]
    assert found([*wandering, (6, 6, 6, 6)]) == []


def test_noisy_client_needs_a_bigger_fall_than_a_quiet_one() -> None:
    noisy = [(v, v, v, v) for v in (9, 7, 10, 8, 9, 7, 10, 9)]
    quiet = [(9, 9, 9, 9)] * 8
    assert ("alliance_drop", "alliance", 9) not in found([*noisy, (8, 8, 8, 7)])
    assert ("alliance_drop", "alliance", 9) in found([*quiet, (8, 8, 8, 7)])


def test_simulation_places_ruptures_of_the_issue_range() -> None:
    clients = R.simulate(400, seed=5)
    ruptures = [c.rupture for c in clients if c.rupture is not None]
    whole = [r.depth for r in ruptures if r.kind == "whole"]
    single = [r.depth for r in ruptures if r.kind == "single"]
    assert min(whole) >= 0.6 and max(whole) <= 2.5 and min(whole) < 0.8
    assert min(single) >= 1.5 and max(single) <= 4.0 and min(single) < 1.7
    repaired = sum(r.repair is not None for r in ruptures) / len(ruptures)
    assert 0.5 < repaired < 0.7
    assert all(c.items.max() <= 10 and c.items.min() >= 0 for c in clients)
    assert R.simulate(3, seed=5)[2].items.tolist() == clients[2].items.tolist()
