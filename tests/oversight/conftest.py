"""The Case Review helpers' fixtures, for the PCC review tests."""

from tests.community_trigger.conftest import victim  # noqa: F401
