"""The dashboard page as rendered from a known picture: rows, a failing store, the chart, escaping."""

from __future__ import annotations

from bigcommerce_sync.dashboard import CHART, chart, render


def store(name: str, status: str | None, seconds: list[float], level: str | None = None) -> dict:
    return {
        "store_hash": name,
        "last_batch": None
        if status is None
        else {
            "id": 7,
            "status": status,
            "mode": "full",
            "sync_type": "all",
            "duration_seconds": 3.0,
            "documents": 12,
            "progress": None,
        },
        "health": None if level is None else {"level": level, "score": 91},
        "success_rate_30d": 0.5 if seconds else None,
        "failures_30d": 1,
        "durations_30d": [
            {"batch_id": i, "finished_at": f"2026-12-0{i + 1}T03:00:00+00:00", "seconds": s}
            for i, s in enumerate(seconds)
        ],
    }


PICTURE = {
    "generated_at": "2026-12-03T12:00:00+00:00",
    "stores": [store("good", "completed", [10.0, 40.0], "healthy"), store("bad", "failed", [])]
    + [store(f"idle{i}", None, []) for i in range(4)],
    "processing": [],
    "pending": [],
    "queue_depth": 0,
    "open_alerts": [],
    "recent_errors": [
        {
            "created_at": "t",
            "store_hash": "bad",
            "batch_id": 7,
            "task_id": "x",
            "message": "<script>x</script>",
        }
    ],
}


def test_bars_scale_to_the_longest_sync_and_the_legend_wraps():
    drawn = chart(PICTURE)

    assert [(b["store"], b["h"]) for b in drawn["bars"]] == [
        ("good", CHART["height"] // 4),
        ("good", CHART["height"]),
    ]
    assert [key["y"] for key in drawn["legend"]] == [176] * 4 + [194] * 2
    assert drawn["legend"][0]["rate"] == "50% succeeded" and drawn["legend"][1]["rate"] == "–"


def test_rows_show_the_last_sync_and_a_failing_store_as_failing():
    page = render(PICTURE)

    assert 'data-store="good"' in page and 'data-status="completed" data-level="healthy"' in page
    assert '<tr class="store failing" data-store="bad"' in page
    assert page.count('class="bar"') == 2
    assert "<script>x" not in page and "&lt;script&gt;x" in page
