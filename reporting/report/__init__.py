"""`safer report`: one self-contained HTML file with charts, from outputs of `safer` and their metadata.

`build.py` reads the results and picks the sections; one module per section (`headline`, `forest`, `trend`,
`change`, `peers`, `targets`, `sae`, `scenarios`, `projection`, `tornado`, `methods`); `figures.py` holds the
chart conventions, `html.py` draws the page, `write.py` writes it. The contract each result follows is in
`docs/report.md`.
"""
