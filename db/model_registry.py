"""Imports every model module so that Base.metadata knows every table."""
import db.models  # noqa: F401
import db.models_returns  # noqa: F401
import db.models_report  # noqa: F401
