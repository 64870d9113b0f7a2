"""newsmon: news monitoring for researchers tracking Russia's crackdown and emigration."""

__version__ = "0.1.0"
