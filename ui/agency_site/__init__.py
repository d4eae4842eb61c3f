"""The agency's page, served by the app's own routes (Starlette), not Streamlit: see routes.py."""
from ui.agency_site.routes import (
    AGENCY_PREFIX,
    AgencyLimits,
    AgencySite,
    mount_agency_site,
    open_transaction,
    transaction_on,
)

__all__ = ["AGENCY_PREFIX", "AgencyLimits", "AgencySite", "mount_agency_site", "open_transaction", "transaction_on"]
