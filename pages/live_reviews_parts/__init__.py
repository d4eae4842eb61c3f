"""The parts of the Live reviews page (pages/live_reviews.py) that no other page uses: the LCSPRs in progress
(lcsprs). A package, not a page: the app's pages are the explicit entries of ui.navigation.PAGES, and Streamlit's own
discovery of pages/ is turned off."""
