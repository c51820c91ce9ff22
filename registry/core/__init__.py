"""The bottom layer: settings, the shipped data folders, the error root, languages, worker processes."""
