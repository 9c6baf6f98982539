"""Design-based estimation of community-safety survey indicators (BCS and Place Survey)."""
