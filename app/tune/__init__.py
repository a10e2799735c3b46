"""Self-tuning of the rule strategies' parameters by backtesting (``main.py tune``).

    result = tune_rules(station, tariff, load, pv, end_ts=...)   # the 28 days before end_ts
    result.section      # the proposed control section
See app/tune/search.py and docs/strategies.md ("Tuning a new station").
"""

from app.tune.search import Candidate, TuneResult, apply_candidate, tune_rules

__all__ = ["Candidate", "TuneResult", "apply_candidate", "tune_rules"]
