#!/usr/bin/env python3
"""Build the site: python build.py [build|serve|check] [--source DIR] [--output DIR] [--base-url URL] [--strict]"""
import sys

from cxsite.cli import main

if __name__ == "__main__":
    sys.exit(main())
