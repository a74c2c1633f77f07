"""evaluations.csv (data.md): canonical and Qianniu 客服评价 exports, the bad-row rules, keys, updates by eval_id."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from kefu.config import Settings
from kefu.ingest import import_paths
from kefu.schema import EVALUATION_WORDS
from kefu.store import Warehouse
from tests.ingest.render import write_xlsx

HEADER = "eval_id,shop,account,buyer,invited_at,rated_at,level\n"
QIANNIU_HEADER = ["评价编号", "店铺名称", "客服子账号", "买家昵称", "邀评时间", "评价时间", "评价结果"]


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(tmp_path / "kefu.duckdb") as w:
        yield w


def write(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "evaluations.csv").write_text(HEADER + body, encoding="utf-8")
    return folder


def stored(wh: Warehouse) -> list[tuple]:
    return wh.con.execute("SELECT eval_id, shop, account, buyer, CAST(invited_at AS VARCHAR), "
                          "CAST(rated_at AS VARCHAR), level FROM evaluations ORDER BY ALL").fetchall()


def test_bad_rows_are_rejected_by_line_and_column_and_good_rows_go_in(wh: Warehouse, tmp_path: Path) -> None:
    folder = write(tmp_path / "a", "\n".join([
        "e1,,店:甲,买家1,2026-11-11 10:00:00,2026-11-11 11:00:00,非常满意",
        "e2,,店:甲,买家2,,,",
        "e3,,店:甲,买家3,,2026-11-11 11:00:00,",
        "e4,,店:甲,买家4,2026-11-11 10:00:00,,4",
        "e5,,店:甲,买家5,,2026-11-11 11:00:00,6",
        "e6,,店:甲,买家6,,2026-11-11 11:00:00,很满意",
        "e7,,店:甲,,2026-11-11 10:00:00,,",
        "e8,,店:甲,买家8,2026-13-11 10:00:00,,",
        "e9,,店:甲,买家9,2026-11-11 10:00:00,,",
    ]) + "\n")
    summary = import_paths(wh, [folder], Settings())
    got = {(r.line, r.column) for r in summary.rejections}
    assert got == {(3, "invited_at"), (4, "level"), (5, "rated_at"), (6, "level"), (7, "level"), (8, "buyer"),
                   (9, "invited_at")}
    # The shop comes from the account's nick; times are stored as UTC instants; the word is the number.
    assert stored(wh) == [("e1", "店", "店:甲", "买家1", "2026-11-11 02:00:00", "2026-11-11 03:00:00", 5),
                          ("e9", "店", "店:甲", "买家9", "2026-11-11 02:00:00", None, None)]


def test_an_invitation_later_rated_updates_its_row_and_reimport_changes_nothing(wh: Warehouse,
                                                                               tmp_path: Path) -> None:
    first = write(tmp_path / "a", "e1,,店:甲,买家1,2026-11-11 10:00:00,,\n,,店:甲,买家2,,2026-11-11 12:00:00,3\n")
    import_paths(wh, [first], Settings())
    again = import_paths(wh, [first], Settings())
    assert again.facts_shops == [] and len(stored(wh)) == 2  # nothing changed, nothing recomputed
    later = write(tmp_path / "b", "e1,,店:甲,买家1,2026-11-11 10:00:00,2026-11-12 09:00:00,满意\n")
    import_paths(wh, [later], Settings())
    assert stored(wh)[0] == ("e1", "店", "店:甲", "买家1", "2026-11-11 02:00:00", "2026-11-12 01:00:00", 4)
    assert len(stored(wh)) == 2


def test_rows_without_an_id_are_kept_as_they_are_identical_ones_once(wh: Warehouse, tmp_path: Path) -> None:
    rows = [",,店:甲,买家1,,2026-11-11 12:00:00,5", ",,店:甲,买家1,,2026-11-11 12:00:00,5",
            ",,店:甲,买家1,,2026-11-11 12:00:00,4", ",,店:甲,买家1,2026-11-11 11:00:00,,"]
    folder = write(tmp_path / "a", "\n".join(rows) + "\n")
    import_paths(wh, [folder], Settings())
    import_paths(wh, [folder], Settings())
    assert sorted(r[5:] for r in stored(wh) if r[5]) == [("2026-11-11 04:00:00", 4), ("2026-11-11 04:00:00", 5)]
    assert len(stored(wh)) == 3


def test_keys_are_scoped_to_a_shop(wh: Warehouse, tmp_path: Path) -> None:
    import_paths(wh, [write(tmp_path / "a", "e1,甲店,甲店:小王,买家,,2026-11-11 12:00:00,5\n")], Settings())
    import_paths(wh, [write(tmp_path / "b", "e1,乙店,乙店:小李,买家,,2026-11-11 13:00:00,1\n")], Settings())
    assert [(r[1], r[6]) for r in stored(wh)] == [("乙店", 1), ("甲店", 5)]


def test_qianniu_export_in_csv_and_xlsx(wh: Warehouse, tmp_path: Path) -> None:
    rows = [['="EV1"', "橙子旗舰店", "橙子旗舰店:小王", "猫猫1", "2026-11-11 10:05:00", "2026-11-11 10:20:00",
             "非常满意"],
            ['="EV2"', "橙子旗舰店", "橙子旗舰店:小王", "tb_dog", "2026-11-11 11:00:00", "", "未评价"],
            ['="EV3"', "橙子旗舰店", "橙子旗舰店:小李", "tb_cow", "", "2026-11-12 09:30:00", "不满意"]]
    text = ",".join(QIANNIU_HEADER) + "\n" + "\n".join(",".join(r) for r in rows) + "\n"
    (tmp_path / "客服评价明细.csv").write_text(text, encoding="gb18030")
    summary = import_paths(wh, [tmp_path / "客服评价明细.csv"], Settings())
    f = summary.files[0]
    assert (f.format, f.table, f.inserted, f.rejected_count) == ("qianniu_evaluations", "evaluations", 3, 0)
    assert [(r[0], r[6]) for r in stored(wh)] == [("EV1", 5), ("EV2", None), ("EV3", 2)]
    xlsx = write_xlsx(tmp_path / "评价.xlsx", QIANNIU_HEADER,
                      [[r[0].strip('="'), *r[1:6], "满意" if i == 1 else r[6]] for i, r in enumerate(rows)],
                      title_rows=1)
    summary = import_paths(wh, [xlsx], Settings())
    assert (summary.files[0].format, summary.files[0].replaced, summary.files[0].duplicates) == (
        "qianniu_evaluations", 0, 2)
    assert [(r[0], r[6]) for r in stored(wh)] == [("EV1", 5), ("EV2", None), ("EV3", 2)]
    assert summary.rejections[0].line and summary.rejections[0].column == "rated_at"  # 满意 without a time


@hyp_settings(max_examples=60, deadline=None)
@given(level=st.one_of(st.sampled_from([*EVALUATION_WORDS, "0", "6", "5.0", " 3 ", "05"]), st.text(max_size=4)))
def test_levels_are_one_to_five_or_their_words(tmp_path_factory: pytest.TempPathFactory, level: str) -> None:
    folder = tmp_path_factory.mktemp("lvl")
    text = level.replace('"', '""')
    (folder / "evaluations.csv").write_text(HEADER + f'e1,,店:甲,买家,,2026-11-11 12:00:00,"{text}"\n',
                                            encoding="utf-8")
    with Warehouse.open(folder / "kefu.duckdb") as wh:
        summary = import_paths(wh, [folder], Settings())
        got = wh.con.execute("SELECT level FROM evaluations").fetchall()
    clean = level.strip()
    want = EVALUATION_WORDS.get(clean) or (int(clean) if clean in {"1", "2", "3", "4", "5"} else None)
    if want is None:
        assert got == [] and summary.rejections[0].column == "level"
    else:
        assert got == [(want,)] and not summary.rejections
