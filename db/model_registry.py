"""Imports every model module so that Base.metadata knows every table."""
from db import models, models_after, models_agency, models_folder, models_mail, models_report, models_returns

__all__ = ["models", "models_after", "models_agency", "models_folder", "models_mail", "models_report", "models_returns"]
