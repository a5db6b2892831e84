"""cxsite: publish a customer-experience programme as a static website."""
__version__ = "0.1.0"
__all__ = ["BuildFailed", "BuildResult", "Config", "Problem", "SiteError", "UsageError",
           "__version__", "build_site", "load_config"]
_LAZY = {"Config": "config", "load_config": "config", "BuildFailed": "errors", "Problem": "errors",
         "SiteError": "errors", "UsageError": "errors", "BuildResult": "engine.site",
         "build_site": "engine.site"}


def __getattr__(name: str):
    """The public names, imported when first used: `python build.py` with nothing to do
    never pays for Markdown and Jinja."""
    if name not in _LAZY:
        raise AttributeError(f"module 'cxsite' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
