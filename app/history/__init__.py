"""Local history in SQLite: raw samples plus 1 min / 15 min / 1 h rollups (docs/history.md).

writer = HistoryWriter(history_path(data_dir), station)   # a thread of its own
bus.subscribe(POINTS, writer.submit)                       # never blocks the loop
reader = HistoryReader(history_path(data_dir))             # use off the GUI thread
result = reader.query("site.bess_soc", start, end)         # resolution 'auto'
writer.close()                                             # flushes, joins the thread
"""

from app.history.catalogue import CataloguedPoint
from app.history.errors import HistoryError, NoDatabaseError, UnknownPointError
from app.history.reader import HistoryReader
from app.history.resolutions import CHOICES as RESOLUTION_CHOICES
from app.history.result import QueryResult
from app.history.schema import DB_FILENAME, history_path
from app.history.status import WriterStatus
from app.history.writer import HistoryWriter

__all__ = [
    "DB_FILENAME",
    "RESOLUTION_CHOICES",
    "CataloguedPoint",
    "HistoryError",
    "HistoryReader",
    "HistoryWriter",
    "NoDatabaseError",
    "QueryResult",
    "UnknownPointError",
    "WriterStatus",
    "history_path",
]
