"""scripts/serve_workers.py's nginx configuration spreads signed-out browsers over the processes by a route cookie it
gives them, not by their address (users behind one address used to sign in all on one process)."""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from serve_workers import nginx_config


def _config(tmp_path: Path) -> str:
    path: Path = nginx_config(tmp_path, listen="127.0.0.1", port=8501, backends=[8502, 8503])
    return path.read_text()


def _map(config: str, variable: str) -> tuple[str, dict[str, str]]:
    """The map that sets `variable`: what it reads, and its entries."""
    found = re.search(r"map (\$\w+) \$" + variable + r" \{(.*?)\}\n", config)
    assert found is not None, variable
    entries = dict(re.findall(r"(''|default) (\"[^\"]*\"|[^;\s]+);", found.group(2)))
    return found.group(1), entries


def test_a_signed_in_browser_goes_by_its_session_cookie_a_signed_out_one_by_its_route_cookie(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert re.search(r"upstream rrt_app \{\s*hash \$sticky_key;", config)
    assert _map(config, "sticky_key") == ("$cookie_rrt_session",
                                          {"''": "$signed_out_key", "default": "$cookie_rrt_session"})
    # With no route cookie yet (the first request), the request's own random id: the value the cookie is given.
    assert _map(config, "signed_out_key") == ("$cookie_rrt_route",
                                              {"''": "$request_id", "default": "$cookie_rrt_route"})
    # The address (shared by the users behind a council's proxy) decides nothing: it is only logged.
    assert [line.strip().split()[0] for line in config.splitlines() if "$remote_addr" in line] == ["log_format"]


def test_the_route_cookie_is_given_only_to_a_browser_without_one(tmp_path: Path) -> None:
    config = _config(tmp_path)
    source, entries = _map(config, "route_cookie")
    assert source == "$cookie_rrt_route"
    assert entries == {"''": '"rrt_route=$request_id; Path=/; HttpOnly; SameSite=Lax"', "default": "''"}
    # Set for the whole server (no location has an add_header of its own, which would drop it there).
    server = config.split("server {", 1)[1]
    assert server.count("add_header") == 1
    assert re.search(r"listen 127\.0\.0\.1:8501;\s*add_header Set-Cookie \$route_cookie;", server)
