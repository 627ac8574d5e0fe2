"""Evaluate theme and woonkern tagging on labelled posts: precision and recall per theme, per woonkern, and
overall (micro: every label of every post counts once).

Labelled posts are JSONL, one post a line: {"id": "d001", "text": "...", "themes": ["afval"], "woonkernen":
["Kloosterzand"]} (id optional). Themes and woonkernen are those of a municipality's config, whose [terms]
(portfolios, woonkernen, names, hashtags, handles) build the matcher as in enrichment.
Goal: precision ≥ 0.90 and recall ≥ 0.85 for every theme and woonkern.
The default set is the fictional municipality Veenhorst in tests/data/tagging/: posts.jsonl (the
development set) and holdout.jsonl (written alongside, never tuned on).
Run: .venv/bin/python bench/eval_tagging.py [--config FILE --posts FILE ...] [--errors]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from luisterpost.config import load_config  # noqa: E402
from luisterpost.enrich.run import matcher_for  # noqa: E402
from luisterpost.errors import UserError  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "tagging"
PRECISION_GOAL, RECALL_GOAL = 0.90, 0.85


@dataclass(frozen=True)
class Score:
    """Counts for one label: true positives, false positives, false negatives."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        """tp / (tp + fp); None when the label was never predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """tp / (tp + fn); None when no post carries the label."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def meets_goal(self) -> bool:
        """Precision and recall at or above the goals, where they are defined."""
        return (self.precision is None or self.precision >= PRECISION_GOAL) and (
            self.recall is None or self.recall >= RECALL_GOAL)


@dataclass(frozen=True)
class Report:
    themes: dict[str, Score]
    woonkernen: dict[str, Score]
    overall: Score  # micro: themes and woonkernen together
    errors: list[tuple[str, str, list[str], list[str]]]  # (id, what, expected, found) for each wrong post

    def meets_goals(self) -> bool:
        return all(s.meets_goal() for s in [*self.themes.values(), *self.woonkernen.values()])


def read_posts(path: Path) -> list[dict]:
    """The labelled posts of a JSONL file; UserError naming the line of a malformed one."""
    posts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            post = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}:{number}: not valid JSON: {exc}") from None
        if not isinstance(post.get("text"), str) or not all(
                isinstance(post.get(key, []), list) for key in ("themes", "woonkernen")):
            raise UserError(f"{path}:{number}: a post needs \"text\" and lists \"themes\", \"woonkernen\"")
        posts.append({"id": post.get("id", f"{path.name}:{number}"), **post})
    return posts


def score(expected: list[list[str]], found: list[list[str]], labels: list[str]) -> dict[str, Score]:
    """Per label: the counts over posts whose expected and found labels are given in the same order."""
    counts = {label: [0, 0, 0] for label in labels}
    for gold, ours in zip(expected, found, strict=True):
        for label in labels:
            wanted, got = label in gold, label in ours
            if wanted or got:
                counts[label][0 if wanted and got else 1 if got else 2] += 1
    return {label: Score(*c) for label, c in counts.items()}


def evaluate(config_path: Path, posts: list[dict]) -> Report:
    """Tag the posts with the config's matcher and compare with their labels."""
    config = load_config(config_path)
    known = {"themes": set(config.terms.portfolios), "woonkernen": set(config.terms.woonkernen)}
    for post in posts:
        for what, names in known.items():
            unknown = sorted(set(post.get(what, [])) - names)
            if unknown:  # a label the config cannot find would count as a miss without saying why
                raise UserError(f"post {post['id']}: {what} {unknown} are not in {config_path}")
    found = matcher_for(config).match_frame([p["text"] for p in posts])
    themes = score([p.get("themes", []) for p in posts], found["themes"].to_list(), list(config.terms.portfolios))
    places = score([p.get("woonkernen", []) for p in posts], found["woonkernen"].to_list(), config.terms.woonkernen)
    overall = Score(*(sum(getattr(s, f) for s in [*themes.values(), *places.values()]) for f in ("tp", "fp", "fn")))
    errors = []
    for post, ours_themes, ours_places in zip(posts, found["themes"].to_list(), found["woonkernen"].to_list()):
        for what, gold, ours in (("themes", post.get("themes", []), ours_themes),
                                 ("woonkernen", post.get("woonkernen", []), ours_places)):
            if sorted(gold) != sorted(ours):
                errors.append((post["id"], what, gold, ours))
    return Report(themes, places, overall, errors)


def _figure(value: float | None) -> str:
    return "   –" if value is None else f"{value:.2f}"


def print_report(title: str, report: Report, posts: list[dict], show_errors: bool) -> None:
    print(f"{title}: {len(posts)} posts")
    print(f"  {'':<16}{'precision':>10}{'recall':>8}{'tp':>5}{'fp':>5}{'fn':>5}")
    for group in (report.themes, report.woonkernen):
        for label, s in group.items():
            flag = "" if s.meets_goal() else "  below goal"
            print(f"  {label:<16}{_figure(s.precision):>10}{_figure(s.recall):>8}{s.tp:>5}{s.fp:>5}{s.fn:>5}{flag}")
    o = report.overall
    print(f"  {'overall (micro)':<16}{_figure(o.precision):>10}{_figure(o.recall):>8}{o.tp:>5}{o.fp:>5}{o.fn:>5}")
    if show_errors:
        texts = {p["id"]: p["text"] for p in posts}
        for post_id, what, gold, ours in report.errors:
            print(f"  {post_id} {what}: expected {gold}, found {ours}: {texts[post_id]}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Precision and recall of theme and woonkern tagging.")
    parser.add_argument("--config", type=Path, default=DATA / "veenhorst.toml")
    parser.add_argument("--posts", type=Path, nargs="+",
                        default=[DATA / "posts.jsonl", DATA / "holdout.jsonl"])
    parser.add_argument("--errors", action="store_true", help="list every post tagged differently")
    args = parser.parse_args()
    try:
        for path in args.posts:
            posts = read_posts(path)
            print_report(str(path), evaluate(args.config, posts), posts, args.errors)
    except UserError as exc:
        sys.exit(str(exc))


if __name__ == "__main__":
    main()
