"""The error every parameter check of the models raises."""


class ParameterError(ValueError):
    """An invalid parameter; the message names the key and the value, ``key`` is the name of
    the offending parameter (None when the error concerns no single one, e.g. unknown keys)."""

    def __init__(self, message, key=None):
        super().__init__(message)
        self.key = key
