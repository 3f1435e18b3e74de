"""Hand-written expansions (client-go's ``*_expansion.go``): ``<package>/expansions/<module>.py``
survives regeneration, and its ``<Plural>Expansion`` classes become bases of the clients."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import httpx
import pytest

from clientgen.generate import generate_package
from clientgen.spec import load_spec
from kubeset import Config

SPEC = Path(__file__).parent / "specs" / "widgets.json"

EXPANSION = '''
"""Hand-written."""

from __future__ import annotations

from kubeset.client import AsyncWithGet, WithGet

from ..models import widgets_v1


class WidgetsExpansion(WithGet["widgets_v1.Widget", "widgets_v1.WidgetList"]):
    def color_of(self, name: str) -> str:
        widget = self.get(name)
        return str((widget.model_extra or {}).get("color"))


class AsyncWidgetsExpansion(AsyncWithGet["widgets_v1.Widget", "widgets_v1.WidgetList"]):
    async def color_of(self, name: str) -> str:
        widget = await self.get(name)
        return str((widget.model_extra or {}).get("color"))
'''


def test_expansions_are_kept_and_wired(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_spec(str(SPEC))
    generate_package(spec, "expwidgets", tmp_path)
    typed = tmp_path / "expwidgets" / "typed"
    module = next(p.stem for p in typed.glob("*.py") if p.stem != "__init__")
    assert "Expansion" not in (typed / f"{module}.py").read_text()

    expansions = tmp_path / "expwidgets" / "expansions"
    expansions.mkdir()
    (expansions / "__init__.py").write_text("")
    (expansions / f"{module}.py").write_text(EXPANSION.replace("widgets_v1", module))
    generate_package(spec, "expwidgets", tmp_path)  # regenerate: the expansion stays
    assert (expansions / f"{module}.py").read_text() == EXPANSION.replace("widgets_v1", module)
    text = (typed / f"{module}.py").read_text()
    assert "    WidgetsExpansion,\n" in text and "    AsyncWidgetsExpansion,\n" in text

    monkeypatch.syspath_prepend(str(tmp_path))
    package = importlib.import_module("expwidgets")

    def answer(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[1]
        return httpx.Response(200, content=json.dumps({"metadata": {"name": name}, "color": "red"}))

    http = httpx.Client(base_url="https://127.0.0.1:1", transport=httpx.MockTransport(answer))
    cs = package.Clientset.for_config(Config(host="https://127.0.0.1:1", qps=0), http_client=http)
    group = getattr(cs, next(n for n in dir(cs) if n.endswith("_v1")))()
    assert group.widgets("ns").color_of("w1") == "red"
    for name in [m for m in sys.modules if m.startswith("expwidgets")]:
        del sys.modules[name]
