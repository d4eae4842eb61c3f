"""Parts of the Actions page (pages/actions.py): never pages themselves."""
