"""Reviews: the rules of a review (rules.py, no I/O) and its services (service.py)."""
