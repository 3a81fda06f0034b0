"""The check-in parser: pure text + template -> reports."""

from handlers.parser.core import Invalid, ParsedReport, Parser
from handlers.parser.render import blank_form, render_report

__all__ = ["Invalid", "ParsedReport", "Parser", "blank_form", "render_report"]
