"""The page edge: database sessions for pages, the signed-in account, and shared widgets."""
