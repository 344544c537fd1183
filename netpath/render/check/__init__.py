"""`netpath check` reports rendered: text, JSON, JUnit XML, SARIF and GitHub annotations, each
from the same `Report` and the check's source map."""
