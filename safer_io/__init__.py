"""The foundation every `safer` package stands on: inputs read safely, outputs written whole with provenance.

- `inputs`: the text of a spec, parameter or metadata file (decoding, YAML, JSON, Parquet) read so that no
  bad file can crash a command; errors name the file, line and likely encoding.
- `sidecars`: where an output's metadata lives (`<file>.meta.json`, or embedded in a Parquet schema).
- `hashing`: the SHA-256 of a file's bytes.
- `provenance`: what every output records (tool, version, command, parameters, hashes of its inputs).
- `outputs`: outputs checked before work, written to a temporary file and renamed only when complete.
- `memory`: outputs of earlier steps of a `safer run` job, kept in memory for later steps.
- `progress`: the `Tracker` a long job shows its progress through (the terminal's is in `reporting.console`).

It imports nothing of `survey`, `simulation`, `recorded_crime`, `reporting` or `cli`: formats written by a layer
above it (workbooks) are registered from above (`outputs.register_table_format`), never imported from here.
"""
