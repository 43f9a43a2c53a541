"""Safety screen and severity: declarative rules that catch clear safety events first."""

from orchestrator.safety.patterns import DEFAULT_RULES, Rule, SafetyKind
from orchestrator.safety.screen import SafetyScreen, ScreenHit
from orchestrator.safety.severity import assess_severity

__all__ = ["DEFAULT_RULES", "Rule", "SafetyKind", "SafetyScreen", "ScreenHit", "assess_severity"]
