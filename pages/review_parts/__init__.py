"""The parts of the Review page (pages/review.py) that no other page uses: the case folder (case_folder) and the
seven-minute briefing (briefing). A package, not a page: the app's pages are the explicit entries of
ui.navigation.PAGES, and Streamlit's own discovery of pages/ is turned off."""
