"""The parts of the Administration page (pages/admin.py) too big for its file: the scoping form's editor and the
agencies' link setting (scoping_form). A package, not a page: the app's pages are the explicit entries of
ui.navigation.PAGES, and Streamlit's own discovery of pages/ is turned off."""
