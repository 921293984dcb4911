"""Views: small Viewer classes that build their widgets and plots once and update them in place."""
