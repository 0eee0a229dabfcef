"""The one exception type for mistakes a person can cause and fix."""


class QuizError(Exception):
    """A problem with the learner's input or environment: reported as one line, exit status 2."""
