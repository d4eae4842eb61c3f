"""The server's own settings (config.settings): the bottom of the tree, imported by db/, services/, ui/, manage.py."""
