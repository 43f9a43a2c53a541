"""normalise → safety screen → classifier tier(s) → thresholds → Decision."""
