"""The coordinators' admin for assessments: instruments, rounds (with their results page) and, read-only, the
individual answers. Thin by design: writes go through assessments.services, lists come from assessments.selectors."""

from assessments.admin import answers, instruments, rounds  # noqa: F401  (each registers its models)
