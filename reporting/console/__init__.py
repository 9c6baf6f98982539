"""What `safer` prints on the terminal: every table, note, spinner and progress bar a command shows, in one place.

The jobs (`survey.jobs`, `simulation.jobs`, `reporting.jobs`, `reporting.report`) return what they made and print
nothing; the command line calls a job, then a printer from here. Tables go to stdout (`console`); warnings,
progress and errors to stderr (`err_console`), so a command's output can be piped. Printers read tables by column
name and metadata by key, never by importing the code that made them, so this package imports nothing of
`survey` or `simulation`. Past the console itself, `rich` is imported inside the printers, so `safer --help`
stays quick.

- `terminal`: the consoles, progress (`ConsoleTracker`, a `safer_io.progress.Tracker`), item bindings and notes;
- `survey`: questionnaires, validation, estimates and judgements, weights, small areas, checks, synth, demo;
- `simulation`: simulate run, project, sweep, calibrate;
- `jobs`: `safer run`, `safer report`, `safer docs`;
- `crime`: the lines the recorded-crime jobs return.

Beside the printers, the command line's own plumbing, which `cli.py` uses to declare its commands: `help.py` (plain
metavars in `--help`), `failures.py` (`guarded`: bad input is one paragraph and exit code 2; `--debug` anywhere on
the line), `option_groups.py` (options that several commands share, spliced into each) and `shared_options.py`
(those options, each declared once with its help).

The command line imports each printer from its module.
"""

from __future__ import annotations
