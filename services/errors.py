"""Errors a service raises, each with a sentence a user can act on."""


class ServiceError(Exception):
    """Base for errors shown to the user as they are."""


class InvalidInput(ServiceError):
    """The input breaks a rule; the message says which and how to put it right."""


class NotAllowed(ServiceError):
    """The acting account's role may not do this."""


class StaleRecord(InvalidInput):
    """Somebody else saved the record after it was read; reload and try again."""


class DatabaseUnavailable(Exception):
    """The database cannot be reached (its server is stopped or lost, or DATABASE_URL is wrong): nothing was read or
    saved. Not a rule broken, so never a ServiceError: each caller says it in its own words (the pages:
    ui.errors.DATABASE_UNAVAILABLE)."""
