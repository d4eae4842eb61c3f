"""The parts of the Agency returns page (pages/returns.py) that no other page uses: one card per agency return
(return_cards) and the batch forms for the common steps (return_batches). A package, not a page: the app's pages
are the explicit entries of ui.navigation.PAGES, and Streamlit's own discovery of pages/ is turned off."""
