"""The back-office console (a single-page app built from console/) and the local GraphiQL page,
served from the files the build wrote into app/console/static."""

from app.console.serving import CONTENT_SECURITY_POLICY, STATIC_DIR, console_routes, graphiql_response

__all__ = ["CONTENT_SECURITY_POLICY", "STATIC_DIR", "console_routes", "graphiql_response"]
