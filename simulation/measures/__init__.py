"""What the Measurement Annex counts from a replication (`reoffending`: proven and serious re-offending per
offender), the measures of a replication by group (`replication_measures`), their summaries across
replications (`across_replications`), the offences committed behind them (`committed`), and what they cost
(`costs`)."""
