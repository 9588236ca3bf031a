"""The permission matrix (tests/test_permission_matrix.py): a world of records owned by one
agency, each carrying a marker, the identities who ask for them, and every route of the URL
resolver, classified."""
