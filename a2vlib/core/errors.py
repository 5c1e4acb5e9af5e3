"""The kit's errors: each names the file, key or value at fault and says what to do."""
from __future__ import annotations


class A2VError(Exception):
    """Base of every error the kit raises on purpose."""


class DataError(A2VError):
    """A data file (audio, image, video, manifest) is missing, corrupt or of the wrong shape."""


class ParamsError(A2VError):
    """A parameter file or value is wrong: unknown key, wrong type, bad YAML."""


class DeviceError(A2VError):
    """A requested device (e.g. cuda) is not available."""


class WeightsError(A2VError):
    """Model weights (e.g. SoundNet's) cannot be found or do not match the network."""


class OutputError(A2VError):
    """An output would replace, or land among, what the command did not create (see :mod:`a2vlib.core.outputs`)."""
