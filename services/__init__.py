"""The domain: every read and write of case data goes through these modules."""
