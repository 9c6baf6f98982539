"""What the Measurement Annex counts from a replication (proven re-offending, serious re-offending), the
offences committed behind it, and what they cost."""
