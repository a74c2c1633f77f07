"""QC matcher throughput on 1 M and 10 M chat messages (run on demand: python bench/bench_qc.py).

Messages are demo-shop texts (answers, questions, greetings) with ~2 % carrying a violation, in chunks
of 1 M. Rates are messages per CPU second of this single-threaded process (robust on a shared machine):
"scan" is the matcher over a prepared corpus (as `kefu qc run` gets it, joined by DuckDB), "with joining"
adds joining and encoding the Python strings. Word-list rules alone, then all word and regex rules, then all
of them on the normalised views QC matches on (full-width, traditional, gaps, variants). Last, the buyer's
emotion (kefu.qc.emotion): each distinct text scored once, then repeated texts, which its cache answers.
"""
from __future__ import annotations

import argparse
import random
import time

from kefu.demo import texts as tx
from kefu.qc import Matcher, emotion, load_rules
from kefu.qc.matcher import Corpus

CHUNK = 1_000_000


def message_pool(rng: random.Random, size: int = 5000) -> list[str]:
    """Distinct realistic messages; a few hold what the rules look for."""
    base = [a for qas in tx.PRESALE_QA.values() for _, answers in qas for a in answers]
    base += [q for qas in tx.PRESALE_QA.values() for questions, _ in qas for q in questions]
    base += list(tx.GREETINGS + tx.AGENT_CLOSINGS + tx.OPENERS + tx.THANKS + tx.AGENT_ORDER_SEEN)
    bad = list(tx.QC_NO_FAREWELL + tx.QC_RUDE + tx.QC_RISK) + [tx.QC_CASHBACK, tx.QC_WECHAT]
    fill = {"p": "冲锋衣", "h": 175, "w": 140, "size": "L", "city": "杭州", "ago": "前天", "name": "小王",
            "answer": "亲，现货充足", "n": 42}
    out = []
    for i in range(size):
        text = rng.choice(bad if rng.random() < 0.02 else base)
        out.append(text.format(**fill) + f" {i}" * (i % 3 == 0))
    return out


def throughput(matcher: Matcher, pool: list[str], n: int, rng: random.Random) -> tuple[float, float, int]:
    """(scan rate, rate with joining the Python strings, hits) over n messages, in CPU seconds of this process."""
    hits = 0
    scan = join = 0.0
    for start in range(0, n, CHUNK):
        texts = rng.choices(pool, k=min(CHUNK, n - start))
        t0 = time.process_time()
        corpus = Corpus.of(texts, ["agent"] * len(texts))
        t1 = time.process_time()
        hits += len(matcher.scan_corpus(corpus))
        join += t1 - t0
        scan += time.process_time() - t1
    return n / scan, n / (scan + join), hits


def emotion_rates(pool: list[str], n: int, rng: random.Random) -> tuple[float, float]:
    """(distinct texts scored per CPU second, repeated texts per CPU second) of the buyer-emotion score."""
    emotion.score("预热")  # the lexicon loads once per process (about a second), outside the measure
    emotion.score.cache_clear()
    distinct = [f"{text} {i}" for i, text in enumerate(rng.choices(pool, k=min(n, 200_000)))]
    t0 = time.process_time()
    for text in distinct:
        emotion.score(text)
    cold = len(distinct) / (time.process_time() - t0)
    repeated = rng.choices(pool, k=n)
    t0 = time.process_time()
    for text in repeated:
        emotion.score(text)
    return cold, n / (time.process_time() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000000,10000000", help="message counts, comma-separated")
    args = parser.parse_args()
    rng = random.Random(1)
    pool = message_pool(rng)
    text_rules = [r for r in load_rules().rules if r.check is None]
    words_only = Matcher([r for r in text_rules if r.regex is None])
    everything = Matcher(text_rules)
    normalised = Matcher(text_rules, normalize=True)  # as `kefu qc run` matches (kefu.qc.normalize)
    print(f"{len(words_only.rules)} word-list rules, {len(everything.rules)} word+regex rules; one core")
    for n in (int(s) for s in args.sizes.split(",")):
        for label, matcher in (("word lists", words_only), ("words + regex", everything),
                               ("+ normalised", normalised)):
            rate, with_join, hits = throughput(matcher, pool, n, rng)
            print(f"{n:>12,} messages  {label:<14} scan {rate / 1e6:6.2f} M msgs/s, "
                  f"with joining the strings {with_join / 1e6:5.2f} M msgs/s  ({hits:,} hits)")
        cold, warm = emotion_rates(pool, n, rng)
        print(f"{n:>12,} messages  buyer emotion  distinct texts {cold / 1e3:6.1f} k msgs/s, "
              f"repeated texts {warm / 1e6:5.2f} M msgs/s (cache)")


if __name__ == "__main__":
    main()
