"""a2vlib: the library behind the a2v study kit of cross-modal audio-visual GANs.

Notebooks tell the story; this package does the work. See README.md and the numbered notebooks.
"""
from a2vlib.core.errors import A2VError, DataError, DeviceError, ParamsError, WeightsError

__version__ = "0.1.0"
__all__ = ["A2VError", "DataError", "DeviceError", "ParamsError", "WeightsError", "__version__"]
