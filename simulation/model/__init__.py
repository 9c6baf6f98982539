"""The SimPy model of one replication: offending rates and random streams, careers planned in bulk, programme
places and their waiting lists, and an offender's life from first custody or placement as small processes."""
