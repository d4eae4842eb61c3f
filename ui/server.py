"""Start the app as `streamlit run app.py` does, with page discovery from the pages/ folder turned off.

app.py declares every page through st.navigation. Streamlit would otherwise treat the pages/ folder
as auto-discovered pages on a fresh server's first run, and serve a page file without app.py's sign-in."""
import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli


def main() -> None:
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", "app.py", *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
