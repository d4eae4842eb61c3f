"""The parts of the Board page (pages/board.py) that no other page uses: the section after the Rapid Review (after).
A package, not a page: the app's pages are the explicit entries of ui.navigation.PAGES, and Streamlit's own discovery
of pages/ is turned off."""
