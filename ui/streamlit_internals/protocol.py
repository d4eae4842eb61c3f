"""Streamlit's protobuf messages, for what speaks Streamlit's websocket protocol or reads its elements as they are
sent: scripts/load.py (a page's messages without a browser) and the tests that read an element's fields or a run's
ending. Their fields are checked in tests/unit/test_streamlit_internals_contract.py."""
from __future__ import annotations

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Metric_pb2 import Metric

from ui.streamlit_internals import STREAM_PATH

__all__ = ["STREAM_PATH", "Alert", "BackMsg", "ForwardMsg", "Metric"]
