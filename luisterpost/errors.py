"""Errors a user can fix; the CLI prints them as one clear message, never a traceback."""


class UserError(Exception):
    """A problem in the user's input (config, file, arguments) with a message that says what to fix."""
