"""The staff web app: login, and the phone simulator for the demo."""
