"""Leave-one-corpus-out for one story constant: does its chosen value generalise?

    uv run python bench/stories_loco.py --constant LINE_GENERIC_DOCS --values 100 300 1000 [--level storyline]
        [--only demo ecb neus indosum indosum-undated] [--no-embed]

For each value, the constant is set on `kabar.stories` and every corpus of
`bench/stories_eval.py` (the demo, ECB+ dev, NeuS dev, the IndoSum stream dated and
undated) is ingested and scored at the chosen level (B³ F1 of the stories, or of the
storylines). Then, for each corpus left out, the value with the best mean F1 on the *other* corpora is chosen
(`kabar.evaluate.leave_one_out`; a tie keeps the value the code ships, marked *), and
the left-out corpus's F1 at that value is reported: a score no choice was made on.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kabar import stories
from kabar.evaluate import leave_one_out

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stories_eval import CORPORA  # a sibling script


def _value(text: str, like: object) -> object:
    return type(like)(text) if isinstance(like, int | float) and not isinstance(like, bool) else text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--constant", required=True, help="a module-level constant of kabar.stories")
    parser.add_argument("--values", nargs="+", required=True)
    parser.add_argument("--level", choices=["story", "storyline"], default="story")
    parser.add_argument("--only", nargs="+", choices=sorted(CORPORA), default=sorted(CORPORA))
    parser.add_argument("--no-embed", action="store_true")
    args = parser.parse_args()
    if not hasattr(stories, args.constant) or not args.constant.isupper():
        parser.error(f"kabar.stories has no constant {args.constant}")
    shipped = getattr(stories, args.constant)
    values = [_value(v, shipped) for v in args.values]
    scores: dict[object, dict[str, float]] = {}
    try:
        for value in values:
            setattr(stories, args.constant, value)
            scores[value] = {}
            for name in args.only:
                report = CORPORA[name](not args.no_embed)
                level = report if args.level == "story" else report["storyline"]
                scores[value][name] = float(level["bcubed_f1"])  # type: ignore[index]
            print(json.dumps({"value": value, "f1": scores[value]}), flush=True)
    finally:
        setattr(stories, args.constant, shipped)
    print(f"\n{args.constant} ({args.level} B³ F1); shipped value {shipped}")
    print("value      " + "".join(f"{n:>10}" for n in args.only))
    for value in values:
        mark = " *" if value == shipped else "  "
        print(f"{value!s:<9}{mark}" + "".join(f"{scores[value][n]:>10.4f}" for n in args.only))
    if len(args.only) > 1:
        print("left out   chosen on the others   its F1 there   its F1 at the shipped value")
        for name, (chosen, f1) in leave_one_out(scores, prefer=shipped).items():
            at_shipped = f"{scores[shipped][name]:.4f}" if shipped in scores else "-"
            print(f"{name:<10} {chosen!s:<22} {f1:<14.4f} {at_shipped}")


if __name__ == "__main__":
    main()
