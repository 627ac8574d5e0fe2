"""Build the shipped word-polarity table from the Pattern Dutch subjectivity lexicon (PDDL).

Run: python -m luisterpost.enrich.lexicon_build path/to/nl-sentiment.xml luisterpost/data/lexicon_nl.tsv
Each word gets the mean polarity, subjectivity and intensity over its senses."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

HEADER = (
    "# Derived from the Dutch subjectivity lexicon of CLiPS Pattern 1.2 (Tom De Smedt, Walter Daelemans),\n"
    "# released under the Open Data Commons PDDL. Per word: mean polarity (-1..1), subjectivity and\n"
    "# intensity over its senses. Rebuild with: python -m luisterpost.enrich.lexicon_build XML OUT\n"
)


def build(xml_path: Path, out_path: Path) -> int:
    """Write the derived table; return the number of words."""
    senses: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for word in ET.parse(xml_path).getroot().iter("word"):
        form = word.get("form", "").strip().lower()
        if form:
            senses[form].append(
                (float(word.get("polarity", 0)), float(word.get("subjectivity", 0)), float(word.get("intensity", 1)))
            )
    with out_path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        out.write("word\tpolarity\tsubjectivity\tintensity\n")
        for form in sorted(senses):
            values = senses[form]
            mean = [sum(v[i] for v in values) / len(values) for i in range(3)]
            out.write(f"{form}\t{mean[0]:.3f}\t{mean[1]:.3f}\t{mean[2]:.3f}\n")
    return len(senses)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]), Path(sys.argv[2])), "words")
