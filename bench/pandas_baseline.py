"""The baseline: reply rate, average response time and conversion per account-day, as an analyst writes them in pandas.

Same rules as the contract (filters, bursts, presence clock, last-touch attribution, one-day
window) with default settings, so the figures can be checked against kefu's.
"""
from __future__ import annotations

import re
import warnings

import pandas as pd

from kefu.filters import AD_WORDS, CONTACT_PATTERN

KEYS = ["shop", "account", "buyer", "day"]
WINDOW_DAYS = 1


def _local(ts: pd.Series, zone: str) -> pd.Series:
    return ts.dt.tz_localize("UTC").dt.tz_convert(zone).dt.tz_localize(None)


def baseline(t: dict[str, pd.DataFrame], zone: str = "Asia/Shanghai") -> pd.DataFrame:
    """reply_rate, avg_response_s, conversion_rate per (shop, account, day)."""
    m = t["messages"].copy()
    m["day"] = _local(m["ts"], zone).dt.normalize()

    # Filtered buyers of a shop-day: blocklist, sub-accounts, internal nicks, ad senders.
    blocked = set(zip(t["blocklist"]["shop"], t["blocklist"]["buyer"]))
    internal = set(zip(t["accounts"]["shop"], t["accounts"]["account"])) | set(zip(m["shop"], m["account"]))
    internal |= {(s, s) for s in m["shop"].unique()}
    words = m["content"].str.contains("|".join(AD_WORDS), regex=True, na=False)
    with warnings.catch_warnings():  # the pattern's groups are only for alternation
        warnings.simplefilter("ignore", UserWarning)
        contact = m["content"].str.contains(re.compile(CONTACT_PATTERN, re.I | re.A | re.S), na=False)
    ads = m[(m["sender"] == "buyer") & words & contact][["shop", "day", "buyer"]].drop_duplicates()
    pair = pd.Series(list(zip(m["shop"], m["buyer"])), index=m.index)
    bad = pair.isin(blocked | internal) | m["buyer"].str.contains(":", regex=False)
    m = m[~bad]
    m = m.merge(ads.assign(ad=True), on=["shop", "day", "buyer"], how="left")
    m = m[m["ad"].isna()]

    c = m[m["sender"].isin(["buyer", "agent", "bot"])].sort_values(KEYS + ["ts", "seq"]).reset_index(drop=True)
    g = c.groupby(KEYS, sort=False)
    c["is_buyer"] = c["sender"] == "buyer"
    c["pos"] = g.cumcount()
    first_buyer = c["pos"].where(c["is_buyer"]).groupby([c[k] for k in KEYS]).transform("min")
    c["reply_after_first"] = ~c["is_buyer"] & (c["pos"] > first_buyer)
    conv = c.groupby(KEYS).agg(inquiry=("is_buyer", "any"), replied=("reply_after_first", "any")).reset_index()
    conv = conv[conv["inquiry"]]

    # Questions: a buyer message not following a buyer message; its reply is the next valid reply that day.
    prev = g["sender"].shift()
    reply_ts = c["ts"].where(~c["is_buyer"])
    c["next_reply"] = reply_ts.groupby([c[k] for k in KEYS]).shift(-1)
    c["next_reply"] = c["next_reply"].groupby([c[k] for k in KEYS]).bfill()
    q = c[c["is_buyer"] & (prev != "buyer")].copy()

    # The response clock waits for the account's next online interval when it was offline.
    p = t["presence"]
    online = p[p["status"].isin(["online", "busy"])].sort_values("start")
    # Online when any interval holds the question: the latest end among intervals begun by then is after it.
    online = online.assign(open_until=online.groupby("account")["end"].cummax())
    q = q.sort_values("ts")
    q = pd.merge_asof(q, online[["account", "start", "open_until"]].rename(columns={"start": "cur_start",
                                                                                   "open_until": "cur_end"}),
                      left_on="ts", right_on="cur_start", by="account", direction="backward")
    q = pd.merge_asof(q, online[["account", "start"]].rename(columns={"start": "next_start"}), left_on="ts",
                      right_on="next_start", by="account", direction="forward", allow_exact_matches=False)
    has_presence = q["account"].isin(set(p["account"]))
    in_interval = q["cur_start"].notna() & (q["ts"] < q["cur_end"])
    clock = q["next_reply"].where(q["next_start"].isna() | (q["next_start"] > q["next_reply"]), q["next_start"])
    clock = clock.where(has_presence & ~in_interval, q["ts"])
    q["response_s"] = (q["next_reply"] - clock).dt.total_seconds()
    resp = q[q["next_reply"].notna()].groupby(["shop", "account", "day"])["response_s"].mean()

    # Conversion, last touch: each order goes to the inquiry with the latest message at or before it.
    q0 = c[c["is_buyer"]].groupby(KEYS)["ts"].min().rename("q0").reset_index()
    o = t["orders"].dropna(subset=["buyer"])
    cand = q0.merge(o, on=["shop", "buyer"])
    end_day = cand["day"] + pd.Timedelta(days=WINDOW_DAYS + 1)
    cand = cand[(cand["created_at"] >= cand["q0"]) & (_local(cand["created_at"], zone) < end_day)]
    touch = c[KEYS + ["ts", "seq"]].rename(columns={"ts": "touch_ts", "seq": "touch_seq"}).sort_values("touch_ts")
    cand = pd.merge_asof(cand.sort_values("created_at"), touch, left_on="created_at", right_on="touch_ts", by=KEYS,
                         direction="backward")
    cand = cand.sort_values(["order_id", "touch_ts", "touch_seq"]).groupby("order_id").tail(1)
    cand["paid"] = cand["paid_at"].notna() & (_local(cand["paid_at"], zone) < cand["day"] + pd.Timedelta(
        days=WINDOW_DAYS + 1))
    paid = cand[cand["paid"]][KEYS].drop_duplicates().groupby(["shop", "account", "day"]).size()

    out = conv.groupby(["shop", "account", "day"]).agg(inquiry_buyers=("inquiry", "sum"),
                                                       replied_buyers=("replied", "sum"))
    out["paid_buyers"] = paid.reindex(out.index).fillna(0)
    out["reply_rate"] = out["replied_buyers"] / out["inquiry_buyers"]
    out["avg_response_s"] = resp.reindex(out.index)
    out["conversion_rate"] = out["paid_buyers"] / out["inquiry_buyers"]
    return out[["reply_rate", "avg_response_s", "conversion_rate"]].reset_index()
