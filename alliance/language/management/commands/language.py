"""`alliance language train`, `alliance language evaluate FILE.csv`, `alliance language newkey`.

Why it exists: the shipped language model must be reproducible from its training data by anyone
who has that data, and testable by anyone on their own labelled conversations, without opening
a notebook. `train` writes the model the product ships and prints cross-validated scores with
folds grouped by source video; `evaluate` scores the shipped model on a file in the AnnoMI
"simple" column format.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from alliance.language import corpus, labeller, training


def write_metadata(meta: dict[str, Any], model: Path) -> Path:
    """The model's metadata beside it, readable without unpickling anything."""
    path = model.with_suffix(".json")
    path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


class Command(BaseCommand):
    help = "Train the session-language model or evaluate it on a labelled CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="Reproduce the shipped model and print CV scores.")
        train.add_argument(
            "--data",
            default=settings.LANGUAGE_TRAINING_DATA,
            help="Folder with AnnoMI-simple-dev.csv and AnnoMI-full-dev.csv.",
        )
        train.add_argument("--out", default=str(labeller.MODEL_PATH))
        train.add_argument("--folds", type=int, default=5)
        train.add_argument(
            "--dry-run", action="store_true", help="Cross-validate only; write no model."
        )
        train.add_argument("--skip-cv", action="store_true", help="Fit and write only.")
        evaluate = sub.add_parser("evaluate", help="Score the shipped model on a labelled CSV.")
        evaluate.add_argument("file")
        evaluate.add_argument("--json", action="store_true", help="Print the scores as JSON.")
        sub.add_parser(
            "newkey",
            help="Print a new key for ALLIANCE_TRANSCRIPT_KEYS (put it first, keep the old ones).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "train":
            self._train(options)
        elif options["action"] == "newkey":
            from cryptography.fernet import Fernet

            self.stdout.write(Fernet.generate_key().decode())
        else:
            self._evaluate(Path(options["file"]), as_json=options["json"])

    def _train(self, options: dict[str, Any]) -> None:
        folder = Path(options["data"])
        simple, full = folder / "AnnoMI-simple-dev.csv", folder / "AnnoMI-full-dev.csv"
        if not simple.exists():
            raise CommandError(f"No training file at {simple}; pass --data FOLDER.")
        rows = corpus.read_simple(simple, corpus.read_subtypes(full) if full.exists() else {})
        videos = len({r.group for r in rows})
        self.stdout.write(f"{len(rows)} labelled utterances from {videos} videos")
        cv: dict[str, Any] = {}
        if not options["skip_cv"]:
            for task in training.TASKS:
                result = training.cross_validate(rows, task, folds=options["folds"])
                cv[task] = result.as_dict()
                self._print(result, heading=f"{options['folds']}-fold CV grouped by video")
        if options["dry_run"]:
            return
        bundle: dict[str, Any] = {task: training.fit(rows, task) for task in training.TASKS}
        import sklearn

        bundle["meta"] = {
            "scikit_learn": sklearn.__version__,
            "trained_on": f"{simple.name} ({len(rows)} utterances, {videos} videos)",
            "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "cross_validation": cv,
        }
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        import joblib

        joblib.dump(bundle, out, compress=3)
        write_metadata(bundle["meta"], out)
        self.stdout.write(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) and its .json")

    def _evaluate(self, path: Path, *, as_json: bool) -> None:
        if not path.exists():
            raise CommandError(f"No file at {path}.")
        try:
            rows = corpus.read_simple(path)
        except (corpus.CorpusError, UnicodeDecodeError, ValueError) as error:
            raise CommandError(str(error)) from None
        bundle = labeller.load_bundle()
        results = []
        for task in ("therapist", "client"):
            data = training.task_rows(rows, task)
            if not data:
                continue
            predicted = bundle[task].predict([r.sample for r, _ in data])
            results.append(training.score(task, [label for _, label in data], list(predicted)))
        if not results:
            raise CommandError("The file holds no labelled therapist or client utterances.")
        if as_json:
            self.stdout.write(json.dumps([r.as_dict() for r in results], indent=2))
            return
        for result in results:
            self._print(result, heading=f"shipped model on {path.name}")

    def _print(self, result: training.Scores, *, heading: str) -> None:
        w = self.stdout.write
        w(f"\n{result.task}: macro-F1 {result.macro_f1:.3f} ({heading})")
        if result.fold_macro_f1:
            w("  per fold: " + " ".join(f"{f:.3f}" for f in result.fold_macro_f1))
        w(f"  {'class':<16}{'precision':>10}{'recall':>8}{'F1':>7}{'n':>6}")
        for c in result.classes:
            w(
                f"  {c:<16}{result.precision[c]:>10.3f}{result.recall[c]:>8.3f}"
                f"{result.f1[c]:>7.3f}{result.support[c]:>6}"
            )
        w("  confusion (rows: true, columns: predicted): " + " ".join(result.classes))
        for c, row in zip(result.classes, result.confusion, strict=True):
            w(f"  {c:<16}" + "".join(f"{n:>7}" for n in row))
