"""The reviews JSON of `feedback.aliexpress.com/pc/searchEvaluation.do`.

The endpoint answers {"data": {"productEvaluationStatistic": {...}, "evaViewList": [...], "totalNum": n}};
older revisions used "displayMessage" for the envelope, and saved scrapes often keep only
{"reviews": [...], "evaluation_stats": {...}}. All three are read.
"""

from __future__ import annotations

import json
from decimal import Decimal

from ...observation import Review
from ..base import ParseError
from ..locale import parse_date
from .common import as_dict, decimal_or_none, int_or_none, star_histogram


def feedback_parts(document) -> tuple[list, dict] | None:
    """(evaViewList, productEvaluationStatistic + totals) of a decoded feedback document, or None."""
    if isinstance(document, list):
        return (document, {}) if all(isinstance(r, dict) and "buyerEval" in r for r in document[:5]) else None
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("reviews"), list) and ("evaluation_stats" in document or _are_reviews(document)):
        return document["reviews"], as_dict(document.get("evaluation_stats"))
    for envelope_key in ("data", "displayMessage"):
        envelope = document.get(envelope_key)
        if isinstance(envelope, dict) and ("evaViewList" in envelope or "productEvaluationStatistic" in envelope):
            stats = dict(as_dict(envelope.get("productEvaluationStatistic")))
            stats.setdefault("totalNum", envelope.get("totalNum"))
            return envelope.get("evaViewList") or [], stats
    return None


def _are_reviews(document: dict) -> bool:
    first = document["reviews"][:1]
    return bool(first) and isinstance(first[0], dict) and "buyerEval" in first[0]


def parse_feedback(
    text, language: str = ""
) -> tuple[list[Review], dict[int, int] | None, Decimal | None, int | None, Decimal | None]:
    """(reviews, star histogram, average, total reviews, positive %) of a feedback JSON document."""
    document = json.loads(text) if isinstance(text, (str, bytes)) else text
    parts = feedback_parts(document)
    if parts is None:
        raise ParseError("Not an AliExpress feedback document: no evaViewList or productEvaluationStatistic.")
    items, stats = parts
    reviews = [review for item in items if (review := _review(item, language)) is not None]
    total = int_or_none(stats.get("totalNum"))
    histogram = star_histogram(stats, total) if stats else None
    if total is None and histogram is not None:
        total = sum(histogram.values())
    average = decimal_or_none(stats.get("evarageStar", stats.get("averageStar")))
    return reviews, histogram, average, total, decimal_or_none(stats.get("positiveRate"))


def _review(item, language: str) -> Review | None:
    if not isinstance(item, dict):
        return None
    score = int_or_none(item.get("buyerEval"))
    review_id = str(item.get("evaluationIdStr") or item.get("evaluationId") or item.get("id") or "")
    if score is None or not review_id:
        return None
    country = str(item.get("buyerCountry") or "").strip().upper()
    return Review(
        id=review_id,
        stars=min(5, max(1, round(score / 20))),  # buyerEval is 20..100
        text=str(item.get("buyerFeedback") or "").strip(),
        date=parse_date(str(item.get("evalDate") or ""), language),
        country=country if len(country) == 2 and country.isalpha() else "",
        translated_text=str(item.get("buyerTranslationFeedback") or "").strip(),
    )
