"""Write area_labels.csv: names for the bundled synthetic areas (regions, police force areas, local authorities).

Regions and forces are the real ones (survey/synthetic/geography.py). The synthetic local authorities have only
codes (E001, W001, ...); each is named after its force and its order within it ("Kent 3"), which says where it
is without claiming to be a real council. Run from this folder: `python area_labels.py` (regenerate.sh does).
"""

import csv
from pathlib import Path

from survey.synthetic.geography import POLICE_FORCE_AREAS, REGIONS

here = Path(__file__).parent
forces = {str(code): name for code, name, _, _ in POLICE_FORCE_AREAS}
rows = [(str(code), name, "region") for code, name in REGIONS.items()]
rows += [(code, name, "force area") for code, name in forces.items()]
counts: dict[str, int] = {}
with open(here / "bcs_areas.csv", newline="", encoding="utf-8") as areas:
    for area in csv.DictReader(areas):
        counts[area["pfa"]] = counts.get(area["pfa"], 0) + 1
        rows.append((area["la"], f"{forces[area['pfa']]} {counts[area['pfa']]}", "authority"))
with open(here / "area_labels.csv", "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "name", "type"])
    writer.writerows(rows)
