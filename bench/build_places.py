"""Write monitor/detect/places.json: countries' and capitals' names in ~45 languages, from CLDR.

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python bench/build_places.py

Which bodies and languages is monitor/detect/places.py's CODES, LANGUAGES and CAPITALS.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from monitor.detect.places import cldr_names  # noqa: E402

OUT = REPO / "monitor" / "detect" / "places.json"


def main() -> int:
    names = sorted(set(cldr_names()))
    OUT.write_text(
        "[\n" + ",\n".join(json.dumps(n, ensure_ascii=False) for n in names) + "\n]\n",
        encoding="utf-8",
    )
    print(f"{OUT.relative_to(REPO)}: {len(names)} names")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
