"""What news detection costs an item, on a realistic mix: the bench corpus's feed items (general
news, 8 % of them with a designation-like sentence) plus the real items of ../shared/data/news/.

    .venv/bin/python bench/detect_cost.py [feeds]      # default 300 feeds (~9,000 items)

Prints CPU per item (mean, p50, p99, max) for the whole mix and for the items that reached the
sentence model, how many did, and the process's peak RSS before and after the model loaded.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.corpus import feed_items  # noqa: E402
from monitor.config import load_settings  # noqa: E402
from monitor.detect import semantic  # noqa: E402
from monitor.detect.classify import detect_designations  # noqa: E402
from monitor.detect.model import NewsItem  # noqa: E402
from monitor.detect.topics import match_topics  # noqa: E402

REAL_SET = REPO.parent / "shared" / "data" / "news" / "items.jsonl"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def mix(feeds: int) -> list[NewsItem]:
    items = [
        NewsItem(title=i.title, summary=i.body, published=i.published)
        for index in range(feeds)
        for i in feed_items(index)
    ]
    if REAL_SET.exists():
        with REAL_SET.open(encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        items += [NewsItem(title=r["title"], summary=r["summary"]) for r in rows]
    return items


def main(argv: list[str]) -> int:
    feeds = int(argv[1]) if len(argv) > 1 else 300
    settings = load_settings(REPO / "monitor.toml", env={})
    items = mix(feeds)
    before = _rss_mb()
    costs: list[float] = []
    modelled: list[float] = []
    for item in items:
        hits = semantic.embed.cache_info().misses
        start = time.process_time()
        detect_designations(item, settings.watches)
        match_topics(item, settings.topics)
        spent = (time.process_time() - start) * 1000
        costs.append(spent)
        if semantic.embed.cache_info().misses != hits:
            modelled.append(spent)
    costs.sort()
    print(f"{len(items)} items ({feeds} bench feeds + the real corpus), CPU ms per item:")
    print(f"  all:     mean {statistics.fmean(costs):.3f}  p50 {costs[len(costs) // 2]:.3f}  "
          f"p99 {costs[int(len(costs) * 0.99)]:.3f}  max {costs[-1]:.1f}")  # fmt: skip
    if modelled:
        modelled.sort()
        print(f"  model:   {len(modelled)} items ({len(modelled) / len(items):.1%}), mean "
              f"{statistics.fmean(modelled):.1f}  p99 {modelled[int(len(modelled) * 0.99)]:.1f}")  # fmt: skip
    print(f"  peak RSS {before:.0f} MB before classifying, {_rss_mb():.0f} MB after")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
