"""The error every parameter check of the models raises."""


class ParameterError(ValueError):
    """An invalid parameter; the message names the key and the value."""
