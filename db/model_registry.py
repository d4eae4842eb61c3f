"""Imports every model module so that Base.metadata knows every table."""
import db.models  # noqa: F401
