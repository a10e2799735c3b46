"""Time-of-use tariffs (尖峰 / 峰 / 平 / 谷), their prices, and the bill of a power series.

    tariff = load_tariff("resources/tariffs/zhejiang_large_industrial_1_10kv.yaml")
    tariff.period(ts)            # "critical_peak" | "peak" | "flat" | "valley"
    tariff.prices(ts_array)      # (import prices, export prices, period names)
    compute_bill(tariff, ts, grid_kw).total

See docs/tariffs.md for the file format and the bill rules.
"""

from app.tariff.bill import Bill, MonthBill, PeriodLine, compute_bill, to_cents
from app.tariff.loader import load_tariff, parse_tariff
from app.tariff.model import BasicCharge, Classified, Tariff
from app.tariff.schema import PERIOD_LABELS_ZH, PERIODS

__all__ = [
    "PERIODS",
    "PERIOD_LABELS_ZH",
    "BasicCharge",
    "Bill",
    "Classified",
    "MonthBill",
    "PeriodLine",
    "Tariff",
    "compute_bill",
    "load_tariff",
    "parse_tariff",
    "to_cents",
]
