"""`safer_io.inputs.read_parquet` gives exactly the frame `pandas.read_parquet` gives, without pyarrow's
dataset layer."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from safer_io.inputs import read_parquet


def _frames() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(3)
    n = 200
    plain = pd.DataFrame({
        "la": rng.choice(["E06000001", "E06000002", "W06000011"], n),
        "age": pd.Categorical(rng.choice(["16-24", "25-34", "75+"], n), categories=["16-24", "25-34", "75+"],
                              ordered=True),
        "ni21": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 2, n).astype(float)),
        "count": pd.array(np.where(rng.random(n) < 0.1, None, rng.integers(0, 9, n)), dtype="Int64"),
        "weight": rng.gamma(2.0, 1.0, n),
        "interviewed": pd.to_datetime("2008-09-01") + pd.to_timedelta(rng.integers(0, 120, n), unit="D"),
        "flag": rng.random(n) < 0.5,
        "note": np.where(rng.random(n) < 0.2, None, "x"),
    })
    indexed = plain.set_index("la")
    ranged = plain.iloc[10:50]
    with_attrs = plain.copy()
    with_attrs.attrs = {"source": "synthetic", "year": 2008}
    return {"plain": plain, "indexed": indexed, "ranged": ranged, "with_attrs": with_attrs,
            "empty": plain.iloc[0:0]}


@pytest.mark.parametrize("name", sorted(_frames()))
def test_the_same_frame_as_pandas(name, tmp_path):
    path = tmp_path / f"{name}.parquet"
    _frames()[name].to_parquet(path)
    expected = pd.read_parquet(path)
    got = read_parquet(path)
    pd.testing.assert_frame_equal(got, expected, check_dtype=True, check_index_type=True, check_column_type=True)
    assert got.attrs == expected.attrs


def test_the_dataset_layer_is_not_loaded(tmp_path):
    path = tmp_path / "plain.parquet"
    _frames()["plain"].to_parquet(path)
    script = (f"import sys; from safer_io.inputs import read_parquet; read_parquet({str(path)!r}); "
              "print('pyarrow.dataset' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "False"
