"""The files under tests/typing are inputs for the type checkers, not tests."""

collect_ignore_glob = ['samples/*.py', 'errors/*.py']
