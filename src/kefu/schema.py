"""The canonical tables of the data contract and the warehouse DDL that stores them."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, kind of value, and whether a row needs it."""

    name: str
    kind: str  # text, time, decimal, integer, enum, bool, level (an evaluation level: 1-5 or its word)
    required: bool = True
    choices: tuple[str, ...] = ()
    default: str | None = None


@dataclass(frozen=True)
class Table:
    """One canonical table: file stem, columns, key, and the Chinese name users see."""

    name: str
    label_zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    # Stored columns computed from the canonical ones on import: (name, SQL over the typed row).
    derived: tuple[tuple[str, str], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        """The canonical column names in declaration order."""
        return tuple(c.name for c in self.columns)

    @property
    def stored_names(self) -> tuple[str, ...]:
        """The columns the warehouse stores: the canonical ones, then the derived ones."""
        return self.column_names + tuple(name for name, _ in self.derived)

    def column(self, name: str) -> Column:
        """The column called name."""
        return next(c for c in self.columns if c.name == name)


SENDERS = ("buyer", "agent", "bot", "auto", "system")
PRESENCE_STATUSES = ("online", "busy", "away", "offline")
# Evaluation levels and the words that stand for them (data.md: the words are accepted as the numbers).
EVALUATION_WORDS: dict[str, int] = {"非常满意": 5, "满意": 4, "一般": 3, "不满意": 2, "很不满意": 1}

# An evaluation is keyed by its eval_id; one without is keyed by a digest of the whole row, so that an
# identical row sent again is the same row and any other row a new one.
_EVAL_IDENTITY = ("account", "buyer", "invited_at", "rated_at", "level")
_EVAL_KEY = ("coalesce(eval_id, 'h:' || md5(concat_ws(chr(31), "
             + ", ".join(f"coalesce(CAST({c} AS VARCHAR), '')" for c in _EVAL_IDENTITY) + ")))")

TABLES: tuple[Table, ...] = (
    Table("accounts", "客服账号", (
        Column("account", "text"),
        Column("shop", "text", required=False),
        Column("agent_name", "text", required=False),
        Column("group", "text", required=False),
        Column("kind", "enum", required=False, choices=("human", "bot"), default="human"),
    ), key=("account",)),
    Table("messages", "聊天记录", (
        Column("msg_id", "text", required=False),
        Column("shop", "text", required=False),
        Column("buyer", "text"),
        Column("account", "text"),
        Column("sender", "enum", choices=SENDERS),
        Column("ts", "time"),
        Column("content", "text", required=False),
        Column("msg_type", "text", required=False, default="text"),
    )),
    Table("orders", "订单", (
        Column("order_id", "text"),
        Column("shop", "text"),
        Column("buyer", "text", required=False),
        Column("created_at", "time"),
        Column("paid_at", "time", required=False),
        Column("amount", "decimal"),
        Column("items", "integer", required=False, default="1"),
        Column("status", "text", required=False),
        Column("refund_amount", "decimal", required=False, default="0"),
    ), key=("shop", "order_id")),
    Table("refunds", "退款", (
        Column("refund_id", "text"),
        Column("order_id", "text"),
        Column("shop", "text"),
        Column("buyer", "text", required=False),
        Column("created_at", "time"),
        Column("finished_at", "time", required=False),
        Column("completed_by", "enum", required=False, choices=("merchant", "platform", "buyer")),
        Column("disputed", "bool", required=False, default="false"),
        Column("amount", "decimal", required=False),
        Column("handler", "text", required=False),
    ), key=("shop", "refund_id")),
    Table("complaints", "投诉", (
        Column("complaint_id", "text"),
        Column("order_id", "text", required=False),
        Column("shop", "text"),
        Column("created_at", "time"),
    ), key=("shop", "complaint_id")),
    Table("ratings", "评价(DSR)", (
        Column("order_id", "text"),
        Column("shop", "text"),
        Column("rated_at", "time"),
        Column("service_score", "integer"),
    ), key=("shop", "order_id")),
    Table("presence", "在线状态", (
        Column("account", "text"),
        Column("start", "time"),
        Column("end", "time"),
        Column("status", "enum", choices=PRESENCE_STATUSES),
    ), key=("account", "start")),
    Table("evaluations", "服务评价", (
        Column("eval_id", "text", required=False),
        Column("shop", "text", required=False),
        Column("account", "text"),
        Column("buyer", "text"),
        Column("invited_at", "time", required=False),
        Column("rated_at", "time", required=False),
        Column("level", "level", required=False),
    ), key=("shop", "eval_key"), derived=(("eval_key", _EVAL_KEY),)),
    Table("blocklist", "黑名单", (
        Column("shop", "text"),
        Column("buyer", "text"),
        Column("reason", "text", required=False),
    ), key=("shop", "buyer")),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

# Columns added after warehouses were first written: (table, column) -> the stored type, for the migration
# that adds them to an older warehouse when it is opened.
ADDED_COLUMNS: dict[tuple[str, str], str] = {("orders", "refund_amount"): "DECIMAL(18,4) DEFAULT 0",
                                             ("qc_findings", "finding_id"): "VARCHAR"}

# Stored column types. Times are instants, kept as UTC wall-clock TIMESTAMPs;
# money is DECIMAL so that sums are exact. `seq` orders messages that share a ts
# (file position within an import, imports in the order they were made). Messages have no
# primary key: its index over tens of millions of keys would cost more memory than the rows,
# and the importer keeps (shop, msg_key) unique by inserting only keys not yet stored.
# Keys are scoped to a shop (data.md): two shops may both have order 1001. An account's nick
# names one shop's account, so accounts stay keyed by nick and the importer refuses to move one.
WAREHOUSE_DDL: dict[str, str] = {
    "accounts": """CREATE TABLE IF NOT EXISTS accounts (
        account VARCHAR PRIMARY KEY, shop VARCHAR NOT NULL, agent_name VARCHAR,
        "group" VARCHAR, kind VARCHAR NOT NULL)""",
    "messages": """CREATE TABLE IF NOT EXISTS messages (
        shop VARCHAR NOT NULL, msg_key VARCHAR NOT NULL, msg_id VARCHAR,
        buyer VARCHAR NOT NULL, account VARCHAR NOT NULL, sender VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL, seq BIGINT NOT NULL, content VARCHAR, msg_type VARCHAR)""",
    "orders": """CREATE TABLE IF NOT EXISTS orders (
        order_id VARCHAR NOT NULL, shop VARCHAR NOT NULL, buyer VARCHAR,
        created_at TIMESTAMP NOT NULL, paid_at TIMESTAMP, amount DECIMAL(18,4) NOT NULL,
        items INTEGER NOT NULL, status VARCHAR, refund_amount DECIMAL(18,4) DEFAULT 0,
        PRIMARY KEY (shop, order_id))""",
    "refunds": """CREATE TABLE IF NOT EXISTS refunds (
        refund_id VARCHAR NOT NULL, order_id VARCHAR NOT NULL, shop VARCHAR NOT NULL,
        buyer VARCHAR, created_at TIMESTAMP NOT NULL, finished_at TIMESTAMP,
        completed_by VARCHAR, disputed BOOLEAN NOT NULL, amount DECIMAL(18,4), handler VARCHAR,
        PRIMARY KEY (shop, refund_id))""",
    "complaints": """CREATE TABLE IF NOT EXISTS complaints (
        complaint_id VARCHAR NOT NULL, order_id VARCHAR, shop VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL, PRIMARY KEY (shop, complaint_id))""",
    "ratings": """CREATE TABLE IF NOT EXISTS ratings (
        order_id VARCHAR NOT NULL, shop VARCHAR NOT NULL, rated_at TIMESTAMP NOT NULL,
        service_score INTEGER NOT NULL, PRIMARY KEY (shop, order_id))""",
    "evaluations": """CREATE TABLE IF NOT EXISTS evaluations (
        eval_id VARCHAR, shop VARCHAR NOT NULL, account VARCHAR NOT NULL, buyer VARCHAR NOT NULL,
        invited_at TIMESTAMP, rated_at TIMESTAMP, level INTEGER, eval_key VARCHAR NOT NULL,
        PRIMARY KEY (shop, eval_key))""",
    "presence": """CREATE TABLE IF NOT EXISTS presence (
        account VARCHAR NOT NULL, start TIMESTAMP NOT NULL, "end" TIMESTAMP NOT NULL,
        status VARCHAR NOT NULL, PRIMARY KEY (account, start))""",
    "blocklist": """CREATE TABLE IF NOT EXISTS blocklist (
        shop VARCHAR NOT NULL, buyer VARCHAR NOT NULL, reason VARCHAR,
        PRIMARY KEY (shop, buyer))""",
    # Quality inspection (质检): one row per run, its findings keyed by run; a later run over the same
    # scope replaces the findings. A run limited to one account has a row in qc_run_accounts.
    "qc_runs": """CREATE TABLE IF NOT EXISTS qc_runs (
        run_id VARCHAR PRIMARY KEY, started_at TIMESTAMP NOT NULL, rules VARCHAR NOT NULL,
        day_from DATE NOT NULL, day_to DATE NOT NULL, findings BIGINT NOT NULL)""",
    "qc_run_accounts": """CREATE TABLE IF NOT EXISTS qc_run_accounts (
        run_id VARCHAR PRIMARY KEY, account VARCHAR NOT NULL)""",
    "qc_findings": """CREATE TABLE IF NOT EXISTS qc_findings (
        run_id VARCHAR NOT NULL, shop VARCHAR NOT NULL, account VARCHAR NOT NULL, buyer VARCHAR NOT NULL,
        day DATE NOT NULL, ts TIMESTAMP NOT NULL, msg_key VARCHAR, rule_id VARCHAR NOT NULL,
        rule_name VARCHAR NOT NULL, category VARCHAR NOT NULL, severity VARCHAR NOT NULL, points DOUBLE NOT NULL,
        matched VARCHAR, text VARCHAR, finding_id VARCHAR)""",
    # The buyer's emotion over each conversation a QC run covered (kefu.qc.emotion: −1 … 1 per message): the
    # first, last and lowest buyer message; change and worsened are null with a single buyer message.
    "qc_emotions": """CREATE TABLE IF NOT EXISTS qc_emotions (
        run_id VARCHAR NOT NULL, shop VARCHAR NOT NULL, account VARCHAR NOT NULL, buyer VARCHAR NOT NULL,
        day DATE NOT NULL, buyer_messages BIGINT NOT NULL, start_score DOUBLE NOT NULL, end_score DOUBLE NOT NULL,
        low_score DOUBLE NOT NULL, low_msg_key VARCHAR, low_ts TIMESTAMP, change DOUBLE, worsened BOOLEAN,
        PRIMARY KEY (shop, account, buyer, day))""",
    # A manager's decision on a finding (confirmed: a real fault; dismissed: a false alarm), kept by the
    # finding's id (kefu.qc.store.finding_id: the same finding keeps its id when a run is repeated).
    "qc_reviews": """CREATE TABLE IF NOT EXISTS qc_reviews (
        finding_id VARCHAR PRIMARY KEY, shop VARCHAR NOT NULL, account VARCHAR NOT NULL, rule_id VARCHAR NOT NULL,
        decision VARCHAR NOT NULL, reviewer VARCHAR NOT NULL, note VARCHAR, decided_at TIMESTAMP NOT NULL)""",
    # 培训考试: the question bank (options/answer/tags as JSON; answer NULL = 待定答案), papers, attempts
    # (day = shop-local day taken; one point per keyed question, score = 100 * points / graded, NULL when
    # none was keyed) and answers.
    "exam_questions": """CREATE TABLE IF NOT EXISTS exam_questions (
        qid VARCHAR PRIMARY KEY, seq BIGINT NOT NULL, text VARCHAR NOT NULL, qtype VARCHAR NOT NULL,
        options VARCHAR NOT NULL, answer VARCHAR, explanation VARCHAR, tags VARCHAR NOT NULL, grp VARCHAR,
        source VARCHAR, updated_at TIMESTAMP NOT NULL)""",
    "exam_papers": """CREATE TABLE IF NOT EXISTS exam_papers (
        paper_id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, seed BIGINT NOT NULL, tags VARCHAR NOT NULL,
        items VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)""",
    "exam_attempts": """CREATE TABLE IF NOT EXISTS exam_attempts (
        attempt_id VARCHAR PRIMARY KEY, paper_id VARCHAR NOT NULL, shop VARCHAR NOT NULL, account VARCHAR NOT NULL,
        day DATE NOT NULL, taken_at TIMESTAMP NOT NULL, score DOUBLE, points DOUBLE NOT NULL,
        graded INTEGER NOT NULL, pending INTEGER NOT NULL, multi_credit VARCHAR NOT NULL)""",
    "exam_answers": """CREATE TABLE IF NOT EXISTS exam_answers (
        attempt_id VARCHAR NOT NULL, position INTEGER NOT NULL, qid VARCHAR NOT NULL, chosen VARCHAR NOT NULL,
        correct BOOLEAN, points DOUBLE, PRIMARY KEY (attempt_id, position))""",
    "kefu_meta": """CREATE TABLE IF NOT EXISTS kefu_meta (
        key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
}
