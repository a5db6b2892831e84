"""cxsite: publish a customer-experience programme as a static website."""
from .config import Config, load_config
from .errors import BuildFailed, Problem, SiteError, UsageError
from .engine.site import BuildResult, build_site

__version__ = "0.1.0"
__all__ = ["BuildFailed", "BuildResult", "Config", "Problem", "SiteError", "UsageError",
           "__version__", "build_site", "load_config"]
