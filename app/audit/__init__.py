"""The audit trail: who did what to which point or setting, why, and with what result."""

from app.audit.entry import AuditEntry
from app.audit.store import AUDIT_FILENAME, AuditLog, audit_path

__all__ = ["AUDIT_FILENAME", "AuditEntry", "AuditLog", "audit_path"]
