"""A verdict: a sentence for a reader that also says whether the news is good, so the dashboard and the command line
pick a colour or an exit status from `good`, never by parsing the words."""

from __future__ import annotations


class Verdict(str):
    """The sentence itself (a str), with `good` telling whether it is a pass."""

    good: bool

    def __new__(cls, text: str, good: bool) -> Verdict:
        """A verdict saying `text`; `good` is True for a pass."""
        verdict = super().__new__(cls, text)
        verdict.good = good
        return verdict
