"""The tables of sections 二, 三 and 四 of the standard report formats (国办公开办函〔2019〕60号 and
〔2021〕30号), their figures, and the keys under which `Body.tables` records every numeric cell.

Keys are "section/row/column":
- 二/<row label>/<column label>, labels as in the form with "/" and the unit note dropped
  (二/行政许可/本年增减, 二/行政事业性收费/本年收费金额, 二/行政规范性文件/现行有效件数);
- 三/<row>/<column>, rows 一, 二, 三(一), 三(二), 三(三)1…8, 三(四)1…3, 三(五)1…5, 三(六)1…3 (2021
  only), 三(总计) (written (七)总计 in 2021 and (六)总计 in 2019), 四; columns 自然人, 商业企业, 科研机构,
  社会公益组织, 法律服务机构, 其他, 总计;
- 四/<行政复议|未经复议直接起诉|复议后起诉>/<结果维持|结果纠正|其他结果|尚未审结|总计>.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping
from dataclasses import dataclass

from .model import Cell, Table, Unit
from .style import chance

APPLICANTS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
COLUMNS = (*APPLICANTS, "总计")
IDENTITY_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "三(三)",
        "（三）不予公开",
        (
            "属于国家秘密",
            "其他法律行政法规禁止公开",
            "危及“三安全一稳定”",
            "保护第三方合法权益",
            "属于三类内部事务信息",
            "属于四类过程性信息",
            "属于行政执法案卷",
            "属于行政查询事项",
        ),
    ),
    (
        "三(四)",
        "（四）无法提供",
        ("本机关不掌握相关政府信息", "没有现成信息需要另行制作", "补正后申请内容仍不明确"),
    ),
    (
        "三(五)",
        "（五）不予处理",
        (
            "信访举报投诉类申请",
            "重复申请",
            "要求提供公开出版物",
            "无正当理由大量反复申请",
            "要求行政机关确认或重新出具已获取信息",
        ),
    ),
    (
        "三(六)",
        "（六）其他处理",
        (
            "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "其他",
        ),
    ),
)

# How often a request ends in each result row; (六) exists only in the 2021 form.
_OUTCOME_WEIGHTS = {
    "三(一)": 45.0,
    "三(二)": 8.0,
    "三(三)1": 0.3,
    "三(三)2": 0.3,
    "三(三)3": 0.5,
    "三(三)4": 2.0,
    "三(三)5": 1.0,
    "三(三)6": 2.0,
    "三(三)7": 0.5,
    "三(三)8": 1.0,
    "三(四)1": 18.0,
    "三(四)2": 3.0,
    "三(四)3": 2.0,
    "三(五)1": 5.0,
    "三(五)2": 3.0,
    "三(五)3": 1.0,
    "三(五)4": 0.5,
    "三(五)5": 1.5,
    "三(六)1": 3.0,
    "三(六)2": 0.4,
    "三(六)3": 2.0,
}
_APPLICANT_WEIGHTS = (82.0, 10.0, 1.0, 1.0, 3.0, 3.0)


def result_rows(fmt: str) -> list[str]:
    """Row keys of 三、本年度办理结果 in table order, 三(总计) last."""
    rows = ["三(一)", "三(二)"]
    for key, _label, subs in _GROUPS:
        if key == "三(六)" and fmt != "standard-2021":
            continue
        rows.extend(f"{key}{i}" for i in range(1, len(subs) + 1))
    return [*rows, "三(总计)"]


def section3_rows(fmt: str) -> list[str]:
    return ["一", "二", *result_rows(fmt), "四"]


# -- section 三 ------------------------------------------------------------------------------------


def section3_figures(rng: random.Random, unit: Unit, fmt: str) -> dict[str, list[int]]:
    """Row key -> the 7 values (six applicant columns, then 总计), all identities holding."""
    share, high = {"department": (0.45, 30), "zone": (0.35, 8)}.get(unit.kind, (0.25, 5))
    received = rng.randint(1, high) if chance(rng, share) else 0
    carried = rng.randint(1, 3) if chance(rng, 0.12) else 0
    rows = section3_rows(fmt)
    grid = {row: [0] * 6 for row in rows}
    outcomes = [r for r in result_rows(fmt) if r != "三(总计)"]
    weights = [_OUTCOME_WEIGHTS[r] for r in outcomes]
    for source, count in (("一", received), ("二", carried)):
        for _ in range(count):
            col = rng.choices(range(6), _APPLICANT_WEIGHTS)[0]
            grid[source][col] += 1
            end = "四" if chance(rng, 0.07) else rng.choices(outcomes, weights)[0]
            grid[end][col] += 1
            grid["三(总计)"][col] += 1 if end != "四" else 0
    return {row: [*vals, sum(vals)] for row, vals in grid.items()}


@functools.cache
def _label_cells(fmt: str) -> Mapping[str, tuple[Cell, ...]]:
    """The leading label cells of each value row, spans included, as the form lays them out."""
    results = result_rows(fmt)
    cells: dict[str, tuple[Cell, ...]] = {
        "一": (Cell("一、本年新收政府信息公开申请数量", colspan=3),),
        "二": (Cell("二、上年结转政府信息公开申请数量", colspan=3),),
        "三(一)": (
            Cell("三、本年度办理结果", rowspan=len(results)),
            Cell("（一）予以公开", colspan=2),
        ),
        "三(二)": (Cell("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", colspan=2),),
        "三(总计)": (Cell("（七）总计" if fmt == "standard-2021" else "（六）总计", colspan=2),),
        "四": (Cell("四、结转下年度继续办理", colspan=3),),
    }
    for key, label, subs in _GROUPS:
        for i, sub in enumerate(subs, 1):
            row = f"{key}{i}"
            if row not in results:
                continue
            lead = (Cell(label, rowspan=len(subs)),) if i == 1 else ()
            cells[row] = (*lead, Cell(f"{i}.{sub}"))
    return cells


def section3_table(values: dict[str, list[int]], fmt: str) -> Table:
    head = (
        Cell(IDENTITY_NOTE, rowspan=2, colspan=3, header=True),
        Cell("自然人", rowspan=2, header=True),
        Cell("法人或其他组织", colspan=5, header=True),
        Cell("总计", rowspan=2, header=True),
    )
    sub_head = tuple(Cell(x, header=True) for x in APPLICANTS[1:])
    labels = _label_cells(fmt)
    rows: list[tuple[Cell, ...]] = [head, sub_head]
    for row in section3_rows(fmt):
        rows.append(labels[row] + tuple(_value_cell(v) for v in values[row]))
    return Table(tuple(rows))


@functools.cache
def _value_cell(value: int) -> Cell:
    # Cells are immutable; sharing them keeps a 180-cell table cheap to build.
    return Cell(str(value))


def section3_keys(values: dict[str, list[int]]) -> dict[str, int | float]:
    return {
        f"三/{row}/{col}": v for row, vals in values.items() for col, v in zip(COLUMNS, vals, strict=True)
    }


# -- section 四 ------------------------------------------------------------------------------------

REVIEW_GROUPS = ("行政复议", "未经复议直接起诉", "复议后起诉")
REVIEW_COLUMNS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


def section4_figures(rng: random.Random, requests: int) -> list[int]:
    """The 15 numbers: 行政复议, then 诉讼 未经复议直接起诉, then 复议后起诉 (each 4 results + 总计)."""
    numbers: list[int] = []
    for group, share in zip(REVIEW_GROUPS, (0.5, 0.25, 0.15), strict=True):
        base = [0, 0, 0, 0]
        if requests and chance(rng, 0.12 * share * 2):
            for _ in range(rng.randint(1, 3 if group == "行政复议" else 1)):
                base[rng.choices(range(4), (5.0, 1.5, 1.0, 1.5))[0]] += 1
        numbers.extend([*base, sum(base)])
    return numbers


def section4_table(numbers: list[int]) -> Table:
    return Table(
        (
            (Cell("行政复议", colspan=5, header=True), Cell("行政诉讼", colspan=10, header=True)),
            (
                *(Cell(x, rowspan=2, header=True) for x in REVIEW_COLUMNS),
                Cell("未经复议直接起诉", colspan=5, header=True),
                Cell("复议后起诉", colspan=5, header=True),
            ),
            tuple(Cell(x, header=True) for x in REVIEW_COLUMNS * 2),
            tuple(_value_cell(n) for n in numbers),
        )
    )


def section4_keys(numbers: list[int]) -> dict[str, int | float]:
    keys = [f"四/{g}/{c}" for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]
    return dict(zip(keys, numbers, strict=True))


# -- section 二 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    item: str  # 第二十条第(X)项
    columns: tuple[str, ...]
    rows: tuple[str, ...]


_BLOCKS_2021 = (
    _Block("（一）", ("本年制发件数", "本年废止件数", "现行有效件数"), ("规章", "行政规范性文件")),
    _Block("（五）", ("本年处理决定数量",), ("行政许可",)),
    _Block("（六）", ("本年处理决定数量",), ("行政处罚", "行政强制")),
    _Block("（八）", ("本年收费金额（单位：万元）",), ("行政事业性收费",)),
)
_BLOCKS_2019 = (
    _Block("（一）", ("本年新制作数量", "本年新公开数量", "对外公开总数量"), ("规章", "规范性文件")),
    _Block(
        "（五）",
        ("上一年项目数量", "本年增/减", "处理决定数量"),
        ("行政许可", "其他对外管理服务事项"),
    ),
    _Block("（六）", ("上一年项目数量", "本年增/减", "处理决定数量"), ("行政处罚", "行政强制")),
    _Block("（八）", ("上一年项目数量", "本年增/减"), ("行政事业性收费",)),
    _Block("（九）", ("采购项目数量", "采购总金额"), ("政府集中采购",)),
)


def _column_key(label: str) -> str:
    return label.replace("/", "").split("（")[0]


def _amount(rng: random.Random, share: float, low: float, high: float) -> str:
    if not chance(rng, share):
        return "0"
    return f"{rng.uniform(low, high):.2f}"


def _count(rng: random.Random, share: float, high: int) -> int:
    return rng.randint(1, high) if chance(rng, share) else 0


def _delta(rng: random.Random) -> int:
    return rng.choice((0, 0, 0, 0, 1, 2, -1, -2, 3))


def section2_figures(rng: random.Random, unit: Unit, fmt: str) -> dict[tuple[str, str], str]:
    """(row, column label) -> the value as written."""
    dept = unit.kind == "department"
    street = unit.kind in ("street", "town")
    made = _count(rng, 0.4 if dept else 0.1, 4)
    out: dict[tuple[str, str], str] = {}
    licences = _count(rng, 0.5 if dept else (0.2 if street else 0.3), 900 if dept else 40)
    penalties = _count(rng, 0.5 if dept else 0.3, 150 if dept else 30)
    coercion = _count(rng, 0.15, 20)
    if fmt == "standard-2021":
        repealed = _count(rng, 0.15, 2)
        values: dict[tuple[str, str], object] = {
            ("规章", "本年制发件数"): 0,
            ("规章", "本年废止件数"): 0,
            ("规章", "现行有效件数"): 0,
            ("行政规范性文件", "本年制发件数"): made,
            ("行政规范性文件", "本年废止件数"): repealed,
            ("行政规范性文件", "现行有效件数"): made + _count(rng, 0.5 if dept else 0.1, 15),
            ("行政许可", "本年处理决定数量"): licences,
            ("行政处罚", "本年处理决定数量"): penalties,
            ("行政强制", "本年处理决定数量"): coercion,
            ("行政事业性收费", "本年收费金额（单位：万元）"): _amount(rng, 0.4 if dept else 0.05, 0.5, 600.0),
        }
    else:
        values = {
            ("规章", "本年新制作数量"): 0,
            ("规章", "本年新公开数量"): 0,
            ("规章", "对外公开总数量"): 0,
            ("规范性文件", "本年新制作数量"): made,
            ("规范性文件", "本年新公开数量"): made,
            ("规范性文件", "对外公开总数量"): made + _count(rng, 0.5 if dept else 0.1, 15),
        }
        for row, decisions, items in (
            ("行政许可", licences, 60 if dept else 8),
            ("其他对外管理服务事项", _count(rng, 0.2, 30), 20),
            ("行政处罚", penalties, 300 if dept else 20),
            ("行政强制", coercion, 30),
        ):
            values[(row, "上一年项目数量")] = _count(rng, 0.6 if dept else 0.2, items)
            values[(row, "本年增/减")] = _delta(rng) if values[(row, "上一年项目数量")] else 0
            values[(row, "处理决定数量")] = decisions
        fee_items = _count(rng, 0.4 if dept else 0.05, 8)
        values[("行政事业性收费", "上一年项目数量")] = fee_items
        values[("行政事业性收费", "本年增/减")] = _delta(rng) if fee_items else 0
        purchases = _count(rng, 0.5 if dept else 0.2, 30)
        values[("政府集中采购", "采购项目数量")] = purchases
        values[("政府集中采购", "采购总金额")] = _amount(rng, 1.0, 1.0, 900.0) if purchases else "0"
    for key, value in values.items():
        out[key] = str(value)
    return out


def _spans(count: int) -> tuple[int, ...]:
    """Column spans so that every block fills the same 3 value columns of the form."""
    return {1: (3,), 2: (1, 2), 3: (1, 1, 1)}[count]


def section2_table(values: dict[tuple[str, str], str], fmt: str) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for block in _BLOCKS_2021 if fmt == "standard-2021" else _BLOCKS_2019:
        spans = _spans(len(block.columns))
        rows.append((Cell(f"第二十条第{block.item}项", colspan=4, header=True),))
        rows.append(
            (
                Cell("信息内容", header=True),
                *(Cell(c, colspan=s, header=True) for c, s in zip(block.columns, spans, strict=True)),
            )
        )
        for row in block.rows:
            rows.append(
                (
                    Cell(row),
                    *(Cell(values[(row, c)], colspan=s) for c, s in zip(block.columns, spans, strict=True)),
                )
            )
    return Table(tuple(rows))


def section2_keys(values: dict[tuple[str, str], str]) -> dict[str, int | float]:
    return {f"二/{row}/{_column_key(col)}": _number(v) for (row, col), v in values.items()}


def _number(written: str) -> int | float:
    return float(written) if "." in written else int(written)


# -- consistency ----------------------------------------------------------------------------------


def table_anomalies(three: dict[str, list[int]], four: list[int] | None) -> list[str]:
    """The anomaly codes a reader checking the tables must report: `table_identity_broken` when
    row 一 + row 二 differs from row 三(总计) + row 四 in some column, `table_total_mismatch` when a
    总计 differs from the sum of its parts (a 三 row's six applicant columns, a column of the result
    rows against 三(总计), a group of 四 against its four results)."""
    found: list[str] = []
    rows = list(three)
    if any(
        three["一"][c] + three["二"][c] != three["三(总计)"][c] + three["四"][c] for c in range(len(COLUMNS))
    ):
        found.append("table_identity_broken")
    results = [r for r in rows if r.startswith("三(") and r != "三(总计)"]
    row_sums = any(sum(vals[:6]) != vals[6] for vals in three.values())
    column_sums = any(sum(three[r][c] for r in results) != three["三(总计)"][c] for c in range(len(COLUMNS)))
    review = four is not None and any(sum(four[g : g + 4]) != four[g + 4] for g in (0, 5, 10))
    if row_sums or column_sums or review:
        found.append("table_total_mismatch")
    return found
