"""Write a backtest to Excel: the 15-minute series and one sheet per bill (Bill.rows())."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from app.backtest.result import BacktestResult

SERIES_HEADER = (
    "time (station zone)",
    "load kW",
    "pv available kW",
    "pv kW",
    "grid without kW",
    "grid with strategy kW",
    "bess kW",
    "soc %",
    "grid optimal kW",
    "bess optimal kW",
    "soc optimal %",
    "export violation",  # the quarter's mean export above the limit + tolerance
)
BILL_SHEETS = ("bill without", "bill strategy", "bill optimal")


def write_xlsx(result: BacktestResult, path: str | Path) -> Path:
    path = Path(path)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "series"
    ws.append(SERIES_HEADER)
    r, o = result.run, result.optimal
    v = r.export_violations
    for i, when in enumerate(result.local_times()):
        ws.append(
            [
                when,
                float(r.load_kw[i]),
                float(r.pv_available_kw[i]),
                float(r.pv_kw[i]),
                float(r.load_kw[i] - r.pv_available_kw[i]),
                float(r.grid_kw[i]),
                float(r.bess_kw[i]),
                float(r.soc[i] * 100.0),
                float(o.grid_kw[i]),
                float(o.bess_kw[i]),
                float(o.soc[i] * 100.0),
                bool(-r.grid_kw[i] > v.limit_kw + v.tolerance_kw),
            ]
        )
    ws.column_dimensions["A"].width = 20
    for title, bill in zip(
        BILL_SHEETS, (result.without, result.strategy, result.optimum), strict=True
    ):
        sheet = wb.create_sheet(title)
        rows = bill.rows()
        keys = list(rows[0]) if rows else ["month", "item", "amount"]
        sheet.append(keys)
        for row in rows:
            sheet.append([row.get(k) for k in keys])
        sheet.append([])
        sheet.append(["total", bill.total, bill.currency])
    summary = wb.create_sheet("summary")
    for key, value in result.figures().items():
        summary.append([key, ", ".join(value) if isinstance(value, list) else value])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
