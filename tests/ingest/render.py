"""Render canonical rows as the shop exports kefu reads: Qianniu chat text, chat tables, Tmall order/refund reports."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl

# Message header styles of Qianniu text exports: (nick, time text) -> line.
HEADERS: dict[str, Callable[[str, str], str]] = {
    "time_nick": lambda nick, ts: f"{ts} {nick}",
    "nick_paren": lambda nick, ts: f"{nick} ({ts}):",
    "nick_time": lambda nick, ts: f"{nick} {ts}",
    "paren_nick": lambda nick, ts: f"({ts}) {nick}",
    "nick_fullwidth": lambda nick, ts: f"{nick}（{ts}）：",
}
# Time styles: padded with dashes, padded with slashes, unpadded.
TIMES: dict[str, Callable[[dt.datetime], str]] = {
    "dash": lambda t: t.strftime("%Y-%m-%d %H:%M:%S"),
    "slash": lambda t: t.strftime("%Y/%m/%d %H:%M:%S"),
    "unpadded": lambda t: f"{t.year}-{t.month}-{t.day} {t.hour}:{t.minute:02d}:{t.second:02d}",
}
PARTNERS: dict[str, Callable[[str], str]] = {
    "object": lambda b: f"消息对象: {b}",
    "object_fullwidth": lambda b: f"消息对象：{b}",
    "with": lambda b: f"与 {b} 的聊天记录",
}
SEPARATOR = "=" * 40


def chat_nick(msg: dict[str, str | None]) -> str:
    """The nick a text export shows for a canonical message."""
    return "系统消息" if msg["sender"] == "system" else (msg["buyer"] if msg["sender"] == "buyer" else msg["account"])


def chat_body(msg: dict[str, str | None]) -> str | None:
    """The text a Qianniu export shows: auto replies carry their marker."""
    return f"[自动回复]{msg['content']}" if msg["sender"] == "auto" else msg["content"]


Block = tuple[str | None, str, Sequence[dict[str, str | None]]]


def qianniu_text(blocks: Sequence[Block], *, header: str = "time_nick", time: str = "dash", partner: str = "object",
                 newline: str = "\n") -> str:
    """A chat text: per block (owner account or None, buyer, messages) an owner line, a partner line, the messages."""
    lines: list[str] = []
    for owner, buyer, msgs in blocks:
        if owner is not None:
            lines.append(f"导出账号: {owner}")
        lines += [SEPARATOR, PARTNERS[partner](buyer), SEPARATOR]
        for msg in msgs:
            ts = dt.datetime.fromisoformat(str(msg["ts"]))
            lines.append(HEADERS[header](chat_nick(msg), TIMES[time](ts)))
            body = chat_body(msg)
            if body:
                lines += body.split("\n")
            lines.append("")
    return newline.join(lines) + newline


def csv_text(header: Sequence[str], rows: Sequence[Sequence[str | None]], delimiter: str = ",",
             newline: str = "\r\n") -> str:
    """Rows as delimited text the way Excel and the Taobao back-end write it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue()


def write_text(path: Path, text: str, encoding: str) -> Path:
    """Write text in an encoding ('utf-16' writes a BOM, 'utf-8-sig' too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]], *, title_rows: int = 0) -> Path:
    """A one-sheet workbook; title_rows blank rows above the header, as some exports have."""
    book = openpyxl.Workbook()
    ws = book.active
    for _ in range(title_rows):
        ws.append([])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


ORDER_HEADER = ["订单编号", "买家会员名", "买家实际支付金额", "收货地址 ", "订单状态", "宝贝总数量", "订单创建时间",
                "订单付款时间 ", "店铺名称"]


def order_report_rows(orders: Sequence[dict[str, str | None]], refunds: bool = False) -> list[list[str | None]]:
    """Tmall order report rows of canonical orders, the ids as ="…" and the paid time with a trailing tab.

    With refunds, each row ends with the order's 退款金额 (ORDER_HEADER + ["退款金额"]).
    """
    return [[f'="{o["order_id"]}"', o["buyer"], o["amount"], "浙江省", o["status"], o["items"], o["created_at"],
             (o["paid_at"] + "\t") if o["paid_at"] else "", o["shop"]]
            + ([o.get("refund_amount") or "0.00"] if refunds else []) for o in orders]


REFUND_HEADER = ["退款编号", "订单编号", "买家会员名", "买家退款金额", "退款的申请时间", "退款完结时间", "退款状态",
                 "客服介入状态", "店铺名称"]


def refund_report_rows(refunds: Sequence[dict[str, str | None]]) -> list[list[str | None]]:
    """Tmall refund report rows of canonical refunds (disputed ones say 需要客服介入)."""
    return [[f'="{r["refund_id"]}"', f"'{r['order_id']}", r["buyer"], r["amount"], r["created_at"],
             r["finished_at"] or "", "退款成功" if r["finished_at"] else "买家已经申请退款，等待卖家同意",
             "需要客服介入" if r["disputed"] == "true" else "客服未介入", r["shop"]] for r in refunds]


def read_canonical(path: Path) -> list[dict[str, str | None]]:
    """A canonical CSV file's rows, empty values as None."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(fh)]
