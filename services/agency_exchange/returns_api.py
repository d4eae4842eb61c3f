"""What this package uses of the agency returns service, by its current public names: the one place it reaches into
services.returns (which may move), so that a move changes these lines only."""
from services.returns.reads import ReturnRead, ReturnStatus, list_returns
from services.returns.rules import Stage, agency_due_date, return_stage
from services.returns.service import record_returns_requested
from services.returns.service_receipts import record_resubmission_received, record_return_received
from services.returns.writing import load_return_for_write

__all__ = [
    "ReturnRead",
    "ReturnStatus",
    "Stage",
    "agency_due_date",
    "list_returns",
    "load_return_for_write",
    "record_resubmission_received",
    "record_return_received",
    "record_returns_requested",
    "return_stage",
]
