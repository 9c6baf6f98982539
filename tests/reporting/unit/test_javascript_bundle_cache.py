"""The inlined Vega bundle is made once and kept in the user's cache folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from reporting.report import figures


def test_the_bundle_is_read_back_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vl_convert

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    figures.javascript_bundle.cache_clear()
    first = figures.javascript_bundle()
    assert "vegaEmbed" in first and "</script" not in first
    assert len(list((tmp_path / "safer").glob("vega-bundle-*.js"))) == 1

    def no_bundling(*args: object, **kwargs: object) -> str:
        raise AssertionError("bundled again although the cache holds it")

    monkeypatch.setattr(vl_convert, "javascript_bundle", no_bundling)
    figures.javascript_bundle.cache_clear()
    assert figures.javascript_bundle() == first
    figures.javascript_bundle.cache_clear()
