"""Read and validate: survey data files with their labels (`files`), checks against a questionnaire
(`validate`), and YAML spec files with errors that name the field (`specfiles`)."""
