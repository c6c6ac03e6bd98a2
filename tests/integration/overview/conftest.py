from tests.integration.overview.test_rollups import scripted  # noqa: F401 - the scripted state changes
