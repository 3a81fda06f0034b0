"""The check-in parser: pure text + template -> reports."""

from handlers.parser.core import Guess, Invalid, ParsedReport, Parser, Reading, Registry
from handlers.parser.render import blank_form, render_report

__all__ = ["Guess", "Invalid", "ParsedReport", "Parser", "Reading", "Registry", "blank_form", "render_report"]
