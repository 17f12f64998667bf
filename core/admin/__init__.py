"""What an admin does from the browser or the API: providers, models. Every function takes the acting
user first and applies :func:`core.admin_access.require_admin`, so no caller can forget the rule."""
