"""Agency returns: the rules (rules.py, no I/O), the services (service.py), chasing (chasing.py) and the
checklist exports (exports.py)."""
