"""Questionnaire spec: items and indicator rules as data (`schema`), loaded from YAML (`loading`).

The bundled questionnaires are `data/questionnaires/*.yaml`; `load_questionnaire` reads one by name or path.
"""
