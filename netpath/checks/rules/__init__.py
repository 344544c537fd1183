"""The lint rules, one module per topic. `netpath.checks.lint.RULE_MODULES` lists them; the
registry imports them on first use. `context` holds the indexes the rules share."""
