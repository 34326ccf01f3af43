"""How long labelling one 60-minute session takes (about 600 utterances), and how precise the
phrase rules are on the project's labelled examples.

    ALLIANCE_ENV=test .venv/bin/python -m bench.bench_language

The session is synthetic: utterances drawn from a fixed list of plausible therapy lines. The
model is loaded once before timing, as a worker does; each run labels the whole session, finds
the moves and cues and builds the summary, on one process.
"""

from __future__ import annotations

import csv
import os
import random
import statistics
import time
from collections import Counter
from pathlib import Path

THERAPIST = [
    "What would you like to focus on today?",
    "It sounds like the week was harder than you expected.",
    "How did that feel when she said it?",
    "So you're torn: part of you wants to stop, part of you needs the evenings out.",
    "Did you take the walk we talked about?",
    "Some people find it helps to write the worries down before bed.",
    "Is it okay if I share something I noticed?",
    "Mm-hmm.",
    "Let me make sure I have this right: the mornings are the worst.",
    "Did you feel heard today?",
]
CLIENT = [
    "Yeah.",
    "I don't know.",
    "I really want to get back to work before the summer.",
    "It's fine, everybody drinks on the weekend.",
    "My sister called on Tuesday and we argued again.",
    "I guess I could try going to bed earlier.",
    "This isn't helping, we keep going over the same thing.",
    "I slept a bit better, maybe five hours.",
]


def synthetic_session(turns: int = 600, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [
        ("therapist", rng.choice(THERAPIST)) if i % 2 == 0 else ("client", rng.choice(CLIENT))
        for i in range(turns)
    ]


def time_labelling(repeats: int = 7) -> list[float]:
    from alliance.language import labeller, rules, summary

    bundle = labeller.load_bundle()  # once per worker
    ruleset = rules.load_rules("en")
    session = synthetic_session()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        labels = labeller.label_utterances(session, bundle)
        cues = rules.find_cues(session, ruleset)
        summary.summarise(session, labels, cues)
        times.append(time.perf_counter() - start)
    return times


def rule_precision() -> dict[str, tuple[int, int, int]]:
    """kind → (true positives, false positives, false negatives) on the labelled examples; each
    example is judged as a one-turn transcript."""
    from alliance.language import rules

    ruleset = rules.load_rules("en")
    path = Path(rules.__file__).parent / "rules" / "en-examples.csv"
    counts: dict[str, Counter[str]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found = {cue.kind for cue in rules.find_cues([(row["role"], row["text"])], ruleset)}
            expected = {row["expected"]} - {"none"}
            for kind in found | expected:
                c = counts.setdefault(kind, Counter())
                c[
                    "tp" if kind in found and kind in expected else "fp" if kind in found else "fn"
                ] += 1
    return {k: (c["tp"], c["fp"], c["fn"]) for k, c in sorted(counts.items())}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
    times = time_labelling()
    print(
        f"labelling 600 utterances: median {statistics.median(times):.3f} s, "
        f"max {max(times):.3f} s over {len(times)} runs (model loaded once)"
    )
    print(f"{'rule':<24}{'precision':>10}{'recall':>8}{'tp':>4}{'fp':>4}{'fn':>4}")
    for kind, (tp, fp, fn) in rule_precision().items():
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        print(f"{kind:<24}{precision:>10.2f}{recall:>8.2f}{tp:>4}{fp:>4}{fn:>4}")


if __name__ == "__main__":
    main()
