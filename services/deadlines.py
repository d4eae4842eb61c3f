"""The national deadlines, in working days (domain.md): the rules every other module counts from."""

REVIEW_DUE_DAY = 15  # the Rapid Review reaches the Panel by the end of Day 15
SIN_DUE_WORKING_DAYS = 5  # CSC makes the notification within 5 working days of becoming aware
RETURN_DUE_WORKING_DAYS = 5  # an agency return is due 5 working days after it was requested
