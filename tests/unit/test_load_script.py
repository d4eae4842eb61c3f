"""scripts/load.py's pure parts: the messages it sends and how it reads what the app sends back."""
import sys
from pathlib import Path

import pytest

from ui.streamlit_internals.protocol import Alert, BackMsg, ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from load import Element, Run, element_of, percentile, rerun_request, think_times, websocket_url


def test_percentile_is_the_nearest_rank() -> None:
    samples = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(samples, 0.5) == 3.0
    assert percentile(samples, 0.0) == 1.0
    assert percentile(samples, 1.0) == 5.0
    assert percentile([float(n) for n in range(1, 21)], 0.95) == 19.0


def test_a_rerun_request_names_the_page_and_carries_the_widgets() -> None:
    message = BackMsg()
    message.ParseFromString(rerun_request("live_reviews", [("$$ID-a-user", "string_value", "olly"),
                                                           ("$$ID-b-go", "trigger_value", True)]))
    assert message.WhichOneof("type") == "rerun_script"
    assert message.rerun_script.page_name == "live_reviews"
    widgets = {w.id: w for w in message.rerun_script.widget_states.widgets}
    assert widgets["$$ID-a-user"].string_value == "olly"
    assert widgets["$$ID-b-go"].trigger_value is True


def _element(kind: str, **fields: object) -> ForwardMsg:
    message = ForwardMsg()
    proto = getattr(message.delta.new_element, kind)
    for name, value in fields.items():
        setattr(proto, name, value)
    return message


def test_the_elements_are_read_with_their_widget_ids_and_texts() -> None:
    assert element_of(_element("text_input", id="$$ID-1", label="Username")) == Element("text_input", "$$ID-1",
                                                                                          "Username")
    assert element_of(_element("heading", body="Live reviews")) == Element("heading", "", "Live reviews")
    assert element_of(_element("alert", body="Wrong username", format=Alert.ERROR)) == Element("error", "",
                                                                                               "Wrong username")
    assert element_of(_element("alert", body="Saved", format=Alert.SUCCESS)) == Element("alert", "", "Saved")
    finished = ForwardMsg()
    finished.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    assert element_of(finished) is None


def test_a_run_finds_its_widgets_and_reports_what_a_user_would_see_as_an_error() -> None:
    run = Run([Element("text_input", "$$ID-1", "Username"), Element("button", "$$ID-2", "Sign in"),
               Element("error", "", "Wrong username or password."), Element("exception", "", "KeyError: 'x'")])
    assert run.widget("button", "Sign in") == "$$ID-2"
    with pytest.raises(RuntimeError, match="no text_input 'Password'"):
        run.widget("text_input", "Password")
    assert run.problems() == ["error on the page: Wrong username or password.",
                              "exception on the page: KeyError: 'x'"]
    assert Run([Element("heading", "", "Live reviews")]).problems() == []


def test_the_websocket_is_the_apps_stream_on_the_same_host() -> None:
    assert websocket_url("http://127.0.0.1:8501") == "ws://127.0.0.1:8501/_stcore/stream"
    assert websocket_url("https://tracker.example/") == "wss://tracker.example/_stcore/stream"


def test_a_script_that_did_not_compile_is_an_error() -> None:
    assert Run([], status=ForwardMsg.FINISHED_WITH_COMPILE_ERROR).problems() == ["the script did not compile"]
    assert Run([], status=ForwardMsg.FINISHED_SUCCESSFULLY).problems() == []


def test_think_times_lie_between_the_bounds_and_repeat_for_a_seed() -> None:
    pauses = think_times(200, (3.0, 10.0), seed=7)
    assert len(pauses) == 200
    assert all(3.0 <= p <= 10.0 for p in pauses)
    assert max(pauses) - min(pauses) > 5.0  # spread over the range, not one value
    assert think_times(200, (3.0, 10.0), seed=7) == pauses
    assert think_times(200, (3.0, 10.0), seed=8) != pauses


def test_no_think_time_clicks_back_to_back() -> None:
    assert think_times(5, (0.0, 0.0), seed=1) == [0.0] * 5
